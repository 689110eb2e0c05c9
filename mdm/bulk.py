"""Lean bulk writes for the ingestion hot path: COPY on PostgreSQL, multi-row INSERTs on SQLite.

Django's bulk_create prepares every value through the full field machinery (a few microseconds
each); at ten rows per source record that, not the database, bounds ingestion. Here each column
gets one converter chosen once, and rows go out as COPY … FROM STDIN on PostgreSQL (on a helper
thread, overlapping the Python that follows: copies_overlapped) and as multi-row INSERT … VALUES
statements on SQLite. Only for plain concrete fields; anything unusual goes through the ORM.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Collection, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import partial
from operator import attrgetter
from types import SimpleNamespace
from typing import Any

import orjson
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

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
        # json.dumps a tenth of ingestion. Datetimes and dataclasses go through str() as json's
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
    are read in one call (attrgetter) and only converting columns touched: per-column Python for
    ~15 columns of ~10 rows per source record was a tenth of the writer's time."""
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
            _log(f"{verb} {quote(table)} ({column_sql}) VALUES ... [{len(chunk)} rows]", started)
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


def _log(summary: str, started: float, wrapper=None) -> None:
    """Statements sent past Django's cursor still show where queries are counted (DEBUG, tests).
    `wrapper`: the Django connection they went over, when not this thread's (the COPY line's)."""
    wrapper = wrapper or connection
    if wrapper.queries_logged:
        wrapper.queries_log.append({"sql": summary, "time": f"{time.monotonic() - started:.3f}"})


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
        _copy_staged(table, columns, rows, lambda staging: (
            f"INSERT INTO {quote(table)} ({column_sql}) SELECT {column_sql} FROM {staging} ON CONFLICT DO NOTHING"))
    else:
        _copy_submit(quote(table), column_sql, rows, None)
    return ids


def _copy_staged(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 apply: Callable[[str], str]) -> None:
    """COPY rows into a temporary table shaped like `columns` of `table`, then run `apply(staging)`."""
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(c) for c in columns)
    staging = quote(f"staging_{table}_{zlib.crc32(column_sql.encode()):x}")
    create = (f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
              f"SELECT {column_sql} FROM {quote(table)} WITH NO DATA")
    _copy_submit(staging, column_sql, rows, (create, apply(staging), f"TRUNCATE {staging}"))


def _copy_submit(target_sql: str, column_sql: str, rows: Sequence[Sequence[Any]],
                 staged: tuple[str, str, str] | None) -> None:
    """Run the COPY on the block's helper thread (copies_overlapped), else here."""
    line = _copy_line.get()
    if line is not None and line.wrapper is connections[DEFAULT_DB_ALIAS]:
        line.submit(partial(_copy, target_sql, column_sql, rows, staged, line.wrapper))
    else:
        connection.ensure_connection()
        with connection.wrap_database_errors:
            _copy(target_sql, column_sql, rows, staged, connections[DEFAULT_DB_ALIAS], connection.connection)


