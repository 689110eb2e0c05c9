"""An amended contract in the CRM raises the golden contract's version and updates the ERP
billing schedule; the earlier version stays readable."""

import pytest

from connectors.sync import sync_run
from mdm.models import Contract
from orchestration import machine
from orchestration.models import BillingSchedule
from orchestration.services.billing import billing_schedules_settle
from orchestration.services.flows import flow_start
from stewardship.models import ChangeRequest
from stewardship.services import change_request_approve
from tests.orchestration.conftest import open_opportunity, settle

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_amended_contract_updates_the_billing_schedule(systems, dave):
    sf, ns = systems["salesforce"], systems["netsuite"]
    opportunity = open_opportunity(sf)
    contract = sf.create("Contract", AccountId=opportunity["AccountId"], Name="Programme", Status="Activated",
                         StartDate="2026-07-01", EndDate="2027-06-30", Total_Value__c=120000.0,
                         Billing_Type__c="Fixed Fee", CurrencyIsoCode=opportunity["CurrencyIsoCode"],
                         Opportunity__c=opportunity["Id"])
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won", ContractId=contract["Id"])
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    settle(flow)
    change_request_approve(request_id=ChangeRequest.objects.get(payload__flow_id=flow.pk).pk, acting_user=dave)
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE
    golden = Contract.objects.get(pk=flow.contract_id)
    assert golden.version == 1 and golden.number == contract["ContractNumber"]
    first = ns.find("billingschedule", external_id=f"{golden.id}-billing")
    assert first["custrecord_contract_version"] == 1 and len(first["recurrence"]) == 12

    # The change order: more value, six more months, signed in the CRM; the hub reads it.
    sf.update("Contract", contract["Id"], Total_Value__c=180000.0, EndDate="2027-12-31")
    sync_run(system="salesforce", domain="contract")
    golden.refresh_from_db()
    assert golden.version == 2
    settle(flow)
    assert billing_schedules_settle() == 1  # the periodic tick marks the change order's schedule delivered

    schedule = ns.find("billingschedule", external_id=f"{golden.id}-billing")
    assert schedule["id"] == first["id"] and schedule["custrecord_contract_version"] == 2
    assert len(schedule["recurrence"]) == 18
    assert sum(float(line["amount"]) for line in schedule["recurrence"]) == 180000.0
    assert ns.created_by_external_id[("billingschedule", f"{golden.id}-billing")] == 1
    rows = list(BillingSchedule.objects.filter(contract_id=golden.id).order_by("version"))
    assert [(r.version, r.schedule["total_value"]) for r in rows] == [(1, "120000.00"), (2, "180000.00")]
    assert all(r.delivered_at for r in rows)
    assert [h.version for h in golden.history.order_by("history_date")][-2:] == [1, 2]  # version 1 stays readable
    assert "change_order" in flow.events.values_list("kind", flat=True)
