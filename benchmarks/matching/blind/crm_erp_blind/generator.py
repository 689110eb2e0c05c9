"""Driver: generate entities, render records, shuffle in chunks, write CSVs."""
import csv
import gc
import json
import os
import random
import time
from collections import Counter

from .config import DEFAULTS
from .model import World
from .render import CRM_COLUMNS, ERP_COLUMNS, Renderer

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
SF_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
M7 = 62 ** 7

PHENOMENA = {
    "1 legal vs trading names": ["trading_name_col", "trading_folded", "trading_only"],
    "2 ERP field-limit truncation": ["truncated"],
    "3 name decorations": ["decoration"],
    "4 upper-case ERP names": ["upper"],
    "5 acronyms": ["acronym"],
    "6 abbreviations / legal forms": ["abbrev", "legal_form_variant", "legal_form_dropped"],
    "7 diacritics folded / transliterated": ["diacritics_folded", "diacritics_translit"],
    "8 word order / compounds": ["word_order", "compound"],
    "9 tax-id families / typos": ["tax_registry_form", "tax_typo"],
    "10 e-mail vs web domain, free-mail": ["email_domain_only", "freemail"],
    "11 several phones / shared switchboard": ["multi_phone", "shared_switchboard"],
    "12 city aliases / exonyms": ["city_alias"],
    "13 postcode forms": ["postcode_format", "postcode_leading_zero_lost", "postcode_missing"],
    "14 moved address": ["moved_address"],
    "15 ordinary noise": ["name_typo", "street_typo", "street_abbrev", "whitespace", "missing_field", "case"],
    "duplicates": ["crm_duplicate", "erp_duplicate"],
    "look-alikes": ["lookalike_subsidiary", "lookalike_group_partners", "lookalike_franchise",
                    "lookalike_common_words"],
}


class FastRandom(random.Random):
    """random.Random with cheaper choice/randint (still deterministic per seed)."""

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a, b):
        return a + int(self.random() * (b - a + 1))


def sf_id(counter, mult, offset):
    v = (counter * mult + offset) % M7
    cs = []
    for _ in range(7):
        v, d = divmod(v, 62)
        cs.append(B62[d])
    id15 = "001Dn000" + "".join(reversed(cs))
    suf = []
    for k in range(3):
        chunk = id15[k * 5:(k + 1) * 5]
        bits = 0
        for i, ch in enumerate(chunk):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        suf.append(SF_SUFFIX[bits])
    return id15 + "".join(suf)


