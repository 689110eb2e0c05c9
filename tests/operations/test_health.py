"""Technical-health figures against real rows: the outbox in every state, change events, sync runs,
watermarks, quarantine and reconciliation, per system."""

from datetime import timedelta

import pytest
from django.utils import timezone

from connectors.models import EventStatus, InboundEvent, ReconciliationRun, SyncRun, SyncStatus, Watermark
from mdm.choices import OutboxStatus, QuarantineStatus
from mdm.models import OutboxMessage, QuarantinedRecord
from operations.health import (
    health_figures,
    inbound_figures,
    outbox_figures,
    quantile,
    reconciliation_figures,
    watermark_figures,
    watermark_moment,
)
from tests.operations.conftest import ago, value

pytestmark = pytest.mark.django_db

_key = iter(range(1, 10_000))


def message(system, status, *, created, delivered=None, attempts=0, last_error=""):
    row = OutboxMessage.objects.create(system=system, domain="customer", golden_id=f"CUS-{next(_key)}",
                                       idempotency_key=f"k-{next(_key)}", status=status, attempts=attempts,
                                       last_error=last_error, delivered_at=delivered)
    OutboxMessage.objects.filter(pk=row.pk).update(created_at=created)  # auto_now_add: set it afterwards
    return row


@pytest.fixture
def outbox(crm, erp, now):
    for seconds in (10, 20, 30):
        message(crm, OutboxStatus.DELIVERED, created=ago(now, hours=1), delivered=ago(now, hours=1) + timedelta(
            seconds=seconds))
    message(crm, OutboxStatus.PENDING, created=ago(now, seconds=600), attempts=2, last_error="503")  # retrying
    replayed = message(crm, OutboxStatus.PENDING, created=ago(now, seconds=60), last_error="dead: 400")
    OutboxMessage.objects.filter(pk=replayed.pk).update(replays=2)  # replayed twice so far
    message(crm, OutboxStatus.DELIVERING, created=ago(now, seconds=5), attempts=1)
    message(crm, OutboxStatus.DEAD, created=ago(now, days=1), attempts=8, last_error="400 bad request")
    message(erp, OutboxStatus.PENDING, created=ago(now, seconds=30))


def test_it_counts_the_outbox_per_system_and_status(outbox, now):
    figures = outbox_figures(now)
    expected = {"delivered": 3, "pending": 2, "delivering": 1, "dead": 1}
    for status, count in expected.items():
        assert value(figures, "concord_outbox_messages", system="opscrm", status=status) == count
    assert value(figures, "concord_outbox_messages", system="opserp", status="pending") == 1
    assert value(figures, "concord_outbox_messages", system="opserp", status="dead") == 0


def test_the_dashboard_column_counts_what_went_out_in_the_last_day(outbox, crm, now):
    message(crm, OutboxStatus.DELIVERED, created=ago(now, days=3), delivered=ago(now, days=3))
    figures = outbox_figures(now)
    assert value(figures, "concord_outbox_delivered_24h", system="opscrm") == 3
    assert value(figures, "concord_outbox_messages", system="opscrm", status="delivered") == 4  # all time


def test_it_tells_retries_replays_and_the_oldest_pending_message(outbox, now):
    figures = outbox_figures(now)
    assert value(figures, "concord_outbox_retrying", system="opscrm") == 1
    assert value(figures, "concord_outbox_replayed_waiting", system="opscrm") == 1
    assert value(figures, "concord_outbox_replayed_waiting", system="opserp") == 0
    assert value(figures, "concord_outbox_replays", system="opscrm") == 2
    assert value(figures, "concord_outbox_replays", system="opserp") == 0
    assert value(figures, "concord_outbox_oldest_pending_age_seconds", system="opscrm") == pytest.approx(600)
    assert value(figures, "concord_outbox_oldest_pending_age_seconds", system="opserp") == pytest.approx(30)


