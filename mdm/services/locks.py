"""One lock order for the changes stewards make to golden records: merge, unmerge, override.

Each such change first locks every golden record it will touch, by primary key, before it touches
anything else (cross-references, related records, overrides, history). Two changes to the same
records then queue on the first record they share instead of each holding what the other waits
for: a merge racing an unmerge of the same records deadlocked in PostgreSQL, and the console
answered 500. Recomputation (mdm.services.golden) locks in the same order, and FOR NO KEY UPDATE
like it, so a foreign-key check of a concurrent load is not held up.

A change that loses a race anyway (the database gave up waiting, or what it was about kept moving
under it) writes nothing and raises ConcurrentChange: a ValidationError with a message the console
shows and the API answers with 409.
"""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import zlib
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from psycopg import errors as pg_errors

from mdm.models import GoldenRecord, golden_model

F = TypeVar("F", bound=Callable)

_LOST_RACES = (pg_errors.DeadlockDetected, pg_errors.LockNotAvailable, pg_errors.SerializationFailure)


def _lost_race(error: OperationalError) -> bool:
    """PostgreSQL broke a deadlock or gave up waiting; SQLite (the embedded default) found the
    database locked by another writer ("database is locked", or "database table is locked" in its
    shared in-memory test database)."""
    cause = error.__cause__
    return isinstance(cause, _LOST_RACES) or (isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause))


class ConcurrentChange(ValidationError):
    """Someone changed the same golden records at the same moment and won; nothing of this change
    was written. Trying again sees their change. (Under `golden_id`, where every console form
    shows a problem with the records themselves.)"""

    def __init__(self, message: str = "these golden records were being changed by someone else at the same "
                                      "moment; nothing was changed: look at them again and retry"):
        super().__init__({"golden_id": [message]})
        self.detail = message


def golden_records_lock(domain: str, golden_ids: Iterable[str]) -> dict[str, GoldenRecord]:
    """Lock the golden records (FOR NO KEY UPDATE, in primary-key order) until the transaction
    ends; return those that exist, by id, as they are now that no one else can change them."""
    ids = sorted(set(golden_ids))
    if not ids:
        return {}
    query = golden_model(domain).objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True)
    return {record.pk: record for record in query}


def steward_change(function: F) -> F:
    """transaction.atomic, with a lost race reported as ConcurrentChange rather than a database
    error. Outermost around the transaction, so what the database rolled back is all of it."""
    atomic = transaction.atomic(function)

    @functools.wraps(function)
    def change(*args, **kwargs):
        try:
            return atomic(*args, **kwargs)
        except OperationalError as error:
            if _lost_race(error):
                raise ConcurrentChange() from error
            raise

    return change  # type: ignore[return-value]


@contextlib.contextmanager
def domain_serialized(domain: str):
    """Hold the domain's batch lock: one batch re-match of a domain at a time across processes.

    A batch re-match reads every source record of the domain, decides merges and moves, then
    writes them; two running at once (two systems' loads finishing together) decided from the
    same reading, and the second merged a golden record the first had already merged ("is merged,
    not active"). On PostgreSQL an advisory lock keyed by the domain serializes them — held to the
    end of the enclosing transaction when there is one, so the next batch reads what this one
    wrote; SQLite (the embedded default) has one writer at a time already."""
    if connection.vendor != "postgresql":
        yield
        return
    key = zlib.crc32(f"concord.batch-rematch.{domain}".encode())
    in_transaction = connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)" if in_transaction else "SELECT pg_advisory_lock(%s)",
                       [key])
    try:
        yield
    finally:
        if not in_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
