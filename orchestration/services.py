"""Flows: start one per closed-won opportunity, advance it step by step, replay it from its failed
step, cancel it with compensation; change orders and invoice statuses. Services are the only
writers of orchestration's tables; views, tasks and commands call these.

The step order and the transitions are orchestration.machine's (pure); the checks and what gets
built are orchestration.rules' (pure); here they meet the hub (ingestion, golden records) and
the outbox (orchestration.outbound).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from connectors.base import ConnectorError
from mdm.correlation import correlation, new_correlation_id
from mdm.models import Contract, Customer, GoldenRecord, Project, SourceRecord, SourceSystem
from mdm.records import IncomingRecord
from mdm.services.golden import golden_values
from mdm.services.ingest import source_records_ingest
from orchestration import crm, machine, rules
from orchestration.machine import StepResult
from orchestration.models import BillingSchedule, Flow, FlowEvent, FlowStep
from orchestration.outbound import delivery_of, golden_record_send, known_to, message_ensure

log = logging.getLogger(__name__)

FLOWS_USER = "concord-flows"  # who asks the council on a flow's behalf
CHANGE_KIND = "flow"
ACTION_NEW_CUSTOMER = "flow_new_customer"
ACTION_EXCEPTION = "flow_exception"
# Object types of the source records a flow adds to the hub for its opportunity.
CONTRACT_FROM_OPPORTUNITY = "Opportunity"
PROJECT_FROM_TEMPLATE = "Opportunity:Project"
PROJECT_ACTIVATED = "project.activated"


class FlowError(Exception):
    """A flow action that cannot be done (e.g. replaying a flow that did not fail)."""


def policy() -> dict[str, Any]:
    """config/orchestration.toml, with settings.CONCORD_ORCHESTRATION laid over it (tests, deployments)."""
    values = rules.policy_read()
    values.update(getattr(settings, "CONCORD_ORCHESTRATION", None) or {})
    return values


def flows_user():
    user, _ = get_user_model().objects.get_or_create(username=FLOWS_USER, defaults={"is_active": False})
    return user


def _event(flow: Flow, kind: str, message: str = "", *, step: str = "", actor: str = "") -> None:
    FlowEvent.objects.create(flow=flow, kind=kind, message=message[:4000], step=step, actor=actor or "concord")


def _states(flow: Flow) -> dict[str, str]:
    return dict(flow.steps.values_list("name", "state"))


def _advance_on_commit(flow_id: int) -> None:
    """Advance the flow right after this transaction (the periodic task would, a few seconds later)."""
    from orchestration.tasks import advance_flow

    if getattr(settings, "CONCORD_FLOWS_ADVANCE_ON_COMMIT", True):
        transaction.on_commit(lambda: advance_flow.delay(flow_id))


# --- start ------------------------------------------------------------------------------------

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
        _event(flow, "started", f"{crm_system} opportunity {opportunity_id} closed won", actor=actor)
        with correlation(flow.correlation_id):
            log.info("flow %s started for %s opportunity %s", flow.pk, crm_system, opportunity_id)
        _advance_on_commit(flow.pk)
    return flow, created


# --- advance ----------------------------------------------------------------------------------

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
        _event(flow, "done", "the project is active: ERP customer, contract, billing schedule and PSA project written")
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
        _event(flow, "step_failed", result.error, step=step.name)
    elif step.state != before or step.state in (machine.DONE, machine.SKIPPED):
        kind = {machine.DONE: "step_done", machine.SKIPPED: "step_skipped"}.get(step.state, "step_waiting")
        text = result.details.get("reason", "") if step.state == machine.SKIPPED else (
            f"waiting for {result.waiting_for}" if result.outcome == "waiting" else "")
        _event(flow, kind, text, step=step.name)


def flows_advance(*, limit: int = 200) -> dict[str, int]:
    """Advance every open flow (the periodic task): they learn what the outbox delivered."""
    counts: dict[str, int] = {}
    for flow_id in (Flow.objects.filter(state=machine.FLOW_RUNNING).order_by("updated_at")
                    .values_list("pk", flat=True)[:limit]):
        state = flow_advance(flow_id)
        if state:
            counts[state] = counts.get(state, 0) + 1
    return counts


# --- the steps --------------------------------------------------------------------------------

def _golden_of(system: str, object_type: str, source_id: str) -> str | None:
    return (SourceRecord.objects.filter(system__name=system, object_type=object_type, source_id=source_id,
                                        xref__isnull=False)
            .values_list("xref__golden_id", flat=True).first())


def _live(model: type[GoldenRecord], golden_id: str) -> GoldenRecord:
    """The golden record, following merges to the survivor."""
    record = model.objects.get(pk=golden_id)
    seen = {golden_id}
    while record.merged_into and record.merged_into not in seen:
        seen.add(record.merged_into)
        record = model.objects.get(pk=record.merged_into)
    return record


def _ingest(flow: Flow, domain: str, record: IncomingRecord) -> str:
    """Ingest one source record for the flow and return the golden record it belongs to."""
    summary = source_records_ingest(system=flow.crm_system, domain=domain, records=[record],
                                    correlation_id=flow.correlation_id,
                                    reason=f"flow {flow.pk}: opportunity {flow.opportunity_id}")
    if summary.quarantined:
        raise ValueError(f"the CRM {record.object_type} {record.source_id} was quarantined: "
                         f"{summary.quarantined[0].reason}")
    golden_id = _golden_of(flow.crm_system, record.object_type, record.source_id)
    if golden_id is None:
        raise LookupError(f"the CRM {record.object_type} {record.source_id} has no golden record")
    return golden_id


def _council(flow: Flow, step: FlowStep, *, action: str, golden_id: str, reason: str,
             payload: dict[str, Any]) -> StepResult:
    """Wait for the council: raise the change request once, then wait while it is pending."""
    from stewardship.extensions import council_request_raise
    from stewardship.models import ChangeRequest, ChangeStatus

    request_id = step.outcome.get("change_request")
    if request_id and ChangeRequest.objects.filter(pk=request_id, status=ChangeStatus.PENDING).exists():
        return StepResult.waiting("council", change_request=request_id)
    request = council_request_raise(kind=CHANGE_KIND, action=action, domain="customer", golden_id=golden_id,
                                    payload={"flow_id": flow.pk, "step": step.name, **payload}, reason=reason,
                                    acting_user=flows_user())
    _event(flow, "council_asked", f"change request #{request.pk}: {reason}", step=step.name)
    return StepResult.waiting("council", change_request=request.pk)


def step_validate(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    from stewardship.models import ChangeRequest, ChangeStatus

    pending = step.outcome.get("change_request")
    if pending and ChangeRequest.objects.filter(pk=pending, status=ChangeStatus.PENDING).exists():
        return StepResult.waiting("council", change_request=pending)
    opportunity = crm.opportunity_read(flow.crm_system, flow.opportunity_id)
    flow.opportunity, flow.opportunity_name = opportunity, (opportunity.get("name") or "")[:255]
    if not opportunity.get("customer_source_id"):
        return StepResult.failed("the opportunity has no account")
    customer_id = _ingest(flow, "customer", crm.account_record(flow.crm_system, opportunity["customer_source_id"]))
    customer = _live(Customer, customer_id)
    flow.customer_id = customer.id
    values = golden_values(customer)
    current_policy = rules.entity_policy(current_policy, rules.legal_entity_of(values, current_policy))
    accepted = step.outcome.get("accepted") or []
    problems = [p.as_dict() for p in rules.opportunity_check(opportunity, values, current_policy)]
    open_problems = [p for p in problems if p not in accepted]
    if open_problems:
        reason = "; ".join(f"{p['check']}: {p['message']}" for p in open_problems)
        return _council(flow, step, action=ACTION_EXCEPTION, golden_id=customer.id,
                        reason=f"opportunity {flow.opportunity_id}: {reason}"[:480], payload={"problems": open_problems})
    unknown = [current_policy[part] for part in ("erp", "psa", "billing") if current_policy.get(part)
               and not SourceSystem.objects.filter(name=current_policy[part]).exists()]
    if unknown:
        return StepResult.failed(f"{current_policy['legal_entity']} works with {', '.join(sorted(set(unknown)))}, "
                                 "which the hub is not connected to (config/policy.toml, docs/connectors.md)")
    country = (values.get("country") or "").upper()
    # New or known is decided here, before any write of this flow: the ERP has not seen the customer.
    new_customer = step.outcome.get("new_customer", not known_to(current_policy["erp"], customer.id, "customer"))
    return StepResult.done(customer=customer.id, problems_accepted=accepted, new_customer=new_customer,
                           legal_entity=current_policy["legal_entity"], erp=current_policy["erp"],
                           tax_code=current_policy["tax_codes"].get(country))


def _delivered(step_name: str, message, **details: Any) -> StepResult:
    delivery = delivery_of(message)
    details = {**details, "message": message.pk, "messages": list(delivery.message_ids)}
    if delivery.state == "dead":
        return StepResult.failed(f"{message.system.name} refused it: {delivery.error}", **details)
    if delivery.state == "waiting":
        return StepResult.waiting("delivery", **details)
    return StepResult.done(external_id=delivery.external_id, **details)


def step_customer(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    erp = current_policy["erp"]
    customer = _live(Customer, flow.customer_id)
    flow.customer_id = customer.id
    validated = flow.steps.get(name=machine.VALIDATE).outcome
    if (current_policy.get("new_customer_needs_approval") and not step.outcome.get("approved")
            and validated.get("new_customer", True)):
        return _council(flow, step, action=ACTION_NEW_CUSTOMER, golden_id=customer.id,
                        reason=f"new customer {customer.name} for opportunity {flow.opportunity_id}: "
                               f"not in {erp} yet", payload={"system": erp})
    message = golden_record_send(erp, customer)
    return _delivered(step.name, message, golden_id=customer.id, system=erp)


def step_contract(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    erp, opportunity = current_policy["erp"], flow.opportunity
    if not flow.contract_id:
        if opportunity.get("contract_source_id"):
            record = crm.contract_record(flow.crm_system, opportunity["contract_source_id"])
        else:  # no Contract in the CRM: the opportunity's own terms are the contract
            record = IncomingRecord(source_id=flow.opportunity_id, object_type=CONTRACT_FROM_OPPORTUNITY,
                                    canonical=rules.contract_terms(opportunity), payload=dict(opportunity),
                                    source_updated_at=parse_datetime(opportunity.get("source_updated_at") or ""),
                                    source_version=opportunity.get("source_updated_at") or "")
        flow.contract_id = _ingest(flow, "contract", record)
    contract = _live(Contract, flow.contract_id)
    flow.contract_id = contract.id
    return _delivered(step.name, golden_record_send(erp, contract), golden_id=contract.id, system=erp,
                      version=contract.version)


def step_project(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    psa, opportunity = current_policy["psa"], flow.opportunity
    if not flow.project_id:
        contract = golden_values(_live(Contract, flow.contract_id))
        canonical = {**rules.project_from_template(opportunity, contract, current_policy),
                     "customer_source_id": opportunity.get("customer_source_id"),
                     "contract_source_id": opportunity.get("contract_source_id") or flow.opportunity_id}
        record = IncomingRecord(source_id=flow.opportunity_id, object_type=PROJECT_FROM_TEMPLATE, canonical=canonical,
                                payload={"opportunity": opportunity, "template": opportunity.get("service_line")},
                                source_updated_at=parse_datetime(opportunity.get("source_updated_at") or ""),
                                source_version=opportunity.get("source_updated_at") or "")
        flow.project_id = _ingest(flow, "project", record)
    project = _live(Project, flow.project_id)
    flow.project_id = project.id
    return _delivered(step.name, golden_record_send(psa, project), golden_id=project.id, system=psa,
                      template=opportunity.get("service_line"))


def schedule_external_id(contract_id: str) -> str:
    return f"{contract_id}-billing"


def billing_schedule_send(*, contract: Contract, service_line: str, system: str,
                          current_policy: dict[str, Any], status: str = "active"):
    """Write the billing schedule of the contract's current version to `system` (once per version):
    (schedule row, outbox message)."""
    values = golden_values(contract)
    schedule = rules.billing_schedule(values, service_line=service_line, policy=current_policy)
    row, _ = BillingSchedule.objects.get_or_create(
        contract_id=contract.id, version=contract.version, system=system,
        defaults={"external_id": schedule_external_id(contract.id), "schedule": schedule})
    suffix = "" if status == "active" else f":{status}"
    payload = {"golden_id": row.external_id, "domain": "billing", "revision": contract.version,
               "record_status": "active", "attributes": {"contract": contract.id, "version": contract.version,
                                                         "schedule": row.schedule, "status": status}}
    message = message_ensure(system=system, domain="billing", golden_id=row.external_id, payload=payload,
                             key=f"{system}:{contract.id}:billing:v{contract.version}{suffix}")
    if row.outbox_message_id is None and status == "active":
        BillingSchedule.objects.filter(pk=row.pk).update(outbox_message_id=message.pk)
    return row, message


def step_billing(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    system = current_policy.get("billing") or ""
    if not system:
        return StepResult.skipped("no billing system is configured (config/orchestration.toml: billing)")
    contract = _live(Contract, flow.contract_id)
    row, message = billing_schedule_send(contract=contract, service_line=flow.opportunity["service_line"],
                                         system=system, current_policy=current_policy)
    result = _delivered(step.name, message, schedule=row.pk, version=row.version, system=system)
    if result.outcome == "done":
        BillingSchedule.objects.filter(pk=row.pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
    return result


def step_publish(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    from orchestration.webhooks import domain_event_publish

    steps = {s.name: s.outcome for s in flow.steps.all()}
    payload = {"flow": flow.pk, "correlation_id": flow.correlation_id,
               "opportunity": {"system": flow.crm_system, "id": flow.opportunity_id, "name": flow.opportunity_name},
               "customer": {"golden_id": flow.customer_id, "erp_id": steps[machine.CUSTOMER].get("external_id")},
               "contract": {"golden_id": flow.contract_id, "erp_id": steps[machine.CONTRACT].get("external_id"),
                            "version": steps[machine.CONTRACT].get("version")},
               "project": {"golden_id": flow.project_id, "psa_id": steps[machine.PROJECT].get("external_id")},
               "billing_schedule": {"erp_id": steps[machine.BILLING].get("external_id"),
                                    "version": steps[machine.BILLING].get("version")}}
    event = domain_event_publish(event_type=PROJECT_ACTIVATED, key=f"flow:{flow.pk}:{PROJECT_ACTIVATED}",
                                 payload=payload)
    return StepResult.done(event=event.pk)


STEP_RUNNERS = {machine.VALIDATE: step_validate, machine.CUSTOMER: step_customer, machine.CONTRACT: step_contract,
                machine.PROJECT: step_project, machine.BILLING: step_billing, machine.PUBLISH: step_publish}


# --- replay and cancel ------------------------------------------------------------------------

@transaction.atomic
def flow_replay(*, flow_id: int, actor: str) -> Flow:
    """Resume a failed flow at its failed step: that step's dead outbox messages go out again
    (connectors' replay: same idempotency keys, so nothing already written is written twice);
    steps already done stay done."""
    from mdm.services.outbox import outbox_replay

    flow = Flow.objects.select_for_update().filter(pk=flow_id).first()
    if flow is None:
        raise FlowError(f"no flow {flow_id}")
    try:
        name = machine.replay_step(_states(flow), flow.state)
    except machine.TransitionError as error:
        raise FlowError(str(error)) from None
    step = flow.steps.get(name=name)
    replayed = outbox_replay(ids=step.outcome.get("messages") or [step.outcome.get("message")]) \
        if step.outcome.get("message") else 0
    step.state, step.error, step.finished_at = machine.RUNNING if replayed else machine.PENDING, "", None
    step.save()
    flow.state, flow.current_step, flow.finished_at = machine.FLOW_RUNNING, name, None
    flow.save()
    _event(flow, "replayed", f"resumed at {name}" + (f"; {replayed} dead message(s) sent again" if replayed else ""),
           step=name, actor=actor)
    with correlation(flow.correlation_id):
        log.info("flow %s replayed at %s by %s", flow.pk, name, actor)
    _advance_on_commit(flow.pk)
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
        plan = machine.compensation_plan(_states(flow), flow.state)
    except machine.TransitionError as error:
        raise FlowError(str(error)) from None
    current_policy = policy()
    with correlation(flow.correlation_id):
        for name in plan:
            step = flow.steps.get(name=name)
            if name == machine.PROJECT:
                _project_cancel(flow)
            elif name == machine.BILLING:
                billing_schedule_send(contract=_live(Contract, flow.contract_id),
                                      service_line=flow.opportunity["service_line"],
                                      system=step.outcome.get("system") or current_policy["billing"],
                                      current_policy=current_policy, status="cancelled")
            step.state = machine.COMPENSATED_STATE
            step.save()
            _event(flow, "compensated", f"{machine.STEP_LABELS[name]} undone", step=name, actor=actor)
    flow.state, flow.finished_at = machine.FLOW_CANCELLED, timezone.now()
    flow.save()
    _event(flow, "cancelled", reason, actor=actor)
    return flow


def _project_cancel(flow: Flow) -> None:
    held = SourceRecord.objects.get(system__name=flow.crm_system, object_type=PROJECT_FROM_TEMPLATE,
                                    source_id=flow.opportunity_id)
    now = timezone.now()
    record = IncomingRecord(source_id=held.source_id, object_type=held.object_type,
                            canonical={**{k: v for k, v in held.canonical.items()}, "status": "cancelled"},
                            payload={**held.payload, "cancelled_at": now.isoformat()},
                            source_updated_at=max(now, held.source_updated_at or now),
                            source_version=f"cancelled:{now.isoformat()}")
    source_records_ingest(system=flow.crm_system, domain="project", records=[record],
                          correlation_id=flow.correlation_id, reason=f"flow {flow.pk} cancelled")


# --- council decisions (registered with stewardship.extensions) --------------------------------

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
    _event(flow, "council_approved", f"change request #{request.pk}: {reason}", step=step.name,
           actor=acting_user.get_username())
    _advance_on_commit(flow.pk)


def council_rejected(*, request, acting_user, comment: str) -> None:
    flow, step = _flow_of_request(request)
    _event(flow, "council_rejected", f"change request #{request.pk}: {comment}", step=step.name,
           actor=acting_user.get_username())
    if flow.state not in (machine.FLOW_DONE, machine.FLOW_CANCELLED):
        flow_cancel(flow_id=flow.pk, actor=acting_user.get_username(),
                    reason=f"the council rejected change request #{request.pk}: {comment}")


def council_summary(payload: dict) -> str:
    if payload.get("action") == ACTION_NEW_CUSTOMER:
        return f"flow {payload.get('flow_id')}: create this new customer in {payload.get('system')}"
    problems = "; ".join(p.get("message", "") for p in payload.get("problems") or [])
    return f"flow {payload.get('flow_id')}: go ahead despite {problems}"


# --- change orders ----------------------------------------------------------------------------

def change_orders_apply(*, contracts: list[Contract]) -> int:
    """Contracts amended after their flow wrote the billing schedule: write the new version's
    schedule (earlier versions' rows stay). Runs in the transaction that raised the version."""
    if not contracts:
        return 0
    by_id = {c.id: c for c in contracts}
    flows = list(Flow.objects.filter(contract_id__in=list(by_id), steps__name=machine.BILLING,
                                     steps__state=machine.DONE))
    if not flows:
        return 0
    current_policy = policy()
    written = 0
    for flow in flows:
        contract = by_id[flow.contract_id]
        latest = (BillingSchedule.objects.filter(contract_id=contract.id).order_by("-version")
                  .values_list("version", "system").first())
        if latest is None or latest[0] >= contract.version:
            continue
        with correlation(flow.correlation_id):
            row, message = billing_schedule_send(contract=contract, service_line=flow.opportunity["service_line"],
                                                 system=latest[1], current_policy=current_policy)
        _event(flow, "change_order", f"contract {contract.id} amended to version {contract.version}: billing "
                                     f"schedule v{row.version} sent (message {message.pk})", step=machine.BILLING)
        written += 1
    return written


def billing_schedules_settle() -> int:
    """Mark schedules whose outbox message was delivered (change orders are not flow steps)."""
    settled = 0
    for row in BillingSchedule.objects.filter(delivered_at__isnull=True, outbox_message_id__isnull=False):
        from mdm.models import OutboxMessage

        message = OutboxMessage.objects.filter(pk=row.outbox_message_id).first()
        if message is not None and delivery_of(message).state == "delivered":
            settled += BillingSchedule.objects.filter(pk=row.pk, delivered_at__isnull=True).update(
                delivered_at=timezone.now())
    return settled


# --- closed-won from the CRM: events and pulls -------------------------------------------------

def opportunity_event_receive(*, system: str, event, correlation_id: str) -> int:
    """A CRM change event about opportunities (connectors.events hands it over): each one now
    Closed Won starts its flow (once)."""
    fields = event.fields or {}
    won = fields.get("StageName") == "Closed Won" or fields.get("IsWon") is True
    if event.change_type not in ("CREATE", "UPDATE", "UPSERT") or not won:
        return 0
    ids = event.record_ids or [str(fields.get("Id") or "")]
    started = 0
    for opportunity_id in filter(None, ids):
        _, created = flow_start(crm_system=system, opportunity_id=opportunity_id,
                                closed_won_at=event.committed_at, correlation_id=correlation_id,
                                actor="CRM change event")
        started += created
    return started


def closed_won_poll(*, crm_system: str | None = None) -> dict[str, int]:
    """Pull opportunities changed since the last poll from the CRM; start a flow for each one
    Closed Won. The first poll only notes where the CRM stands (config: first_pull_starts_at_latest)."""
    from connectors.models import Watermark, is_connected

    current_policy = policy()
    crm_system = crm_system or current_policy["crm"]
    if not is_connected(crm_system):
        return {"skipped": 1}
    system = SourceSystem.objects.get(name=crm_system)
    mark = Watermark.objects.filter(system=system, object_type="Opportunity").first()
    quiet = mark is None and current_policy.get("first_pull_starts_at_latest", True)
    start = mark.value if mark else None
    watermark, seen, started = start, 0, 0
    for summary, reached in crm.won_opportunities(crm_system, start):
        seen, watermark = seen + 1, reached
        if summary["won"] and not quiet:
            _, created = flow_start(crm_system=crm_system, opportunity_id=summary["source_id"],
                                    closed_won_at=parse_datetime(summary.get("source_updated_at") or ""),
                                    actor="CRM pull")
            started += created
    if watermark:
        Watermark.objects.update_or_create(system=system, object_type="Opportunity", defaults={"value": watermark})
    return {"seen": seen, "started": started}
