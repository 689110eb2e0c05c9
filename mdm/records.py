"""Plain data that crosses the hub's boundary: what a system said, and what ingestion made of it.

No Django here: connectors, the CSV importer and the API build these; the pipeline consumes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DOMAINS = ("customer", "contract", "project", "resource")


@dataclass(frozen=True)
class IncomingRecord:
    """One system's statement about one object.

    `canonical` holds canonical attribute names (see mdm.canonical) with the system's raw values;
    the pipeline standardizes and validates them. References to related records use the same
    system's source ids: `customer_source_id`, `contract_source_id`, `parent_source_id`.
    `source_updated_at` is the source's own business timestamp (Salesforce SystemModstamp,
    NetSuite lastModifiedDate, Tryton write_date): it decides "most recent", not our receipt time.
    """

    source_id: str
    object_type: str
    canonical: dict[str, Any]
    payload: dict[str, Any] = field(default_factory=dict)
    source_updated_at: datetime | None = None
    source_version: str = ""
    deleted: bool = False
    # What the mapper already found wrong (e.g. an unparseable timestamp): quarantined with the rest.
    problems: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class PreparedRecord:
    """An IncomingRecord with the work that needs no database already done: its standardized
    values and validation errors, its content hash, and what the matcher worked out from the
    values alone. Plain, picklable data, so a CSV import can prepare records in a second process
    while the first writes (mdm.services.ingest.source_record_prepare makes them)."""

    incoming: IncomingRecord
    values: dict[str, Any]
    errors: dict[str, list[str]]
    content_hash: str
    match_material: Any = None


@dataclass
class Rejection:
    """A record that could not be used, and why (field -> messages)."""

    source_id: str
    object_type: str
    errors: dict[str, list[str]]

    @property
    def reason(self) -> str:
        return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in self.errors.items())


@dataclass
class IngestSummary:
    """What one ingestion call did, counted per outcome."""

    created: int = 0  # a new source record (first time this source key is seen)
    updated: int = 0  # a newer version of a known source record
    unchanged: int = 0  # the same version again: nothing written
    stale: int = 0  # an older version than the one held: kept in history only
    deleted: int = 0
    quarantined: list[Rejection] = field(default_factory=list)
    golden_created: int = 0
    golden_updated: int = 0
    review_candidates: int = 0

    def merge(self, other: IngestSummary) -> None:
        for name in ("created", "updated", "unchanged", "stale", "deleted", "golden_created",
                     "golden_updated", "review_candidates"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.quarantined.extend(other.quarantined)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
            "stale": self.stale, "deleted": self.deleted, "quarantined": len(self.quarantined),
            "golden_created": self.golden_created, "golden_updated": self.golden_updated,
            "review_candidates": self.review_candidates,
        }
