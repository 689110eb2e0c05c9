"""PostgreSQL's planner kept informed by bulk writers: statistics kept up with the writes, and no
parallel plans inside a batch.

A bulk load grows tables from nothing in minutes, faster than autovacuum (one look a minute)
re-analyzes them. Until it does, the planner estimates selectivity with no statistics at all and
answers a batch's `= ANY(...)` lookups (source ids, golden ids, blocking keys) with sequential
scans of the whole table instead of probes of the index (docs/benchmarks.md has the
figures). So the writers ask before each batch, in one catalog read, whether their tables
grew enough since they were last analyzed, and ANALYZE only those. SQLite plans from its indexes
alone and needs none of this.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import connection, models

# Fewer changes than this never make statistics stale: an ANALYZE samples up to 30,000 rows.
MIN_CHANGES = 1000


def statistics_stale(changed_since_analyze: int, estimated_rows: float, fraction: float = 0.2) -> bool:
    """Never analyzed (PostgreSQL says -1 rows), or more than `fraction` of the table changed since."""
    return estimated_rows < 0 or changed_since_analyze > max(MIN_CHANGES, fraction * estimated_rows)


def rows_grown(estimated_rows: float, pages_then: int, pages_now: int) -> float:
    """Rows added since the last ANALYZE, estimated from the table's growth in pages. An ANALYZE
    of some columns only leaves PostgreSQL's change counter (n_mod_since_analyze) as it was, so
    after one the counter cannot tell staleness: it made every batch analyze again."""
    if pages_now <= pages_then:
        return 0
    if pages_then <= 0:
        return float("inf")  # first rows since an ANALYZE of the empty table
    return max(estimated_rows, 0) * (pages_now - pages_then) / pages_then


def statistics_refresh(tables: Mapping[type[models.Model], Sequence[str]] | Sequence[type[models.Model]],
                       fraction: float = 0.2) -> list[str]:
    """ANALYZE those of `tables` whose statistics are stale; returns the tables analyzed. Given as
    {model: field names}, only those columns are analyzed: the ones the writer's lookups select on,
    and staleness is then judged by the table's growth (`rows_grown`). Sorting a sample of every
    JSON column (payloads, lineage) was most of an ANALYZE's work. Nothing on databases other than PostgreSQL."""
    if connection.vendor != "postgresql" or not tables:
        return []
    fields = tables if isinstance(tables, Mapping) else {model: () for model in tables}
    by_table = {model._meta.db_table: [model._meta.get_field(name).column for name in names]
                for model, names in fields.items()}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, s.n_mod_since_analyze, c.reltuples, c.relpages, "
                       "pg_relation_size(c.oid) / current_setting('block_size')::int "
                       "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE c.relname = ANY(%s)",
                       [list(by_table)])
        stale = []
        for name, changed, estimated, pages_then, pages_now in cursor.fetchall():
            if by_table[name]:
                changed = rows_grown(estimated, pages_then, pages_now)
            if statistics_stale(changed, estimated, fraction):
                stale.append(name)
        for name in stale:
            columns = f" ({', '.join(quote(column) for column in by_table[name])})" if by_table[name] else ""
            cursor.execute(f"ANALYZE {quote(name)}{columns}")
    return stale


def serial_plans() -> None:
    """No parallel workers for the rest of this transaction (PostgreSQL). A batch's lookups are
    thousands of index probes; with statistics that say so the planner still split the largest
    (the blocking index) over three processes, which on a small machine only took the cores the
    writer and its reader were using, and ran slower than one process."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")

