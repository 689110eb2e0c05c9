"""A full re-match: same answer as incremental matching, and steward decisions survive it."""

import pytest

from matching.matcher import HubMatcher
from matching.models import CandidateStatus, MatchCandidate, RematchRun
from matching.rematch import rematch_shard, rematch_start
from matching.services import match_candidate_reject
from mdm.matchers import MatchOutcome
from mdm.models import CrossReference
from mdm.services.ingest import source_records_ingest
from tests.conftest import record

pytestmark = pytest.mark.django_db

COMPANIES = [
    ("salesforce", "001", "Müller Consulting GmbH", "Deutschland", "Berlin", "030 1234567", ""),
    ("netsuite", "n1", "MUELLER CONSULTING", "DE", "Berlin", "+49 30 1234567", "DE123456789"),
    ("salesforce", "002", "Globex Ltd", "United Kingdom", "London", "020 7946 0958", ""),
    ("netsuite", "n2", "Globex Limited", "GB", "London", "+44 20 7946 0958", "GB111222333"),
    ("netsuite", "n3", "Globex GmbH", "DE", "Hamburg", "+49 40 555 0101", "DE999888777"),
    ("salesforce", "003", "Initech Partners LLC", "USA", "Austin", "(512) 555-0100", ""),
    ("netsuite", "n4", "Initech Partners", "US", "Austin", "+1 512 555 0100", "12-3456789"),
    ("salesforce", "004", "Vandelay Industries", "USA", "New York", "", ""),
]


class NeverLinks(HubMatcher):
    """Every record a golden record of its own (the index is still kept): leaves all to the re-match."""

    def match(self, domain, records):
        return [MatchOutcome(ref=r.ref, group=f"own:{r.ref}") for r in records]


def load():
    """One record per call, as events arrive."""
    for system, source_id, name, country, city, phone, tax in COMPANIES:
        source_records_ingest(system=system, domain="customer", records=[record(
            source_id, object_type="Account" if system == "salesforce" else "customer", name=name, country=country,
            city=city, phone=phone, tax_id=tax)])


def partition():
    groups = {}
    for golden_id, source_id in CrossReference.objects.values_list("golden_id", "source_record__source_id"):
        groups.setdefault(golden_id, set()).add(source_id)
    return sorted(sorted(group) for group in groups.values())


def rematch(domain="customer", shards=3):
    run = rematch_start(domain, shards=shards)
    for shard in range(shards):
        rematch_shard(run.id, shard)
    return RematchRun.objects.get(pk=run.id)


def test_a_full_rematch_reaches_the_incremental_answer(settings):
    load()
    incremental = partition()
    assert ["001", "n1"] in incremental and ["n3"] in incremental

    CrossReference.objects.all().delete()
    from mdm.models import Customer, SourceRecord

    SourceRecord.objects.all().delete()
    Customer.objects.all().delete()
    settings.CONCORD_MATCHER = "tests.matching.test_rematch.NeverLinks"
    load()
    assert len(partition()) == len(COMPANIES)
    run = rematch()
    assert run.status == "done" and run.stats["merges"] == len(COMPANIES) - len(incremental)
    assert partition() == incremental


def test_a_stewards_not_a_match_survives_a_full_rematch(alice):
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("1", object_type="customer", name="Vandelay Industries", country="US")])
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001", name="Vandelay Industries", country="USA")])
    candidate = MatchCandidate.objects.get()
    match_candidate_reject(candidate_id=candidate.id, acting_user=alice, reason="two firms")
    run = rematch()
    assert run.stats == {"pairs": 0, "merges": 0, "review_candidates": 0}
    assert not MatchCandidate.objects.filter(status=CandidateStatus.OPEN).exists()
    assert len(partition()) == 2


def test_a_shard_handed_out_twice_adds_nothing_the_second_time(settings):
    # With acks_late, a broker hands a task out again when its worker dies or it outlives the
    # visibility timeout: the shard must not be counted, nor its pairs stored, twice.
    load()
    run = rematch_start("customer", shards=2)
    first = rematch_shard(run.id, 0)
    assert rematch_shard(run.id, 0) == 0
    assert RematchRun.objects.get(pk=run.id).shards_done == 1
    assert run.pairs.count() == first
    rematch_shard(run.id, 1)
    assert RematchRun.objects.get(pk=run.id).status == "done"
