"""Whether a sync run recorded as running is still alive, so a run whose worker was killed is
marked failed instead of staying "running" forever.

On PostgreSQL a run holds a lease while it runs: a session-level advisory lock, taken by its own
connection in the transaction that creates the run. A worker killed outright (SIGKILL, the
machine lost) drops its connection and the server releases the lock at once: "does anyone hold
it?" is an exact answer, with no clock to tune. Elsewhere (SQLite, the embedded one-machine
setup) the run's heartbeat says it — written when the run starts and with every page — and a run
silent for CONCORD_SYNC_STALE_SECONDS is taken for dead.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from connectors.models import SyncRun, SyncStatus

log = logging.getLogger(__name__)
LOCK_SPACE = 0x5C0C  # the advisory-lock key space of sync runs: (LOCK_SPACE, run id)
LOST = "its worker was lost (killed or cut off) while it ran"


def _uses_locks() -> bool:
    return connection.vendor == "postgresql"


def _key(run_id: int) -> tuple[int, int]:
    return LOCK_SPACE, run_id % 2**31


def lease_take(run: SyncRun) -> None:
    """Hold the run's lease on this connection until `lease_release` (or the connection ends)."""
    if _uses_locks():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", _key(run.pk))


def lease_release(run: SyncRun) -> None:
    if not _uses_locks():
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _key(run.pk))
    except DatabaseError:  # the connection is gone, and the lock with it
        log.warning("sync run %s: its lease could not be released (connection lost)", run.pk)


def run_alive(run: SyncRun) -> bool:
    """Whether the process running `run` is still there (see the module's docstring)."""
    if not _uses_locks():
        stale = timedelta(seconds=settings.CONCORD_SYNC_STALE_SECONDS)
        return bool(run.heartbeat_at and timezone.now() - run.heartbeat_at < stale)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _key(run.pk))
        (free,) = cursor.fetchone()
        if free:  # nobody held it: we do now, and let go at once
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _key(run.pk))
    return not free


def sync_runs_expire(*, system_id: int | None = None, domain: str | None = None) -> list[int]:
    """Mark failed the runs recorded as running whose process is gone; returns their ids."""
    running = SyncRun.objects.filter(status=SyncStatus.RUNNING)
    if system_id is not None:
        running = running.filter(system_id=system_id)
    if domain is not None:
        running = running.filter(domain=domain)
    expired = []
    for run in running.only("id", "heartbeat_at"):
        if run_alive(run):
            continue
        if SyncRun.objects.filter(pk=run.pk, status=SyncStatus.RUNNING).update(
                status=SyncStatus.FAILED, finished_at=timezone.now(), error=LOST):
            expired.append(run.pk)
    if expired:
        log.warning("sync runs %s were still marked running: %s; marked failed", expired, LOST)
    return expired


def sync_task_running(task_id: str) -> bool:
    """Whether a run of this Celery task is alive: the broker handed the task out again (its
    visibility timeout ran out) while its first delivery still runs."""
    return any(run_alive(run) for run in SyncRun.objects.filter(task_id=task_id, status=SyncStatus.RUNNING)
               .only("id", "heartbeat_at"))
