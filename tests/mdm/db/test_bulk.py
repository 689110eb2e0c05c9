"""Bulk writes: on PostgreSQL a round's COPYs run on a helper thread while the writer goes on
(mdm.db.copy_line.copies_overlapped); what the writer reads, and what a failure rolls back, stay as if
every statement ran in turn."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mdm.db.bulk import insert_objects, insert_rows, new_rows, reserve_ids
from mdm.db.copy_line import copies_overlapped
from mdm.models import SourceRecord, SourceSystem

pytestmark = pytest.mark.django_db

COLUMNS = ["name", "display_name", "kind", "is_active", "sync_back_domains"]


def _system_row(name: str) -> list:
    return [name, name.title(), "file", True, "[]"]


def _count(prefix: str) -> int:
    return SourceSystem.objects.filter(name__startswith=prefix).count()


def test_statements_after_a_copy_see_its_rows():
    with transaction.atomic(), copies_overlapped():
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row(f"bulk-{i}") for i in range(50)])
        assert _count("bulk-") == 50  # the read waited for the COPY before it
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row("bulk-last")])
    assert _count("bulk-") == 51  # leaving the block waited for the last one


def test_a_failed_copy_fails_its_block_as_an_integrity_error_and_nothing_of_it_lands():
    with pytest.raises(IntegrityError), transaction.atomic(), copies_overlapped():
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row("dup-a")])
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row("dup-b"), _system_row("dup-b")])
        # The writer goes on to read before it knows; the failure it meets is the COPY's.
        SourceSystem.objects.filter(name="csv").exists()
    assert _count("dup-") == 0


def test_a_failed_copy_with_nothing_after_it_fails_on_leaving_the_block():
    with pytest.raises(IntegrityError), transaction.atomic(), copies_overlapped():
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row("end"), _system_row("end")])
    assert _count("end") == 0


def test_without_the_block_a_failed_copy_is_an_integrity_error_at_once():
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row("now"), _system_row("now")])
    assert _count("now") == 0


def test_ids_drawn_ahead_are_the_ids_the_rows_get():
    system = SourceSystem.objects.get(name="csv")
    ids = reserve_ids(SourceRecord, 3)
    rows = new_rows(SourceRecord, [{"system_id": system.id, "domain": "customer", "object_type": "customer",
                                    "source_id": f"R{i}", "content_hash": "h",
                                    "received_at": timezone.now()} for i in range(3)], ids=ids)
    with transaction.atomic(), copies_overlapped():
        insert_objects(rows, model=SourceRecord)
    stored = dict(SourceRecord.objects.values_list("source_id", "id"))
    assert stored == {f"R{i}": row.id for i, row in enumerate(rows)}
    if connection.vendor == "postgresql":
        assert [row.id for row in rows] == ids
    else:
        assert ids is None  # SQLite hands ids out only as it inserts: they are read back


def test_a_broken_foreign_key_fails_the_block_itself_not_a_later_commit():
    system = SourceSystem.objects.get(name="csv")
    columns = ["system_id", "domain", "object_type", "source_id", "payload", "canonical", "source_version",
               "content_hash", "received_at", "is_deleted", "correlation_id"]
    row = ["customer", "customer", "K1", "{}", "{}", "", "h", timezone.now(), False, ""]
    table = SourceRecord._meta.db_table
    if connection.vendor != "postgresql":
        # SQLite has no COPY to overlap: the broken key stands until the commit's check.
        with pytest.raises(IntegrityError), transaction.atomic(), copies_overlapped():
            insert_rows(table, columns, [[system.id + 1000, *row]])
            connection.check_constraints(table_names=[table])
        return
    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic(), copies_overlapped():
            insert_rows(table, columns, [[system.id + 1000, *row]])
        # The transaction goes on: what it writes next is checked at commit, as Django declares it.
        insert_rows(table, columns, [[system.id, *row]])
    assert list(SourceRecord.objects.values_list("source_id", flat=True)) == ["K1"]


def test_update_objects_writes_the_named_fields_of_each_row_by_its_id_and_nothing_else():
    from mdm.db.bulk import update_objects

    systems = [SourceSystem.objects.create(name=f"upd-{i}", display_name=f"Upd {i}", kind="crm",
                                           sync_back_domains=["customer"]) for i in range(3)]
    for i, system in enumerate(systems[:2]):
        system.display_name, system.sync_back_domains = f"Renamed {i}", ["customer", f"it's {i} \"quoted\""]
        system.kind = "erp"  # changed on the object, not named: stays as stored
    with transaction.atomic(), copies_overlapped():
        update_objects(systems[:2], ["display_name", "sync_back_domains"])
        # Read after the update, inside the block: it waited for the staged COPY and its UPDATE.
        stored = {s.name: s for s in SourceSystem.objects.filter(name__startswith="upd-")}
    assert stored["upd-0"].display_name == "Renamed 0" and stored["upd-1"].display_name == "Renamed 1"
    assert stored["upd-1"].sync_back_domains == ["customer", "it's 1 \"quoted\""]
    assert stored["upd-0"].kind == stored["upd-1"].kind == "crm"
    assert stored["upd-2"].display_name == "Upd 2"  # not handed over: untouched


def test_rows_deleted_in_line_with_the_copies_are_gone_for_every_later_statement_and_only_they():
    from mdm.db.bulk import delete_rows

    with transaction.atomic(), copies_overlapped():
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row(f"del-{i}") for i in range(5)])
        delete_rows(SourceSystem, "name", ["del-1", "del-3", "no-such-system"])  # after the COPY, in order
        insert_rows(SourceSystem._meta.db_table, COLUMNS, [_system_row("del-1")])  # no conflict: gone already
        assert sorted(SourceSystem.objects.filter(name__startswith="del-").values_list("name", flat=True)) == [
            "del-0", "del-1", "del-2", "del-4"]
    delete_rows(SourceSystem, "name", {"del-0"})  # outside a block: at once
    assert _count("del-") == 3


def test_a_golden_record_changed_by_ingestion_is_updated_with_a_history_row_of_the_change():
    from mdm.models import Customer
    from mdm.services.ingest import source_records_ingest
    from tests.conftest import at, record

    source_records_ingest(system="salesforce", domain="customer",
                          records=[record("S1", updated=at(1), name="Acme GmbH", country="DE", city="Berlin")])
    source_records_ingest(system="salesforce", domain="customer",
                          records=[record("S1", updated=at(2), name="Acme GmbH", country="DE", city="Hamburg")])
    customer = Customer.objects.get()
    assert customer.city == "Hamburg" and customer.revision == 2
    assert [(h.history_type, h.city, h.revision) for h in customer.history.order_by("history_date", "history_id")] \
        == [("+", "Berlin", 1), ("~", "Hamburg", 2)]
