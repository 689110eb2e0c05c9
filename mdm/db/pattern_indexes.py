"""Django's extra `*_like` indexes on PostgreSQL, dropped.

For every indexed or unique `CharField` (golden ids, idempotency keys, statuses, tax ids) Django
adds a second index with `varchar_pattern_ops` on PostgreSQL, which serves only `LIKE 'prefix%'`
queries outside the C locale. Concord asks none (searches are `icontains`, which no b-tree
serves), yet each of those indexes cost every bulk-loaded row another entry for nothing
(docs/benchmarks.md counts them). Migrations drop them with `drop_pattern_indexes`; a later
`AlterField` that re-creates one is dropped again by adding the table to a new migration.
"""

from __future__ import annotations

from django.db import migrations


def drop_pattern_indexes(app_label: str) -> migrations.RunPython:
    """A migration operation dropping the `*_like` indexes of every table of `app_label`."""

    def forward(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        tables = [model._meta.db_table for model in apps.get_app_config(app_label).get_models()]
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                           "AND tablename = ANY(%s) AND indexdef LIKE '%%_pattern_ops%%'", [tables])
            for (name,) in cursor.fetchall():
                schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")

    return migrations.RunPython(forward, migrations.RunPython.noop)
