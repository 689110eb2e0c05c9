"""source_records_ingest: the one way what a system says enters the hub.

map (done by the caller) → standardize → validate → keep versions → match → link or create →
survivorship → save. Bulk all the way: a batch costs a fixed number of queries, not one per row.
Validation happens before anything is written, so a rejected record is quarantined whole and
never half applied, while the rest of the batch lands.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mdm import collector
from mdm.bulk import copies_overlapped, insert_history, insert_objects, new_rows, reserve_ids, update_objects
from mdm.canonical import REFERENCES, standardize_record
from mdm.choices import Domain
from mdm.correlation import correlation
from mdm.matchers import MatchInput, current_matcher
from mdm.models import (
    CrossReference,
    QuarantinedRecord,
    SourceRecord,
    SourceRecordVersion,
    SourceSystem,
    golden_model,
    new_golden_id,
)
from mdm.planner_statistics import serial_plans, statistics_refresh
from mdm.read_ahead import reads_ahead
from mdm.records import IncomingRecord, IngestSummary, PreparedRecord, Rejection
from mdm.services.golden import golden_records_recompute, reference_targets, with_references

log = logging.getLogger(__name__)
_MIN = datetime.min.isoformat()


@dataclass
class _Accepted:
    prepared: PreparedRecord
    existing: Any = None  # the SourceRecord held, or the new row written for it

    @property
    def incoming(self) -> IncomingRecord:
        return self.prepared.incoming

    @property
    def values(self) -> dict[str, Any]:
        return self.prepared.values

    @property
    def content_hash(self) -> str:
        return self.prepared.content_hash


def content_hash(record: IncomingRecord) -> str:
    """Identifies one version of a source record: the same delivery twice hashes the same."""
    material = {"payload": record.payload, "canonical": record.canonical, "deleted": record.deleted,
                "updated_at": record.source_updated_at.isoformat() if record.source_updated_at else None,
                "version": record.source_version}
    return hashlib.sha1(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _order_key(updated_at: datetime | None, version: str, digest: str) -> tuple[str, str, str]:
    """Total order of versions: the source's timestamp, then its version, then content (so two
    different versions with the same timestamp settle the same way whatever order they arrive)."""
    return (updated_at.isoformat() if updated_at else _MIN, version or "", digest)


def source_system(name: str) -> SourceSystem:
    try:
        return SourceSystem.objects.get(name=name)
    except SourceSystem.DoesNotExist:
        known = ", ".join(SourceSystem.objects.values_list("name", flat=True))
        raise LookupError(f"unknown system {name!r}; known systems: {known}") from None


def source_record_prepare(domain: str, record: IncomingRecord, matcher=None) -> PreparedRecord:
    """Everything ingestion does to one record that needs no database: standardize, validate,
    hash, and the matcher's own preparation (`prepare`, when the matcher has one) of valid values."""
    values, errors = _validate(domain, record)
    prepare = getattr(matcher, "prepare", None)
    material = prepare(domain, values) if prepare is not None and not errors else None
    return PreparedRecord(record, values, errors, content_hash(record), material)


def source_records_prepare(domain: str, records: Iterable[IncomingRecord]) -> list[PreparedRecord]:
    matcher = current_matcher()
    return [source_record_prepare(domain, record, matcher) for record in records]


def source_records_ingest(*, system: str, domain: str, records: Iterable[IncomingRecord | PreparedRecord],
                          acting_user=None, correlation_id: str | None = None, batch_size: int | None = None,
                          reason: str = "") -> IngestSummary:
    """Ingest what `system` says about `domain` objects. Returns counts and the quarantined.

    Records may come prepared already (source_records_prepare, e.g. in another process); the
    others are prepared here."""
    if domain not in Domain.values:
        raise LookupError(f"unknown domain {domain!r}; expected one of {', '.join(Domain.values)}")
    source = source_system(system)
    batch_size = batch_size or settings.CONCORD_INGEST_BATCH_SIZE
    summary = IngestSummary()
    with correlation(correlation_id):
        batch: list[IncomingRecord | PreparedRecord] = []
        for record in records:
            batch.append(record)
            if len(batch) >= batch_size:
                summary.merge(_ingest_batch(source, domain, batch, acting_user, reason))
                batch = []
        if batch:
            summary.merge(_ingest_batch(source, domain, batch, acting_user, reason))
    return summary


