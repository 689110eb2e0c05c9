"""The sync service: pages land with their watermark, crashes re-read and never skip, bad records
are quarantined with reasons while the rest of the page lands, full runs find deletions."""

import pytest

from connectors import sync as sync_module
from connectors.models import SyncRun, Watermark
from connectors.sync import sync_run
from mdm.models import Customer, QuarantinedRecord, SourceRecord

pytestmark = pytest.mark.django_db


def _accounts(remote, count, start=1):
    for n in range(start, start + count):
        remote.put("Account", f"A{n}", name=f"Customer {n}", country="DE")


def test_it_pulls_every_page_and_keeps_the_watermark_of_the_last(remote, connector):
    _accounts(remote, 7)
    result = sync_run(system="fakecrm", domain="customer", connector=connector)
    assert result.counts["Account"].created == 7 and result.counts["Account"].pages == 3
    assert Customer.objects.count() == 7
    assert Watermark.objects.get(object_type="Account").value == "7"
    run = SyncRun.objects.get()
    assert run.status == "succeeded" and run.counts["Account"]["created"] == 7 and run.correlation_id


def test_a_second_run_reads_only_what_changed_since_the_watermark(remote, connector):
    _accounts(remote, 4)
    sync_run(system="fakecrm", domain="customer", connector=connector)
    remote.put("Account", "A2", name="Customer 2 renamed", country="DE")
    result = sync_run(system="fakecrm", domain="customer", connector=connector)
    counts = result.counts["Account"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 0)
    assert Customer.objects.filter(name="Customer 2 renamed").exists()


def test_a_crash_between_pages_keeps_what_was_committed_and_the_rerun_skips_nothing(remote, connector, monkeypatch):
    _accounts(remote, 7)
    real_pull = connector.pull

    def dies_after_the_first_page(**kwargs):
        pages = real_pull(**kwargs)
        yield next(pages)
        raise ConnectionError("network gone")

    with monkeypatch.context() as patch:
        patch.setattr(connector, "pull", dies_after_the_first_page)
        with pytest.raises(ConnectionError):
            sync_run(system="fakecrm", domain="customer", connector=connector)
    assert SourceRecord.objects.count() == 3 and Watermark.objects.get().value == "3"
    assert SyncRun.objects.get().status == "failed"

    result = sync_run(system="fakecrm", domain="customer", connector=connector)
    assert result.counts["Account"].created == 4
    assert SourceRecord.objects.count() == Customer.objects.count() == 7


def test_a_crash_inside_a_page_commits_neither_its_records_nor_its_watermark(remote, connector, monkeypatch):
    _accounts(remote, 2)
    real_ingest = sync_module.source_records_ingest

    def ingests_then_dies(**kwargs):
        real_ingest(**kwargs)
        raise RuntimeError("killed before commit")

    with monkeypatch.context() as patch:
        patch.setattr(sync_module, "source_records_ingest", ingests_then_dies)
        with pytest.raises(RuntimeError):
            sync_run(system="fakecrm", domain="customer", connector=connector)
    assert SourceRecord.objects.count() == 0
    assert not Watermark.objects.filter(value__gt="").exists()

    sync_run(system="fakecrm", domain="customer", connector=connector)
    assert SourceRecord.objects.count() == 2


def test_bad_records_are_quarantined_with_reasons_and_the_rest_of_the_page_lands(remote, fakecrm):
    from tests.connectors.conftest import FakeConnector

    remote.put("Account", "A1", name="Good One", country="DE")
    remote.put_raw("Account", "X1", {"name": "no id at all"})
    remote.put_raw("Account", "X2", ["not", "an", "object"])
    remote.put("Account", "A2", name="Bad Country", country=12345)
    remote.put("Account", "A3", name="Bad Picklist", country="DE", credit_status="purple")
    remote.put("Account", "A4", name="x" * 5000, country="DE")
    remote.put("Account", "A5", name="Good Two", country="FR")
    connector = FakeConnector(base_url="http://fake", page_size=50)

    result = sync_run(system="fakecrm", domain="customer", connector=connector)

    assert set(Customer.objects.values_list("name", flat=True)) == {"Good One", "Good Two"}
    assert result.counts["Account"].quarantined == 5
    reasons = {q.source_id or q.payload.get("name", "?"): q.reason for q in QuarantinedRecord.objects.all()}
    assert "unreadable" in reasons["no id at all"]
    assert "country" in reasons["A2"]
    assert "credit_status" in reasons["A3"] and "purple" in reasons["A3"]
    assert "longer than" in reasons["A4"]
    assert Watermark.objects.get().value == "7"


def test_a_full_run_ignores_the_watermark_and_marks_deletions_reported_or_absent(remote, connector):
    _accounts(remote, 4)
    sync_run(system="fakecrm", domain="customer", connector=connector)
    remote.delete("Account", "A1", report=True)   # the system says it deleted A1
    remote.delete("Account", "A2", report=False)  # A2 is silently gone: only its absence tells
    watermark = Watermark.objects.get().value

    result = sync_run(system="fakecrm", domain="customer", connector=connector, full=True)

    assert result.counts["Account"].deleted == 2 and result.counts["Account"].unchanged == 2
    assert set(SourceRecord.objects.filter(is_deleted=True).values_list("source_id", flat=True)) == {"A1", "A2"}
    assert set(Customer.objects.filter(record_status="retired").values_list("name", flat=True)) == {
        "Customer 1", "Customer 2"}
    assert Watermark.objects.get().value == watermark
    assert SyncRun.objects.filter(kind="full", status="succeeded").count() == 1


def test_an_unknown_domain_for_a_system_is_refused(connector):
    with pytest.raises(LookupError):
        sync_run(system="fakecrm", domain="project", connector=connector)


@pytest.mark.parametrize("new, old, moves", [
    ("7", "12", False), ("12", "7", True),
    ("2026-06-02T00:00:00+00:00", "2026-06-01T00:00:00Z", True),
    ("2026-06-01T00:00:00+00:00|9", "2026-06-01T00:00:00+00:00|10", False),
    ("2026-06-01T00:00:01+00:00|1", "2026-06-01T00:00:00+00:00|10", True),
    ("opaque-cursor-b", "opaque-cursor-a", True),
])
def test_a_watermark_never_moves_backwards_when_it_can_tell(new, old, moves):
    assert sync_module._later(new, old) is moves


def test_a_full_run_does_not_delete_a_record_that_is_merely_unreadable_today(remote, connector):
    _accounts(remote, 2)
    sync_run(system="fakecrm", domain="customer", connector=connector)
    remote.put_raw("Account", "A1", {"id": "A1", "name": "lost its Id field"})  # unreadable, but there
    sync_run(system="fakecrm", domain="customer", connector=connector, full=True)
    assert not SourceRecord.objects.filter(is_deleted=True).exists()
    assert QuarantinedRecord.objects.filter(source_id="A1").exists()
