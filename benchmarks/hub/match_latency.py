"""Incremental matching latency: one new customer matched against the golden records of the
ingestion benchmark's PostgreSQL database through the persistent blocking index (the path a
change event takes), p50 and p99 over N single-record calls.

    .venv/bin/python benchmarks/hub/match_latency.py --n 500
    .venv/bin/python benchmarks/hub/match_latency.py --n 500 --build 1000000

With --build N, a fresh database concord_index_bench gets N golden customers written straight into
the golden table and the blocking index (the generator of benchmarks/hub/ingest.py, standardized
and keyed by the engine as the hub would), skipping the ingestion pipeline: this benchmark measures
the lookup and scoring path, not loading.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def build(n: int) -> None:
    """N golden customers and their blocking keys, written directly (COPY)."""
    import csv

    from django.core.management import call_command
    from django.db import connection

    from benchmarks.hub.ingest import DATA, generate
    from matching.engine import blocking_keys
    from matching.forms import standardized_record
    from matching.index import key_hash
    from mdm.canonical import standardize_record
    from mdm.models import new_golden_id

    call_command("migrate", verbosity=0)
    path = DATA / f"customers_{n}.csv"
    if not path.exists():
        generate(path, n)
    started = time.perf_counter()
    keys = []  # one COPY at a time per connection: the index rows go in after the golden rows
    with open(path, newline="") as handle, connection.cursor() as cursor:
        with cursor.cursor.copy('COPY mdm_customer (id, record_status, merged_into, lineage, revision, match_key, '
                                'alt_match_key, created_at, updated_at, correlation_id, name, tax_id, country, city, '
                                'postal_code, address_line1, phone, email, website, industry, legal_entity, currency, '
                                'payment_terms, credit_status) FROM STDIN') as golden_copy:
            for row in csv.DictReader(handle):
                values, _errors = standardize_record("customer", row)
                golden_id = new_golden_id("CUS")
                now = "2026-11-27T00:00:00+00:00"
                golden_copy.write_row([golden_id, "active", "", "{}", 1, "", "", now, now, "",
                                       *[values.get(name) or "" for name in (
                                           "name", "tax_id", "country", "city", "postal_code", "address_line1",
                                           "phone", "email", "website", "industry", "legal_entity", "currency",
                                           "payment_terms", "credit_status")]])
                keys.extend((key, golden_id) for key in blocking_keys(
                    "customer", standardized_record("customer", golden_id, values), standardized=True))
        with cursor.cursor.copy("COPY matching_blockingkey (domain, key_hash, golden_id) FROM STDIN") as key_copy:
            for key, golden_id in keys:
                key_copy.write_row(["customer", key_hash("customer", key), golden_id])
        cursor.execute("ANALYZE mdm_customer; ANALYZE matching_blockingkey")
    print(f"built {n:,} golden customers and their blocking keys in {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--build", type=int, help="first load this many golden customers into concord_index_bench")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/concord_bench")
    if args.build:
        import subprocess

        for sql in ("DROP DATABASE IF EXISTS concord_index_bench", "CREATE DATABASE concord_index_bench"):
            subprocess.run(["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-q", "-c", sql], check=True)
        url = "postgres://postgres@127.0.0.1:5432/concord_index_bench"
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings", DATABASE_URL=url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.build:
        build(args.build)
    from matching.matcher import HubMatcher
    from mdm.canonical import standardize_record
    from mdm.matchers import MatchInput
    from mdm.models import Customer

    rng = random.Random(3)
    golden_count = Customer.objects.count()
    sample = list(Customer.objects.order_by("?").values("name", "country", "city", "postal_code", "phone",
                                                        "website", "tax_id")[: args.n])
    matcher = HubMatcher()
    timings, linked = [], 0
    for i, golden in enumerate(sample):
        # Half are the same firm as another system writes it (a duplicate), half a firm we never saw.
        attributes = dict(golden)
        if i % 2:
            attributes["name"] = attributes["name"].upper().replace(" GMBH", " G.m.b.H.")
            attributes["tax_id"] = ""
        else:
            attributes.update(name=f"Novel {rng.randint(0, 10**9)} Advisory", phone="", website="", tax_id="")
        values, _errors = standardize_record("customer", attributes)
        record = MatchInput(ref=0, system="bench", source_id=f"b{i}", object_type="Account", attributes=values)
        started = time.perf_counter()
        outcome = matcher.match("customer", [record])[0]
        timings.append((time.perf_counter() - started) * 1000)
        linked += outcome.golden_id is not None
    ordered = sorted(timings)
    print(f"{golden_count:,} golden customers, {len(ordered)} single-record matches "
          f"({linked} linked to an existing golden record)")
    print("| p50 | p90 | p99 | max |")
    print("| ---: | ---: | ---: | ---: |")
    print(f"| {statistics.median(ordered):.1f} ms | {ordered[int(len(ordered) * 0.9) - 1]:.1f} ms | "
          f"{ordered[int(len(ordered) * 0.99) - 1]:.1f} ms | {ordered[-1]:.1f} ms |")


if __name__ == "__main__":
    main()
