"""Fault tests with a real Celery worker (a subprocess) on PostgreSQL and Redis.

The worker sees the live test database (transactional_db) and the fake CRM's SQLite file. We kill
it with SIGKILL mid-pull and mid-push, storm it with 429/500, take its broker away; afterwards
every source record is ingested once in effect and every outbound message delivered once in effect.
Run with DATABASE_URL=postgres://... (skipped on SQLite: a worker cannot see an in-memory test DB).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from connectors.models import Connection, SyncRun
from mdm.models import Customer, OutboxMessage, SourceRecord, SourceRecordVersion
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]
REDIS_DB = os.environ.get("CONCORD_TEST_REDIS_DB", "7")
BROKER = f"redis://127.0.0.1:6379/{REDIS_DB}"


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.fail("needs PostgreSQL (DATABASE_URL): a worker process must see the test database; "
                    "./concord test uses the local PostgreSQL")


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A `celery -A config worker` subprocess against the test database: one solo process, or
    prefork with one pool process (how production runs it: tasks run in a daemonic child)."""

    def __init__(self, broker: str, env: dict[str, str], log: Path, pool: str = "solo"):
        self.broker, self.env, self.log, self.pool, self.process = broker, env, log, pool, None

    def start(self) -> Worker:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={self.pool}", "-c", "1",
                   "-l", "WARNING",
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"t{uuid.uuid4().hex[:6]}@%h"]
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def worker_env(remote, tmp_path, settings):
    env = {**os.environ, "DATABASE_URL": _database_url(), "CELERY_BROKER_URL": BROKER, "PYTHONPATH": str(ROOT),
           "CONCORD_CONNECTOR_MODULES": "tests.connectors.conftest", "CONCORD_VAR_DIR": str(tmp_path / "var"),
           "CONCORD_OUTBOX_LEASE_SECONDS": "2", "CONCORD_OUTBOX_BACKOFF_BASE": "0.05",
           "CONCORD_OUTBOX_BACKOFF_CAP": "0.5", "CONCORD_OUTBOX_MAX_ATTEMPTS": "20", "CELERY_TASK_ALWAYS_EAGER": "0",
           "DATABASE_CONN_MAX_AGE": "0"}
    env.pop("CONCORD_TEST_DB_NAME", None)
    settings.CONCORD_OUTBOX_LEASE_SECONDS = 2
    return env


@pytest.fixture
def workers(worker_env, tmp_path):
    started: list[Worker] = []

    def start(broker: str = BROKER, pool: str = "solo") -> Worker:
        worker = Worker(broker, {**worker_env, "CELERY_BROKER_URL": broker}, tmp_path / "worker.log", pool).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


def _client(broker: str = BROKER) -> Celery:
    return Celery("concord-test", broker=broker)


@pytest.fixture
def broker():
    import redis

    client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis is not reachable at {BROKER} (CI starts it; locally: redis-server --daemonize yes)")
    client.flushdb()  # our own db number: nobody else's queue
    yield _client()


