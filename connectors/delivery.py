"""Delivering the outbox: golden-record changes written back to the systems that subscribe to them.

Guarantees (see docs/connectors.md):
- at least once, idempotent in effect: every push carries the message's idempotency key, and a
  message is marked delivered only after the system answered;
- in order per golden record and system: revision r+1 is not sent while r is pending or
  delivering; a revision with a newer one waiting, or older than one delivered, is superseded
  (marked delivered without a call): only the newest state goes out;
- claims are race-safe across workers: a conditional UPDATE on the status, checked by row count;
- a worker killed mid-push leaves its row `delivering` with a lease (next_attempt_at); once the
  lease runs out the row is claimed again;
- retryable failures back off exponentially with jitter (or as the system's Retry-After says);
  after CONCORD_OUTBOX_MAX_ATTEMPTS a message is dead, with its last error, until a steward replays it;
- echo suppression: a message whose content equals the last one *sent* (delivered by a call) for
  the same golden record and system is marked delivered without a call (our own write coming
  back must not loop) — unless a push since may have landed unheard (a failed or interrupted
  attempt) or reconciliation found the system's copy wrong: then what the system holds is
  unknown, and the message is sent. A resend (written by reconciliation's repair) is always sent;
- batches: messages of one system and domain go out in one `push_many` call (a system with a
  batch endpoint gets up to its `push_batch_size` claimed at once); each message keeps its own
  outcome, so one record refused does not fail the others, and all the rules above still hold
  per message (a claim never holds two revisions of one golden record).
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, Min, OuterRef, Q
from django.utils import timezone

from connectors.base import Connector, ConnectorError, PushItem, registered_systems
from connectors.models import connection_for, connection_settings, load_connectors, systems_not_connected
from mdm.choices import OutboxStatus
from mdm.correlation import correlation
from mdm.models import OutboxMessage, SourceRecord, SourceSystem
from mdm.services.outbox import RESEND, outbox_statistics_refresh

log = logging.getLogger(__name__)
CLAIM_BATCH = 10
ROUND = 500  # messages per round when delivering everything due (the deliver command)
MIN_WAIT, MAX_WAIT = 0.2, 5.0  # seconds between rounds while waiting for back-offs to run out


def _setting(name: str, default: float) -> float:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name)
    return float(value) if value not in (None, "") else default


def max_attempts() -> int:
    return int(_setting("CONCORD_OUTBOX_MAX_ATTEMPTS", 8))


def lease_seconds() -> float:
    """How long a claimed message may stay `delivering` before another worker takes it over."""
    return _setting("CONCORD_OUTBOX_LEASE_SECONDS", 120)


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff with full jitter, capped; the system's Retry-After wins when longer."""
    base = _setting("CONCORD_OUTBOX_BACKOFF_BASE", 2.0)
    cap = _setting("CONCORD_OUTBOX_BACKOFF_CAP", 600.0)
    delay = min(cap, base * (2 ** max(attempts - 1, 0)))
    delay = delay / 2 + random.uniform(0, delay / 2)
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


@dataclass
class DeliveryReport:
    delivered: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)  # echo or superseded: no call made
    retried: list[int] = field(default_factory=list)
    dead: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {name: len(getattr(self, name)) for name in ("delivered", "skipped", "retried", "dead")}

    @property
    def handled(self) -> int:
        return len(self.delivered) + len(self.skipped) + len(self.retried) + len(self.dead)

    def merge(self, other: DeliveryReport) -> None:
        for name in ("delivered", "skipped", "retried", "dead"):
            getattr(self, name).extend(getattr(other, name))


# Messages still on their way: a held one goes out once its system is connected.
ON_THEIR_WAY = (OutboxStatus.PENDING, OutboxStatus.DELIVERING, OutboxStatus.HELD)


def _blocked_by_earlier():
    """An earlier message for the same golden record and system still on its way."""
    return Exists(OutboxMessage.objects.filter(
        system_id=OuterRef("system_id"), golden_id=OuterRef("golden_id"), id__lt=OuterRef("id"),
        status__in=ON_THEIR_WAY))


