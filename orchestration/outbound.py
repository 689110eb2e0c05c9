"""How a flow step writes to a system and learns whether it worked: through the hub's outbox.

A step makes sure one outbox message exists for the golden record's current revision (the same
idempotency key the hub itself uses, so a message the hub already wrote is reused, never doubled),
then reads that message's fate on each advance: delivered (with the system's id), dead (the step
fails with the system's answer), or still on its way.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from mdm.choices import OutboxStatus
from mdm.correlation import current_correlation_id
from mdm.models import GoldenRecord, OutboxMessage, SourceRecord, SourceSystem
from mdm.services.outbox import outbound_payload


@dataclass(frozen=True)
class Delivery:
    state: str  # delivered | dead | waiting
    external_id: str = ""
    error: str = ""
    message_ids: tuple[int, ...] = ()


def message_ensure(*, system: str, domain: str, golden_id: str, key: str, payload: dict,
                   operation: str = "upsert") -> OutboxMessage:
    """The outbox message with this idempotency key, written now if it is not there yet."""
    found = OutboxMessage.objects.filter(idempotency_key=key).first()
    if found is not None:
        return found
    source = SourceSystem.objects.get(name=system)
    try:
        with transaction.atomic():
            return OutboxMessage.objects.create(system=source, domain=domain, golden_id=golden_id, operation=operation,
                                                payload=payload, idempotency_key=key,
                                                correlation_id=current_correlation_id())
    except IntegrityError:  # written by someone else meanwhile: that one is ours too
        return OutboxMessage.objects.get(idempotency_key=key)


def golden_record_send(system: str, record: GoldenRecord) -> OutboxMessage:
    """The message that writes this revision of a golden record to `system` (the hub's own key)."""
    return message_ensure(system=system, domain=record.domain, golden_id=record.id,
                          key=f"{system}:{record.id}:r{record.revision}", payload=outbound_payload(record))


def delivery_of(message: OutboxMessage) -> Delivery:
    """Where a message stands, counting the later messages of the same record and system: a
    later revision carries ours along (ours may be skipped as superseded)."""
    rows = list(OutboxMessage.objects.filter(system_id=message.system_id, golden_id=message.golden_id,
                                             id__gte=message.id).order_by("id")
                .values_list("id", "status", "last_error"))
    ids = tuple(row[0] for row in rows)
    dead = [row for row in rows if row[1] == OutboxStatus.DEAD]
    if dead:
        return Delivery("dead", error=dead[0][2] or "dead letter", message_ids=ids)
    if any(row[1] != OutboxStatus.DELIVERED for row in rows):
        return Delivery("waiting", message_ids=ids)
    return Delivery("delivered", external_id=external_id_of(message.system_id, message.golden_id, message.domain),
                    message_ids=ids)


def external_id_of(system_id: int, golden_id: str, domain: str) -> str:
    """The system's own id for a golden record: from the newest delivery that answered one, else
    the system's source record that contributed the golden record."""
    answered = (OutboxMessage.objects.filter(system_id=system_id, golden_id=golden_id, status=OutboxStatus.DELIVERED)
                .exclude(external_id="").order_by("-id").values_list("external_id", flat=True).first())
    if answered:
        return answered
    return (SourceRecord.objects.filter(system_id=system_id, domain=domain, xref__golden_id=golden_id,
                                        is_deleted=False).order_by("id").values_list("source_id", flat=True).first()
            or "")


def known_to(system: str, golden_id: str, domain: str) -> bool:
    """Whether `system` has this golden record: it contributed it, or a write of it was delivered."""
    return (SourceRecord.objects.filter(system__name=system, domain=domain, xref__golden_id=golden_id,
                                        is_deleted=False).exists()
            or OutboxMessage.objects.filter(system__name=system, golden_id=golden_id,
                                            status=OutboxStatus.DELIVERED).exclude(external_id="").exists())
