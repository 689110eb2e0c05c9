"""Strict ingestion for API clients: everything valid, or a 400 and nothing written."""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from mdm.canonical import known_fields, standardize_record
from mdm.records import IncomingRecord, IngestSummary
from mdm.services.ingest import source_records_ingest, source_system

_ENVELOPE = {"source_id", "object_type", "source_updated_at", "source_version", "deleted"}


class IngestRejected(Exception):
    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid records")
        self.errors = errors


def incoming_from_row(domain: str, row: dict[str, Any], default_object_type: str) -> tuple[IncomingRecord | None, dict]:
    """One API or CSV row -> IncomingRecord, or the errors that stop it."""
    errors: dict[str, list[str]] = {}
    updated_at = None
    raw_updated = row.get("source_updated_at")
    if raw_updated not in (None, ""):
        updated_at = parse_datetime(str(raw_updated))
        if updated_at is None:
            errors["source_updated_at"] = [f"{raw_updated!r} is not an ISO 8601 datetime"]
        elif is_naive(updated_at):
            updated_at = make_aware(updated_at)
    known = known_fields(domain)
    canonical = {k: v for k, v in row.items() if k in known}
    record = IncomingRecord(
        source_id=str(row.get("source_id") or "").strip(), object_type=str(row.get("object_type") or default_object_type),
        canonical=canonical, payload=row, source_updated_at=updated_at,
        source_version=str(row.get("source_version") or ""), deleted=_truthy(row.get("deleted", False)),
        problems=errors)
    return record, errors


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes"}
    return bool(value)


def source_records_ingest_strict(*, system: str, domain: str, rows: list[dict[str, Any]], acting_user=None,
                                 correlation_id: str | None = None) -> IngestSummary:
    try:
        source_system(system)
    except LookupError as error:
        raise IngestRejected({"system": [str(error)]}) from None
    errors: dict[str, Any] = {}
    records = []
    for index, row in enumerate(rows):
        row_errors: dict[str, list[str]] = {}
        for name in sorted(set(row) - known_fields(domain) - _ENVELOPE):
            row_errors[name] = ["unknown field"]
        if not str(row.get("source_id") or "").strip():
            row_errors["source_id"] = ["required"]
        record, envelope_errors = incoming_from_row(domain, row, default_object_type=domain)
        row_errors.update(envelope_errors)
        _values, value_errors = standardize_record(domain, record.canonical)
        row_errors.update(value_errors)
        if row_errors:
            errors[str(index)] = row_errors
        records.append(record)
    if not errors:
        errors = _unknown_references(system, domain, records)
    if errors:
        raise IngestRejected({"records": errors})
    summary = source_records_ingest(system=system, domain=domain, records=records, acting_user=acting_user,
                                    correlation_id=correlation_id, reason=f"API push by {acting_user}")
    return summary


def _unknown_references(system: str, domain: str, records: list[IncomingRecord]) -> dict[str, Any]:
    """Errors for references to source ids this system never sent (checked before writing)."""
    from mdm.canonical import REFERENCES
    from mdm.services.golden import reference_targets

    source = source_system(system)
    in_batch = {record.source_id for record in records}
    wanted = {(source.id, target, str(record.canonical[ref])) for record in records
              for ref, _golden, target in REFERENCES[domain] if record.canonical.get(ref)}
    known = reference_targets(wanted) if wanted else {}
    errors: dict[str, Any] = {}
    for index, record in enumerate(records):
        for ref, _golden, target in REFERENCES[domain]:
            value = str(record.canonical.get(ref) or "")
            if value and (source.id, target, value) not in known and not (target == domain and value in in_batch):
                errors.setdefault(str(index), {})[ref] = [f"no {target} with source id {value!r} is known from {system}"]
    return errors
