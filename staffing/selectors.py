"""Reads of staffing through the one permission filter: the utilization forecast (a viewer sees the
people they may see, and totals made of those alone), project margins and unbilled hours (the
projects they may see), and the three sync classes' latencies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage, Project, Resource
from mdm.permissions import restrict
from operations.registry import read_once
from staffing.forecast import utilization
from staffing.models import Allocation, BillingSummary, ForecastWeek, MarginSnapshot, TimesheetLine
from staffing.services.timesheets import approved_at
from staffing.services.timesheets import unbilled_hours as hours_unbilled
from staffing.timesheets import monday_of


@dataclass
class Row:
    key: str
    label: str
    hours: dict = field(default_factory=dict)  # week -> (allocated, capacity)

    def cells(self, weeks):
        out = []
        for week in weeks:
            allocated, capacity = self.hours.get(week, (Decimal(0), Decimal(0)))
            out.append({"allocated": allocated, "capacity": capacity, "utilization": utilization(allocated, capacity)})
        return out


def visible_resources(user, *, surface: str = "console"):
    return restrict(Resource.objects.filter(record_status="active"), user, surface=surface)


def utilization_forecast(user, *, surface: str = "console") -> dict:
    """Per person, team and service line, per coming week: allocated hours against capacity."""
    people = {r.pk: r for r in visible_resources(user, surface=surface)}
    weeks = sorted(set(ForecastWeek.objects.values_list("week", flat=True)))
    groups: dict[str, dict[str, Row]] = {"person": {}, "team": {}, "service_line": {}}
    for row in ForecastWeek.objects.filter(resource_id__in=list(people)).order_by("week"):
        person = people[row.resource_id]
        for kind, key, label in (("person", person.pk, person.name), ("team", person.team or "—", person.team or "—"),
                                 ("service_line", person.service_line or "—", person.service_line or "—")):
            entry = groups[kind].setdefault(key, Row(key, label))
            allocated, capacity = entry.hours.get(row.week, (Decimal(0), Decimal(0)))
            entry.hours[row.week] = (allocated + row.allocated_hours, capacity + row.capacity_hours)
    return {"weeks": weeks, **{kind: sorted(rows.values(), key=lambda r: r.label) for kind, rows in groups.items()}}


@read_once
def utilization_next_weeks(user=None, *, surface: str = "console") -> float | None:
    """The whole (visible) firm's utilization over the forecast's weeks: one figure."""
    ids = list(visible_resources(user, surface=surface).values_list("pk", flat=True)) if user else None
    rows = ForecastWeek.objects.all() if ids is None else ForecastWeek.objects.filter(resource_id__in=ids)
    totals = defaultdict(Decimal)
    for allocated, capacity in rows.values_list("allocated_hours", "capacity_hours"):
        totals["allocated"] += allocated
        totals["capacity"] += capacity
    return utilization(totals["allocated"], totals["capacity"])


def sync_latencies() -> list[float]:
    """Seconds from the PSA's change to the hub holding it, for the allocations of the last day."""
    since = timezone.now() - timedelta(days=1)
    return [v for v in Allocation.objects.filter(received_at__gte=since).exclude(sync_latency_seconds=None)
            .values_list("sync_latency_seconds", flat=True)]


def visible_projects(user, *, surface: str = "console"):
    return restrict(Project.objects.filter(record_status="active"), user, surface=surface)


def _project_ids(user, surface: str):
    """The projects a viewer may see, as a subquery (None: no viewer, the whole firm, as /metrics
    counts it)."""
    return None if user is None else visible_projects(user, surface=surface).values("pk")


@dataclass
class MarginRow:
    project: object
    latest: object  # MarginSnapshot
    trend: list = field(default_factory=list)  # margins of the last snapshots, oldest first


@read_once
def project_margins(user, *, surface: str = "console", points: int = 8) -> list[MarginRow]:
    """Each visible project's latest margin snapshot and the trend over the last `points` days of
    snapshots (one a day), lowest margin first (the ones to look at)."""
    newest = MarginSnapshot.objects.order_by("-taken_on").values_list("taken_on", flat=True).first()
    if newest is None:
        return []
    snapshots = (MarginSnapshot.objects.filter(taken_on__gt=newest - timedelta(days=points))
                 .select_related("project").order_by("project_id", "taken_on"))
    ids = _project_ids(user, surface)
    if ids is not None:
        snapshots = snapshots.filter(project_id__in=ids)
    rows: dict[str, MarginRow] = {}
    for snapshot in snapshots:
        row = rows.setdefault(snapshot.project_id, MarginRow(project=snapshot.project, latest=snapshot))
        row.latest = snapshot
        row.trend = [*row.trend, snapshot.margin][-points:]
    return sorted(rows.values(), key=lambda r: (r.latest.margin is None, r.latest.margin or 0))


def firm_margin(rows: list[MarginRow]) -> float | None:
    """(recognized − cost) / recognized over the latest snapshots of `rows` (project_margins)."""
    recognized = sum((row.latest.revenue_recognized for row in rows), Decimal(0))
    cost = sum((row.latest.cost for row in rows), Decimal(0))
    return float((recognized - cost) / recognized) if recognized > 0 else None


@read_once
def unbilled_hours(user=None, *, surface: str = "console") -> Decimal:
    return hours_unbilled(_project_ids(user, surface))


def batch_latencies(days: int = 7) -> list[float]:
    """Seconds from a week's time being ready to bill (approved, or corrected after) to its
    summary or adjustment delivered to the ERP, for those delivered in the last `days`."""
    delivered = dict(OutboxMessage.objects.filter(domain="timesheet", status=OutboxStatus.DELIVERED,
                                                  delivered_at__gte=timezone.now() - timedelta(days=days))
                     .values_list("id", "delivered_at"))
    summaries = list(BillingSummary.objects.filter(outbox_message_id__in=list(delivered)))
    if not summaries:
        return []
    # The PSA's change stamps of those projects' lines, read once for all summaries.
    stamps: dict[tuple[str, object], list] = {}
    for project_id, day, stamp in (TimesheetLine.objects
                                   .filter(project_id__in={s.project_id for s in summaries},
                                           day__gte=min(s.week for s in summaries), source_updated_at__isnull=False)
                                   .values_list("project_id", "day", "source_updated_at")):
        stamps.setdefault((project_id, monday_of(day)), []).append(stamp)
    found = []
    for summary in summaries:
        corrected = max((t for t in stamps.get((summary.project_id, summary.week), []) if t <= summary.created_at),
                        default=None)
        ready = max(filter(None, (approved_at(summary.week), corrected)))
        found.append(max(0.0, (delivered[summary.outbox_message_id] - ready).total_seconds()))
    return found


def snapshot_age() -> float | None:
    """Seconds since the newest margin snapshot: how old the scheduled figures are."""
    newest = MarginSnapshot.objects.order_by("-taken_at").values_list("taken_at", flat=True).first()
    return (timezone.now() - newest).total_seconds() if newest else None
