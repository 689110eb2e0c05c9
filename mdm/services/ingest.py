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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from mdm.canonical import REFERENCES, standardize_record
from mdm.choices import Domain
from mdm.configuration import BatchConfiguration, batch_configuration_read
from mdm.correlation import correlation, current_correlation_id
from mdm.db import collector
from mdm.db.bulk import reserve_ids
from mdm.db.copy_line import copies_overlapped
from mdm.db.planner_statistics import serial_plans, statistics_refresh
from mdm.db.writers import (
    cross_references_write,
    source_record_versions_write,
    source_records_update,
    source_records_write,
)
from mdm.matchers import MatchInput, MatchOutcome, current_matcher, matcher_class
from mdm.models import (
    CrossReference,
    SourceRecord,
    SourceRecordVersion,
    SourceSystem,
    golden_model,
    new_golden_id,
)
from mdm.records import IncomingRecord, IngestSummary, PreparedRecord
from mdm.services import quarantine
from mdm.services.golden import golden_records_recompute, reference_targets, with_references
from mdm.services.quarantine import rejection_of

log = logging.getLogger(__name__)
_MIN = datetime.min.isoformat()


@dataclass
class _Item:
    """One accepted record of a round: what came in, the source record held for its key (a model
    instance, None when new) and, once written, the source record's id."""

    prepared: PreparedRecord
    held: SourceRecord | None = None
    source_record_id: int | None = None

    @property
    def incoming(self) -> IncomingRecord:
        return self.prepared.incoming

    @property
    def values(self) -> dict[str, Any]:
        return self.prepared.values

    @property
    def content_hash(self) -> str:
        return self.prepared.content_hash


@dataclass
class Round:
    """One round of a batch (each source key at most once), as its stages leave it.

    read: `accepted`, `rejected`, `targets` (references resolved), `touched` (golden records of
    the changed source records), `outcomes` (the matcher's) and the ids drawn ahead; decide:
    `new`, `changed`, `versions`, `to_link` and the new golden records; write: the summary."""

    source: SourceSystem
    domain: str
    configuration: BatchConfiguration
    now: datetime
    correlation_id: str
    accepted: list[_Item] = field(default_factory=list)
    rejected: list[tuple[IncomingRecord, dict[str, list[str]]]] = field(default_factory=list)
    targets: dict[tuple[int, str, str], str] = field(default_factory=dict)
    new: list[_Item] = field(default_factory=list)
    changed: list[_Item] = field(default_factory=list)
    versions: list[SourceRecordVersion] = field(default_factory=list)
    to_link: list[_Item] = field(default_factory=list)
    outcomes: list[MatchOutcome] = field(default_factory=list)
    group_golden: dict[str, str] = field(default_factory=dict)
    touched: list[str] = field(default_factory=list)
    source_record_ids: list[int] | None = None
    xref_ids: list[int] | None = None
    summary: IngestSummary = field(default_factory=IngestSummary)


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
    # A bulk load doubles these tables faster than autovacuum looks (see mdm.db.planner_statistics).
    statistics_refresh({SourceRecord: ["source_id", "system", "domain", "object_type"],
                        CrossReference: ["golden_id", "source_record"], golden_model(domain): ["id"]}, fraction=1.0)
    with collector.paused():
        # The configuration every round of the batch applies, read before anything is written.
        configuration = batch_configuration_read(domain, matcher_class())
        # Records not prepared yet (connectors, the API) are prepared here, with the collector
        # paused too: in a long-lived worker its full collections re-walked the matchers' caches.
        matcher = current_matcher(configuration)
        prepared = [record if isinstance(record, PreparedRecord) else source_record_prepare(domain, record, matcher)
                    for record in records]
        return _ingest_batch_rounds(source, domain, prepared, acting_user, reason, configuration)


def _ingest_batch_rounds(source: SourceSystem, domain: str, records: list[PreparedRecord], acting_user,
                         reason: str, configuration: BatchConfiguration) -> IngestSummary:
    summary = IngestSummary()
    for part in _rounds(records):
        try:
            with transaction.atomic(), copies_overlapped():
                serial_plans()
                summary.merge(_ingest_round(source, domain, part, acting_user, reason, configuration))
        except IntegrityError:
            # A concurrent writer took one of these keys first: redo record by record, so each
            # lands atomically on its own and sees what the other writer committed.
            log.warning("batch of %d %s records from %s hit a concurrent write; retrying per record",
                        len(part), domain, source.name)
            for record in part:
                with transaction.atomic(), copies_overlapped():
                    summary.merge(_ingest_round(source, domain, [record], acting_user, reason, configuration))
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


