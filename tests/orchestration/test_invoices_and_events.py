"""Closed-won change events start flows (once, however often they arrive); invoice statuses from
the ERP reach the CRM account, event-driven; validation exceptions go to the council."""

import pytest

from connectors.delivery import outbox_deliver
from orchestration import machine
from orchestration.models import Flow, InvoiceStatus
from orchestration.services.flows import flow_start
from stewardship.models import ChangeRequest, ChangeStatus
from stewardship.services import change_request_approve, change_request_reject
from tests.orchestration.conftest import NS_SECRET, SF_SECRET, open_opportunity, settle

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_closed_won_change_event_starts_one_flow(systems, live_server):
    sf = systems["salesforce"]
    opportunity = open_opportunity(sf)
    sf.emitted = len(sf.changes)
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won")
    events = sf.pending_events()
    body_url = f"{live_server.url}/api/v1/events/salesforce/"
    import json

    from connectors.simulators.base import post_signed

    body = json.dumps(events + events).encode()  # delivered twice (a relay retry)
    assert post_signed(body_url, body, SF_SECRET) == 200
    assert post_signed(body_url, json.dumps(events).encode(), SF_SECRET) == 200
    flow = Flow.objects.get()
    assert flow.opportunity_id == opportunity["Id"] and flow.crm_system == "salesforce"


def test_invoice_status_reaches_the_crm_account(systems, dave, live_server):
    sf, ns = systems["salesforce"], systems["netsuite"]
    opportunity = open_opportunity(sf)
    sf.update("Opportunity", opportunity["Id"], StageName="Closed Won")
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=opportunity["Id"])
    settle(flow)
    change_request_approve(request_id=ChangeRequest.objects.get(payload__flow_id=flow.pk).pk, acting_user=dave)
    flow = settle(flow)
    customer = ns.find("customer", external_id=flow.customer_id)

    ns.emitted = len(ns.changes)
    invoice = ns.create("invoice", entity=customer["id"], tranid="INV-77", total="30000.00", currency="EUR",
                        trandate="6/1/2026", status="Open")
    ns.update("invoice", invoice["id"], status="Paid In Full")
    stranger = ns.create("invoice", entity="999999", tranid="INV-78", total="10.00", status="Open")
    assert set(ns.emit_change_events(f"{live_server.url}/api/v1/events/netsuite/", NS_SECRET)) == {200}

    row = InvoiceStatus.objects.get(invoice_id=invoice["id"])
    assert row.status == "Paid In Full" and row.customer_id == flow.customer_id and not row.blocked_reason
    blocked = InvoiceStatus.objects.get(invoice_id=stranger["id"])
    assert "not known to the hub" in blocked.blocked_reason and blocked.outbox_message_id is None
    outbox_deliver(limit=50)
    account = sf.store["Account"][opportunity["AccountId"]]
    assert account["Last_Invoice_Status__c"] == "Paid In Full" and account["Last_Invoice_Number__c"] == "INV-77"


def test_a_bad_invoice_event_is_kept_failed_and_changes_nothing(systems, live_server):
    import json

    from connectors.models import InboundEvent
    from connectors.simulators.base import post_signed

    body = json.dumps({"event_id": "x-1", "object_type": "invoice", "record": {"id": "5", "status": ""}}).encode()
    assert post_signed(f"{live_server.url}/api/v1/events/netsuite/", body, NS_SECRET) == 200
    event = InboundEvent.objects.get(event_key="x-1")
    assert event.status == "failed" and "status is required" in event.error
    assert not InvoiceStatus.objects.exists()


def test_exceptions_go_to_the_council_approved_goes_ahead_rejected_cancels(systems, dave):
    sf = systems["salesforce"]
    first = open_opportunity(sf)
    sf.update("Account", first["AccountId"], Credit_Status__c="Blocked")
    sf.update("Opportunity", first["Id"], StageName="Closed Won")
    flow, _ = flow_start(crm_system="salesforce", opportunity_id=first["Id"])
    flow = settle(flow)
    assert flow.state == machine.FLOW_WAITING and flow.current_step == machine.VALIDATE
    request = ChangeRequest.objects.get(payload__flow_id=flow.pk, status=ChangeStatus.PENDING)
    assert "credit status is blocked" in request.summary
    change_request_approve(request_id=request.pk, acting_user=dave, comment="prepaid engagement")
    flow = settle(flow)
    assert flow.current_step == machine.CUSTOMER  # past validation; now the new customer waits

    second = next(o for o in sf.live("Opportunity") if not o["StageName"].startswith("Closed")
                  and o["Id"] != first["Id"] and o["AccountId"] != first["AccountId"])
    sf.update("Opportunity", second["Id"], StageName="Closed Won", Service_Line__c="Underwater Basket Weaving")
    other, _ = flow_start(crm_system="salesforce", opportunity_id=second["Id"])
    other = settle(other)
    request = ChangeRequest.objects.get(payload__flow_id=other.pk, status=ChangeStatus.PENDING)
    assert "no project template" in request.summary
    change_request_reject(request_id=request.pk, acting_user=dave, comment="not a service we sell")
    other.refresh_from_db()
    assert other.state == machine.FLOW_CANCELLED
    assert other.events.filter(kind="cancelled").exists()
