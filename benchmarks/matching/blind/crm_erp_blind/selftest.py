"""python3 generate.py --selftest : generate n=2000 and check invariants."""
import csv
import filecmp
import os
import re
import shutil
from collections import defaultdict

from .config import DEFAULTS
from .generator import PHENOMENA, run
from .render import CRM_COLUMNS, ERP_COLUMNS

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(HERE, "out", "_selftest")


def _read(path):
    with open(path, encoding="utf-8", newline="") as fh:
        rd = csv.reader(fh)
        header = next(rd)
        rows = [dict(zip(header, r)) for r in rd]
    return header, rows


def selftest():
    fails = []
    ok = []

    def check(cond, msg):
        (ok if cond else fails).append(msg)

    if os.path.exists(OUT):
        shutil.rmtree(OUT)
    d1 = os.path.join(OUT, "a")
    stats = run(2000, "selftest", d1, dict(DEFAULTS), write_tags=True, quiet=True)

    hc, crm = _read(os.path.join(d1, "crm.csv"))
    he, erp = _read(os.path.join(d1, "erp.csv"))
    ht, truth = _read(os.path.join(d1, "truth.csv"))
    check(hc == CRM_COLUMNS, "crm.csv header")
    check(he == ERP_COLUMNS, "erp.csv header")
    check(ht == ["system", "source_id", "entity_id", "lookalike_group"], "truth.csv header")
    for col in ("source_id", "name", "trading_name", "tax_id", "country", "city", "postal_code", "address_line1",
                "phone", "email", "website", "industry", "currency"):
        check(col in hc and col in he, "importer column present: " + col)
    n_total = len(crm) + len(erp)
    check(1800 <= n_total <= 2200, "total rows ~2000 (got %d)" % n_total)

    # ids
    cids = [r["source_id"] for r in crm]
    eids = [r["source_id"] for r in erp]
    check(len(set(cids)) == len(cids), "unique CRM source_ids")
    check(len(set(eids)) == len(eids), "unique ERP source_ids")
    check(all(re.fullmatch(r"001[0-9A-Za-z]{15}", s) for s in cids), "CRM ids look like Salesforce 18-char ids")
    check(all(re.fullmatch(r"CUST-\d{6}|\d{6,7}", s) for s in eids), "ERP ids are CUST-nnnnnn or numeric")
    check(any(s.isdigit() for s in eids), "some numeric ERP ids")

    # truth <-> files bijection
    tk = [(t["system"], t["source_id"]) for t in truth]
    fk = [("salesforce", s) for s in cids] + [("netsuite", s) for s in eids]
    check(len(tk) == len(set(tk)), "truth has no duplicate rows")
    check(set(tk) == set(fk), "every truth row is in a file and every file row is in truth")
    check(all(t["entity_id"] for t in truth), "every truth row has an entity_id")
    check({t["system"] for t in truth} == {"salesforce", "netsuite"}, "truth systems are salesforce/netsuite")

    ent_rows = defaultdict(list)
    for t in truth:
        ent_rows[t["entity_id"]].append(t["system"])
    both = sum(1 for v in ent_rows.values() if "salesforce" in v and "netsuite" in v)
    share = both / len(ent_rows)
    check(0.55 <= share <= 0.8, "share of entities in both systems %.2f in [0.55, 0.80]" % share)
    check(any(v.count("salesforce") > 1 for v in ent_rows.values()), "CRM internal duplicates exist")
    check(any(v.count("netsuite") > 1 for v in ent_rows.values()), "ERP internal duplicates exist")

    # look-alike groups
    groups = defaultdict(set)
    ent_group = defaultdict(set)
    for t in truth:
        if t["lookalike_group"]:
            groups[t["lookalike_group"]].add(t["entity_id"])
            ent_group[t["entity_id"]].add(t["lookalike_group"])
    check(len(groups) >= 10, "look-alike groups present (%d)" % len(groups))
    check(all(len(v) >= 2 for v in groups.values()), "every look-alike group has >= 2 distinct entities")
    check(all(len(v) == 1 for v in ent_group.values()), "an entity belongs to at most one look-alike group")
    lag_share = sum(len(v) for v in groups.values()) / len(ent_rows)
    check(0.04 <= lag_share <= 0.2, "look-alike entity share %.3f in [0.04, 0.20]" % lag_share)

    # rows by key
    rows = {}
    for r in crm:
        rows[("salesforce", r["source_id"])] = r
    for r in erp:
        rows[("netsuite", r["source_id"])] = r
    ent_of = {(t["system"], t["source_id"]): t["entity_id"] for t in truth}

    # tax ids: different entities never share the same digit string (typos aside: checked on untyped ids)
    _, tags = _read(os.path.join(d1, "tags.csv"))
    tag_of = {(t["system"], t["source_id"]): set(t["tags"].split()) for t in tags}
    digit_owner = defaultdict(set)
    for k, r in rows.items():
        if r["tax_id"] and "tax_typo" not in tag_of[k]:
            dg = re.sub(r"\D", "", r["tax_id"])
            if len(dg) >= 8:
                digit_owner[dg].add(ent_of[k])
    clashes = [dg for dg, es in digit_owner.items() if len(es) > 1]
    check(not clashes, "no tax-id digit string shared by two entities (%d clashes)" % len(clashes))
    # look-alike members never share a tax id
    ok_lag_tax = True
    for gid, es in groups.items():
        seen = {}
        for k, r in rows.items():
            e = ent_of[k]
            if e in es and r["tax_id"] and "tax_typo" not in tag_of[k]:
                dg = re.sub(r"\D", "", r["tax_id"])
                for other, odg in seen.items():
                    if other != e and (dg in odg or odg in dg) and min(len(dg), len(odg)) >= 8:
                        ok_lag_tax = False
                seen.setdefault(e, dg)
    check(ok_lag_tax, "look-alike members have different tax ids")

    # ERP field limits
    limits = {s: d["limit"] for s, d in DEFAULTS["erp_subsidiaries"].items()}
    check(all(not limits[r["subsidiary"]] or len(r["name"].strip()) <= limits[r["subsidiary"]] for r in erp),
          "ERP names respect the subsidiary field limit")

    # every phenomenon occurs
    allt = defaultdict(int)
    for sysn in ("record_tags_crm", "record_tags_erp"):
        for t, c in stats[sysn].items():
            allt[t] += c
    for ph, ts in PHENOMENA.items():
        for t in ts:
            check(allt.get(t, 0) >= 1, "phenomenon %s: tag %s occurs (%d)" % (ph, t, allt.get(t, 0)))

    # content-level spot checks (independent of tags)
    names = [r["name"] for r in crm + erp]
    check(any(re.search(r" (t/a|T/A|DBA|dba|d/b/a|trading as) ", n) for n in names), "folded trading names in name")
    check(any(r["trading_name"] for r in crm + erp), "trading_name column used")
    check(any(n.isupper() and len(n) > 6 for n in (r["name"] for r in erp)), "upper-case ERP names")
    check(any(re.search(r"\b(zz|ZZ|OLD|DO NOT USE|Attn:|c/o|\(Billing\)|Office)\b", n) for n in names),
          "decorated names")
    phones = [r["phone"] for r in crm + erp]
    check(any(re.search(r" / |; |, | or | \| ", p) for p in phones), "several phones in one cell")
    check(any(re.search(r"( x| ext\.? | Ext\.? |-)\d{1,4}$", p) for p in phones), "phone extensions")
    pcs = [(r["country"], r["postal_code"]) for r in crm + erp]
    check(any(re.fullmatch(r"\d{4}[A-Z]{2}", p) for _, p in pcs), "NL postcode without space")
    check(any(re.fullmatch(r"\d{5}-\d{4}", p) for _, p in pcs), "US ZIP+4")
    check(any(p == "" for _, p in pcs), "missing postcodes")
    emails = [r["email"] for r in crm + erp if r["email"]]
    free = defaultdict(set)
    for k, r in rows.items():
        m = re.search(r"@([\w.-]+)", r["email"])
        if m and m.group(1) in ("gmail.com", "outlook.com", "yahoo.com", "web.de", "gmx.de", "hotmail.com",
                                "orange.fr", "libero.it", "btinternet.com", "bigpond.com", "yahoo.co.in"):
            free[m.group(1)].add(ent_of[k])
    check(any(len(v) >= 2 for v in free.values()), "a free-mail domain shared by different entities")
    check(len(emails) > 0 and any("billing@" in e or "ap@" in e or "invoices@" in e for e in emails),
          "billing e-mails in ERP")
    cities = {r["city"] for r in crm + erp}
    check(len(cities & {"Munich", "Cologne", "Vienna", "Geneva", "Bangalore", "Bombay", "The Hague", "Milan",
                        "Lisbon", "Prague", "Zurich", "Brussels", "Copenhagen"}) >= 3, "exonyms used as cities")

    # tax-id families: registry number contained in the VAT number of the other system
    fam_ok = defaultdict(bool)
    by_ent = defaultdict(list)
    for k, r in rows.items():
        if r["tax_id"]:
            by_ent[ent_of[k]].append((k[0], r["tax_id"], r["country"]))
    for e, lst in by_ent.items():
        if len(lst) < 2:
            continue
        dg = [re.sub(r"[^0-9A-Z]", "", x[1].upper()) for x in lst]
        for i in range(len(dg)):
            for j in range(len(dg)):
                a, b = dg[i], dg[j]
                if i != j and a != b and len(a) >= 9 and a in b:
                    if len(a) == 9 and len(b) == 14:
                        fam_ok["FR SIREN in SIRET"] = True
                    if len(a) == 10 and len(b) == 15:
                        fam_ok["IN PAN in GSTIN"] = True
                    if len(a) == 9 and len(b) == 11 and b.isdigit():
                        fam_ok["AU ACN in ABN / FR SIREN in TVA"] = True
    check(len(fam_ok) >= 2, "tax-id families linked across systems: %s" % sorted(fam_ok))

    # determinism: same seed -> identical bytes, other seed -> different
    d2 = os.path.join(OUT, "b")
    d3 = os.path.join(OUT, "c")
    run(600, 42, os.path.join(OUT, "a42"), dict(DEFAULTS), quiet=True)
    run(600, 42, d2, dict(DEFAULTS), quiet=True)
    run(600, 43, d3, dict(DEFAULTS), quiet=True)
    for f in ("crm.csv", "erp.csv", "truth.csv"):
        check(filecmp.cmp(os.path.join(OUT, "a42", f), os.path.join(d2, f), shallow=False), "deterministic " + f)
        check(not filecmp.cmp(os.path.join(OUT, "a42", f), os.path.join(d3, f), shallow=False),
              "different seed gives different " + f)

    for m in ok:
        print("  ok    " + m)
    for m in fails:
        print("  FAIL  " + m)
    print("selftest: %d checks, %d failed  (output in %s)" % (len(ok) + len(fails), len(fails), OUT))
    return 1 if fails else 0
