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
