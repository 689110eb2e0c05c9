"""Bulk writers: rows of a model written with one converter per column, COPY on PostgreSQL.

Django's bulk_create prepares every value through the full field machinery; at ten rows per
source record that, not the database, bounds ingestion. Here each column gets one converter
chosen once (most columns need none), values shared by many rows are converted once, and rows go
out as `COPY … FROM STDIN` on PostgreSQL — on the COPY line's helper thread inside
`copies_overlapped` (mdm.db.copy_line) — and as multi-row `INSERT … VALUES` statements on SQLite.
Only for plain concrete fields; anything unusual goes through the ORM.

Domain code does not call these with table and column names: it calls the named writers
(mdm.db.writers, or its own app's thin wrappers over `rows_write`), whose columns are the model's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from operator import attrgetter, itemgetter
from types import SimpleNamespace
from typing import Any

import orjson
from django.db import connection, models
from django.utils import timezone

from mdm.db.copy_line import copy_staged, copy_submit, statement_logged, statement_submit

_ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_SQLITE_MAX_PARAMS = 32_000  # SQLite >= 3.32 allows 32,766 host parameters


def _converter(field: models.Field, memo: dict[int, Any]) -> Callable[[Any], Any] | None:
    """A function turning a Python value into what the driver takes for this column, or None when
    the driver takes the value as it is (most columns). Values shared
    by many rows (one payload dict for three outbox rows, one `now`) are converted once: `memo`
    is keyed by object identity and lives only as long as the rows being inserted."""
    vendor = connection.vendor

    def once(convert):
        def converted(value):
            if value is None:
                return None
            key = id(value)
            if key not in memo:
                memo[key] = (value, convert(value))  # keep `value` alive so its id stays unique
            return memo[key][1]

        return converted

    if isinstance(field, models.JSONField):
        # orjson: several JSON documents per row (payload, canonical, lineage, history, outbox) made
        # json.dumps a visible share of ingestion. Datetimes and dataclasses go through str() as json's
        # default=str would, so what is stored reads back the same.
        dump = once(lambda value: orjson.dumps(value, default=str, option=_ORJSON_OPTIONS).decode())
        return lambda value: None if value is None and field.null else dump(value) if value is not None else "null"
    if vendor == "sqlite":
        if isinstance(field, models.DateTimeField):
            return once(connection.ops.adapt_datetimefield_value)
        if isinstance(field, models.DateField):
            return lambda value: None if value is None else value.isoformat() if isinstance(value, date) else value
        if isinstance(field, models.DecimalField):
            return lambda value: None if value is None else str(value)
    return None


def _rows_of(objs: Sequence[Any], attnames: Sequence[str], converters: Sequence[Callable[[Any], Any] | None]
             ) -> list[list[Any]]:
    """Each object's attributes, converted for the driver where a column needs it. All attributes
    are read in one call (attrgetter) and only converting columns touched: Python per column of every
    row was a large share of the writer's time."""
    get = attrgetter(*attnames) if len(attnames) > 1 else (lambda obj: (getattr(obj, attnames[0]),))
    converting = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    rows = []
    for obj in objs:
        row = list(get(obj))
        for index, convert in converting:
            row[index] = convert(row[index])
        rows.append(row)
    return rows


def _max_params() -> int:
    return _SQLITE_MAX_PARAMS if connection.vendor == "sqlite" else 60_000


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning: str | None = None,
                on_conflict_ignore: bool = False) -> list[Any]:
    """INSERT rows (already converted) in as few statements as the backend allows.

    `returning` names an auto-increment primary key column whose new values are returned in row
    order. On PostgreSQL rows go through COPY (ids drawn from the column's sequence first); on
    SQLite through multi-row INSERT statements."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy_rows(table, columns, rows, returning=returning, on_conflict_ignore=on_conflict_ignore)
    quote = connection.ops.quote_name
    per_statement = max(1, _max_params() // len(columns))
    column_sql = ", ".join(quote(c) for c in columns)
    # qmark placeholders on the driver's own cursor: Django's cursor would rewrite "%s" to "?" with
    # a regular expression over each statement's tens of thousands of placeholders.
    placeholder = "(" + ", ".join(["?"] * len(columns)) + ")"
    verb = "INSERT OR IGNORE INTO" if on_conflict_ignore else "INSERT INTO"
    ids: list[Any] = []
    with _driver_cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = f"{verb} {quote(table)} ({column_sql}) VALUES " + ", ".join([placeholder] * len(chunk))
            if returning:
                sql += f" RETURNING {quote(returning)}"
            started = time.monotonic()
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
            statement_logged(f"{verb} {quote(table)} ({column_sql}) VALUES ... [{len(chunk)} rows]", started)
    return ids


@contextmanager
def _driver_cursor() -> Iterator[Any]:
    """The driver's own cursor (SQLite's takes `?` placeholders as they are), raising Django's
    error types as Django's cursor would."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        with connection.wrap_database_errors:
            yield cursor
    finally:
        cursor.close()


