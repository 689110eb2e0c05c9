"""The NetSuite simulator end to end: sync, then whole-record webhooks (duplicated, out of order,
with a deletion) over real HTTP with a real signature."""

import pytest

from connectors.models import Connection, connection_for
from connectors.netsuite.simulator import NetSuiteSimulator
from connectors.sync import sync_run
from mdm.models import Customer, SourceRecord, SourceSystem

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "ns-webhook-secret"


@pytest.fixture
def simulator():
    with NetSuiteSimulator(seed=5, records=10, faults="dup_events,out_of_order").serve() as sim:
        yield sim


@pytest.fixture
def netsuite(simulator):
    SourceSystem.objects.update(sync_back_domains=[])
    system = SourceSystem.objects.get(name="netsuite")
    Connection.objects.create(system=system, base_url=simulator.base_url, credentials=simulator.credentials,
                              webhook_secret=SECRET, page_size=4)
    return connection_for("netsuite")


def test_sync_then_webhooks_in_any_order_converge(simulator, netsuite, live_server):
    sync_run(system="netsuite", domain="customer", connector=netsuite)
    held = list(SourceRecord.objects.filter(system__name="netsuite", object_type="customer")
                .values_list("source_id", flat=True))
    assert len(held) >= 3
    renamed, gone = held[0], held[1]
    simulator.changes.clear()
    simulator.emitted = 0
    simulator.update("customer", renamed, companyname="Renamed First Corp")
    simulator.update("customer", renamed, companyname="Renamed Final Corp")
    simulator.delete("customer", gone)

    statuses = simulator.emit_change_events(f"{live_server.url}/api/v1/events/netsuite/", SECRET, batch_size=1)
    assert set(statuses) == {200}
    record = SourceRecord.objects.get(system__name="netsuite", object_type="customer", source_id=renamed)
    assert Customer.objects.get(id=record.xref.golden_id).name == "Renamed Final Corp"
    assert SourceRecord.objects.get(system__name="netsuite", object_type="customer", source_id=gone).is_deleted
