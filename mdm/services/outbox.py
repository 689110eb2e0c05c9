"""Outbound messages: golden-record changes to write back, recorded in the changing transaction.

Delivery belongs to connectors (a Celery worker claims due rows); the hub only records what must
go out. One message per (system, golden record, revision): its idempotency key, so writing the same
revision twice — a retried transaction, a re-run — adds nothing.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import F
from django.utils import timezone

from mdm.bulk import column_converter, insert_rows
from mdm.choices import GoldenStatus, OutboxStatus
from mdm.correlation import current_correlation_id
from mdm.models import GoldenRecord, OutboxMessage, OutboxPayload, SourceSystem, golden_model
from mdm.planner_statistics import statistics_refresh
from mdm.read_ahead import read_once


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


@read_once
def sync_back_systems(domain: str) -> list[SourceSystem]:
    """The active systems golden records of `domain` are written back to."""
    return [system for system in SourceSystem.objects.filter(is_active=True) if domain in system.sync_back_domains]


def outbox_enqueue(domain: str, records: list[GoldenRecord], values: dict[str, dict] | None = None,
                   created: Collection[str] = ()) -> int:
    """Write one outbound message per subscribed system for each changed golden record
    (`values`: golden_values by golden id, when the caller has them; `created`: those of the
    records this transaction created)."""
    systems = sync_back_systems(domain)
    if not systems or not records:
        return 0
    correlation_id = current_correlation_id()
    now = timezone.now()
    # Plain rows rather than model instances: the initial load writes one per system and record.
    columns = ["system_id", "domain", "golden_id", "operation", "payload", "shared_id", "idempotency_key",
               "correlation_id", "status", "attempts", "replays", "next_attempt_at", "last_error", "external_id",
               "created_at"]
    convert = {name: column_converter(OutboxMessage, name) for name in ("payload", "next_attempt_at", "created_at")}
    stamp, empty = convert["created_at"](now), convert["payload"]({})
    rows, first_rows, documents, first_documents = [], [], [], []
    created = set(created)
    for record in records:
        if record.record_status == GoldenStatus.MERGED:
            continue  # the survivor carries the data now; its own message goes out
        operation = "retire" if record.record_status == GoldenStatus.RETIRED else "upsert"
        revision = f"{record.id}:r{record.revision}"
        new = record.pk in created
        # One document per golden revision, shared by its messages to each system.
        (first_documents if new else documents).append(
            [revision, convert["payload"](outbound_payload(record, (values or {}).get(record.pk)))])
        for system in systems:
            (first_rows if new else rows).append([system.id, domain, record.id, operation, empty, revision, f"{system.name}:{revision}",
                         correlation_id, OutboxStatus.PENDING, 0, 0, stamp, "", "", stamp])
    # A golden record created in this transaction has no message yet: its rows go straight in. A
    # changed one's revision may have been written already (a re-run): its key is then skipped.
    insert_rows(OutboxPayload._meta.db_table, ["revision", "payload"], first_documents)
    insert_rows(OutboxPayload._meta.db_table, ["revision", "payload"], documents, on_conflict_ignore=True)
    insert_rows(OutboxMessage._meta.db_table, columns, first_rows)
    insert_rows(OutboxMessage._meta.db_table, columns, rows, on_conflict_ignore=True)
    return len(rows) + len(first_rows)


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
    the whole backlog (minutes per claim at 60,000 messages, 0.1 s once analyzed). Delivery calls
    this before claiming: one catalog read, and an ANALYZE only when a fifth of the table changed."""
    return bool(statistics_refresh([OutboxMessage], fraction=0.2))
