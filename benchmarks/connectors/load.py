"""Connector benchmark: an initial load from the simulators through pull, match and survivorship into
PostgreSQL by Celery workers, the write-back of what it produced, then a steady stream of changes.

    .venv/bin/python benchmarks/connectors/load.py --accounts 5000 --rate 1000 --steady-seconds 120

The full measurement the issue asks for is ``--accounts 100000`` (about 100,000 accounts/customers,
80,000 contracts and 100,000 projects over both simulators); run it on a quiet machine.

What runs, each in its own process (all started, and stopped, by this script):
- the Salesforce and NetSuite simulators (``manage.py run_simulator``, ``--records accounts/2`` each;
  how many contracts and projects each company has is the simulators' seeded mix, reported as read);
  Salesforce posts its change events to the hub every half second (``--emit-to``);
- the hub's web server (gunicorn, 2 workers) serving the events endpoint;
- one Celery worker with ``--workers`` processes (default 2, the machine's cores) on PostgreSQL and
  Redis (db ``--redis-db``, default 13, flushed first); a fresh database ``--database`` (dropped at
  the end unless ``--keep``).

Phases:
1. **Initial load**: ``connectors.sync_system`` tasks (customers, then contracts, then projects; one
   chain per system, so the two systems load in parallel). End to end = source records / wall time.
   Per stage (from each SyncRun's counts): pull (HTTP and mapping), ingest (standardize, match,
   survivorship, outbox rows) and commit, as records per second of one worker.
2. **Write-back of the load**: ``connectors.deliver_outbox`` tasks until nothing due for Salesforce
   or NetSuite is left (Tryton and the PSA have no connection here: their messages wait).
3. **Steady changes**: ``--rate`` Salesforce Account changes a minute (a new Email__c, written through
   the REST API as another user would), for ``--steady-seconds``. Measured per change: seconds until
   the golden customer carries it (event path: simulator → signed CDC event → hub) and until NetSuite
   holds it (outbox → NetSuite upsert, read back with SuiteQL), p50 and p99.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-sf-secret"


class Processes:
    """The processes this script started, stopped by their own ids (each leads its own group)."""

    def __init__(self):
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        process = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log.open("w"),
                                   text=True, start_new_session=True)
        self.started.append(process)
        return process

    def stop(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))], 3)


def simulator_start(processes: Processes, system: str, port: int, records: int, env: dict, logs: Path,
                    extra: list[str]) -> dict:
    process = processes.start([PY, "manage.py", "run_simulator", system, "--port", str(port), "--records",
                               str(records), *extra], env, logs / f"{system}-simulator.log")
    line = process.stdout.readline()  # printed once seeded and serving
    if " on http" not in line:
        raise SystemExit(f"the {system} simulator did not start: {line!r} (see {logs})")
    return ast.literal_eval(line.split("credentials: ", 1)[1].split("; faults", 1)[0])


def wait_for(predicate, *, timeout: float, every: float = 0.5, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(every)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--accounts", type=int, default=100_000, help="companies seeded, half in each simulator")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=1000, help="steady changes a minute")
    parser.add_argument("--steady-seconds", type=float, default=300, help="0 skips the steady phase")
    parser.add_argument("--write-back-seconds", type=float, default=0,
                        help="measure the write-back for this long only (0: until it has settled)")
    parser.add_argument("--database", default="concord_bench_connectors")
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--port-base", type=int, default=8870)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    logs = Path(tempfile.mkdtemp(prefix="concord-bench-connectors-"))
    database_url = f"postgres://postgres@127.0.0.1:5432/{args.database}"
    broker = f"redis://127.0.0.1:6379/{args.redis_db}"
    sf_port, ns_port, hub_port = args.port_base, args.port_base + 1, args.port_base + 2
    for sql in (f"DROP DATABASE IF EXISTS {args.database}", f"CREATE DATABASE {args.database}"):
        subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True)
    env = {**os.environ, "DATABASE_URL": database_url, "CELERY_BROKER_URL": broker, "PYTHONPATH": str(ROOT),
           "DJANGO_SETTINGS_MODULE": "config.settings", "CELERY_TASK_ALWAYS_EAGER": "0"}
    subprocess.run([PY, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    import redis

    redis.Redis.from_url(broker).flushdb()

    processes = Processes()
    try:
        started = time.monotonic()
        per_system = max(1, args.accounts // 2)
        sf = simulator_start(processes, "salesforce", sf_port, per_system, env, logs, [
            "--api-limit", str(10 ** 9), "--emit-to", f"http://127.0.0.1:{hub_port}/api/v1/events/salesforce/",
            "--secret", SECRET, "--emit-every", "0.5", "--skip-seed-events"])
        ns = simulator_start(processes, "netsuite", ns_port, per_system, env, logs, [
            "--concurrency-limit", "10", "--key-file", str(logs / "netsuite.pem")])
        print(f"simulators seeded in {time.monotonic() - started:.0f}s; logs in {logs}", flush=True)
        env.update({
            "CONCORD_SALESFORCE_URL": f"http://127.0.0.1:{sf_port}", "CONCORD_SALESFORCE_WEBHOOK_SECRET": SECRET,
            **{f"CONCORD_SALESFORCE_{k.upper()}": str(v) for k, v in sf.items()},
            "CONCORD_NETSUITE_URL": f"http://127.0.0.1:{ns_port}", "CONCORD_NETSUITE_PAGE_SIZE": "1000",
            "CONCORD_SALESFORCE_PAGE_SIZE": "2000", "CONCORD_NETSUITE_CONCURRENCY": "4",
            **{f"CONCORD_NETSUITE_{k.upper()}": str(v) for k, v in ns.items()},
        })
        processes.start([str(Path(PY).parent / "gunicorn"), "config.wsgi", "-b", f"127.0.0.1:{hub_port}", "-w", "2",
                         "--timeout", "120"], env, logs / "gunicorn.log")
        processes.start([str(Path(PY).parent / "celery"), "-A", "config", "worker", "-c", str(args.workers),
                         "-l", "WARNING", "-n", f"bench-connectors-{os.getpid()}@%h"], env, logs / "celery.log")
        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from config.celery_app import app

        # Time the load, not the worker's start.
        wait_for(lambda: bool(app.control.ping(timeout=1.0)), timeout=120, what="the Celery worker")
        report = {"accounts_seeded_per_simulator": per_system, "workers": args.workers}
        report["initial_load"] = initial_load()
        print(json.dumps(report["initial_load"], indent=2), flush=True)
        report["write_back_of_load"] = write_back_backlog(broker, args.write_back_seconds)
        print(json.dumps(report["write_back_of_load"], indent=2), flush=True)
        if args.steady_seconds:
            report["steady"] = steady(args, sf_port, ns_port, sf, ns, broker)
            print(json.dumps(report["steady"], indent=2), flush=True)
        (logs / "report.json").write_text(json.dumps(report, indent=2))
        print(f"report: {logs / 'report.json'}")
    finally:
        processes.stop()
        if not args.keep:
            from django.db import connections

            connections.close_all()
            subprocess.run(["psql", PG_ADMIN, "-q", "-c", f"DROP DATABASE IF EXISTS {args.database} WITH (FORCE)"],
                           check=False)


def initial_load() -> dict:
    from celery import chain

    from connectors.models import SyncRun, SyncStatus
    from connectors.tasks import sync_system

    domains = ("customer", "contract", "project")
    started = time.monotonic()
    for system in ("salesforce", "netsuite"):
        chain(*(sync_system.si(system, domain) for domain in domains)).delay()
    done = [SyncStatus.SUCCEEDED, SyncStatus.FAILED]
    wait_for(lambda: SyncRun.objects.filter(status__in=done).count() >= 6
             or SyncRun.objects.filter(status=SyncStatus.FAILED).exists(), timeout=6 * 3600, every=1,
             what="the initial load")
    seconds = time.monotonic() - started
    failed = list(SyncRun.objects.filter(status=SyncStatus.FAILED).values_list("system__name", "domain", "error"))
    if failed:
        raise SystemExit(f"sync failed: {failed}")
    by_type, stages = {}, {"pull": 0.0, "ingest": 0.0, "commit": 0.0}
    for run in SyncRun.objects.select_related("system"):
        for object_type, counts in run.counts.items():
            read = sum(counts[k] for k in ("created", "updated", "unchanged", "stale", "deleted", "quarantined"))
            by_type[f"{run.system.name}:{object_type}"] = {"records": read, "quarantined": counts["quarantined"]}
            for stage in stages:
                stages[stage] += counts[f"{stage}_seconds"]
    records = sum(t["records"] for t in by_type.values())
    return {"records": records, "by_type": by_type, "wall_seconds": round(seconds, 1),
            "records_per_second_end_to_end": round(records / seconds, 1),
            "stage_worker_seconds": {k: round(v, 1) for k, v in stages.items()},
            "stage_records_per_worker_second": {k: round(records / v, 1) if v else None for k, v in stages.items()}}


def _keep_delivering(broker: str, stop: threading.Event, workers: int = 2) -> None:
    """Keep a deliver_outbox task or two queued (what beat does every 5 s, here without the wait)."""
    import redis

    from connectors.tasks import deliver_outbox

    queue = redis.Redis.from_url(broker)
    while not stop.is_set():
        if queue.llen("celery") < workers:
            deliver_outbox.delay(limit=1000)
        time.sleep(0.2)


def write_back_backlog(broker: str, limit_seconds: float = 0) -> dict:
    from django.db.models import Count, Q
    from django.utils import timezone

    from mdm.models import OutboxMessage

    connected = ["salesforce", "netsuite"]
    waiting = OutboxMessage.objects.filter(system__name__in=connected, status__in=["pending", "delivering"])
    total = waiting.count()
    stop = threading.Event()
    thread = threading.Thread(target=_keep_delivering, args=(broker, stop), daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        # Settled: nothing due and nothing in flight (a message waiting on a later retry, e.g. for
        # a reference not delivered yet, is counted in by_status as pending).
        def settled() -> bool:
            due = Q(status="delivering") | Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
            return not waiting.filter(due).exists()

        if limit_seconds:
            # A sample of the rate: the backlog of a large load takes far longer than a benchmark run.
            wait_for(lambda: settled() or time.monotonic() - started >= limit_seconds, timeout=limit_seconds + 60,
                     every=1, what="the write-back sample")
        else:
            wait_for(settled, timeout=6 * 3600, every=1, what="the write-back of the initial load")
    finally:
        stop.set()
        thread.join()
    seconds = time.monotonic() - started
    outcome = dict(OutboxMessage.objects.filter(system__name__in=connected).values_list("status")
                   .annotate(n=Count("id")))
    sent = outcome.get("delivered", 0) + outcome.get("dead", 0)
    return {"messages": total, "settled": sent, "wall_seconds": round(seconds, 1),
            "messages_per_second": round(sent / seconds, 1) if seconds else None, "by_status": outcome}


def steady(args, sf_port: int, ns_port: int, sf: dict, ns: dict, broker: str) -> dict:
    from connectors.netsuite.connector import NetSuiteConnector
    from mdm.models import Customer, SourceRecord

    accounts = list(SourceRecord.objects.filter(system__name="salesforce", object_type="Account", is_deleted=False,
                                                xref__isnull=False).values_list("source_id", flat=True))
    sf_url = f"http://127.0.0.1:{sf_port}"
    # Another Salesforce user's session (no client=concord call option: these are not our echoes).
    token = requests.post(f"{sf_url}/services/oauth2/token", timeout=10, data={
        "grant_type": "password", "client_id": sf["client_id"], "client_secret": sf["client_secret"],
        "username": sf["username"], "password": sf["password"]}).json()["access_token"]
    netsuite = NetSuiteConnector(base_url=f"http://127.0.0.1:{ns_port}", credentials=ns, page_size=1000)
    watermark = None
    for page in netsuite.pull(domain="customer", object_type="customer", watermark=None):
        watermark = page.next_watermark or watermark

    changed: dict[str, float] = {}
    in_golden: dict[str, float] = {}
    in_netsuite: dict[str, float] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def observe() -> None:
        nonlocal watermark
        while not stop.is_set():
            with lock:
                waiting = [e for e in changed if e not in in_golden]
            for start in range(0, len(waiting), 500):
                for email in Customer.objects.filter(email__in=waiting[start:start + 500]).values_list("email", flat=True):
                    in_golden.setdefault(email, time.monotonic())
            for page in netsuite.pull(domain="customer", object_type="customer", watermark=watermark):
                watermark = page.next_watermark or watermark
                for record in page.records:
                    email = record.canonical.get("email")
                    if email in changed:
                        in_netsuite.setdefault(email, time.monotonic())
            time.sleep(0.1)

    delivering = threading.Thread(target=_keep_delivering, args=(broker, stop), daemon=True)
    observer = threading.Thread(target=observe, daemon=True)
    delivering.start()
    observer.start()
    # Each change to an account nobody changed before: a later change to the same account could
    # overtake an earlier one, which would then never be seen.
    untouched = random.Random(7).sample(accounts, len(accounts))
    interval = 60.0 / args.rate
    session = requests.Session()
    began = time.monotonic()
    sequence = 0
    while time.monotonic() - began < args.steady_seconds and untouched:
        due = began + sequence * interval
        time.sleep(max(0.0, due - time.monotonic()))
        email = f"steady{sequence}@bench.example"
        answer = session.patch(f"{sf_url}/services/data/v60.0/sobjects/Account/Id/{untouched.pop()}",
                               json={"Email__c": email}, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if answer.status_code < 300:
            with lock:
                changed[email] = due
        sequence += 1
    deadline = time.monotonic() + 120  # what has not arrived by then is reported missing
    while len(in_netsuite) < len(changed) and time.monotonic() < deadline:
        time.sleep(1)
    stop.set()
    observer.join()
    delivering.join()
    golden = [in_golden[e] - changed[e] for e in changed if e in in_golden]
    written = [in_netsuite[e] - changed[e] for e in changed if e in in_netsuite]
    return {"changes": len(changed), "rate_per_minute": args.rate, "seconds": args.steady_seconds,
            "to_golden_p50": percentile(golden, 0.5), "to_golden_p99": percentile(golden, 0.99),
            "to_golden_seen": len(golden),
            "to_netsuite_p50": percentile(written, 0.5), "to_netsuite_p99": percentile(written, 0.99),
            "to_netsuite_seen": len(written),
            "to_golden_mean": round(statistics.fmean(golden), 3) if golden else None,
            "to_netsuite_mean": round(statistics.fmean(written), 3) if written else None}


if __name__ == "__main__":
    main()
