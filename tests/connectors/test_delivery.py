"""Outbox delivery: claimed once, in order per golden record, retried with backoff, dead after N
attempts and replayable, reclaimed after a crash, never writing the same content twice."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from connectors.delivery import backoff_seconds, outbox_claim, outbox_deliver
from mdm.models import Customer, OutboxMessage
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db


def _change(name, source_id="001", day=1, **more):
    source_records_ingest(system="salesforce", domain="customer",
                          records=[record(source_id, updated=at(day), name=name, country="DE", **more)])


def deliver(connector, **kwargs):
    return outbox_deliver(connectors={"fakecrm": connector}, **kwargs)


def _due_now():
    OutboxMessage.objects.filter(status="pending").update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_it_delivers_a_golden_change_once_with_its_idempotency_key(remote, connector):
    _change("Acme")
    message = OutboxMessage.objects.get()
    report = deliver(connector)
    message.refresh_from_db()
    assert report.delivered == [message.id]
    assert (message.status, message.attempts, message.external_id) == ("delivered", 1, f"ext-{message.golden_id}")
    assert remote.calls() == {message.idempotency_key: 1}
    assert remote.effects()[message.idempotency_key]["name"] == "Acme"
    assert deliver(connector).as_dict() == {"delivered": 0, "skipped": 0, "retried": 0, "dead": 0}


def test_claims_are_exclusive(remote, connector):
    _change("Acme")
    first = outbox_claim()
    assert len(first) == 1 and first[0].status == "delivering"
    assert outbox_claim() == []


def test_revision_two_waits_while_revision_one_is_on_its_way(remote, connector):
    _change("Acme", day=1)
    remote.set_fault("push_fail", [500])
    assert len(deliver(connector).retried) == 1  # revision one: retry later
    _change("Acme Two", day=2)
    one, two = OutboxMessage.objects.order_by("id")

    assert deliver(connector).as_dict() == {"delivered": 0, "skipped": 0, "retried": 0, "dead": 0}
    two.refresh_from_db()
    assert two.status == "pending" and two.attempts == 0  # not sent before revision one is done

    _due_now()
    report = deliver(connector)
    assert report.skipped == [one.id] and report.delivered == [two.id]  # one is done: superseded
    assert [e["name"] for e in remote.effects().values()] == ["Acme Two"]


def test_only_the_newest_of_several_waiting_revisions_is_written(remote, connector):
    _change("Acme", day=1)
    _change("Acme Two", day=2)
    _change("Acme Three", day=3)
    report = deliver(connector)
    assert len(report.skipped) == 2 and len(report.delivered) == 1
    assert [e["name"] for e in remote.effects().values()] == ["Acme Three"]
    assert "superseded" in OutboxMessage.objects.order_by("id").first().last_error


def test_a_429_waits_at_least_what_retry_after_says(remote, connector, settings):
    settings.CONCORD_OUTBOX_BACKOFF_BASE = 0.001
    _change("Acme")
    remote.set_fault("push_fail", [429])
    before = timezone.now()
    deliver(connector)
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and message.attempts == 1 and "429" in message.last_error
    assert message.next_attempt_at >= before + timedelta(seconds=0.05)


def test_backoff_grows_exponentially_with_jitter_and_a_cap(settings):
    settings.CONCORD_OUTBOX_BACKOFF_BASE = 2
    settings.CONCORD_OUTBOX_BACKOFF_CAP = 60
    for attempts, ceiling in ((1, 2), (2, 4), (3, 8), (10, 60)):
        delays = [backoff_seconds(attempts) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
    assert backoff_seconds(1, retry_after=30) >= 30


def test_after_max_attempts_a_message_is_dead_and_replay_brings_it_back(remote, connector, settings):
    settings.CONCORD_OUTBOX_MAX_ATTEMPTS = 3
    _change("Acme")
    remote.set_fault("push_fail", [500, 503, 502])
    for _ in range(3):
        deliver(connector)
        _due_now()
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("dead", 3) and "502" in message.last_error
    assert remote.effects() == {}

    call_command("replay", "--all-dead", "--system", "fakecrm")
    message.refresh_from_db()
    assert (message.status, message.attempts, message.replays) == ("pending", 0, 1)
    assert deliver(connector).delivered == [message.id]
    assert len(remote.effects()) == 1


def test_a_permanent_refusal_is_dead_at_once(remote, connector):
    _change("Acme")
    remote.set_fault("push_fail", [400])
    report = deliver(connector)
    message = OutboxMessage.objects.get()
    assert report.dead == [message.id] and message.status == "dead" and message.attempts == 1


def test_a_dead_message_no_longer_blocks_the_next_revision(remote, connector):
    _change("Acme", day=1)
    remote.set_fault("push_fail", [400])
    assert len(deliver(connector).dead) == 1
    _change("Acme Two", day=2)
    assert len(deliver(connector).delivered) == 1


def test_a_message_left_delivering_by_a_killed_worker_is_reclaimed_after_its_lease(remote, connector):
    _change("Acme")
    (claimed,) = outbox_claim()  # the worker that claimed it died here
    assert deliver(connector).delivered == []  # lease still running: nobody else takes it
    OutboxMessage.objects.filter(pk=claimed.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    report = deliver(connector)
    claimed.refresh_from_db()
    assert report.delivered == [claimed.id] and claimed.attempts == 2


def test_a_replayed_old_revision_is_superseded_not_sent(remote, connector):
    _change("Acme", day=1)
    remote.set_fault("push_fail", [400])
    deliver(connector)  # revision one dies
    _change("Acme Two", day=2)
    deliver(connector)  # revision two is delivered
    call_command("replay", "--all-dead")
    report = deliver(connector)
    assert len(report.skipped) == 1 and report.delivered == []
    assert [e["name"] for e in remote.effects().values()] == ["Acme Two"]


def test_content_equal_to_the_last_delivery_is_not_written_again(remote, connector):
    _change("Acme", day=1)
    deliver(connector)
    # A new revision with the same attributes (e.g. only lineage moved): nothing to write.
    golden = Customer.objects.get()
    first = OutboxMessage.objects.get()
    OutboxMessage.objects.create(system=first.system, domain="customer", golden_id=golden.id,
                                 payload=first.document, idempotency_key=f"fakecrm:{golden.id}:r99")
    report = deliver(connector)
    assert len(report.skipped) == 1
    assert len(remote.calls()) == 1


def test_messages_of_a_disabled_connection_are_held(remote, connector, fakecrm):
    from connectors.models import Connection

    Connection.objects.create(system=fakecrm, enabled=False)
    _change("Acme")
    assert deliver(connector).delivered == []
    assert OutboxMessage.objects.get().status == "held"


def test_messages_of_a_system_with_no_url_are_held_instead_of_dying(remote, connector, fakecrm, monkeypatch):
    monkeypatch.delenv("CONCORD_FAKECRM_URL")  # not connected yet, as in the embedded demo
    _change("Acme")
    for _ in range(3):
        assert deliver(connector).delivered == []
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == ("held", 0)


def test_held_messages_go_out_in_order_once_the_system_is_connected(remote, connector, fakecrm, monkeypatch):
    monkeypatch.delenv("CONCORD_FAKECRM_URL")
    _change("Acme", day=1)
    deliver(connector)
    _change("Acme Two", day=2)
    deliver(connector)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"held"}

    monkeypatch.setenv("CONCORD_FAKECRM_URL", "http://fake")  # connected
    report = deliver(connector)
    assert len(report.skipped) == 1 and len(report.delivered) == 1  # revision one superseded by two
    assert [e["name"] for e in remote.effects().values()] == ["Acme Two"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"delivered"}


def test_messages_of_a_system_without_a_connector_are_held(fakecrm, monkeypatch):
    from connectors.delivery import outbox_hold_release
    from mdm.models import SourceSystem

    monkeypatch.setenv("CONCORD_PSA_X_URL", "http://psa")  # a URL, but no connector to write with
    SourceSystem.objects.create(name="psa-x", kind="psa", display_name="PSA", sync_back_domains=["customer"])
    _change("Acme")
    outbox_hold_release()
    assert sorted(OutboxMessage.objects.values_list("system__name", "status")) == [
        ("fakecrm", "pending"), ("psa-x", "held")]


def test_the_replay_command_needs_a_selection():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("replay")


def test_a_worker_keeps_one_connector_per_system_until_its_settings_change(fakecrm, remote):
    from connectors import delivery
    from connectors.models import Connection

    delivery._connectors.clear()
    first = delivery._cached_connector("fakecrm")
    assert delivery._cached_connector("fakecrm") is first
    Connection.objects.create(system=fakecrm, page_size=17)
    assert delivery._cached_connector("fakecrm") is not first
