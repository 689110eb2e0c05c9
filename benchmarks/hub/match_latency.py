"""Incremental matching latency: one new customer matched against the golden records of the
ingestion benchmark's PostgreSQL database through the persistent blocking index (the path a
change event takes), p50 and p99 over N single-record calls.

    .venv/bin/python benchmarks/hub/match_latency.py --n 500
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args()
    os.environ.update(DJANGO_SETTINGS_MODULE="config.settings",
                      DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/concord_bench"))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from matching.hub import HubMatcher
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
