"""Timesheets in batches: the PSA's timesheet lines pulled since a watermark, and once a day (or on
demand) each project's approved weeks summarised per person and sent to the ERP that bills the
project, through the outbox. A week already sent that changes afterwards goes as an adjustment
carrying only the difference, never as the week again (docs/staffing.md, "Timesheets")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from connectors.base import connector_class
from connectors.models import Watermark, connection_for, is_connected
from mdm.choices import QuarantineStatus
from mdm.models import Project, QuarantinedRecord, Resource, SourceSystem
from mdm.services.quarantine import quarantine_raise
from orchestration import rules
from orchestration.outbound import message_ensure
from staffing import timesheets
from staffing.models import BillingSummary, TimesheetLine
from staffing.policy import staffing_policy
from staffing.services.allocations import golden_id_of

WATERMARK = "timesheet.line"
WAITING = "timesheet.summary"  # the exception of a project whose ERP takes no summaries


@dataclass
class TimesheetPull:
    changed: list[str] = field(default_factory=list)  # line source ids
    removed: list[str] = field(default_factory=list)


def timesheet_lines_pull(*, system: str | None = None, connector=None, today: date | None = None) -> TimesheetPull:
    """Store the lines the PSA entered or changed since the last pull, and mark removed the ones
    it no longer holds (within the weeks a correction may still reach)."""
    system = system or staffing_policy()["psa"]
    connector = connector or connection_for(system)
    source = SourceSystem.objects.get(name=system)
    mark, _ = Watermark.objects.get_or_create(system=source, object_type=WATERMARK)
    rows, next_mark = connector.pull_timesheet_lines(watermark=mark.value or None)
    horizon = _horizon(today or timezone.localdate())
    present = connector.timesheet_line_ids(since=horizon)
    pulled = TimesheetPull()
    with transaction.atomic():
        pulled.changed = _lines_store(system, rows)
        pulled.removed = _lines_removed(system, present, horizon)
        mark.value = next_mark or mark.value
        mark.save()
    return pulled


def _horizon(today: date) -> date:
    return timesheets.monday_of(today) - timedelta(weeks=staffing_policy()["timesheets"]["weeks_back"])


def _lines_store(system: str, rows: list[dict]) -> list[str]:
    changed = []
    for row in rows:
        values = {"employee_source_id": row["employee_id"], "work_source_id": row["work_id"] or "",
                  "resource_id": golden_id_of(system, "company.employee", row["employee_id"]),
                  "project_id": golden_id_of(system, "project.work", row["work_id"]) if row["work_id"] else None,
                  "day": row["day"], "hours": row["hours"], "cost_rate": row["cost_rate"], "removed": False,
                  "source_updated_at": row["updated_at"]}
        previous = TimesheetLine.objects.filter(system=system, source_id=row["source_id"]).first()
        if previous and all(getattr(previous, k) == v for k, v in values.items()):
            continue  # read again at the same watermark: nothing changed
        TimesheetLine.objects.update_or_create(system=system, source_id=row["source_id"], defaults=values)
        changed.append(row["source_id"])
    return changed


def _lines_removed(system: str, present: set[str], horizon: date) -> list[str]:
    gone = TimesheetLine.objects.filter(system=system, removed=False, day__gte=horizon).exclude(source_id__in=present)
    ids = list(gone.values_list("source_id", flat=True))
    gone.update(removed=True, received_at=timezone.now())
    return ids


def billing_summaries_send(*, today: date | None = None) -> list[BillingSummary]:
    """For every project and approved week whose hours differ from what its summaries already
    said: one summary (the first time) or adjustment (after), and its outbox message to the ERP.
    Run twice, the second run finds nothing to say."""
    today = today or timezone.localdate()
    grace = staffing_policy()["timesheets"]["grace_days"]
    horizon = _horizon(today)  # older weeks are closed: a PSA connected with years of time bills none of them
    current = timesheets.week_totals(
        timesheets.Entry(project, person, day, hours) for project, person, day, hours in
        TimesheetLine.objects.filter(removed=False, project__isnull=False, resource__isnull=False, day__gte=horizon)
        .values_list("project_id", "resource_id", "day", "hours"))
    sent = sent_totals(since=horizon)
    written = []
    for project_id, week in sorted(set(current) | set(sent)):
        if not timesheets.week_approved(week, today, grace):
            continue
        deltas = timesheets.still_to_send(current.get((project_id, week), {}), sent.get((project_id, week), {}))
        if deltas:
            summary = _summary_write(project_id, week, deltas)
            if summary is not None:
                written.append(summary)
    return written


def sent_totals(*, since: date) -> dict[tuple[str, date], dict[str, Decimal]]:
    """Hours per (project, week) and person that the summaries and adjustments so far add up to,
    for the weeks from `since`."""
    totals: dict[tuple[str, date], dict[str, Decimal]] = {}
    for project_id, week, lines in BillingSummary.objects.filter(week__gte=since).values_list("project_id", "week",
                                                                                              "lines"):
        people = totals.setdefault((project_id, week), {})
        for line in lines:
            people[line["resource"]] = people.get(line["resource"], timesheets.ZERO) + Decimal(line["hours"])
    return totals


def _summary_write(project_id: str, week: date, deltas: dict[str, Decimal]) -> BillingSummary | None:
    project = Project.objects.select_related("customer", "contract").get(pk=project_id)
    erp = billing_system_of(project)
    if erp is None:
        return None  # its ERP is not connected: the next run, once it is, sends the week
    if not connector_class(erp).takes("timesheet"):
        _summary_refused(project, week, erp)
        return None
    people = Resource.objects.in_bulk(list(deltas))
    lines = [{"resource": person, "name": people[person].name if person in people else person, "hours": str(hours),
              "bill_rate": str(_rate(people.get(person)) or ""),
              "amount": str(timesheets.amount(hours, _rate(people.get(person))))} for person, hours in deltas.items()]
    with transaction.atomic():
        Project.objects.select_for_update().filter(pk=project_id).first()  # one writer of a project's revisions
        revision = BillingSummary.objects.filter(project_id=project_id, week=week).count()
        summary = BillingSummary.objects.create(
            project=project, week=week, revision=revision, system=erp, lines=lines,
            hours=sum(deltas.values(), timesheets.ZERO), amount=sum((Decimal(line["amount"]) for line in lines),
                                                                    timesheets.ZERO))
        message = message_ensure(system=erp, domain="timesheet", golden_id=project_id,
                                 key=f"{erp}:{project_id}:timesheet:{week.isoformat()}:r{revision}",
                                 payload=summary_payload(summary, project))
        summary.outbox_message_id = message.id
        summary.save(update_fields=["outbox_message_id"])
        _waiting_close(project_id)
    return summary


def _summary_refused(project: Project, week: date, erp: str) -> None:
    """The project's ERP takes no billing summaries: its approved weeks wait, in the exception
    queue where a steward sees them (one entry per project), until `billing_to` names one that does."""
    label = project.code or project.name or project.id
    message = (f"{label}: {erp} takes no timesheet summaries, so its approved weeks (from {week.isoformat()}) "
               "are not billed; set billing_to in config/staffing.toml [timesheets] to an ERP that does")
    quarantine_raise(system=erp, domain="project", object_type=WAITING, source_id=project.id,
                     errors={"billing_to": [f"{erp} takes no timesheet summaries"]}, reason=message,
                     payload={"project": project.id, "week": week.isoformat(), "erp": erp})


def _waiting_close(project_id: str) -> None:
    """The project's weeks go out now (its ERP takes summaries, or billing_to names one that
    does): the entry that said they wait is closed."""
    QuarantinedRecord.objects.filter(object_type=WAITING, source_id=project_id, status=QuarantineStatus.OPEN).update(
        status=QuarantineStatus.DISCARDED, resolved_at=timezone.now())


def _rate(person: Resource | None) -> Decimal | None:
    return person.bill_rate if person is not None else None


def billing_system_of(project: Project) -> str | None:
    """The ERP that bills the project: the staffing policy's, else the billing system (or ERP) of
    the contracting legal entity of its customer (orchestration's policy); None when not connected."""
    erp = staffing_policy()["timesheets"]["billing_to"]
    if not erp:
        policy = rules.policy_read()
        customer = project.customer
        values = {"country": customer.country, "legal_entity": customer.legal_entity} if customer else {}
        entity = rules.entity_policy(policy, rules.legal_entity_of(values, policy))
        erp = entity.get("billing") or entity.get("erp")  # an entity billing from the order still has an ERP
    if not erp or not SourceSystem.objects.filter(name=erp).exists() or not is_connected(erp):
        return None
    return erp


def summary_payload(summary: BillingSummary, project: Project) -> dict:
    """What the ERP receives: the project (and its customer and contract) it bills, the week,
    whether this is the week's summary or an adjustment, and the lines per person."""
    return {"golden_id": project.id, "domain": "timesheet", "attributes": {
        "summary": f"{project.id}:{summary.week.isoformat()}:r{summary.revision}", "kind": summary.kind,
        "revision": summary.revision, "project": project.id, "project_code": project.code,
        "project_name": project.name, "customer": project.customer_id, "contract": project.contract_id,
        "currency": project.contract.currency if project.contract else "",
        "week_start": summary.week.isoformat(), "week_end": (summary.week + timedelta(days=6)).isoformat(),
        "hours": str(summary.hours), "amount": str(summary.amount), "lines": summary.lines}}


def unbilled_hours(project_ids=None) -> Decimal:
    """Hours in the PSA's timesheets that no summary has carried to the ERP yet (weeks still open
    included)."""
    lines = TimesheetLine.objects.filter(removed=False, project__isnull=False, resource__isnull=False)
    summaries = BillingSummary.objects.all()
    if project_ids is not None:
        lines, summaries = lines.filter(project_id__in=project_ids), summaries.filter(project_id__in=project_ids)
    recorded = lines.aggregate(hours=Sum("hours"))["hours"] or timesheets.ZERO
    return recorded - (summaries.aggregate(hours=Sum("hours"))["hours"] or timesheets.ZERO)


def approved_at(week: date) -> datetime:
    """The moment a week's time counts as approved (its grace days over)."""
    grace = staffing_policy()["timesheets"]["grace_days"]
    return timezone.make_aware(datetime.combine(week + timedelta(days=7 + grace), time.min))
