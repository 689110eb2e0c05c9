"""What the council's decisions on a flow's change requests do (registered with
stewardship.extensions in orchestration's AppConfig.ready)."""

from __future__ import annotations

from orchestration import machine
from orchestration.models import Flow, FlowStep
from orchestration.services.common import ACTION_EXCEPTION, ACTION_NEW_CUSTOMER, flow_advance_on_commit, flow_event
from orchestration.services.flows import flow_cancel


def _flow_of_request(request) -> tuple[Flow, FlowStep]:
    flow = Flow.objects.select_for_update().get(pk=request.payload["flow_id"])
    return flow, flow.steps.get(name=request.payload["step"])


def council_approved(*, request, acting_user, reason: str) -> None:
    flow, step = _flow_of_request(request)
    if request.payload["action"] == ACTION_EXCEPTION:
        step.outcome = {**step.outcome, "accepted": [*(step.outcome.get("accepted") or []),
                                                     *request.payload.get("problems", [])]}
    else:
        step.outcome = {**step.outcome, "approved": request.pk}
    step.save()
    flow.state = machine.FLOW_RUNNING
    flow.save()
    flow_event(flow, "council_approved", f"change request #{request.pk}: {reason}", step=step.name,
           actor=acting_user.get_username())
    flow_advance_on_commit(flow.pk)


def council_rejected(*, request, acting_user, comment: str) -> None:
    flow, step = _flow_of_request(request)
    flow_event(flow, "council_rejected", f"change request #{request.pk}: {comment}", step=step.name,
           actor=acting_user.get_username())
    if flow.state not in (machine.FLOW_DONE, machine.FLOW_CANCELLED):
        flow_cancel(flow_id=flow.pk, actor=acting_user.get_username(),
                    reason=f"the council rejected change request #{request.pk}: {comment}")


def council_summary(payload: dict) -> str:
    if payload.get("action") == ACTION_NEW_CUSTOMER:
        return f"flow {payload.get('flow_id')}: create this new customer in {payload.get('system')}"
    problems = "; ".join(p.get("message", "") for p in payload.get("problems") or [])
    return f"flow {payload.get('flow_id')}: go ahead despite {problems}"

