"""The contract every system connector keeps, and the registry that finds them by system name.

A connector pulls what changed since a watermark and pushes idempotent upserts — one at a time
(`push`), or several of one domain in one call (`push_many`, which loops `push` unless the system
has a batch endpoint, such as Salesforce's composite collection upsert). For reconciliation it
lists what the system holds (`read_all`) in the terms of what a push writes (`outbound_fields`). It raises
`ConnectorError` with `retryable` saying whether trying again later can help (throttling,
timeouts, 5xx) or not (validation refused, unknown record): delivery and sync tasks decide
retry versus dead letter from that flag alone.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from mdm.correlation import correlation
from mdm.records import IncomingRecord


class ConnectorError(Exception):
    """A call to a source system failed. `retryable` says whether a later retry can succeed."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None, code: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after
        self.code = code


def retry_wait(failure: ConnectorError, attempt: int, *, backoff: float, max_retries: int,
               max_wait: float) -> float | None:
    """Seconds to wait before retrying a failed call in place, or None to give up: the system's
    Retry-After when it sent one, else exponential back-off with jitter. Clients share this."""
    if failure.retry_after is not None:
        wait = failure.retry_after
    else:
        wait = backoff * 2 ** attempt
    if attempt >= max_retries or wait > max_wait:
        return None
    return wait if failure.retry_after is not None else wait * (0.5 + random.random() / 2)


@dataclass
class Page:
    """One page of changes: records to ingest, ids deleted at the source, and the watermark
    to store once this page's records are committed (never before)."""

    domain: str
    object_type: str
    records: list[IncomingRecord]
    deleted_source_ids: list[str] = field(default_factory=list)
    next_watermark: str | None = None
    # Entries the connector could not even turn into an IncomingRecord (no id, not a dict):
    # (raw payload, reason), quarantined by the sync job.
    rejects: list[tuple[dict[str, Any], str]] = field(default_factory=list)


@dataclass(frozen=True)
class UpsertResult:
    """What the system answered to an upsert: its own id for the record, and whether it was new."""

    external_id: str
    created: bool


@dataclass(frozen=True)
class PushItem:
    """One golden record to upsert, as `push` takes it; `push_many` takes a list of them."""

    golden_id: str
    attributes: dict[str, Any]
    idempotency_key: str
    correlation_id: str = ""


# What `push_many` answers per item, in the items' order: the upsert's result, or why it failed.
PushOutcome = UpsertResult | Exception


@dataclass(frozen=True)
class HeldRecord:
    """One record as the system holds it, for reconciliation (`Connector.read_all`): the system's
    own id, the golden id written on it by our pushes (None when it carries none), and its values
    keyed and shaped as `Connector.outbound_fields` gives what a push writes, references as the
    golden ids they point at."""

    source_id: str
    golden_id: str | None
    fields: dict[str, Any]


class Connector:
    """Base class. Subclasses set `system` and implement `pull` and `push`."""

    system: ClassVar[str] = ""
    # How many items one `push_many` call takes at most: more than 1 when the system has a batch
    # endpoint (delivery then claims that many messages of the system at once).
    push_batch_size: ClassVar[int] = 1
    # Object types this connector pulls, per domain, in dependency order (customers first).
    object_types: ClassVar[dict[str, list[str]]] = {}
    # Domains `push` writes (golden records, and documents such as billing summaries); None: not
    # declared, every domain is tried.
    pushes: ClassVar[frozenset[str] | None] = None

    @classmethod
    def takes(cls, domain: str) -> bool:
        """Whether the system can be sent messages of `domain` at all (else they would die)."""
        return cls.pushes is None or domain in cls.pushes

    def __init__(self, *, base_url: str, credentials: dict[str, Any] | None = None, page_size: int = 200,
                 concurrency: int = 1, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials or {}
        self.page_size = page_size
        self.concurrency = concurrency
        self.timeout = timeout

    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        """Yield pages of changes after `watermark` (None: everything), oldest first."""
        raise NotImplementedError

    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        """Upsert one golden record into the system, keyed by its golden id (external id)."""
        raise NotImplementedError

    def push_many(self, *, domain: str, items: list[PushItem]) -> list[PushOutcome]:
        """Upsert several golden records of one domain; one outcome per item, in order. One item's
        failure must not fail the others. This default pushes them one by one. Raising instead
        of answering per item means the whole call failed (e.g. throttled): every item failed."""
        outcomes: list[PushOutcome] = []
        for item in items:
            with correlation(item.correlation_id or None):
                try:
                    outcomes.append(self.push(domain=domain, golden_id=item.golden_id, attributes=item.attributes,
                                              idempotency_key=item.idempotency_key,
                                              correlation_id=item.correlation_id))
                except Exception as error:  # reported per item: delivery decides retry or dead letter
                    outcomes.append(error)
        return outcomes

    def deleted_since(self, *, domain: str, object_type: str, since: datetime) -> list[str]:
        """Source ids deleted at the source since `since` (for nightly reconciliation)."""
        return []

    # Reconciliation (connectors/reconcile.py): what the system holds against what the hub would
    # have it hold. A connector without these cannot be reconciled (`can_reconcile`).
    def read_all(self, *, domain: str) -> Iterator[HeldRecord]:
        """Every record of `domain` the system holds (deleted ones left out), in any order."""
        raise NotImplementedError(f"the {self.system} connector cannot list what {self.system} holds")

    def outbound_fields(self, *, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """What a push of these golden attributes writes, keyed and shaped as `read_all` reports
        what the system holds (the push's own mapping, so the two cannot drift apart)."""
        raise NotImplementedError(f"the {self.system} connector cannot say what it writes")

    @classmethod
    def can_reconcile(cls) -> bool:
        return cls.read_all is not Connector.read_all and cls.outbound_fields is not Connector.outbound_fields


_registry: dict[str, type[Connector]] = {}


def register(cls: type[Connector]) -> type[Connector]:
    """Class decorator: make a connector findable by its system name."""
    if not cls.system:
        raise ValueError(f"{cls.__name__} must set `system`")
    _registry[cls.system] = cls
    return cls


def connector_class(system: str) -> type[Connector]:
    try:
        return _registry[system]
    except KeyError:
        raise LookupError(f"no connector is registered for system {system!r}; known: {sorted(_registry)}") from None


def registered_systems() -> list[str]:
    return sorted(_registry)
