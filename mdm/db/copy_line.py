"""The COPY line: COPYs run on a helper thread while the writer works out its next rows.

Inside `copies_overlapped()` (a transaction, PostgreSQL only) every COPY the bulk writers send
(mdm.db.bulk) and every DELETE of `delete_rows` is handed to one helper thread, over the writer's
own connection, and runs there in order. Any other statement the writer sends first waits for
them (an execute wrapper), so what it reads and the order of its writes are as if run inline: a
round that does all its reads before its writes lets the server insert, index and check foreign
keys while Python builds the next rows, instead of the two taking turns.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections


def statement_logged(summary: str, started: float, wrapper=None) -> None:
    """Statements sent past Django's cursor still show where queries are counted (DEBUG, tests).
    `wrapper`: the Django connection they went over, when not this thread's (the COPY line's)."""
    wrapper = wrapper or connection
    if wrapper.queries_logged:
        wrapper.queries_log.append({"sql": summary, "time": f"{time.monotonic() - started:.3f}"})



def copy_staged(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                 apply: Callable[[str], str]) -> None:
    """COPY rows into a temporary table shaped like `columns` of `table`, then run `apply(staging)`."""
    quote = connection.ops.quote_name
    column_sql = ", ".join(quote(c) for c in columns)
    staging = quote(f"staging_{table}_{zlib.crc32(column_sql.encode()):x}")
    create = (f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
              f"SELECT {column_sql} FROM {quote(table)} WITH NO DATA")
    copy_submit(staging, column_sql, rows, (create, apply(staging), f"TRUNCATE {staging}"))


def copy_submit(target_sql: str, column_sql: str, rows: Sequence[Sequence[Any]],
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
    statement_logged(f"COPY {target_sql} ({column_sql}) FROM STDIN [{len(rows)} rows]" + (f"; {staged[1]}" if staged else ""),
         started, wrapper)



def _execute(sql: str, params: Sequence[Any], wrapper, raw) -> None:
    started = time.monotonic()
    with raw.cursor() as cursor:
        cursor.execute(sql, params)
    statement_logged(f"{sql} [{len(params[0])} values]", started, wrapper)



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
    # thread, while this one works: at commit nothing would overlap them.
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


def statement_submit(sql: str, params: Sequence[Any]) -> bool:
    """Hand `sql` to the COPY line, behind the COPYs before it; False when no line runs here."""
    line = _copy_line.get()
    if line is None or line.wrapper is not connections[DEFAULT_DB_ALIAS]:
        return False
    line.submit(partial(_execute, sql, params, line.wrapper))
    return True

