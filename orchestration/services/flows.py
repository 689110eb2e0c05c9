"""Flows: start one per closed-won opportunity, advance it step by step, replay it from its failed
step, cancel it with compensation. Services are the only writers of orchestration's tables;
views, tasks and commands call these.

The step order and the transitions are orchestration.machine's (pure); the checks and what gets
built are orchestration.rules' (pure); the steps themselves are orchestration.services.steps.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from connectors.base import ConnectorError
from mdm.correlation import correlation, new_correlation_id
from mdm.models import Contract, SourceRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest
from mdm.services.outbox import outbox_replay
from orchestration import machine, rules
from orchestration.machine import StepResult
from orchestration.models import Flow, FlowStep
from orchestration.services.billing import billing_schedule_send
from orchestration.services.common import (
    PROJECT_FROM_TEMPLATE,
    FlowError,
    flow_advance_on_commit,
    flow_event,
    flow_states,
    golden_survivor,
    policy,
)
from orchestration.services.steps import STEP_RUNNERS

log = logging.getLogger(__name__)


@transaction.atomic
def flow_start(*, crm_system: str, opportunity_id: str, closed_won_at: datetime | None = None,
               correlation_id: str | None = None, actor: str = "") -> tuple[Flow, bool]:
    """The flow of this opportunity, started now if there is none: (flow, started). A second
    closed-won event for the same opportunity finds the same flow and starts nothing."""
    opportunity_id = (opportunity_id or "").strip()
    if not opportunity_id or len(opportunity_id) > 120:
        raise FlowError("an opportunity id (at most 120 characters) is required")
    now = timezone.now()
    # A CRM clock ahead of ours must not make a deal closed in our future (negative cycle times).
    closed_won_at = min(closed_won_at, now) if closed_won_at else now
    flow, created = Flow.objects.get_or_create(
        crm_system=crm_system, opportunity_id=opportunity_id,
        defaults={"correlation_id": correlation_id or new_correlation_id(), "closed_won_at": closed_won_at,
                  "current_step": machine.STEPS[0]})
    if created:
        FlowStep.objects.bulk_create([FlowStep(flow=flow, name=name, position=index)
                                      for index, name in enumerate(machine.STEPS)])
        flow_event(flow, "started", f"{crm_system} opportunity {opportunity_id} closed won", actor=actor)
        with correlation(flow.correlation_id):
            log.info("flow %s started for %s opportunity %s", flow.pk, crm_system, opportunity_id)
        flow_advance_on_commit(flow.pk)
    return flow, created


def flow_advance(flow_id: int) -> str | None:
    """Run the flow's current step, and the next ones while they finish at once. Returns the flow's
    state (None when another worker holds it). Each step runs in its own savepoint: a step that
    raises fails alone and leaves what earlier steps did."""
    with transaction.atomic():
        flow = Flow.objects.select_for_update(skip_locked=True).filter(pk=flow_id).first()
        if flow is None:
            return None
        if not flow.is_open:
            return flow.state
        with correlation(flow.correlation_id):
            return _advance(flow)


def _advance(flow: Flow) -> str:
    current_policy = policy()
    steps = {step.name: step for step in flow.steps.select_for_update()}
    while True:
        states = {name: step.state for name, step in steps.items()}
        name = machine.current_step(states)
        if name is None or states.get(name) == machine.FAILED:
            break
        step = steps[name]
        if step.state == machine.PENDING:
            step.started_at = timezone.now()
        step.attempts += 1
        result = _run(flow, step, _entity_policy(steps, current_policy))
        _apply(flow, step, result)
        if result.outcome in ("waiting", "failed"):
            break
    states = {name: step.state for name, step in steps.items()}
    waiting_for = next((s.waiting_for for s in steps.values() if s.state == machine.RUNNING), "")
    state = machine.flow_state_of(states, waiting_for=waiting_for)
    flow.state, flow.current_step = state, machine.current_step(states) or ""
    if state == machine.FLOW_DONE and flow.finished_at is None:
        flow.finished_at = timezone.now()
        flow_event(flow, "done", "the project is active: ERP customer, contract, billing schedule and PSA project written")
    flow.save()
    return state


def _entity_policy(steps: dict[str, FlowStep], current_policy: dict[str, Any]) -> dict[str, Any]:
    """The policy of the flow's legal entity (its ERP, tax rules, approvals), once validation
    named the entity; validation itself works it out from the customer."""
    validated = steps.get(machine.VALIDATE)
    if validated is None or validated.state != machine.DONE:
        return current_policy
    return rules.entity_policy(current_policy, validated.outcome.get("legal_entity"))


def _run(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    runner = STEP_RUNNERS[step.name]
    try:
        with transaction.atomic():
            return runner(flow, step, current_policy)
    except ConnectorError as error:
        if error.retryable:  # the CRM is busy or down: the next advance tries again
            return StepResult.waiting("system", retry=f"{error.code}: {error}"[:500])
        return StepResult.failed(f"{type(error).__name__} ({error.code}): {error}")
    except (rules.PolicyError, LookupError, ValueError) as error:
        return StepResult.failed(f"{type(error).__name__}: {error}")
    except Exception as error:  # a bug: the flow shows it failed instead of stalling silently
        log.exception("flow %s step %s raised", flow.pk, step.name)
        return StepResult.failed(f"{type(error).__name__}: {error}")


def _apply(flow: Flow, step: FlowStep, result: StepResult) -> None:
    before = step.state
    step.state = machine.step_state_after(result)
    step.outcome = {**step.outcome, **result.details}
    step.waiting_for = result.waiting_for if result.outcome == "waiting" else ""
    step.error = result.error
    if step.state in (machine.DONE, machine.SKIPPED, machine.FAILED):
        step.finished_at = timezone.now()
    step.save()
    if step.state == machine.FAILED:
        # The alert: the failed flow shows on the flows page and the dashboard; the log line carries
        # the correlation id that ties it to the outbox message and the system's answer.
        log.error("flow %s (%s opportunity %s) failed at step %s: %s", flow.pk, flow.crm_system,
                  flow.opportunity_id, step.name, result.error)
        flow_event(flow, "step_failed", result.error, step=step.name)
    elif step.state != before or step.state in (machine.DONE, machine.SKIPPED):
        kind = {machine.DONE: "step_done", machine.SKIPPED: "step_skipped"}.get(step.state, "step_waiting")
        text = result.details.get("reason", "") if step.state == machine.SKIPPED else (
            f"waiting for {result.waiting_for}" if result.outcome == "waiting" else "")
        flow_event(flow, kind, text, step=step.name)


def flows_advance(*, limit: int = 200) -> dict[str, int]:
    """Advance every open flow (the periodic task): they learn what the outbox delivered."""
    counts: dict[str, int] = {}
    for flow_id in (Flow.objects.filter(state=machine.FLOW_RUNNING).order_by("updated_at")
                    .values_list("pk", flat=True)[:limit]):
        state = flow_advance(flow_id)
        if state:
            counts[state] = counts.get(state, 0) + 1
    return counts


@transaction.atomic
def flow_replay(*, flow_id: int, actor: str) -> Flow:
    """Resume a failed flow at its failed step: that step's dead outbox messages go out again
    (connectors' replay: same idempotency keys, so nothing already written is written twice);
    steps already done stay done."""
    flow = Flow.objects.select_for_update().filter(pk=flow_id).first()
    if flow is None:
        raise FlowError(f"no flow {flow_id}")
    try:
        name = machine.replay_step(flow_states(flow), flow.state)
    except machine.TransitionError as error:
        raise FlowError(str(error)) from None
    step = flow.steps.get(name=name)
    replayed = outbox_replay(ids=step.outcome.get("messages") or [step.outcome.get("message")]) \
        if step.outcome.get("message") else 0
    step.state, step.error, step.finished_at = machine.RUNNING if replayed else machine.PENDING, "", None
    step.save()
    flow.state, flow.current_step, flow.finished_at = machine.FLOW_RUNNING, name, None
    flow.save()
    flow_event(flow, "replayed", f"resumed at {name}" + (f"; {replayed} dead message(s) sent again" if replayed else ""),
           step=name, actor=actor)
    with correlation(flow.correlation_id):
        log.info("flow %s replayed at %s by %s", flow.pk, name, actor)
    flow_advance_on_commit(flow.pk)
    return flow


@transaction.atomic
def flow_cancel(*, flow_id: int, actor: str, reason: str) -> Flow:
    """Stop a flow and undo what the process says must be undone: the PSA project is cancelled and
    the billing schedule withdrawn (customer and contract are master data: they stay)."""
    flow = Flow.objects.select_for_update().filter(pk=flow_id).first()
    if flow is None:
        raise FlowError(f"no flow {flow_id}")
    if not (reason or "").strip():
        raise FlowError("say why the flow is cancelled")
    try:
        plan = machine.compensation_plan(flow_states(flow), flow.state)
    except machine.TransitionError as error:
        raise FlowError(str(error)) from None
    current_policy = policy()
    with correlation(flow.correlation_id):
        for name in plan:
            step = flow.steps.get(name=name)
            if name == machine.PROJECT:
                _project_cancel(flow)
            elif name == machine.BILLING:
                billing_schedule_send(contract=golden_survivor(Contract, flow.contract_id),
                                      service_line=flow.opportunity["service_line"],
                                      system=step.outcome.get("system") or current_policy["billing"],
                                      current_policy=current_policy, status="cancelled")
            step.state = machine.COMPENSATED_STATE
            step.save()
            flow_event(flow, "compensated", f"{machine.STEP_LABELS[name]} undone", step=name, actor=actor)
    flow.state, flow.finished_at = machine.FLOW_CANCELLED, timezone.now()
    flow.save()
    flow_event(flow, "cancelled", reason, actor=actor)
    return flow


def _project_cancel(flow: Flow) -> None:
    project_record = SourceRecord.objects.get(system__name=flow.crm_system, object_type=PROJECT_FROM_TEMPLATE,
                                    source_id=flow.opportunity_id)
    now = timezone.now()
    record = IncomingRecord(source_id=project_record.source_id, object_type=project_record.object_type,
                            canonical={**{k: v for k, v in project_record.canonical.items()}, "status": "cancelled"},
                            payload={**project_record.payload, "cancelled_at": now.isoformat()},
                            source_updated_at=max(now, project_record.source_updated_at or now),
                            source_version=f"cancelled:{now.isoformat()}")
    source_records_ingest(system=flow.crm_system, domain="project", records=[record],
                          correlation_id=flow.correlation_id, reason=f"flow {flow.pk} cancelled")

