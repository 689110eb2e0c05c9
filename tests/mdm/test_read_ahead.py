"""Configuration a batch reads once, before it writes (mdm.read_ahead)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mdm.models import SurvivorshipRule
from mdm.read_ahead import read_once, reads_ahead
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db

calls: list[str] = []


@read_once
def _domain_reader(domain: str) -> str:
    calls.append(domain)
    return f"read for {domain}"


def test_a_reader_is_read_at_the_start_of_the_block_and_kept_in_it():
    calls.clear()
    with reads_ahead("customer"):
        assert calls == ["customer"]  # read up front, before anything asked
        assert _domain_reader("customer") == "read for customer"
        assert _domain_reader("customer") == "read for customer"
        assert _domain_reader("project") == "read for project"  # another domain: read when asked
    assert calls == ["customer", "project"]


def test_outside_a_block_every_call_reads():
    calls.clear()
    _domain_reader("contract")
    _domain_reader("contract")
    assert calls == ["contract", "contract"]


def test_a_block_inside_a_block_keeps_the_outer_answers():
    calls.clear()
    with reads_ahead("customer"), reads_ahead("contract"):
        _domain_reader("customer")
    assert calls == ["customer"]


def _reads_of(table: str, queries) -> int:
    return sum(1 for query in queries if query["sql"].startswith("SELECT") and f'FROM "{table}"' in query["sql"])


def test_an_ingestion_batch_reads_its_survivorship_rules_once_however_many_rounds():
    # Three versions of one record: three rounds in one batch.
    versions = [record("001A", updated=at(day), name=f"Acme {day}", country="US") for day in (1, 2, 3)]
    with CaptureQueriesContext(connection) as queries:
        source_records_ingest(system="salesforce", domain="customer", records=versions)
    assert _reads_of(SurvivorshipRule._meta.db_table, queries) == 1
