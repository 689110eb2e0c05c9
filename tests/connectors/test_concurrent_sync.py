"""Two systems' pages ingested at the same time by two workers, about the same firms.

A CRM page and an ERP page that describe the same customers recompute the same golden records.
They must queue on those records, not deadlock and not overwrite each other: afterwards every
golden record is exactly what survivorship gives from all its contributors.
(PostgreSQL: row locks are what is being tested; the workers are threads with their own connections.)
"""

import random
import threading

import pytest
from django.db import connection, connections, transaction

from connectors.sync import _transient
from mdm.models import Customer
from mdm.services.golden import golden_records_recompute
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

FIRMS = 120


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (DATABASE_URL): row locks between two connections are under test")


def _firm(i: int, system: str) -> dict:
    # The same firm as each system spells it; phones and e-mails differ so survivorship has work.
    return {"name": f"Firm {i:03d} Consulting GmbH", "country": "DE", "city": "Berlin", "postal_code": "10115",
            "tax_id": f"DE{100000000 + i}", "phone": f"+49 30 {5550000 + i + (7 if system == 'netsuite' else 0)}",
            "email": f"{system}@firm{i:03d}.example"}


def _pages(system: str, seed: int) -> list[list]:
    order = list(range(FIRMS))
    random.Random(seed).shuffle(order)
    records = [record(f"{system}-{i}", "customer", at(2, 1 if system == "salesforce" else 2), **_firm(i, system))
               for i in order]
    return [records[start:start + 20] for start in range(0, len(records), 20)]


@pytest.mark.django_db(transaction=True)
def test_two_systems_pages_about_the_same_customers_queue_instead_of_deadlocking():
    # The firms are known already (from a file import): both systems' records link to them.
    source_records_ingest(system="csv", domain="customer",
                          records=[record(f"csv-{i}", "customer", at(1), **_firm(i, "csv")) for i in range(FIRMS)])
    assert Customer.objects.count() == FIRMS

    errors: list[BaseException] = []

    def worker(system: str, seed: int) -> None:
        try:
            for page in _pages(system, seed):
                with transaction.atomic():  # one page, one transaction, as sync_run does
                    source_records_ingest(system=system, domain="customer", records=page)
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=("salesforce", 1)),
               threading.Thread(target=worker, args=("netsuite", 2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []

    assert Customer.objects.count() == FIRMS  # every record linked to its firm
    for customer in Customer.objects.all():
        systems = {entry["system"] for entry in customer.lineage_entries.values() if entry.get("system")}
        assert "netsuite" in systems or "salesforce" in systems
    # Nothing was lost between the two writers: survivorship from scratch changes no golden record.
    result = golden_records_recompute("customer", list(Customer.objects.values_list("id", flat=True)))
    assert result.changed == []


def test_deadlocks_and_serialization_failures_are_worth_a_second_run_other_errors_are_not():
    from django.db import OperationalError
    from psycopg import errors

    def wrapped(cause: Exception) -> OperationalError:
        error = OperationalError(str(cause))
        error.__cause__ = cause
        return error

    assert _transient(wrapped(errors.DeadlockDetected("deadlock detected")))
    assert _transient(wrapped(errors.SerializationFailure("could not serialize")))
    assert not _transient(wrapped(errors.UndefinedTable("no such table")))


@pytest.mark.django_db(transaction=True)
def test_a_golden_record_held_for_recomputation_does_not_stall_another_writers_new_children():
    # One writer holds a golden customer while it recomputes it (a NetSuite page linking to it);
    # another writer's new customer names that customer as its parent: the new row's foreign-key
    # check must not wait for the first writer's commit (FOR UPDATE made it wait, and two loads
    # that did this to each other deadlocked).
    from mdm.services.golden import _locked_fetch

    source_records_ingest(system="salesforce", domain="customer",
                          records=[record("parent", "customer", at(1), **_firm(1, "salesforce"))])
    parent = Customer.objects.get()
    held, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def holder() -> None:
        try:
            with transaction.atomic():
                list(_locked_fetch(Customer, [parent.id]))
                held.set()
                release.wait(30)
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")  # waiting would fail here, not hang
            source_records_ingest(system="salesforce", domain="customer", records=[
                record("child", "customer", at(1), parent_source_id="parent", **_firm(2, "salesforce"))])
    finally:
        release.set()
        thread.join(30)
    assert errors == []
    child = Customer.objects.exclude(pk=parent.pk).get()
    assert child.parent_id == parent.id
