"""Staffing flows: allocations pulled from the PSA, the utilization forecast they change, the
project team they push to the ERP, and the exceptions a leaver's future allocations raise.

Talks to systems only through the connector contract (`connection_for`), to golden records and
the exception queue only through mdm."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from connectors.models import Watermark, connection_for, is_connected
from mdm.models import Resource, SourceSystem
from mdm.selectors import golden_key_of
from mdm.services.quarantine import quarantine_raise
from orchestration.outbound import message_ensure
from staffing import forecast
from staffing.models import Allocation, ForecastWeek
from staffing.policy import staffing_policy

log = logging.getLogger(__name__)
WATERMARK = "project.allocation"


@dataclass
class PullSummary:
    changed: list[str] = field(default_factory=list)  # allocation source ids
    removed: list[str] = field(default_factory=list)
    resources: set[str] = field(default_factory=set)  # golden ids whose forecast was worked out again
    projects: set[str] = field(default_factory=set)


def allocations_pull(*, system: str | None = None, connector=None) -> PullSummary:
    """Read the allocations the PSA made or changed since the last pull, store them, then work out
    again the forecast of each person they touch, send each touched project's team, and raise an
    exception for each future allocation of a leaver."""
    system = system or staffing_policy()["psa"]
    connector = connector or connection_for(system)
    source = SourceSystem.objects.get(name=system)
    mark, _ = Watermark.objects.get_or_create(system=source, object_type=WATERMARK)
    rows, next_mark = connector.pull_allocations(watermark=mark.value or None)
    present = connector.allocation_ids()
    summary = PullSummary()
    with transaction.atomic():
        touched = _allocations_store(system, rows, summary)
        touched |= _allocations_removed(system, present, summary)
        mark.value = next_mark or mark.value
        mark.save()
    summary.resources = {a.resource_id for a in touched if a.resource_id}
    summary.projects = {a.project_id for a in touched if a.project_id}
    forecast_recompute(resource_ids=summary.resources)
    for project_id in sorted(summary.projects):
        project_team_send(project_id=project_id)
    leavers_check(resource_ids=summary.resources)
    return summary


def golden_id_of(system: str, object_type: str, source_id: str) -> str | None:
    found = golden_key_of(system, object_type, source_id)
    return found[1] if found else None


def _allocations_store(system: str, rows: list[dict], summary: PullSummary) -> set[Allocation]:
    now, touched = timezone.now(), set()
    for row in rows:
        resource = golden_id_of(system, "company.employee", row["employee_id"])
        project = golden_id_of(system, "project.work", row["work_id"])
        previous = Allocation.objects.filter(system=system, source_id=row["source_id"]).first()
        values = {"employee_source_id": row["employee_id"], "work_source_id": row["work_id"],
                  "resource_id": resource, "project_id": project, "start_date": row["start_date"],
                  "end_date": row["end_date"], "share": Decimal(str(round(row["share"], 4))), "removed": False,
                  "source_updated_at": row["updated_at"]}
        if previous and all(getattr(previous, k) == v for k, v in values.items()):
            continue  # read again at the same watermark: nothing changed
        stamp = row["updated_at"]
        values["sync_latency_seconds"] = max(0.0, (now - stamp).total_seconds()) if stamp else None
        allocation, _ = Allocation.objects.update_or_create(system=system, source_id=row["source_id"], defaults=values)
        touched.add(allocation)
        if previous and previous.resource_id != allocation.resource_id:
            touched.add(previous)
        summary.changed.append(row["source_id"])
    return touched


def _allocations_removed(system: str, present: set[str], summary: PullSummary) -> set[Allocation]:
    gone = list(Allocation.objects.filter(system=system, removed=False).exclude(source_id__in=present))
    for allocation in gone:
        allocation.removed = True
        allocation.save(update_fields=["removed", "received_at"])
        summary.removed.append(allocation.source_id)
    return set(gone)


def forecast_recompute(*, resource_ids, today: date | None = None) -> int:
    """Each person's allocated hours per coming week against their capacity, written again."""
    weeks = forecast.weeks_ahead(today or timezone.localdate(), staffing_policy()["weeks"])
    written = 0
    for resource in Resource.objects.filter(pk__in=set(resource_ids)):
        capacity = resource.capacity_hours or forecast.DEFAULT_CAPACITY
        spans = [forecast.Span(a.start_date, a.end_date, a.share)
                 for a in Allocation.objects.filter(resource=resource, removed=False)]
        with transaction.atomic():
            ForecastWeek.objects.filter(resource=resource).exclude(week__in=weeks).delete()
            for monday in weeks:
                ForecastWeek.objects.update_or_create(resource=resource, week=monday, defaults={
                    "allocated_hours": forecast.allocated_hours(spans, monday, capacity), "capacity_hours": capacity})
                written += 1
    return written


