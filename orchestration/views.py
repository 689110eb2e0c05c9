"""The flows pages: where every opportunity-to-project flow stands, its steps and log; replay
and cancel (permission as stewardship's: viewing needs contract view rights, acting needs change;
lists, counts and the detail read the flows through mdm.permissions)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from mdm.listing import Sort, page_param, paged, sort_param
from mdm.permissions import can, may_any, restrict_by_goldens
from orchestration import machine
from orchestration.models import BillingSchedule, Flow
from orchestration.services import flows as services

# A flow makes a contract and a project: stewards of either domain see it. Replaying or cancelling
# it writes the ERP contract and billing schedule, so acting takes the contract domain.
FLOW_DOMAINS = {"view": {"contract": "contract_id", "project": "project_id"}, "change": {"contract": "contract_id"}}


def _visible_flows(user, action: str = "view"):
    fields = FLOW_DOMAINS[action]
    if not may_any(user, action, fields):
        raise PermissionDenied(f"You may not {action} flows: they concern {' and '.join(fields)} records.")
    return restrict_by_goldens(Flow.objects.all(), user, action, fields=fields)


SORTS = {"updated": "updated_at", "closed_won": "closed_won_at", "id": "id", "state": "state"}
PER_PAGE = 50
BULK_MAX = 200


def _where(state: str, step: str) -> str:
    """A group of flows in a steward's words: "failed at ERP billing schedule", "running: PSA project"."""
    label = machine.STEP_LABELS.get(step, step) if step else ""
    if state == machine.FLOW_FAILED:
        return f"failed at {label}" if label else "failed"
    return f"{state.replace('_', ' ')}: {label}" if label else state.replace("_", " ")


def _flows_params(params) -> tuple[str, str, Sort, int]:
    state = params.get("state", "")
    state = state if state in machine.FLOW_STATES else ""
    step = params.get("step", "")
    step = step if step in machine.STEPS else ""
    return state, step, sort_param(params, SORTS, "-updated"), page_param(params)


@login_required
def flows(request):
    """Every flow the user may see: by state (tabs with counts), grouped by where it stands or
    failed, sorted, paged, with bulk replay and cancel."""
    visible = _visible_flows(request.user)
    try:
        state, step, sort, number = _flows_params(request.GET)
    except ValidationError as error:
        return HttpResponseBadRequest(" ".join(m for ms in error.message_dict.values() for m in ms))
    query = visible.filter(state=state) if state else visible
    groups = [{"state": row["state"], "step": row["current_step"], "label": _where(row["state"], row["current_step"]),
               "count": row["n"], "selected": (row["state"], row["current_step"]) == (state, step)}
              for row in query.values("state", "current_step").annotate(n=Count("id")).order_by("-n", "state")]
    if step:
        query = query.filter(current_step=step)
    page = paged(query.order_by(*sort.order_by), number, PER_PAGE)
    filters = {k: v for k, v in (("state", state), ("step", step)) if v}
    if sort.param != "-updated":
        filters["sort"] = sort.param
    return render(request, "orchestration/flows.html", {
        "flows": page.items, "page": page, "state": state, "step": step, "sort": sort, "states": machine.FLOW_STATES,
        "counts": {s: n for s, n in visible.values_list("state").annotate(n=Count("id"))}, "groups": groups,
        "querystring": urlencode(filters), "can_act": can(request.user, "change", "contract"), "bulk_max": BULK_MAX,
        "sees_customers": can(request.user, "view", "customer"),
        "step_labels": machine.STEP_LABELS})


@login_required
@require_POST
def flows_bulk(request):
    """Replay or cancel several flows (each through the service for one); `preview` says first
    what it would do."""
    visible = _visible_flows(request.user, "change")
    verb = request.POST.get("verb", "")
    back = reverse("orchestration:flows") + ("?" + request.POST["filters"] if request.POST.get("filters") else "")
    if not request.POST.get("preview") and verb not in ("replay", "cancel"):
        raise Http404("unknown bulk action")
    ids = list(dict.fromkeys(int(v) for v in request.POST.getlist("item") if v.isdigit()))[:BULK_MAX]
    chosen = list(visible.filter(pk__in=ids).order_by("pk"))
    if len(chosen) != len(ids):
        raise PermissionDenied("Some selected flows are outside your reach.")
    replayable = [f for f in chosen if f.state == machine.FLOW_FAILED]
    cancellable = [f for f in chosen if f.state not in (machine.FLOW_DONE, machine.FLOW_CANCELLED)]
    if request.POST.get("preview"):
        sentences = [f"Replay: {len(replayable)} failed flow{'s' if len(replayable) != 1 else ''} resume at the step "
                     "that failed; steps already done stay done.",
                     f"Cancel: {len(cancellable)} flow{'s' if len(cancellable) != 1 else ''} stop; a PSA project "
                     "made is cancelled and a billing schedule withdrawn (customers and contracts stay)."]
        others = len(chosen) - len(replayable)
        if others and chosen:
            sentences.append(f"{others} of those ticked did not fail: replay leaves them as they are.")
        return render(request, "stewardship/partials/bulk_preview.html", {
            "outcomes": [{"verb": "flows", "count": len(chosen), "sentences": sentences}]})
    done, failed = 0, []
    for item in replayable if verb == "replay" else cancellable:
        try:
            if verb == "replay":
                services.flow_replay(flow_id=item.pk, actor=request.user.get_username())
            else:
                services.flow_cancel(flow_id=item.pk, actor=request.user.get_username(),
                                     reason=request.POST.get("reason", ""))
            done += 1
        except services.FlowError as error:
            failed.append(f"flow {item.pk}: {error}")
    messages.success(request, f"{'Replayed' if verb == 'replay' else 'Cancelled'} {done} flow{'s' if done != 1 else ''}.")
    for text in failed[:20]:
        messages.error(request, text)
    return redirect(back)


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