def _copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], *, returning: str | None,
               on_conflict_ignore: bool) -> list[Any]:
    quote = connection.ops.quote_name
    ids: list[Any] = []
    if returning:
        ids = _draw_ids(table, returning, len(rows))
        columns = [returning, *columns]
        rows = [[pk, *row] for pk, row in zip(ids, rows, strict=True)]
    column_sql = ", ".join(quote(c) for c in columns)
    if on_conflict_ignore:
        # COPY cannot skip conflicts: rows are staged and what does not collide is inserted.
        copy_staged(table, columns, rows, lambda staging: (
            f"INSERT INTO {quote(table)} ({column_sql}) SELECT {column_sql} FROM {staging} ON CONFLICT DO NOTHING"))
    else:
        copy_submit(quote(table), column_sql, rows, None)
    return ids


def update_rows(table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE `columns` of the rows whose `key` is each row's first value (the rest in `columns`
    order, already converted). Django's bulk_update writes one CASE WHEN per column over every
    row of its batch, which both Python and the server work through row by row: a large share
    of a connector page's time when a load links records to golden records already held. Here rows
    are COPYed into a staging table and applied with one UPDATE ... FROM (PostgreSQL), or run as
    one prepared statement over all rows (SQLite)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
        copy_staged(table, [key, *columns], rows, lambda staging: (
            f"UPDATE {quote(table)} AS t SET {assignments} FROM {staging} AS s WHERE t.{quote(key)} = s.{quote(key)}"))
        return
    sql = (f"UPDATE {quote(table)} SET {', '.join(f'{quote(c)} = ?' for c in columns)} "
           f"WHERE {quote(key)} = ?")
    started = time.monotonic()
    with _driver_cursor() as cursor:
        cursor.executemany(sql, [[*row[1:], row[0]] for row in rows])
    statement_logged(f"{sql} [{len(rows)} rows]", started)


def delete_rows(model: type[models.Model], column: str, values: Collection[Any]) -> None:
    """DELETE the rows of `model` whose `column` is among `values`. Inside copies_overlapped the
    statement joins the COPYs on their helper thread, in order: the writer goes on instead of
    first waiting for every COPY before it (re-indexing a page's changed golden records did)."""
    if not values:
        return
    sql = (f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} "
           f"WHERE {connection.ops.quote_name(model._meta.get_field(column).column)} = ANY(%s)")
    if not statement_submit(sql, [list(values)]):
        model.objects.filter(**{f"{column}__any": set(values)}).delete()


def reserve_ids(model: type[models.Model], count: int) -> list[int] | None:
    """`count` values of the model's id sequence, drawn now (PostgreSQL), so rows can be written
    later without reading their ids back: a round draws them before its first COPY (see
    copies_overlapped). None where ids come only from the insert itself (SQLite)."""
    if connection.vendor != "postgresql" or count == 0:
        return None
    return _draw_ids(model._meta.db_table, model._meta.pk.column, count)


def _draw_ids(table: str, column: str, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [connection.ops.quote_name(table), column, count])
        return [row[0] for row in cursor.fetchall()]


