#!/usr/bin/env python3
"""Print one example per phenomenon (markdown) from a dataset generated with --tags."""
import csv, os, sys, random
from collections import defaultdict
d = sys.argv[1]
rows, tags, ent, lag = {}, {}, defaultdict(list), defaultdict(set)
for f, s in (("crm.csv", "salesforce"), ("erp.csv", "netsuite")):
    for r in csv.DictReader(open(os.path.join(d, f), encoding="utf-8")):
        rows[(s, r["source_id"])] = r
for t in csv.DictReader(open(os.path.join(d, "tags.csv"), encoding="utf-8")):
    tags[(t["system"], t["source_id"])] = set(t["tags"].split())
for t in csv.DictReader(open(os.path.join(d, "truth.csv"), encoding="utf-8")):
    ent[t["entity_id"]].append((t["system"], t["source_id"]))
    if t["lookalike_group"]: lag[t["lookalike_group"]].add(t["entity_id"])
SPEC = [
 ("1 trading name folded", "trading_folded", "name,trading_name,tax_id"),
 ("1 CRM trading name vs ERP legal name", "trading_only", "name,trading_name,tax_id,phone,website,email"),
 ("1 trading_name column", "trading_name_col", "name,trading_name"),
 ("2 ERP field-limit truncation", "truncated", "name,name_2"),
 ("3 decorations", "decoration", "name"),
 ("4 upper-case ERP subsidiary", "upper", "name,subsidiary,address_line1"),
 ("5 acronym vs spelled out", "acronym", "name,trading_name,website"),
 ("6 abbreviations", "abbrev", "name"),
 ("6 legal form variants", "legal_form_variant", "name"),
 ("7 diacritics folded", "diacritics_folded", "name"),
 ("7 diacritics transliterated", "diacritics_translit", "name"),
 ("8 word order", "word_order", "name"),
 ("8 compounds", "compound", "name"),
 ("9 tax-id families", "tax_registry_form", "name,country,tax_id"),
 ("9 tax-id typo", "tax_typo", "name,tax_id"),
 ("10 e-mail domain vs web domain", "email_domain_only", "name,email,website"),
 ("10 free-mail", "freemail", "name,email,website"),
 ("11 several phones", "multi_phone", "name,phone"),
 ("11 shared switchboard (look-alike)", "shared_switchboard", "name,phone"),
 ("12 city alias / exonym", "city_alias", "name,city,postal_code"),
 ("13 postcode forms", "postcode_format", "name,country,postal_code"),
 ("13 leading zero lost", "postcode_leading_zero_lost", "name,country,postal_code"),
 ("14 moved address", "moved_address", "name,tax_id,city,postal_code,address_line1,phone"),
 ("15 street abbreviations", "street_abbrev", "name,address_line1"),
 ("15 name typo", "name_typo", "name"),
 ("CRM duplicate", "crm_duplicate", "name,city,address_line1,account_type"),
 ("ERP duplicate", "erp_duplicate", "name,subsidiary,customer_status"),
]
rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
for title, tag, cols in SPEC:
    cols = cols.split(",")
    cands = [e for e, ks in ent.items() if any(tag in tags[k] for k in ks) and len({k[0] for k in ks}) == 2]
    if not cands: continue
    e = rnd.choice(cands)
    print("**%s** (`%s`), entity %s" % (title, tag, e))
    print("```")
    for k in ent[e]:
        r = rows[k]
        print("%-10s %s" % (k[0], " | ".join("%s=%s" % (c, r.get(c, "")) for c in cols if r.get(c, ""))))
    print("```")
# look-alike groups
types = defaultdict(list)
for g, es in lag.items():
    for k in ent[next(iter(es))]:
        for t in tags[k]:
            if t.startswith("lookalike_"): types[t].append(g)
for t in sorted(types):
    g = rnd.choice(sorted(set(types[t])))
    print("**look-alike group `%s`** (%s) - different entities, must NOT be merged" % (g, t))
    print("```")
    for e in sorted(lag[g]):
        k = ent[e][0]; r = rows[k]
        print("%s %-10s %s" % (e, k[0], " | ".join(r[c] for c in ("name", "tax_id", "city", "phone", "website", "email") if r[c])))
    print("```")
