"""Outbound messages: golden-record changes to write back, recorded in the changing transaction.

Delivery belongs to connectors (a Celery worker claims due rows); the hub only records what must
go out. One message per (system, golden record, revision): its idempotency key, so writing the same
revision twice — a retried transaction, a re-run — adds nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from django.db.models import F
from django.utils import timezone

from mdm.choices import GoldenStatus, OutboxStatus
from mdm.configuration import sync_back_systems_read
from mdm.correlation import current_correlation_id
from mdm.db.planner_statistics import statistics_refresh
from mdm.db.writers import outbox_messages_write, outbox_payloads_write
from mdm.models import GoldenRecord, OutboxMessage, OutboxPayload, SourceSystem, golden_model


def outbound_payload(record: GoldenRecord, values: dict | None = None) -> dict:
    """What goes out for a golden record; `values`: its golden_values, when already at hand."""
    from mdm.services.golden import golden_values

    # golden_values are plain JSON values already (dates as ISO text, amounts as decimal text).
    attributes = golden_values(record) if values is None else values
    payload = {"golden_id": record.id, "domain": record.domain, "revision": record.revision,
               "record_status": record.record_status, "attributes": attributes}
    if record.domain == "contract":
        payload["version"] = record.version
    return payload


def outbox_enqueue(domain: str, records: list[GoldenRecord], values: dict[str, dict] | None = None,
                   created: Collection[str] = (), systems: Sequence[SourceSystem] | None = None) -> int:
    """Write one outbound message per subscribed system for each changed golden record
    (`values`: golden_values by golden id, when the caller has them; `created`: those of the
    records this transaction created; `systems`: the batch's sync-back systems, when it read them)."""
    systems = sync_back_systems_read(domain) if systems is None else systems
    if not systems or not records:
        return 0
    base = {"domain": domain, "payload": {}, "correlation_id": current_correlation_id(),
            "status": OutboxStatus.PENDING, "next_attempt_at": timezone.now()}
    messages, first_messages, documents, first_documents = [], [], [], []
    created = set(created)
    for record in records:
        if record.record_status == GoldenStatus.MERGED:
            continue  # the survivor carries the data now; its own message goes out
        operation = "retire" if record.record_status == GoldenStatus.RETIRED else "upsert"
        revision = f"{record.id}:r{record.revision}"
        new = record.pk in created
        # One document per golden revision, shared by its messages to each system.
        (first_documents if new else documents).append(
            {"revision": revision, "payload": outbound_payload(record, (values or {}).get(record.pk))})
        (first_messages if new else messages).extend(
            {**base, "system_id": system.id, "golden_id": record.id, "operation": operation,
             "shared_id": revision, "idempotency_key": f"{system.name}:{revision}", "created_at": base["next_attempt_at"]}
            for system in systems)
    # A golden record created in this transaction has no message yet: its rows go straight in. A
    # changed one's revision may have been written already (a re-run): its key is then skipped.
    outbox_payloads_write(first_documents)
    outbox_payloads_write(documents, skip_existing=True)
    outbox_messages_write(first_messages)
    outbox_messages_write(messages, skip_existing=True)
    return len(messages) + len(first_messages)


# The operation of a message that writes a golden record's current revision again because the
# system was found not to hold it (reconciliation): sent even when it equals the last write.
RESEND = "resend"


def outbox_resend(*, system: SourceSystem, domain: str, golden_ids: Collection[str], tag: str) -> int:
    """Write one message per golden record (of those not merged) to send its current revision to
    `system` again; `tag` makes the keys unique per occasion (a reconciliation run), so running
    it twice with one tag adds nothing. Returns how many messages were written."""
    records = list(golden_model(domain).objects.filter(pk__in=list(golden_ids))
                   .exclude(record_status=GoldenStatus.MERGED))
    if not records:
        return 0
    revisions = {f"{record.id}:r{record.revision}": record for record in records}
    shared = set(OutboxPayload.objects.filter(revision__in=list(revisions)).values_list("revision", flat=True))
    correlation_id = current_correlation_id()
    written = 0
    for revision, record in revisions.items():
        _message, created = OutboxMessage.objects.get_or_create(
            idempotency_key=f"{system.name}:{revision}:{tag}"[:120],
            defaults={"system": system, "domain": domain, "golden_id": record.id, "operation": RESEND,
                      "shared_id": revision if revision in shared else None,
                      "payload": {} if revision in shared else outbound_payload(record),
                      "correlation_id": correlation_id, "next_attempt_at": timezone.now()})
        written += created
    return written


def outbox_replay(*, system: str | None = None, ids: list[int] | None = None, all_dead: bool = False) -> int:
    """Put dead messages back to pending, attempts reset, to be delivered again. Returns how many."""
    if not ids and not all_dead:
        raise ValueError("name the messages to replay (ids) or ask for all dead ones")
    query = OutboxMessage.objects.filter(status=OutboxStatus.DEAD)
    if ids:
        query = query.filter(pk__in=ids)
    if system:
        query = query.filter(system__name=system)
    # last_error stays: it says why the message died until the next attempt says otherwise.
    return query.update(status=OutboxStatus.PENDING, attempts=0, replays=F("replays") + 1,
                        next_attempt_at=timezone.now())


def outbox_statistics_refresh() -> bool:
    """ANALYZE the outbox on PostgreSQL when its planner statistics are missing or stale.

    An initial load writes tens of thousands of messages in minutes; until autovacuum gets to the
    table the planner believes it nearly empty and picks nested loops that make every claim scan
    the whole backlog until the table is analyzed. Delivery calls
    this before claiming: one catalog read, and an ANALYZE only when a fifth of the table changed."""
    return bool(statistics_refresh([OutboxMessage], fraction=0.2))
