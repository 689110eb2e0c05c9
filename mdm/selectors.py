"""Reads: what the API and the console show. No writes here."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from mdm.canonical import REFERENCES, known_fields, standardize_record
from mdm.matchers import MatchInput, current_matcher
from mdm.models import CrossReference, GoldenRecord, golden_model


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


def golden_match_check(domain: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The golden records a candidate record would match, best first, with scores and reasons.

    Raises ValidationError (field -> messages) for unknown fields or unusable values."""
    references = {golden: target for _ref, golden, target in REFERENCES[domain]}
    allowed = known_fields(domain) | set(references)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError({name: ["unknown field"] for name in unknown})
    values, errors = standardize_record(domain, data)
    for golden_field, target in references.items():
        given = data.get(golden_field)
        if given and not golden_model(target).objects.filter(pk=given).exists():
            errors.setdefault(golden_field, []).append(f"no {target} golden record {given!r}")
        values[golden_field] = given or None
    if errors:
        raise ValidationError(errors)
    outcome = current_matcher().match(domain, [MatchInput(ref=0, system="api", source_id="", attributes=values)])[0]
    found = []
    if outcome.golden_id:
        found.append((outcome.golden_id, outcome.score, "link", outcome.rule, {}))
    for candidate in outcome.review:
        found.append((candidate.golden_id, candidate.score, "review", "model", candidate.contributions))
    model = golden_model(domain)
    records = {record.id: record for record in model.objects.filter(pk__in=[f[0] for f in found])}
    results = []
    for golden_id, score, decision, rule, contributions in found:
        record = records.get(golden_id)
        summary = {"id": golden_id, "label": str(record) if record else golden_id}
        results.append({"golden_id": golden_id, "score": round(float(score), 4), "decision": decision,
                        "rule": rule, "contributions": contributions, "record": summary})
    return results