class Output:
    def __init__(self, outdir, cfg, seed, write_tags=False):
        os.makedirs(outdir, exist_ok=True)
        self.outdir = outdir
        self.cfg = cfg
        self.rng = random.Random("shuffle-%s" % seed)
        self.f = {}
        self.w = {}
        for k, cols in (("crm", CRM_COLUMNS), ("erp", ERP_COLUMNS)):
            fh = open(os.path.join(outdir, k + ".csv"), "w", newline="", encoding="utf-8")
            self.f[k] = fh
            self.w[k] = csv.writer(fh)
            self.w[k].writerow(cols)
        self.f["truth"] = open(os.path.join(outdir, "truth.csv"), "w", newline="", encoding="utf-8")
        self.w["truth"] = csv.writer(self.f["truth"])
        self.w["truth"].writerow(["system", "source_id", "entity_id", "lookalike_group"])
        self.write_tags = write_tags
        if write_tags:
            self.f["tags"] = open(os.path.join(outdir, "tags.csv"), "w", newline="", encoding="utf-8")
            self.w["tags"] = csv.writer(self.f["tags"])
            self.w["tags"].writerow(["system", "source_id", "entity_id", "tags"])
        self.buf = {"crm": [], "erp": []}
        self.chunk = cfg["shuffle_chunk"]
        r = random.Random("ids-%s" % seed)
        self.sf_mult = r.randrange(M7 // 3, 2 * M7 // 3) | 1
        while self.sf_mult % 31 == 0:
            self.sf_mult += 2
        self.sf_off = r.randrange(M7)
        self.sf_n = 0
        self.cust_n = r.randint(1000, 9000)
        self.num_n = r.randint(700000, 790000)
        self.numeric_subs = {s for s, d in cfg["erp_subsidiaries"].items() if d.get("ids") == "numeric"}
        self.rows = Counter()

    def add(self, sysname, row, eid, lag, tags):
        b = self.buf[sysname]
        row["source_id"] = None
        b.append(([row[c] for c in (CRM_COLUMNS if sysname == "crm" else ERP_COLUMNS)], eid, lag,
                  " ".join(tags) if self.write_tags else ""))
        if len(b) >= self.chunk:
            self.flush(sysname)

    def flush(self, sysname):
        b = self.buf[sysname]
        if not b:
            return
        self.rng.shuffle(b)
        w = self.w[sysname]
        tw = self.w["truth"]
        system = "salesforce" if sysname == "crm" else "netsuite"
        sub_i = ERP_COLUMNS.index("subsidiary")
        for row, eid, lag, tags in b:
            if sysname == "crm":
                sid = sf_id(self.sf_n, self.sf_mult, self.sf_off)
                self.sf_n += 1
            elif row[sub_i] in self.numeric_subs:
                sid = str(self.num_n)
                self.num_n += 1
            else:
                sid = "CUST-%06d" % self.cust_n
                self.cust_n += 1
            row[0] = sid
            w.writerow(row)
            tw.writerow([system, sid, eid, lag])
            if self.write_tags:
                self.w["tags"].writerow([system, sid, eid, tags])
        self.rows[sysname] += len(b)
        b.clear()

    def close(self):
        self.flush("crm")
        self.flush("erp")
        for fh in self.f.values():
            fh.close()


def expected_rows_per_entity(cfg):
    pc = cfg["p_both"] + cfg["p_crm_only"]
    pe = cfg["p_both"] + cfg["p_erp_only"]
    return pc * (1 + cfg["crm_dup_rate"] * (1 + cfg["crm_dup_extra2"])) + pe * (1 + cfg["erp_dup_rate"])


def run(n, seed, outdir, cfg=None, write_tags=False, quiet=False):
    cfg = dict(cfg or DEFAULTS)
    t0 = time.time()
    gc_was = gc.isenabled()
    gc.disable()      # no reference cycles are created; avoids GC passes over the shuffle buffers
    try:
        return _run(n, seed, outdir, cfg, write_tags, quiet, t0)
    finally:
        if gc_was:
            gc.enable()


def _run(n, seed, outdir, cfg, write_tags, quiet, t0):
    rng = FastRandom(seed)
    world = World(cfg, rng)
    rend = Renderer(cfg, rng, world)
    out = Output(outdir, cfg, seed, write_tags)
    n_ent = max(10, int(round(n / expected_rows_per_entity(cfg))))
    f = cfg["lookalike_share"]
    g = 2.6
    q = f / (g * (1 - f) + f) if f > 0 else 0.0

    st = Counter()
    tagc = {"crm": Counter(), "erp": Counter()}
    lag_types = Counter()
    lag_members = Counter()
    subs = cfg["erp_subsidiaries"]
    sub_names = list(subs)
    countries = Counter()
    made = 0
    last = t0
    while made < n_ent:
        ents = None
        if q and rng.random() < q:
            ents = world.lookalike_group()
            if ents:
                lag_types[ents[0].lag_type] += 1
                lag_members[ents[0].lag_type] += len(ents)
        if not ents:
            ents = [world.plain_entity()]
        for e in ents:
            made += 1
            countries[e.cc] += 1
            st["presence_" + e.presence] += 1
            for i in range(e.ncrm):
                row, tags = rend.record(e, "crm", i > 0)
                out.add("crm", row, e.eid, e.lag, tags)
                tagc["crm"].update(set(tags))
            for i in range(e.nerp):
                sub_override = None
                if i > 0 and rng.random() < 0.4:
                    sub_override = rng.choice(sub_names)
                    tagc["erp"]["erp_cross_subsidiary_duplicate"] += 1
                row, tags = rend.record(e, "erp", i > 0, sub_override)
                out.add("erp", row, e.eid, e.lag, tags)
                tagc["erp"].update(set(tags))
            st["cross_pairs"] += e.ncrm * e.nerp
            st["crm_dup_pairs"] += e.ncrm * (e.ncrm - 1) // 2
            st["erp_dup_pairs"] += e.nerp * (e.nerp - 1) // 2
            st["entities_with_crm_dups"] += e.ncrm > 1
            st["entities_with_erp_dups"] += e.nerp > 1
            st["entities_in_both"] += (e.ncrm > 0 and e.nerp > 0)
            st["trading_entities"] += e.trading is not None
            st["acronym_entities"] += e.acro is not None
            st["moved_entities"] += e.addr2 is not None
        if not quiet and time.time() - last > 10:
            last = time.time()
            print("  ... %d / %d entities (%.0fs)" % (made, n_ent, last - t0), flush=True)
    out.close()
    elapsed = time.time() - t0
    stats = {
        "n_requested": n, "seed": seed, "entities": made,
        "rows_crm": out.rows["crm"], "rows_erp": out.rows["erp"], "rows_total": out.rows["crm"] + out.rows["erp"],
        "presence": {k[9:]: v for k, v in st.items() if k.startswith("presence_")},
        "entities_in_both_files": st["entities_in_both"],
        "true_cross_file_pairs": st["cross_pairs"],
        "crm_within_file_duplicate_pairs": st["crm_dup_pairs"],
        "erp_within_file_duplicate_pairs": st["erp_dup_pairs"],
        "entities_with_crm_duplicates": st["entities_with_crm_dups"],
        "entities_with_erp_duplicates": st["entities_with_erp_dups"],
        "lookalike_groups": sum(lag_types.values()),
        "lookalike_groups_by_type": dict(lag_types),
        "lookalike_entities": sum(lag_members.values()),
        "lookalike_entities_by_type": dict(lag_members),
        "trading_name_entities": st["trading_entities"],
        "acronym_entities": st["acronym_entities"],
        "moved_address_entities": st["moved_entities"],
        "entities_by_country": dict(sorted(countries.items())),
        "record_tags_crm": dict(sorted(tagc["crm"].items())),
        "record_tags_erp": dict(sorted(tagc["erp"].items())),
        "seconds": round(elapsed, 1),
    }
    write_readme(outdir, stats, cfg)
    return stats


def write_readme(outdir, s, cfg):
    L = []
    L.append("Blind CRM/ERP test data  (generator: /work/blindgen/generate.py, written without reading the matcher)")
    L.append("")
    L.append("command: python3 generate.py --n %d --seed %s --out %s" % (s["n_requested"], s["seed"], outdir))
    L.append("files  : crm.csv (system=salesforce), erp.csv (system=netsuite), truth.csv")
    L.append("")
    L.append("COUNTS")
    for k in ("entities", "rows_crm", "rows_erp", "rows_total", "entities_in_both_files", "true_cross_file_pairs",
              "crm_within_file_duplicate_pairs", "erp_within_file_duplicate_pairs", "entities_with_crm_duplicates",
              "entities_with_erp_duplicates", "lookalike_groups", "lookalike_entities", "trading_name_entities",
              "acronym_entities", "moved_address_entities"):
        L.append("  %-34s %s" % (k, s[k]))
    L.append("  %-34s %s" % ("presence (both/crm/erp only)", json.dumps(s["presence"], sort_keys=True)))
    L.append("  %-34s %s" % ("look-alike groups by type", json.dumps(s["lookalike_groups_by_type"], sort_keys=True)))
    L.append("  %-34s %s" % ("look-alike entities by type", json.dumps(s["lookalike_entities_by_type"], sort_keys=True)))
    L.append("  %-34s %s" % ("entities by country", json.dumps(s["entities_by_country"])))
    L.append("")
    L.append("PAIR DEFINITIONS")
    L.append("  true cross-file pairs  = sum over entities of (#CRM rows x #ERP rows)")
    L.append("  within-file dup pairs  = sum over entities of C(#rows in that file, 2)")
    L.append("")
    L.append("PHENOMENA (records carrying the tag: crm / erp)")
    for ph, tags in PHENOMENA.items():
        parts = ["%s=%d/%d" % (t, s["record_tags_crm"].get(t, 0), s["record_tags_erp"].get(t, 0)) for t in tags]
        L.append("  %-40s %s" % (ph, ", ".join(parts)))
    other = sorted(set(s["record_tags_crm"]) | set(s["record_tags_erp"]))
    known = {t for ts in PHENOMENA.values() for t in ts}
    extra = ["%s=%d/%d" % (t, s["record_tags_crm"].get(t, 0), s["record_tags_erp"].get(t, 0)) for t in other if t not in known]
    L.append("  %-40s %s" % ("other tags", ", ".join(extra)))
    L.append("")
    L.append("RATES USED (config; see /work/blindgen/README.md for meaning)")
    for k, v in cfg.items():
        L.append("  %-32s %s" % (k, json.dumps(v, ensure_ascii=False, sort_keys=False)))
    L.append("")
    L.append("generation time: %.1f s" % s["seconds"])
    with open(os.path.join(outdir, "README.txt"), "w", encoding="utf-8") as fh:
        fh.write("\n".join(L) + "\n")
    with open(os.path.join(outdir, "stats.json"), "w", encoding="utf-8") as fh:
        json.dump(s, fh, indent=1, ensure_ascii=False)
