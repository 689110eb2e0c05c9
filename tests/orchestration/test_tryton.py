"""The flow with the real Tryton as the ERP (and its project works as the PSA): customer, contract
(a sale keyed by the contract number) and project (a work carrying the golden id's marker).
Tryton has no billing schedule record in this connector: the flow is configured without one."""

import pytest

from connectors.models import Connection, connection_for
from connectors.tryton import mapping
from mdm.models import Contract, SourceSystem
from orchestration import machine
from orchestration.services.flows import flow_start
from stewardship.models import ChangeRequest
from stewardship.services import change_request_approve
from tests.connectors.tryton.conftest import tryton_server  # noqa: F401 - the session's trytond
from tests.orchestration.conftest import open_opportunity, settle

pytestmark = pytest.mark.django_db(transaction=True)


def test_closed_won_into_tryton(settings, salesforce_sim, tryton_server, dave):  # noqa: F811
    settings.CONCORD_ORCHESTRATION = {"erp": "tryton", "psa": "tryton", "billing": ""}
    SourceSystem.objects.update(sync_back_domains=[])
    Connection.objects.create(system=SourceSystem.objects.get(name="salesforce"), base_url=salesforce_sim.base_url,
                              credentials=salesforce_sim.credentials)
    Connection.objects.create(system=SourceSystem.objects.get(name="tryton"), base_url=tryton_server["base_url"],
                              credentials={k: tryton_server[k] for k in ("database", "username", "password")})
    opportunity = open_opportunity(salesforce_sim)
    # Tryton checks phone numbers strictly (the seeded ones are refused: the flow would fail at the
    # customer step, visibly): this account's phone is cleared in the CRM first.
    salesforce_sim.update("Account", opportunity["AccountId"], Phone=None)
    salesforce_sim.update("Opportunity", opportunity["Id"], StageName="Closed Won")
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    settle(flow)
    change_request_approve(request_id=ChangeRequest.objects.get(payload__flow_id=flow.pk).pk, acting_user=dave)
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE, list(flow.steps.values_list("name", "state", "error"))
    assert flow.steps.get(name=machine.BILLING).state == machine.SKIPPED

    tryton = connection_for("tryton")
    party = tryton.find_party(flow.customer_id)
    assert party is not None and str(party) == flow.steps.get(name=machine.CUSTOMER).outcome["external_id"]
    number = Contract.objects.get(pk=flow.contract_id).number
    (sale,) = tryton.client.search_read(mapping.SALE, [("reference", "=", number)], fields=["party"])
    assert sale["party"] == party
    work = tryton.find_work(flow.project_id)
    assert work is not None and str(work["id"]) == flow.steps.get(name=machine.PROJECT).outcome["external_id"]
