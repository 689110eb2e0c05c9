"""The KPI snapshot task, its retention and schedule, and the series read back for the charts
(the charts themselves: test_charts.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django_celery_beat.models import PeriodicTask

from operations.models import KpiSample
from operations.registry import Figure, register_figures
from operations.tasks import KPI_SNAPSHOT_SCHEDULE, kpi_snapshot
from operations.timeseries import kpi_series, kpi_snapshot_take, slot_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle_time():
    """A test app's charted figure, whose value the test moves."""
    state = {"value": 86400.0}
    register_figures("test.cycle", lambda: [
        Figure("concord_test_cycle_seconds", "A test cycle time.", unit="seconds", chart=True,
               samples=[({"service_line": "consulting"}, state["value"])]),
        Figure("concord_not_charted", "A gauge nobody charts.", samples=[({}, 1.0)]),
    ])
    return state


def test_the_task_snapshots_only_charted_figures(cycle_time, crm):
    result = kpi_snapshot.apply().get()
    assert result["written"] > 0 and result["failures"] == {}
    names = set(KpiSample.objects.values_list("name", flat=True))
    assert "concord_test_cycle_seconds" in names
    assert "concord_not_charted" not in names and "concord_outbox_messages" not in names
    sample = KpiSample.objects.get(name="concord_test_cycle_seconds")
    assert sample.labels == {"service_line": "consulting"} and sample.series == "service_line=consulting"
    assert sample.value == 86400.0


def test_a_second_snapshot_in_the_same_slot_writes_nothing(cycle_time):
    moment = datetime(2026, 6, 3, 10, 7, tzinfo=UTC)
    kpi_snapshot_take(now=moment)
    cycle_time["value"] = 1.0
    again = kpi_snapshot_take(now=moment + timedelta(minutes=5))
    assert again.written == 0
    assert KpiSample.objects.get(name="concord_test_cycle_seconds").value == 86400.0
    assert slot_of(moment) == datetime(2026, 6, 3, 10, 0, tzinfo=UTC)


def test_samples_past_the_retention_are_pruned(cycle_time, settings):
    settings.CONCORD_KPI_RETENTION_DAYS = 30
    start = datetime(2026, 6, 1, tzinfo=UTC)
    kpi_snapshot_take(now=start)
    kpi_snapshot_take(now=start + timedelta(days=20))
    result = kpi_snapshot_take(now=start + timedelta(days=40))
    assert result.pruned >= 1
    kept = KpiSample.objects.filter(name="concord_test_cycle_seconds").values_list("taken_at", flat=True)
    assert sorted(kept) == [start + timedelta(days=20), start + timedelta(days=40)]


def test_series_come_back_in_time_order_per_label_set(cycle_time):
    start = datetime(2026, 6, 1, tzinfo=UTC)
    for hours, value in ((2, 30.0), (0, 10.0), (1, 20.0)):
        cycle_time["value"] = value
        kpi_snapshot_take(now=start + timedelta(hours=hours))
    [series] = kpi_series("concord_test_cycle_seconds", since=start)
    assert series.labels == {"service_line": "consulting"}
    assert [v for _, v in series.points] == [10.0, 20.0, 30.0]


def test_the_snapshot_is_scheduled_every_15_minutes():
    task = PeriodicTask.objects.get(name=KPI_SNAPSHOT_SCHEDULE)
    assert task.task == "operations.kpi_snapshot" and task.enabled
    assert (task.interval.every, task.interval.period) == (15, "minutes")




def test_a_series_is_named_by_its_label_values_a_quantile_as_a_percentile():
    from operations.timeseries import Series

    assert Series({"system": "netsuite", "quantile": "0.5"}, []).label == "p50, netsuite"
    assert Series({"sync_class": "batch", "quantile": "max"}, []).label == "max, batch"
    assert Series({}, []).label == "all"
