"""Merges and unmerges in any order keep the hub consistent.

A model of what should hold, beside the hub: the merges form a forest (each merged record points
at the record it was merged into). An active golden record holds its own source records and those
of every record merged into it, directly or down a chain; an unmerged record holds exactly its
own again (and those of records still merged into it). Hypothesis draws the sequences, refused
steps included (merging a merged record, unmerging an active one), and checks after every step.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdm.models import Contract, CrossReference, Customer, MergeEvent
from mdm.services.golden import golden_records_recompute
from mdm.services.ingest import source_records_ingest
from mdm.services.merge import golden_record_merge, golden_record_unmerge
from tests.conftest import record

pytestmark = pytest.mark.django_db

FIRMS = [("Alder Consulting", "US", "10000001"), ("Birch Beratung", "DE", "20000002"),
         ("Cedar Conseil", "FR", "30000003"), ("Dogwood Advies", "NL", "40000004"),
         ("Elm Consultoria", "ES", "50000005")]
# Two firms are known to two systems: a record can hold more than one source record of its own.
SECOND_SOURCE = {0: "netsuite", 3: "netsuite"}

steps = st.lists(st.one_of(st.tuples(st.just("merge"), st.integers(0, 4), st.integers(0, 4)),
                           st.tuples(st.just("unmerge"), st.integers(0, 4), st.just(0))), max_size=10)


def _load() -> list[str]:
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"sf-{i}", name=name, country=country, tax_id=tax_id) for i, (name, country, tax_id) in enumerate(FIRMS)])
    for i, system in SECOND_SOURCE.items():
        name, country, tax_id = FIRMS[i]
        source_records_ingest(system=system, domain="customer", records=[
            record(f"{system}-{i}", object_type="customer", name=name, country=country, tax_id=tax_id)])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record(f"ct-{i}", object_type="Contract", number=f"C-{i}", customer_source_id=f"sf-{i}") for i in range(5)])
    by_key = dict(CrossReference.objects.filter(domain="customer").values_list("source_record__source_id", "golden_id"))
    ids = [by_key[f"sf-{i}"] for i in range(5)]
    assert len(set(ids)) == 5 and all(by_key[f"{s}-{i}"] == ids[i] for i, s in SECOND_SOURCE.items())
    return ids


def _own(i: int) -> set[str]:
    return {f"sf-{i}"} | ({f"{SECOND_SOURCE[i]}-{i}"} if i in SECOND_SOURCE else set())


def _root(parent: dict[int, int | None], i: int) -> int:
    while parent[i] is not None:
        i = parent[i]
    return i


def _apply(step, ids: list[str], parent: dict[int, int | None]) -> None:
    """One step in the hub, and in the model when the hub should accept it."""
    verb, a, b = step
    if verb == "merge":
        allowed = a != b and parent[a] is None and parent[b] is None
        try:
            golden_record_merge(survivor_id=ids[b], merged_id=ids[a], acting_user=None, reason="same firm")
        except ValidationError:
            assert not allowed
        else:
            assert allowed
            parent[a] = b
    else:
        try:
            golden_record_unmerge(merged_id=ids[a], acting_user=None, reason="not the same firm")
        except ValidationError:
            assert parent[a] is None
        else:
            assert parent[a] is not None
            parent[a] = None


def _check(ids: list[str], parent: dict[int, int | None]) -> None:
    held: dict[str, set[str]] = {}
    for key, golden_id in CrossReference.objects.filter(domain="customer").values_list(
            "source_record__source_id", "golden_id"):
        held.setdefault(golden_id, set()).add(key)
    records = {c.id: c for c in Customer.objects.all()}
    for i, golden_id in enumerate(ids):
        record_ = records[golden_id]
        open_merges = list(MergeEvent.objects.filter(merged_id=golden_id, undone_at__isnull=True))
        if parent[i] is None:
            expected = set().union(*(_own(j) for j in range(5) if _root(parent, j) == i))
            assert (record_.record_status, record_.merged_into) == ("active", "")
            assert held.get(golden_id, set()) == expected
            assert open_merges == []
        else:
            assert (record_.record_status, record_.merged_into) == ("merged", ids[parent[i]])
            assert golden_id not in held  # a merged record holds nothing: its sources are at the head
            assert [(e.survivor_id, e.merged_id) for e in open_merges] == [(ids[parent[i]], golden_id)]
        # A contract follows its customer: to the head of the chain, and back.
        assert Contract.objects.get(number=f"C-{i}").customer_id == ids[_root(parent, i)]
    # Every golden value is what survivorship gives from the sources now held: nothing is stale.
    active = [golden_id for i, golden_id in enumerate(ids) if parent[i] is None]
    assert golden_records_recompute("customer", active).changed == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=steps)
def test_any_sequence_of_merges_and_unmerges_keeps_every_record_with_its_own_sources(db, sequence):
    with transaction.atomic():  # each drawn sequence starts from the same five firms
        ids = _load()
        parent: dict[int, int | None] = dict.fromkeys(range(5))
        for step in sequence:
            _apply(step, ids, parent)
            _check(ids, parent)
        transaction.set_rollback(True)


def test_the_chain_the_issue_names_is_one_of_those_sequences(db):
    ids = _load()
    parent: dict[int, int | None] = dict.fromkeys(range(5))
    for step in [("merge", 0, 1), ("merge", 1, 2), ("unmerge", 0, 0), ("unmerge", 1, 0), ("merge", 2, 0)]:
        _apply(step, ids, parent)
        _check(ids, parent)
