"""PostgreSQL's planner statistics kept up with bulk writes.

A bulk load grows tables from nothing in minutes, faster than autovacuum (one look a minute)
re-analyzes them. Until it does, the planner estimates selectivity with no statistics at all and
answers a batch's `= ANY(...)` lookups (source ids, golden ids, blocking keys) with sequential
scans of the whole table: measured at 90,000 customers, 50–140 ms per lookup instead of a few
against the index. So the writers ask before each batch, in one catalog read, whether their tables
grew enough since they were last analyzed, and ANALYZE only those. SQLite plans from its indexes
alone and needs none of this.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

# Fewer changes than this never make statistics stale: an ANALYZE samples up to 30,000 rows.
MIN_CHANGES = 1000


def statistics_stale(changed_since_analyze: int, estimated_rows: float, fraction: float = 0.2) -> bool:
    """Never analyzed (PostgreSQL says -1 rows), or more than `fraction` of the table changed since."""
    return estimated_rows < 0 or changed_since_analyze > max(MIN_CHANGES, fraction * estimated_rows)


def statistics_refresh(tables: Sequence[type[models.Model] | str], fraction: float = 0.2) -> list[str]:
    """ANALYZE those of `tables` (models or table names) whose statistics are stale; returns the
    tables analyzed. Nothing on databases other than PostgreSQL."""
    if connection.vendor != "postgresql" or not tables:
        return []
    names = [table if isinstance(table, str) else table._meta.db_table for table in tables]
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname, s.n_mod_since_analyze, c.reltuples FROM pg_stat_user_tables s "
                       "JOIN pg_class c ON c.oid = s.relid WHERE c.relname = ANY(%s)", [names])
        stale = [name for name, changed, estimated in cursor.fetchall()
                 if statistics_stale(changed, estimated, fraction)]
        for name in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    return stale
