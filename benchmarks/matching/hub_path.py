"""Matching measured the way a user meets it: CSV files imported into a fresh hub, golden records
read back, scored against the truth, beside Splink and recordlinkage on the same files (issue 18).

    .venv/bin/python benchmarks/matching/hub_path.py --dataset ours --n 3000 [--seed 7]
        [--peers splink,recordlinkage] [--database postgres|sqlite] [--also-fit]
    .venv/bin/python benchmarks/matching/hub_path.py --dataset all --n 3000      # every data set
    .venv/bin/python benchmarks/matching/hub_path.py --dataset ours --n 500000 --peers none \
        --read-back database                   # an enterprise first load: ~925,000 records, CRM + ERP
    ... [--profile DIR]                        # each import_records under cProfile, DIR/<set>-<system>.prof

For each data set (benchmarks/matching/datasets.py): a new hub database (PostgreSQL on 127.0.0.1
by default, created and dropped; or a temporary SQLite file), `manage.py migrate`, then
`manage.py import_records --system salesforce` with the CRM file and `--system netsuite` with the
ERP file, each a timed subprocess — nothing else: no fitting, no re-match, the default path.
`--also-fit` adds a second hub row after `fit_match_model customer` and `rematch customer`.
Golden records are read back through the API (`GET /api/v1/xrefs/`, a superuser's token,
gunicorn) and/or from the database (cross-references); open review candidates and quarantined
records always from the database (the API has no list of them). The peers (benchmarks/matching/
peers.py) run in child processes on the same CSV files.

Prints one Markdown table per data set and writes everything, with samples of missed and false
pairs and their values, to benchmarks/results/ (gitignored). Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.matching import datasets, metrics, peers  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
MANAGE = [sys.executable, str(ROOT / "manage.py")]
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
API_READ_LIMIT = 10_000  # read back through the API too up to this many source records (--read-back auto)
BENCH_USER = "bench"
SUMMARY = re.compile(r"created (\d+), updated (\d+), unchanged (\d+), stale (\d+), quarantined (\d+) "
                     r"\(golden records: (\d+) new, (\d+) changed, (\d+) sent to review\)")


def progress(message: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


# --- the hub's database --------------------------------------------------------------------------

@contextlib.contextmanager
def hub_database(name: str, backend: str, server: str, keep: bool):
    """A fresh, migrated hub database (migrate also seeds the policy: systems salesforce and netsuite
    exist after it); yields the environment its commands run with."""
    import psycopg

    var_dir = tempfile.mkdtemp(prefix=f"hub_path_{name}_")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(ROOT), CONCORD_VAR_DIR=var_dir, DEBUG="false", DJANGO_SETTINGS_MODULE="config.settings")
    database = f"concord_bench_{name}_{os.getpid()}"  # helpers sharing the server each get their own
    if backend == "postgres":
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{database}"')
        env["DATABASE_URL"] = f"{server}/{database}"
    else:
        env["DATABASE_URL"] = f"sqlite:///{var_dir}/hub.sqlite3"
    try:
        manage(env, "migrate", "--noinput", "-v0")
        yield env
    finally:
        if keep:
            progress(f"kept the hub database: {env['DATABASE_URL']} (CONCORD_VAR_DIR={var_dir})")
        else:
            if backend == "postgres":
                with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(var_dir, ignore_errors=True)


def manage(env: dict, *args: str, log: Path | None = None, profile: Path | None = None) -> tuple[str, float]:
    """Run a manage.py command; (its stdout, wall seconds). Its stderr goes to `log` if given; under
    cProfile, writing to `profile`, if given."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "cProfile", "-o", str(profile), *MANAGE[1:]] if profile else MANAGE
    with open(log, "a") if log else contextlib.nullcontext(subprocess.PIPE) as errors:
        done = subprocess.run([*command, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errors, text=True)
    if done.returncode != 0:
        detail = done.stderr if log is None else log.read_text()
        raise RuntimeError(f"manage.py {' '.join(args)} exited {done.returncode}: {detail[-2000:]}")
    return done.stdout, time.perf_counter() - started


def import_files(env: dict, data: datasets.Dataset, log: Path, profile: Path | None = None) -> dict:
    """import_records of each file, the CRM first; counts and seconds per file. With `profile`, each
    import runs under cProfile and leaves <profile>/<data set>-<system>.prof (the writing process only;
    the forked reader is not profiled)."""
    imports = []
    for system, path in data.files:
        with open(path, newline="") as handle:
            rows = sum(1 for _ in csv.DictReader(handle))
        progress(f"{data.name}: import_records --system {system} {path.name} ({rows:,} rows)")
        command = ("import_records", "--system", system, "--domain", "customer", str(path))
        if profile:
            profile.mkdir(parents=True, exist_ok=True)
            out, seconds = manage(env, *command, log=log, profile=profile / f"{data.name}-{system}.prof")
        else:
            out, seconds = manage(env, *command, log=log)
        found = SUMMARY.search(out)
        counts = dict(zip(("created", "updated", "unchanged", "stale", "quarantined", "golden_new", "golden_changed",
                           "review_candidates"), map(int, found.groups()), strict=True)) if found else {}
        imports.append({"system": system, "file": path.name, "rows": rows, "seconds": seconds,
                        "records_per_s": rows / seconds, "summary": out.strip().splitlines()[0] if out else "",
                        **counts})
        progress(f"{data.name}: {rows:,} rows in {seconds:.1f} s ({rows / seconds:,.0f} records/s)")
    return {"files": imports, "seconds": sum(i["seconds"] for i in imports)}


# --- reading golden records back -----------------------------------------------------------------

def read_database(env: dict) -> dict:
    """Cross-references, open review candidates, quarantine and golden counts, from the database."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--read-database-child", out.name], cwd=ROOT, env=env, check=True)
        result = json.loads(Path(out.name).read_text())
    result["seconds"] = time.perf_counter() - started
    return result


def read_database_child(out: str) -> None:
    import django

    django.setup()
    from matching.models import CandidateStatus, MatchCandidate
    from mdm.choices import GoldenStatus
    from mdm.models import CrossReference, Customer, QuarantinedRecord

    xrefs = CrossReference.objects.filter(domain="customer").values_list(
        "source_record__system__name", "source_record__source_id", "golden_id")
    candidates = MatchCandidate.objects.filter(domain="customer", status=CandidateStatus.OPEN)
    Path(out).write_text(json.dumps({
        "xrefs": [list(x) for x in xrefs.iterator(chunk_size=5000)],
        "open_candidates": [list(p) for p in candidates.values_list("golden_id_a", "golden_id_b")],
        "golden_active": Customer.objects.filter(record_status=GoldenStatus.ACTIVE).count(),
        "quarantined": [list(q) for q in QuarantinedRecord.objects.filter(domain="customer").values_list(
            "system__name", "source_id", "reason")],
    }))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def read_api(env: dict) -> dict:
    """Every customer cross-reference through GET /api/v1/xrefs/, page by page, as a client would:
    a superuser with a token (createsuperuser, drf_create_token), the hub served by gunicorn."""
    import requests

    manage({**env, "DJANGO_SUPERUSER_PASSWORD": "bench-only"}, "createsuperuser", "--noinput", "--username",
           BENCH_USER, "--email", "bench@example.invalid")
    out, _ = manage(env, "drf_create_token", BENCH_USER)
    token = re.search(r"token (\w+)", out).group(1)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1",
                               "--log-level", "warning"], cwd=ROOT, env=env)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {token}"
        base = f"http://127.0.0.1:{port}"
        _wait_for(server, session, base)
        started = time.perf_counter()
        xrefs, url, pages = [], f"{base}/api/v1/xrefs/?domain=customer", 0
        while url:
            page = session.get(url, timeout=60)
            page.raise_for_status()
            body = page.json()
            xrefs += [[x["system"], x["source_id"], x["golden_id"]] for x in body["results"]]
            url, pages = body["next"], pages + 1
        seconds = time.perf_counter() - started
        golden = session.get(f"{base}/api/v1/customers/?record_status=active", timeout=60).json()["count"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"xrefs": xrefs, "pages": pages, "seconds": seconds, "golden_active": golden}


def _wait_for(server: subprocess.Popen, session, base: str) -> None:
    import requests

    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited {server.returncode}")
        try:
            session.get(f"{base}/api/v1/xrefs/?domain=customer", timeout=5)
            return
        except requests.ConnectionError:
            time.sleep(0.2)  # paces a real external process: gunicorn booting
    raise RuntimeError("gunicorn did not answer within 30 s")


def read_back(env: dict, data: datasets.Dataset, how: str) -> dict:
    database = read_database(env)
    result = {"database": database, "source": "database"}
    if how in ("api", "both"):
        progress(f"{data.name}: reading cross-references through the API")
        api = read_api(env)
        result["api"] = {k: v for k, v in api.items() if k != "xrefs"}
        result["api"]["agrees_with_database"] = sorted(map(tuple, api["xrefs"])) == sorted(
            map(tuple, database["xrefs"])) and api["golden_active"] == database["golden_active"]
        progress(f"{data.name}: API {api['pages']} pages in {api['seconds']:.1f} s, database read "
                 f"{database['seconds']:.1f} s; same golden records: {result['api']['agrees_with_database']}")
        if how == "api":
            database["xrefs"], result["source"] = api["xrefs"], "api"
    return result


# --- running the contenders ----------------------------------------------------------------------

def run_hub(data: datasets.Dataset, args, work: Path) -> list[dict]:
    log = work / f"{data.name}-hub.log"
    rows = []
    try:
        with hub_database(data.name, args.database, args.postgres, args.keep_database) as env:
            imports = import_files(env, data, log, args.profile)
            how = args.read_back if args.read_back != "auto" else (
                "both" if data.records <= API_READ_LIMIT else "database")
            state = read_back(env, data, how)
            rows.append(hub_row("concord hub path", imports["seconds"], state, imports=imports))
            if args.also_fit:
                progress(f"{data.name}: fit_match_model customer, rematch customer")
                out_fit, fit_seconds = manage(env, "fit_match_model", "customer", log=log)
                out_rematch, rematch_seconds = manage(env, "rematch", "customer", log=log)
                state = read_back(env, data, "database")
                rows.append(hub_row("concord after fit", imports["seconds"] + fit_seconds + rematch_seconds, state,
                                    fit={"fit": out_fit.strip(), "rematch": out_rematch.strip(),
                                         "fit_seconds": fit_seconds, "rematch_seconds": rematch_seconds}))
    except (RuntimeError, subprocess.CalledProcessError, OSError) as error:
        progress(f"{data.name}: the hub failed: {error}")
        rows.append({"contender": "concord hub path", "error": str(error)[-2000:]})
    return rows


def hub_row(contender: str, seconds: float, state: dict, **extra) -> dict:
    database = state["database"]
    return {"contender": contender, "seconds": seconds, "read_back": {k: v for k, v in state.items() if k != "database"},
            "clusters": {(s, i): g for s, i, g in database["xrefs"]}, "open_candidates": database["open_candidates"],
            "golden_active": database["golden_active"], "quarantined": database["quarantined"], **extra}


def run_peer(peer: str, data: datasets.Dataset, work: Path) -> dict:
    out = work / f"{data.name}-{peer}.json"
    progress(f"{data.name}: {peer}")
    command = [sys.executable, str(ROOT / "benchmarks" / "matching" / "peers.py"), "--peer", peer, "--out", str(out)]
    for system, path in data.files:
        command += ["--file", f"{system}={path}"]
    with open(work / f"{data.name}-{peer}.log", "w") as log:
        done = subprocess.run(command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=log,
                              stderr=subprocess.STDOUT, timeout=3600)
    if done.returncode != 0:
        tail = (work / f"{data.name}-{peer}.log").read_text()[-1500:]
        progress(f"{data.name}: {peer} failed (exit {done.returncode})")
        return {"contender": peer, "error": f"exit {done.returncode}: {tail}"}
    result = json.loads(out.read_text())
    progress(f"{data.name}: {peer} done in {result['seconds']:.1f} s")
    return {"contender": peer, "seconds": result["seconds"], "notes": result["notes"],
            "clusters": {(s, i): c for s, i, c in result["clusters"]}, "open_candidates": []}


# --- scoring -------------------------------------------------------------------------------------

def score(row: dict, data: datasets.Dataset, values: dict, cleaned: dict) -> dict:
    """The row's metrics against the truth, its mistakes sampled with their values and profiled
    field by field (on values cleaned the peers' way: equal, different or missing)."""
    if "error" in row:
        return row
    truth = data.truth
    entity_of = dict(zip(zip(truth["system"], truth["source_id"], strict=True), truth["entity_id"], strict=True))
    group_of = dict(zip(zip(truth["system"], truth["source_id"], strict=True), truth["lookalike_group"], strict=True))
    clusters = row.pop("clusters")
    pairs = metrics.pair_scores(entity_of, clusters)
    merged, groups = metrics.lookalikes_merged(entity_of, group_of, clusters)
    in_review = metrics.records_in_review(clusters, row["open_candidates"])
    open_pairs = {frozenset(p) for p in row["open_candidates"]}
    golden = row.get("golden_active", len(set(metrics.clusters_over(entity_of, clusters).values())))
    mistakes = metrics.mistakes(entity_of, clusters, k=10, seed=1)

    def shown(a, b):
        ga, gb = clusters.get(a), clusters.get(b)
        return {"a": {"key": list(a), "entity": entity_of[a], "golden": ga, **values[a]},
                "b": {"key": list(b), "entity": entity_of[b], "golden": gb, **values[b]},
                "in_one_open_candidate": frozenset((ga, gb)) in open_pairs}

    missed, false = metrics.mistaken_pairs(entity_of, clusters)
    sizes = sorted((len(keys) for keys in _members(clusters).values()), reverse=True)
    return {**row, **pairs.as_dict(), "records": data.records, "records_per_s": data.records / row["seconds"],
            "true_entities": truth["entity_id"].nunique(), "golden_records": golden,
            "records_in_review": in_review, "review_share": in_review / data.records,
            "open_candidates": len(row["open_candidates"]), "lookalike_groups": groups, "lookalikes_merged": merged,
            "largest_golden_record": sizes[0] if sizes else 0, "entities_split": mistakes.entities_split,
            "golden_records_mixed": mistakes.clusters_mixed,
            "missed_pairs_sample": [shown(a, b) for a, b in mistakes.missed],
            "false_pairs_sample": [shown(a, b) for a, b in mistakes.false],
            "missed_pairs_profile": metrics.field_profile(missed, cleaned, peers.MATCH_COLUMNS),
            "false_pairs_profile": metrics.field_profile(false, cleaned, peers.MATCH_COLUMNS),
            "quarantined": row.get("quarantined", [])}


def _members(clusters: dict) -> dict:
    members: dict = {}
    for key, cluster in clusters.items():
        members.setdefault(cluster, []).append(key)
    return members


def record_values(data: datasets.Dataset) -> dict:
    """Each source record's non-empty CSV values, to show beside a mistake."""
    values = {}
    for system, path in data.files:
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):
                values[system, row["source_id"]] = {k: v for k, v in row.items() if v and k != "source_id"}
    return values


# --- output --------------------------------------------------------------------------------------

def table(data: datasets.Dataset, rows: list[dict]) -> str:
    truth = data.truth
    lines = [f"**{data.name}**: {data.records:,} source records ({', '.join(f'{s} {p.name}' for s, p in data.files)}), "
             f"{truth['entity_id'].nunique():,} true entities", ""]
    lines += [f"- {note}" for note in data.notes] + ([""] if data.notes else [])
    lines += ["| contender | precision | recall | F1 | review % (open candidates) | look-alikes merged | "
              "golden records / true entities | seconds | records/s |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['contender']} | failed: {r['error'].splitlines()[-1][:80]} | | | | | | | |")
            continue
        review = f"{100 * r['review_share']:.1f} % ({r['open_candidates']:,})" if r["contender"].startswith(
            "concord") else "–"
        lookalike = (f"{100 * r['lookalikes_merged'] / r['lookalike_groups']:.1f} % "
                     f"({r['lookalikes_merged']}/{r['lookalike_groups']})") if r["lookalike_groups"] else "–"
        lines.append(f"| {r['contender']} | {r['precision']:.4f} | {r['recall']:.4f} | **{r['f1']:.4f}** | {review} | "
                     f"{lookalike} | {r['golden_records']:,} / {r['true_entities']:,} | {r['seconds']:.1f} | "
                     f"{r['records_per_s']:,.0f} |")
    return "\n".join(lines)


def git_commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "matching", "mdm", "config"], cwd=ROOT,
                           capture_output=True, text=True).stdout
    return head.strip() + (" (matching/mdm/config modified)" if dirty.strip() else "")


