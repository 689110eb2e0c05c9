"""Server time of every console page on a hub of 100,000 golden customers (PostgreSQL).

    .venv/bin/python benchmarks/hub/console_pages.py --load        # build the hub (a few minutes)
    .venv/bin/python benchmarks/hub/console_pages.py               # time every page

`--load` starts from an empty database (BENCH_DATABASE_URL, default concord_console_bench on the
local server): 100,000 Salesforce accounts from the ingestion benchmark's generator through the
whole pipeline, 10,000 NetSuite customers that are near-duplicates of some of them (the matcher
links them all), 10,000 contracts and 10,000 projects, and for the queues 3,000 review candidates
(pairs of customers of one country, with weights for and against), quarantined records, dead
letters, open violations (from the quality rules), council requests and flows; the demo's personas.
All but the newest 2,000 outbound messages delivered; what the load made dated over the last 30
days (_spread_over_a_month), as a hub that grew to this size would have it.

Without `--load` it times each page with Django's test client in this process: the server's whole
work (middleware, permission filter, queries, template) without a network, as the median and
the worst of `--runs` requests after two warm-up requests, for the council (sees everything) and
the customer steward scoped to DE, NL and FR (every list through the permission filter); then the
exports, once each. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/concord_console_bench")
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
CUSTOMERS, DUPLICATES, CONTRACTS, PROJECTS = 100_000, 10_000, 10_000, 10_000
BACKLOG = 2_000  # outbound messages still pending (the rest delivered, 1,000 dead letters)


def setup() -> None:
    os.environ.update(DATABASE_URL=DATABASE_URL, DJANGO_SETTINGS_MODULE="config.settings",
                      CONCORD_QUALITY_ON_INGEST=os.environ.get("CONCORD_QUALITY_ON_INGEST", "1"))
    import django

    django.setup()


# --- Building the hub ---------------------------------------------------------------------------

def _recreate_database() -> None:
    name = DATABASE_URL.rsplit("/", 1)[1]
    for sql in (f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True)


def _ingest(system: str, domain: str, records: list, batch: int = 2000) -> None:
    from mdm.services.ingest import source_records_ingest

    for start in range(0, len(records), batch):
        source_records_ingest(system=system, domain=domain, records=records[start:start + batch])


def _load_customers(csv_path: Path) -> None:
    from mdm.csv_import import read_csv_ahead
    from mdm.services.ingest import source_records_ingest

    for batch in read_csv_ahead(csv_path, "customer", 2000):
        source_records_ingest(system="salesforce", domain="customer", records=batch)


def _netsuite_duplicates(csv_path: Path, rng: random.Random) -> list:
    """Some accounts again as the ERP holds them: upper case, another legal form, a moved phone."""
    import csv

    from mdm.records import IncomingRecord

    with open(csv_path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    picked = rng.sample(rows, DUPLICATES)
    records = []
    for i, row in enumerate(picked):
        name = row["name"].upper() if i % 3 == 0 else row["name"].rsplit(" ", 1)[0]
        phone = row["phone"] if i % 4 else row["phone"][:-2] + "00"
        records.append(IncomingRecord(f"C-{i:06d}", "customer", {
            "name": name, "country": row["country"], "city": row["city"], "postal_code": row["postal_code"],
            "phone": phone, "tax_id": row["tax_id"], "currency": "EUR", "payment_terms": "Net 30"},
            {"id": f"C-{i:06d}"}, datetime(2026, 10, 1, tzinfo=UTC)))
    return records


def _contracts_and_projects(rng: random.Random) -> tuple[list, list]:
    from mdm.records import IncomingRecord

    statuses = ["active", "draft", "expired", "signed"]
    contracts, projects = [], []
    for i in range(CONTRACTS):
        customer = f"ACC{rng.randrange(CUSTOMERS):07d}"
        contracts.append(IncomingRecord(f"800{i:06d}", "Contract", {
            "number": f"SF-{i:06d}", "title": f"Engagement {i}", "status": rng.choice(statuses),
            "customer_source_id": customer, "currency": "EUR", "total_value": str(rng.randint(5, 500) * 1000)}))
        projects.append(IncomingRecord(f"a0P{i:06d}", "Project", {
            "code": f"PRJ-{i:06d}", "name": f"Rollout {i}", "status": rng.choice(["active", "planned", "completed"]),
            "customer_source_id": customer, "contract_source_id": f"800{i:06d}",
            "project_manager": rng.choice(["Ana Silva", "Jonas Berg", "Mia Chen"])}))
    return contracts, projects


def _queues(rng: random.Random) -> None:
    """Quarantined records, dead letters, council requests and flows, beside what ingestion made
    (review candidates, violations)."""
    from django.contrib.auth import get_user_model
    from django.db.models import F

    from mdm.choices import OutboxStatus
    from mdm.models import Customer, OutboxMessage
    from mdm.records import IncomingRecord
    from orchestration.models import Flow
    from stewardship import services

    _ingest("salesforce", "customer", [IncomingRecord(f"BAD{i:05d}", "Account", {"name": "", "country": "Germany"},
                                                      {"Id": f"BAD{i:05d}"}) for i in range(1000)])
    dead = list(OutboxMessage.objects.order_by("id").values_list("pk", flat=True)[:300_000:300])
    errors = ["HTTP 400 from NetSuite: INVALID_FIELD phone", "HTTP 503 from Salesforce: unavailable",
              "HTTP 409 from NetSuite: DUP_RECORD"]
    for k, start in enumerate(range(0, len(dead), 250)):
        OutboxMessage.objects.filter(pk__in=dead[start:start + 250]).update(
            status=OutboxStatus.DEAD, attempts=8, last_error=errors[k % len(errors)])
    # A hub whose workers run has delivered what ingestion queued, all but the newest few thousand.
    newest = OutboxMessage.objects.order_by("-id").values_list("pk", flat=True)[BACKLOG]
    OutboxMessage.objects.filter(status=OutboxStatus.PENDING, pk__lte=newest).update(
        status=OutboxStatus.DELIVERED, attempts=1, delivered_at=F("created_at") + timedelta(seconds=4))
    steward = get_user_model().objects.get(username="steward_customers")
    for customer in Customer.objects.filter(country="DE").order_by("id")[:200]:
        services.override_request(golden_id=customer.id, attribute="legal_entity", value="Concord GmbH",
                                  mode="pinned", until=None, reason="registry extract", acting_user=steward)
    _review_candidates(rng)
    contracts = list(Customer.objects.values_list("id", flat=True)[:2000])
    Flow.objects.bulk_create([Flow(crm_system="salesforce", opportunity_id=f"OPP-{i}", opportunity_name=f"Deal {i}",
                                   correlation_id=f"bench-{i}", state=rng.choice(["running", "failed", "done"]),
                                   current_step=rng.choice(["erp_customer", "contract", "project", "billing"]),
                                   customer_id=contracts[i], closed_won_at=datetime(2026, 9, 1, tzinfo=UTC)
                                   + timedelta(hours=i)) for i in range(2000)])


def _review_candidates(rng: random.Random, pairs: int = 3000) -> None:
    """Doubtful pairs for the review queue, as the matcher leaves them: two customers of one
    country, a score between 0.5 and 0.9, per-attribute weights for and against."""
    from matching.models import MatchCandidate
    from mdm.models import Customer

    by_country: dict[str, list[str]] = {}
    for golden_id, country in Customer.objects.values_list("id", "country"):
        by_country.setdefault(country, []).append(golden_id)
    candidates, seen = [], set()
    while len(candidates) < pairs:
        ids = by_country[rng.choice(sorted(by_country))]
        a, b = rng.sample(ids, 2)
        if (a, b) in seen:
            continue
        seen.add((a, b))
        contributions = {"name": round(rng.uniform(2, 9), 2), "tax_id": round(rng.uniform(-6, 1), 2),
                         "city": round(rng.uniform(-2, 3), 2), "phone": round(rng.uniform(-3, 4), 2)}
        candidates.append(MatchCandidate(domain="customer", golden_id_a=a, golden_id_b=b,
                                         score=round(rng.uniform(0.5, 0.9), 3), contributions=contributions,
                                         rule="model"))
    MatchCandidate.objects.bulk_create(candidates, batch_size=1000)


def load() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from ingest import generate  # the ingestion benchmark's generator, beside this file

    _recreate_database()
    setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        csv_path = Path(scratch) / "customers.csv"
        generate(csv_path, CUSTOMERS)
        _load_customers(csv_path)
        print(f"{CUSTOMERS:,} customers in {time.perf_counter() - started:.0f} s", flush=True)
        _ingest("netsuite", "customer", _netsuite_duplicates(csv_path, rng))
    print(f"+ {DUPLICATES:,} NetSuite customers at {time.perf_counter() - started:.0f} s", flush=True)
    contracts, projects = _contracts_and_projects(rng)
    _ingest("salesforce", "contract", contracts)
    _ingest("salesforce", "project", projects)
    print(f"+ contracts and projects at {time.perf_counter() - started:.0f} s", flush=True)
    call_command("create_demo_users", stdout=open(os.devnull, "w"))
    _queues(rng)
    call_command("quality_check", stdout=open(os.devnull, "w"))
    _spread_over_a_month()
    with __import__("django.db", fromlist=["connection"]).connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)


# (table, primary key, date columns, which rows): what the load made, dated by its own clock.
SPREAD = (("mdm_historicalcrossreference", "history_id", ("history_date",), "TRUE"),
          ("matching_matchcandidate", "id", ("created_at",), "TRUE"),
          ("mdm_outboxmessage", "id", ("created_at", "delivered_at"), "status <> 'pending'"))


def _spread_over_a_month() -> None:
    """A hub of 100,000 customers did not make them all today: the load's cross-reference history,
    review candidates and outbound messages (but the pending backlog) are dated back over the last
    30 days in the order they were made, so that the dashboard's 24-hour figures count a day's work."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table, key, columns, rows in SPREAD:
            cursor.execute(f"SELECT min({key}), max({key}) FROM {table}")
            first, last = cursor.fetchone()
            if first is None:
                continue
            days_back = f"(({last} - {key}) * 30.0 / {last - first + 1}) * interval '1 day'"
            moved = ", ".join(f"{column} = {column} - {days_back}" for column in columns)
            cursor.execute(f"UPDATE {table} SET {moved} WHERE {rows}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--load", action="store_true", help="build the hub first (drops the database)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", default="", help="time only the pages whose name contains this")
    args = parser.parse_args()
    if args.load:
        load()
        return
    setup()
    measure(args.runs, args.only)


