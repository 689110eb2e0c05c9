"""A closed-won opportunity reaches the ERP of its customer's legal entity, with that entity's
tax rules and approval path: the German entity invoices through NetSuite (new customers need the
council), the US entity through Business Central (new customers go straight in, large deals need
the council, no billing schedule record). Invoice statuses come back from either ERP."""

import pytest

from connectors.dynamics.simulator import DynamicsSimulator
from connectors.models import Connection, InboundEvent, connection_for
from mdm.models import Contract, Project, SourceSystem
from mdm.policy import policy_load
from orchestration import machine, rules
from orchestration.models import Flow, InvoiceStatus
from orchestration.services.flows import flow_start
from stewardship.models import ChangeRequest, ChangeStatus
from stewardship.services import change_request_approve
from tests.orchestration.conftest import NS_SECRET, SF_SECRET, open_opportunity, settle

pytestmark = pytest.mark.django_db(transaction=True)
BC_SECRET = "bc-client-state"


@pytest.fixture
def dynamics_sim():
    with DynamicsSimulator(seed=3, records=12).serve() as sim:
        yield sim


@pytest.fixture
def erps(db, salesforce_sim, netsuite_sim, dynamics_sim, monkeypatch):
    """The CRM and both ERPs connected; flows write each entity's records to its own ERP, so no
    ERP takes every golden contract or project back on its own."""
    policy_load(systems=["dynamics"])
    SourceSystem.objects.update(sync_back_domains=[])
    SourceSystem.objects.filter(name="salesforce").update(sync_back_domains=["customer"])
    for system, sim, secret in (("salesforce", salesforce_sim, SF_SECRET), ("netsuite", netsuite_sim, NS_SECRET),
                                ("dynamics", dynamics_sim, BC_SECRET)):
        Connection.objects.create(system=SourceSystem.objects.get(name=system), base_url=sim.base_url,
                                  credentials=sim.credentials, webhook_secret=secret)
    return {"salesforce": salesforce_sim, "netsuite": netsuite_sim, "dynamics": dynamics_sim}


def close_in(sf, country: str, *, amount: float = 180000.0, currency: str | None = None) -> dict:
    """Close an open opportunity of an account moved to `country` (as the CRM spells it)."""
    opportunity = open_opportunity(sf)
    sf.update("Account", opportunity["AccountId"], BillingCountry=country)
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won", Amount=amount,
              **({"CurrencyIsoCode": currency} if currency else {}))
    return opportunity


def test_the_policy_lays_each_entity_over_the_top_level():
    policy = rules.policy_read()
    us = rules.entity_policy(policy, "Concord Consulting US")  # NetSuite's name for the subsidiary
    assert (us["legal_entity"], us["erp"], us["psa"], us["billing"]) == ("Concord Consulting Inc.", "dynamics",
                                                                        "dynamics", "")
    assert us["tax_codes"]["US"] == "US-SALES-EXEMPT-SERVICES" and us["tax_codes"]["DE"] == "DE-VAT-19"
    de = rules.entity_policy(policy, "Concord Consulting GmbH")
    assert de["erp"] == "netsuite" and de["new_customer_needs_approval"] is True
    other = rules.entity_policy(policy, "Concord Consulting Ltd")
    assert other["erp"] == policy["erp"] and other["legal_entity"] == "Concord Consulting Ltd"



def test_a_malformed_entity_table_is_refused_with_the_reason(tmp_path):
    path = tmp_path / "orchestration.toml"
    path.write_text('crm = "a"\nerp = "b"\npsa = "c"\n[entities.X]\nerp = ""\napproval_above = { USD = -1 }\n')
    with pytest.raises(rules.PolicyError, match="erp must name a system.*approval_above"):
        rules.policy_read(path)


