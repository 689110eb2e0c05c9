"""Pulling changes from a system into the hub.

`sync_run` reads each object type of a domain page by page from the watermark on. Each page is
ingested, its rejects quarantined and the watermark advanced in ONE transaction: the watermark
never gets ahead of what is committed, so a crash anywhere re-reads the page (ingestion is
idempotent, the second read is "unchanged") and never skips one.

A full run is the nightly reconciliation: it ignores and leaves the watermark, reads everything,
and marks as deleted what the system reports deleted or no longer returns.
"""

from __future__ import annotations

import contextvars
import logging
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from psycopg import errors as psycopg_errors

from connectors.base import Connector, ConnectorError, Page
from connectors.models import SyncKind, SyncRun, SyncStatus, Watermark, connection_for
from connectors.runs import lease_release, lease_take, sync_runs_expire
from mdm.correlation import correlation
from mdm.db.reader_process import batches_from_child
from mdm.models import SourceRecord, SourceSystem
from mdm.records import IncomingRecord, IngestSummary, PreparedRecord
from mdm.services.ingest import (
    batches_independent,
    source_records_ingest,
    source_records_load_finished,
    source_records_prepare,
)
from mdm.services.quarantine import rejects_quarantine
from mdm.timestamps import moment

log = logging.getLogger(__name__)

ProgressCallback = Callable[[str, Page, IngestSummary], None]


@dataclass
class ObjectTypeCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    stale: int = 0
    deleted: int = 0
    quarantined: int = 0
    pages: int = 0
    # Where the time went (seconds): reading pages from the system (HTTP and mapping), ingesting
    # them (standardize, match, survivorship, outbox rows) and committing each page's transaction.
    pull_seconds: float = 0.0
    ingest_seconds: float = 0.0
    commit_seconds: float = 0.0

    def add(self, summary: IngestSummary, rejects: int = 0) -> None:
        for name in ("created", "updated", "unchanged", "stale", "deleted"):
            setattr(self, name, getattr(self, name) + getattr(summary, name))
        self.quarantined += len(summary.quarantined) + rejects


@dataclass
class SyncResult:
    run_id: int
    counts: dict[str, ObjectTypeCounts] = field(default_factory=dict)
    settled: str = ""  # what the batch re-match after the run did (mdm source_records_load_finished)

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {object_type: vars(counts).copy() for object_type, counts in self.counts.items()}


def _later(new: str, old: str) -> bool:
    """Whether watermark `new` may replace `old`: never move backwards when both are comparable
    (two overlapping runs may finish in any order)."""
    if not old:
        return True

    def cursor(value: str) -> tuple[datetime, str]:  # "<timestamp>|<id>", as Tryton and Salesforce keep it
        stamp, separator, key = value.partition("|")
        if not separator:
            raise ValueError(value)
        return moment(stamp), key.zfill(40)

    for parse in (cursor, moment, int):
        try:
            a, b = parse(new), parse(old)
        except (TypeError, ValueError):
            continue
        try:
            return a >= b
        except TypeError:  # naive versus aware datetimes
            return True
    return True


def watermark_get(system: SourceSystem, object_type: str) -> str | None:
    row = Watermark.objects.filter(system=system, object_type=object_type).first()
    return row.value if row and row.value else None


def _watermark_advance(system: SourceSystem, object_type: str, value: str) -> None:
    row, _ = Watermark.objects.select_for_update().get_or_create(system=system, object_type=object_type)
    if _later(value, row.value):
        row.value = value
        row.save(update_fields=["value", "updated_at"])


def _deletions(system: SourceSystem, object_type: str, source_ids: list[str]) -> list[IncomingRecord]:
    """Tombstones for source records we hold and the system no longer has.

    The held canonical values travel with the tombstone (validation still sees a whole record);
    the time is now, so the tombstone is newer than the version it ends."""
    now = timezone.now()
    tombstones = []
    rows = SourceRecord.objects.filter(system=system, object_type=object_type, source_id__in=source_ids,
                                       is_deleted=False)
    for row in rows:
        updated = max(now, row.source_updated_at) if row.source_updated_at else now
        tombstones.append(IncomingRecord(
            source_id=row.source_id, object_type=row.object_type, canonical=dict(row.canonical),
            payload=dict(row.payload), source_updated_at=updated, source_version=row.source_version,
            deleted=True))
    return tombstones


_PAGE_ATTEMPTS = 4


def _transient(error: OperationalError) -> bool:
    """PostgreSQL chose this transaction as a deadlock victim or could not serialize it: running
    the page again is the documented answer (nothing of it was committed)."""
    return isinstance(error.__cause__, (psycopg_errors.DeadlockDetected, psycopg_errors.SerializationFailure))


