"""Recomputing golden records from their contributors, with lineage, history and outbox rows.

`golden_records_recompute` is the one place survivorship is applied: ingestion, merge, unmerge
and steward overrides all end here, so every change writes history and outbound messages alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mdm.bulk import insert_history, insert_objects, update_objects
from mdm.canonical import ATTRIBUTES, CONTRACT_MATERIAL_ATTRIBUTES, REFERENCES, attribute_names
from mdm.choices import GoldenStatus, OverrideMode
from mdm.correlation import current_correlation_id
from mdm.lineage import lineage_pack, lineage_pack_one_source, lineage_repack, lineage_unpack
from mdm.matchers import current_matcher
from mdm.models import AttributeOverride, CrossReference, GoldenRecord, SourceRecord, golden_model
from mdm.policy import rules_for
from mdm.services.outbox import outbox_enqueue
from mdm.signals import golden_records_changed
from mdm.survivorship import Candidate, Contributor, Override, decide, decide_attributes, fingerprint, override_alive

_DATE_FIELDS = {"start_date", "end_date"}
_DECIMAL_FIELDS = {"total_value", "budget", "cost_rate", "bill_rate", "capacity_hours"}
_REFERENCE_FIELDS = {"customer", "contract", "parent"}


def golden_values(record: GoldenRecord) -> dict[str, Any]:
    """A golden record's canonical attributes as plain JSON values."""
    return {name: _plain(getattr(record, column)) for name, column in _attribute_columns(record.domain)}


