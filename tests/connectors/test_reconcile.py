"""Reconciliation: what a system holds against the golden records it subscribes to — missing there,
unknown to the hub, differing from what the hub would push — stored per run, shown by the command,
repaired on request, run nightly."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connectors.base import HeldRecord
from connectors.delivery import outbox_deliver
from connectors.models import ReconciliationRun
from connectors.reconcile import Known, compare, differing_fields, reconciliation_run, same_value
from mdm.models import Customer, OutboxMessage
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

# --- the comparison, plain data ------------------------------------------------------------------

@pytest.mark.parametrize("sent, held", [
    ("Acme", " Acme "), (None, ""), ("120000.00", 120000), (120000, "120000.0"),
    ({"externalId": "CUS-1"}, {"externalId": "CUS-1"}), ({"refName": "EUR"}, {"refName": "EUR"})])
def test_values_that_say_the_same_are_the_same(sent, held):
    assert same_value(sent, held)


@pytest.mark.parametrize("sent, held", [
    ("Acme", "ACME"), ("DE", None), ("120000.00", 12000), ({"externalId": "CUS-1"}, {"externalId": None}),
    ({"externalId": "CUS-1"}, None), (True, "T")])
def test_values_that_differ_differ(sent, held):
    assert not same_value(sent, held)


def test_only_the_fields_a_push_writes_are_compared():
    assert differing_fields({"name": "Acme", "city": "Berlin"},
                            {"name": "Acme", "city": "Hamburg", "note": "theirs"}) == ["city"]


def _held(source_id, golden_id=None, **fields):
    return HeldRecord(source_id=source_id, golden_id=golden_id, fields=fields)


def test_a_held_record_stands_for_a_golden_record_by_its_stamp_its_answer_or_its_cross_reference():
    known = Known(golden_ids={"G1", "G2", "G3", "G4", "GM"}, answered={"ns-2": "G2"}, contributed={"ns-3": "G3"})
    expected = {g: {"name": g} for g in ("G1", "G2", "G3", "G4")}
    held = [_held("ns-1", "G1", name="G1"), _held("ns-2", None, name="G2"), _held("ns-3", None, name="other"),
            _held("ns-9", "NOT-OURS", name="?"), _held("ns-m", "GM", name="merged away")]
    result = compare(expected=expected, held=held, known=known, outbound=dict)
    assert (result.expected, result.held) == (4, 5)
    assert result.missing == ["G4"]
    assert result.extra == ["ns-9"]
    assert result.differing == [("G3", "ns-3", ["name"])]


def test_twins_are_reported_and_the_one_carrying_the_golden_id_is_compared():
    known = Known(golden_ids={"G1"}, answered={}, contributed={"own-1": "G1"})
    held = [_held("own-1", None, name="old"), _held("ext-1", "G1", name="G1")]
    result = compare(expected={"G1": {"name": "G1"}}, held=held, known=known, outbound=dict)
    assert result.twins == [("G1", "own-1")] and result.differing == [] and result.missing == []


# --- the service, against the fake CRM ---------------------------------------------------------

pytestmark_db = pytest.mark.django_db  # the pure tests above need no database


def _customers(count):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"S{n}", updated=at(1), name=f"Customer {n}", country="DE") for n in range(count)])
    return list(Customer.objects.order_by("id").values_list("id", flat=True))


def _delivered(connector):
    outbox_deliver(limit=None, connectors={"fakecrm": connector})
    assert not OutboxMessage.objects.exclude(status="delivered").exists()


@pytestmark_db
def test_after_delivery_nothing_is_missing_extra_or_different(remote, connector):
    _customers(4)
    _delivered(connector)
    run = reconciliation_run(system="fakecrm", domain="customer", connector=connector)
    assert (run.status, run.expected, run.held) == ("succeeded", 4, 4)
    assert (run.missing, run.extra, run.differing) == (0, 0, 0)
    assert run == ReconciliationRun.objects.get() and run.finished_at


@pytestmark_db
def test_it_finds_what_is_missing_unknown_or_changed_there(remote, connector):
    lost, edited, *_ = _customers(4)
    _delivered(connector)
    remote.edit_held(lost)  # deleted in the system
    remote.edit_held(edited, name="Renamed there")
    remote.put("Account", "THEIRS-1", name="Only in the CRM", country="FR")  # never pulled by the hub
    run = reconciliation_run(system="fakecrm", domain="customer", connector=connector)
    assert (run.missing, run.extra, run.differing) == (1, 1, 1)
    assert run.details["missing"] == [lost] and run.details["extra"] == ["THEIRS-1"]
    assert run.details["differing"] == [{"golden_id": edited, "source_id": f"ext-{edited}", "fields": ["name"]}]


@pytestmark_db
def test_repair_sends_again_what_is_missing_or_differs_even_though_it_equals_the_last_write(remote, connector):
    lost, edited, *_ = _customers(3)
    _delivered(connector)
    remote.edit_held(lost)
    remote.edit_held(edited, name="Renamed there")
    run = reconciliation_run(system="fakecrm", domain="customer", repair=True, connector=connector)
    assert run.resent == 2
    resends = OutboxMessage.objects.filter(operation="resend")
    assert sorted(resends.values_list("golden_id", flat=True)) == sorted([lost, edited])
    report = outbox_deliver(limit=None, connectors={"fakecrm": connector})
    assert sorted(report.delivered) == sorted(resends.values_list("id", flat=True))  # not suppressed as echoes
    again = reconciliation_run(system="fakecrm", domain="customer", connector=connector)
    assert (again.missing, again.extra, again.differing) == (0, 0, 0)
    assert remote.held()[edited]["name"] == Customer.objects.get(id=edited).name


@pytestmark_db
def test_repair_leaves_alone_what_is_already_on_its_way(remote, connector):
    _customers(2)  # written to the outbox, not delivered yet
    run = reconciliation_run(system="fakecrm", domain="customer", repair=True, connector=connector)
    assert (run.missing, run.resent) == (2, 0)
    assert not OutboxMessage.objects.filter(operation="resend").exists()


@pytestmark_db
def test_the_command_prints_a_line_per_domain_and_the_totals_last(remote, fakecrm, connector):
    _customers(2)
    out = StringIO()
    call_command("reconcile", "fakecrm", stdout=out, stderr=StringIO())
    lines = out.getvalue().strip().splitlines()
    assert lines[0] == "fakecrm customer: 2 golden records, 0 records held there; missing 2, extra 0, differing 0"
    assert lines[-1] == "missing 2, extra 0, differing 0"

    out = StringIO()
    call_command("reconcile", "fakecrm", "--domain", "customer", "--repair", stdout=out, stderr=StringIO())
    assert "  sent again: 0" in out.getvalue()  # both are already on their way


@pytestmark_db
def test_the_command_refuses_a_domain_the_system_does_not_take_back(remote, fakecrm):
    with pytest.raises(CommandError) as error:
        call_command("reconcile", "fakecrm", "--domain", "contract")
    assert "does not take golden contract records back" in str(error.value)


@pytestmark_db
def test_a_connector_that_cannot_list_what_it_holds_cannot_be_reconciled(remote, fakecrm, monkeypatch):
    from connectors.base import Connector
    from tests.connectors.conftest import FakeConnector

    monkeypatch.setattr(FakeConnector, "read_all", Connector.read_all)
    with pytest.raises(CommandError) as error:
        call_command("reconcile", "fakecrm")
    assert "cannot be reconciled" in str(error.value)


@pytestmark_db
def test_a_failing_read_is_recorded_as_a_failed_run(remote, connector, monkeypatch):
    from connectors.base import ConnectorError
    from tests.connectors.conftest import FakeConnector

    def down(self, *, domain):
        raise ConnectorError("503 unavailable", retryable=True)
        yield

    monkeypatch.setattr(FakeConnector, "read_all", down)
    with pytest.raises(ConnectorError):
        reconciliation_run(system="fakecrm", domain="customer", connector=connector)
    run = ReconciliationRun.objects.get()
    assert run.status == "failed" and "503" in run.error


@pytestmark_db
def test_the_nightly_task_queues_each_connected_system_that_can_be_reconciled(fakecrm, monkeypatch, settings):
    from connectors import tasks
    from mdm.models import SourceSystem

    queued = []
    monkeypatch.setattr(tasks.reconcile_system, "delay", lambda *args: queued.append(args))
    SourceSystem.objects.filter(name="netsuite").update(sync_back_domains=["customer"])  # no URL: not connected
    settings.CONCORD_RECONCILE_REPAIR = True
    assert tasks.reconcile_all() == 1 and queued == [("fakecrm", None, True)]


@pytestmark_db
def test_the_reconcile_task_calls_the_same_service(remote, connector):
    from connectors.tasks import reconcile_system

    _customers(1)
    assert reconcile_system.run("fakecrm") == {"customer": {"missing": 1, "extra": 0, "differing": 0,
                                                             "resent": 0}}
    assert ReconciliationRun.objects.count() == 1


@pytestmark_db
def test_the_nightly_schedule_is_written_into_the_database_scheduler():
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from config.celery_app import app

    for name, fields in app.conf.beat_schedule.items():  # what beat's update_from_dict does when it starts
        DatabaseScheduler.Entry.from_entry(name, app=app, **fields)
    task = PeriodicTask.objects.get(name="connectors: nightly reconciliation")
    assert task.task == "connectors.reconcile_all"
    assert (task.crontab.minute, task.crontab.hour, task.expire_seconds) == ("30", "3", 6 * 3600)
