"""Business Central end to end through the hub: `sync dynamics` works as `sync salesforce` does
(also under injected 429s and 500s), the webhook subscription with its handshake, notifications
read back and ingested (duplicated, out of order, a deletion), a forged clientState refused,
and golden records written back without twins."""

import json
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from connectors.delivery import outbox_deliver
from connectors.dynamics.simulator import DynamicsSimulator
from connectors.models import InboundEvent, connection_for
from mdm.models import Customer, OutboxMessage, SourceRecord, SourceSystem
from mdm.policy import policy_load

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "bc-client-state"


@pytest.fixture
def simulator():
    with DynamicsSimulator(seed=2, records=60, faults="dup_events,out_of_order").serve() as sim:
        yield sim


@pytest.fixture
def dynamics(simulator, monkeypatch):
    """The hub connected to the simulator as the environment variables a deployment sets."""
    policy_load(systems=["dynamics"])
    SourceSystem.objects.update(sync_back_domains=[])
    for name, value in {"url": simulator.base_url, "webhook_secret": SECRET, "page_size": "4",
                        **simulator.credentials}.items():
        monkeypatch.setenv(f"CONCORD_DYNAMICS_{name.upper()}", str(value))
    return connection_for("dynamics")


def sync(*args):
    out = StringIO()
    call_command("sync", "dynamics", *args, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def test_the_policy_adds_business_central_once_it_is_connected(monkeypatch):
    assert not SourceSystem.objects.filter(name="dynamics").exists()
    monkeypatch.setenv("CONCORD_DYNAMICS_URL", "http://127.0.0.1:1")
    policy_load()
    system = SourceSystem.objects.get(name="dynamics")
    assert system.kind == "erp" and system.display_name == "Dynamics 365 Business Central"


def test_sync_dynamics_pulls_every_domain_then_only_changes(simulator, dynamics):
    output = sync()
    assert f"dynamics customers: {len(simulator.store['customers'])} created" in output
    assert "dynamics salesOrders:" in output and "dynamics projects:" in output
    held = SourceRecord.objects.filter(system__name="dynamics")
    assert held.filter(object_type="customers").count() == len(simulator.store["customers"])
    project = held.filter(object_type="projects", xref__isnull=False).first()
    assert project is not None and project.canonical["customer_source_id"] in simulator.store["customers"]

    changed = next(iter(simulator.store["customers"]))
    simulator.update("customers", changed, displayName="Renamed Holdings Inc.")
    assert "dynamics customers: 0 created, 1 updated, 0 unchanged" in sync("--domain", "customer")
    record = held.get(object_type="customers", source_id=changed)
    assert Customer.objects.get(id=record.xref.golden_id).name == "Renamed Holdings Inc."


def test_sync_dynamics_gets_through_429_and_500_storms(simulator, dynamics):
    """Each call is retried in place (Retry-After honoured); a call the storm outlasts fails the
    run with what it committed kept, and the next run goes on from the watermark."""
    from django.core.management.base import CommandError

    simulator.set_faults("429:0.3@0.01s,500:0.2,page_fail:2")
    runs = 0
    while runs < 10:
        runs += 1
        try:
            sync("--domain", "customer")
            break
        except CommandError as error:
            assert "Business Central" in str(error)
    held = SourceRecord.objects.filter(system__name="dynamics", object_type="customers")
    assert held.count() == len(simulator.store["customers"]) == len(set(held.values_list("source_id", flat=True)))
    simulator.set_faults("")
    assert "0 created, 0 updated" in sync("--domain", "customer")


def test_subscribe_then_notifications_reach_the_golden_records(simulator, dynamics, live_server):
    url = f"{live_server.url}/api/v1/events/dynamics/"
    out = StringIO()
    call_command("dynamics_subscribe", "--url", url, stdout=out)
    assert out.getvalue().count("created") == 3 and len(simulator.subscriptions) == 3
    sync("--domain", "customer")
    renamed, gone = list(simulator.store["customers"])[:2]
    simulator.update("customers", renamed, displayName="First Rename Inc.")
    simulator.update("customers", renamed, displayName="Final Rename Inc.")
    simulator.delete("customers", gone)

    statuses = simulator.notifications_send(batch_size=1)
    assert statuses and set(statuses) == {200}
    record = SourceRecord.objects.get(system__name="dynamics", object_type="customers", source_id=renamed)
    assert Customer.objects.get(id=record.xref.golden_id).name == "Final Rename Inc."
    assert SourceRecord.objects.get(system__name="dynamics", object_type="customers", source_id=gone).is_deleted
    events = InboundEvent.objects.filter(system__name="dynamics")
    assert events.count() == 2  # duplicates were sent, each stored once

    again = StringIO()
    call_command("dynamics_subscribe", "--url", url, stdout=again)
    assert again.getvalue().count("kept") == 3


def test_the_handshake_is_echoed_and_a_forged_client_state_changes_nothing(simulator, dynamics, live_server):
    url = f"{live_server.url}/api/v1/events/dynamics/"
    echoed = requests.post(f"{url}?validationToken=abc123", timeout=5)
    assert echoed.status_code == 200 and echoed.text == "abc123"
    forged = {"value": [{"subscriptionId": "x", "clientState": "guess", "changeType": "updated",
                         "lastModifiedDateTime": "2026-07-01T00:00:00Z",
                         "resource": f"api/v2.0/companies({simulator.company_id})/customers"
                                     f"({next(iter(simulator.store['customers']))})"}]}
    refused = requests.post(url, data=json.dumps(forged), headers={"Content-Type": "application/json"}, timeout=5)
    assert refused.status_code == 401 and not InboundEvent.objects.exists()
    forged["value"][0]["clientState"] = SECRET
    forged["value"][0]["changeType"] = "renamed"
    bad = requests.post(url, data=json.dumps(forged), headers={"Content-Type": "application/json"}, timeout=5)
    assert bad.status_code == 400 and "changeType" in bad.json()["reasons"][0]


def test_business_central_down_while_reading_back_answers_503_and_keeps_nothing(simulator, dynamics, live_server):
    dynamics.company  # noqa: B018
    note = {"value": [{"subscriptionId": "s", "clientState": SECRET, "changeType": "updated",
                       "lastModifiedDateTime": "2026-07-01T00:00:00Z",
                       "resource": f"api/v2.0/companies({simulator.company_id})/customers"
                                   f"({next(iter(simulator.store['customers']))})"}]}
    simulator.set_faults("503:1")
    answer = requests.post(f"{live_server.url}/api/v1/events/dynamics/", data=json.dumps(note),
                           headers={"Content-Type": "application/json"}, timeout=30)
    assert answer.status_code == 503 and not InboundEvent.objects.exists()


def test_golden_customers_are_written_back_once(simulator, dynamics):
    sync("--domain", "customer")
    SourceSystem.objects.filter(name="dynamics").update(sync_back_domains=["customer"])
    from mdm.records import IncomingRecord
    from mdm.services.ingest import source_records_ingest

    source_records_ingest(system="csv", domain="customer", records=[IncomingRecord(
        source_id="row-1", object_type="row", canonical={"name": "Lakeshore Media Inc.", "country": "US",
                                                         "city": "Chicago"})])
    outbox_deliver(connectors={"dynamics": dynamics})
    message = OutboxMessage.objects.get(system__name="dynamics", status="delivered")
    held = simulator.store["customers"][message.external_id]
    assert held["number"] == message.golden_id and held["displayName"] == "Lakeshore Media Inc."
    assert simulator.created_by_key == {("customers", message.golden_id): 1}