def wait_until(condition, timeout: float = 90, every: float = 0.2, tick=None):
    """Poll generously: the machine running CI may be busy, and a worker takes seconds to start."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if tick:
            tick()
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {condition.__doc__ or condition}")


def _customers_to_push(count: int) -> list[OutboxMessage]:
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"S{n}", updated=at(1), name=f"Customer {n}", country="DE") for n in range(count)])
    messages = list(OutboxMessage.objects.filter(system__name="fakecrm"))
    assert len(messages) == count
    return messages


@pytest.mark.parametrize("pool", ["solo", "prefork"])
def test_a_worker_killed_mid_pull_loses_nothing_and_duplicates_nothing(remote, fakecrm, broker, workers, pool):
    # Pages are read ahead in a child of the process running the task (connectors.sync): under
    # prefork that process is itself a daemonic pool child, which multiprocessing refuses children.
    Connection.objects.create(system=fakecrm, page_size=3)
    for n in range(12):
        remote.put("Account", f"A{n:02}", name=f"Account {n}", country="DE")
    remote.set_fault("pull_sleep", 1.0)
    worker = workers(pool=pool)
    broker.send_task("connectors.sync_system", args=["fakecrm", "customer"])

    def first_page_committed():
        return SourceRecord.objects.count() >= 3
    wait_until(first_page_committed)
    worker.kill()
    landed = SourceRecord.objects.count()
    assert 3 <= landed < 12

    remote.set_fault("pull_sleep", 0)
    workers(pool=pool)
    broker.send_task("connectors.sync_system", args=["fakecrm", "customer"])  # the next scheduled run

    def a_run_succeeded():
        return SyncRun.objects.filter(status="succeeded").exists()
    wait_until(a_run_succeeded)
    assert SourceRecord.objects.count() == Customer.objects.count() == 12
    assert SourceRecordVersion.objects.filter(applied=False).count() == 0
    assert SyncRun.objects.get(status="succeeded").counts["Account"]["updated"] == 0


def test_a_worker_killed_mid_push_then_a_429_500_storm_delivers_each_message_once(remote, fakecrm, broker, workers):
    messages = _customers_to_push(5)
    remote.set_fault("push_sleep", 5)  # the first push is applied, then the answer never comes
    worker = workers()
    broker.send_task("connectors.deliver_outbox")

    def a_push_reached_the_system():
        return len(remote.calls()) >= 1
    wait_until(a_push_reached_the_system)
    worker.kill()
    (pushed_key,) = remote.calls()
    stuck = OutboxMessage.objects.get(idempotency_key=pushed_key)
    assert stuck.status == "delivering"  # applied at the system, but we never heard back

    remote.set_fault("push_sleep", 0)
    remote.set_fault("push_fail", [429, 500, 503, 429, 500, 502, 429, 500])
    workers()

    def everything_delivered():
        return not OutboxMessage.objects.exclude(status="delivered").exists()
    wait_until(everything_delivered, every=0.5,
               tick=lambda: broker.send_task("connectors.deliver_outbox"))  # beat's every-few-seconds tick

    effects = remote.effects()
    calls = remote.calls()
    assert sorted(effects) == sorted(m.idempotency_key for m in messages)  # each applied exactly once
    assert sorted(e["name"] for e in effects.values()) == sorted(f"Customer {n}" for n in range(5))
    assert calls[stuck.idempotency_key] >= 2  # pushed again after the kill; applied once
    assert remote.fault("push_fail") == []  # the storm was weathered, not skipped
    assert OutboxMessage.objects.filter(attempts__gt=1).exists()


def test_with_the_broker_down_changes_wait_in_the_outbox_and_go_out_when_it_returns(remote, fakecrm, workers,
                                                                                    tmp_path):
    server = shutil.which("redis-server")
    if not server:
        pytest.fail("redis-server is not installed (apt-get install redis-server)")
    port = 6390 + int(REDIS_DB)
    url = f"redis://127.0.0.1:{port}/0"

    def redis_start():
        process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(tmp_path)], stdout=subprocess.DEVNULL)
        wait_until(lambda: subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).returncode == 0
                   and b"PONG" in subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout,
                   timeout=10)
        return process

    redis = redis_start()
    try:
        workers(url)
        redis.terminate()
        redis.wait(10)

        messages = _customers_to_push(3)  # the hub keeps working: golden changes land in the outbox
        time.sleep(2)
        assert all(m.status == "pending" for m in OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]))
        assert remote.calls() == {}

        redis = redis_start()
        client = _client(url)

        def delivered():
            return not OutboxMessage.objects.exclude(status="delivered").exists()
        wait_until(delivered, every=1, tick=lambda: client.send_task("connectors.deliver_outbox"))
        assert len(remote.effects()) == 3
    finally:
        redis.terminate()
        redis.wait(10)


def test_concurrent_claims_on_postgresql_never_hand_a_message_to_two_workers(remote, fakecrm):
    import threading

    from django.db import connections

    from connectors.delivery import outbox_claim

    _customers_to_push(30)
    claimed: list[list[int]] = []
    start = threading.Barrier(4)

    def claimer():
        try:
            start.wait()
            claimed.append([m.id for m in outbox_claim(limit=30)])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    every = [message_id for batch in claimed for message_id in batch]
    assert len(every) == len(set(every)) == 30


# --- a killed task is handed out again by the broker, within its visibility timeout ------------

@pytest.fixture
def short_visibility(worker_env):
    """Redis hands an unacknowledged task out again after 5 s here (300 s by default) — no new
    task is sent in these tests: what resumes the work is the broker's redelivery alone."""
    worker_env["CONCORD_BROKER_VISIBILITY_TIMEOUT"] = "5"


def test_a_sync_killed_with_its_worker_resumes_from_the_broker_and_its_run_is_marked_failed(
        remote, fakecrm, broker, workers, short_visibility):
    from connectors.runs import LOST

    Connection.objects.create(system=fakecrm, page_size=3)
    for n in range(12):
        remote.put("Account", f"A{n:02}", name=f"Account {n}", country="DE")
    remote.set_fault("pull_sleep", 1.0)
    worker = workers()
    sent = broker.send_task("connectors.sync_system", args=["fakecrm", "customer"])

    def first_page_committed():
        return SourceRecord.objects.count() >= 3
    wait_until(first_page_committed)
    worker.kill()
    killed = SyncRun.objects.get()
    assert killed.status == "running" and killed.task_id == sent.id

    remote.set_fault("pull_sleep", 0)
    workers()

    def the_task_ran_again():
        return SyncRun.objects.filter(status="succeeded", task_id=sent.id).exists()
    wait_until(the_task_ran_again)
    killed.refresh_from_db()
    assert (killed.status, killed.error) == ("failed", LOST)
    assert SourceRecord.objects.count() == Customer.objects.count() == 12
    assert SourceRecordVersion.objects.filter(applied=False).count() == 0


def test_a_delivery_killed_with_its_worker_resumes_from_the_broker(remote, fakecrm, broker, workers,
                                                                   short_visibility):
    messages = _customers_to_push(5)
    remote.set_fault("push_sleep", 5)  # the first push is applied, then the answer never comes
    worker = workers()
    broker.send_task("connectors.deliver_outbox")

    def a_push_reached_the_system():
        return len(remote.calls()) >= 1
    wait_until(a_push_reached_the_system)
    worker.kill()
    remote.set_fault("push_sleep", 0)
    workers()

    def everything_delivered():
        return not OutboxMessage.objects.exclude(status="delivered").exists()
    wait_until(everything_delivered)  # no tick sent: the killed task itself comes back
    assert sorted(remote.effects()) == sorted(m.idempotency_key for m in messages)


def test_on_redis_a_killed_task_is_handed_out_again_within_minutes_by_default():
    env = {**os.environ, "CELERY_BROKER_URL": BROKER, "PYTHONPATH": str(ROOT)}
    env.pop("CONCORD_BROKER_VISIBILITY_TIMEOUT", None)
    shown = subprocess.run([sys.executable, "-c", "from config.celery_app import app; "
                            "print(app.conf.broker_transport_options, app.conf.task_acks_late)"],
                           cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout
    options, acks_late = shown.rsplit(" ", 1)
    assert "'visibility_timeout': 300" in options and acks_late.strip() == "True"
