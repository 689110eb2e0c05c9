"""Recomputing golden records from their contributors, with lineage, history and outbox rows.

`golden_records_recompute` is the one place survivorship is applied: ingestion, merge, unmerge
and steward overrides all end here, so every change writes history and outbound messages alike.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from mdm.canonical import ATTRIBUTES, CONTRACT_MATERIAL_ATTRIBUTES, REFERENCES, attribute_names
from mdm.choices import GoldenStatus, OverrideMode
from mdm.configuration import BatchConfiguration, hub_configuration_read
from mdm.correlation import current_correlation_id
from mdm.db.writers import golden_records_update, golden_records_write
from mdm.matchers import current_matcher
from mdm.models import AttributeOverride, CrossReference, GoldenRecord, SourceRecord, golden_model
from mdm.services.outbox import outbox_enqueue
from mdm.signals import golden_records_changed
from mdm.survivorship import Candidate, Override, Rule, Source, candidates_of, fingerprint, override_alive, survive

_DATE_FIELDS = {"start_date", "end_date"}
_DECIMAL_FIELDS = {"total_value", "budget", "cost_rate", "bill_rate", "capacity_hours"}
_REFERENCE_FIELDS = {"customer", "contract", "parent"}


def golden_values(record: GoldenRecord) -> dict[str, Any]:
    """A golden record's canonical attributes as plain JSON values."""
    return {name: _plain(getattr(record, column)) for name, column in _attribute_columns(record.domain)}


def golden_values_read(domain: str, golden_ids: Collection[str]) -> dict[str, dict[str, Any]]:
    """golden_values of the active records among `golden_ids`, by id, reading only the attribute
    columns: a model instance also parses its lineage document, which a quality check of a page
    of projects (each reading its contract) would do for every contract it reads."""
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


@dataclass
class _Recomputation:
    """One recomputation, as its read stage leaves it for the decide and write stages."""

    domain: str
    ids: list[str]
    new_records: dict[str, GoldenRecord]
    held: dict[str, GoldenRecord]
    sources: dict[str, list[Source]]
    overrides: dict[str, dict[str, AttributeOverride]]
    configuration: BatchConfiguration
    now: datetime
    rules: dict[str, Rule] = field(default_factory=dict)  # attribute -> its survivorship rule
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    to_create: list[GoldenRecord] = field(default_factory=list)
    to_update: list[GoldenRecord] = field(default_factory=list)
    update_fields: set[str] = field(default_factory=set)


def golden_records_recompute(domain: str, golden_ids: list[str], *, new_records: dict[str, GoldenRecord] | None = None,
                             new_contributors: dict[str, list[dict[str, Any]]] | None = None,
                             known_references: dict[tuple[int, str, str], str] | None = None,
                             acting_user=None, reason: str = "", now: datetime | None = None,
                             force: bool = False, configuration: BatchConfiguration | None = None) -> RecomputeResult:
    """Apply survivorship to the given golden records from all their live contributors.

    `new_records` are unsaved golden records (made by ingestion) to be created with history;
    `new_contributors` their contributors, when the caller holds them all (shaped as the rows
    `_contributors_read` reads), and `known_references` references it resolved already
    (reference_targets). `force` writes a new revision even when no value changed (a merge:
    history must show it). `configuration`: the batch's (mdm.configuration), else read here.
    Golden records left without contributors are retired; their ids stay valid.
    """
    work = _recompute_read(domain, golden_ids, new_records or {}, new_contributors or {}, known_references or {},
                           configuration or hub_configuration_read(domain), now or timezone.now())
    for golden_id in work.ids:
        _record_decide(work, golden_id, reason=reason, force=force)
    _recompute_write(work, acting_user=acting_user, reason=reason or "survivorship")
    return RecomputeResult(created=work.created, changed=work.changed)


def _recompute_read(domain: str, golden_ids: list[str], new_records: dict[str, GoldenRecord],
                    new_contributors: dict[str, list[dict[str, Any]]],
                    known_references: dict[tuple[int, str, str], str], configuration: BatchConfiguration,
                    now: datetime) -> _Recomputation:
    """Read stage: the held golden records (locked), their contributors with references resolved,
    and their stewards' active overrides. A golden record created in this transaction has none."""
    ids = list(dict.fromkeys(golden_ids))
    held_ids = [i for i in ids if i not in new_records]
    held = {record.id: record for record in _locked_fetch(golden_model(domain), held_ids)}
    rows = _contributors_read(ids, new_records, new_contributors)
    references = _contributor_references(domain, rows, known_references)
    sources = {golden_id: [_source(domain, row, references) for row in contributor_rows]
               for golden_id, contributor_rows in rows.items()}
    overrides: dict[str, dict[str, AttributeOverride]] = defaultdict(dict)
    for override in AttributeOverride.objects.filter(golden_id__any=held_ids, is_active=True) if held_ids else ():
        overrides[override.golden_id][override.attribute] = override
    rules = {name: configuration.rule_of(name) for name in attribute_names(domain)}
    return _Recomputation(domain, ids, new_records, held, sources, overrides, configuration, now, rules)