def golden_values_read(domain: str, golden_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """golden_values of the active records among `golden_ids`, by id, reading only the attribute
    columns: a model instance also parses its lineage document, which a quality check of a page
    of projects (each reading its contract) spent a third of the page's time on."""
    columns = _attribute_columns(domain)
    rows = (golden_model(domain).objects.filter(pk__any=set(golden_ids))
            .values_list("pk", "record_status", *(column for _name, column in columns)))
    return {row[0]: {name: _plain(value) for (name, _column), value in zip(columns, row[2:], strict=True)}
            for row in rows if row[1] == GoldenStatus.ACTIVE}


def _attribute_columns(domain: str) -> list[tuple[str, str]]:
    """(attribute, the model attribute holding it): a reference is held by its id (`customer_id`)."""
    return [(name, f"{name}_id" if name in _REFERENCE_FIELDS else name) for name in attribute_names(domain)]


def _plain(value: Any) -> Any:
    """One attribute value as plain JSON: dates as ISO text, amounts as decimal text, blank as None."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))
    return None if value == "" else value


def _assign(record: GoldenRecord, name: str, value: Any) -> None:
    if name in _REFERENCE_FIELDS:
        setattr(record, f"{name}_id", value)
    elif name in _DATE_FIELDS:
        setattr(record, name, date.fromisoformat(value) if value else None)
    elif name in _DECIMAL_FIELDS:
        setattr(record, name, Decimal(value) if value not in (None, "") else None)
    else:
        setattr(record, name, "" if value is None else value)


@dataclass
class RecomputeResult:
    created: list[str]
    changed: list[str]


def _completeness(canonical: dict[str, Any], domain: str) -> int:
    return sum(1 for attribute in ATTRIBUTES[domain] if canonical.get(attribute.name) not in (None, ""))


def reference_targets(pairs: set[tuple[int, str, str]]) -> dict[tuple[int, str, str], str]:
    """(system id, domain, source id) -> golden id, for references given as source ids."""
    found: dict[tuple[int, str, str], str] = {}
    by_group: dict[tuple[int, str], list[str]] = defaultdict(list)
    for system_id, domain, source_id in pairs:
        by_group[(system_id, domain)].append(source_id)
    for (system_id, domain), source_ids in by_group.items():
        rows = CrossReference.objects.filter(
            source_record__system_id=system_id, source_record__domain=domain,
            source_record__source_id__any=source_ids,
        ).values_list("source_record__source_id", "golden_id")
        for source_id, golden_id in rows:
            found[(system_id, domain, source_id)] = golden_id
    return found


def with_references(domain: str, system_id: int, values: dict[str, Any],
                    targets: dict[tuple[int, str, str], str]) -> dict[str, Any]:
    """Canonical values plus their references (customer_source_id …) resolved to golden ids
    (customer …), as `targets` (reference_targets) maps them; an unresolved one is None."""
    resolved = dict(values)
    for ref, golden, target_domain in REFERENCES[domain]:
        resolved[golden] = targets.get((system_id, target_domain, values.get(ref) or ""))
    return resolved


def golden_records_recompute(domain: str, golden_ids: list[str], *, new_records: dict[str, GoldenRecord] | None = None,
                             new_contributors: dict[str, list[dict[str, Any]]] | None = None,
                             known_references: dict[tuple[int, str, str], str] | None = None,
                             acting_user=None, reason: str = "", now: datetime | None = None,
                             force: bool = False) -> RecomputeResult:
    """Apply survivorship to the given golden records from all their live contributors.

    `new_records` are unsaved golden records (made by ingestion) to be created with history;
    `new_contributors` their contributors, when the caller holds them all (shaped as the rows
    read below), and `known_references` references it resolved already (reference_targets).
    `force` writes a new revision even when no value changed (a merge: history must show it).
    Golden records left without contributors are retired; their ids stay valid.
    """
    model = golden_model(domain)
    new_records = new_records or {}
    new_contributors = new_contributors or {}
    now = now or timezone.now()
    ids = list(dict.fromkeys(golden_ids))
    existing = {record.id: record for record in _locked_fetch(model, [i for i in ids if i not in new_records])}
    default_rule, attribute_rules = rules_for(domain)
    domain_rules = {name: attribute_rules.get(name, default_rule) for name in attribute_names(domain)}
    now_iso = now.isoformat()

    # Contributors of every record, in one query per chunk (those of new records, when given, are not read).
    contributors: dict[str, list[dict[str, Any]]] = defaultdict(list)
    unread = [i for i in ids if not (i in new_records and i in new_contributors)]
    contributors.update({i: new_contributors[i] for i in ids if i not in unread})
    if unread:
        rows = (SourceRecord.objects.filter(xref__golden_id__any=unread, is_deleted=False)
                .values("id", "system_id", "system__name", "source_id", "canonical", "source_updated_at",
                        "xref__golden_id"))
        for row in rows:
            contributors[row["xref__golden_id"]].append(row)
    references = REFERENCES[domain]
    wanted_refs = {(row["system_id"], target_domain, row["canonical"][ref])
                   for rows in contributors.values() for row in rows
                   for ref, _golden, target_domain in references if row["canonical"].get(ref)}
    known_references = known_references or {}
    ref_targets = {key: known_references[key] for key in wanted_refs if key in known_references}
    if unresolved := wanted_refs - ref_targets.keys():
        ref_targets.update(reference_targets(unresolved))

    # A golden record created in this transaction has no override yet.
    overrides: dict[str, dict[str, AttributeOverride]] = defaultdict(dict)
    held = [i for i in ids if i not in new_records]
    for override in AttributeOverride.objects.filter(golden_id__any=held, is_active=True) if held else ():
        overrides[override.golden_id][override.attribute] = override

    created, changed, to_create, to_update = [], [], [], []
    update_fields: set[str] = set()
    for golden_id in ids:
        record = new_records.get(golden_id) or existing.get(golden_id)
        if record is None:
            continue
        rows = contributors.get(golden_id, [])
        before = golden_values(record) if golden_id not in new_records else {}
        # Per contributor, once: its timestamp, completeness and resolved references.
        prepared = []
        for row in rows:
            canonical = with_references(domain, row["system_id"], row["canonical"], ref_targets)
            updated_at = row["source_updated_at"].isoformat() if row["source_updated_at"] else None
            prepared.append((row, canonical, updated_at, _completeness(canonical, domain)))
        previous = None if golden_id in new_records else record.lineage
        lineage_same = False
        if len(prepared) == 1 and golden_id in new_records and not overrides[golden_id]:
            # A new golden record with one contributor and no override (most of an initial load):
            # every rule picks that contributor's value, so the decisions are written down directly.
            row, canonical, updated_at, _ = prepared[0]
            decided = {name: (rule.kind, None if canonical.get(name) in (None, "") else canonical[name])
                       for name, rule in domain_rules.items()}
            values = {name: value for name, (_rule, value) in decided.items()}
            packed = lineage_pack_one_source(decided, row["id"], [row["system__name"], row["source_id"], updated_at],
                                             now_iso)
        elif not overrides[golden_id] and (not previous or "attributes" in previous):
            # Decided by rule alone (no steward override; lineage packed or none yet): each rule
            # ranks the contributors once, and the stored lineage is compared packed.
            weighed = [Contributor(canonical, row["system__name"], row["id"], updated_at, completeness)
                       for row, canonical, updated_at, completeness in prepared]
            winners = decide_attributes(weighed, domain_rules)
            values, decided = {}, {}
            for name, index in winners.items():
                winner = None if index is None else weighed[index]
                values[name] = None if winner is None else winner.values[name]
                decided[name] = (domain_rules[name].kind, None if winner is None else winner.source_record_id,
                                 values[name])
            said = {row["id"]: [row["system__name"], row["source_id"], updated_at]
                    for row, _canonical, updated_at, _completeness in prepared}
            packed, lineage_same = lineage_repack(decided, said, previous, now_iso)
        else:
            values, lineage = {}, {}
            lineage_before = lineage_unpack(previous)
            for name, rule in domain_rules.items():
                candidates = [Candidate(canonical.get(name), row["system__name"], row["id"], updated_at, completeness)
                              for row, canonical, updated_at, completeness in prepared]
                override = _live_override(overrides[golden_id].get(name), candidates, now)
                decision = decide(candidates, rule, override, now)
                values[name] = decision.value
                source_id = next((row["source_id"] for row in rows if row["id"] == decision.source_record_id), None)
                entry = {"value": decision.value, "rule": decision.rule, "system": decision.system,
                         "source_record_id": decision.source_record_id, "source_id": source_id,
                         "source_updated_at": decision.source_updated_at, **decision.details}
                previous_entry = lineage_before.get(name, {})
                same = {k: v for k, v in previous_entry.items() if k != "decided_at"} == entry
                entry["decided_at"] = previous_entry.get("decided_at") if same and previous_entry else now_iso
                lineage[name] = entry
            lineage_same = lineage == lineage_before
            packed = lineage_pack(lineage, now_iso)
        if not rows and golden_id not in new_records:
            # No contributor left: keep the record (its id stays valid) but mark it retired.
            if record.record_status == GoldenStatus.ACTIVE:
                record.record_status = GoldenStatus.RETIRED
                record.revision += 1
                record._change_reason = reason or "no contributing source records left"
                to_update.append(record)
                update_fields |= {"record_status", "revision"}
                changed.append(golden_id)
            continue
        if values == before and lineage_same and golden_id not in new_records and not force:
            continue
        for name, value in values.items():
            _assign(record, name, value)
        record.lineage = packed
        record.correlation_id = current_correlation_id()
        if record.record_status == GoldenStatus.RETIRED and rows:
            record.record_status = GoldenStatus.ACTIVE
        if golden_id in new_records:
            to_create.append(record)
            created.append(golden_id)
        else:
            record.revision += 1
            if domain == "contract" and any(before.get(n) != values.get(n) for n in CONTRACT_MATERIAL_ATTRIBUTES):
                record.version += 1
            to_update.append(record)
            update_fields |= {*_field_names(domain), "lineage", "revision",
                              "correlation_id", "record_status", "updated_at"}
            if domain == "contract":
                update_fields.add("version")
            changed.append(golden_id)
        record.updated_at = now

    history_reason = reason or "survivorship"
    if to_create:
        insert_objects(to_create)
        insert_history(model, to_create, user=acting_user, reason=history_reason, when=now)
    if to_update:
        update_objects(to_update, sorted(update_fields), model=model)
        insert_history(model, to_update, user=acting_user, reason=history_reason, when=now, history_type="~")
    touched = created + changed
    if touched:
        records = [*to_create, *to_update]
        plain = {record.pk: golden_values(record) for record in records}  # outbox and receivers share them
        outbox_enqueue(domain, records, values=plain, created=created)
        current_matcher().golden_changed(domain, touched, created=created, records=records)
        golden_records_changed.send(sender=model, domain=domain, created=created, changed=changed,
                                    records=records, values=plain)
    return RecomputeResult(created=created, changed=changed)


def _live_override(row: AttributeOverride | None, candidates: list[Candidate], now: datetime) -> Override | None:
    """The override to apply, if any. An override that has run its course is ended here, for
    good: a source changing back later must not revive it."""
    if row is None:
        return None
    if row.mode == OverrideMode.UNTIL_SOURCE_CHANGE and not row.source_fingerprint:
        row.source_fingerprint = fingerprint(candidates)  # what the sources said when the steward stepped in
        row.save(update_fields=["source_fingerprint"])
    override = Override(row.value, row.mode, row.until, row.source_fingerprint, row.id)
    if override_alive(override, candidates, now):
        return override
    row.is_active = False
    row._change_reason = "expired" if row.mode == OverrideMode.UNTIL_DATE else "a source changed"
    row.save()
    return None


def _field_names(domain: str) -> list[str]:
    return attribute_names(domain)


def _locked_fetch(model, ids: list[str]):
    """The golden records, row-locked in id order until the transaction ends (PostgreSQL).

    Two workers recomputing the same golden record (a CRM page and an ERP page describing the same
    firm) must not both read it, each miss the other's new contributor, and write over each other;
    locking in one global order also means they queue rather than deadlock. The lock is FOR NO KEY
    UPDATE, as an UPDATE of these columns takes anyway: it still queues the other recomputation but
    not another writer's foreign-key checks (its new records naming one of these as parent or
    customer), which FOR UPDATE blocked until this transaction ended — two connector loads stalled
    on each other that way and now and then deadlocked."""
    if not ids:
        return []
    query = model.objects.filter(pk__any=ids).order_by("pk")
    if transaction.get_connection().in_atomic_block:
        query = query.select_for_update(no_key=True)
    return query




def golden_records_recompute_all(domain: str, *, acting_user=None, reason: str = "survivorship rules changed",
                                 batch_size: int = 2000) -> int:
    """Re-apply survivorship to every active golden record of a domain (after a rule change)."""
    from django.db import transaction

    model = golden_model(domain)
    ids = list(model.objects.filter(record_status=GoldenStatus.ACTIVE).order_by("pk").values_list("pk", flat=True))
    changed = 0
    for start in range(0, len(ids), batch_size):
        with transaction.atomic():
            result = golden_records_recompute(domain, ids[start:start + batch_size], acting_user=acting_user,
                                              reason=reason)
        changed += len(result.changed)
    return changed
