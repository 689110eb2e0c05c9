"""Bulk writers keep PostgreSQL's planner informed: a freshly loaded table must not turn a batch's
index lookups into scans of the whole table."""

import pytest
from django.db import connection, transaction

from mdm.db.planner_statistics import rows_grown, serial_plans, statistics_refresh, statistics_stale
from mdm.models import CrossReference, SourceRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest
from mdm.services.outbox import outbox_statistics_refresh


def test_a_table_never_analyzed_is_stale():
    assert statistics_stale(0, -1)
    assert statistics_stale(60_000, -1)


def test_a_fifth_of_the_table_changed_is_stale_small_changes_are_not():
    assert not statistics_stale(500, 100)  # under the floor of 1,000 changes
    assert not statistics_stale(19_000, 100_000)
    assert statistics_stale(21_000, 100_000)


def test_a_writer_may_wait_until_its_table_doubled():
    assert not statistics_stale(90_000, 100_000, fraction=1.0)
    assert statistics_stale(110_000, 100_000, fraction=1.0)


def _analyzed(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        return cursor.fetchone()[0] >= 0


@pytest.mark.django_db
def test_the_outbox_refresh_analyzes_on_postgresql_and_then_rests():
    outbox_statistics_refresh()
    if connection.vendor != "postgresql":
        assert outbox_statistics_refresh() is False  # SQLite's planner needs nothing from us
        return
    assert _analyzed("mdm_outboxmessage")
    assert outbox_statistics_refresh() is False  # nothing changed since


def _ingest_three():
    records = [IncomingRecord(source_id=f"A{i}", object_type="Account", canonical={"name": f"Firm {i}"})
               for i in range(3)]
    source_records_ingest(system="salesforce", domain="customer", records=records)


@pytest.mark.django_db
def test_ingestion_analyzes_the_tables_its_lookups_read():
    _ingest_three()
    if connection.vendor != "postgresql":
        assert statistics_refresh([SourceRecord, CrossReference]) == []  # SQLite plans from its indexes alone
        return
    for table in ("mdm_sourcerecord", "mdm_crossreference", "mdm_customer", "matching_blockingkey"):
        assert _analyzed(table), table


@pytest.mark.django_db
def test_only_the_columns_lookups_select_on_are_analyzed(monkeypatch):
    _ingest_three()
    monkeypatch.setattr("mdm.db.planner_statistics.statistics_stale", lambda *args: True)
    analyzed_tables = statistics_refresh({SourceRecord: ["source_id", "system"]})
    if connection.vendor != "postgresql":
        assert analyzed_tables == []
        return
    assert analyzed_tables == ["mdm_sourcerecord"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT attname FROM pg_stats WHERE tablename = 'mdm_sourcerecord'")
        analyzed = {name for (name,) in cursor.fetchall()}
    assert analyzed == {"source_id", "system_id"}  # not a sample of JSON payloads sorted for nothing


@pytest.mark.django_db(transaction=True)
def test_a_batch_plans_without_parallel_workers_and_only_for_itself():
    if connection.vendor != "postgresql":
        serial_plans()  # nothing to set on SQLite
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_parallel_workers_per_gather")
        default = cursor.fetchone()[0]
        with transaction.atomic():
            serial_plans()
            cursor.execute("SHOW max_parallel_workers_per_gather")
            assert cursor.fetchone()[0] == "0"
        cursor.execute("SHOW max_parallel_workers_per_gather")
        assert cursor.fetchone()[0] == default


def test_growth_in_pages_tells_the_rows_added_since_a_partial_analyze():
    assert rows_grown(100_000, 5_000, 5_000) == 0
    assert rows_grown(100_000, 5_000, 10_000) == 100_000  # the table doubled
    assert rows_grown(100_000, 5_000, 4_000) == 0  # vacuumed smaller: nothing added
    assert rows_grown(0, 0, 10) == float("inf")  # first rows after analyzing the empty table
    assert not statistics_stale(rows_grown(100_000, 5_000, 9_000), 100_000, fraction=1.0)
    assert statistics_stale(rows_grown(100_000, 5_000, 10_100), 100_000, fraction=1.0)


@pytest.mark.django_db(transaction=True)
def test_a_partial_analyze_is_not_repeated_until_the_table_grew(monkeypatch):
    monkeypatch.setattr("mdm.db.planner_statistics.MIN_CHANGES", 0)  # every change counts
    _ingest_three()
    tables = {SourceRecord: ["source_id"]}
    if connection.vendor != "postgresql":
        assert statistics_refresh(tables, fraction=1.0) == []
        return
    assert statistics_refresh(tables, fraction=1.0) == ["mdm_sourcerecord"]  # its first rows
    # PostgreSQL's change counter still holds the three inserts after a partial ANALYZE; the
    # table's size says nothing was added since.
    assert statistics_refresh(tables, fraction=1.0) == []
