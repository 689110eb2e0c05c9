"""The outbox keeps the planner informed: a freshly loaded backlog must not make claims quadratic."""

import pytest
from django.db import connection

from mdm.services.outbox import outbox_statistics_refresh, statistics_stale


def test_a_table_never_analyzed_is_stale():
    assert statistics_stale(0, -1)
    assert statistics_stale(60_000, -1)


def test_a_fifth_of_the_table_changed_is_stale_small_changes_are_not():
    assert not statistics_stale(500, 100)  # under the floor of 1,000 changes
    assert not statistics_stale(19_000, 100_000)
    assert statistics_stale(21_000, 100_000)


@pytest.mark.django_db
def test_the_refresh_analyzes_on_postgresql_and_then_rests():
    outbox_statistics_refresh()
    if connection.vendor != "postgresql":
        assert outbox_statistics_refresh() is False  # SQLite's planner needs nothing from us
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'mdm_outboxmessage'::regclass")
        assert cursor.fetchone()[0] >= 0  # analyzed at least once now
    assert outbox_statistics_refresh() is False  # nothing changed since