def project_team(project_id: str) -> list[dict]:
    rows = (Allocation.objects.filter(project_id=project_id, removed=False, resource__isnull=False)
            .select_related("resource").order_by("resource__name", "source_id"))
    return [{"resource": a.resource_id, "name": a.resource.name, "share": str(a.share),
             "start_date": a.start_date.isoformat() if a.start_date else None,
             "end_date": a.end_date.isoformat() if a.end_date else None} for a in rows]


def project_team_send(*, project_id: str) -> list[int]:
    """The project's team as it now stands, to each system the staffing policy names (its ERP
    project), through the outbox; the same team twice is one message (its key is its content)."""
    from hashlib import sha1

    team = project_team(project_id)
    digest = sha1(repr(team).encode()).hexdigest()[:12]
    sent = []
    for system in staffing_policy()["team_to"]:
        if not SourceSystem.objects.filter(name=system).exists() or not is_connected(system):
            continue
        message = message_ensure(system=system, domain="staffing", golden_id=project_id,
                                 key=f"{system}:{project_id}:team:{digest}",
                                 payload={"golden_id": project_id, "domain": "staffing", "attributes": {"team": team}})
        sent.append(message.id)
    return sent


def leavers_check(*, resource_ids=None, today: date | None = None) -> int:
    """An exception in the exception queue for every allocation of a person who leaves (an end
    date, or terminated in HR) that runs past their last day."""
    today = today or timezone.localdate()
    people = Resource.objects.filter(record_status="active").exclude(end_date=None, employment_status__in=["", "active"])
    if resource_ids is not None:
        people = people.filter(pk__in=set(resource_ids))
    raised = 0
    for person in people:
        last_day = person.end_date or today
        for allocation in Allocation.objects.filter(resource=person, removed=False).select_related("project"):
            if allocation.end_date is not None and allocation.end_date <= last_day:
                continue
            _leaver_exception(person, allocation, last_day)
            raised += 1
    return raised


def _leaver_exception(person: Resource, allocation: Allocation, last_day: date) -> None:
    project = allocation.project.code or allocation.project.name if allocation.project else allocation.work_source_id
    until = allocation.end_date.isoformat() if allocation.end_date else "open end"
    message = f"{person.name} leaves on {last_day.isoformat()} but is allocated to {project} until {until}"
    quarantine_raise(system=allocation.system, domain="resource", object_type="project.allocation",
                     source_id=allocation.source_id, errors={"end_date": [message]}, reason=message,
                     payload={"resource": person.id, "project": allocation.project_id, "share": str(allocation.share),
                              "start_date": str(allocation.start_date), "end_date": str(allocation.end_date)})


def resources_changed_receiver(sender, *, domain: str, records=(), **kwargs) -> None:
    """A person's golden record changed (HR said they leave, their capacity changed): their
    forecast and exceptions follow, after the change is committed."""
    if domain != "resource" or not records:
        return
    ids = [r.pk for r in records]
    transaction.on_commit(lambda: (forecast_recompute(resource_ids=ids), leavers_check(resource_ids=ids)))
