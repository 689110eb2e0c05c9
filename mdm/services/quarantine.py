"""The exception queue of records: replay a quarantined record (fixed or as it was), or discard it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mdm.canonical import known_fields, standardize_record
from mdm.choices import QuarantineStatus
from mdm.models import QuarantinedRecord
from mdm.records import IncomingRecord, IngestSummary
from mdm.services.ingest import source_records_ingest


@transaction.atomic
def quarantine_replay(*, entry_id: int, fixes: dict[str, Any] | None = None, acting_user,
                      source_id: str | None = None) -> IngestSummary:
    """Ingest a quarantined record again, with a steward's fixes to its canonical values.

    If it still cannot be used, the entry stays open with the new reasons and nothing is written."""
    entry = QuarantinedRecord.objects.select_for_update().filter(pk=entry_id).first()
    if entry is None or entry.status != QuarantineStatus.OPEN:
        raise ValidationError({"entry": ["no open quarantined record with that id"]})
    fixes = fixes or {}
    unknown = sorted(set(fixes) - known_fields(entry.domain))
    if unknown:
        raise ValidationError({name: ["unknown field"] for name in unknown})
    canonical = {**entry.canonical, **fixes}
    record = IncomingRecord(source_id=(source_id or entry.source_id).strip(), object_type=entry.object_type or entry.domain,
                            canonical=canonical, payload=entry.payload, source_updated_at=entry.source_updated_at,
                            source_version=entry.source_version)
    _values, errors = standardize_record(entry.domain, canonical)
    if not record.source_id:
        errors["source_id"] = ["a source record needs its id in the source system"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        summary = source_records_ingest(system=entry.system.name, domain=entry.domain, records=[record],
                                        acting_user=acting_user, correlation_id=entry.correlation_id or None,
                                        reason=f"replayed from quarantine #{entry.id}")
        if summary.quarantined:
            # Still unusable (e.g. an unknown reference): undo and report, keep the entry open.
            transaction.set_rollback(True)
    if summary.quarantined:
        raise ValidationError(summary.quarantined[0].errors)
    entry.status, entry.resolved_at, entry.resolved_by = QuarantineStatus.REPLAYED, timezone.now(), acting_user
    entry._change_reason = f"replayed{' with fixes' if fixes else ''}"
    entry._history_user = acting_user
    entry.save()
    return summary


@transaction.atomic
def quarantine_discard(*, entry_id: int, acting_user, reason: str) -> None:
    entry = QuarantinedRecord.objects.select_for_update().filter(pk=entry_id, status=QuarantineStatus.OPEN).first()
    if entry is None:
        raise ValidationError({"entry": ["no open quarantined record with that id"]})
    if not reason.strip():
        raise ValidationError({"reason": ["say why the record is discarded"]})
    entry.status, entry.resolved_at, entry.resolved_by = QuarantineStatus.DISCARDED, timezone.now(), acting_user
    entry._change_reason = reason
    entry._history_user = acting_user
    entry.save()


def quarantine_raise(*, system: str, domain: str, object_type: str, source_id: str, payload: dict[str, Any],
                     errors: dict[str, list[str]], reason: str) -> QuarantinedRecord:
    """Put a record another room found unusable in the exception queue (e.g. staffing: an
    allocation that runs past the day its person leaves). The same record with the same reason
    twice is one open entry."""
    from hashlib import sha1

    from mdm.models import SourceSystem

    content_hash = sha1(repr((object_type, source_id, sorted(errors.items()))).encode()).hexdigest()
    source = SourceSystem.objects.get(name=system)
    entry, _ = QuarantinedRecord.objects.get_or_create(
        system=source, content_hash=content_hash, status=QuarantineStatus.OPEN,
        defaults={"domain": domain, "object_type": object_type, "source_id": source_id, "payload": payload,
                  "errors": errors, "reason": reason})
    return entry
