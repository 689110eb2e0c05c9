"""Flows against the Salesforce and NetSuite simulators, served in-process over real HTTP."""

from __future__ import annotations

import pytest

from connectors.delivery import outbox_deliver
from connectors.models import Connection
from connectors.netsuite.simulator import NetSuiteSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from mdm.models import SourceSystem
from orchestration.models import Flow
from orchestration.services.flows import flow_advance

SF_SECRET = "sf-webhook-secret"
NS_SECRET = "ns-webhook-secret"


@pytest.fixture(autouse=True)
def _flows_advanced_by_the_test(settings):
    # The test advances flows itself, step by step, instead of a Celery worker.
    settings.CONCORD_FLOWS_ADVANCE_ON_COMMIT = False
    settings.CONCORD_OUTBOX_BACKOFF_BASE = 0.0
    settings.CONCORD_OUTBOX_MAX_ATTEMPTS = 2


@pytest.fixture
def salesforce_sim():
    with SalesforceSimulator(seed=3, records=12).serve() as sim:
        yield sim


@pytest.fixture
def netsuite_sim():
    with NetSuiteSimulator(seed=3, records=12).serve() as sim:
        yield sim


@pytest.fixture
def systems(db, salesforce_sim, netsuite_sim):
    """The hub connected to both simulators; the ERP takes contracts and projects back."""
    SourceSystem.objects.update(sync_back_domains=[])
    SourceSystem.objects.filter(name="salesforce").update(sync_back_domains=["customer"])
    # Customers reach the ERP through flows (after the council approved a new one), not on every change.
    SourceSystem.objects.filter(name="netsuite").update(sync_back_domains=["contract", "project"])
    Connection.objects.create(system=SourceSystem.objects.get(name="salesforce"), base_url=salesforce_sim.base_url,
                              credentials=salesforce_sim.credentials, webhook_secret=SF_SECRET)
    Connection.objects.create(system=SourceSystem.objects.get(name="netsuite"), base_url=netsuite_sim.base_url,
                              credentials=netsuite_sim.credentials, webhook_secret=NS_SECRET)
    return {"salesforce": salesforce_sim, "netsuite": netsuite_sim}


def open_opportunity(sim: SalesforceSimulator, service_line: str | None = None) -> dict:
    """An opportunity not closed yet, of an account in a country the policy knows."""
    for opportunity in sim.live("Opportunity"):
        if opportunity["StageName"].startswith("Closed") or opportunity.get("ContractId"):
            continue
        if service_line and opportunity["Service_Line__c"] != service_line:
            continue
        return opportunity
    raise AssertionError("the seeded org has no open opportunity")


def settle(flow: Flow, *, rounds: int = 12) -> Flow:
    """Advance the flow and deliver the outbox, round after round, until the flow stops running
    (done, failed, cancelled, or waiting for the council)."""
    for _ in range(rounds):
        flow_advance(flow.pk)
        outbox_deliver(limit=200)
        flow.refresh_from_db()
        if flow.state != "running":
            break
    flow_advance(flow.pk)
    flow.refresh_from_db()
    return flow