def test_a_us_deal_goes_to_business_central_without_a_council_for_the_new_customer(erps):
    sf, ns, bc = erps["salesforce"], erps["netsuite"], erps["dynamics"]
    opportunity = close_in(sf, "USA", currency="USD")
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE, list(flow.steps.values_list("name", "state", "error"))
    assert not ChangeRequest.objects.exists()  # the US entity's approval path asks no one for this deal
    validated = flow.steps.get(name=machine.VALIDATE).outcome
    assert (validated["legal_entity"], validated["erp"], validated["tax_code"]) == (
        "Concord Consulting Inc.", "dynamics", "US-SALES-EXEMPT-SERVICES")
    assert flow.steps.get(name=machine.BILLING).state == machine.SKIPPED

    customer = bc.find("customers", number=flow.customer_id)
    order = bc.find("salesOrders", external=flow.contract_id)
    project = bc.find("projects", external=flow.project_id)
    assert customer and order and project
    assert order["customerId"] == customer["id"] and order["totalAmountExcludingTax"] == 180000
    assert project["billToCustomerId"] == customer["id"] and project["salesOrderId"] == order["id"]
    assert flow.steps.get(name=machine.PROJECT).outcome["external_id"] == project["id"]
    assert Project.objects.get(pk=flow.project_id).contract_id == Contract.objects.get(pk=flow.contract_id).id
    # NetSuite, the other entity's ERP, got none of it.
    assert not ns.created_by_external_id


def test_a_german_deal_goes_to_netsuite_after_the_council_approves_the_new_customer(erps, dave):
    sf, ns, bc = erps["salesforce"], erps["netsuite"], erps["dynamics"]
    opportunity = close_in(sf, "Deutschland", currency="EUR")
    flow = settle(flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])[0])
    assert flow.state == machine.FLOW_WAITING and flow.current_step == machine.CUSTOMER
    request = ChangeRequest.objects.get(status=ChangeStatus.PENDING, payload__flow_id=flow.pk)
    assert "not in netsuite" in request.reason
    change_request_approve(request_id=request.pk, acting_user=dave)
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE, list(flow.steps.values_list("name", "state", "error"))
    validated = flow.steps.get(name=machine.VALIDATE).outcome
    assert (validated["legal_entity"], validated["erp"], validated["tax_code"]) == (
        "Concord Consulting GmbH", "netsuite", "DE-VAT-19")
    assert ns.find("customer", external_id=flow.customer_id) and ns.find("salesorder", external_id=flow.contract_id)
    assert ns.find("billingschedule", external_id=f"{flow.contract_id}-billing")
    assert not bc.created_by_key


def test_a_us_deal_above_the_entitys_limit_waits_for_the_council(erps, dave):
    opportunity = close_in(erps["salesforce"], "USA", amount=750000.0, currency="USD")
    flow = settle(flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])[0])
    assert flow.state == machine.FLOW_WAITING and flow.current_step == machine.VALIDATE
    request = ChangeRequest.objects.get(status=ChangeStatus.PENDING, payload__flow_id=flow.pk)
    assert [p["check"] for p in request.payload["problems"]] == ["approval"]
    change_request_approve(request_id=request.pk, acting_user=dave)
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE
    assert erps["dynamics"].find("salesOrders", external=flow.contract_id)["totalAmountExcludingTax"] == 750000


def test_an_entity_whose_erp_is_not_connected_fails_validation_with_the_reason(erps):
    SourceSystem.objects.filter(name="dynamics").delete()
    opportunity = close_in(erps["salesforce"], "USA", currency="USD")
    flow = settle(flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])[0])
    assert flow.state == machine.FLOW_FAILED
    assert "dynamics, which the hub is not connected to" in flow.steps.get(name=machine.VALIDATE).error
    assert not erps["dynamics"].created_by_key


def test_a_business_central_invoice_status_reaches_the_crm_account(erps, live_server):
    sf, bc = erps["salesforce"], erps["dynamics"]
    opportunity = close_in(sf, "USA", currency="USD")
    flow = settle(flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])[0])
    assert flow.state == machine.FLOW_DONE
    connection_for("dynamics").subscriptions_ensure(notification_url=f"{live_server.url}/api/v1/events/dynamics/",
                                                    client_state=BC_SECRET)
    customer = bc.find("customers", number=flow.customer_id)
    order = bc.find("salesOrders", external=flow.contract_id)
    bc.create("salesInvoices", number="S-INV-1", customerId=customer["id"], customerNumber=customer["number"],
              orderId=order["id"], invoiceDate="2026-08-01", totalAmountIncludingTax=45000.0, currencyCode="",
              status="Open")
    assert set(bc.notifications_send()) == {200}
    status = InvoiceStatus.objects.get(system="dynamics")
    assert status.customer_id == flow.customer_id and status.status == "Open" and status.number == "S-INV-1"
    assert InboundEvent.objects.filter(system__name="dynamics", object_type="salesInvoices").count() == 1
    assert Flow.objects.count() == 1
