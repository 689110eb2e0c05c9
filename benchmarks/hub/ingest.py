"""Ingestion rate: N customer rows from a CSV file through the whole pipeline (standardize,
validate, match, link or create, survivorship, history, outbox), on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/hub/ingest.py --rows 100000 --backend sqlite
    .venv/bin/python benchmarks/hub/ingest.py --rows 100000 --backend postgres --reader child

Each run starts from an empty database and prints one Markdown table row. `--reader child` reads
and prepares rows in a second process, as `import_records` does; `--reader same` does it in the
writing process, the way it ran before, side by side for comparison (default: both).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "benchmarks" / "data"
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/concord_bench"

COUNTRIES = [("Germany", "+49 30 "), ("USA", "(212) "), ("United Kingdom", "020 "), ("Holland", "+31 20 "),
             ("France", "+33 1 ")]
SUFFIXES = ["GmbH", "Inc.", "Ltd", "B.V.", "SAS", "LLC", "AG", "PLC"]
KINDS = ["Consulting", "Logistics", "Health", "Energy", "Retail", "Partners", "Group", "Systems", "Advisory"]
ONSETS = ["b", "br", "c", "d", "f", "g", "gr", "h", "k", "l", "m", "n", "p", "qu", "r", "s", "st", "t", "tr", "v", "w"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io"]
CODAS = ["", "n", "r", "s", "x", "l", "m", "nd", "rt"]


def word(rng: random.Random) -> str:
    """A made-up brand or place name: real customer files have many distinct names, not a few."""
    return "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                   for _ in range(rng.randint(2, 3))).capitalize()


def generate(path: Path, rows: int, seed: int = 42) -> None:
    """Distinct customers (one CRM's accounts): several hundred cities, brand names, contact data."""
    rng = random.Random(seed)
    cities = [(word(rng), f"{rng.randint(10000, 99999)}") for _ in range(400)]
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source_id", "name", "country", "city", "postal_code", "address_line1", "phone", "email",
                         "website", "industry", "tax_id", "source_updated_at"])
        for i in range(rows):
            country, phone_prefix = rng.choice(COUNTRIES)
            brand = f"{word(rng)} {word(rng)}"
            name = f"{brand} {rng.choice(KINDS)} {rng.choice(SUFFIXES)}"
            host = brand.lower().replace(" ", "-")
            city, postal = rng.choice(cities)
            writer.writerow([f"ACC{i:07d}", name, country, city, postal, f"{rng.randint(1, 300)} {word(rng)} Street",
                             f"{phone_prefix}{rng.randint(1000000, 9999999)}", f"info@{host}.com",
                             f"https://www.{host}.com/", rng.choice(["Retail", "Energy", "Health"]),
                             f"{rng.randint(100000000, 999999999)}" if rng.random() < 0.5 else "",
                             f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z"])


def run_child(backend: str, csv_path: Path, batch_size: int, reader: str) -> None:
    """In a fresh process: migrate an empty database, then time the import."""
    import django
    from django.core.management import call_command

    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    sys.path.insert(0, str(ROOT))
    django.setup()
    call_command("migrate", verbosity=0)
    from mdm.csv_import import prepared_batches, read_csv_ahead
    from mdm.models import Customer
    from mdm.records import IngestSummary
    from mdm.services.ingest import source_records_ingest

    summary = IngestSummary()
    started = time.perf_counter()
    # As `manage.py import_records` runs it: rows read and prepared in a second process ("child"),
    # or, for comparison, in this one ("same").
    batches = read_csv_ahead if reader == "child" else prepared_batches
    for batch in batches(csv_path, "customer", batch_size):
        summary.merge(source_records_ingest(system="salesforce", domain="customer", records=batch))
    elapsed = time.perf_counter() - started
    rows = summary.created + summary.unchanged + len(summary.quarantined)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| {backend} | {reader} | {rows:,} | {elapsed:.1f} s | {rows / elapsed:,.0f} rows/s | "
          f"{Customer.objects.count():,} | {len(summary.quarantined)} | {peak_mb:,.0f} MB |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--reader", choices=["child", "same"], action="append",
                        help="where rows are read and prepared: a second process (child, as import_records "
                             "does) or the writing one (same); default both")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_child(args.child, args.csv, args.batch_size, (args.reader or ["child"])[0])
        return

    csv_path = DATA / f"customers_{args.rows}.csv"
    if not csv_path.exists():
        generate(csv_path, args.rows)
    print("| backend | reader | rows | wall time | rate | golden records | quarantined | peak RSS |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for backend, reader in [(b, r) for b in args.backend or ["sqlite", "postgres"] for r in args.reader or ["same", "child"]]:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        with tempfile.TemporaryDirectory() as var_dir:
            env["CONCORD_VAR_DIR"] = var_dir
            env.pop("DATABASE_URL", None)
            if backend == "postgres":
                for sql in ("DROP DATABASE IF EXISTS concord_bench", "CREATE DATABASE concord_bench"):
                    subprocess.run(["psql", PG_ADMIN, "-q", "-c", sql], check=True)
                env["DATABASE_URL"] = PG_BENCH
            subprocess.run([sys.executable, __file__, "--child", backend, "--csv", str(csv_path),
                            "--batch-size", str(args.batch_size), "--reader", reader], env=env, check=True)


if __name__ == "__main__":
    main()