def source_records_plan(*, system: str, domain: str, records: Iterable[IncomingRecord]) -> str:
    """Before a load whose records are all known up front (a file): the matcher may plan it whole
    (matching.resolution.load_plan) — fit its model on the hub's records and these together and
    decide in batch where each goes — before ingestion writes any of it. Records that cannot be
    used are left out (ingestion quarantines them as usual). Returns what was planned ("" when
    nothing)."""
    plan = getattr(current_matcher(), "load_plan", None)
    if plan is None:
        return ""
    source = source_system(system)
    usable = []
    for record in records:
        values, errors = _validate(domain, record)
        if not errors and not record.deleted:
            usable.append((f"{source.name}:{record.object_type}:{record.source_id}", values))
    wanted = {(source.id, target, values[ref]) for _key, values in usable
              for ref, _golden, target in REFERENCES[domain] if values.get(ref)}
    targets = reference_targets(wanted) if wanted else {}
    return plan(domain, system, [(key, with_references(domain, source.id, values, targets)) for key, values in usable])


def source_records_load_finished(domain: str, *, acting_user=None) -> str:
    """A load is over (a file imported, a sync run): the matcher may settle what it linked one
    record at a time again in batch (matching.resolution), so the golden records are final when
    the load returns. Returns what it did, for the caller to report ("" when nothing)."""
    finish = getattr(current_matcher(), "load_finished", None)
    return finish(domain, acting_user=acting_user) if finish is not None else ""


def _rounds(records: list[PreparedRecord]) -> list[list[PreparedRecord]]:
    """Split a batch so each part holds a source key once; versions of one key go oldest first."""
    by_key: dict[tuple[str, str], list[PreparedRecord]] = defaultdict(list)
    for record in records:
        by_key[(str(record.incoming.object_type), str(record.incoming.source_id))].append(record)
    rounds: list[list[PreparedRecord]] = []
    for versions in by_key.values():
        if len(versions) > 1:
            versions.sort(key=lambda r: _order_key(r.incoming.source_updated_at, r.incoming.source_version,
                                                   r.content_hash))
        for index, record in enumerate(versions):
            if len(rounds) <= index:
                rounds.append([])
            rounds[index].append(record)
    return rounds


def batches_independent(domain: str) -> bool:
    """Whether two batches of one system's `domain` records may be ingested at once, each in its
    own transaction, blind to the other's uncommitted records (connectors.sync writes pages so):
    true where no record of the domain refers to another of its kind (a customer's parent does)
    and the matcher never links two records of one system (contracts and projects, which each
    system numbers apart). Otherwise a record could miss its duplicate or its parent in the other."""
    if any(target == domain for _ref, _golden, target in REFERENCES[domain]):
        return False
    within = getattr(current_matcher(), "matches_within_a_system", None)
    return within is not None and not within(domain)


def _ingest_batch(source: SourceSystem, domain: str, records: list[IncomingRecord | PreparedRecord], acting_user,
                  reason: str) -> IngestSummary:
    # A bulk load doubles these tables faster than autovacuum looks (see mdm.planner_statistics).
    statistics_refresh({SourceRecord: ["source_id", "system", "domain", "object_type"],
                        CrossReference: ["golden_id", "source_record"], golden_model(domain): ["id"]}, fraction=1.0)
    with collector.paused(), reads_ahead(domain):
        # Records not prepared yet (connectors, the API) are prepared here, with the collector
        # paused too: in a long-lived worker its full collections re-walked the matchers' caches.
        matcher = current_matcher()
        prepared = [record if isinstance(record, PreparedRecord) else source_record_prepare(domain, record, matcher)
                    for record in records]
        return _ingest_batch_rounds(source, domain, prepared, acting_user, reason)


