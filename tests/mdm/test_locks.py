"""The lock order's error path: a lost race is a message, never a database error."""

import pytest
from django.db import OperationalError
from psycopg import errors as pg_errors

from mdm.api.errors import exception_handler
from mdm.services.locks import ConcurrentChange, steward_change

pytestmark = pytest.mark.django_db


def test_a_deadlock_the_database_broke_is_reported_as_a_concurrent_change():
    @steward_change
    def change():
        try:
            raise pg_errors.DeadlockDetected("deadlock detected")
        except pg_errors.DeadlockDetected as error:
            raise OperationalError("deadlock detected") from error  # as Django wraps it

    with pytest.raises(ConcurrentChange) as refused:
        change()
    assert refused.value.message_dict == {"golden_id": [
        "these golden records were being changed by someone else at the same moment; nothing was changed: "
        "look at them again and retry"]}


def test_a_database_sqlite_found_locked_is_a_concurrent_change_too():
    import sqlite3

    @steward_change
    def change():
        try:
            raise sqlite3.OperationalError("database is locked")
        except sqlite3.OperationalError as error:
            raise OperationalError("database is locked") from error

    with pytest.raises(ConcurrentChange):
        change()


def test_other_database_errors_are_not_mistaken_for_a_race():
    @steward_change
    def change():
        raise OperationalError("the server went away")

    with pytest.raises(OperationalError):
        change()


def test_the_api_answers_a_lost_race_with_409():
    response = exception_handler(ConcurrentChange("X changed meanwhile; try again"), {})
    assert (response.status_code, response.data) == (409, {"detail": "X changed meanwhile; try again"})


@pytest.mark.django_db(transaction=True)
def test_two_batch_rematches_of_one_domain_run_one_after_the_other():
    """Two systems' loads finishing together each re-match the domain in batch: the second must
    read what the first wrote, so it waits for it (PostgreSQL; SQLite has one writer anyway)."""
    import threading
    import time

    from django.db import connection, connections

    from mdm.services.locks import domain_serialized

    if connection.vendor != "postgresql":
        pytest.skip("the batch lock is PostgreSQL's advisory lock")
    order: list[str] = []
    first_in = threading.Event()

    def batch(name: str, hold: float):
        try:
            with domain_serialized("customer"):
                order.append(f"{name} in")
                first_in.set()
                time.sleep(hold)
                order.append(f"{name} out")
        finally:
            connections.close_all()

    first = threading.Thread(target=batch, args=("first", 0.5))
    first.start()
    first_in.wait(5)
    second = threading.Thread(target=batch, args=("second", 0))
    second.start()
    first.join(10)
    second.join(10)
    assert order == ["first in", "first out", "second in", "second out"]


def test_another_domains_batch_does_not_wait():
    from mdm.services.locks import domain_serialized

    with domain_serialized("customer"), domain_serialized("project"):
        pass  # distinct keys, and the same session takes its own lock again
    with domain_serialized("customer"), domain_serialized("customer"):
        pass
