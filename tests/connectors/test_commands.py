"""The sync and deliver commands: the same services as the scheduled tasks, with progress and a summary."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from connectors.models import Connection, connection_for, connection_settings
from mdm.models import Customer

pytestmark = pytest.mark.django_db


def test_sync_prints_counts_per_object_type(remote, fakecrm):
    remote.put("Account", "A1", name="Acme", country="DE")
    remote.put("Account", "A2", name="Beta", country="FR")
    remote.put("Account", "A3", name="Gamma", country="DE", credit_status="purple")
    out = StringIO()
    call_command("sync", "fakecrm", "--domain", "customer", stdout=out, stderr=StringIO())
    assert "fakecrm Account: 2 created, 0 updated, 0 unchanged, 0 stale, 0 deleted, 1 quarantined" in out.getvalue()
    assert Customer.objects.count() == 2


def test_sync_of_every_domain_the_system_has(remote, fakecrm):
    out = StringIO()
    call_command("sync", "fakecrm", "--full", stdout=out, stderr=StringIO())
    assert "fakecrm Account:" in out.getvalue() and "fakecrm Contract:" in out.getvalue()


def test_an_unknown_system_is_a_one_line_error():
    with pytest.raises(CommandError) as error:
        call_command("sync", "nosuchsystem")
    assert "unknown system 'nosuchsystem'" in str(error.value) and "\n" not in str(error.value)


def test_environment_variables_override_the_stored_connection(fakecrm, monkeypatch):
    Connection.objects.create(system=fakecrm, base_url="http://stored", credentials={"username": "stored"},
                              page_size=50)
    monkeypatch.setenv("CONCORD_FAKECRM_URL", "http://from-env")
    monkeypatch.setenv("CONCORD_FAKECRM_PASSWORD", "pw")
    monkeypatch.setenv("CONCORD_FAKECRM_PAGE_SIZE", "7")
    values = connection_settings("fakecrm")
    assert values["credentials"] == {"username": "stored", "password": "pw"}
    connector = connection_for("fakecrm")
    assert (connector.base_url, connector.page_size) == ("http://from-env", 7)


def test_the_default_schedules_exist_and_are_editable_rows():
    from django_celery_beat.models import PeriodicTask

    from connectors.tasks import schedules_ensure

    schedules_ensure()  # what migration 0002 ran (a flushing test before this one may have emptied the table)
    PeriodicTask.objects.filter(name="connectors: sync customers").update(enabled=False)
    schedules_ensure()
    assert not PeriodicTask.objects.get(name="connectors: sync customers").enabled  # admin edits survive
    tasks = dict(PeriodicTask.objects.values_list("name", "task"))
    assert tasks["connectors: deliver outbox"] == "connectors.deliver_outbox"
    assert PeriodicTask.objects.get(name="connectors: deliver outbox").interval.every == 5
    assert tasks["connectors: sync customers"] == "connectors.sync_all"
    assert tasks["connectors: nightly full reconciliation"] == "connectors.sync_all"


def test_sync_all_queues_one_task_per_enabled_system_with_a_connector(fakecrm, monkeypatch):
    from connectors import tasks
    from mdm.models import SourceSystem

    queued = []
    monkeypatch.setattr(tasks.sync_system, "delay", lambda *args: queued.append(args))
    SourceSystem.objects.exclude(name="fakecrm").update(is_active=False)
    assert tasks.sync_all() == 2
    assert sorted(queued) == [("fakecrm", "contract", False), ("fakecrm", "customer", False)]

    queued.clear()
    Connection.objects.create(system=fakecrm, enabled=False)
    assert tasks.sync_all(domain="customer") == 0 and queued == []


def test_sync_all_leaves_systems_without_a_url_alone(fakecrm, monkeypatch):
    from connectors import tasks
    from mdm.models import SourceSystem

    queued = []
    monkeypatch.setattr(tasks.sync_system, "delay", lambda *args: queued.append(args))
    monkeypatch.delenv("CONCORD_FAKECRM_URL")  # not connected yet, as in the embedded demo
    SourceSystem.objects.exclude(name="fakecrm").update(is_active=False)
    assert tasks.sync_all() == 0 and queued == []


def test_the_sync_task_calls_the_same_service(remote, fakecrm):
    from connectors.tasks import sync_system

    remote.put("Account", "A1", name="Acme", country="DE")
    assert sync_system.run("fakecrm", "customer")["Account"]["created"] == 1
    Connection.objects.create(system=fakecrm, enabled=False)
    assert "disabled" in sync_system.run("fakecrm", "customer")["skipped"]


def test_a_system_that_fails_is_a_one_line_error_and_keeps_what_was_committed(remote, fakecrm, monkeypatch):
    from connectors.base import ConnectorError
    from tests.connectors.conftest import FakeConnector

    remote.put("Account", "A1", name="Acme", country="DE")

    def refuses(self, **kwargs):
        raise ConnectorError("login failed: invalid_grant", retryable=False)
        yield  # a generator, like every pull

    monkeypatch.setattr(FakeConnector, "pull", refuses)
    with pytest.raises(CommandError) as error:
        call_command("sync", "fakecrm", "--domain", "customer", stdout=StringIO(), stderr=StringIO())
    assert str(error.value) == "fakecrm customer: login failed: invalid_grant"


# --- deliver ------------------------------------------------------------------------------------

def _customers(count):
    from mdm.services.ingest import source_records_ingest
    from tests.conftest import at, record

    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"S{n}", updated=at(1), name=f"Customer {n}", country="DE") for n in range(count)])


def test_deliver_sends_everything_due_and_says_what_happened(remote, fakecrm):
    _customers(3)
    out = StringIO()
    call_command("deliver", "--system", "fakecrm", stdout=out, stderr=StringIO())
    assert out.getvalue().strip().endswith(
        "delivered 3, skipped 0, retried 0, dead 0; still on their way 0, dead letters 0")
    assert len(remote.effects()) == 3


def test_deliver_until_empty_goes_on_through_retries(remote, fakecrm, settings):
    settings.CONCORD_OUTBOX_BACKOFF_BASE = 0.0  # each retry is due at once: nothing to wait for here
    _customers(2)
    remote.set_fault("push_fail", [500, 503, 429])
    out = StringIO()
    call_command("deliver", "--until-empty", stdout=out, stderr=StringIO())
    assert "delivered 2, skipped 0, retried 3, dead 0; still on their way 0" in out.getvalue()
    assert len(remote.effects()) == 2


def test_deliver_until_empty_waits_out_a_back_off(remote, fakecrm):
    from datetime import timedelta

    from django.utils import timezone

    from connectors.delivery import outbox_deliver
    from mdm.models import OutboxMessage

    _customers(1)
    remote.set_fault("push_fail", [500])
    waits = []

    def sleep(seconds):  # time passes: the back-off runs out
        waits.append(seconds)
        OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1))

    report = outbox_deliver(limit=None, until_empty=True, sleep=sleep)
    assert (len(report.retried), len(report.delivered), len(waits)) == (1, 1, 1)
    assert 0 < waits[0] <= 5


def test_the_deliver_task_calls_the_same_service(remote, fakecrm, monkeypatch):
    from connectors import delivery
    from connectors.tasks import deliver_outbox

    calls = []
    real = delivery.outbox_deliver
    monkeypatch.setattr(delivery, "outbox_deliver", lambda **kwargs: calls.append(kwargs) or real(**kwargs))
    _customers(1)
    assert deliver_outbox.run()["delivered"] == 1
    call_command("deliver", stdout=StringIO(), stderr=StringIO())
    assert [call.get("until_empty", False) for call in calls] == [False, False]


def test_deliver_names_an_unknown_system():
    with pytest.raises(CommandError) as error:
        call_command("deliver", "--system", "nosuchsystem")
    assert "unknown system 'nosuchsystem'" in str(error.value)
