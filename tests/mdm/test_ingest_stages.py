"""The stages of an ingestion round, each on its own: read, decide, write (mdm.services.ingest)."""

from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.utils import timezone

from mdm.configuration import hub_configuration_read
from mdm.matchers import MatchOutcome
from mdm.models import SourceRecord, SourceSystem
from mdm.services.ingest import (
    Round,
    _Item,
    round_decide_links,
    round_decide_versions,
    round_read,
    round_write,
    source_record_prepare,
    unresolved_references,
)
from mdm.survivorship import Rule
from tests.conftest import at, record

NO_RULES = SimpleNamespace(rule_of=lambda _name: Rule())


def _round(domain="customer", system=None):
    source = system or SimpleNamespace(id=1, name="salesforce")
    return Round(source, domain, NO_RULES, timezone.now(), "cid")


def _item(source_id, updated=None, held=None, **canonical):
    prepared = source_record_prepare("customer", record(source_id, updated=updated, **{"name": "Acme", **canonical}))
    return _Item(prepared, held=held)


def _held(item, updated):
    """A held source record for `item`'s key, as another version."""
    return SourceRecord(id=7, content_hash="older", payload={}, canonical={}, source_updated_at=updated,
                        source_version="", received_at=updated, correlation_id="")


def test_deciding_versions_sorts_new_unchanged_stale_and_newer():
    work = _round()
    new = _item("A")
    same = _item("B", updated=at(2))
    same.held = SimpleNamespace(content_hash=same.content_hash)
    stale = _item("C", updated=at(1))
    stale.held = _held(stale, at(5))
    newer = _item("D", updated=at(9))
    newer.held = _held(newer, at(5))
    work.accepted = [new, same, stale, newer]
    round_decide_versions(work)
    assert work.new == [new] and work.to_link == [new]
    assert work.changed == [newer]
    assert work.summary.unchanged == 1 and work.summary.stale == 1
    # The stale version is kept unapplied; the replaced one goes to history as it was, applied.
    assert [(v.content_hash, v.applied) for v in work.versions] == [(stale.content_hash, False), ("older", True)]


def test_a_deleted_new_record_is_written_but_not_linked():
    work = _round()
    gone = _Item(source_record_prepare("customer", replace(record("A", name="Acme"), deleted=True)))
    work.accepted = [gone]
    round_decide_versions(work)
    assert work.new == [gone] and work.to_link == []


def test_a_reference_must_point_at_something_known_or_in_the_same_round():
    source = SimpleNamespace(id=1, name="salesforce")
    child = _item("CHILD", parent_source_id="PARENT")
    orphan = _item("ORPHAN", parent_source_id="NOWHERE")
    parent = _item("PARENT")
    refused = unresolved_references("customer", source, [child, orphan, parent], targets={})
    assert refused == [(orphan.incoming, {"parent_source_id": ["no customer with source id 'NOWHERE' is known "
                                                               "from salesforce"]})]


def test_deciding_links_groups_new_records_into_new_golden_records_and_links_others_to_held_ones():
    work = _round()
    first, second, third = _item("A"), _item("B"), _item("C")
    for number, item in enumerate((first, second, third), start=10):
        item.source_record_id = number
    work.to_link = [first, second, third]
    work.outcomes = [MatchOutcome(ref=0, group="g"), MatchOutcome(ref=1, group="g"),
                     MatchOutcome(ref=2, golden_id="CUHELD", rule="exact", score=0.99)]
    work.group_golden = {"g": "CUNEW"}
    new_golden, contributors, links = round_decide_links(work)
    assert list(new_golden) == ["CUNEW"]
    assert [row["id"] for row in contributors["CUNEW"]] == [10, 11]
    assert [(xref["source_record_id"], xref["golden_id"], xref["linked_by"]) for _outcome, xref in links] == [
        (10, "CUNEW", "new"), (11, "CUNEW", "new"), (12, "CUHELD", "exact")]
    assert work.touched == ["CUNEW", "CUNEW", "CUHELD"]


@pytest.mark.django_db
def test_reading_a_round_locks_the_held_versions_and_asks_the_matcher_before_anything_is_written():
    source = SourceSystem.objects.get(name="salesforce")
    asked = []

    class Matcher:
        def match(self, domain, records):
            asked.append(SourceRecord.objects.count())
            return [MatchOutcome(ref=r.ref, group=f"solo:{r.ref}") for r in records]

    work = Round(source, "customer", hub_configuration_read("customer"), timezone.now(), "cid")
    round_read(work, [source_record_prepare("customer", record("A", name="Acme"))], matcher=Matcher())
    assert asked == [0] and SourceRecord.objects.count() == 0
    assert len(work.group_golden) == 1 and len(work.new) == 1
    round_write(work, acting_user=None, reason="")
    assert SourceRecord.objects.count() == 1
    assert work.summary.created == 1 and work.summary.golden_created == 1