def _contributors_read(ids: list[str], new_records: dict[str, GoldenRecord],
                       given: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Live contributors of each golden record, in one query (those of new records, when given, are not read)."""
    contributors: dict[str, list[dict[str, Any]]] = defaultdict(list)
    handed = {i for i in ids if i in new_records and i in given}
    unread = [i for i in ids if i not in handed]
    contributors.update({i: given[i] for i in handed})
    if unread:
        rows = (SourceRecord.objects.filter(xref__golden_id__any=unread, is_deleted=False)
                .values("id", "system_id", "system__name", "source_id", "canonical", "source_updated_at",
                        "xref__golden_id"))
        for row in rows:
            contributors[row["xref__golden_id"]].append(row)
    return contributors


def _contributor_references(domain: str, contributors: dict[str, list[dict[str, Any]]],
                            known: dict[tuple[int, str, str], str]) -> dict[tuple[int, str, str], str]:
    """The golden ids the contributors' references point at: those `known` already, the rest read."""
    wanted = {(row["system_id"], target_domain, row["canonical"][ref])
              for rows in contributors.values() for row in rows
              for ref, _golden, target_domain in REFERENCES[domain] if row["canonical"].get(ref)}
    targets = {key: known[key] for key in wanted if key in known}
    if unresolved := wanted - targets.keys():
        targets.update(reference_targets(unresolved))
    return targets


def _source(domain: str, row: dict[str, Any], references: dict[tuple[int, str, str], str]) -> Source:
    values = with_references(domain, row["system_id"], row["canonical"], references)
    updated_at = row["source_updated_at"].isoformat() if row["source_updated_at"] else None
    return Source(row["id"], row["system__name"], row["source_id"], values, updated_at, _completeness(values, domain))


def _record_decide(work: _Recomputation, golden_id: str, *, reason: str, force: bool) -> None:
    """Decide stage for one golden record: survivorship, then what is to be written of it."""
    new = golden_id in work.new_records
    record = work.new_records.get(golden_id) or work.held.get(golden_id)
    if record is None:
        return
    sources = work.sources.get(golden_id, [])
    # Overrides that have run their course end here, also on a record about to retire.
    overrides = {name: _live_override(row, candidates_of(sources, name), work.now) if name in work.rules else None
                 for name, row in work.overrides.get(golden_id, {}).items()}
    if not sources and not new:
        _record_retire(work, record, reason)
        return
    before = {} if new else golden_values(record)
    survival = survive(sources, work.rules, overrides=overrides, previous=None if new else record.lineage, new=new,
                       now=work.now)
    if survival.values == before and survival.lineage_same and not new and not force:
        return
    for name, value in survival.values.items():
        _assign(record, name, value)
    record.lineage = survival.lineage
    record.correlation_id = current_correlation_id()
    record.record_status = GoldenStatus.ACTIVE if record.record_status == GoldenStatus.RETIRED else record.record_status
    record.updated_at = work.now
    if new:
        work.to_create.append(record)
        work.created.append(golden_id)
        return
    record.revision += 1
    work.update_fields |= {*_field_names(work.domain), "lineage", "revision", "correlation_id", "record_status",
                           "updated_at"}
    if work.domain == "contract":
        work.update_fields.add("version")
        if any(before.get(n) != survival.values.get(n) for n in CONTRACT_MATERIAL_ATTRIBUTES):
            record.version += 1
    work.to_update.append(record)
    work.changed.append(golden_id)


def _record_retire(work: _Recomputation, record: GoldenRecord, reason: str) -> None:
    """No contributor left: the record is kept (its id stays valid) but marked retired."""
    if record.record_status != GoldenStatus.ACTIVE:
        return
    record.record_status = GoldenStatus.RETIRED
    record.revision += 1
    record._change_reason = reason or "no contributing source records left"
    work.to_update.append(record)
    work.update_fields |= {"record_status", "revision"}
    work.changed.append(record.id)


def _recompute_write(work: _Recomputation, *, acting_user, reason: str) -> None:
    """Write stage: the golden records and their history, then outbox rows, the matcher's index
    and golden_records_changed's receivers, all in the caller's transaction."""
    model = golden_model(work.domain)
    if work.to_create:
        golden_records_write(model, work.to_create, acting_user=acting_user, reason=reason, when=work.now)
    if work.to_update:
        golden_records_update(model, work.to_update, sorted(work.update_fields), acting_user=acting_user,
                              reason=reason, when=work.now)
    touched = work.created + work.changed
    if not touched:
        return
    records = [*work.to_create, *work.to_update]
    plain = {record.pk: golden_values(record) for record in records}  # outbox and receivers share them
    outbox_enqueue(work.domain, records, values=plain, created=work.created,
                   systems=work.configuration.sync_back_systems)
    current_matcher(work.configuration).golden_changed(work.domain, touched, created=work.created, records=records)
    golden_records_changed.send(sender=model, domain=work.domain, created=work.created, changed=work.changed,
                                records=records, values=plain, configuration=work.configuration)


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
