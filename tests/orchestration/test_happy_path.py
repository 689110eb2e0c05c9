"""Closing an opportunity in the CRM builds the ERP customer, the contract with its billing
schedule and the PSA project, each carrying its golden id; a new customer waits for the council."""

import pytest

from mdm.models import Contract, Customer, Project
from orchestration import machine
from orchestration.models import BillingSchedule, DomainEvent, Flow
from orchestration.services.flows import flow_start
from stewardship.models import ChangeRequest, ChangeStatus
from stewardship.services import change_request_approve
from tests.orchestration.conftest import open_opportunity, settle

pytestmark = pytest.mark.django_db(transaction=True)


def test_closed_won_builds_customer_contract_schedule_and_project(systems, dave):
    sf, ns = systems["salesforce"], systems["netsuite"]
    opportunity = open_opportunity(sf)
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won")

    flow, started = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    assert started
    flow = settle(flow)

    # The customer is new to the ERP: the council is asked, and the flow waits.
    assert flow.state == machine.FLOW_WAITING and flow.current_step == machine.CUSTOMER
    request = ChangeRequest.objects.get(status=ChangeStatus.PENDING, payload__flow_id=flow.pk)
    assert request.golden_id == flow.customer_id
    assert "new customer" in request.summary
    change_request_approve(request_id=request.pk, acting_user=dave)

    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE, list(flow.events.values_list("kind", "message"))
    assert set(flow.steps.values_list("state", flat=True)) == {machine.DONE}

    customer = Customer.objects.get(pk=flow.customer_id)
    contract = Contract.objects.get(pk=flow.contract_id)
    project = Project.objects.get(pk=flow.project_id)
    assert contract.customer_id == customer.id and project.contract_id == contract.id
    assert project.service_line == opportunity["Service_Line__c"] and project.status == "planned"

    ns_customer = ns.find("customer", external_id=customer.id)
    ns_order = ns.find("salesorder", external_id=contract.id)
    ns_job = ns.find("job", external_id=project.id)
    ns_schedule = ns.find("billingschedule", external_id=f"{contract.id}-billing")
    assert ns_customer and ns_order and ns_job and ns_schedule
    assert ns_order["entity"] == ns_customer["id"]
    assert ns_job["parent"] == ns_customer["id"] and ns_job["custentity_sales_order"] == ns_order["id"]
    assert ns_schedule["salesorder"] == ns_order["id"] and ns_schedule["custrecord_contract_version"] == 1
    assert ns_schedule["ratecard"], "the rate card of the service line's template goes with the schedule"
    # The flow's outcome names the ERP's ids.
    assert flow.steps.get(name=machine.PROJECT).outcome["external_id"] == ns_job["id"]
    assert BillingSchedule.objects.get(contract_id=contract.id).delivered_at is not None
    event = DomainEvent.objects.get(event_type="project.activated")
    assert event.payload["project"] == {"golden_id": project.id, "psa_id": ns_job["id"]}
    assert event.correlation_id == flow.correlation_id
    # The account in the CRM carries the golden id too.
    assert sf.store["Account"][opportunity["AccountId"]]["Concord_Id__c"] == customer.id


def test_a_second_closed_won_event_starts_nothing_and_a_rerun_creates_nothing_twice(systems, dave):
    sf, ns = systems["salesforce"], systems["netsuite"]
    opportunity = open_opportunity(sf)
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won")
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    settle(flow)
    change_request_approve(request_id=ChangeRequest.objects.get(payload__flow_id=flow.pk).pk, acting_user=dave)
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE

    again, started = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    assert not started and again.pk == flow.pk and Flow.objects.count() == 1
    settle(again)
    assert ns.created_by_external_id and set(ns.created_by_external_id.values()) == {1}
    assert len(ns.created_by_external_id) == 4  # customer, sales order, job, billing schedule



@pytest.mark.django_db
def test_a_closed_won_time_ahead_of_our_clock_is_taken_as_now():
    from datetime import timedelta

    from django.utils import timezone

    before = timezone.now()
    flow, _ = flow_start(crm_system="salesforce", opportunity_id="006FUTURE",
                         closed_won_at=before + timedelta(minutes=5))
    assert before <= flow.closed_won_at <= timezone.now()  # never a negative quote-to-project time
    earlier = before - timedelta(days=2)
    assert flow_start(crm_system="salesforce", opportunity_id="006PAST", closed_won_at=earlier)[0].closed_won_at == earlier
