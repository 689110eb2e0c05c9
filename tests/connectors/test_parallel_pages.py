"""Pages of a contract or project sync written two at a time, each on its own connection.

Such pages cannot depend on each other (no contract refers to another, and one system's contracts
are never linked to each other), so a second page's Python runs while the first waits for the
server. What must still hold: every record lands once, and a watermark moves only past pages that
have committed together with every page before them — a failed page is re-read, never skipped.
(PostgreSQL: the writers are threads with their own connections; SQLite writes one at a time.)
"""

import threading

import pytest
from django.db import connection, transaction

from connectors import sync as sync_module
from connectors.models import SyncRun, Watermark
from connectors.sync import page_writers, sync_run
from mdm.models import Contract, SourceRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (DATABASE_URL): pages written on two connections are under test")


@pytest.fixture
def contracts(remote, connector):
    """Three customers synced, then ten contracts of theirs at the source: four pages of three."""
    for n in range(1, 4):
        remote.put("Account", f"A{n}", name=f"Customer {n}", country="DE")
    sync_run(system="fakecrm", domain="customer", connector=connector)
    for n in range(1, 11):
        remote.put("Contract", f"C{n}", number=f"C-{n}", title=f"Retainer {n}", customer_source_id=f"A{n % 3 + 1}")


def watching_pages(monkeypatch, *, fail_page: int | None = None):
    """Wrap the page writer: the first two pages must be written at the same time (each waits at
    a barrier for the other: written one after the other, the first would wait in vain), and
    `fail_page` (1-based) raises instead of committing. Returns the pages' watermarks in order."""
    real = sync_module._page_commit
    both_in_flight = threading.Barrier(2, timeout=20)
    started: list[str] = []
    lock = threading.Lock()

    def page_commit(**kwargs):
        with lock:
            started.append(kwargs["page"].next_watermark)
            number = len(started)
        if number <= 2:
            both_in_flight.wait()
        if number == fail_page:
            raise RuntimeError("the page's connection was lost")
        return real(**kwargs)

    monkeypatch.setattr(sync_module, "_page_commit", page_commit)
    return started


def test_contract_pages_are_written_two_at_a_time_and_every_record_lands_once(contracts, connector, monkeypatch):
    started = watching_pages(monkeypatch)
    result = sync_run(system="fakecrm", domain="contract", connector=connector)
    assert result.counts["Contract"].created == 10 and result.counts["Contract"].pages == 4
    assert Contract.objects.count() == 10 and len(started) == 4
    assert Watermark.objects.get(object_type="Contract").value == started[-1]


def test_a_failed_page_keeps_the_watermark_before_it_even_when_a_later_page_committed(contracts, connector,
                                                                                       monkeypatch):
    with monkeypatch.context() as patch:
        started = watching_pages(patch, fail_page=2)
        with pytest.raises(RuntimeError, match="connection was lost"):
            sync_run(system="fakecrm", domain="contract", connector=connector)
    assert Watermark.objects.get(object_type="Contract").value == started[0]
    assert SyncRun.objects.filter(domain="contract").get().status == "failed"

    result = sync_run(system="fakecrm", domain="contract", connector=connector)
    assert Contract.objects.count() == 10
    assert SourceRecord.objects.filter(object_type="Contract").count() == 10
    assert result.counts["Contract"].created + result.counts["Contract"].unchanged == 10 - 3


def test_only_independent_pages_outside_a_callers_transaction_are_written_at_once():
    assert page_writers("contract") == page_writers("project") == 2
    assert page_writers("customer") == 1  # a page's customer may be the duplicate or parent of the next's
    with transaction.atomic():
        assert page_writers("contract") == 1  # another connection would not see what this one holds
