"""The six steps of a closed-won flow, in order: validate the opportunity (the council hears its
exceptions), then the ERP customer, the contract, the PSA project, the billing schedule, and the
project.activated event. Each takes (flow, step, policy) and returns a StepResult."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from mdm.models import Contract, Customer, Project, SourceSystem
from mdm.records import IncomingRecord
from mdm.services.golden import golden_values
from orchestration import crm, machine, rules
from orchestration.machine import StepResult
from orchestration.models import BillingSchedule, Flow, FlowStep
from orchestration.outbound import delivery_of, golden_record_send, known_to
from orchestration.services.billing import billing_schedule_send
from orchestration.services.common import (
    ACTION_EXCEPTION,
    ACTION_NEW_CUSTOMER,
    CHANGE_KIND,
    CONTRACT_FROM_OPPORTUNITY,
    PROJECT_ACTIVATED,
    PROJECT_FROM_TEMPLATE,
    flow_event,
    flows_user,
    golden_survivor,
    source_record_ingest_for,
)
from orchestration.webhooks import domain_event_publish
from stewardship.extensions import council_request_raise
from stewardship.models import ChangeRequest, ChangeStatus


def step_validate(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    pending = step.outcome.get("change_request")
    if pending and ChangeRequest.objects.filter(pk=pending, status=ChangeStatus.PENDING).exists():
        return StepResult.waiting("council", change_request=pending)
    opportunity = crm.opportunity_read(flow.crm_system, flow.opportunity_id)
    flow.opportunity, flow.opportunity_name = opportunity, (opportunity.get("name") or "")[:255]
    if not opportunity.get("customer_source_id"):
        return StepResult.failed("the opportunity has no account")
    customer_id = source_record_ingest_for(flow, "customer", crm.account_record(flow.crm_system, opportunity["customer_source_id"]))
    customer = golden_survivor(Customer, customer_id)
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


def _council(flow: Flow, step: FlowStep, *, action: str, golden_id: str, reason: str,
             payload: dict[str, Any]) -> StepResult:
    """Wait for the council: raise the change request once, then wait while it is pending."""
    request_id = step.outcome.get("change_request")
    if request_id and ChangeRequest.objects.filter(pk=request_id, status=ChangeStatus.PENDING).exists():
        return StepResult.waiting("council", change_request=request_id)
    request = council_request_raise(kind=CHANGE_KIND, action=action, domain="customer", golden_id=golden_id,
                                    payload={"flow_id": flow.pk, "step": step.name, **payload}, reason=reason,
                                    acting_user=flows_user())
    flow_event(flow, "council_asked", f"change request #{request.pk}: {reason}", step=step.name)
    return StepResult.waiting("council", change_request=request.pk)


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
    customer = golden_survivor(Customer, flow.customer_id)
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
        flow.contract_id = source_record_ingest_for(flow, "contract", record)
    contract = golden_survivor(Contract, flow.contract_id)
    flow.contract_id = contract.id
    return _delivered(step.name, golden_record_send(erp, contract), golden_id=contract.id, system=erp,
                      version=contract.version)


def step_project(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    psa, opportunity = current_policy["psa"], flow.opportunity
    if not flow.project_id:
        contract = golden_values(golden_survivor(Contract, flow.contract_id))
        canonical = {**rules.project_from_template(opportunity, contract, current_policy),
                     "customer_source_id": opportunity.get("customer_source_id"),
                     "contract_source_id": opportunity.get("contract_source_id") or flow.opportunity_id}
        record = IncomingRecord(source_id=flow.opportunity_id, object_type=PROJECT_FROM_TEMPLATE, canonical=canonical,
                                payload={"opportunity": opportunity, "template": opportunity.get("service_line")},
                                source_updated_at=parse_datetime(opportunity.get("source_updated_at") or ""),
                                source_version=opportunity.get("source_updated_at") or "")
        flow.project_id = source_record_ingest_for(flow, "project", record)
    project = golden_survivor(Project, flow.project_id)
    flow.project_id = project.id
    return _delivered(step.name, golden_record_send(psa, project), golden_id=project.id, system=psa,
                      template=opportunity.get("service_line"))


def step_billing(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
    system = current_policy.get("billing") or ""
    if not system:
        return StepResult.skipped("no billing system is configured (config/orchestration.toml: billing)")
    contract = golden_survivor(Contract, flow.contract_id)
    row, message = billing_schedule_send(contract=contract, service_line=flow.opportunity["service_line"],
                                         system=system, current_policy=current_policy)
    result = _delivered(step.name, message, schedule=row.pk, version=row.version, system=system)
    if result.outcome == "done":
        BillingSchedule.objects.filter(pk=row.pk, delivered_at__isnull=True).update(delivered_at=timezone.now())
    return result


def step_publish(flow: Flow, step: FlowStep, current_policy: dict[str, Any]) -> StepResult:
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