def _page_commit(*, system: SourceSystem, domain: str, page: Page, correlation_id: str,
                 advance: bool) -> tuple[IngestSummary, int, float, float]:
    attempt = 1
    while True:
        try:
            return _page_commit_once(system=system, domain=domain, page=page, correlation_id=correlation_id,
                                     advance=advance)
        except OperationalError as error:
            if not _transient(error) or attempt == _PAGE_ATTEMPTS:
                raise
            attempt += 1
            log.warning("%s %s page rolled back (%s); running it again, attempt %d",
                        system.name, page.object_type, type(error.__cause__).__name__, attempt)
            time.sleep(random.uniform(0.05, 0.3) * attempt)  # let the other writer finish first


def _page_commit_once(*, system: SourceSystem, domain: str, page: Page, correlation_id: str,
                      advance: bool) -> tuple[IngestSummary, int, float, float]:
    """Ingest one page, quarantine its rejects and move the watermark, all or nothing. Returns
    what ingest did, how many rejects were quarantined, and the seconds spent ingesting and
    committing."""
    started = time.perf_counter()
    with transaction.atomic():
        records: list[IncomingRecord | PreparedRecord] = list(
            page.prepared if isinstance(page, PreparedPage) else page.records)
        if page.deleted_source_ids:
            records += _deletions(system, page.object_type, [str(i) for i in page.deleted_source_ids])
        summary = source_records_ingest(system=system.name, domain=domain, records=records,
                                        correlation_id=correlation_id) if records else IngestSummary()
        rejected = rejects_quarantine(system=system, domain=domain, object_type=page.object_type,
                                      rejects=page.rejects, correlation_id=correlation_id) if page.rejects else 0
        if advance and page.next_watermark:
            _watermark_advance(system, page.object_type, str(page.next_watermark))
        ingested = time.perf_counter()
    return summary, rejected, ingested - started, time.perf_counter() - ingested


@dataclass
class PreparedPage(Page):
    """A page with its records prepared for ingestion (standardized, validated, hashed, match keys
    worked out) by the sync's reading process; plain pages are prepared by ingestion."""

    prepared: list[PreparedRecord] = field(default_factory=list)


def pages_prepared(connector: Connector, domain: str, object_type: str, watermark: str | None
                   ) -> Iterator[PreparedPage]:
    """The connector's pages after `watermark`, their records prepared for ingestion.

    sync_run reads them in a forked reading process (mdm.db.reader_process), a few pages ahead of
    the page being written: HTTP, mapping, standardizing, validating and the matcher's keys run on
    the machine's other core instead of taking turns with the writes. Nothing there touches the
    database, and a watermark still moves only when its page is committed here."""
    for page in connector.pull(domain=domain, object_type=object_type, watermark=watermark):
        yield PreparedPage(**vars(page), prepared=source_records_prepare(domain, page.records))


def page_writers(domain: str) -> int:
    """How many pages of a `domain` sync are written at once.

    One page waits for the server (its reads, its COPYs, its commit) about as long as its Python
    runs; with a second page on another thread and connection, the two overlap. Only where pages
    cannot depend on each other (mdm.services.ingest.batches_independent: contracts, projects), on
    PostgreSQL (SQLite writes one transaction at a time), and not inside a caller's transaction
    (another connection would not see what it holds)."""
    if (connection.vendor != "postgresql" or connection.in_atomic_block
            or not batches_independent(domain)):
        return 1
    return max(1, settings.CONCORD_SYNC_WRITERS)


def _pages_written(pages: Iterator[Page], counts: ObjectTypeCounts, *, system: SourceSystem, domain: str,
                   correlation_id: str, advance: bool) -> Iterator[tuple[Page, tuple[IngestSummary, int, float, float]]]:
    """Write each page (`_page_commit`) and yield it with its result, in page order.

    With more than one writer (page_writers) pages are written on threads, each committing on its
    own; a watermark then moves here, once the page and every page before it have committed — a
    crash in between re-reads pages already landed (harmless: ingestion is idempotent), never skips
    one that has not."""
    writers = page_writers(domain)

    def pulled() -> Page | None:
        asked = time.perf_counter()
        page = next(pages, None)
        counts.pull_seconds += time.perf_counter() - asked
        return page

    if writers == 1:
        while (page := pulled()) is not None:
            yield page, _page_commit(system=system, domain=domain, page=page, correlation_id=correlation_id,
                                     advance=advance)
        return

    def written(page: Page) -> tuple[IngestSummary, int, float, float]:
        try:
            return _page_commit(system=system, domain=domain, page=page, correlation_id=correlation_id,
                                advance=False)
        finally:
            connection.close()  # this thread's own connection

    in_flight: deque[tuple[Page, Future]] = deque()
    with ThreadPoolExecutor(max_workers=writers, thread_name_prefix="concord-page") as pool:
        try:
            while True:
                page = pulled()
                if page is not None:
                    in_flight.append((page, pool.submit(contextvars.copy_context().run, written, page)))
                while in_flight and (page is None or len(in_flight) >= writers):
                    done, future = in_flight.popleft()
                    outcome = future.result()
                    if advance and done.next_watermark:
                        with transaction.atomic():
                            _watermark_advance(system, done.object_type, str(done.next_watermark))
                    yield done, outcome
                if page is None:
                    return
        finally:
            for _page, future in in_flight:  # after a failure: pages not started are not written
                future.cancel()