def new_rows(model: type[models.Model], values: Sequence[dict[str, Any]],
             ids: Sequence[int] | None = None) -> list[SimpleNamespace]:
    """Unsaved rows of `model` as plain objects — one attribute per column (`attname`: `system_id`,
    not `system`), defaults filled in — for insert_objects and insert_history. A model instance
    is far dearer to build; an initial load builds two per source record. `ids`:
    primary keys drawn ahead (reserve_ids); without them insert_objects reads them back."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    given = set().union(*(row.keys() for row in values)) if values else set()
    defaults = {f.attname: f.get_default() for f in fields if f.attname not in given}
    pk = model._meta.pk.attname
    if ids is None:
        return [SimpleNamespace(**defaults, **row) for row in values]
    return [SimpleNamespace(**defaults, **row, **{pk: row_id}) for row, row_id in zip(values, ids, strict=True)]


def insert_objects(objs: Sequence[models.Model | SimpleNamespace], *, model: type[models.Model] | None = None,
                   on_conflict_ignore: bool = False) -> None:
    """Insert unsaved model instances (or new_rows of `model`); auto primary keys not given are
    read back and set on them."""
    if not objs:
        return
    model = model or type(objs[0])
    meta = model._meta
    auto_pk = isinstance(meta.pk, models.AutoField)
    drawn = auto_pk and all(getattr(obj, meta.pk.attname, None) is not None for obj in objs)
    now = timezone.now()
    fields = [f for f in meta.concrete_fields if not (auto_pk and f.primary_key and not drawn)]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                if getattr(obj, field.attname) is None or field.auto_now:
                    setattr(obj, field.attname, now)
    memo: dict[int, Any] = {}
    converters = [_converter(f, memo) for f in fields]
    rows = _rows_of(objs, [f.attname for f in fields], converters)
    ids = insert_rows(meta.db_table, [f.column for f in fields], rows,
                      returning=meta.pk.column if auto_pk and not drawn and not on_conflict_ignore else None,
                      on_conflict_ignore=on_conflict_ignore)
    if ids:
        for obj, pk in zip(objs, ids, strict=True):
            setattr(obj, meta.pk.attname, pk)
            if isinstance(obj, models.Model):
                obj._state.adding = False
                obj._state.db = connection.alias


def update_objects(objs: Sequence[models.Model | SimpleNamespace], fields: Sequence[str], *,
                   model: type[models.Model] | None = None) -> None:
    """Write `fields` of saved objects (model instances or rows with their ids) by primary key,
    as bulk_update would, in a few statements (update_rows)."""
    if not objs:
        return
    model = model or type(objs[0])
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    memo: dict[int, Any] = {}
    converters = [_converter(meta.pk, memo), *(_converter(f, memo) for f in concrete)]
    rows = _rows_of(objs, [meta.pk.attname, *(f.attname for f in concrete)], converters)
    update_rows(meta.db_table, meta.pk.column, [f.column for f in concrete], rows)


def insert_history(model: type[models.Model], objs: Sequence[models.Model], *, user=None, reason: str = "",
                   when: datetime | None = None, history_type: str = "+") -> None:
    """django-simple-history rows for `objs`, as its bulk utilities would write them."""
    if not objs:
        return
    historical = model.history.model
    when = when or timezone.now()
    user_id = getattr(user, "pk", None)
    tracked = [f for f in historical.tracked_fields]
    columns = [f.column for f in tracked] + ["history_date", "history_user_id", "history_change_reason",
                                             "history_type"]
    history_fields = [historical._meta.get_field(f.name) for f in tracked]
    memo: dict[int, Any] = {}
    converters = [_converter(f, memo) for f in history_fields]
    date_converter = _converter(historical._meta.get_field("history_date"), memo)
    stamp = date_converter(when) if date_converter else when
    rows = _rows_of(objs, [f.attname for f in tracked], converters)
    for obj, row in zip(objs, rows, strict=True):
        row += [stamp, user_id, getattr(obj, "_change_reason", None) or reason, history_type]
    insert_rows(historical._meta.db_table, columns, rows)



def rows_write(model: type[models.Model], values: Sequence[dict[str, Any]], *, skip_existing: bool = False) -> None:
    """Insert rows of `model` given as {attname: value} (`system_id`, not `system`): columns are
    the model's concrete fields, defaults filled in for those a row leaves out, auto timestamps
    set. `skip_existing`: a row colliding with one held (a unique key) is left out, not an error.
    Primary keys not given are not read back (use insert_objects for that)."""
    if not values:
        return
    meta = model._meta
    auto_pk = isinstance(meta.pk, models.AutoField)
    pk_given = auto_pk and meta.pk.attname in values[0]
    fields = [f for f in meta.concrete_fields if not (auto_pk and f.primary_key and not pk_given)]
    names = [f.attname for f in fields]
    now = timezone.now()
    defaults = {f.attname: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                else f.get_default() for f in fields}
    memo: dict[int, Any] = {}
    converters = [_converter(f, memo) for f in fields]
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    converting = [(index, convert) for index, convert in enumerate(converters) if convert is not None]
    rows = []
    for row in values:
        line = list(get(row if len(row) == len(names) else {**defaults, **row}))
        for index, convert in converting:
            line[index] = convert(line[index])
        rows.append(line)
    insert_rows(meta.db_table, [f.column for f in fields], rows, on_conflict_ignore=skip_existing)
