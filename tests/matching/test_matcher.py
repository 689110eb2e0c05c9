"""The hub's matcher: linking across systems, review candidates, remembered decisions."""

import pytest

from matching.forms import batch_forms
from matching.index import key_hash
from matching.matcher import HubMatcher
from matching.models import BlockingKey, CandidateStatus, MatchCandidate
from matching.services import match_candidate_reject
from mdm.matchers import MatchInput
from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from tests.conftest import record

pytestmark = pytest.mark.django_db


def crm(*records):
    return source_records_ingest(system="salesforce", domain="customer", records=list(records))


def erp(*records):
    return source_records_ingest(system="netsuite", domain="customer", records=list(records))


def test_the_same_company_written_differently_in_two_systems_becomes_one_golden_record():
    crm(record("001A", name="Müller Consulting GmbH", country="Deutschland", city="Berlin", postal_code="10115",
               phone="030 1234567", website="https://www.mueller-consulting.de/"))
    erp(record("42", object_type="customer", name="MUELLER CONSULTING", country="DE", city="Berlin",
               postal_code="10115", phone="+49 30 1234567", tax_id="DE123456789"))
    assert Customer.objects.count() == 1
    assert Customer.objects.get().lineage_entries["tax_id"]["system"] == "netsuite"


def test_a_subsidiary_with_its_own_tax_id_in_another_country_stays_apart():
    erp(record("1", object_type="customer", name="Globex Ltd", country="GB", tax_id="GB123456789", city="London"))
    erp(record("2", object_type="customer", name="Globex GmbH", country="DE", tax_id="DE987654321", city="Berlin"))
    assert Customer.objects.count() == 2


def test_two_different_tax_ids_in_one_country_are_never_linked():
    erp(record("1", object_type="customer", name="Initech Partners", country="US", tax_id="12-3456789",
               city="Austin", phone="512 555 0100"))
    crm(record("001", name="Initech Partners", country="US", tax_id="98-7654321", city="Austin",
               phone="512 555 0100"))
    assert Customer.objects.count() == 2


def test_a_doubtful_pair_becomes_a_review_candidate_with_its_reasons():
    erp(record("1", object_type="customer", name="Vandelay Industries", country="US"))
    summary = crm(record("001", name="Vandelay Industries", country="USA"))
    assert Customer.objects.count() == 2
    candidate = MatchCandidate.objects.get()
    assert summary.review_candidates == 1
    assert candidate.status == CandidateStatus.OPEN
    assert 0.5 <= candidate.score < 0.9
    assert "name" in candidate.contributions


def test_a_rejected_pair_never_comes_back(alice):
    erp(record("1", object_type="customer", name="Vandelay Industries", country="US"))
    crm(record("001", name="Vandelay Industries", country="USA"))
    candidate = MatchCandidate.objects.get()
    match_candidate_reject(candidate_id=candidate.id, acting_user=alice, reason="different firms")
    # Matched again (as a re-match after a rule change does), the CRM record finds only its own
    # golden record: the rejected one is neither linked nor proposed.
    from mdm.models import SourceRecord

    again = SourceRecord.objects.get(source_id="001")
    outcome = HubMatcher().match("customer", [MatchInput(0, "salesforce", "001", again.canonical, "Account")])[0]
    assert outcome.golden_id == again.xref.golden_id == candidate.golden_id_b
    assert outcome.review == []


def test_the_blocking_index_follows_the_golden_records():
    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="11-1111111"))
    golden = Customer.objects.get()
    indexed = set(BlockingKey.objects.filter(golden_id=golden.id).values_list("key_hash", flat=True))
    assert key_hash("customer", "tax:US|111111111") in indexed
    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="22-2222222",
               updated=golden.created_at.replace(year=2027)))
    indexed = set(BlockingKey.objects.filter(golden_id=golden.id).values_list("key_hash", flat=True))
    assert key_hash("customer", "tax:US|222222222") in indexed
    assert key_hash("customer", "tax:US|111111111") not in indexed


def test_two_projects_of_one_system_stay_two_however_alike():
    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="11-1111111"))
    source_records_ingest(system="netsuite", domain="project", records=[
        record("J1", object_type="job", code="PRJ-1-00", name="Hooli Cloud Migration", customer_source_id="1",
               start_date="2026-01-01"),
        record("J2", object_type="job", code="PRJ-1-01", name="Hooli Cloud Migration", customer_source_id="1",
               start_date="2026-01-01")])
    from mdm.models import Project

    assert Project.objects.count() == 2