def _copy(target_sql: str, column_sql: str, rows: Sequence[Sequence[Any]], staged: tuple[str, str, str] | None,
          wrapper, raw) -> None:
    """COPY rows into a table over `raw`, the driver's connection of Django's `wrapper`; when
    `staged` (create, apply, clear), into a staging table that `apply` then moves on. Runs on
    the writer's thread or a helper thread: the driver's own lock keeps each statement whole."""
    started = time.monotonic()
    with raw.cursor() as cursor:
        if staged:
            cursor.execute(staged[0])
        with cursor.copy(f"COPY {target_sql} ({column_sql}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if staged:
            cursor.execute(staged[1])
            cursor.execute(staged[2])
    _log(f"COPY {target_sql} ({column_sql}) FROM STDIN [{len(rows)} rows]" + (f"; {staged[1]}" if staged else ""),
         started, wrapper)


def update_rows(table: str, key: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """UPDATE `columns` of the rows whose `key` is each row's first value (the rest in `columns`
    order, already converted). Django's bulk_update writes one CASE WHEN per column over every
    row of its batch, which both Python and the server work through row by row: a fifth of a
    connector page's time when a load links records to golden records already held. Here rows
    are COPYed into a staging table and applied with one UPDATE ... FROM (PostgreSQL), or run as
    one prepared statement over all rows (SQLite)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        assignments = ", ".join(f"{quote(c)} = s.{quote(c)}" for c in columns)
        _copy_staged(table, [key, *columns], rows, lambda staging: (
            f"UPDATE {quote(table)} AS t SET {assignments} FROM {staging} AS s WHERE t.{quote(key)} = s.{quote(key)}"))
        return
    sql = (f"UPDATE {quote(table)} SET {', '.join(f'{quote(c)} = ?' for c in columns)} "
           f"WHERE {quote(key)} = ?")
    started = time.monotonic()
    with _driver_cursor() as cursor:
        cursor.executemany(sql, [[*row[1:], row[0]] for row in rows])
    _log(f"{sql} [{len(rows)} rows]", started)


def delete_rows(model: type[models.Model], column: str, values: Collection[Any]) -> None:
    """DELETE the rows of `model` whose `column` is among `values`. Inside copies_overlapped the
    statement joins the COPYs on their helper thread, in order: the writer goes on instead of
    first waiting for every COPY before it (re-indexing a page's changed golden records did)."""
    if not values:
        return
    line = _copy_line.get()
    if line is None or line.wrapper is not connections[DEFAULT_DB_ALIAS]:
        model.objects.filter(**{f"{column}__any": set(values)}).delete()
        return
    sql = (f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} "
           f"WHERE {connection.ops.quote_name(model._meta.get_field(column).column)} = ANY(%s)")
    line.submit(partial(_execute, sql, [list(values)], line.wrapper))


def _execute(sql: str, params: Sequence[Any], wrapper, raw) -> None:
    started = time.monotonic()
    with raw.cursor() as cursor:
        cursor.execute(sql, params)
    _log(f"{sql} [{len(params[0])} values]", started, wrapper)


class _CopyLine:
    """COPYs run in order on a helper thread, over the writer's own connection, while the writer
    goes on working out its next rows. Every other statement of the writer waits for them first
    (an execute wrapper), so what it reads and the order of its writes are as if run inline."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper  # Django's connection of the writing thread (open)
        self.raw = wrapper.connection
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="concord-copy")
        self.pending: list[Future] = []
        self.failure: BaseException | None = None

    def submit(self, copy: Callable[[Any], None]) -> None:
        self.pending.append(self.worker.submit(self._run, copy))

    def _run(self, copy: Callable[[Any], None]) -> None:
        if self.failure is None:  # after a failure the transaction is aborted: nothing more can land
            try:
                copy(self.raw)
            except BaseException as error:  # handed to the writer by drain(), which raises it
                self.failure = error

    def drain(self) -> None:
        """Wait for every COPY handed over; raise the first failure as Django's error type."""
        pending, self.pending = self.pending, []
        for future in pending:
            future.result()
        if self.failure is not None:
            failure, self.failure = self.failure, None
            with self.wrapper.wrap_database_errors:
                raise failure

    def before_statement(self, execute, sql, params, many, context):
        self.drain()
        return execute(sql, params, many, context)


_copy_line: ContextVar[_CopyLine | None] = ContextVar("concord_copy_line", default=None)


@contextmanager
def copies_overlapped() -> Iterator[None]:
    """Within this block (inside a transaction, PostgreSQL only), insert_rows' COPYs go to a
    helper thread and return at once: the server inserts, updates indexes and checks foreign keys
    while this thread builds the next rows, instead of the two taking turns. Leaving the block
    waits for them, so a failed COPY raises here, inside the transaction, which then rolls back."""
    wrapper = connections[DEFAULT_DB_ALIAS]
    if wrapper.vendor != "postgresql" or _copy_line.get() is not None:
        yield
        return
    # Foreign keys (deferred to commit by Django) are checked as each COPY ends, on the helper
    # thread, while this one works: at commit nothing overlaps them (a tenth of the server's work).
    with wrapper.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    line = _CopyLine(wrapper)
    token = _copy_line.set(line)
    try:
        with wrapper.execute_wrapper(line.before_statement):
            try:
                yield
            except BaseException:
                line.drain()  # a failed COPY is the cause of what failed after it: report that
                raise
            line.drain()
        with wrapper.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # as Django declares them, for the rest of the transaction
    finally:
        _copy_line.reset(token)
        line.worker.shutdown(wait=True)


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
    costs tens of microseconds to build; an initial load builds two per source record. `ids`:
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


def column_converter(model: type[models.Model], field_name: str) -> Callable[[Any], Any]:
    """The driver-side converter of one column, for callers that build rows themselves."""
    return _converter(model._meta.get_field(field_name), {}) or (lambda value: value)


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

