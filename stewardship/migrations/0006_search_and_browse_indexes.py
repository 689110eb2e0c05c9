"""Search and browse on PostgreSQL: pg_trgm and unaccent, `concord_fold(text)` (lower case, accents
removed; IMMUTABLE, so an index can use it), trigram indexes over the folded names, and one
narrow index for the golden-record browser's counts and facets.

- `<table>_name_fold_trgm` (GIN, gin_trgm_ops over concord_fold(name or title)): "contains these
  words" (LIKE) and "has a word like this one" (`<%`) without reading the table (stewardship.search).
- `customer_console_browse` (country, record_status, city) INCLUDE (id): the browser's count,
  country and city facets, and the permission filter's "customers of these countries" (every list
  a scoped steward sees) read this index alone instead of the customer table, whose rows (lineage
  included) are a hundred times wider.

SQLite has none of this: search ranks names in Python there (stewardship.search). CREATE EXTENSION
needs a role allowed to create them (pg_trgm and unaccent are "trusted" since PostgreSQL 13: the
database owner may); the function names unaccent's schema, so it works whatever the search path.
"""

from django.db import migrations

TRIGRAM_INDEXES = [("customer_name_fold_trgm", "mdm_customer", "name"),
                   ("contract_title_fold_trgm", "mdm_contract", "title"),
                   ("project_name_fold_trgm", "mdm_project", "name")]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    run = schema_editor.execute
    run("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    run("CREATE EXTENSION IF NOT EXISTS unaccent")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'unaccent'")
        schema = cursor.fetchone()[0]
    run(f"CREATE OR REPLACE FUNCTION concord_fold(text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$ SELECT lower({schema}.unaccent('{schema}.unaccent'::regdictionary, $1)) $$")
    for name, table, column in TRIGRAM_INDEXES:
        run(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (concord_fold({column}) gin_trgm_ops)")
    run("CREATE INDEX IF NOT EXISTS customer_console_browse ON mdm_customer (country, record_status, city) "
        "INCLUDE (id)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute("DROP INDEX IF EXISTS customer_console_browse")
    schema_editor.execute("DROP FUNCTION IF EXISTS concord_fold(text)")


class Migration(migrations.Migration):
    dependencies = [("stewardship", "0005_saved_view"), ("mdm", "0012_customer_trading_name_and_phones")]

    operations = [migrations.RunPython(forward, backward)]
