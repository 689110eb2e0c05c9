"""The Data quality page as a work list: resolving re-checks the rule, violations group by rule,
pages, sorts, and bulk actions say what they will do."""

import pytest
from django.urls import reverse

from mdm.services.ingest import source_records_ingest
from quality.models import Violation, ViolationStatus
from tests.conftest import at, record

pytestmark = pytest.mark.django_db
PAGE = reverse("quality:violations")


@pytest.fixture
def mailboxes(users):
    """Five German customers whose email is not an address."""
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"00M{i}", name=f"Mailbox {i} GmbH", country="DE", email=f"info@mailbox{i}") for i in range(5)])
    return list(Violation.objects.filter(rule__code="customer.email_format").order_by("pk"))


def test_resolving_a_violation_whose_data_did_not_change_keeps_it_open(as_user, mailboxes):
    client = as_user("steward_customers")
    violation = mailboxes[0]
    response = client.post(reverse("quality:close", args=[violation.pk, "resolve"]), {"note": "fixed"}, follow=True)
    assert Violation.objects.get(pk=violation.pk).status == ViolationStatus.OPEN
    assert b"still fails" in response.content and b"waive" in response.content


def test_resolving_after_the_data_was_fixed_closes_it(as_user, mailboxes):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("00M1", updated=at(5), name="Mailbox 1 GmbH", country="DE", email="info@mailbox1.de")])
    violation = Violation.objects.get(pk=mailboxes[1].pk)
    assert violation.status == ViolationStatus.RESOLVED  # the ingestion's evaluation closed it already
    # A violation closed by evaluation cannot be resolved again; one still open but passing can.
    Violation.objects.filter(pk=violation.pk).update(status=ViolationStatus.OPEN, resolved_at=None, note="")
    as_user("steward_customers").post(reverse("quality:close", args=[violation.pk, "resolve"]), {"note": "fixed"})
    violation.refresh_from_db()
    assert violation.status == ViolationStatus.RESOLVED and violation.resolved_by.username == "steward_customers"


def test_violations_group_by_rule_and_page(as_user, mailboxes, monkeypatch):
    monkeypatch.setattr("quality.views.PAGE", 2)
    response = as_user("steward_customers").get(PAGE)
    groups = {g["key"]: g["count"] for g in response.context["rule_groups"]}
    assert groups["customer.email_format"] == 5
    assert len(response.context["rows"]) == 2 and response.context["page"].pages >= 3
    by_rule = as_user("steward_customers").get(PAGE, {"rule": "customer.email_format", "page": 3})
    assert len(by_rule.context["rows"]) == 1
    assert as_user("steward_customers").get(PAGE, {"sort": "wages"}).status_code == 400


def test_bulk_waive_says_what_it_will_do_then_does_it(as_user, mailboxes):
    client = as_user("steward_customers")
    ids = [v.pk for v in mailboxes[:3]]
    preview = client.post(reverse("quality:bulk"), {"preview": "1", "verb": "waive", "item": ids},
                          HTTP_HX_REQUEST="true")
    assert "3 violations will be waived" in preview.content.decode()
    client.post(reverse("quality:bulk"), {"verb": "waive", "item": ids, "note": "shared mailboxes, as agreed"})
    assert set(Violation.objects.filter(pk__in=ids).values_list("status", flat=True)) == {ViolationStatus.WAIVED}


def test_bulk_recheck_closes_only_those_that_pass(as_user, mailboxes):
    response = as_user("steward_customers").post(reverse("quality:bulk"), {
        "verb": "resolve", "item": [v.pk for v in mailboxes]}, follow=True)
    assert Violation.objects.filter(status=ViolationStatus.OPEN, rule__code="customer.email_format").count() == 5
    assert b"still fails" in response.content


def test_acting_on_everything_the_filters_keep_asks_first(as_user, mailboxes):
    client = as_user("steward_customers")
    form = {"verb": "waive", "scope": "all", "filters": "rule=customer.email_format", "note": "agreed"}
    page = client.post(reverse("quality:bulk"), form)
    assert b"Waive 5 items?" in page.content
    client.post(reverse("quality:bulk"), {**form, "confirmed": "1"})
    assert Violation.objects.filter(status=ViolationStatus.WAIVED).count() == 5