def _run_start(source: SourceSystem, domain: str, full: bool, cid: str, task_id: str) -> SyncRun:
    """Record the run, holding its lease from the moment others can see it (connectors/runs.py);
    a run of the same system and domain whose worker died is marked failed first."""
    sync_runs_expire(system_id=source.pk, domain=domain)
    with transaction.atomic():
        run = SyncRun.objects.create(system=source, domain=domain, correlation_id=cid, task_id=task_id[:64],
                                     kind=SyncKind.FULL if full else SyncKind.INCREMENTAL,
                                     heartbeat_at=timezone.now())
        lease_take(run)
    return run


def sync_run(*, system: str, domain: str, full: bool = False, connector: Connector | None = None,
             correlation_id: str | None = None, progress: ProgressCallback | None = None,
             task_id: str = "") -> SyncResult:
    """Pull `domain` from `system` (since the watermarks, or everything when `full`) into the hub.
    `task_id`: the Celery task running it, if one is."""
    connector = connector or connection_for(system)
    source = SourceSystem.objects.get(name=system)
    object_types = connector.object_types.get(domain)
    if object_types is None:
        raise LookupError(f"{system} has no {domain} object types; it offers: {', '.join(connector.object_types)}")
    with correlation(correlation_id) as cid:
        run = _run_start(source, domain, full, cid, task_id)
        try:
            return _run_object_types(run, connector, source, domain, object_types, full=full, cid=cid,
                                     progress=progress)
        finally:
            lease_release(run)


def _run_object_types(run: SyncRun, connector: Connector, source: SourceSystem, domain: str,
                      object_types: list[str], *, full: bool, cid: str,
                      progress: ProgressCallback | None) -> SyncResult:
    result = SyncResult(run_id=run.id)
    previous_full = (SyncRun.objects.filter(system=source, domain=domain, kind=SyncKind.FULL,
                                            status=SyncStatus.SUCCEEDED)
                     .order_by("-started_at").values_list("started_at", flat=True).first())
    try:
        for object_type in object_types:
            counts = result.counts.setdefault(object_type, ObjectTypeCounts())
            watermark = None if full else watermark_get(source, object_type)
            seen: set[str] = set()
            pages = batches_from_child(pages_prepared, connector, domain, object_type, watermark,
                                       carried=(ConnectorError,))
            for page, (summary, rejected, ingest_seconds, commit_seconds) in _pages_written(
                    pages, counts, system=source, domain=domain, correlation_id=cid, advance=not full):
                counts.ingest_seconds += ingest_seconds
                counts.commit_seconds += commit_seconds
                counts.add(summary, rejected)
                counts.pages += 1
                seen.update(str(r.source_id) for r in page.records)
                seen.update(str(i) for i in page.deleted_source_ids)
                # An unreadable entry still exists at the source: never delete it for its absence.
                seen.update(str(raw[key]) for raw, _reason in page.rejects if isinstance(raw, dict)
                            for key in ("Id", "id", "internalId") if raw.get(key))
                run.pages += 1
                run.counts, run.heartbeat_at = result.as_dict(), timezone.now()
                run.save(update_fields=["pages", "counts", "heartbeat_at"])
                if progress:
                    progress(object_type, page, summary)
            if full:
                summary = _reconcile(connector, source, domain, object_type, seen, previous_full, cid)
                counts.add(summary)
        if any(counts.created for counts in result.counts.values()):
            result.settled = source_records_load_finished(domain)
    except Exception as error:
        run.status, run.error, run.finished_at = SyncStatus.FAILED, f"{type(error).__name__}: {error}", timezone.now()
        run.counts = result.as_dict()
        run.save(update_fields=["status", "error", "finished_at", "counts"])
        raise
    run.status, run.finished_at, run.counts = SyncStatus.SUCCEEDED, timezone.now(), result.as_dict()
    run.save(update_fields=["status", "finished_at", "counts"])
    return result


def _reconcile(connector: Connector, source: SourceSystem, domain: str, object_type: str, seen: set[str],
               since: datetime | None, cid: str) -> IngestSummary:
    """After a complete full read: what the system reports deleted, or no longer returns, is deleted."""
    since = since or datetime(1970, 1, 1, tzinfo=UTC)
    reported = {str(i) for i in connector.deleted_since(domain=domain, object_type=object_type, since=since)}
    held = set(SourceRecord.objects.filter(system=source, object_type=object_type, is_deleted=False)
               .values_list("source_id", flat=True))
    gone = sorted((held - seen) | (reported & held))
    if not gone:
        return IngestSummary()
    log.info("full sync of %s %s: %d source records no longer at the source", source.name, object_type, len(gone))
    with transaction.atomic():
        return source_records_ingest(system=source.name, domain=domain, records=_deletions(source, object_type, gone),
                                     correlation_id=cid, reason=f"deleted at {source.name}")
