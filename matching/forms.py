"""What the engine sees of a hub record, worked out once.

Golden and source attributes in the engine's field names (engine_record), their standard forms and
blocking keys — remembered by value, since a load meets the same values again and again: ingestion
works them out for a new source record, indexes the golden record it created with the same values,
and meets that golden record again as a candidate — and the standard forms of candidate golden
records, remembered by the hash of their values the blocking index holds.
"""

from __future__ import annotations

from hashlib import blake2b
from typing import Any

import numpy as np

from matching.engine import SCHEMAS, blocking_keys, standardize_fields, standardize_record
from mdm.matchers import MatchInput
from mdm.models import golden_model


def engine_record(domain: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Golden or source attributes in the engine's field names."""
    record = {"id": record_id}
    for name in SCHEMAS[domain].inputs:
        record[name] = attributes.get("customer" if name == "customer_id" else name)
    return record

def standardized_record(domain: str, record_id: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """engine_record, standardized once: keys and scores of a batch then reuse it."""
    return standardize_record(SCHEMAS[domain], engine_record(domain, record_id, attributes))

# Standard forms and blocking keys by a record's engine values. Ingestion works them out for each
# new source record to match it (maybe in a reading process), then indexes the golden record it
# created, whose values are most often the same, and meets that golden record again as a match
# candidate: those later times they are found here. Both are pure functions of the values, so a
# hit is always right; the memo is bounded and simply cleared when full.
_FORMS_MEMO: dict[tuple, tuple[dict[str, Any], list[str]]] = {}

_FORMS_MEMO_SIZE = 100_000

_FIELD_NAMES = {domain: schema.inputs for domain, schema in SCHEMAS.items()}

def _values_key(domain: str, record: dict[str, Any]) -> tuple:
    # Blank and missing standardize alike (golden records store "" where a source sent nothing).
    return (domain, *[None if value == "" else value for value in map(record.get, _FIELD_NAMES[domain])])

def _remember(memo_key: tuple, standardized: dict[str, Any], keys: list[str]) -> None:
    if len(_FORMS_MEMO) >= _FORMS_MEMO_SIZE:
        _FORMS_MEMO.clear()
    _FORMS_MEMO[memo_key] = (standardized, keys)

def values_hash(domain: str, raw: dict[str, Any]) -> int:
    """64 bits of BLAKE2b over a record's engine values (as _values_key sees them), signed: stored
    with the blocking keys made from them, it names the standard forms a candidate would have."""
    return int.from_bytes(blake2b(repr(_values_key(domain, raw)).encode(), digest_size=8).digest(), "big",
                          signed=True)

# Standard forms of golden records met as candidates, by values_hash. A load against a filled hub
# meets the same candidates page after page (~30 per record; a page of customers reads half the
# golden records of a firm-sized hub): the index tells each one's values hash, and a known hash
# needs neither the record's row nor standardizing. Pure like the memo above: a hit is always
# right, whichever process wrote the index; bounded, cleared when full.
_CANDIDATE_FORMS: dict[int, dict[str, Any]] = {}

_CANDIDATE_FORMS_SIZE = 200_000

def candidate_forms(domain: str, hashes: dict[str, int]) -> dict[str, dict[str, Any]]:
    """Standard forms of candidate golden records (id -> values hash from the index): from memory
    where the hash is known, the rest read (active records only) and remembered."""
    forms, unknown = {}, []
    for golden_id, hashed in hashes.items():
        known = _CANDIDATE_FORMS.get(hashed) if hashed else None
        if known is None:
            unknown.append(golden_id)
        else:
            forms[golden_id] = {**known, "id": golden_id}
    for golden_id, raw in (golden_engine_records(domain, unknown) if unknown else {}).items():
        forms[golden_id] = standardized = record_forms(domain, raw)[0]
        if len(_CANDIDATE_FORMS) >= _CANDIDATE_FORMS_SIZE:
            _CANDIDATE_FORMS.clear()
        _CANDIDATE_FORMS[values_hash(domain, raw)] = standardized
    return forms

def record_forms(domain: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Standardized values (the id as given) and blocking keys of one record in engine field names."""
    memo_key = _values_key(domain, raw)
    found = _FORMS_MEMO.get(memo_key)
    if found is not None:
        return {**found[0], "id": raw.get("id")}, found[1]
    standardized, keys = forms_worked_out(domain, raw)
    _remember(memo_key, standardized, keys)
    return standardized, keys

def forms_worked_out(domain: str, raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    standardized = standardize_record(SCHEMAS[domain], raw)
    return standardized, blocking_keys(domain, standardized, standardized=True)

def record_keys(domain: str, raw: dict[str, Any]) -> list[str]:
    """Blocking keys of one record given in engine field names (`raw`, before standardizing)."""
    return record_forms(domain, raw)[1]

def engine_columns(domain: str, records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Standardized records as the engine's column arrays."""
    schema = SCHEMAS[domain]
    names = [schema.id_field] + [f.name for f in schema.fields]
    columns = {}
    for name in names:
        column = np.empty(len(records), dtype=object)
        column[:] = [record.get(name) for record in records]
        columns[name] = column
    return columns

def golden_forms(domain: str, golden_ids) -> dict[str, dict[str, Any]]:
    """Active golden records as standardized engine records."""
    return {golden_id: record_forms(domain, raw)[0] for golden_id, raw in golden_engine_records(domain, golden_ids).items()}

def golden_engine_records(domain: str, golden_ids) -> dict[str, dict[str, Any]]:
    """Active golden records in the engine's field names, not yet standardized."""
    model = golden_model(domain)
    rows = {}
    # Status is checked here, not in SQL: a status condition can lure the planner off the primary key.
    # Tuples, not dicts, and the engine record made in one step: a load matching against a filled
    # hub reads ~30 candidates per record. A set: Django walks a list's items one by one.
    for row in model.objects.filter(pk__any=set(golden_ids)).values_list(*GOLDEN_COLUMNS[domain], "record_status"):
        if row[-1] == "active":  # the status is last
            rows[row[0]] = engine_row(domain, row[:-1])
    return rows

def engine_row(domain: str, values) -> dict[str, Any]:
    """A golden record's GOLDEN_COLUMNS values, in that order, as an engine record (the engine's field
    names are the columns: `customer_id` holds the customer reference)."""
    return {name: value.isoformat() if hasattr(value, "isoformat") else value
            for name, value in zip(GOLDEN_COLUMNS[domain], values, strict=True)}

# The golden record columns the engine reads: its fields, a customer reference by its column.
GOLDEN_COLUMNS = {domain: ["id", *schema.inputs] for domain, schema in SCHEMAS.items()}

def prepared_forms_remembered(domain: str, records: list[MatchInput]) -> None:
    """The forms a batch's records were prepared with, remembered without matching them: a planned
    load links its records where the plan says, and the index of the golden records they make
    then asks for the same forms (a new golden record most often holds its one record's values)."""
    for record in records:
        if record.prepared is not None:
            batch_forms(domain, record)


def batch_forms(domain: str, record: MatchInput) -> tuple[dict[str, Any], list[str]]:
    """A batch record's standardized engine values and blocking keys: from its preparation, with
    the fields whose values changed since (a contract's customer reference, resolved since)
    standardized again, and its keys worked out again if any did."""
    raw = engine_record(domain, f"new:{record.ref}", record.attributes)
    if record.prepared is None:
        return record_forms(domain, raw)
    prepared_raw, standardized, keys = record.prepared
    memo_key, prepared_key = _values_key(domain, raw), _values_key(domain, prepared_raw)
    if memo_key != prepared_key:
        found = _FORMS_MEMO.get(memo_key)
        if found is not None:
            return {**found[0], "id": raw["id"]}, found[1]
        changed = [name for name, now, then in zip(_FIELD_NAMES[domain], memo_key[1:], prepared_key[1:], strict=True)
                   if now != then]
        standardized = standardize_fields(SCHEMAS[domain], standardized, raw, changed)
        if standardized is None:
            return record_forms(domain, raw)
        keys = blocking_keys(domain, standardized, standardized=True)
    _remember(memo_key, standardized, keys)
    return {**standardized, "id": raw["id"]}, keys