def _ingest_batch_rounds(source: SourceSystem, domain: str, records: list[PreparedRecord], acting_user,
                         reason: str) -> IngestSummary:
    summary = IngestSummary()
    for part in _rounds(records):
        try:
            # COPYs overlap the Python that follows them (mdm.bulk.copies_overlapped).
            with transaction.atomic(), copies_overlapped():
                serial_plans()
                summary.merge(_ingest_round(source, domain, part, acting_user, reason))
        except IntegrityError:
            # A concurrent writer took one of these keys first: redo record by record, so each
            # lands atomically on its own and sees what the other writer committed.
            log.warning("batch of %d %s records from %s hit a concurrent write; retrying per record",
                        len(part), domain, source.name)
            for record in part:
                with transaction.atomic(), copies_overlapped():
                    summary.merge(_ingest_round(source, domain, [record], acting_user, reason))
    return summary


def _validate(domain: str, record: IncomingRecord) -> tuple[dict[str, Any], dict[str, list[str]]]:
    errors: dict[str, list[str]] = {name: list(messages) for name, messages in (record.problems or {}).items()}
    if not isinstance(record.canonical, dict):
        return {}, {"canonical": ["must be an object of canonical attributes"]}
    if not str(record.source_id or "").strip():
        errors["source_id"] = ["a source record needs its id in the source system"]
    elif len(str(record.source_id)) > 120:
        errors["source_id"] = ["longer than 120 characters"]
    if not str(record.object_type or "").strip():
        errors["object_type"] = ["missing object type"]
    values, field_errors = standardize_record(domain, record.canonical)
    errors.update(field_errors)
    return values, errors


