"""The Data quality page: who sees which violations, the filters, and resolve / waive / reassign
going through the service with history, refused (403) outside the user's domains or countries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mdm.services.ingest import source_records_ingest
from quality.models import Violation, ViolationStatus
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def bad(users):
    """A German and a British customer with a malformed email, and a contract without customer."""
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="DE", tax_id="DE111111111", email="info@acme"),
        record("001B", name="Umbrella Ltd", country="GB", email="info@umbrella")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("K-1", "Contract", number="K-1", currency="EUR")])
    by = {v.rule.code + ":" + v.message: v for v in Violation.objects.select_related("rule")}
    return {
        "de": next(v for k, v in by.items() if k.startswith("customer.email_format") and "acme" in k),
        "gb": next(v for k, v in by.items() if k.startswith("customer.email_format") and "umbrella" in k),
        "contract": next(v for k, v in by.items() if k.startswith("contract.customer_required")),
    }


def page(client, **params):
    return client.get(reverse("quality:violations"), params)


def shown(response):
    return {v.pk for v, _age in response.context["rows"]}


def test_it_sends_anonymous_visitors_to_log_in_and_refuses_users_without_a_role(client, users):
    assert page(client).status_code == 302
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_user("nobody"))
    assert page(client).status_code == 403


@pytest.mark.parametrize("name", ["steward_customers", "steward_projects", "council", "auditor", "admin"])
def test_it_renders_for_every_role(as_user, bad, name):
    response = page(as_user(name))
    assert response.status_code == 200
    assert b"Data quality" in response.content


def test_a_steward_sees_only_her_domains_and_countries(as_user, bad):
    assert shown(page(as_user("steward_customers"))) == {bad["de"].pk}
    assert shown(page(as_user("steward_projects"))) == set()
    assert shown(page(as_user("council"))) == {bad["de"].pk, bad["gb"].pk, bad["contract"].pk}


def test_filters_by_domain_rule_owner_age_and_status(as_user, bad):
    council = as_user("council")
    assert shown(page(council, domain="contract")) == {bad["contract"].pk}
    assert shown(page(council, rule="customer.email_format")) == {bad["de"].pk, bad["gb"].pk}
    assert shown(page(council, owner="stewards")) == {bad["gb"].pk, bad["contract"].pk}
    assert shown(page(council, owner="steward_customers")) == {bad["de"].pk}  # scoped to DE: she owns it
    Violation.objects.filter(pk=bad["gb"].pk).update(opened_at=timezone.now() - timedelta(days=10))
    assert shown(page(council, age="7d_30d")) == {bad["gb"].pk}
    assert shown(page(council, age="under_1d")) == {bad["de"].pk, bad["contract"].pk}
    assert shown(page(council, status="resolved")) == set()
    response = page(council, age="ancient")
    assert response.status_code == 400 and b"unknown age" in response.content


def test_a_steward_resolves_and_waives_with_history(as_user, users, bad):
    client = as_user("steward_customers")
    response = client.post(reverse("quality:close", args=[bad["de"].pk, "waive"]), {"note": ""})
    assert response.status_code == 302
    assert Violation.objects.get(pk=bad["de"].pk).status == ViolationStatus.OPEN  # a waiver needs a reason

    client.post(reverse("quality:close", args=[bad["de"].pk, "waive"]), {"note": "shared mailbox, as agreed"})
    waived = Violation.objects.get(pk=bad["de"].pk)
    assert waived.status == ViolationStatus.WAIVED and waived.resolved_by == users["steward_customers"]
    latest = waived.history.latest()
    assert latest.history_user == users["steward_customers"]
    assert latest.history_change_reason == "waived: shared mailbox, as agreed"

    again = client.post(reverse("quality:close", args=[bad["de"].pk, "resolve"]), {"note": ""}, follow=True)
    assert b"already waived" in again.content


def test_reassigning_gives_the_violation_to_another_steward(as_user, users, bad):
    client = as_user("council")
    client.post(reverse("quality:reassign", args=[bad["contract"].pk]), {"owner": users["council2"].pk})
    assert Violation.objects.get(pk=bad["contract"].pk).owner == users["council2"]
    client.post(reverse("quality:reassign", args=[bad["contract"].pk]), {"owner": users["integration"].pk})
    assert Violation.objects.get(pk=bad["contract"].pk).owner == users["council2"]  # not a steward: refused
    client.post(reverse("quality:reassign", args=[bad["contract"].pk]), {"owner": ""})
    assert Violation.objects.get(pk=bad["contract"].pk).owner is None


@pytest.mark.parametrize(("name", "which"), [
    ("auditor", "de"),                # reads everything, changes nothing
    ("steward_customers", "gb"),      # outside her countries
    ("steward_projects", "contract"),  # outside his domain
])
def test_actions_outside_ones_reach_are_refused(as_user, bad, name, which):
    client = as_user(name)
    violation = bad[which]
    assert client.post(reverse("quality:close", args=[violation.pk, "resolve"]), {"note": "x"}).status_code == 403
    assert client.post(reverse("quality:reassign", args=[violation.pk]), {"owner": ""}).status_code == 403
    assert Violation.objects.get(pk=violation.pk).status == ViolationStatus.OPEN


def test_a_violation_is_offered_and_given_only_to_those_who_may_change_its_record(as_user, users, bad):
    response = page(as_user("council"))
    offered = {pk: {u.username for u in owners} for pk, owners in response.context["owners"].items()}
    assert "steward_projects" not in offered[bad["de"].pk]  # a customer's violation: no project steward
    assert "steward_customers" in offered[bad["de"].pk]     # a German customer: in her countries
    assert "steward_customers" not in offered[bad["gb"].pk]  # a British one: not
    client = as_user("council")
    client.post(reverse("quality:reassign", args=[bad["gb"].pk]), {"owner": users["steward_customers"].pk})
    assert Violation.objects.get(pk=bad["gb"].pk).owner is None  # refused: outside her countries


def test_the_page_asks_the_same_few_queries_however_many_customers_it_lists(as_user, bad, django_assert_max_num_queries):
    client = as_user("council")
    page(client)
    with django_assert_max_num_queries(60) as captured:
        page(client)
    few = len(captured)
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"00X{i}", name=f"Firm {i} GmbH", country="DE", email=f"info@firm{i}") for i in range(12)])
    with django_assert_max_num_queries(few):  # twelve more German customers' violations, no more queries
        page(client)