def _due(now) -> Q:
    pending = Q(status=OutboxStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    abandoned = Q(status=OutboxStatus.DELIVERING, next_attempt_at__lte=now)  # lease ran out: worker died
    return pending | abandoned


def _undeliverable_system_ids() -> list[int]:
    """Systems not connected: without a connector (the "psa" placeholder), without a URL, or with
    their connection disabled. Their messages are held instead of burning attempts into the dead
    letters (or waiting as "pending" for a delivery that cannot come)."""
    names = systems_not_connected()
    return [system_id for system_id, name in SourceSystem.objects.values_list("id", "name") if name in names]


@dataclass
class HoldReport:
    held: int = 0  # pending messages of systems not connected, now held
    released: int = 0  # held messages of systems now connected, pending again


def outbox_hold_release() -> HoldReport:
    """Hold the pending messages of systems that are not connected, and release (to pending, due
    now) the held messages of systems that are. Run before each delivery round, so connecting a
    system (its URL set, its connection enabled) lets its backlog go out in order."""
    undeliverable = _undeliverable_system_ids()
    report = HoldReport()
    report.held = (OutboxMessage.objects.filter(status=OutboxStatus.PENDING, system_id__in=undeliverable)
                   .update(status=OutboxStatus.HELD))
    report.released = (OutboxMessage.objects.filter(status=OutboxStatus.HELD).exclude(system_id__in=undeliverable)
                       .update(status=OutboxStatus.PENDING, next_attempt_at=timezone.now()))
    if report.released:
        log.info("released %d held outbox messages: their systems are connected now", report.released)
    return report


def outbox_claim(*, limit: int = 100, system: str | None = None) -> list[OutboxMessage]:
    """Claim up to `limit` due messages for this worker; each is claimed by exactly one worker."""
    now = timezone.now()
    load_connectors()
    # A message written since the last hold sweep for a system not connected waits for the next.
    query = (OutboxMessage.objects.filter(_due(now), system__name__in=registered_systems())
             .exclude(system_id__in=_undeliverable_system_ids()).filter(~_blocked_by_earlier()))
    if system:
        query = query.filter(system__name=system)
    claimed = []
    for message in query.select_related("system", "shared").order_by("id")[:limit]:
        lease_until = timezone.now() + timedelta(seconds=lease_seconds())
        won = (OutboxMessage.objects
               .filter(pk=message.pk, status=message.status, attempts=message.attempts)
               .filter(~_blocked_by_earlier())
               .update(status=OutboxStatus.DELIVERING, attempts=message.attempts + 1, next_attempt_at=lease_until))
        if won:
            message.status, message.attempts, message.next_attempt_at = (
                OutboxStatus.DELIVERING, message.attempts + 1, lease_until)
            claimed.append(message)
    return claimed


def _finish(message: OutboxMessage, **values) -> bool:
    """Record the outcome only while we still hold the claim (same attempt number)."""
    return bool(OutboxMessage.objects.filter(pk=message.pk, status=OutboxStatus.DELIVERING,
                                             attempts=message.attempts).update(**values))


def _sent() -> Q:
    """Messages the system answered: delivered by a call. One marked delivered without a call
    (superseded, unchanged) carries its reason in `last_error`; one that was sent carries none."""
    return Q(status=OutboxStatus.DELIVERED, last_error="")


def _system_copy_unknown() -> Q:
    """Messages after which what the system holds is not known: one whose push may have reached
    it without our hearing it succeed (a failed attempt — a timeout can land —, a worker killed
    mid-push, so claimed again, a dead letter, a replayed one), or a resend (reconciliation found
    the system's copy missing or different)."""
    return (Q(attempts__gt=1) | Q(replays__gt=0) | Q(status=OutboxStatus.DEAD)
            | Q(operation=RESEND))


# Messages of these domains each carry a document of their own (a week's billing summary or its
# adjustment), not a revision of a record: each is sent as written, none supersedes another.
DOCUMENT_DOMAINS = frozenset({"timesheet"})
# Messages of these domains are written on the record of another domain's golden record: a
# project's team goes on the ERP's project itself (NetSuite: the job's custentity_concord_team).
WRITTEN_ON = {"staffing": "project"}


def _same_content(one: OutboxMessage, other: OutboxMessage) -> bool:
    def operation(message: OutboxMessage) -> str:
        return "upsert" if message.operation == RESEND else message.operation

    return (operation(one) == operation(other)
            and one.document.get("attributes") == other.document.get("attributes")
            and one.document.get("record_status") == other.document.get("record_status"))


def _skip_reason(message: OutboxMessage) -> str:
    """Why `message` needs no call (empty: it must be sent).

    Echo suppression compares with what the system was last *sent*, never with a message that
    was itself skipped: a revision superseded by a waiting one never reached the system, so the
    waiting one, even with the same attributes, still has to go out. Revisions are compared within
    one domain: a project's team is not a newer version of the project."""
    if message.domain in DOCUMENT_DOMAINS:
        return ""
    record = OutboxMessage.objects.filter(system_id=message.system_id, golden_id=message.golden_id,
                                          domain=message.domain)
    if record.filter(id__gt=message.id, status=OutboxStatus.DELIVERED).exists():
        return "superseded: a later revision was already delivered"
    # Only the newest state is worth sending: writing an older revision first would briefly put
    # old values back in the system, and its change event would carry them with a new timestamp.
    if record.filter(id__gt=message.id, status__in=ON_THEIR_WAY).exists():
        return "superseded: a later revision is waiting and carries the newest values"
    if message.operation == RESEND:
        return ""  # the system was found not to hold this: write it, however equal to the last write
    last = record.filter(_sent(), id__lt=message.id).select_related("shared").order_by("-id").first()
    if last is None or not _same_content(last, message):
        return ""
    if record.filter(_system_copy_unknown(), id__gt=last.id, id__lt=message.id).exists():
        return ""  # the system may hold something else than message `last` since: write
    return f"unchanged since message {last.id} was sent: nothing to write (echo suppressed)"


def document_attributes(document: dict) -> dict:
    """An outbox document's attributes with the record status, as a connector maps them."""
    attributes = dict(document.get("attributes") or {})
    attributes.setdefault("record_status", document.get("record_status"))
    return attributes


def push_attributes(message: OutboxMessage) -> dict:
    """What the connector gets for a message: its document's attributes, the record status, and
    `_source_ids`."""
    attributes = document_attributes(message.document)
    # The system's own ids for this golden record (it may have contributed it): the connector
    # updates that record instead of creating a twin.
    attributes["_source_ids"] = list(SourceRecord.objects.filter(
        system_id=message.system_id, domain=WRITTEN_ON.get(message.domain, message.domain),
        xref__golden_id=message.golden_id, is_deleted=False).order_by("id").values_list("source_id", flat=True))
    return attributes


def messages_deliver(messages: list[OutboxMessage], connector: Connector, report: DeliveryReport) -> None:
    """Push claimed messages of one system and domain in one `push_many` call (the connector
    loops `push` unless the system takes batches), and record each message's own outcome: one
    record refused does not fail the others."""
    to_push = []
    for message in messages:
        with correlation(message.correlation_id or None):
            reason = _skip_reason(message)
            if reason:
                _finish(message, status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error=reason,
                        next_attempt_at=None)
                report.skipped.append(message.id)
                continue
        to_push.append(message)
    if not to_push:
        return
    items = [PushItem(golden_id=m.golden_id, attributes=push_attributes(m), idempotency_key=m.idempotency_key,
                      correlation_id=m.correlation_id) for m in to_push]
    try:
        outcomes: list = connector.push_many(domain=to_push[0].domain, items=items)
        if len(outcomes) != len(items):
            raise RuntimeError(f"{type(connector).__name__}.push_many answered {len(outcomes)} outcomes "
                               f"for {len(items)} items")
    except Exception as error:  # the whole call failed: every message failed with it
        outcomes = [error] * len(items)
    for message, outcome in zip(to_push, outcomes, strict=True):
        with correlation(message.correlation_id or None):
            if isinstance(outcome, ConnectorError):
                _failed(message, outcome, retryable=outcome.retryable, retry_after=outcome.retry_after,
                        report=report)
            elif isinstance(outcome, Exception):  # a bug or a network oddity: retry, then dead letter
                log.error("pushing outbox message %s to %s failed unexpectedly", message.id, message.system_id,
                          exc_info=outcome)
                _failed(message, outcome, retryable=True, retry_after=None, report=report)
            else:
                _finish(message, status=OutboxStatus.DELIVERED, delivered_at=timezone.now(), last_error="",
                        external_id=str(outcome.external_id)[:120], next_attempt_at=None)
                report.delivered.append(message.id)


def message_deliver(message: OutboxMessage, connector: Connector, report: DeliveryReport) -> None:
    """Push one claimed message and record what happened."""
    messages_deliver([message], connector, report)


def _failed(message: OutboxMessage, error: Exception, *, retryable: bool, retry_after: float | None,
            report: DeliveryReport) -> None:
    text = f"{type(error).__name__}: {error}"[:2000]
    if retryable and message.attempts < max_attempts():
        when = timezone.now() + timedelta(seconds=backoff_seconds(message.attempts, retry_after))
        _finish(message, status=OutboxStatus.PENDING, next_attempt_at=when, last_error=text)
        report.retried.append(message.id)
        log.warning("outbox message %s: attempt %d failed (%s); next at %s", message.id, message.attempts, text,
                    when.isoformat())
    else:
        _finish(message, status=OutboxStatus.DEAD, next_attempt_at=None, last_error=text)
        report.dead.append(message.id)
        log.error("outbox message %s is dead after %d attempts: %s", message.id, message.attempts, text)


_connectors: dict[str, tuple[str, Connector]] = {}


def _cached_connector(system: str) -> Connector:
    """One connector per system and worker process, rebuilt when its connection settings change:
    a delivery run every few seconds must not log in (OAuth, JSON-RPC session) every time."""
    fingerprint = json.dumps(connection_settings(system), sort_keys=True, default=str)
    held = _connectors.get(system)
    if held is None or held[0] != fingerprint:
        held = _connectors[system] = (fingerprint, connection_for(system))
    return held[1]


def _deliver_due(*, limit: int, system: str | None, connectors: dict[str, Connector]) -> DeliveryReport:
    """One round: claim up to `limit` due messages and deliver them."""
    report = DeliveryReport()
    handled = 0
    outbox_hold_release()
    outbox_statistics_refresh()
    while handled < limit:
        # Claim again after each batch: a delivered revision frees the next one of its record.
        # Small claims: a message claimed is pushed well within its lease even when calls are slow.
        want = min(CLAIM_BATCH, limit - handled)
        batch = outbox_claim(limit=want, system=system)
        if not batch:
            break
        by_system: dict[str, list[OutboxMessage]] = {}
        for message in batch:
            by_system.setdefault(message.system.name, []).append(message)
        for name, messages in by_system.items():
            try:
                connector = connectors.get(name) or connectors.setdefault(name, _cached_connector(name))
            except LookupError as error:  # no connector for this system: nothing can ever deliver it
                for message in messages:
                    _failed(message, error, retryable=False, retry_after=None, report=report)
                continue
            room = min(connector.push_batch_size, limit - handled) - len(messages)
            if len(batch) == want and room > 0:
                # A system taking batches gets a full batch: one call carries them all.
                messages += outbox_claim(limit=room, system=name)
            handled += len(messages)
            by_domain: dict[str, list[OutboxMessage]] = {}
            for message in messages:
                by_domain.setdefault(message.domain, []).append(message)
            for group in by_domain.values():
                for start in range(0, len(group), connector.push_batch_size):
                    messages_deliver(group[start:start + connector.push_batch_size], connector, report)
    return report


def _deliverable(system: str | None):
    """Pending or delivering messages of systems that can take them (a connector, a connection)."""
    load_connectors()
    query = (OutboxMessage.objects.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.DELIVERING],
                                          system__name__in=registered_systems())
             .exclude(system_id__in=_undeliverable_system_ids()))
    return query.filter(system__name=system) if system else query


