"""Strict ingestion for API clients: everything valid, or a 400 and nothing written."""

from __future__ import annotations

from typing import Any

from mdm import standardize as std
from mdm.canonical import ID, TEXT, json_type_errors, json_type_problem, known_fields, standardize_record
from mdm.records import IncomingRecord, IngestSummary
from mdm.services.ingest import source_records_ingest, source_system

# The fields around a record's canonical attributes, with the JSON types each takes.
_ENVELOPE = {"source_id": ID, "object_type": TEXT, "source_updated_at": TEXT, "source_version": ID,
             "deleted": (bool,)}


class IngestRejected(Exception):
    def __init__(self, errors: dict[str, Any]):
        super().__init__("invalid records")
        self.errors = errors


def incoming_from_row(domain: str, row: dict[str, Any], default_object_type: str) -> tuple[IncomingRecord | None, dict]:
    """One API or CSV row -> IncomingRecord, or the errors that stop it."""
    errors: dict[str, list[str]] = {}
    try:
        updated_at = std.timestamp(row.get("source_updated_at"))
    except std.InvalidValue as error:
        updated_at, errors["source_updated_at"] = None, [str(error)]
    known = known_fields(domain)
    canonical = {k: v for k, v in row.items() if k in known}
    record = IncomingRecord(
        source_id=str(row.get("source_id") or "").strip(), object_type=str(row.get("object_type") or default_object_type),
        canonical=canonical, payload=row, source_updated_at=updated_at,
        source_version=str(row.get("source_version") or ""), deleted=_truthy(row.get("deleted", False)),
        problems=errors)
    return record, errors


def _envelope_type_errors(row: dict[str, Any]) -> dict[str, list[str]]:
    problems = {name: json_type_problem(allowed, row.get(name)) for name, allowed in _ENVELOPE.items()}
    return {name: [problem] for name, problem in problems.items() if problem}


def _checked_row(domain: str, row: dict[str, Any]) -> tuple[IncomingRecord, dict[str, list[str]]]:
    """One JSON record and everything wrong with it: unknown fields, JSON types (per attribute, from
    the canonical model), a missing id, an unreadable timestamp, values no standardizer can use."""
    errors = {name: ["unknown field"] for name in sorted(set(row) - known_fields(domain) - _ENVELOPE.keys())}
    errors.update(_envelope_type_errors(row))
    if "source_id" not in errors and not str(row.get("source_id") or "").strip():
        errors["source_id"] = ["required"]
    type_errors = json_type_errors(domain, row)
    errors.update(type_errors)
    record, envelope_errors = incoming_from_row(domain, row, default_object_type=domain)
    # A value of the wrong type is not standardized as well: its type is what is wrong with it.
    _values, value_errors = standardize_record(domain, {name: value for name, value in record.canonical.items()
                                                        if name not in type_errors})
    for name, messages in {**envelope_errors, **value_errors}.items():
        errors.setdefault(name, messages)
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
        record, row_errors = _checked_row(domain, row)
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
