"""The exception queue of records: records that could not be used go in with their reasons
(`records_quarantine` from ingestion, `rejects_quarantine` for what a connector could not even
read as a record, both through one builder); a steward replays one (fixed or as it was) or
discards it."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from mdm.canonical import known_fields, standardize_record
from mdm.choices import QuarantineStatus
from mdm.models import QuarantinedRecord, SourceSystem
from mdm.records import IncomingRecord, IngestSummary, Rejection

# A module import: ingestion quarantines through this module, which replays through ingestion.
from mdm.services import ingest


def quarantine_entry(*, system: SourceSystem, domain: str, object_type: Any, source_id: Any, payload: Any,
                     canonical: Any, errors: dict[str, list[str]], reason: str, content_hash: str,
                     correlation_id: str, source_updated_at: datetime | None = None,
                     source_version: Any = "") -> QuarantinedRecord:
    """One entry of the exception queue (unsaved), its values cut to what the columns hold and
    made plain JSON: whatever came in, the entry can be written and shown."""
    return QuarantinedRecord(
        system=system, domain=domain, object_type=str(object_type or "")[:60], source_id=str(source_id or "")[:120],
        payload=_jsonable(payload), canonical=_jsonable(canonical), source_updated_at=source_updated_at,
        source_version=str(source_version or "")[:80], errors=errors, reason=reason, content_hash=content_hash,
        correlation_id=correlation_id)


def quarantine_entries_write(entries: list[QuarantinedRecord]) -> int:
    """Write entries; one already held (the same delivery again) is skipped."""
    QuarantinedRecord.objects.bulk_create(entries, batch_size=500, ignore_conflicts=True)
    return len(entries)


def rejection_of(record: IncomingRecord, errors: dict[str, list[str]]) -> Rejection:
    return Rejection(str(record.source_id or ""), str(record.object_type or ""), errors)


def records_quarantine(system: SourceSystem, domain: str, rejected: list[tuple[IncomingRecord, dict[str, list[str]]]],
                       correlation_id: str) -> int:
    """Quarantine records ingestion could not use, each with its errors."""
    return quarantine_entries_write([
        quarantine_entry(system=system, domain=domain, object_type=record.object_type, source_id=record.source_id,
                         payload=record.payload, canonical=record.canonical, errors=errors,
                         reason=rejection_of(record, errors).reason, content_hash=_record_hash(record),
                         correlation_id=correlation_id, source_updated_at=record.source_updated_at,
                         source_version=record.source_version)
        for record, errors in rejected])


def rejects_quarantine(*, system: SourceSystem, domain: str, object_type: str,
                       rejects: list[tuple[dict[str, Any], str]], correlation_id: str) -> int:
    """Quarantine entries a connector could not even read as records, with the connector's reason."""
    entries = []
    for raw, reason in rejects:
        payload = _jsonable(raw if isinstance(raw, dict) else {"value": raw})
        digest = hashlib.sha1(json.dumps({"type": object_type, "payload": payload}, sort_keys=True).encode()).hexdigest()
        source_id = payload.get("Id") or payload.get("id") or payload.get("internalId") or ""
        entries.append(quarantine_entry(system=system, domain=domain, object_type=object_type, source_id=source_id,
                                        payload=payload, canonical={}, errors={"record": [reason]}, reason=reason,
                                        content_hash=digest, correlation_id=correlation_id))
    return quarantine_entries_write(entries)


def _record_hash(record: IncomingRecord) -> str:
    material = {"id": str(record.source_id), "type": str(record.object_type), "payload": record.payload,
                "canonical": record.canonical, "updated_at": str(record.source_updated_at)}
    return hashlib.sha1(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str)) if value is not None else {}


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
        summary = ingest.source_records_ingest(system=entry.system.name, domain=entry.domain, records=[record],
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
