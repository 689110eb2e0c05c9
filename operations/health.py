"""Technical health per system, as registry Figures: the outbox (messages out, backlog, retries,
replays, dead letters, delivery latency), change events and sync runs (messages in, failures),
watermarks (how far behind our reading is) and reconciliation (what each system is missing,
holds unknown to us, or holds differently, at its last run).

A few aggregate queries per call, never one per row. What each relies on (docs/operations.md):
- outbox backlog (pending, delivering, held, dead): the `outbox_due` index (status, next_attempt_at);
- outbox delivered total (/metrics only): one GROUP BY over the outbox_status_system index, the
  one count here that grows with the table; delivered in the last day: the outbox_delivered index;
- delivery latency: the newest LATENCY_SAMPLE delivered messages, read backwards on the primary key;
- inbound events: one GROUP BY (system, status); sync runs: the runs started in the last day;
- watermarks and connections: small tables, read whole;
- reconciliation: the newest succeeded run per system and domain (a GROUP BY, then those rows).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone

from connectors.models import (
    EventStatus,
    InboundEvent,
    ReconciliationRun,
    SyncRun,
    SyncStatus,
    Watermark,
    systems_not_connected,
)
from mdm.choices import OutboxStatus, QuarantineStatus
from mdm.models import OutboxMessage, QuarantinedRecord, SourceSystem
from mdm.permissions import restrict
from mdm.timestamps import moment_or_none
from operations.registry import Figure

# How many of the newest delivered messages the delivery latency is measured over.
LATENCY_SAMPLE = 1000
RECENT = timedelta(hours=24)
BACKLOG = (OutboxStatus.PENDING, OutboxStatus.DELIVERING, OutboxStatus.HELD, OutboxStatus.DEAD)


def _systems() -> dict[int, str]:
    return dict(SourceSystem.objects.order_by("name").values_list("id", "name"))


def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of `values` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class _OutboxCounts:
    """The outbox read per system (ids), before it becomes figures."""

    by_status: dict[tuple[int, str], int]
    retrying: dict[int, int]
    replayed: dict[int, int]
    oldest: dict[int, datetime] = field(default_factory=dict)
    recent: dict[int, int] = field(default_factory=dict)
    replays: dict[int, int] = field(default_factory=dict)
    latencies: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))


def outbox_figures(now: datetime | None = None, viewer=None) -> list[Figure]:
    """Over every message, or over those of the golden records `viewer` may see."""
    now = now or timezone.now()
    outbox = OutboxMessage.objects.all() if viewer is None else restrict(OutboxMessage.objects.all(), viewer)
    systems = _systems()
    counts = _OutboxCounts(by_status={(s, status): 0 for s in systems for status in OutboxStatus.values},
                           retrying=dict.fromkeys(systems, 0), replayed=dict.fromkeys(systems, 0),
                           recent=dict.fromkeys(systems, 0), replays=dict.fromkeys(systems, 0))
    _backlog_read(outbox, counts)
    _delivered_read(outbox, counts, since=now - RECENT, all_time=viewer is None)
    for row in outbox.filter(replays__gt=0).values("system_id").order_by().annotate(n=Sum("replays")):
        counts.replays[row["system_id"]] = row["n"]
    newest = (outbox.filter(status=OutboxStatus.DELIVERED, delivered_at__isnull=False)
              .order_by("-id").values_list("system_id", "created_at", "delivered_at")[:LATENCY_SAMPLE])
    for system, created, delivered_at in newest:
        counts.latencies[system].append(max(0.0, (delivered_at - created).total_seconds()))
    return _outbox_as_figures(counts, systems, now)


def _backlog_read(outbox, counts: _OutboxCounts) -> None:
    """Pending, delivering, held and dead messages per system, with retries, replays waiting and
    the oldest pending: one GROUP BY over the outbox_due index (the backlog stays small)."""
    backlog = (outbox.filter(status__in=BACKLOG).values("system_id", "status").order_by()
               .annotate(n=Count("id"),
                         retrying=Count("id", filter=Q(status=OutboxStatus.PENDING, attempts__gt=0)),
                         # A replay resets attempts to 0 and keeps the error that killed the message.
                         replayed=Count("id", filter=Q(status=OutboxStatus.PENDING, attempts=0)
                                        & ~Q(last_error="")),
                         oldest=Min("created_at", filter=Q(status=OutboxStatus.PENDING))))
    for row in backlog:
        system = row["system_id"]
        counts.by_status[(system, row["status"])] = row["n"]
        counts.retrying[system] += row["retrying"]
        counts.replayed[system] += row["replayed"]
        if row["oldest"] is not None:
            counts.oldest[system] = row["oldest"]


def _delivered_read(outbox, counts: _OutboxCounts, *, since: datetime, all_time: bool) -> None:
    """Delivered since `since` (the dashboard's column) and, `all_time`, the total for /metrics, in
    one GROUP BY over the outbox_delivered index alone. The total is the one count here that grows
    with the table: a scoped viewer's dashboard goes without it (it would read every message of her
    records)."""
    delivered = outbox.filter(status=OutboxStatus.DELIVERED).values("system_id").order_by()
    if all_time:
        delivered = delivered.annotate(n=Count("system_id"), recent=Count("system_id",
                                                                          filter=Q(delivered_at__gte=since)))
    else:
        delivered = delivered.filter(delivered_at__gte=since).annotate(recent=Count("system_id"))
        counts.by_status = {key: n for key, n in counts.by_status.items() if key[1] != OutboxStatus.DELIVERED}
    for row in delivered:
        counts.recent[row["system_id"]] = row["recent"]
        if all_time:
            counts.by_status[(row["system_id"], OutboxStatus.DELIVERED)] = row["n"]


def _outbox_as_figures(counts: _OutboxCounts, systems: dict[int, str], now: datetime) -> list[Figure]:
    def per_system(values: dict[int, float]) -> list[tuple[dict[str, str], float]]:
        return [({"system": systems[s]}, float(n)) for s, n in values.items()]

    return [
        Figure("concord_outbox_messages", "Outbox messages per system and status (delivered = messages out; "
               "held = waiting for the system to be connected; dead = dead letters waiting for a replay).",
               samples=[({"system": systems[s], "status": status}, float(n))
                        for (s, status), n in sorted(counts.by_status.items(),
                                                     key=lambda item: (systems[item[0][0]], item[0][1]))]),
        Figure("concord_outbox_delivered_24h", "Outbox messages delivered in the last 24 hours.",
               samples=per_system(counts.recent)),
        Figure("concord_outbox_retrying", "Outbox messages waiting for another attempt after a failure.",
               samples=per_system(counts.retrying)),
        Figure("concord_outbox_replayed_waiting", "Dead letters a steward replayed, waiting to be delivered again.",
               samples=per_system(counts.replayed)),
        Figure("concord_outbox_replays", "Times stewards replayed dead letters (each replay of each message).",
               kind="counter", samples=per_system(counts.replays)),
        Figure("concord_outbox_oldest_pending_age_seconds", "Age of the oldest pending outbox message "
               "(0 when nothing is pending).", unit="seconds",
               samples=per_system({s: max(0.0, (now - counts.oldest[s]).total_seconds()) if s in counts.oldest
                                   else 0.0 for s in systems})),
        Figure("concord_outbox_delivery_latency_seconds", f"Time from a golden-record change to its delivery, "
               f"over the newest {LATENCY_SAMPLE} delivered messages.", unit="seconds", chart=True,
               samples=[({"system": systems[s], "quantile": label}, quantile(values, q))
                        for s, values in sorted(counts.latencies.items(), key=lambda item: systems[item[0]])
                        for label, q in (("0.5", 0.5), ("0.95", 0.95))]),
    ]


def inbound_figures(now: datetime | None = None) -> list[Figure]:
    now = now or timezone.now()
    systems = _systems()
    events = {(s, status): 0 for s in systems for status in EventStatus.values}
    echoes = dict.fromkeys(systems, 0)
    for row in (InboundEvent.objects.values("system_id", "status").order_by()
                .annotate(n=Count("id"), echoes=Count("id", filter=Q(is_echo=True)))):
        events[(row["system_id"], row["status"])] = row["n"]
        echoes[row["system_id"]] += row["echoes"]

    runs = {(s, status): 0 for s in systems for status in SyncStatus.values}
    records = dict.fromkeys(systems, 0)
    for system, status, counts in (SyncRun.objects.filter(started_at__gte=now - RECENT)
                                   .values_list("system_id", "status", "counts")):
        runs[(system, status)] += 1
        for per_type in (counts or {}).values():
            if isinstance(per_type, dict):
                records[system] += sum(int(per_type.get(name) or 0) for name in
                                       ("created", "updated", "unchanged", "stale", "deleted", "quarantined"))
    last_success = dict(SyncRun.objects.filter(status=SyncStatus.SUCCEEDED).values("system_id").order_by()
                        .annotate(at=Max("finished_at")).values_list("system_id", "at"))
    def key(item):
        return systems[item[0][0]], item[0][1]

    return [
        Figure("concord_inbound_events", "Change events systems pushed to us, per status (messages in).",
               samples=[({"system": systems[s], "status": status}, float(n))
                        for (s, status), n in sorted(events.items(), key=key)]),
        Figure("concord_inbound_echoes", "Inbound change events that were our own writes coming back.",
               samples=[({"system": systems[s]}, float(n)) for s, n in echoes.items()]),
        Figure("concord_sync_runs_24h", "Sync runs started in the last 24 hours, per status.",
               samples=[({"system": systems[s], "status": status}, float(n))
                        for (s, status), n in sorted(runs.items(), key=key)]),
        Figure("concord_sync_records_24h", "Source records read by the sync runs of the last 24 hours.",
               samples=[({"system": systems[s]}, float(n)) for s, n in records.items()]),
        Figure("concord_sync_last_success_timestamp_seconds", "When the last successful sync run of the system "
               "finished (Unix time; absent when none has).",
               samples=[({"system": systems[s]}, at.timestamp()) for s, at in sorted(
                   last_success.items(), key=lambda item: systems[item[0]]) if at is not None]),
        quarantine_figure(systems),
    ]


def quarantine_figure(systems: dict[int, str], viewer=None) -> Figure:
    """Open quarantined records per system: all of them, or those of the domains `viewer` may see."""
    open_records = QuarantinedRecord.objects.filter(status=QuarantineStatus.OPEN)
    if viewer is not None:
        open_records = restrict(open_records, viewer)
    quarantined = dict(open_records.values("system_id").order_by().annotate(n=Count("id"))
                       .values_list("system_id", "n"))
    return Figure("concord_quarantined_open", "Source records in quarantine (rejected by validation), still open.",
                  samples=[({"system": name}, float(quarantined.get(s, 0))) for s, name in systems.items()])


def watermark_moment(value: str) -> datetime | None:
    """The time a watermark stands at: an ISO timestamp, or a "<timestamp>|<id>" cursor; None for
    a cursor that is no time (a sequence number)."""
    return moment_or_none((value or "").partition("|")[0])


def watermark_figures(now: datetime | None = None) -> list[Figure]:
    now = now or timezone.now()
    lag, idle = [], []
    for system, object_type, value, updated_at in (Watermark.objects.order_by("system__name", "object_type")
                                                   .values_list("system__name", "object_type", "value",
                                                                "updated_at")):
        labels = {"system": system, "object_type": object_type}
        moment = watermark_moment(value)
        if moment is not None:
            lag.append((labels, max(0.0, (now - moment).total_seconds())))
        idle.append((labels, max(0.0, (now - updated_at).total_seconds())))
    return [
        Figure("concord_watermark_lag_seconds", "How far behind now the watermark stands: the source time up to "
               "which the object type has been read (grows too when the system simply has no changes).",
               unit="seconds", samples=lag),
        Figure("concord_watermark_idle_seconds", "Time since the watermark last moved.", unit="seconds",
               samples=idle),
    ]


def reconciliation_figures() -> list[Figure]:
    """What each system's newest successful reconciliation found, per domain (its own collector:
    one query, whatever the number of runs)."""
    newest = (ReconciliationRun.objects.filter(status=SyncStatus.SUCCEEDED).values("system_id", "domain")
              .order_by().annotate(last=Max("id")).values_list("last", flat=True))
    runs = sorted(ReconciliationRun.objects.filter(pk__in=newest).select_related("system"),
                  key=lambda run: (run.system.name, run.domain))

    def samples(name: str) -> list[tuple[dict[str, str], float]]:
        return [({"system": run.system.name, "domain": run.domain}, float(getattr(run, name))) for run in runs]

    return [
        Figure("concord_reconcile_missing", "Golden records a system subscribes to that it does not hold, at "
               "its last reconciliation.", chart=True, unit="count", samples=samples("missing")),
        Figure("concord_reconcile_extra", "Records a system holds that the hub does not know, at its last "
               "reconciliation.", samples=samples("extra")),
        Figure("concord_reconcile_differing", "Records whose values in the system differ from what the hub would "
               "push, at its last reconciliation.", samples=samples("differing")),
        Figure("concord_reconcile_last_run_timestamp_seconds", "When the last successful reconciliation of the "
               "system and domain finished (Unix time).",
               samples=[({"system": run.system.name, "domain": run.domain}, run.finished_at.timestamp())
                        for run in runs if run.finished_at]),
    ]


def connection_figure(systems: dict[int, str]) -> Figure:
    """Whether the hub can write to each system now (a connector and an enabled connection with a
    URL): a system that is not connected has its outbox messages held, not pending."""
    not_connected = systems_not_connected(systems.values())
    return Figure("concord_system_connected", "1 when the hub is connected to the system (its messages go out), "
                  "0 when it is not (its messages are held).",
                  samples=[({"system": name}, 0.0 if name in not_connected else 1.0) for name in systems.values()])


def health_figures(viewer=None) -> list[Figure]:
    """Every system's health (/metrics, and viewers who see everything); for a scoped viewer, the
    outbox and quarantine of what they may see. Connector activity (change events, sync runs,
    watermarks) counts every domain's records at once, so a scoped viewer is not shown it."""
    now = timezone.now()
    if viewer is not None:
        systems = _systems()
        return [connection_figure(systems), *outbox_figures(now, viewer), quarantine_figure(systems, viewer)]
    return [connection_figure(_systems()), *outbox_figures(now), *inbound_figures(now), *watermark_figures(now)]
