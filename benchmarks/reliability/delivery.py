"""Nothing lost on the way out: the issue-17 reproduction, re-runnable.

    .venv/bin/python benchmarks/reliability/delivery.py                 # kills 0, then 3 (fresh database each)
    .venv/bin/python benchmarks/reliability/delivery.py --kills 5 --records 3000 --seed 7

Per scenario (each on a fresh PostgreSQL database, dropped afterwards unless --keep):
1. a Salesforce simulator with --records companies (seed --seed) and a NetSuite simulator with 20,
   each `manage.py run_simulator` in its own process;
2. `manage.py sync salesforce --domain customer`: the golden customers, their outbox messages to
   Salesforce and NetSuite (both take golden customers back);
3. `manage.py deliver --until-empty`, SIGKILLed --kills times along the way (each time once another
   share of the backlog is delivered), then run to the end;
4. `manage.py reconcile netsuite --domain customer` and `... salesforce ...`: the last line of
   each must read `missing 0`.

Prints one JSON line per scenario and exits 1 if anything is missing. Outbox leases are 10 s here
(CONCORD_OUTBOX_LEASE_SECONDS) so a killed delivery's claims come back quickly.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgres://postgres@127.0.0.1:5432/postgres")
TOTALS = re.compile(r"missing (\d+), extra (\d+), differing (\d+)$")


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


def simulator_start(processes: Processes, system: str, port: int, extra: list[str], env: dict, logs: Path) -> dict:
    process = processes.start([PY, "manage.py", "run_simulator", system, "--port", str(port), *extra], env,
                              logs / f"{system}-simulator.log")
    line = process.stdout.readline()  # printed once seeded and serving
    if " on http" not in line:
        raise SystemExit(f"the {system} simulator did not start: {line!r} (see {logs})")
    return ast.literal_eval(line.split("credentials: ", 1)[1].split("; faults", 1)[0])


def manage(env: dict, *args: str, log: Path) -> str:
    with log.open("a") as errors:
        done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors,
                              text=True)
    if done.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed ({done.returncode}); see {log}")
    return done.stdout


def count(env: dict, query: str) -> int:
    out = subprocess.run(["psql", env["DATABASE_URL"], "-tAc", query], capture_output=True, text=True, check=True)
    return int(out.stdout.strip() or 0)


def delivered_count(env: dict) -> int:
    return count(env, "SELECT count(*) FROM mdm_outboxmessage WHERE status = 'delivered'")


def deliver_with_kills(env: dict, kills: int, logs: Path) -> dict:
    """`manage.py deliver --until-empty`, SIGKILLed `kills` times once another share is delivered."""
    pending = count(env, "SELECT count(*) FROM mdm_outboxmessage m JOIN mdm_sourcesystem s ON s.id = m.system_id "
                         "WHERE m.status = 'pending' AND s.name IN ('salesforce', 'netsuite')")
    killed_at = []
    for kill in range(kills):
        target = delivered_count(env) + max(1, pending // (kills + 1))
        process = subprocess.Popen([PY, "manage.py", "deliver", "--until-empty", "-v", "0"], cwd=ROOT, env=env,
                                   stdout=subprocess.DEVNULL, stderr=(logs / f"deliver-{kill}.log").open("w"),
                                   start_new_session=True)
        while process.poll() is None and delivered_count(env) < target:
            time.sleep(0.2)  # pacing the poll of a real process, not a test
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            killed_at.append({"delivered": delivered_count(env), "left_delivering": count(
                env, "SELECT count(*) FROM mdm_outboxmessage WHERE status = 'delivering'")})
    started = time.monotonic()
    summary = manage(env, "deliver", "--until-empty", "-v", "0", log=logs / "deliver-final.log").strip()
    return {"messages_to_deliver": pending, "kills": len(killed_at), "killed_at": killed_at,
            "last_run": summary.splitlines()[-1], "last_run_seconds": round(time.monotonic() - started, 1)}


def scenario(args, kills: int) -> dict:
    logs = Path(tempfile.mkdtemp(prefix=f"concord-reliability-delivery-k{kills}-"))
    database = f"{args.database}_k{kills}"
    for sql in (f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", f"CREATE DATABASE {database}"):
        subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True)
    env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}", "PYTHONPATH": str(ROOT),
           "DJANGO_SETTINGS_MODULE": "config.settings", "CONCORD_OUTBOX_LEASE_SECONDS": "10",
           "CONCORD_VAR_DIR": str(logs / "var")}
    manage(env, "migrate", "-v", "0", log=logs / "migrate.log")
    processes = Processes()
    try:
        sf = simulator_start(processes, "salesforce", args.port_base, ["--records", str(args.records), "--seed",
                                                                       str(args.seed), "--api-limit", "1000000000"],
                             env, logs)
        ns = simulator_start(processes, "netsuite", args.port_base + 1, ["--records", "20", "--key-file",
                                                                         str(logs / "netsuite.pem")], env, logs)
        env.update({"CONCORD_SALESFORCE_URL": f"http://127.0.0.1:{args.port_base}",
                    **{f"CONCORD_SALESFORCE_{k.upper()}": str(v) for k, v in sf.items()},
                    "CONCORD_NETSUITE_URL": f"http://127.0.0.1:{args.port_base + 1}",
                    **{f"CONCORD_NETSUITE_{k.upper()}": str(v) for k, v in ns.items()}})
        started = time.monotonic()
        synced = manage(env, "sync", "salesforce", "--domain", "customer", "-v", "0", log=logs / "sync.log")
        result = {"scenario": f"kill -9 x{kills}" if kills else "no kill", "records": args.records, "seed": args.seed,
                  "sync": synced.strip(), "sync_seconds": round(time.monotonic() - started, 1)}
        result.update(deliver_with_kills(env, kills, logs))
        for system in ("netsuite", "salesforce"):
            out = manage(env, "reconcile", system, "--domain", "customer", "-v", "0", log=logs / "reconcile.log")
            lines = out.strip().splitlines()
            missing, extra, differing = (int(n) for n in TOTALS.search(lines[-1]).groups())
            result[system] = {"report": lines[0], "missing": missing, "extra": extra, "differing": differing}
        result["logs"] = str(logs)
        return result
    finally:
        processes.stop()
        if not args.keep:
            subprocess.run(["psql", PG_ADMIN, "-q", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
                           check=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=3000, help="companies in the Salesforce simulator")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kills", type=int, action="append", help="SIGKILLs of the delivery (repeatable: one "
                                                                   "scenario each; default 0 and 3)")
    parser.add_argument("--database", default="concord_reliability_delivery")
    parser.add_argument("--port-base", type=int, default=8890)
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    lost = False
    for kills in args.kills or [0, 3]:
        result = scenario(args, kills)
        print(json.dumps(result), flush=True)
        lost |= any(result[system]["missing"] for system in ("netsuite", "salesforce"))
    sys.exit(1 if lost else 0)


if __name__ == "__main__":
    main()
