"""Margin snapshots on a schedule: per project, revenue recognized and invoiced against the cost
of its timesheets at cost rates, kept one a day; a project below its service line's floor becomes
an exception for its owner, closed again once its margin is back above (docs/staffing.md,
"Margins")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.utils import timezone

from mdm.choices import OutboxStatus, QuarantineStatus
from mdm.models import OutboxMessage, Project, QuarantinedRecord
from mdm.services.quarantine import quarantine_raise
from staffing import margins
from staffing.models import BillingSummary, MarginSnapshot, TimesheetLine
from staffing.policy import staffing_policy

OBJECT_TYPE = "margin.snapshot"


def margin_snapshots_take(*, today: date | None = None) -> list[MarginSnapshot]:
    """Today's snapshot of every active project with time on it (taken again the same day, it
    replaces the day's), and the floor exceptions that follow."""
    today = today or timezone.localdate()
    floors = staffing_policy()["margins"]["floors"]
    with_time = TimesheetLine.objects.filter(removed=False, project__isnull=False).values("project_id").distinct()
    taken = []
    for project in Project.objects.filter(pk__in=with_time, record_status="active").select_related("contract"):
        figures = project_figures(project)
        floor = margins.floor_for(project.service_line, floors)
        below = margins.below(figures.margin, floor)
        snapshot, _ = MarginSnapshot.objects.update_or_create(project=project, taken_on=today, defaults={
            "hours": figures.hours, "cost": figures.cost, "revenue_recognized": figures.revenue_recognized,
            "revenue_invoiced": figures.revenue_invoiced, "margin": figures.margin, "floor": floor,
            "below_floor": below})
        _floor_exception_follow(project, snapshot)
        taken.append(snapshot)
    return taken


def project_figures(project: Project) -> margins.Figures:
    """Hours, their cost (the PSA's cost rate of the day, else the person's), the time at bill
    rates, and what the ERP was sent to invoice (summaries delivered)."""
    hours = cost = time_value = margins.ZERO
    for line in TimesheetLine.objects.filter(project=project, removed=False).select_related("resource"):
        person = line.resource
        hours += line.hours
        cost += line.hours * (line.cost_rate or (person.cost_rate if person else None) or margins.ZERO)
        time_value += line.hours * ((person.bill_rate if person else None) or margins.ZERO)
    contract = project.contract
    billing_type = project.billing_type or (contract.billing_type if contract else "")
    recognized = margins.recognized(billing_type=billing_type, time_value=time_value, cost=cost,
                                    contract_value=contract.total_value if contract else None, budget=project.budget)
    return margins.Figures(hours=hours, cost=cost.quantize(Decimal("0.01")),
                           revenue_recognized=recognized.quantize(Decimal("0.01")),
                           revenue_invoiced=_invoiced(project))


def _invoiced(project: Project) -> Decimal:
    delivered = OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).values("id")
    amounts = BillingSummary.objects.filter(project=project, outbox_message_id__in=delivered).values_list("amount",
                                                                                                       flat=True)
    return sum(amounts, margins.ZERO)


def _floor_exception_follow(project: Project, snapshot: MarginSnapshot) -> None:
    """Below the floor: one open exception per project (the same one while it stays below).
    Back above: the open one is closed."""
    open_ones = QuarantinedRecord.objects.filter(object_type=OBJECT_TYPE, source_id=project.id,
                                                 status=QuarantineStatus.OPEN)
    if not snapshot.below_floor:
        open_ones.update(status=QuarantineStatus.DISCARDED, resolved_at=timezone.now())
        return
    if open_ones.exists():
        return
    label = project.code or project.name or project.id
    owner = project.project_manager or "its project manager"
    line = project.service_line or "the firm's default"
    message = (f"{label}: margin {snapshot.margin:.0%} is below the {line} floor of {snapshot.floor:.0%} "
               f"(owner: {owner})")
    quarantine_raise(system=staffing_policy()["psa"], domain="project", object_type=OBJECT_TYPE, source_id=project.id,
                     errors={"margin": [f"below the floor of {snapshot.floor:.0%}"]}, reason=message,
                     payload={"project": project.id, "owner": project.project_manager, "taken_on": str(snapshot.taken_on),
                              "margin": str(snapshot.margin), "floor": str(snapshot.floor),
                              "revenue_recognized": str(snapshot.revenue_recognized), "cost": str(snapshot.cost)})
