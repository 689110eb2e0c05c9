"""API latency under a steady load: lookup by source key and by golden id against the golden
records of the ingestion benchmark's PostgreSQL database (run benchmarks/hub/ingest.py first).

    .venv/bin/python benchmarks/hub/api_load.py --rate 200 --seconds 30 --workers 4
    .venv/bin/python benchmarks/hub/api_load.py --requests validate   # POST /api/v1/validate/order

Gunicorn serves the API; an open-loop generator sends requests at a fixed rate and measures each
latency from the moment it was due (so a slow server cannot hide queueing: no coordinated omission).
Beside the latencies, the CPU time gunicorn's processes spent per request (from /proc, Linux): on
a machine shared with other work, latency tails follow the other work, CPU per request does not.
"""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import random
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/concord_bench")
PORT = 8765
LEGAL_ENTITY = "Concord Consulting GmbH"


def validate_body(item: str) -> bytes:
    """The JSON of an order check for the golden customer in "validate:<golden id>"."""
    return (f'{{"customer": "{item.partition(":")[2]}", "legal_entity": "{LEGAL_ENTITY}", '
            f'"currency": "EUR", "amount": "12500.00"}}').encode()


def prepare() -> tuple[str, list[tuple[str, str]], int]:
    """A token of an integration user and a sample of (source id, golden id) pairs."""
    os.environ.update(DATABASE_URL=DATABASE_URL, DJANGO_SETTINGS_MODULE="config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    from mdm.models import CrossReference, Customer

    user, _ = User.objects.get_or_create(username="bench-integration")
    user.groups.add(Group.objects.get(name="integration"))
    token, _ = Token.objects.get_or_create(user=user)
    pairs = list(CrossReference.objects.filter(domain="customer").order_by("?")
                 .values_list("source_record__source_id", "golden_id")[:5000])
    warm(pairs)
    return token.key, pairs, Customer.objects.count()


def warm(pairs: list[tuple[str, str]]) -> None:
    """Read once, in three queries, the rows and index pages both request kinds will read: else
    whichever kind runs first pays for the other's disk reads too, and the comparison measures
    the order of the runs rather than the API."""
    from mdm.models import CrossReference, Customer, SourceRecord

    golden_ids = [golden_id for _, golden_id in pairs]
    list(Customer.objects.filter(pk__in=golden_ids))
    list(CrossReference.objects.filter(golden_id__in=golden_ids).select_related("source_record__system"))
    list(SourceRecord.objects.filter(source_id__in=[source_id for source_id, _ in pairs],
                                     system__name="salesforce").values_list("id", "object_type"))


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU seconds of the gunicorn master and its workers so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == master_pid or int(fields[1]) == master_pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / tick


def load(paths: list[str], token: str, rate: float, seconds: float, threads: int = 64) -> dict:
    due: queue.Queue = queue.Queue()
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        while True:
            item = due.get()
            if item is None:
                return
            scheduled, path = item
            method, body = ("POST", validate_body(path)) if path.startswith("validate:") else ("GET", None)
            url = "/api/v1/validate/order" if body else path
            headers = {"Authorization": f"Token {token}", **({"Content-Type": "application/json"} if body else {})}
            try:
                conn.request(method, url, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
                ok = False
            elapsed = time.perf_counter() - scheduled
            with lock:
                latencies.append(elapsed)
                errors[0] += 0 if ok else 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        due.put((scheduled, paths[i % len(paths)]))
    for _ in pool:
        due.put(None)
    for thread in pool:
        thread.join()
    wall = time.perf_counter() - start
    ordered = sorted(latencies)
    return {"requests": len(ordered), "errors": errors[0], "rps": len(ordered) / wall,
            "p50": statistics.median(ordered) * 1000, "p99": ordered[int(len(ordered) * 0.99) - 1] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--requests", choices=["lookup", "validate"], default="lookup",
                        help="lookup: by source key and by golden id; validate: POST /api/v1/validate/order")
    args = parser.parse_args()
    token, pairs, golden_count = prepare()
    env = {**os.environ, "DATABASE_URL": DATABASE_URL, "PYTHONPATH": str(ROOT), "DEBUG": "false",
           "DATABASE_CONN_MAX_AGE": "600"}
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(args.workers),
                               "-b", f"127.0.0.1:{PORT}", "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/api/schema/")
                break
            except OSError:
                time.sleep(0.2)
        random.seed(1)
        by_key = [f"/api/v1/lookup/salesforce/customer/{source_id}/" for source_id, _ in pairs]
        by_id = [f"/api/v1/customers/{golden_id}/" for _, golden_id in pairs]
        load(by_id[:200], token, rate=args.rate, seconds=3)  # warm the workers' connections
        print(f"{golden_count:,} golden customers; gunicorn {args.workers} workers; {args.rate:.0f} requests/s "
              f"for {args.seconds:.0f} s each")
        print("| request | requests | errors | achieved req/s | p50 | p99 | server CPU per request |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        kinds = {"lookup": (("lookup by source key", by_key), ("golden record by id", by_id)),
                 "validate": (("validate an order", [f"validate:{golden_id}" for _, golden_id in pairs]),)}
        for label, paths in kinds[args.requests]:
            cpu = server_cpu_seconds(server.pid)
            result = load(paths, token, rate=args.rate, seconds=args.seconds)
            per_request = (server_cpu_seconds(server.pid) - cpu) / max(result["requests"], 1) * 1000
            print(f"| {label} | {result['requests']:,} | {result['errors']} | {result['rps']:.0f} | "
                  f"{result['p50']:.1f} ms | {result['p99']:.1f} ms | {per_request:.2f} ms |")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
