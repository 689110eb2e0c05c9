"""A sync run whose worker died does not stay "running" forever: the next run of its system and
domain finds it dead (its lease is free, or its heartbeat old) and marks it failed, then runs.
A run that is alive is left alone, and the same task handed out twice runs once."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from connectors.models import SyncRun
from connectors.runs import LOST, lease_take, run_alive, sync_runs_expire
from connectors.sync import sync_run
from tests.connectors.test_worker_faults import wait_until

pytestmark = pytest.mark.django_db


def _running(fakecrm, **fields) -> SyncRun:
    """A run recorded as running, as a killed worker leaves it: nobody holds its lease."""
    return SyncRun.objects.create(system=fakecrm, domain="customer", **fields)


class HeldElsewhere:
    """Another process's connection holding a run's lease (a thread with its own connection).
    Without advisory locks (SQLite) the run's fresh heartbeat is its sign of life: nothing to hold."""

    def __init__(self, run: SyncRun):
        self.run, self.held, self.done = run, threading.Event(), threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            lease_take(self.run)
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (self.backend,) = cursor.fetchone()
            self.held.set()
            self.done.wait(30)
        finally:
            connections.close_all()  # this thread's connection, and the lease with it

    def backend_gone(self) -> bool:
        """The server ends a closed connection's backend (releasing its locks) a moment later."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # else the view stays as this transaction first saw it
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [self.backend])
            return cursor.fetchone()[0] == 0

    def __enter__(self):
        if connection.vendor == "postgresql":
            self.thread.start()
            assert self.held.wait(30)
        return self

    def __exit__(self, *exc):
        self.done.set()
        if self.thread.is_alive():
            self.thread.join(30)


def test_the_next_run_marks_a_dead_run_failed_and_runs(remote, connector, fakecrm):
    dead = _running(fakecrm, heartbeat_at=timezone.now() - timedelta(hours=2))
    remote.put("Account", "A1", name="Acme", country="DE")
    sync_run(system="fakecrm", domain="customer", connector=connector)
    dead.refresh_from_db()
    assert (dead.status, dead.error) == ("failed", LOST) and dead.finished_at
    assert SyncRun.objects.exclude(pk=dead.pk).get().status == "succeeded"


def test_a_run_of_another_domain_is_not_the_next_runs_business(remote, connector, fakecrm):
    other = SyncRun.objects.create(system=fakecrm, domain="contract")
    sync_run(system="fakecrm", domain="customer", connector=connector)
    other.refresh_from_db()
    assert other.status == "running"


def test_a_finished_run_lets_go_of_its_lease(remote, connector, fakecrm):
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (DATABASE_URL): advisory locks are under test")
    sync_run(system="fakecrm", domain="customer", connector=connector)
    assert not run_alive(SyncRun.objects.get())


def test_a_run_whose_process_is_alive_is_left_alone(fakecrm):
    run = _running(fakecrm, heartbeat_at=timezone.now())
    with HeldElsewhere(run):
        assert sync_runs_expire(system_id=fakecrm.pk) == []


def test_on_postgresql_a_run_is_dead_the_moment_its_connection_is_gone(fakecrm):
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (DATABASE_URL): advisory locks are under test")
    run = _running(fakecrm, heartbeat_at=timezone.now())  # a heartbeat a second old: no clock involved
    with HeldElsewhere(run) as holder:
        assert run_alive(run)
    wait_until(holder.backend_gone)  # polls the server, whose backend exits on its own time
    assert not run_alive(run)


def test_without_advisory_locks_an_old_heartbeat_means_dead(fakecrm, settings, monkeypatch):
    from connectors import runs

    monkeypatch.setattr(runs, "_uses_locks", lambda: False)  # as on SQLite
    settings.CONCORD_SYNC_STALE_SECONDS = 60
    fresh = _running(fakecrm, heartbeat_at=timezone.now() - timedelta(seconds=10))
    old = _running(fakecrm, heartbeat_at=timezone.now() - timedelta(seconds=120))
    silent = _running(fakecrm)
    assert sorted(sync_runs_expire(system_id=fakecrm.pk)) == [old.pk, silent.pk]
    fresh.refresh_from_db()
    assert fresh.status == "running"


def test_a_task_handed_out_again_while_its_first_delivery_runs_steps_aside(remote, fakecrm):
    from connectors.tasks import sync_system

    alive = _running(fakecrm, task_id="task-1", heartbeat_at=timezone.now())
    with HeldElsewhere(alive):
        answer = sync_system.apply(args=["fakecrm", "customer"], task_id="task-1").get()
    assert "already running" in answer["skipped"]
    assert SyncRun.objects.count() == 1


def test_a_task_handed_out_again_after_its_worker_died_runs(remote, fakecrm):
    from connectors.tasks import sync_system

    dead = _running(fakecrm, task_id="task-1", heartbeat_at=timezone.now() - timedelta(hours=2))
    remote.put("Account", "A1", name="Acme", country="DE")
    answer = sync_system.apply(args=["fakecrm", "customer"], task_id="task-1").get()
    assert answer["Account"]["created"] == 1
    dead.refresh_from_db()
    assert dead.status == "failed"
    assert SyncRun.objects.get(status="succeeded").task_id == "task-1"
