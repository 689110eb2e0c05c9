"""Reading source records from CSV: columns are canonical attribute names plus `source_id`.

Other columns are kept in the raw payload; related records are referenced by their source ids
(`customer_source_id`, `contract_source_id`, `parent_source_id`). Optional envelope columns:
`object_type`, `source_updated_at` (ISO datetime), `source_version`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from mdm.reader_process import batches_from_child
from mdm.records import IncomingRecord, PreparedRecord
from mdm.services.api_ingest import incoming_from_row
from mdm.services.ingest import source_records_prepare


def read_csv(path: Path, domain: str) -> Iterator[IncomingRecord]:
    """Yield one IncomingRecord per row. A bad timestamp is left to validation (quarantine)."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            cleaned = {key.strip(): (value.strip() if isinstance(value, str) else value)
                       for key, value in row.items() if key is not None}
            # A row with problems (a bad timestamp) still goes in: ingestion quarantines it with its reason.
            record, _problems = incoming_from_row(domain, cleaned, default_object_type=domain)
            yield record


def prepared_batches(path: Path, domain: str, batch_size: int) -> Iterator[list[PreparedRecord]]:
    """read_csv in batches, each record prepared for ingestion (everything that needs no database)."""
    batch: list[IncomingRecord] = []
    for record in read_csv(path, domain):
        batch.append(record)
        if len(batch) >= batch_size:
            yield source_records_prepare(domain, batch)
            batch = []
    if batch:
        yield source_records_prepare(domain, batch)


def read_csv_ahead(path: Path, domain: str, batch_size: int) -> Iterator[list[PreparedRecord]]:
    """prepared_batches, worked out in a second process a few batches ahead of the caller."""
    return batches_from_child(prepared_batches, path, domain, batch_size)


def count_rows(path: Path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return max(sum(1 for _ in handle) - 1, 0)
