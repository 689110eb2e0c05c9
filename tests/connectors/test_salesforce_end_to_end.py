"""The Salesforce simulator end to end through the hub: sync, change events (duplicated and out of
order, over real HTTP and a real signature), write-back, and the echo of our own write."""

import pytest

from connectors.delivery import outbox_deliver
from connectors.models import Connection, connection_for
from connectors.salesforce.simulator import SalesforceSimulator
from connectors.sync import sync_run
from mdm.models import Customer, OutboxMessage, SourceRecord, SourceSystem

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "sf-webhook-secret"


@pytest.fixture
def simulator():
    with SalesforceSimulator(seed=3, records=12, faults="dup_events,out_of_order").serve() as sim:
        yield sim


@pytest.fixture
def salesforce(simulator):
    SourceSystem.objects.exclude(name="salesforce").update(sync_back_domains=[])
    system = SourceSystem.objects.get(name="salesforce")
    system.sync_back_domains = ["customer"]
    system.save()
    Connection.objects.create(system=system, base_url=simulator.base_url, credentials=simulator.credentials,
                              webhook_secret=SECRET, page_size=5)
    return connection_for("salesforce")


def golden_name(account_id):
    record = SourceRecord.objects.get(system__name="salesforce", object_type="Account", source_id=account_id)
    return Customer.objects.get(id=record.xref.golden_id).name


def test_sync_then_events_in_any_order_then_write_back_without_an_echo_loop(simulator, salesforce, live_server):
    result = sync_run(system="salesforce", domain="customer", connector=salesforce)
    accounts = simulator.live("Account")
    assert result.counts["Account"].created + result.counts["Account"].quarantined == len(accounts)

    landed = [a for a in accounts if SourceRecord.objects.filter(source_id=a["Id"]).exists()]
    first, second = landed[0]["Id"], landed[1]["Id"]
    simulator.update("Account", first, Name="Renamed Once Industries")
    simulator.update("Account", first, Name="Renamed Twice Industries")
    simulator.update("Account", second, BillingCity="Utrecht")
    simulator.changes = simulator.changes[-3:]  # the seed's own history was pulled already
    simulator.emitted = 0
    statuses = simulator.emit_change_events(f"{live_server.url}/api/v1/events/salesforce/", SECRET)
    assert statuses and set(statuses) == {200}
    assert golden_name(first) == "Renamed Twice Industries"

    # Write back, then let Salesforce tell us about our own write: nothing more goes out.
    outbox_deliver(connectors={"salesforce": salesforce})
    writes = sum(simulator.upserts_by_key.values())
    assert writes >= 1
    simulator.emit_change_events(f"{live_server.url}/api/v1/events/salesforce/", SECRET)
    outbox_deliver(connectors={"salesforce": salesforce})
    assert sum(simulator.upserts_by_key.values()) == writes
    assert all(count == 1 for count in simulator.upserts_by_key.values())
    assert len(simulator.live("Account")) == len(accounts)  # written to their own Accounts: no twins
    assert not OutboxMessage.objects.filter(status__in=["pending", "delivering", "dead"]).exists()


def test_outbox_messages_go_to_salesforce_in_one_collection_call_each_with_its_own_outcome(simulator, salesforce):
    from datetime import timedelta

    from django.utils import timezone

    from mdm.services.ingest import source_records_ingest
    from tests.conftest import at, record

    collection = "PATCH /services/data/v60.0/composite/sobjects/Account/Concord_Id__c"
    for n, name in enumerate(("Alder Group", "Birch Holdings", "Cedar Works")):
        source_records_ingest(system="netsuite", domain="customer",
                              records=[record(f"N{n}", "customer", updated=at(1), name=name, country="DE")])
    # A subsidiary whose parent's only revision so far is superseded by a newer one: the parent
    # goes out after it, so the subsidiary's reference cannot be resolved yet in this call.
    source_records_ingest(system="netsuite", domain="customer",
                          records=[record("P1", "customer", updated=at(1), name="Oak Parent", country="DE")])
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("S1", "customer", updated=at(1), name="Oak Subsidiary", country="DE", parent_source_id="P1")])
    source_records_ingest(system="netsuite", domain="customer",
                          records=[record("P1", "customer", updated=at(2), name="Oak Parent AG", country="DE")])
    golden = {c.name: c.id for c in Customer.objects.all()}

    report = outbox_deliver(connectors={"salesforce": salesforce})
    # One call carried the first batch (three customers and the subsidiary); the parent's newest
    # revision followed once its superseded one was out of the way.
    assert simulator.calls[collection] == 2
    assert len(report.skipped) == 1 and len(report.retried) == 1 and len(report.delivered) == 4
    subsidiary = OutboxMessage.objects.get(golden_id=golden["Oak Subsidiary"])
    assert subsidiary.status == "pending" and "Foreign key external ID" in subsidiary.last_error
    assert all(simulator.upserts_by_external_id[("Account", "Concord_Id__c", golden[name])] == 1
               for name in ("Alder Group", "Birch Holdings", "Cedar Works", "Oak Parent AG"))

    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert len(outbox_deliver(connectors={"salesforce": salesforce}).delivered) == 1
    (account,) = [a for a in simulator.live("Account") if a.get("Concord_Id__c") == golden["Oak Subsidiary"]]
    parent = next(a for a in simulator.live("Account") if a.get("Concord_Id__c") == golden["Oak Parent AG"])
    assert account["ParentId"] == parent["Id"]
    assert not OutboxMessage.objects.filter(status__in=["pending", "delivering", "dead"]).exists()
    assert all(count == 1 for count in simulator.upserts_by_external_id.values())