def test_it_measures_delivery_latency_over_the_newest_delivered_messages(outbox, now):
    figures = outbox_figures(now)
    assert value(figures, "concord_outbox_delivery_latency_seconds", system="opscrm", quantile="0.5") == 20
    assert value(figures, "concord_outbox_delivery_latency_seconds", system="opscrm", quantile="0.95") == 30
    assert value(figures, "concord_outbox_delivery_latency_seconds", system="opserp", quantile="0.5") is None


def test_it_reads_the_outbox_with_a_few_queries_whatever_its_size(outbox, now, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # backlog, delivered, replays, latency sample, systems
        outbox_figures(now)


def test_it_counts_inbound_events_echoes_sync_runs_and_quarantine(crm, erp, now):
    InboundEvent.objects.create(system=crm, event_key="e1", status=EventStatus.PROCESSED)
    InboundEvent.objects.create(system=crm, event_key="e2", status=EventStatus.PROCESSED, is_echo=True)
    InboundEvent.objects.create(system=crm, event_key="e3", status=EventStatus.FAILED, error="bad payload")
    recent = SyncRun.objects.create(system=crm, domain="customer", status=SyncStatus.SUCCEEDED, finished_at=now,
                                    counts={"Account": {"created": 4, "updated": 2, "unchanged": 1, "pages": 3},
                                            "Contact": {"created": 1, "quarantined": 2}})
    SyncRun.objects.create(system=crm, domain="contract", status=SyncStatus.FAILED, error="timeout")
    old = SyncRun.objects.create(system=crm, domain="customer", status=SyncStatus.SUCCEEDED,
                                 counts={"Account": {"created": 100}}, finished_at=ago(now, days=2))
    SyncRun.objects.filter(pk=old.pk).update(started_at=ago(now, days=2))
    QuarantinedRecord.objects.create(system=crm, domain="customer", reason="no name", content_hash="a")
    QuarantinedRecord.objects.create(system=crm, domain="customer", reason="no name", content_hash="b",
                                     status=QuarantineStatus.DISCARDED)

    figures = inbound_figures(now)
    assert value(figures, "concord_inbound_events", system="opscrm", status="processed") == 2
    assert value(figures, "concord_inbound_events", system="opscrm", status="failed") == 1
    assert value(figures, "concord_inbound_events", system="opserp", status="received") == 0
    assert value(figures, "concord_inbound_echoes", system="opscrm") == 1
    assert value(figures, "concord_sync_runs_24h", system="opscrm", status="succeeded") == 1  # not the old one
    assert value(figures, "concord_sync_runs_24h", system="opscrm", status="failed") == 1
    assert value(figures, "concord_sync_records_24h", system="opscrm") == 4 + 2 + 1 + 1 + 2  # pages are no records
    assert value(figures, "concord_sync_last_success_timestamp_seconds", system="opscrm") == pytest.approx(
        recent.finished_at.timestamp())
    assert value(figures, "concord_sync_last_success_timestamp_seconds", system="opserp") is None
    assert value(figures, "concord_quarantined_open", system="opscrm") == 1


def test_it_tells_how_far_behind_each_watermark_stands(crm, now):
    stamp = ago(now, minutes=30).isoformat()
    Watermark.objects.create(system=crm, object_type="Account", value=stamp)
    Watermark.objects.create(system=crm, object_type="Opportunity", value=f"{ago(now, hours=2).isoformat()}|0061")
    Watermark.objects.create(system=crm, object_type="Invoice", value="4711")  # a sequence number: no time
    Watermark.objects.filter(object_type="Invoice").update(updated_at=ago(now, minutes=5))

    figures = watermark_figures(now)
    assert value(figures, "concord_watermark_lag_seconds", system="opscrm", object_type="Account") == \
        pytest.approx(1800)
    assert value(figures, "concord_watermark_lag_seconds", system="opscrm", object_type="Opportunity") == \
        pytest.approx(7200)
    assert value(figures, "concord_watermark_lag_seconds", system="opscrm", object_type="Invoice") is None
    assert value(figures, "concord_watermark_idle_seconds", system="opscrm", object_type="Invoice") == \
        pytest.approx(300)


def test_it_reads_watermarks_as_times_only_when_they_are_times():
    assert watermark_moment("2026-06-03T10:00:00Z").isoformat() == "2026-06-03T10:00:00+00:00"
    assert watermark_moment("2026-06-03T10:00:00|0061").isoformat() == "2026-06-03T10:00:00+00:00"
    assert watermark_moment("4711") is None
    assert watermark_moment("") is None


def test_quantiles_are_nearest_rank():
    assert quantile([30, 10, 20], 0.5) == 20
    assert quantile([30, 10, 20], 0.95) == 30
    assert quantile([5], 0.5) == 5


def test_every_system_has_a_row_even_when_idle(crm):
    figures = health_figures()
    assert value(figures, "concord_outbox_messages", system="opscrm", status="pending") == 0
    assert value(figures, "concord_quarantined_open", system="opscrm") == 0


def test_a_scrape_of_operations_figures_costs_the_same_few_queries_for_more_systems_and_rows(
        outbox, crm, erp, django_assert_max_num_queries):
    from operations.kpis import kpi_figures

    SyncRun.objects.create(system=erp, domain="customer", status=SyncStatus.SUCCEEDED, finished_at=timezone.now())
    Watermark.objects.create(system=erp, object_type="Account", value="2026-06-01T00:00:00Z")
    with django_assert_max_num_queries(22):  # 20, and the systems and their connections for concord_system_connected
        health_figures()
        kpi_figures()


def test_reconciliation_figures_are_those_of_the_newest_successful_run_per_system_and_domain(crm, erp, now):
    def run(system, domain, status=SyncStatus.SUCCEEDED, **counts):
        return ReconciliationRun.objects.create(system=system, domain=domain, status=status, finished_at=now,
                                                **counts)

    run(crm, "customer", missing=33, extra=1, differing=4)
    run(crm, "customer", missing=0, extra=1, differing=0)  # after the repair
    run(crm, "customer", status=SyncStatus.FAILED, missing=99)  # a failed run says nothing
    run(erp, "contract", missing=2, extra=0, differing=1)
    figures = reconciliation_figures()
    assert value(figures, "concord_reconcile_missing", system="opscrm", domain="customer") == 0
    assert value(figures, "concord_reconcile_extra", system="opscrm", domain="customer") == 1
    assert value(figures, "concord_reconcile_differing", system="opserp", domain="contract") == 1
    assert value(figures, "concord_reconcile_last_run_timestamp_seconds", system="opserp",
                 domain="contract") == now.timestamp()
    from operations.registry import collect_all

    assert {f.name for f in figures} <= {f.name for f in collect_all().figures}  # on the dashboard and /metrics


def test_held_messages_are_counted_as_held_not_pending(crm, now):
    message(crm, OutboxStatus.HELD, created=ago(now, days=2))
    message(crm, OutboxStatus.PENDING, created=ago(now, seconds=30))
    figures = outbox_figures(now)
    assert value(figures, "concord_outbox_messages", system="opscrm", status="held") == 1
    assert value(figures, "concord_outbox_messages", system="opscrm", status="pending") == 1
    # The oldest pending message is the one waiting for a delivery, not one held for days.
    assert value(figures, "concord_outbox_oldest_pending_age_seconds", system="opscrm") < 3600


def test_systems_not_connected_are_shown_as_such(crm, erp, monkeypatch):
    from connectors import base
    from connectors.models import Connection

    monkeypatch.setitem(base._registry, "opserp", base.Connector)  # a connector for the ERP only, none for the CRM
    monkeypatch.setenv("CONCORD_OPSERP_URL", "http://erp")
    figures = health_figures()
    assert value(figures, "concord_system_connected", system="opserp") == 1
    assert value(figures, "concord_system_connected", system="opscrm") == 0
    Connection.objects.create(system=erp, enabled=False)
    assert value(health_figures(), "concord_system_connected", system="opserp") == 0