def _ingest_round(source: SourceSystem, domain: str, records: list[PreparedRecord], acting_user,
                  reason: str) -> IngestSummary:
    summary = IngestSummary()
    now = timezone.now()
    from mdm.correlation import current_correlation_id

    correlation_id = current_correlation_id()

    accepted: list[_Accepted] = []
    rejected: list[tuple[IncomingRecord, dict[str, list[str]]]] = []
    for record in records:
        if record.errors:
            rejected.append((record.incoming, record.errors))
        else:
            accepted.append(_Accepted(record))

    # Known versions of these source keys, in one query.
    existing: dict[tuple[str, str], SourceRecord] = {}
    source_ids = [a.incoming.source_id for a in accepted]
    if source_ids:
        query = SourceRecord.objects.filter(system=source, domain=domain, source_id__any=source_ids)
        # One lock order for every writer; NO KEY: a version row's foreign-key check need not wait.
        for row in query.order_by("pk").select_for_update(no_key=True):
            existing[(row.object_type, row.source_id)] = row
    for item in accepted:
        item.existing = existing.get((item.incoming.object_type, item.incoming.source_id))

    # References (customer_source_id …) must point at something this system already told us about,
    # or at a record of this same batch (a parent customer arriving beside its child).
    wanted = {(source.id, target, item.values[ref]) for item in accepted
              for ref, _golden, target in REFERENCES[domain] if item.values.get(ref)}
    targets = reference_targets(wanted) if wanted else {}
    in_batch = {item.incoming.source_id for item in accepted}
    still_accepted = []
    for item in accepted:
        errors = {}
        for ref, _golden, target in REFERENCES[domain]:
            value = item.values.get(ref)
            if value and (source.id, target, value) not in targets and not (target == domain and value in in_batch):
                errors[ref] = [f"no {target} with source id {value!r} is known from {source.name}"]
        if errors:
            rejected.append((item.incoming, errors))
        else:
            still_accepted.append(item)
    accepted = still_accepted

    if rejected:
        _quarantine(source, domain, rejected, correlation_id)
        summary.quarantined.extend(Rejection(str(r.source_id or ""), str(r.object_type or ""), e) for r, e in rejected)

    new_items, changed_items, versions = [], [], []
    for item in accepted:
        incoming, current = item.incoming, item.existing
        if current is None:
            new_items.append(item)
        elif current.content_hash == item.content_hash:
            summary.unchanged += 1
        elif (_order_key(incoming.source_updated_at, incoming.source_version, item.content_hash)
              < _order_key(current.source_updated_at, current.source_version, current.content_hash)):
            # Older than what we hold: kept as history, never applied.
            versions.append(SourceRecordVersion(
                source_record=current, content_hash=item.content_hash, payload=incoming.payload,
                canonical=item.values, source_updated_at=incoming.source_updated_at,
                source_version=incoming.source_version or "", received_at=now, applied=False,
                correlation_id=correlation_id))
            summary.stale += 1
        else:
            # The version being replaced goes to history as it was.
            versions.append(SourceRecordVersion(
                source_record=current, content_hash=current.content_hash, payload=current.payload,
                canonical=current.canonical, source_updated_at=current.source_updated_at,
                source_version=current.source_version, received_at=current.received_at, applied=True,
                correlation_id=current.correlation_id))
            changed_items.append(item)

    # Everything this round reads comes before what it writes: its COPYs then run on while the
    # rest of the round is worked out (mdm.bulk.copies_overlapped), instead of each read waiting.
    to_link = [item for item in new_items if not item.incoming.deleted]
    model = golden_model(domain)
    matcher = current_matcher()
    outcomes, group_golden = [], {}
    if to_link:
        outcomes = matcher.match(domain, [
            MatchInput(ref=index, system=source.name, source_id=item.incoming.source_id,
                       object_type=item.incoming.object_type,
                       attributes=with_references(domain, source.id, item.values, targets),
                       prepared=item.prepared.match_material)
            for index, item in enumerate(to_link)])
        new_groups = list(dict.fromkeys(outcome.group or f"solo:{outcome.ref}"
                                        for outcome in outcomes if outcome.golden_id is None))
        group_golden = dict(zip(new_groups, unused_golden_ids(model, len(new_groups)), strict=True))
    touched: list[str] = []
    if changed_items:
        changed_ids = [item.existing.id for item in changed_items]
        touched.extend(CrossReference.objects.filter(source_record_id__any=changed_ids)
                       .values_list("golden_id", flat=True))
    source_record_ids = reserve_ids(SourceRecord, len(new_items))
    xref_ids = reserve_ids(CrossReference, len(to_link))

    # New source records.
    fresh = new_rows(SourceRecord, [
        {"system_id": source.id, "domain": domain, "object_type": item.incoming.object_type,
         "source_id": item.incoming.source_id, "payload": item.incoming.payload, "canonical": item.values,
         "source_updated_at": item.incoming.source_updated_at, "source_version": item.incoming.source_version or "",
         "content_hash": item.content_hash, "received_at": now, "is_deleted": item.incoming.deleted,
         "correlation_id": correlation_id}
        for item in new_items], ids=source_record_ids)
    for item, row in zip(new_items, fresh, strict=True):
        item.existing = row  # a plain row (mdm.bulk.new_rows): only its id is read from here on
    insert_objects(fresh, model=SourceRecord)
    summary.created += len(fresh)

    # Newer versions of known source records.
    for item in changed_items:
        row = item.existing
        row.payload, row.canonical = item.incoming.payload, item.values
        row.source_updated_at, row.source_version = item.incoming.source_updated_at, item.incoming.source_version or ""
        row.content_hash, row.received_at, row.is_deleted = item.content_hash, now, item.incoming.deleted
        row.correlation_id = correlation_id
    update_objects([item.existing for item in changed_items],
                   ["payload", "canonical", "source_updated_at", "source_version", "content_hash", "received_at",
                    "is_deleted", "correlation_id"], model=SourceRecord)
    summary.updated += sum(1 for item in changed_items if not item.incoming.deleted)
    summary.deleted += sum(1 for item in changed_items + new_items if item.incoming.deleted)
    insert_objects(versions, on_conflict_ignore=True)

    # Link new source records: to an existing golden record, or to a new one.
    new_golden: dict[str, Any] = {}
    contributors: dict[str, list[dict[str, Any]]] = defaultdict(list)  # of the new golden records
    if to_link:
        xrefs = []
        link_results = []
        for outcome in outcomes:
            item = to_link[outcome.ref]
            golden_id = outcome.golden_id
            if golden_id is None:
                golden_id = group_golden[outcome.group or f"solo:{outcome.ref}"]
                if golden_id not in new_golden:
                    new_golden[golden_id] = model(id=golden_id)
            if golden_id in new_golden:
                # All a new golden record's contributors are in this round: survivorship need not read them back.
                contributors[golden_id].append(
                    {"id": item.existing.id, "system_id": source.id, "system__name": source.name,
                     "source_id": item.incoming.source_id, "canonical": item.values,
                     "source_updated_at": _as_stored(item.incoming.source_updated_at), "xref__golden_id": golden_id})
            xrefs.append({"source_record_id": item.existing.id, "domain": domain, "golden_id": golden_id,
                          "original_golden_id": golden_id, "linked_by": outcome.rule or "new",
                          "score": outcome.score or None})
            link_results.append((outcome, golden_id, item.existing.id))
            summary.review_candidates += len(outcome.review)
            touched.append(golden_id)
        _bulk_create_xrefs(xrefs, acting_user, reason or f"linked from {source.name}", ids=xref_ids)
        recorder = getattr(matcher, "linked", None)
        if recorder:
            recorder(domain, link_results)

    if touched:
        result = golden_records_recompute(domain, touched, new_records=new_golden, new_contributors=contributors,
                                          known_references=targets, acting_user=acting_user,
                                          reason=reason or f"ingest from {source.name}", now=now)
        summary.golden_created += len(result.created)
        summary.golden_updated += len(result.changed)
    return summary


