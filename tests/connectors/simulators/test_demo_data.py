"""The Salesforce and NetSuite simulators holding the embedded demo data set (run_simulator
--demo-data, what `./concord demo --with-systems` runs): the hub reading them gets the golden
records load_demo makes, with only the demo's own unusable rows quarantined, and its writes land
on the records it read (no dead letters, no twins)."""

import pytest

from connectors.delivery import outbox_deliver
from connectors.models import Connection, connection_for
from connectors.netsuite.simulator import NetSuiteSimulator
from connectors.salesforce.simulator import SalesforceSimulator
from connectors.sync import sync_run
from mdm.choices import OutboxStatus
from mdm.demo_data import demo_records
from mdm.models import Contract, Customer, OutboxMessage, Project, QuarantinedRecord, SourceRecord, SourceSystem
from mdm.services.ingest import source_records_ingest

pytestmark = pytest.mark.django_db(transaction=True)
COMPANIES = 40


@pytest.fixture(scope="module")
def records():
    return demo_records(customers=COMPANIES)


@pytest.fixture
def systems(records):
    with (SalesforceSimulator(demo_data=records).serve() as salesforce,
          NetSuiteSimulator(demo_data=records).serve() as netsuite):
        for name, sim in (("salesforce", salesforce), ("netsuite", netsuite)):
            Connection.objects.create(system=SourceSystem.objects.get(name=name), base_url=sim.base_url,
                                      credentials=sim.credentials, page_size=200)
        yield salesforce, netsuite


def _sync_all():
    for system in ("netsuite", "salesforce"):
        connector = connection_for(system)
        for domain in ("customer", "contract", "project"):
            sync_run(system=system, domain=domain, connector=connector)


def _golden_counts():
    return Customer.objects.count(), Contract.objects.count(), Project.objects.count()


def test_the_simulators_hold_the_demo_records_under_their_ids(records, systems):
    salesforce, netsuite = systems
    for (system, domain), batch in records.items():
        table = {("salesforce", "customer"): salesforce.store["Account"],
                 ("salesforce", "contract"): salesforce.store["Contract"],
                 ("netsuite", "customer"): netsuite.store["customer"],
                 ("netsuite", "contract"): netsuite.store["salesorder"],
                 ("netsuite", "project"): netsuite.store["job"]}.get((system, domain), {})
        assert {record.source_id for record in batch} <= set(table), (system, domain)
    contract = next(iter(salesforce.store["Contract"].values()))
    assert contract["ContractNumber"].startswith("C-")  # the demo's number, not the org's auto-number


def test_the_hub_reads_from_the_systems_what_load_demo_loads(records, systems):
    _sync_all()
    read = _golden_counts()
    unusable = set(QuarantinedRecord.objects.values_list("source_id", flat=True))
    assert unusable == {"001BAD0001", "001BAD0002", "209999"}  # the demo's own three, no others

    # load_demo's records on top are the same records: they land on the same golden records.
    for (system, domain), batch in records.items():
        source_records_ingest(system=system, domain=domain, records=batch, reason="demo data")
    assert _golden_counts() == read
    assert set(QuarantinedRecord.objects.values_list("source_id", flat=True)) == unusable


def test_write_back_lands_on_the_records_the_hub_read(systems):
    salesforce, netsuite = systems
    _sync_all()
    accounts, customers = len(salesforce.store["Account"]), len(netsuite.store["customer"])
    outbox_deliver(limit=None, connectors={"salesforce": connection_for("salesforce"),
                                           "netsuite": connection_for("netsuite")})
    assert not OutboxMessage.objects.filter(status=OutboxStatus.DEAD).exists()
    golden = Customer.objects.filter(record_status="active")

    def without(system):  # golden customers the system did not contribute: it gets them created
        held = SourceRecord.objects.filter(system__name=system, domain="customer").values("xref__golden_id")
        return golden.exclude(id__in=held).count()

    assert len(salesforce.live("Account")) == accounts + without("salesforce")
    assert len(netsuite.store["customer"]) == customers + without("netsuite")
    # Systems the demo does not connect (Tryton, the PSA) hold their messages.
    assert set(OutboxMessage.objects.filter(system__name__in=["tryton", "psa"])
               .values_list("status", flat=True)) <= {OutboxStatus.HELD}


def test_the_first_open_opportunity_is_the_councils_case(records):
    """What `simulator_close_opportunity` closes first (the lowest open id): a customer NetSuite has
    on credit hold and bills through NetSuite, so the demo's flow asks the council."""
    salesforce = SalesforceSimulator(demo_data=records)
    first = min((o for o in salesforce.store["Opportunity"].values() if not o["IsClosed"]), key=lambda o: o["Id"])
    number = int(first["AccountId"][3:])
    erp_customer = next(r for r in records[("netsuite", "customer")] if r.source_id == str(10_000 + number))
    assert erp_customer.canonical["credit_status"] == "on hold"
    assert first["CurrencyIsoCode"] != "USD" and salesforce.store["Account"][first["AccountId"]]["Name"]
    closed = [o for o in salesforce.store["Opportunity"].values() if o["StageName"] == "Closed Won"]
    assert {o["ContractId"] for o in closed} == set(salesforce.store["Contract"])  # each contract's won deal
