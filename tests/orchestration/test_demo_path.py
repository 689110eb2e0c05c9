"""The demo's commands against running simulators: the CRM pull finds the opportunity closed with
`simulator_close_opportunity`, the billing fault is set over the simulator's admin endpoint, the
flow fails at billing, `flows replay` completes it, and `--amend` is a change order."""

import pytest
from django.core.management import call_command

from connectors.sync import sync_run
from orchestration import machine
from orchestration.models import BillingSchedule, Flow
from orchestration.services.closed_won import closed_won_poll
from stewardship.models import ChangeRequest
from stewardship.services import change_request_approve
from tests.orchestration.conftest import settle

pytestmark = pytest.mark.django_db(transaction=True)


def test_demo_close_fail_replay_amend(systems, dave, capsys):
    sf, ns = systems["salesforce"], systems["netsuite"]
    assert closed_won_poll()["started"] == 0  # the first pull notes where the CRM stands
    call_command("simulator_close_opportunity", netsuite_url=ns.base_url, faults="billing_refused")
    call_command("simulator_close_opportunity", url=sf.base_url)
    assert "is Closed Won" in capsys.readouterr().out
    # A salesperson's change, as the hub's event endpoint will see it: not an echo of our own write.
    assert sf.changes and all("client=concord" not in change["origin"] for change in sf.changes[-2:])

    assert closed_won_poll()["started"] == 1
    flow = Flow.objects.get()
    settle(flow)
    change_request_approve(request_id=ChangeRequest.objects.get(payload__flow_id=flow.pk).pk, acting_user=dave)
    flow = settle(flow)
    assert flow.state == machine.FLOW_FAILED and flow.current_step == machine.BILLING

    call_command("simulator_close_opportunity", netsuite_url=ns.base_url, faults="")
    call_command("flows", "replay", str(flow.pk))
    flow = settle(flow)
    assert flow.state == machine.FLOW_DONE
    assert closed_won_poll()["started"] == 0  # nothing new closed: no second flow

    call_command("simulator_close_opportunity", url=sf.base_url, opportunity=flow.opportunity_id, amend=True,
                 total=500000.0)
    sync_run(system="salesforce", domain="contract")
    settle(flow)
    assert list(BillingSchedule.objects.filter(contract_id=flow.contract_id).values_list("version", flat=True)) == [2, 1]
    schedule = ns.find("billingschedule", external_id=f"{flow.contract_id}-billing")
    assert schedule["custrecord_contract_version"] == 2
    assert set(ns.created_by_external_id.values()) == {1}