def run_dataset(name: str, args, work: Path) -> tuple[datasets.Dataset, list[dict]]:
    data = datasets.prepare(name, args.n, args.seed, args.blind_generator)
    progress(f"{name}: {data.records:,} source records in {data.folder.relative_to(ROOT)}")
    for note in data.notes:
        progress(f"{name}: NOTE {note}")
    rows = run_hub(data, args, work) if not args.no_hub else []
    rows += [run_peer(peer, data, work) for peer in args.peers]
    values = record_values(data)
    cleaned = {tuple(uid.split("|", 1)): record for uid, record in
               peers.read_records(data.files).set_index(peers.UID).to_dict("index").items()}
    return data, [score(row, data, values, cleaned) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=[*datasets.NAMES, "all"])
    parser.add_argument("--n", type=int, default=3000, help="companies for the generated sets (ours, blind)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--peers", default="splink,recordlinkage", help="comma-separated; 'none' for none")
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--postgres", default=PG_SERVER, help="server URL without database (trust auth)")
    parser.add_argument("--also-fit", action="store_true", help="also fit_match_model + rematch: a second hub row")
    parser.add_argument("--read-back", choices=["auto", "api", "database", "both"], default="auto",
                        help=f"auto: both (and compare) up to {API_READ_LIMIT:,} source records, else the database")
    parser.add_argument("--blind-generator", type=Path, default=datasets.BLIND_GENERATOR)
    parser.add_argument("--keep-database", action="store_true", help="leave the hub database for inspection")
    parser.add_argument("--no-hub", action="store_true", help="peers only")
    parser.add_argument("--profile", type=Path, help="run each import_records under cProfile, files in this folder")
    parser.add_argument("--read-database-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read_database_child:
        read_database_child(args.read_database_child)
        return
    if not args.dataset:
        parser.error("--dataset is required")
    args.peers = [] if args.peers in ("", "none") else args.peers.split(",")
    unknown = set(args.peers) - {"splink", "recordlinkage"}
    if unknown:
        parser.error(f"unknown peers: {', '.join(sorted(unknown))}")
    started, stamp = time.perf_counter(), datetime.now(UTC)
    results = {"command": " ".join(sys.argv[1:]), "date": stamp.isoformat(timespec="seconds"),
               "commit": git_commit(), "cores": os.cpu_count(), "database": args.database, "datasets": {}}
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hub_path_") as work:
        for name in datasets.NAMES if args.dataset == "all" else [args.dataset]:
            data, rows = run_dataset(name, args, Path(work))
            print(table(data, rows) + "\n", flush=True)
            results["datasets"][name] = {"records": data.records, "folder": str(data.folder.relative_to(ROOT)),
                                         "notes": data.notes, "rows": rows}
    results["seconds"] = time.perf_counter() - started
    out = RESULTS / f"hub_path-{args.dataset}-n{args.n}-s{args.seed}-{stamp:%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(results, indent=1, default=str))
    progress(f"done in {results['seconds']:.0f} s; results in {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