def outbox_waiting(*, system: str | None = None) -> tuple[int, datetime | None]:
    """How many messages are still on their way to systems that can take them, and when the next
    one not held up by an earlier revision comes due (a back-off or a lease running out)."""
    query = _deliverable(system)
    count = query.count()
    due = query.filter(~_blocked_by_earlier()).aggregate(due=Min("next_attempt_at"))["due"] if count else None
    return count, due


def outbox_deliver(*, limit: int | None = 100, system: str | None = None,
                   connectors: dict[str, Connector] | None = None, until_empty: bool = False,
                   progress: Callable[[DeliveryReport], None] | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Claim due messages and deliver them: up to `limit` (the scheduled task: one tick's worth),
    or everything due now when `limit` is None. With `until_empty`, go on, waiting out back-offs
    and leases, until no message of a system that can take it is pending or delivering (dead
    letters wait for a replay). `progress` hears each round's report; `connectors` replaces the
    configured ones (tests)."""
    report = DeliveryReport()
    connectors = dict(connectors or {})
    while True:
        done = _deliver_due(limit=limit or ROUND, system=system, connectors=connectors)
        report.merge(done)
        if progress:
            progress(done)
        if done.handled and (limit is None or until_empty):
            continue
        if not until_empty:
            return report
        waiting, due = outbox_waiting(system=system)
        if not waiting:
            return report
        seconds = (due - timezone.now()).total_seconds() if due else MAX_WAIT
        sleep(min(MAX_WAIT, max(MIN_WAIT, seconds)))