def _as_stored(moment: datetime | None) -> datetime | None:
    """A timestamp as the database gives it back: aware, in UTC."""
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC)


def unused_golden_ids(model, count: int) -> list[str]:
    """`count` new golden ids, distinct and not yet issued: ids are drawn at random within a clock
    tick (mdm.models.new_golden_id), so the draw is checked rather than trusted, in one query."""
    ids: set[str] = set()
    while len(ids) < count:
        drawn = {new_golden_id(model.ID_PREFIX) for _ in range(count - len(ids))} - ids
        ids |= drawn - set(model.objects.filter(pk__any=drawn).values_list("pk", flat=True))
    return list(ids)


def _bulk_create_xrefs(xrefs: list[dict[str, Any]], acting_user, reason: str, ids: list[int] | None = None) -> None:
    rows = new_rows(CrossReference, xrefs, ids=ids)
    insert_objects(rows, model=CrossReference)
    insert_history(CrossReference, rows, user=acting_user, reason=reason)


def _quarantine(source: SourceSystem, domain: str, rejected, correlation_id: str) -> None:
    QuarantinedRecord.objects.bulk_create([
        QuarantinedRecord(
            system=source, domain=domain, object_type=str(record.object_type or "")[:60],
            source_id=str(record.source_id or "")[:120], payload=_jsonable(record.payload),
            canonical=_jsonable(record.canonical), source_updated_at=record.source_updated_at,
            source_version=str(record.source_version or "")[:80], errors=errors,
            reason=Rejection(str(record.source_id or ""), str(record.object_type or ""), errors).reason,
            content_hash=_safe_hash(record), correlation_id=correlation_id)
        for record, errors in rejected], batch_size=500, ignore_conflicts=True)


def _safe_hash(record: IncomingRecord) -> str:
    material = {"id": str(record.source_id), "type": str(record.object_type), "payload": record.payload,
                "canonical": record.canonical, "updated_at": str(record.source_updated_at)}
    return hashlib.sha1(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str)) if value is not None else {}
