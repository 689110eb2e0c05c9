"""What orchestration shows on the operations dashboard and exposes at /metrics (same numbers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Subquery
from django.utils import timezone

from operations.registry import read_once
from orchestration import machine
from orchestration.models import BillingSchedule, Flow, FlowStep, InvoiceStatus

CYCLE_WINDOW = timedelta(days=30)


def _lagging_contracts() -> list[dict[str, Any]]:
    """Contracts whose newest delivered billing schedule is older than the golden contract's version."""
    from mdm.models import Contract

    delivered = (BillingSchedule.objects.filter(contract_id=OuterRef("pk"), delivered_at__isnull=False)
                 .order_by("-version").values("version")[:1])
    with_flows = Flow.objects.exclude(contract_id="").filter(steps__name=machine.BILLING,
                                                              steps__state=machine.DONE).values("contract_id")
    rows = (Contract.objects.filter(pk__in=with_flows).annotate(erp_version=Subquery(delivered))
            .filter(version__gt=F("erp_version")).values("id", "number", "version", "erp_version"))
    return list(rows)


@read_once
def summary() -> dict[str, Any]:
    now = timezone.now()
    by_state_step = list(Flow.objects.values("state", "current_step").annotate(n=Count("id"))
                         .order_by("state", "current_step"))
    waiting = Flow.objects.filter(state__in=machine.OPEN_FLOW_STATES)
    oldest = waiting.order_by("closed_won_at").values_list("closed_won_at", flat=True).first()
    done = list(Flow.objects.filter(state=machine.FLOW_DONE, finished_at__gte=now - CYCLE_WINDOW,
                                    closed_won_at__isnull=False).values_list("closed_won_at", "finished_at"))
    cycle = sum((end - start).total_seconds() for start, end in done) / len(done) if done else None
    failed_steps = list(FlowStep.objects.filter(state=machine.FAILED, flow__state=machine.FLOW_FAILED)
                        .values("name").annotate(n=Count("id")).order_by("name"))
    latencies = [
        (row.outbox_delivered - row.reported_at).total_seconds()
        for row in InvoiceStatus.objects.filter(reported_at__gte=now - timedelta(days=1), outbox_message_id__isnull=False)
        .annotate(outbox_delivered=Subquery(_delivered_at())).exclude(outbox_delivered=None)]
    return {
        "by_state_step": by_state_step,
        "waiting_count": waiting.count(),
        "waiting_oldest_seconds": (now - oldest).total_seconds() if oldest else 0.0,
        "cycle_seconds": cycle, "cycle_count": len(done),
        "failed_steps": failed_steps,
        "failed_flows": list(Flow.objects.filter(state=machine.FLOW_FAILED).order_by("-updated_at")[:10]),
        "lagging": _lagging_contracts(),
        "invoice_latency_seconds": sum(latencies) / len(latencies) if latencies else None,
        "invoices_blocked": InvoiceStatus.objects.exclude(blocked_reason="").count(),
        "last_change": Flow.objects.aggregate(at=Max("updated_at"))["at"],
    }


def _delivered_at():
    from mdm.models import OutboxMessage

    return OutboxMessage.objects.filter(pk=OuterRef("outbox_message_id")).values("delivered_at")[:1]


def _sees_flows(viewer) -> bool:
    """Flows are seen by stewards of their contract or project domain (as on the flows pages)."""
    from mdm.permissions import may_any

    return viewer is None or may_any(viewer, "view", ("contract", "project"))


def figures(viewer=None):
    from operations.registry import Figure

    if not _sees_flows(viewer):
        return []
    data = summary()
    states = [({"state": row["state"], "step": row["current_step"] or "-"}, float(row["n"]))
              for row in data["by_state_step"]]
    return [
        Figure("concord_flows", "Opportunity-to-project flows by state and current step.", samples=states),
        Figure("concord_flows_waiting_activation", "Closed-won opportunities whose project is not active yet.",
               samples=[({}, float(data["waiting_count"]))], chart=True, unit="count"),
        Figure("concord_flows_waiting_activation_oldest_seconds",
               "How long the oldest closed-won opportunity has waited for its project.",
               samples=[({}, float(data["waiting_oldest_seconds"]))], unit="seconds"),
        Figure("concord_flow_failed_steps", "Failed flows by the step that failed (alerts).",
               samples=[({"step": row["name"]}, float(row["n"])) for row in data["failed_steps"]]),
        Figure("concord_quote_to_project_seconds",
               "Mean time from Closed Won to active project, flows finished in the last 30 days.",
               samples=[({}, float(data["cycle_seconds"]))] if data["cycle_seconds"] is not None else [],
               chart=True, unit="seconds"),
        Figure("concord_billing_schedule_lagging_contracts",
               "Contracts whose ERP billing schedule is older than the CRM contract version.",
               samples=[({}, float(len(data["lagging"])))]),
        Figure("concord_invoice_status_latency_seconds",
               "Mean time from the ERP's invoice status to its delivery to the CRM (last 24 h).",
               samples=[({}, float(data["invoice_latency_seconds"]))]
               if data["invoice_latency_seconds"] is not None else [], unit="seconds"),
        Figure("concord_invoices_blocked", "Invoice statuses that cannot reach the CRM (unknown customer).",
               samples=[({}, float(data["invoices_blocked"]))]),
    ]


def section_context(request) -> dict[str, Any]:
    return {"orchestration": summary() if _sees_flows(request.user) else None}


def register() -> None:
    from operations.registry import Section, register_figures, register_section

    register_figures("orchestration", figures, scoped=True)
    register_section(Section(key="orchestration", title="Opportunity to project",
                             template="orchestration/dashboard_section.html", context=section_context, order=30))
