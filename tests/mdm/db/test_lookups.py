"""`column__any=[…]`: membership in a long list bound as one parameter, on either backend."""

import pytest

from mdm.models import CrossReference, Customer, SourceRecord
from mdm.services.ingest import source_records_ingest
from tests.conftest import record


@pytest.fixture
def customers(db):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"A{i}", "Account", name=f"Firm {i} Consulting", country="DE", city=f"City {i}") for i in range(5)])
    return list(Customer.objects.order_by("id").values_list("id", flat=True))


def test_it_finds_the_listed_values_among_thousands_of_others(customers):
    wanted = customers[:2] + [f"CUS-NOPE{i:06d}" for i in range(40_000)]  # far past SQLite's parameter cap
    assert sorted(Customer.objects.filter(pk__any=wanted).values_list("id", flat=True)) == customers[:2]


def test_an_empty_list_matches_nothing(customers):
    assert not Customer.objects.filter(pk__any=[]).exists()


def test_it_works_across_relations_and_on_integer_keys(customers):
    ids = list(SourceRecord.objects.values_list("id", flat=True)[:3])
    assert CrossReference.objects.filter(source_record_id__any=ids).count() == 3
    assert CrossReference.objects.filter(source_record__source_id__any=["A1", "A2", "B9"]).count() == 2


def test_text_values_are_matched_whatever_characters_they_hold(db):
    awkward = ['O"Brien, Ltd', "back\\slash", "{braces}", "  spaced  ", "Zürich ümlaut", "NULL", "", "a,b"]
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(source_id, "Account", name=f"Firm {i}", country="DE") for i, source_id in enumerate(awkward)
        if source_id.strip()])
    stored = set(SourceRecord.objects.values_list("source_id", flat=True))
    assert set(SourceRecord.objects.filter(source_id__any=awkward).values_list("source_id", flat=True)) == stored
    assert SourceRecord.objects.filter(source_id__any=['O"Brien', "back", "slash"]).count() == 0