def _ingest_round(source: SourceSystem, domain: str, records: list[PreparedRecord], acting_user, reason: str,
                  configuration: BatchConfiguration) -> IngestSummary:
    """One round: every read first (so the COPYs of its writes overlap the Python after them,
    mdm.db.copy_line), then what each record comes to, then the writes."""
    work = Round(source, domain, configuration, timezone.now(), current_correlation_id())
    round_read(work, records)
    round_write(work, acting_user=acting_user, reason=reason)
    return work.summary


def round_read(work: Round, records: list[PreparedRecord], matcher=None) -> None:
    """Read stage (with the decisions that need only what was read): the held versions, the
    references, what each accepted record comes to, the matcher's outcomes and ids drawn ahead."""
    work.rejected = [(record.incoming, record.errors) for record in records if record.errors]
    work.accepted = [_Item(record) for record in records if not record.errors]
    _held_read(work)
    _references_check(work)
    round_decide_versions(work)
    _matches_read(work, matcher or current_matcher(work.configuration))
    if work.changed:
        work.touched.extend(CrossReference.objects.filter(source_record_id__any=[i.held.id for i in work.changed])
                            .values_list("golden_id", flat=True))
    work.source_record_ids = reserve_ids(SourceRecord, len(work.new))
    work.xref_ids = reserve_ids(CrossReference, len(work.to_link))


def _held_read(work: Round) -> None:
    """The source records held for these keys, in one query, row-locked."""
    source_ids = [item.incoming.source_id for item in work.accepted]
    if not source_ids:
        return
    query = SourceRecord.objects.filter(system=work.source, domain=work.domain, source_id__any=source_ids)
    # One lock order for every writer; NO KEY: a version row's foreign-key check need not wait.
    held = {(row.object_type, row.source_id): row for row in query.order_by("pk").select_for_update(no_key=True)}
    for item in work.accepted:
        item.held = held.get((item.incoming.object_type, item.incoming.source_id))


def _references_check(work: Round) -> None:
    """References (customer_source_id …) must point at something this system already told us
    about, or at a record of this same round (a parent customer arriving beside its child)."""
    source, references = work.source, REFERENCES[work.domain]
    wanted = {(source.id, target, item.values[ref]) for item in work.accepted
              for ref, _golden, target in references if item.values.get(ref)}
    work.targets = reference_targets(wanted) if wanted else {}
    work.rejected.extend(unresolved_references(work.domain, source, work.accepted, work.targets))
    refused = {id(incoming) for incoming, _errors in work.rejected}
    work.accepted = [item for item in work.accepted if id(item.incoming) not in refused]


def unresolved_references(domain: str, source: SourceSystem, items: list[_Item],
                          targets: dict[tuple[int, str, str], str]) -> list[tuple[IncomingRecord, dict[str, list[str]]]]:
    """The items whose references point at nothing known, with why."""
    in_round = {item.incoming.source_id for item in items}
    refused = []
    for item in items:
        errors = {}
        for ref, _golden, target in REFERENCES[domain]:
            value = item.values.get(ref)
            if value and (source.id, target, value) not in targets and not (target == domain and value in in_round):
                errors[ref] = [f"no {target} with source id {value!r} is known from {source.name}"]
        if errors:
            refused.append((item.incoming, errors))
    return refused


def round_decide_versions(work: Round) -> None:
    """Decide stage, pure: each accepted record is new, unchanged, older than what is held (kept
    as history, never applied) or a newer version (the one it replaces goes to history as it was)."""
    for item in work.accepted:
        incoming, held = item.incoming, item.held
        if held is None:
            work.new.append(item)
        elif held.content_hash == item.content_hash:
            work.summary.unchanged += 1
        elif (_order_key(incoming.source_updated_at, incoming.source_version, item.content_hash)
              < _order_key(held.source_updated_at, held.source_version, held.content_hash)):
            work.versions.append(SourceRecordVersion(
                source_record=held, content_hash=item.content_hash, payload=incoming.payload,
                canonical=item.values, source_updated_at=incoming.source_updated_at,
                source_version=incoming.source_version or "", received_at=work.now, applied=False,
                correlation_id=work.correlation_id))
            work.summary.stale += 1
        else:
            work.versions.append(SourceRecordVersion(
                source_record=held, content_hash=held.content_hash, payload=held.payload,
                canonical=held.canonical, source_updated_at=held.source_updated_at,
                source_version=held.source_version, received_at=held.received_at, applied=True,
                correlation_id=held.correlation_id))
            work.changed.append(item)
    work.to_link = [item for item in work.new if not item.incoming.deleted]


