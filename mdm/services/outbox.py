"""Outbound messages: golden-record changes to write back, recorded in the changing transaction.

Delivery belongs to connectors (a Celery worker claims due rows); the hub only records what must
go out. One message per (system, golden record, revision): its idempotency key, so writing the same
revision twice — a retried transaction, a re-run — adds nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from mdm.choices import GoldenStatus, OutboxStatus
from mdm.correlation import current_correlation_id
from mdm.models import GoldenRecord, OutboxMessage, SourceSystem


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def outbound_payload(record: GoldenRecord) -> dict:
    from mdm.services.golden import golden_values

    payload = {"golden_id": record.id, "domain": record.domain, "revision": record.revision,
               "record_status": record.record_status,
               "attributes": {name: _plain(value) for name, value in golden_values(record).items()}}
    if record.domain == "contract":
        payload["version"] = record.version
    return payload


def outbox_enqueue(domain: str, records: list[GoldenRecord]) -> int:
    """Write one outbound message per subscribed system for each changed golden record."""
    systems = [system for system in SourceSystem.objects.filter(is_active=True) if domain in system.sync_back_domains]
    if not systems or not records:
        return 0
    correlation_id = current_correlation_id()
    now = timezone.now()
    messages = []
    for record in records:
        if record.record_status == GoldenStatus.MERGED:
            continue  # the survivor carries the data now; its own message goes out
        payload = outbound_payload(record)
        for system in systems:
            messages.append(OutboxMessage(
                system=system, domain=domain, golden_id=record.id, payload=payload,
                operation="retire" if record.record_status == GoldenStatus.RETIRED else "upsert",
                idempotency_key=f"{system.name}:{record.id}:r{record.revision}",
                correlation_id=correlation_id, status=OutboxStatus.PENDING, next_attempt_at=now,
            ))
    OutboxMessage.objects.bulk_create(messages, batch_size=1000, ignore_conflicts=True)
    return len(messages)
