"""Violations follow the data: ingestion (through mdm's real source_records_ingest) opens them,
a corrected delivery closes them, nothing is opened twice, waivers hold, a contract's change
reaches the project relying on it, and the work per batch is a fixed number of queries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mdm.models import Customer, Project
from mdm.services.ingest import source_records_ingest
from quality.models import QualityRule, Violation, ViolationStatus
from quality.services import golden_records_evaluate, violation_close
from stewardship.models import StewardScope
from tests.conftest import at, record

pytestmark = pytest.mark.django_db


def open_rules(golden_id):
    return sorted(Violation.objects.filter(golden_id=golden_id, status="open").values_list("rule__code", flat=True))


def golden(system, source_id):
    from mdm.models import CrossReference

    return CrossReference.objects.get(source_record__system__name=system, source_record__source_id=source_id).golden_id


def test_rules_are_seeded_from_the_versioned_file():
    codes = set(QualityRule.objects.values_list("code", flat=True))
    assert {"customer.name_required", "customer.de_vat_id", "customer.email_format", "customer.billing_currency",
            "contract.ends_after_start", "project.active_needs_active_contract"} <= codes


def test_ingestion_opens_a_violation_per_failing_rule_and_a_corrected_version_closes_them():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="DE", tax_id="12/345/67890", email="info@acme", currency="JPY"),
        record("001B", name="Globex AG", country="DE", tax_id="DE 222 222 222", email="info@globex.de",
               currency="EUR"),
    ])
    acme, globex = golden("salesforce", "001A"), golden("salesforce", "001B")
    assert open_rules(acme) == ["customer.billing_currency", "customer.de_vat_id", "customer.email_format"]
    assert open_rules(globex) == []
    vat = Violation.objects.get(golden_id=acme, rule__code="customer.de_vat_id")
    assert vat.domain == "customer" and vat.attribute == "tax_id" and vat.severity == "error"
    assert "'1234567890'" in vat.message

    # The same delivery again changes nothing: still one open violation per rule and record.
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="DE", tax_id="12/345/67890", email="info@acme", currency="JPY")])
    assert Violation.objects.filter(golden_id=acme).count() == 3

    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(2), name="Acme GmbH", country="DE", tax_id="DE111111111", email="info@acme",
               currency="EUR")])
    assert open_rules(acme) == ["customer.email_format"]
    closed = Violation.objects.get(golden_id=acme, rule__code="customer.de_vat_id")
    assert closed.status == ViolationStatus.RESOLVED and closed.resolved_at >= closed.opened_at
    assert closed.resolved_by is None and closed.note == "passes on re-evaluation"


def test_a_waived_violation_is_not_opened_again_but_a_resolved_one_that_still_fails_is(alice):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="DE", tax_id="12/345/67890", email="info@acme")])
    acme = golden("salesforce", "001A")
    vat = Violation.objects.get(golden_id=acme, rule__code="customer.de_vat_id")
    email = Violation.objects.get(golden_id=acme, rule__code="customer.email_format")
    violation_close(violation_id=vat.pk, status="waived", note="Acme is not VAT registered", acting_user=alice)
    violation_close(violation_id=email.pk, status="resolved", note="", acting_user=alice)

    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(2), name="ACME GmbH", country="DE", tax_id="12/345/67890", email="info@acme")])
    assert open_rules(acme) == ["customer.email_format"]
    assert Violation.objects.filter(golden_id=acme, rule__code="customer.de_vat_id").count() == 1
    assert Violation.objects.filter(golden_id=acme, rule__code="customer.email_format").count() == 2


def test_an_active_project_needs_an_active_contract_and_follows_the_contracts_changes():
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("C-1", "customer", name="Acme GmbH", country="NL")])
    source_records_ingest(system="netsuite", domain="contract", records=[
        record("K-1", "contract", number="K-1", status="active", customer_source_id="C-1", currency="EUR"),
        record("K-2", "contract", number="K-2", status="draft", customer_source_id="C-1", currency="EUR")])
    source_records_ingest(system="netsuite", domain="project", records=[
        record("P-1", "project", code="P-1", status="active", customer_source_id="C-1", contract_source_id="K-1"),
        record("P-2", "project", code="P-2", status="active", customer_source_id="C-1", contract_source_id="K-2"),
        record("P-3", "project", code="P-3", status="active", customer_source_id="C-1"),
        record("P-4", "project", code="P-4", status="planned", customer_source_id="C-1")])
    rule = "project.active_needs_active_contract"
    p1, p2, p3, p4 = (golden("netsuite", f"P-{n}") for n in range(1, 5))
    assert rule not in open_rules(p1) and rule not in open_rules(p4)
    assert rule in open_rules(p2) and rule in open_rules(p3)

    # K-1 expires: P-1's violation opens although P-1 itself did not change; K-2 is signed: P-2's closes.
    source_records_ingest(system="netsuite", domain="contract", records=[
        record("K-1", "contract", updated=at(3), number="K-1", status="expired", customer_source_id="C-1",
               currency="EUR"),
        record("K-2", "contract", updated=at(3), number="K-2", status="active", customer_source_id="C-1",
               currency="EUR")])
    assert rule in open_rules(p1)
    assert rule not in open_rules(p2)
    assert Project.objects.get(pk=p1).status == "active"


def test_the_owner_is_the_steward_scoped_to_the_records_domain_and_country(db):
    steward = Group.objects.get(name="steward")
    de = User.objects.create_user("erika")
    everywhere = User.objects.create_user("frank")
    for user, countries in ((de, ["DE", "AT"]), (everywhere, [])):
        user.groups.add(steward)
        StewardScope.objects.create(user=user, domain="customer", countries=countries)
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="DE", email="nope"),
        record("001B", name="Globex", country="FR", email="nope"),
    ])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("K-1", "Contract", number="K-1", currency="EUR")])
    owners = {v.golden_id: v.owner for v in Violation.objects.filter(rule__code="customer.email_format")}
    assert owners[golden("salesforce", "001A")] == de
    assert owners[golden("salesforce", "001B")] == everywhere
    # No contract steward: the domain's steward group owns it.
    assert Violation.objects.get(rule__code="contract.customer_required").owner is None


def test_a_merged_record_has_no_open_violations(alice):
    from mdm.services.merge import golden_record_merge

    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="NL", email="nope"),
        record("001B", name="Initech B.V.", country="NL", email="nope")])
    a, b = golden("salesforce", "001A"), golden("salesforce", "001B")
    golden_record_merge(survivor_id=a, merged_id=b, acting_user=alice, reason="same company")
    assert open_rules(b) == []
    assert Customer.objects.get(pk=b).record_status == "merged"


def _customers(prefix, n):
    return [record(f"{prefix}{i}", name=f"Customer {prefix}{i}", country="DE", tax_id=f"{i:03d}/45", email="bad")
            for i in range(n)]


def test_evaluating_a_batch_costs_the_same_queries_whatever_its_size():
    steward = Group.objects.get(name="steward")
    user = User.objects.create_user("erika")
    user.groups.add(steward)
    StewardScope.objects.create(user=user, domain="customer", countries=["DE"])
    source_records_ingest(system="salesforce", domain="customer", records=_customers("S", 5))
    source_records_ingest(system="salesforce", domain="customer", records=_customers("L", 40))

    def queries(prefix, n):
        ids = [golden("salesforce", f"{prefix}{i}") for i in range(n)]
        records = list(Customer.objects.filter(pk__in=ids))
        Violation.objects.filter(golden_id__in=ids).delete()
        with CaptureQueriesContext(connection) as captured:
            result = golden_records_evaluate("customer", records)
        assert result.opened == 2 * n
        return len(captured)

    assert queries("S", 5) == queries("L", 40)  # SQLite splits inserts past ~90 rows


def test_resolution_time_is_measured_from_opening_to_closing():
    from django.utils import timezone

    from quality.selectors import resolution_times

    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="NL", email="nope")])
    Violation.objects.update(opened_at=timezone.now() - timedelta(hours=2))
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(2), name="Acme GmbH", country="NL", email="info@acme.nl")])
    count, mean = resolution_times()["customer"]
    assert count == 1 and 2 * 3600 <= mean < 2 * 3600 + 60
