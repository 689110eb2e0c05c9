"""Snapshots of the charted figures into KpiSample, pruning past the retention, and reading them
back as series for the charts.

Retention: CONCORD_KPI_RETENTION_DAYS (default 90); each snapshot deletes older samples (the
`taken_at` index makes that a range delete). Each snapshot is stamped with its slot (the start of
its CONCORD_KPI_SNAPSHOT_MINUTES period), so a snapshot run twice in one slot writes nothing new.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from operations.models import KpiSample
from operations.registry import Figure, collect_all


def series_key(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def snapshot_minutes() -> int:
    return int(getattr(settings, "CONCORD_KPI_SNAPSHOT_MINUTES", 15))


def retention_days() -> int:
    return int(getattr(settings, "CONCORD_KPI_RETENTION_DAYS", 90))


def slot_of(moment: datetime) -> datetime:
    minutes = snapshot_minutes()
    return moment.replace(minute=moment.minute - moment.minute % minutes, second=0, microsecond=0)


@dataclass
class SnapshotResult:
    taken_at: datetime
    written: int = 0
    pruned: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"taken_at": self.taken_at.isoformat(), "written": self.written, "pruned": self.pruned,
                "failures": self.failures}


def kpi_snapshot_take(*, now: datetime | None = None) -> SnapshotResult:
    """Store the current value of every figure marked `chart=True`, then drop samples older than
    the retention. Collectors that fail are reported in the result (and logged by the registry)."""
    now = now or timezone.now()
    result = SnapshotResult(taken_at=slot_of(now))
    collected = collect_all()
    result.failures = collected.failures
    rows = [KpiSample(name=figure.name, series=series_key(labels), labels=labels, value=value,
                      taken_at=result.taken_at)
            for figure in collected.figures if figure.chart for labels, value in figure.samples]
    before = KpiSample.objects.filter(taken_at=result.taken_at).count()
    KpiSample.objects.bulk_create(rows, ignore_conflicts=True)
    result.written = KpiSample.objects.filter(taken_at=result.taken_at).count() - before
    result.pruned, _ = KpiSample.objects.filter(taken_at__lt=now - timedelta(days=retention_days())).delete()
    return result


@dataclass
class Series:
    labels: dict[str, str]
    points: list[tuple[datetime, float]]

    @property
    def label(self) -> str:
        """How a chart's key names the series: its label values, a quantile as p50 / p95 / max."""
        return ", ".join(_label_value(k, v) for k, v in sorted(self.labels.items())) or "all"


def _label_value(key: str, value: str) -> str:
    if key != "quantile":
        return f"{value}"
    try:
        return f"p{float(value) * 100:g}"
    except ValueError:
        return f"{value}"  # "max"


def kpi_series(name: str, *, since: datetime, until: datetime | None = None) -> list[Series]:
    """The stored series of figure `name` between `since` and `until`, one per label set."""
    query = KpiSample.objects.filter(name=name, taken_at__gte=since)
    if until is not None:
        query = query.filter(taken_at__lte=until)
    grouped: dict[str, Series] = {}
    for series, labels, value, taken_at in query.order_by("series", "taken_at").values_list(
            "series", "labels", "value", "taken_at"):
        grouped.setdefault(series, Series(labels=labels, points=[])).points.append((taken_at, value))
    return list(grouped.values())


def charted(figures: list[Figure]) -> list[Figure]:
    """The figures to draw, first of each name."""
    seen: dict[str, Figure] = {}
    for figure in figures:
        if figure.chart:
            seen.setdefault(figure.name, figure)
    return list(seen.values())
