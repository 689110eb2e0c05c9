"""The flows pages: where every opportunity-to-project flow stands, its steps and log; replay
and cancel (permission as stewardship's: viewing needs contract view rights, acting needs change;
lists, counts and the detail read the flows through mdm.permissions)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from mdm.permissions import can, require, restrict_by_golden
from orchestration import machine, services
from orchestration.models import BillingSchedule, Flow


def _visible_flows(user, action: str = "view"):
    require(user, action, "contract")
    return restrict_by_golden(Flow.objects.all(), user, action, domain="contract", field="contract_id")


@login_required
def flows(request):
    visible = _visible_flows(request.user)
    state = request.GET.get("state", "")
    query = visible.filter(state=state) if state in machine.FLOW_STATES else visible
    return render(request, "orchestration/flows.html", {
        "flows": query.order_by("-updated_at")[:200], "state": state, "states": machine.FLOW_STATES,
        "counts": {s: visible.filter(state=s).count() for s in machine.FLOW_STATES}})


@login_required
def flow(request, flow_id: int):
    item = get_object_or_404(_visible_flows(request.user), pk=flow_id)
    return render(request, "orchestration/flow.html", {
        "flow": item, "steps": item.steps.all(), "events": item.events.all(),
        "schedules": BillingSchedule.objects.filter(contract_id=item.contract_id) if item.contract_id else [],
        "can_act": can(request.user, "change", "contract")})


@login_required
@require_POST
def flow_replay(request, flow_id: int):
    get_object_or_404(_visible_flows(request.user, "change"), pk=flow_id)
    try:
        services.flow_replay(flow_id=flow_id, actor=request.user.get_username())
        messages.success(request, "Replayed: the flow resumes at its failed step.")
    except services.FlowError as error:
        messages.error(request, str(error))
    return redirect("orchestration:flow", flow_id=flow_id)


@login_required
@require_POST
def flow_cancel(request, flow_id: int):
    get_object_or_404(_visible_flows(request.user, "change"), pk=flow_id)
    try:
        services.flow_cancel(flow_id=flow_id, actor=request.user.get_username(), reason=request.POST.get("reason", ""))
        messages.success(request, "Cancelled: what the process undoes was undone.")
    except services.FlowError as error:
        messages.error(request, str(error))
    return redirect("orchestration:flow", flow_id=flow_id)
