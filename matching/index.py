"""The persistent blocking index: each golden record's blocking keys (BlockingKey rows), kept
equal to its current values in the transaction that changes them, so a new source record finds
its candidates with one indexed lookup."""

from __future__ import annotations

from collections.abc import Collection
from functools import lru_cache
from hashlib import blake2b
from operator import attrgetter

from matching.engine import SCHEMAS
from matching.forms import GOLDEN_COLUMNS, engine_row, golden_engine_records, record_keys, values_hash
from matching.models import BlockingKey
from mdm.db.bulk import delete_rows, rows_write
from mdm.db.planner_statistics import statistics_refresh
from mdm.models import GoldenRecord

# A key shared by more golden records than this tells little (a switchboard number, a generic city
# and first word): it is skipped rather than turned into hundreds of comparisons. The batch engine
# skips the same keys, so incremental and batch matching reach the same answer.
MAX_BLOCK_SIZE = SCHEMAS["customer"].max_block_size

@lru_cache(maxsize=1 << 16)  # a batch's keys are hashed to look them up, then again to index them
def key_hash(domain: str, key: str) -> int:
    """What the blocking index stores for a key: 64 bits of BLAKE2b over 'domain|key', signed."""
    return int.from_bytes(blake2b(f"{domain}|{key}".encode(), digest_size=8).digest(), "big", signed=True)

def indexed_keys(domain: str, keys: Collection[str]) -> list[tuple[str, str, int]]:
    """(key, golden id, values hash) rows of the blocking index for these keys."""
    by_hash = {key_hash(domain, key): key for key in keys}
    # One parameter (see mdm.db.lookups): a batch's keys in one index scan. A set, because
    # Django walks a list's items one by one to resolve expressions before the lookup sees it.
    rows = BlockingKey.objects.filter(key_hash__any=set(by_hash)).values_list("key_hash", "golden_id", "values_hash")
    return [(by_hash[hashed], golden_id, values) for hashed, golden_id, values in rows]

def blocking_index_statistics(domain: str) -> None:
    """The writer keeps the planner informed: the index grows several rows a record in a bulk load and
    the next batch's lookups read it (see mdm.db.planner_statistics); a read-only match check does not.
    Read once per ingestion batch, before it writes (mdm.read_ahead)."""
    statistics_refresh({BlockingKey: ["key_hash", "golden_id"]}, fraction=1.0)

def index_golden_records(domain: str, golden_ids: list[str], created: Collection[str] = (),
                         records: Collection[GoldenRecord] | None = None, *, statistics_fresh: bool = False) -> int:
    """Replace the blocking keys of these golden records. `records`: their saved instances, when the
    caller holds them all (ingestion does), so they are not read back. `statistics_fresh`: the
    batch brought the planner statistics up to date when it began."""
    if not statistics_fresh:
        blocking_index_statistics(domain)
    ids = list(dict.fromkeys(golden_ids))
    created = set(created)
    # A golden record created in this transaction has no keys yet: nothing to delete for it.
    known = [golden_id for golden_id in ids if golden_id not in created]
    delete_rows(BlockingKey, "golden_id", known)
    held = {record.pk: record for record in records or ()}
    if held.keys() >= set(ids):
        columns = attrgetter(*GOLDEN_COLUMNS[domain])
        engine_records = {golden_id: engine_row(domain, columns(held[golden_id]))
                          for golden_id in ids if held[golden_id].record_status == "active"}
    else:
        engine_records = golden_engine_records(domain, ids)
    rows = []
    for golden_id, record in engine_records.items():
        hashed = values_hash(domain, record)
        rows.extend({"domain": domain, "key_hash": key_hash(domain, key), "golden_id": golden_id, "values_hash": hashed}
                    for key in record_keys(domain, record))
    blocking_keys_write(rows)
    return len(rows)


def blocking_keys_write(rows: list[dict]) -> None:
    """New rows of the blocking index ({domain, key_hash, golden_id, values_hash})."""
    rows_write(BlockingKey, rows)
