#!/usr/bin/env python3
"""Show rows of entities side by side: show.py DIR [--tag TAG] [--n 3] [--entity E0000123] [--lag L00012]"""
import argparse, csv, os, random
from collections import defaultdict
ap = argparse.ArgumentParser()
ap.add_argument("dir"); ap.add_argument("--tag"); ap.add_argument("--n", type=int, default=3)
ap.add_argument("--entity"); ap.add_argument("--lag"); ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--cols", default="source_id,name,trading_name,tax_id,country,city,postal_code,address_line1,phone,email,website")
a = ap.parse_args()
rows = {}
for f, sysn in (("crm.csv", "salesforce"), ("erp.csv", "netsuite")):
    with open(os.path.join(a.dir, f), encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            rows[(sysn, r["source_id"])] = r
ent = defaultdict(list); lag = defaultdict(set); tags = {}
with open(os.path.join(a.dir, "truth.csv"), encoding="utf-8") as fh:
    for t in csv.DictReader(fh):
        ent[t["entity_id"]].append((t["system"], t["source_id"]))
        if t["lookalike_group"]: lag[t["lookalike_group"]].add(t["entity_id"])
tp = os.path.join(a.dir, "tags.csv")
if os.path.exists(tp):
    with open(tp, encoding="utf-8") as fh:
        for t in csv.DictReader(fh):
            tags[(t["system"], t["source_id"])] = t["tags"]
cols = a.cols.split(",")
def show(eid):
    print("== entity", eid)
    for k in ent[eid]:
        r = rows[k]
        print("  %-10s" % k[0][:10], " | ".join("%s" % r[c] for c in cols))
        if k in tags: print("  %-10s  tags: %s" % ("", tags[k]))
if a.entity: show(a.entity)
elif a.lag:
    for e in sorted(lag[a.lag]): show(e)
else:
    cands = [e for e, ks in ent.items() if not a.tag or any(a.tag in tags.get(k, "").split() for k in ks)]
    random.Random(a.seed).shuffle(cands)
    for e in cands[:a.n]: show(e)
