"""Reads: what the API and the console show. No writes here."""

from __future__ import annotations

import json
from datetime import UTC
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

from mdm.canonical import REFERENCES, json_type_errors, known_fields, standardize_record
from mdm.matchers import MatchInput, current_matcher
from mdm.models import (
    Contract,
    CrossReference,
    Customer,
    GoldenRecord,
    Project,
    SourceRecord,
    SourceSystem,
    golden_model,
)


def golden_key_of(system: str, object_type: str, source_id: str) -> tuple[str, str] | None:
    """(domain, golden id) a source key is cross-referenced to, or None; the object type compared
    case-blind (`account` is Salesforce's `Account`). One indexed query in plain
    SQL: it is the lookup API's hot path, where compiling the ORM query cost more than running it."""
    sql = (f"SELECT x.domain, x.golden_id FROM {CrossReference._meta.db_table} x "
           f"JOIN {SourceRecord._meta.db_table} r ON r.id = x.source_record_id "
           f"JOIN {SourceSystem._meta.db_table} s ON s.id = r.system_id "
           "WHERE r.source_id = %s AND LOWER(r.object_type) = LOWER(%s) AND s.name = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [source_id, object_type, system])
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


def customer_relations(customer_id: str) -> dict[str, list[str]]:
    """A customer's children, contracts and projects, in one plain-SQL query (a lookup hot path)."""
    sql = (f"SELECT 'children', id FROM {Customer._meta.db_table} WHERE parent_id = %s "
           f"UNION ALL SELECT 'contracts', id FROM {Contract._meta.db_table} WHERE customer_id = %s "
           f"UNION ALL SELECT 'projects', id FROM {Project._meta.db_table} WHERE customer_id = %s")
    relations: dict[str, list[str]] = {"children": [], "contracts": [], "projects": []}
    with connection.cursor() as cursor:
        cursor.execute(sql, [customer_id] * 3)
        for kind, golden_id in cursor.fetchall():
            relations[kind].append(golden_id)
    for ids in relations.values():
        ids.sort()
    return relations


def source_rows(golden_id: str) -> list[dict[str, Any]]:
    """A golden record's contributing source records as the API shows them, in one plain-SQL
    query: the lookup API's hot path, where the ORM's three-model select_related (compiling it,
    and loading every source's full payload) cost more than the rest of the answer."""
    sql = (f"SELECT s.name, r.object_type, r.source_id, r.source_updated_at, r.received_at, r.is_deleted, "
           f"x.linked_by, x.score, x.linked_at, r.canonical FROM {CrossReference._meta.db_table} x "
           f"JOIN {SourceRecord._meta.db_table} r ON r.id = x.source_record_id "
           f"JOIN {SourceSystem._meta.db_table} s ON s.id = r.system_id "
           "WHERE x.golden_id = %s ORDER BY s.name, x.id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [golden_id])
        rows = cursor.fetchall()
    return [{"system": system, "object_type": object_type, "source_id": source_id,
             "source_updated_at": _moment(updated), "received_at": _moment(received), "is_deleted": bool(deleted),
             "linked_by": linked_by, "score": score, "linked_at": _moment(linked_at), "values": _loaded(canonical)}
            for system, object_type, source_id, updated, received, deleted, linked_by, score, linked_at, canonical
            in rows]


def _moment(value):
    """A timestamp from a plain query: PostgreSQL gives it aware; SQLite naive (UTC) or as text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    return make_aware(value, UTC) if value is not None and is_naive(value) else value


def _loaded(value):
    """A JSON column from a plain query: PostgreSQL gives it decoded; SQLite as text."""
    return json.loads(value) if isinstance(value, str) else value


def sources_of(golden_id: str):
    """The cross-references of a golden record, with their source records and systems."""
    return (CrossReference.objects.filter(golden_id=golden_id)
            .select_related("source_record__system").order_by("source_record__system__name", "id"))


def golden_history(record: GoldenRecord) -> list[dict[str, Any]]:
    """Every historical version of a golden record, newest first, each with what changed."""
    rows = list(record.history.select_related("history_user").order_by("history_date", "history_id"))
    entries = []
    previous = None
    for row in rows:
        changes = []
        if previous is not None:
            delta = row.diff_against(previous, excluded_fields=["updated_at", "correlation_id"])
            changes = [{"field": change.field, "old": _plain(change.old), "new": _plain(change.new)}
                       for change in delta.changes if change.field != "lineage"]
        entries.append({"history_id": row.history_id, "history_date": row.history_date,
                        "history_type": {"+": "created", "~": "changed", "-": "deleted"}[row.history_type],
                        "history_user": row.history_user.get_username() if row.history_user else None,
                        "history_change_reason": row.history_change_reason, "changes": changes})
        previous = row
    return list(reversed(entries))


def _plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None), dict, list)) else str(value)


def golden_match_check(domain: str, data: dict[str, Any], *, among: QuerySet | None = None) -> list[dict[str, Any]]:
    """The golden records a candidate record would match, best first, with scores and reasons;
    only those in `among` (the golden records the caller may see) when given.

    Raises ValidationError (field -> messages) for unknown fields or unusable values."""
    references = {golden: target for _ref, golden, target in REFERENCES[domain]}
    allowed = known_fields(domain) | set(references)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: ["unknown field"] for name in unknown})
    type_errors = json_type_errors(domain, data)
    type_errors.update({name: ["expected a golden id (a string)"] for name in references
                        if data.get(name) is not None and not isinstance(data[name], str)})
    values, errors = standardize_record(domain, {k: v for k, v in data.items() if k not in type_errors})
    errors.update(type_errors)
    for golden_field, target in references.items():
        given = data.get(golden_field)
        if golden_field in type_errors:
            continue
        if given and not golden_model(target).objects.filter(pk=given).exists():
            errors.setdefault(golden_field, []).append(f"no {target} golden record {given!r}")
        values[golden_field] = given or None
    if errors:
        raise ValidationError(errors)
    outcome = current_matcher().match(domain, [MatchInput(ref=0, system="api", source_id="", attributes=values)])[0]
    found = []
    if outcome.golden_id:
        found.append((outcome.golden_id, outcome.score, "link", outcome.rule, outcome.evidence))
    for candidate in outcome.review:
        found.append((candidate.golden_id, candidate.score, "review", "model", candidate.evidence))
    pool = golden_model(domain).objects.all() if among is None else among
    records = {record.id: record for record in pool.filter(pk__in=[f[0] for f in found])}
    results = []
    for golden_id, score, decision, rule, evidence in found:
        record = records.get(golden_id)
        if record is None and among is not None:
            continue
        summary = {"id": golden_id, "label": str(record) if record else golden_id}
        results.append({"golden_id": golden_id, "score": round(float(score), 4), "decision": decision,
                        "rule": rule, "contributions": {name: e["weight"] for name, e in evidence.items()},
                        "levels": {name: e["level"] for name, e in evidence.items()}, "record": summary})
    return results
