"""What the dashboard shows, built from the same figures /metrics exposes: the technical-health
table per system, the open exceptions by age and owner, and the KPI charts from the time series."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from operations.charts import Chart, format_value, line_chart
from operations.kpis import AGE_BUCKETS
from operations.registry import Figure
from operations.timeseries import charted, kpi_series, snapshot_minutes

# Chart ranges a person can pick (?days=...).
RANGES = (1, 7, 30)


def _by_name(figures: list[Figure]) -> dict[str, Figure]:
    return {figure.name: figure for figure in figures}


@dataclass
class SystemHealth:
    system: str
    values: dict[str, str] = field(default_factory=dict)
    alerts: set[str] = field(default_factory=set)  # columns worth a second look (dead letters, failures)
    connected: bool | None = None  # whether the hub can write to it (None: not measured)


# (column key, heading, figure name, label filter, unit); the headings are short because a group
# heading (HEALTH_GROUPS) stands over them: the table has to fit its panel on a laptop screen.
HEALTH_COLUMNS = (
    ("events_in", "all", "concord_inbound_events", {}, ""),
    ("events_failed", "failed", "concord_inbound_events", {"status": "failed"}, ""),
    ("echoes", "echoes", "concord_inbound_echoes", {}, ""),
    ("records_24h", "records read", "concord_sync_records_24h", {}, ""),
    ("sync_failed_24h", "failed runs", "concord_sync_runs_24h", {"status": "failed"}, ""),
    ("out", "delivered (24 h)", "concord_outbox_delivered_24h", {}, ""),
    ("pending", "pending", "concord_outbox_messages", {"status": "pending"}, ""),
    # Messages to a system that is not connected: they go out once it is (not a backlog to chase).
    ("held", "held", "concord_outbox_messages", {"status": "held"}, ""),
    ("oldest_pending", "oldest pending", "concord_outbox_oldest_pending_age_seconds", {}, "seconds"),
    ("retrying", "retrying", "concord_outbox_retrying", {}, ""),
    ("replayed", "replayed", "concord_outbox_replayed_waiting", {}, ""),
    ("dead", "dead letters", "concord_outbox_messages", {"status": "dead"}, ""),
    ("latency_p50", "p50", "concord_outbox_delivery_latency_seconds", {"quantile": "0.5"}, "seconds"),
    ("latency_p95", "p95", "concord_outbox_delivery_latency_seconds", {"quantile": "0.95"}, "seconds"),
    ("quarantined", "quarantined", "concord_quarantined_open", {}, ""),
    ("watermark_lag", "watermark lag (max)", "concord_watermark_lag_seconds", {}, "seconds"),
    # At the system's last reconciliation (manage.py reconcile, nightly), over its domains.
    ("missing_there", "missing there", "concord_reconcile_missing", {}, ""),
    ("unknown_there", "unknown there", "concord_reconcile_extra", {}, ""),
    ("differing_there", "differing there", "concord_reconcile_differing", {}, ""),
)
# (group heading, its columns), covering HEALTH_COLUMNS in their order.
HEALTH_GROUPS = (
    ("Change events in", ("events_in", "events_failed", "echoes")),
    ("Syncs (24 h)", ("records_24h", "sync_failed_24h")),
    ("Messages out", ("out", "pending", "held", "oldest_pending", "retrying", "replayed", "dead")),
    ("Delivery latency", ("latency_p50", "latency_p95")),
    ("Intake", ("quarantined", "watermark_lag")),
    ("Last reconciliation", ("missing_there", "unknown_there", "differing_there")),
)
ALERT_WHEN_POSITIVE = {"events_failed", "sync_failed_24h", "dead", "quarantined", "missing_there", "differing_there"}
# Summed over the other labels, except these, which take the largest value.
TAKE_MAX = {"watermark_lag"}


def health_table(figures: list[Figure]) -> list[SystemHealth]:
    """One row per system, one column per HEALTH_COLUMNS entry ("–" when the figure has no value)."""
    named = _by_name(figures)
    cells: dict[str, dict[str, float]] = defaultdict(dict)
    systems: set[str] = set()
    for key, _, name, wanted, _ in HEALTH_COLUMNS:
        figure = named.get(name)
        for labels, value in (figure.samples if figure else []):
            system = labels.get("system")
            if system is None or any(labels.get(k) != v for k, v in wanted.items()):
                continue
            systems.add(system)
            held = cells[system].get(key)
            if held is None:
                cells[system][key] = value
            else:
                cells[system][key] = max(held, value) if key in TAKE_MAX else held + value
    connection = named.get("concord_system_connected")
    connected = {labels.get("system"): bool(value) for labels, value in (connection.samples if connection else [])}
    rows = []
    for system in sorted(systems):
        # Said beside the system's name, not in a column of its own: the table must fit its panel.
        row = SystemHealth(system=system, connected=connected.get(system))
        for key, _, _, _, unit in HEALTH_COLUMNS:
            value = cells[system].get(key)
            row.values[key] = "–" if value is None else format_value(value, unit)
            if key in ALERT_WHEN_POSITIVE and value:
                row.alerts.add(key)
        rows.append(row)
    return rows


def health_header() -> list[tuple[str, list[tuple[str, str]]]]:
    """The health table's two heading rows: each group with its (column key, heading) pairs."""
    headings = {key: heading for key, heading, *_ in HEALTH_COLUMNS}
    return [(group, [(key, headings[key]) for key in keys]) for group, keys in HEALTH_GROUPS]


def exceptions_table(figures: list[Figure]) -> tuple[list[str], list[tuple[str, str, list[int], int]]]:
    """Open exceptions as (kind, owner, counts per age bucket, total) rows, with the bucket names."""
    figure = _by_name(figures).get("concord_open_exceptions")
    ages = [name for name, _ in AGE_BUCKETS]
    grid: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for labels, value in (figure.samples if figure else []):
        grid[(labels.get("kind", ""), labels.get("owner", ""))][labels.get("age", "")] = int(value)
    rows = [(kind, owner, [counts.get(age, 0) for age in ages], sum(counts.values()))
            for (kind, owner), counts in sorted(grid.items())]
    return ages, rows


def kpi_charts(figures: list[Figure], *, now: datetime, days: int,
               domains: Iterable[str] | None = None, zone: str = "UTC") -> list[Chart]:
    """The charted figures' stored series; given `domains` (a scoped viewer's, seen in full), only
    the series labelled with one of them: a snapshot counted every record, it cannot be narrowed.
    Times on the charts read in `zone` (the site's time zone)."""
    since = now - timedelta(days=days)
    step = timedelta(minutes=snapshot_minutes())
    wanted = None if domains is None else set(domains)
    charts = []
    for figure in charted(figures):
        series = [(s.label, s.points) for s in kpi_series(figure.name, since=since, until=now)
                  if wanted is None or s.labels.get("domain") in wanted]
        charts.append(line_chart(title=figure.help, name=figure.name, unit=figure.unit, series=series,
                                 since=since, until=now, zone=zone, step=step))
    return charts


def parse_days(raw: str | None) -> int:
    """The chart range asked for; ValueError (said to the user) unless it is one we offer."""
    if raw in (None, ""):
        return 7
    if not raw.isdigit() or int(raw) not in RANGES:
        raise ValueError(f"days must be one of {', '.join(map(str, RANGES))} (got {raw!r})")
    return int(raw)


