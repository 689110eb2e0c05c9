"""The outbox's promise, checked over random histories: every golden record a system subscribes to
reaches it, in its latest revision — whatever the revisions (repeated values, lineage-only
changes), skips, failed and lost answers, workers killed before or after their push, and replays
of dead letters came in between."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.base import Connector, ConnectorError, UpsertResult
from connectors.delivery import outbox_claim, outbox_deliver, push_attributes
from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage
from mdm.services.outbox import outbox_replay

pytestmark = pytest.mark.django_db
GOLDEN_IDS = ["CUS-0000000001", "CUS-0000000002"]
NAMES = ["Acme", "Beta"]


class RecordingSystem(Connector):
    """A system that keeps the last write per golden record; a replayed idempotency key is
    acknowledged and not applied again. `failures` scripts what the next pushes meet:
    "refused" (permanent), "throttled" (retryable, nothing applied), "lost" (applied, but the
    answer never came: a timeout)."""

    system = "fakecrm"

    def __init__(self):
        super().__init__(base_url="http://recording")
        self.holds: dict[str, dict[str, Any]] = {}
        self.applied: set[str] = set()
        self.failures: list[str] = []

    def push(self, *, domain, golden_id, attributes, idempotency_key, correlation_id) -> UpsertResult:
        failure = self.failures.pop(0) if self.failures else ""
        if failure == "refused":
            raise ConnectorError("400 refused", retryable=False, code="400")
        if failure == "throttled":
            raise ConnectorError("429 throttled", retryable=True, retry_after=0.0, code="429")
        if idempotency_key not in self.applied:
            self.applied.add(idempotency_key)
            self.holds[golden_id] = {k: v for k, v in attributes.items() if not k.startswith("_")}
        if failure == "lost":
            raise ConnectorError("timed out", retryable=True, code="timeout")
        return UpsertResult(external_id=f"ext-{golden_id}", created=False)


def _revise(fakecrm, revisions: dict[str, int], golden_id: str, name: str) -> None:
    """A new golden revision written to the outbox (its attributes may equal the last ones: only
    lineage moved)."""
    revisions[golden_id] = revisions.get(golden_id, 0) + 1
    document = {"golden_id": golden_id, "domain": "customer", "revision": revisions[golden_id],
                "record_status": "active", "attributes": {"name": name}}
    OutboxMessage.objects.create(system=fakecrm, domain="customer", golden_id=golden_id, payload=document,
                                 idempotency_key=f"fakecrm:{golden_id}:r{revisions[golden_id]}")


def _time_passes() -> None:
    """Back-offs and leases run out (a killed worker's claims become claimable again)."""
    past = timezone.now() - timedelta(seconds=1)
    OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.DELIVERING]).update(
        next_attempt_at=past)


def _worker_killed(system: RecordingSystem, limit: int, after_push: bool) -> None:
    """A worker claims messages and dies, before its push or after the system applied it."""
    for message in outbox_claim(limit=limit):
        if after_push:
            try:
                system.push(domain=message.domain, golden_id=message.golden_id, attributes=push_attributes(message),
                            idempotency_key=message.idempotency_key, correlation_id="")
            except ConnectorError:
                pass  # it died before reading the answer either way


revise = st.tuples(st.just("revise"), st.sampled_from(GOLDEN_IDS), st.sampled_from(NAMES))
# A delivery run, the first pushes of which may meet failures.
deliver = st.tuples(st.just("deliver"), st.integers(1, 4),
                    st.lists(st.sampled_from(["refused", "throttled", "lost"]), max_size=3))
steps = st.lists(st.one_of(
    revise, revise, deliver, deliver,
    st.tuples(st.just("kill"), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("time passes")),
    st.tuples(st.just("replay dead letters")),
), min_size=1, max_size=40)


def _run(fakecrm, history) -> tuple[dict, dict]:
    system = RecordingSystem()
    revisions: dict[str, int] = {}
    latest: dict[str, dict] = {}
    for step in history:
        kind = step[0]
        if kind == "revise":
            _revise(fakecrm, revisions, step[1], step[2])
            latest[step[1]] = {"name": step[2], "record_status": "active"}
        elif kind == "deliver":
            system.failures = list(step[2])
            outbox_deliver(limit=step[1], connectors={"fakecrm": system})
            system.failures = []
        elif kind == "kill":
            _worker_killed(system, step[1], after_push=step[2])
        elif kind == "time passes":
            _time_passes()
        else:
            outbox_replay(all_dead=True)
    # Then the system behaves; time passes and stewards replay what died, until nothing is left.
    for _ in range(100):
        if not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists():
            break
        _time_passes()
        outbox_replay(all_dead=True)
        outbox_deliver(limit=50, connectors={"fakecrm": system})
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists()
    return system.holds, latest


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=steps)
def test_every_golden_record_reaches_the_system_in_its_latest_revision(fakecrm, history):
    with transaction.atomic():
        holds, latest = _run(fakecrm, history)
        transaction.set_rollback(True)
    assert holds == latest


def test_a_revision_superseded_by_one_with_the_same_values_still_reaches_the_system(fakecrm):
    """The issue's case: revision one is skipped as superseded, revision two (only lineage moved)
    must not be skipped as "unchanged since" revision one, which never went out."""
    system = RecordingSystem()
    revisions: dict[str, int] = {}
    _revise(fakecrm, revisions, GOLDEN_IDS[0], "Acme")
    _revise(fakecrm, revisions, GOLDEN_IDS[0], "Acme")
    report = outbox_deliver(connectors={"fakecrm": system})
    one, two = OutboxMessage.objects.order_by("id")
    assert report.skipped == [one.id] and report.delivered == [two.id]
    assert system.holds == {GOLDEN_IDS[0]: {"name": "Acme", "record_status": "active"}}


def test_after_a_lost_answer_an_equal_revision_is_written_again(fakecrm):
    """Sent "Acme", then "Beta" timed out (it may have landed) and was superseded by "Acme" again:
    the system may hold "Beta", so "Acme" is written, not suppressed as unchanged."""
    system = RecordingSystem()
    revisions: dict[str, int] = {}
    _revise(fakecrm, revisions, GOLDEN_IDS[0], "Acme")
    outbox_deliver(connectors={"fakecrm": system})
    _revise(fakecrm, revisions, GOLDEN_IDS[0], "Beta")
    system.failures = ["lost"]
    assert len(outbox_deliver(connectors={"fakecrm": system}).retried) == 1
    assert system.holds[GOLDEN_IDS[0]]["name"] == "Beta"
    _revise(fakecrm, revisions, GOLDEN_IDS[0], "Acme")
    _time_passes()
    report = outbox_deliver(connectors={"fakecrm": system})
    assert len(report.skipped) == 1 and len(report.delivered) == 1
    assert system.holds[GOLDEN_IDS[0]]["name"] == "Acme"
