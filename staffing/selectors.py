"""Reads of the utilization forecast, through the one permission filter: a viewer sees the people
(resource golden records) they may see, and totals made of those alone."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from mdm.models import Resource
from mdm.permissions import restrict
from staffing.forecast import utilization
from staffing.models import Allocation, ForecastWeek


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
    from datetime import timedelta

    from django.utils import timezone

    since = timezone.now() - timedelta(days=1)
    return [v for v in Allocation.objects.filter(received_at__gte=since).exclude(sync_latency_seconds=None)
            .values_list("sync_latency_seconds", flat=True)]
