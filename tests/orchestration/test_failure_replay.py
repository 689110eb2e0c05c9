"""A billing schedule the ERP refuses fails the flow at that step, visibly, with the project
already created; replay after the fault is cleared completes it and creates nothing twice."""

import logging

import pytest
from django.urls import reverse

from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage
from orchestration import machine
from orchestration.dashboard import figures, summary
from orchestration.services.common import FlowError
from orchestration.services.flows import flow_replay, flow_start
from stewardship.models import ChangeRequest
from stewardship.services import change_request_approve
from tests.orchestration.conftest import open_opportunity, settle

pytestmark = pytest.mark.django_db(transaction=True)


def _closed_flow(systems, dave):
    sf = systems["salesforce"]
    opportunity = open_opportunity(sf)
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won")
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    settle(flow)
    change_request_approve(request_id=ChangeRequest.objects.get(payload__flow_id=flow.pk).pk, acting_user=dave)
    return flow


def test_billing_refused_fails_the_flow_and_replay_completes_it(systems, dave, caplog, client):
    ns = systems["netsuite"]
    ns.set_faults("billing_refused")
    flow = _closed_flow(systems, dave)
    with caplog.at_level(logging.ERROR, logger="orchestration.services"):
        flow = settle(flow)

    assert flow.state == machine.FLOW_FAILED and flow.current_step == machine.BILLING
    states = dict(flow.steps.values_list("name", "state"))
    assert states[machine.PROJECT] == machine.DONE and states[machine.BILLING] == machine.FAILED
    billing = flow.steps.get(name=machine.BILLING)
    assert "billing_refused" in billing.error
    assert OutboxMessage.objects.get(pk=billing.outcome["message"]).status == OutboxStatus.DEAD
    assert ns.find("job", external_id=flow.project_id) is not None  # the project stays
    # The alert: an ERROR log line with the flow's correlation id, and the dashboard's figures.
    assert any(flow.correlation_id == getattr(r, "correlation_id", "") and r.levelno == logging.ERROR
               for r in caplog.records)
    assert [f.pk for f in summary()["failed_flows"]] == [flow.pk]
    failed = next(f for f in figures() if f.name == "concord_flow_failed_steps")
    assert failed.samples == [({"step": machine.BILLING}, 1.0)]

    ns.set_faults("")
    flow_replay(flow_id=flow.pk, actor="dave")
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE
    assert ns.find("billingschedule", external_id=f"{flow.contract_id}-billing") is not None
    assert set(ns.created_by_external_id.values()) == {1} and len(ns.created_by_external_id) == 4
    kinds = list(flow.events.values_list("kind", flat=True))
    assert kinds.index("step_failed") < kinds.index("replayed") < kinds.index("done")


def test_only_a_failed_flow_is_replayed(systems, dave):
    flow = settle(_closed_flow(systems, dave))
    assert flow.state == machine.FLOW_DONE
    with pytest.raises(FlowError, match="only a failed flow"):
        flow_replay(flow_id=flow.pk, actor="dave")


def test_replay_from_the_console_needs_permission(systems, dave, bob, client):
    systems["netsuite"].set_faults("billing_refused")
    flow = settle(_closed_flow(systems, dave))
    assert flow.state == machine.FLOW_FAILED
    systems["netsuite"].set_faults("")
    client.force_login(bob)  # an auditor sees flows, changes nothing
    assert client.get(reverse("orchestration:flow", args=[flow.pk])).status_code == 200
    assert client.post(reverse("orchestration:flow_replay", args=[flow.pk])).status_code == 403
    flow.refresh_from_db()
    assert flow.state == machine.FLOW_FAILED
    client.force_login(dave)
    response = client.post(reverse("orchestration:flow_replay", args=[flow.pk]))
    assert response.status_code == 302
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE


def test_the_dashboard_shows_the_failed_flow(systems, dave, client):
    systems["netsuite"].set_faults("billing_refused")
    flow = settle(_closed_flow(systems, dave))
    client.force_login(dave)
    page = client.get(reverse("operations:dashboard")).content.decode()
    assert "Opportunity to project" in page and reverse("orchestration:flow", args=[flow.pk]) in page
    assert client.get(reverse("orchestration:flows") + "?state=failed").content.decode().count(f'id="flow-{flow.pk}"') == 1