def test_the_same_project_from_two_systems_meets_in_one_golden_record():
    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="11-1111111"))
    crm(record("001", name="Hooli Inc.", country="US", tax_id="11-1111111"))
    source_records_ingest(system="netsuite", domain="project", records=[
        record("J1", object_type="job", code="PRJ-1-00", name="Hooli Cloud Migration", customer_source_id="1",
               start_date="2026-01-01")])
    source_records_ingest(system="salesforce", domain="project", records=[
        record("a01", object_type="Project__c", code="PRJ-1-00", name="Cloud migration", customer_source_id="001",
               start_date="2026-01-01")])
    from mdm.models import Project

    assert Project.objects.count() == 1


def test_a_record_prepared_ahead_matches_as_one_worked_out_in_the_batch():
    values = {"name": "Hooli Inc.", "country": "US", "tax_id": "111111111", "phone": "+12125550100"}
    prepared = HubMatcher().prepare("customer", values)
    ahead = batch_forms("customer", MatchInput(0, "salesforce", "001", values, "Account", prepared=prepared))
    here = batch_forms("customer", MatchInput(0, "salesforce", "001", values, "Account"))
    assert ahead == here and ahead[1]


def test_a_preparation_made_before_a_reference_resolved_is_not_used():
    before = {"number": "C-1", "title": "Support", "customer": None}
    prepared = HubMatcher().prepare("contract", before)
    resolved = {**before, "customer": "CUS-0000000001"}
    forms = batch_forms("contract", MatchInput(0, "netsuite", "9", resolved, "salesOrder", prepared=prepared))
    assert forms == batch_forms("contract", MatchInput(0, "netsuite", "9", resolved, "salesOrder"))
    assert forms[0]["customer_id"] == "CUS-0000000001"


def test_indexing_from_held_records_writes_the_keys_reading_them_back_would():
    from matching.index import index_golden_records

    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="11-1111111",
               phone="212 555 0100", city="New York", postal_code="10001"))
    golden = Customer.objects.get()

    def indexed():
        return sorted(BlockingKey.objects.filter(golden_id=golden.id).values_list("key_hash", flat=True))

    index_golden_records("customer", [golden.id])
    read_back = indexed()
    index_golden_records("customer", [golden.id], records=[golden])
    assert indexed() == read_back and len(read_back) >= 4


def golden_reads(queries):
    return [q["sql"] for q in queries if 'FROM "mdm_customer"' in q["sql"]]


def test_a_candidate_met_before_is_scored_from_memory_without_reading_it_again():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from matching import forms

    forms._CANDIDATE_FORMS.clear()
    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="11-1111111", phone="212 555 0100"))
    golden = Customer.objects.get()
    incoming = MatchInput(0, "salesforce", "001", {"name": "Hooli Inc.", "country": "US", "tax_id": "111111111",
                                                   "phone": "+12125550100"}, "Account")
    with CaptureQueriesContext(connection) as first:
        outcome = HubMatcher().match("customer", [incoming])[0]
    with CaptureQueriesContext(connection) as second:
        again = HubMatcher().match("customer", [incoming])[0]
    assert outcome.golden_id == again.golden_id == golden.id and again.score == outcome.score
    assert golden_reads(first.captured_queries) and not golden_reads(second.captured_queries)


def test_a_candidate_whose_values_changed_is_scored_on_its_new_values():
    from matching import forms

    forms._CANDIDATE_FORMS.clear()
    erp(record("1", object_type="customer", name="Hooli", country="US", phone="212 555 0100"))
    golden = Customer.objects.get()
    incoming = MatchInput(0, "salesforce", "001", {"name": "Hooli Inc.", "country": "US", "phone": "+12125550100"},
                          "Account")
    before = HubMatcher().match("customer", [incoming])[0]  # the candidate's forms are remembered
    # The firm is renamed at the source; the shared phone keeps it a candidate.
    erp(record("1", object_type="customer", name="Nucleus Systems", country="US", phone="212 555 0100",
               updated=golden.created_at.replace(year=2027)))
    after = HubMatcher().match("customer", [incoming])[0]
    forms._CANDIDATE_FORMS.clear()
    assert after == HubMatcher().match("customer", [incoming])[0]  # as if nothing were remembered
    assert after.score != before.score


def test_a_merged_record_is_no_longer_a_match_candidate(alice):
    from mdm.services.merge import golden_record_merge, golden_record_unmerge

    erp(record("1", object_type="customer", name="Hooli", country="US", tax_id="11-1111111"),
        record("2", object_type="customer", name="Pied Piper", country="US", tax_id="33-3333333"))
    hooli, piper = Customer.objects.get(name="Hooli"), Customer.objects.get(name="Pied Piper")
    golden_record_merge(survivor_id=hooli.id, merged_id=piper.id, acting_user=alice, reason="acquired")
    assert not BlockingKey.objects.filter(golden_id=piper.id).exists()
    golden_record_unmerge(merged_id=piper.id, acting_user=alice, reason="not acquired after all")
    assert key_hash("customer", "tax:US|333333333") in set(
        BlockingKey.objects.filter(golden_id=piper.id).values_list("key_hash", flat=True))