# --- Timing the pages ---------------------------------------------------------------------------

def pages() -> list[tuple[str, str]]:
    """(what, path) of every console page, with ids from the hub."""
    from matching.models import MatchCandidate
    from mdm.models import Contract, Customer, Project
    from orchestration.models import Flow
    from stewardship.models import ChangeRequest

    customer = Customer.objects.filter(country="DE").order_by("id").first()
    request = ChangeRequest.objects.filter(status="pending").order_by("id").first()
    name = " ".join(customer.name.split()[:2])
    typo = name[:-2] + name[-1] + name[-2]
    flow = Flow.objects.order_by("id").first()
    candidate = MatchCandidate.objects.filter(status="open").order_by("id").first()
    return [
        ("home", "/"),
        ("golden records: customers", "/golden/"),
        ("golden records: facets", "/golden/?facets=1"),
        ("golden records: DE, failing quality, by update", "/golden/?country=DE&quality=error&sort=-updated_at"),
        ("golden records: facets of that", "/golden/?country=DE&quality=error&sort=-updated_at&facets=1"),
        ("golden records: name contains 'health'", "/golden/?q=health"),
        ("golden records: facets of 'health'", "/golden/?q=health&facets=1"),
        ("golden records: system netsuite", "/golden/?system=netsuite"),
        ("golden records: facets of netsuite", "/golden/?system=netsuite&facets=1"),
        ("golden records: contracts", "/golden/?domain=contract"),
        ("golden records: projects", "/golden/?domain=project"),
        ("search: a name", f"/search/?q={name}"),
        ("search: a name with a typo", f"/search/?q={typo}"),
        ("search: a common word ('health')", "/search/?q=health"),
        ("search: a golden id", f"/search/?q={customer.id}"),
        ("merge picker", f"/search/?q={name}&picker=1&domain=customer&exclude={customer.id}"),
        ("golden record page", f"/golden/{customer.id}/"),
        ("contract page", f"/golden/{Contract.objects.order_by('id').first().id}/"),
        ("project page", f"/golden/{Project.objects.order_by('id').first().id}/"),
        ("match review", "/review/"),
        ("match review: page 3", "/review/?page=3"),
        ("exceptions: quarantine", "/exceptions/"),
        ("exceptions: dead letters", "/exceptions/?tab=dead"),
        ("data quality", "/quality/"),
        ("council", "/council/"),
        ("council request", f"/council/{request.pk}/" if request else "/council/"),
        ("flows", "/flows/"),
        ("flow", f"/flows/{flow.pk}/"),
        ("operations", "/operations/"),
        ("match review: one cause, one band", "/review/?domain=customer&cause=tax+id+disagrees&band=doubtful"),
        ("review card: merge preview", f"/review/{candidate.pk}/preview/" if candidate else "/review/"),
        ("uncertain pairs to teach", "/review/teach/"),
        ("matching models", "/matching/"),
        ("customer matching model", "/matching/customer/"),
        ("customer rule change preview", "/matching/customer/preview/"),
        ("staffing", "/staffing/"),
    ]


