#!/usr/bin/env python3
"""Blind CRM/ERP customer-export generator (standard library only).

    python3 generate.py --n 3000 --seed 1 --out DIR
    python3 generate.py --selftest

Writes DIR/crm.csv, DIR/erp.csv, DIR/truth.csv, DIR/README.txt (+ DIR/stats.json,
and DIR/tags.csv with --tags).  Written without reading the matcher under test.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from crm_erp_blind.config import DEFAULTS, merge  # noqa: E402
from crm_erp_blind.generator import run  # noqa: E402


def parse_set(items):
    out = {}
    for it in items or []:
        if "=" not in it:
            raise SystemExit("--set expects key=value, got %r" % it)
        k, v = it.split("=", 1)
        try:
            out[k] = json.loads(v)
        except ValueError:
            out[k] = v
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000, help="approximate total rows over both files")
    ap.add_argument("--seed", default="1", help="random seed (any string/int)")
    ap.add_argument("--out", default=None, help="output directory")
    ap.add_argument("--config", default=None, help="JSON file overriding default rates")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE", help="override one rate (JSON value)")
    ap.add_argument("--tags", action="store_true", help="also write tags.csv (phenomena per record)")
    ap.add_argument("--dump-config", action="store_true", help="print the default config as JSON and exit")
    ap.add_argument("--selftest", action="store_true", help="generate n=2000 and check invariants")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)

    if a.dump_config:
        print(json.dumps(DEFAULTS, indent=1, ensure_ascii=False))
        return 0
    if a.selftest:
        from crm_erp_blind.selftest import selftest
        return selftest()
    if not a.out:
        ap.error("--out is required")
    cfg = dict(DEFAULTS)
    try:
        if a.config:
            with open(a.config, encoding="utf-8") as fh:
                cfg = merge(cfg, json.load(fh))
        cfg = merge(cfg, parse_set(a.set))
    except KeyError as ex:
        raise SystemExit(str(ex).strip("'\""))
    tot = cfg["p_both"] + cfg["p_crm_only"] + cfg["p_erp_only"]
    if abs(tot - 1) > 1e-6:
        raise SystemExit("p_both + p_crm_only + p_erp_only must sum to 1 (got %s)" % tot)
    seed = int(a.seed) if str(a.seed).lstrip("-").isdigit() else a.seed
    s = run(a.n, seed, a.out, cfg, write_tags=a.tags, quiet=a.quiet)
    if not a.quiet:
        print("wrote %s: crm=%d erp=%d rows, %d entities, %d cross pairs, %d look-alike groups, %.1fs" % (
            a.out, s["rows_crm"], s["rows_erp"], s["entities"], s["true_cross_file_pairs"], s["lookalike_groups"],
            s["seconds"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