def _matches_read(work: Round, matcher) -> None:
    """Where each new record links (the matcher), and golden ids for the new golden records."""
    if not work.to_link:
        return
    domain, source = work.domain, work.source
    work.outcomes = matcher.match(domain, [
        MatchInput(ref=index, system=source.name, source_id=item.incoming.source_id,
                   object_type=item.incoming.object_type,
                   attributes=with_references(domain, source.id, item.values, work.targets),
                   prepared=item.prepared.match_material)
        for index, item in enumerate(work.to_link)])
    new_groups = list(dict.fromkeys(_group_of(outcome) for outcome in work.outcomes if outcome.golden_id is None))
    work.group_golden = dict(zip(new_groups, unused_golden_ids(golden_model(domain), len(new_groups)), strict=True))


def _group_of(outcome: MatchOutcome) -> str:
    return outcome.group or f"solo:{outcome.ref}"


def round_write(work: Round, *, acting_user, reason: str) -> None:
    """Write stage: quarantine, source records, their versions, cross-references, golden records."""
    if work.rejected:
        quarantine.records_quarantine(work.source, work.domain, work.rejected, work.correlation_id)
        work.summary.quarantined.extend(rejection_of(incoming, errors) for incoming, errors in work.rejected)
    _source_records_write(work)
    new_golden, contributors, link_results = round_decide_links(work)
    if work.to_link:
        cross_references_write([xref for _outcome, xref in link_results], acting_user=acting_user,
                               reason=reason or f"linked from {work.source.name}", ids=work.xref_ids)
        recorder = getattr(current_matcher(work.configuration), "linked", None)
        if recorder:
            recorder(work.domain, [(outcome, xref["golden_id"], xref["source_record_id"])
                                   for outcome, xref in link_results])
    if work.touched:
        result = golden_records_recompute(work.domain, work.touched, new_records=new_golden,
                                          new_contributors=contributors, known_references=work.targets,
                                          acting_user=acting_user, reason=reason or f"ingest from {work.source.name}",
                                          now=work.now, configuration=work.configuration)
        work.summary.golden_created += len(result.created)
        work.summary.golden_updated += len(result.changed)


def _source_records_write(work: Round) -> None:
    """New source records, the newer versions of held ones, and history of both."""
    fresh = source_records_write([
        {"system_id": work.source.id, "domain": work.domain, "object_type": item.incoming.object_type,
         "source_id": item.incoming.source_id, "payload": item.incoming.payload, "canonical": item.values,
         "source_updated_at": item.incoming.source_updated_at, "source_version": item.incoming.source_version or "",
         "content_hash": item.content_hash, "received_at": work.now, "is_deleted": item.incoming.deleted,
         "correlation_id": work.correlation_id}
        for item in work.new], ids=work.source_record_ids)
    for item, row in zip(work.new, fresh, strict=True):
        item.source_record_id = row.id
    for item in work.changed:
        row, item.source_record_id = item.held, item.held.id
        row.payload, row.canonical = item.incoming.payload, item.values
        row.source_updated_at, row.source_version = item.incoming.source_updated_at, item.incoming.source_version or ""
        row.content_hash, row.received_at, row.is_deleted = item.content_hash, work.now, item.incoming.deleted
        row.correlation_id = work.correlation_id
    source_records_update([item.held for item in work.changed])
    source_record_versions_write(work.versions)
    work.summary.created += len(fresh)
    work.summary.updated += sum(1 for item in work.changed if not item.incoming.deleted)
    work.summary.deleted += sum(1 for item in work.changed + work.new if item.incoming.deleted)


def round_decide_links(work: Round) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]], list[tuple]]:
    """Decide stage, pure: each linked record's cross-reference (to a golden record held, or to a
    new one), the new golden records and their contributors — all of them are in this round, so
    survivorship need not read them back. Adds the golden records to `touched`."""
    model = golden_model(work.domain)
    new_golden: dict[str, Any] = {}
    contributors: dict[str, list[dict[str, Any]]] = defaultdict(list)
    link_results = []
    for outcome in work.outcomes:
        item = work.to_link[outcome.ref]
        golden_id = outcome.golden_id or work.group_golden[_group_of(outcome)]
        if outcome.golden_id is None and golden_id not in new_golden:
            new_golden[golden_id] = model(id=golden_id)
        if golden_id in new_golden:
            contributors[golden_id].append(
                {"id": item.source_record_id, "system_id": work.source.id, "system__name": work.source.name,
                 "source_id": item.incoming.source_id, "canonical": item.values,
                 "source_updated_at": _as_stored(item.incoming.source_updated_at), "xref__golden_id": golden_id})
        link_results.append((outcome, {"source_record_id": item.source_record_id, "domain": work.domain,
                                       "golden_id": golden_id, "original_golden_id": golden_id,
                                       "linked_by": outcome.rule or "new", "score": outcome.score or None}))
        work.summary.review_candidates += len(outcome.review)
        work.touched.append(golden_id)
    return new_golden, contributors, link_results


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