def exports() -> list[tuple[str, str]]:
    """Downloads, timed once each: not pages, but a steward waits for them too."""
    return [("export: every customer, CSV", "/golden/export/?format=csv"),
            ("export: every customer, Excel", "/golden/export/?format=xlsx"),
            ("export: German customers, Excel", "/golden/export/?format=xlsx&country=DE")]


def measure(runs: int, only: str = "") -> None:
    import logging

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client

    logging.disable(logging.WARNING)  # a 403 (a persona outside a page's domain) is an answer here
    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = True  # to count queries
    User = get_user_model()
    print("| page | persona | median | worst | queries |\n| --- | --- | ---: | ---: | ---: |")
    for persona in ("council", "steward_customers"):
        client = Client()
        client.force_login(User.objects.get(username=persona))
        for what, path in pages():
            if only not in what:
                continue
            times, status = [], None
            for k in range(runs + 2):
                reset_queries()
                started = time.perf_counter()
                response = client.get(path)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
                elapsed = (time.perf_counter() - started) * 1000
                status = response.status_code
                if k >= 2:
                    times.append(elapsed)
            queries = len(connection.queries)
            print(f"| {what} | {persona} | {statistics.median(times):.0f} ms | {max(times):.0f} ms | {queries} |"
                  + ("" if status == 200 else f" HTTP {status}"), flush=True)
        for what, path in exports() if not only else ():
            started = time.perf_counter()
            response = client.get(path)
            size = len(b"".join(response.streaming_content))
            print(f"| {what} ({size / 1e6:.1f} MB) | {persona} | {time.perf_counter() - started:.1f} s | | |",
                  flush=True)


if __name__ == "__main__":
    main()
