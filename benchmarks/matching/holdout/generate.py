#!/usr/bin/env python3
# -*- coding: utf-8 -*-
"""Holdout test-data generator #2 for company entity resolution (CRM vs ERP).

Written blind to the matcher under test.  Python 3.11 standard library only.

  python3 generate.py --n 3000 --seed 11 --out DIR
  python3 generate.py --selftest

Writes DIR/crm.csv (HubSpot-style companies export), DIR/erp.csv (Dynamics 365 /
SAP Business One style customer export), DIR/truth.csv and DIR/README.txt.
"""
import argparse
import csv
import os
import random
import re
import shutil
import sys
import uuid
from collections import Counter, defaultdict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hdata as H  # noqa: E402
import hfmt as F  # noqa: E402
from hfmt import wc  # noqa: E402

# ---------------------------------------------------------------------------
# rates (all written to README.txt)
# ---------------------------------------------------------------------------
RATES = {
    "presence_both": 0.55, "presence_crm_only": 0.25, "presence_erp_only": 0.20,
    "crm_within_file_dup_rows": 0.03, "erp_within_file_dup_rows": 0.01,
    "lookalike_entity_share": 0.11,
    "trading_name_entities": 0.16, "acronym_one_side": 0.15, "moved_address": 0.05,
    "small_business_freemail": 0.12, "email_domain_differs_from_web": 0.15,
    "erp_rows_sap_style": 0.35, "sap_rows_truncated_name": 0.6,
    "tax_id_digit_typo": 0.015,
    "crm": dict(tax_present=0.30, tax_form_registry=0.55, name_typo=0.04, decoration=0.02, upper=0.02, lower=0.01,
                strip_diacritics=0.15, drop_legal_form=0.40, abbreviate_word=0.15, expand_word=0.3, amp_and_swap=0.3,
                word_order_alt=0.3, compound_variant=0.25, city_alias=0.15, city_missing=0.08, country_missing=0.06,
                address_missing=0.25, postal_missing=0.25, leading_zero_lost=0.10, phone_missing=0.15,
                phone_multi=0.06, phone_ext=0.06, email_missing=0.35, web_missing=0.15, industry_missing=0.35,
                state_missing=0.30, currency_missing=0.45, currency_default_usd=0.15),
    "erp": dict(tax_present=0.88, tax_form_registry=0.25, name_typo=0.03, decoration=0.07, upper_dynamics=0.08,
                upper_sap=0.45, strip_diacritics=0.55, drop_legal_form=0.08, abbreviate_word=0.30, expand_word=0.2,
                amp_and_swap=0.3, word_order_alt=0.2, compound_variant=0.25, city_alias=0.10, city_missing=0.02,
                country_missing=0.015, address_missing=0.05, postal_missing=0.05, leading_zero_lost=0.35,
                phone_missing=0.10, phone_multi=0.12, phone_ext=0.04, email_missing=0.25, web_missing=0.62,
                industry_missing=0.45, state_missing=0.15, currency_missing=0.02, currency_usd=0.06),
}

CRM_COLS = ["source_id", "hs_object_id", "name", "trading_name", "tax_id", "country", "state", "city", "postal_code",
            "address_line1", "phone", "email", "website", "industry", "currency", "lifecyclestage", "createdate"]
ERP_COLS = ["source_id", "accountnumber", "name", "trading_name", "tax_id", "country", "address1_stateorprovince", "city",
            "postal_code", "address_line1", "phone", "email", "website", "industry", "currency", "statecode"]
TRUTH_COLS = ["system", "source_id", "entity_id", "lookalike_group"]
SYS = {"crm": "salesforce", "erp": "netsuite"}

EN_LIKE = {"US", "CA", "GB", "IE", "AU", "NZ", "SG", "ZA"}
STOP = {"of", "and", "&", "the", "de", "du", "la", "le", "les", "del", "do", "da", "e", "y", "et", "-"}
COUNTRY_SUFFIX = {"US": ["America", "USA", "North America", "(USA)"], "CA": ["Canada", "(Canada)"],
                  "GB": ["(UK)", "UK", "Europe"], "IE": ["Ireland", "(Ireland)"], "AU": ["Australia", "(Australia)", "Australasia"],
                  "NZ": ["New Zealand", "(NZ)"], "SG": ["Singapore", "Asia Pacific", "(S)"], "IN": ["India"], "JP": ["Japan"],
                  "BR": ["do Brasil", "Brasil"], "MX": ["de México", "México"], "ZA": ["South Africa", "(SA)"],
                  "SE": ["Sverige", "Sweden", "Nordic"], "NO": ["Norge", "Norway"], "DK": ["Danmark", "Denmark"],
                  "FI": ["Finland", "Suomi"], "DE": ["Deutschland", "Germany"], "VN": ["Vietnam"]}
TA = {"US": [("DBA", 5), ("dba", 3), ("d/b/a", 3), ("D/B/A", 1)], "CA": [("o/a", 4), ("operating as", 2), ("DBA", 2)],
      "GB": [("t/a", 6), ("T/A", 3), ("trading as", 2)], "IN": [("trading as", 3), ("t/a", 1)]}
CA_PROV_NAME = {"ON": "Ontario", "BC": "British Columbia", "AB": "Alberta", "MB": "Manitoba", "NS": "Nova Scotia",
                "NL": "Newfoundland and Labrador", "QC": "Québec"}


def norm(s):
    return re.sub(r"[^a-z0-9]", "", F.strip_acc(s).lower())


def slug(s, sep=""):
    s = F.strip_acc(s).lower().replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", s)
    return sep.join(words)


class Ent:
    def __init__(self, **kw):
        self.__dict__.update(kw)


class Ctx:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.used_names = set()
        self.used_domains = set()
        self.used_tax = set()
        self.ents = []
        self.groups = {}          # gid -> dict(kind, key)
        self.brand_group = {}     # brand key -> gid
        self.n_eid = 0
        self.n_gid = 0
        self.countries = list(H.COUNTRIES)
        self.cweights = [H.COUNTRIES[c]["w"] for c in self.countries]
        for lst in H.GENERIC.values():  # reserve generic / franchise names for the look-alike groups
            for nm, _ in lst:
                self.used_names.add(norm(nm))
                self.used_names.add(norm(re.sub(r" (Co|Company)$", "", nm)))
        for nm, _, _ in H.FRANCHISE_BRANDS:
            self.used_names.add(norm(nm))

    def new_eid(self):
        self.n_eid += 1
        return "E%06d" % self.n_eid

    def new_gid(self, kind, key):
        self.n_gid += 1
        gid = "LG%04d" % self.n_gid
        self.groups[gid] = dict(kind=kind, key=key)
        return gid

    def country(self, exclude=()):
        while True:
            c = self.rng.choices(self.countries, self.cweights)[0]
            if c not in exclude:
                return c

    def city(self, c, exclude=()):
        cs = [x for x in H.CITIES[c] if (x["name"], x["region"]) not in exclude] or H.CITIES[c]
        return self.rng.choices(cs, [x["w"] for x in cs])[0]


# ---------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------
def ind_words(ind, lang):
    key = {"sg": "en", "in": "in_"}.get(lang, lang)
    return H.INDUSTRIES[ind][key]


def gen_core(ctx, c, lang, ind):
    """one company name without legal form.  Returns dict(core, alt, compound, en, acr_ok)."""
    r = ctx.rng
    out = dict(alt=[], compound=None, en=None, acr_ok=False)
    if lang == "ja":
        words = ind_words(ind, "ja")
        base = r.choice(H.JA_NAMES) if r.random() < 0.65 else r.choice(H.SURNAMES["ja"])
        w1 = r.choice(words)
        if r.random() < 0.2:
            w2 = r.choice([x for k in ("mfg", "elec", "chem", "whole") for x in H.INDUSTRIES[k]["ja"] if x != w1])
            out["core"], out["en"] = f"{base} {w1[0]} {w2[0]}", f"{base} {w1[1]} {w2[1]}"
        else:
            out["core"], out["en"] = f"{base} {w1[0]}", f"{base} {w1[1]}"
        if out["core"] == out["en"]:
            out["en"] = None
        return out
    if lang in ("en", "sg"):
        w = r.choice(ind_words(ind, "en"))
        S = r.choice(H.SURNAMES["sg"] if (lang == "sg" and r.random() < 0.4) else H.SURNAMES["en"])
        P = r.choice(H.PLACES.get(c) or H.PLACES["US"])
        pat = wc(r, [("sur", 20), ("place", 18), ("comp", 14), ("coin", 10), ("sur_and", 8), ("bros", 4), ("sur_suf", 8),
                     ("place_suf", 10), ("the", 3), ("hokkien", 12 if lang == "sg" else 0)])
        suf = r.choice(H.EN_SUFFIX)
        if pat == "sur":
            core = f"{S} {w}"
        elif pat == "place":
            core = f"{P} {w}"
        elif pat == "comp":
            a, b = r.choice(H.COMPOUNDS)
            out["compound"] = (a, b)
            core = "{C} " + (w if r.random() < 0.7 else suf)
        elif pat == "coin":
            core = r.choice(H.COIN_A) + r.choice(H.COIN_B)
            if r.random() < 0.7:
                core += " " + r.choice([suf, w])
        elif pat == "sur_and":
            S2 = r.choice(H.SURNAMES["en"])
            core = f"{S} & {S2}" + (" " + r.choice(["Associates", "Partners", w]) if r.random() < 0.6 else "")
        elif pat == "bros":
            core = f"{S} Brothers" + (" " + w if r.random() < 0.6 else "")
        elif pat == "sur_suf":
            core = f"{S} {w} {suf}"
        elif pat == "place_suf":
            core = f"{P} {w} {suf}"
        elif pat == "the":
            core = f"The {S} Company"
            out["alt"] = [f"{S} Company, The", f"{S} Company"]
        else:
            core = f"{r.choice(H.HOKKIEN)} {w}"
        out["core"] = core
        sig = [x for x in core.replace("{C}", "X").split() if x.lower() not in STOP]
        out["acr_ok"] = len(sig) >= 3 and "{C}" not in core
        return out
    if lang == "fr":
        W = r.choice(ind_words(ind, "fr"))
        S, S2 = r.choice(H.SURNAMES["fr"]), r.choice(H.SURNAMES["fr"])
        pat = wc(r, [("w_s", 30), ("les", 14), ("groupe", 12), ("w_place", 14), ("s_s", 8), ("soc", 6), ("fils", 8), ("en", 8)])
        if pat == "w_s":
            out["core"], out["alt"] = f"{W} {S}", [f"{S} {W}"]
        elif pat == "les":
            out["core"], out["alt"] = f"Les Entreprises {S}", [f"Entreprises {S} (Les)", f"Entreprises {S}"]
        elif pat == "groupe":
            out["core"], out["alt"] = f"Groupe {S}", [f"{S} (Groupe)"]
        elif pat == "w_place":
            p = r.choice(H.FR_PLACES)
            out["core"] = f"{W} " + (("de " + p) if (p.startswith("la ") or p.startswith("l'")) else p)
        elif pat == "s_s":
            out["core"] = f"{S} & {S2}"
        elif pat == "soc":
            out["core"] = f"Société {r.choice(H.FR_ADJ)} " + ("d'" if F.strip_acc(W)[0] in "AEIOU" else "de ") + W
        elif pat == "fils":
            out["core"] = f"{W} {S} & Fils"
        else:  # québec company with english name
            return gen_core(ctx, c, "en", ind)
        return out
    if lang == "pt":
        W = r.choice(ind_words(ind, "pt"))
        B, S, S2 = r.choice(H.PT_BRANDS), r.choice(H.SURNAMES["pt"]), r.choice(H.SURNAMES["pt"])
        pat = wc(r, [("b_w", 30), ("w_s", 20), ("s_s", 10), ("com", 15), ("indcom", 15), ("irm", 10)])
        if pat == "b_w":
            out["core"], out["alt"] = f"{B} {W}", [f"{W} {B}"]
        elif pat == "w_s":
            out["core"] = f"{W} {S}"
        elif pat == "s_s":
            out["core"] = f"{S} & {S2} {W}"
        elif pat == "com":
            out["core"] = f"{B} Comércio de {r.choice(H.PT_PRODUCTS)}"
        elif pat == "indcom":
            out["core"] = f"{W} {B} Indústria e Comércio"
            out["alt"] = [f"{W} {B} Ind. e Com.", f"{W} {B} Ind. Com."]
        else:
            out["core"] = f"Irmãos {S} {W}"
        return out
    if lang == "es":
        W = r.choice(ind_words(ind, "es"))
        B, S = r.choice(H.ES_BRANDS), r.choice(H.SURNAMES["es"])
        pat = wc(r, [("w_b", 28), ("grupo", 14), ("w_s", 16), ("hnos", 10), ("w_reg", 12), ("serv", 8), ("asoc", 6), ("comer", 6)])
        if pat == "w_b":
            out["core"] = f"{W} {B}"
        elif pat == "grupo":
            out["core"] = f"Grupo {B}" + (f" {W}" if r.random() < 0.4 else "")
        elif pat == "w_s":
            out["core"] = f"{W} {S}"
        elif pat == "hnos":
            out["core"] = f"{S} Hermanos"
            out["alt"] = [f"Hermanos {S}"]
        elif pat == "w_reg":
            out["core"] = f"{W} del {r.choice(H.ES_REGIONS)}"
        elif pat == "serv":
            out["core"] = f"Servicios Integrales {B}"
        elif pat == "asoc":
            out["core"] = f"{S} y Asociados"
        else:
            out["core"] = f"Comercializadora {B}"
        return out
    if lang == "in":
        W = r.choice(ind_words(ind, "in"))
        B, S = r.choice(H.IN_BRANDS), r.choice(H.SURNAMES["in"])
        pat = wc(r, [("b_w", 40), ("s_w", 30), ("sons", 10), ("b_s", 10), ("en", 10)])
        if pat == "b_w":
            out["core"] = f"{B} {W}"
        elif pat == "s_w":
            out["core"] = f"{S} {W}"
        elif pat == "sons":
            out["core"] = f"{S} & Sons" if r.random() < 0.6 else f"{S} Brothers"
        elif pat == "b_s":
            out["core"] = f"{B} {S} {W}"
        else:
            out = gen_core(ctx, c, "en", ind)
            return out
        sig = [x for x in out["core"].split() if x.lower() not in STOP]
        out["acr_ok"] = len(sig) >= 3
        return out
    if lang == "vn":
        out["core"] = f"{r.choice(H.SURNAMES['vn'])} {r.choice(ind_words(ind, 'vn'))}"
        return out
    # nordic / german
    W = r.choice(ind_words(ind, lang))
    S, S2 = r.choice(H.SURNAMES[lang]), r.choice(H.SURNAMES[lang])
    places = {"sv": H.SV_PLACES, "no": H.NO_PLACES, "da": H.DA_PLACES, "fi": H.FI_PLACES, "de": H.DE_PLACES}[lang]
    pat = wc(r, [("s_w", 40), ("p_w", 25), ("bros", 10), ("s_s", 10), ("w_s", 10), ("en", 5)])
    if pat == "s_w":
        out["core"] = f"{S} {W}"
    elif pat == "p_w":
        out["core"] = f"{r.choice(places)} {W}"
    elif pat == "bros":
        out["core"] = {"sv": "Bröderna", "no": "Brødrene", "da": "Brødrene", "fi": "Veljekset", "de": "Gebrüder"}[lang] + " " + S
    elif pat == "s_s":
        out["core"] = f"{S} & {S2}"
    elif pat == "w_s":
        out["core"] = f"{W} {S}"
    else:
        return gen_core(ctx, c, "en", ind)
    return out


def unique_core(ctx, c, lang, ind, register=True):
    for _ in range(40):
        d = gen_core(ctx, c, lang, ind)
        key = norm(d["core"].replace("{C}", "".join(d["compound"] or ("", ""))))
        if key not in ctx.used_names and (not d["en"] or norm(d["en"]) not in ctx.used_names):
            break
    else:
        d["core"] = d["core"] + " " + ctx.rng.choice(H.PLACES.get(c) or H.PLACES["US"])
        key = norm(d["core"].replace("{C}", "".join(d["compound"] or ("", ""))))
    if register:
        ctx.used_names.add(key)
        if d["en"]:
            ctx.used_names.add(norm(d["en"]))
    return d


def claim(ctx, make, tries=60):
    """call make() until it yields a name not used yet; register and return it"""
    for i in range(tries):
        nm = make(i)
        if norm(nm) not in ctx.used_names:
            ctx.used_names.add(norm(nm))
            return nm
    nm = nm + " " + str(ctx.rng.randint(2, 99))
    ctx.used_names.add(norm(nm))
    return nm


def trust_name(r, i):
    S = r.choice(H.SURNAMES["en"])
    if i < 10:
        return f"The Trustee for the {S} Family Trust"
    return wc(r, [(f"The Trustee for the {S} Investment Trust", 3), (f"The Trustee for the {r.choice('ABCDGJKMPRST')} & "
                   f"{r.choice('ABCDGJKMPRST')} {S} Family Trust", 4), (f"The Trustee for {S} Unit Trust", 2),
                  (f"The Trustee for the {S} Family Trust No. {r.randint(2, 4)}", 1)])


def pick_lf(r, c, lang, core):
    if c == "CA" and lang == "fr":
        lf = wc(r, [("qc_inc", 60), ("ltee", 25), ("none", 15)])
    else:
        lf = wc(r, H.COUNTRIES[c]["lfs"])
    if lf in ("co", "corp") and re.search(r"(Company|Corporation)(, The)?$", core):
        lf = "inc"
    return lf


def flat_core(e):
    core = e.core
    if e.compound:
        core = core.replace("{C}", e.compound[0] + e.compound[1])
    return core


# ---------------------------------------------------------------------------
# entity construction
# ---------------------------------------------------------------------------
def make_domain(ctx, base, c, tld=None, unique=True):
    r = ctx.rng
    tld = tld or r.choice(H.TLD[c])
    words = slug(base, " ").split()
    words = [w for w in words if w not in ("the", "and", "of", "les", "de", "du", "la", "e", "y", "et")] or ["co"]
    cands = ["".join(words), "-".join(words), "".join(words[:2]), words[0] + (words[1][:4] if len(words) > 1 else ""),
             "".join(w[0] for w in words) + words[-1] if len(words) > 2 else "".join(words) + "group"]
    for k in range(30):
        base_s = cands[0] if k == 0 and r.random() < 0.6 else r.choice(cands)
        if k > 6:
            base_s += r.choice(["hq", "online", "group", "inc", "co", str(r.randint(1, 99))])
        d = base_s[:40] + tld
        if not unique or d not in ctx.used_domains:
            ctx.used_domains.add(d)
            return d
    return d


def new_tax(ctx, c, name, region):
    while True:
        t = F.make_tax(ctx.rng, c, name, region)
        k = F.tax_key(t)
        if k not in ctx.used_tax:
            ctx.used_tax.add(k)
            return t


def phone_set(ctx, c, city):
    r = ctx.rng
    area = r.choice(city["area"])
    ph = dict(main=F.make_phone(r, c, area))
    if r.random() < 0.4:
        ph["alt"] = F.make_phone(r, c, area)
    if r.random() < 0.3:
        ph["fax"] = F.make_phone(r, c, area)
    if r.random() < 0.35:
        ph["mobile"] = F.make_phone(r, c, area, "mobile")
    if c in F.TOLLFREE and r.random() < 0.10:
        ph["toll"] = F.make_phone(r, c, area, "toll")
    return ph


def place_entity(ctx, e, city=None, exclude=()):
    """address, postal code, phones for entity e in country e.c"""
    r = ctx.rng
    e.city = city or ctx.city(e.c, exclude)
    e.region = e.city["region"]
    e.addr = F.make_addr(r, e.c, e.city, e.lang)
    e.postal = F.make_postal(r, e.c, e.city, e.addr.get("ward"))
    e.phones = phone_set(ctx, e.c, e.city)
    e.old = None
    if r.random() < RATES["moved_address"]:
        oc = e.city if r.random() < 0.75 else ctx.city(e.c)
        oa = F.make_addr(r, e.c, oc, e.lang)
        e.old = dict(city=oc, addr=oa, postal=F.make_postal(r, e.c, oc, oa.get("ward")),
                     side=wc(r, [("erp", 7), ("crm", 3)]),
                     phones=phone_set(ctx, e.c, oc) if oc is not e.city else None)


def contact_email(ctx, e):
    r = ctx.rng
    e.freemail = None
    if e.small and r.random() < RATES["small_business_freemail"] / 0.3:
        fm = r.choice(H.FREEMAIL["any"] + H.FREEMAIL.get(e.c, []) * 2)
        user = wc(r, [(slug(flat_core(e))[:20], 4), (r.choice(H.FIRST_NAMES.get(e.lang if e.lang in H.FIRST_NAMES else "en", H.FIRST_NAMES["en"]))
                                                         + r.choice([".", "_", ""]) + slug(r.choice(H.SURNAMES["en"])) + str(r.randint(1, 99)), 3),
                      (slug(flat_core(e).split()[0]) + str(r.randint(1960, 2015)), 2)])
        e.freemail = f"{user}@{fm}"
        e.email_dom = fm
    elif r.random() < RATES["email_domain_differs_from_web"] and e.domain:
        src = e.legal_for_domain or flat_core(e)
        e.email_dom = make_domain(ctx, src, e.c, tld=r.choice(H.TLD[e.c] + [".com", ".net"]))
    else:
        e.email_dom = e.domain


def base_entity(ctx, c=None, lang=None, ind=None, core=None, city=None, exclude_cities=(), small=None, lf=None,
                with_domain=True, register=True):
    r = ctx.rng
    c = c or ctx.country()
    if city is None:
        city = ctx.city(c, exclude_cities)
    if lang is None:
        lang = H.COUNTRIES[c]["lang"]
        if c == "CA" and city["region"] == "QC" and r.random() < 0.75:
            lang = "fr"
        elif c == "SG":
            lang = "sg"
    ind = ind or r.choices(list(H.IND_W), list(H.IND_W.values()))[0]
    if core is None:
        core = unique_core(ctx, c, lang, ind, register)
    e = Ent(eid=ctx.new_eid(), c=c, lang=lang, ind=ind, core=core["core"], alt=core.get("alt", []),
            compound=core.get("compound"), en=core.get("en"), acr=None, acr_side=None, trading=None, numbered=False,
            group=None, gkind=None, hq_phone=None, web_path=None, tax_branch=None, legal_for_domain=None,
            share_toll=None, sub_label=None)
    e.small = r.random() < 0.3 if small is None else small
    e.join = wc(r, [("j", 70), ("s", 15), ("cc", 10), ("h", 5)]) if e.compound else None
    e.lf = lf or pick_lf(r, c, lang, e.core)
    if core.get("acr_ok") and r.random() < RATES["acronym_one_side"]:
        sig = [x for x in e.core.split() if x.lower() not in STOP]
        e.acr = "".join(w[0] for w in sig).upper()
        e.acr_side = r.choice(["crm", "erp"])
    place_entity(ctx, e, city)
    fc = flat_core(e)
    e.tax = new_tax(ctx, c, fc, e.region)
    e.cur = H.COUNTRIES[c]["cur"]
    e.domain = None
    if with_domain and not (e.small and r.random() < 0.25):
        e.domain = make_domain(ctx, e.en if (e.en and r.random() < 0.5) else fc, c)
    contact_email(ctx, e)
    return e


def add_trading(ctx, e):
    """legal vs trading name (DBA / t/a / o/a), numbered companies, trusts"""
    r = ctx.rng
    fc = flat_core(e)
    if e.c == "CA" and r.random() < 0.35:
        prov = e.region
        legal = claim(ctx, lambda i: f"{r.randint(9000, 9499)}-{r.randint(1000, 9999)} Québec" if prov == "QC"
                      else f"{r.randint(1000000, 2999999)} {CA_PROV_NAME[prov]}")
        e.trading, e.core, e.alt, e.compound, e.acr, e.en = fc, legal, [], None, None, None
        e.numbered = True
        e.lf = "qc_inc" if prov == "QC" else "inc"
    elif e.c == "AU" and r.random() < 0.3:
        legal = claim(ctx, lambda i: trust_name(r, i))
        alt = [legal.replace("The Trustee for the ", "").replace("The Trustee for ", ""), legal.replace(" for the ", " for ")]
        e.trading, e.core, e.alt, e.compound, e.acr, e.en = fc, legal, alt, None, None, None
        e.lf = "none"
        e.numbered = True
    elif r.random() < 0.5:
        # legal name unrelated to the brand (holding entity trading under a brand)
        other = unique_core(ctx, e.c, e.lang if e.lang != "ja" else "en", e.ind)
        legal = other["core"].replace("{C}", "".join(other["compound"])) if other["compound"] else other["core"]
        e.trading = fc
        e.legal_for_domain = legal
        e.core, e.alt, e.compound, e.acr, e.en = legal, [], None, None, None
    else:
        # trading name is a shortened / brand form of the legal name
        words = fc.split()

        def short(i):
            if len(words) > 2 and i == 0:
                return words[0] + " " + words[-1]
            if len(words) >= 2 and i < 3:
                return " ".join(words[:2] if i == 1 else words[:1]) + (" " + r.choice(["Group", "Co", "Services", "Direct"]) if i == 2 else "")
            return words[0] + " " + r.choice(["Direct", "Online", "Express", "Group", "Solutions", "Pro", "Hub", "Plus"]) + \
                (" " + r.choice(H.PLACES.get(e.c, H.PLACES["US"])) if i > 12 else "")
        e.trading = claim(ctx, short)


def finalize(ctx, e):
    """presence and row counts"""
    r = ctx.rng
    p = wc(r, [("both", RATES["presence_both"]), ("crm", RATES["presence_crm_only"]), ("erp", RATES["presence_erp_only"])])
    e.n_crm = 1 if p in ("both", "crm") else 0
    e.n_erp = 1 if p in ("both", "erp") else 0
    e.erp_kind = "sap" if r.random() < RATES["erp_rows_sap_style"] else "dyn"
    if e.c == "IN" and r.random() < 0.06:
        other = r.choice([s for s in H.GST_STATE if s != e.region])
        b = H.GST_STATE[other] + e.tax["reg"] + "1Z"
        e.tax_branch = b + F.gstin_check(b)
    if e.c == "BR" and r.random() < 0.04:
        b = e.tax["reg"][:8] + "0002"
        e.tax_branch = b + F.cnpj_dv(b)
    ctx.ents.append(e)
    return e


def plain_entity(ctx):
    e = base_entity(ctx)
    p_tr = RATES["trading_name_entities"] * (1.25 if e.c in EN_LIKE else 0.5)
    if ctx.rng.random() < p_tr:
        add_trading(ctx, e)
    return [finalize(ctx, e)]


# ---------------------------------------------------------------------------
# look-alike groups (different companies that look alike on purpose)
# ---------------------------------------------------------------------------
def grp_subsid_intl(ctx):
    r = ctx.rng
    home = wc(r, [("US", 30), ("GB", 14), ("JP", 12), ("CA", 8), ("AU", 8), ("SE", 6), ("DE", 5), ("IN", 8), ("ZA", 3), ("SG", 4), ("BR", 2)])
    ind = r.choices(list(H.IND_W), list(H.IND_W.values()))[0]
    if home == "JP":
        d = unique_core(ctx, home, "ja", ind)
        root = d["en"] or d["core"]
    else:
        d = unique_core(ctx, home, "en" if home not in ("SE", "DE") else H.COUNTRIES[home]["lang"], ind)
        root = flat_core(Ent(core=d["core"], compound=d["compound"]))
    k = wc(r, [(2, 50), (3, 35), (4, 15)])
    cs = [home]
    while len(cs) < k:
        cs.append(ctx.country(exclude=cs))
    gid = ctx.new_gid("intl_subsidiaries", root)
    glob = make_domain(ctx, root, home, tld=".com") if r.random() < 0.55 else None
    out = []
    for i, c in enumerate(cs):
        core = dict(core=root) if i == 0 else dict(core=root + (" " + r.choice(COUNTRY_SUFFIX[c]) if r.random() < 0.6 else ""))
        if i == 0 and home == "JP":
            core = dict(core=d["core"], en=d["en"])
        e = base_entity(ctx, c=c, lang="en" if c not in ("JP",) or i else "ja", ind=ind, core=core, with_domain=False,
                        small=False)
        e.domain = glob or make_domain(ctx, root, c)
        contact_email(ctx, e)
        if i and r.random() < 0.3:
            e.hq_phone = out[0].phones["main"]
        e.group, e.gkind = gid, "intl_subsidiaries"
        out.append(e)
    return out


HOLD_SUF = {"en": ["Group", "Holdings", "Partners", "Capital", "Industries", "International", "Ventures", "Enterprises"],
            "fr": ["Groupe {}", "Gestion {}", "Placements {}", "{} Capital"], "pt": ["Grupo {}", "{} Participações", "{} Holding"],
            "es": ["Grupo {}", "{} Holding", "Corporativo {}", "{} Capital"], "ja": ["{} Holdings", "{} Group", "{} Sangyō"],
            "in": ["{} Group", "{} Holdings", "{} Ventures", "{} Enterprises"]}


def root_word(ctx, c, lang):
    r = ctx.rng
    for _ in range(50):
        if lang in ("en", "sg"):
            w = wc(r, [(r.choice(H.SURNAMES["en"]), 4), (r.choice(H.PLACES.get(c) or H.PLACES["US"]), 4),
                       ("".join(r.choice(H.COMPOUNDS)).capitalize(), 3), (r.choice(H.COIN_A) + r.choice(H.COIN_B), 3)])
        elif lang == "ja":
            w = r.choice(H.JA_NAMES + H.SURNAMES["ja"])
        elif lang == "in":
            w = r.choice(H.IN_BRANDS + H.SURNAMES["in"])
        elif lang == "pt":
            w = r.choice(H.PT_BRANDS + H.SURNAMES["pt"])
        elif lang == "es":
            w = r.choice(H.ES_BRANDS + H.SURNAMES["es"])
        elif lang == "fr":
            w = r.choice(H.SURNAMES["fr"])
        else:
            w = r.choice(H.SURNAMES.get(lang, H.SURNAMES["en"]))
        if "root:" + norm(w) not in ctx.used_names:
            ctx.used_names.add("root:" + norm(w))
            return w
    return w + " " + r.choice(H.PLACES["US"])


def grp_holdings(ctx):
    r = ctx.rng
    c = ctx.country()
    lang = H.COUNTRIES[c]["lang"]
    if lang not in HOLD_SUF:
        lang = "en"
    root = root_word(ctx, c, lang)
    k = wc(r, [(2, 60), (3, 40)])
    sufs = r.sample(HOLD_SUF[lang], k)
    gid = ctx.new_gid("group_vs_holdings", root)
    out, used = [], []
    for s in sufs:
        name = s.format(root) if "{}" in s else f"{root} {s}"
        if norm(name) in ctx.used_names:
            continue
        ctx.used_names.add(norm(name))
        e = base_entity(ctx, c=c, lang=lang if lang != "fr" else "fr", core=dict(core=name), exclude_cities=used)
        used.append((e.city["name"], e.city["region"]))
        e.group, e.gkind = gid, "group_vs_holdings"
        out.append(e)
    return out


def grp_franchise(ctx):
    r = ctx.rng
    brand, ind, dom = r.choice(H.FRANCHISE_BRANDS)
    key = brand
    if key in ctx.brand_group:
        gid = ctx.brand_group[key]
        if ctx.groups[gid]["n"] >= 12:
            return None
        c = ctx.groups[gid]["c"] if r.random() < 0.7 else wc(r, [("US", 45), ("CA", 25), ("AU", 15), ("GB", 10), ("NZ", 5)])
        if c not in ctx.groups[gid]["tolls"]:
            ctx.groups[gid]["tolls"][c] = F.make_phone(r, c, "", "toll") if c in F.TOLLFREE else None
    else:
        c = wc(r, [("US", 45), ("CA", 20), ("AU", 15), ("GB", 10), ("NZ", 5), ("ZA", 5)])
        gid = ctx.new_gid("franchise", brand)
        ctx.groups[gid].update(n=0, cities=[], c=c, domain=dom + (".com" if c in ("US", "CA") else H.TLD[c][0]),
                               tolls={c: F.make_phone(r, c, "", "toll") if c in F.TOLLFREE else None})
        ctx.used_domains.add(ctx.groups[gid]["domain"])
        ctx.brand_group[key] = gid
    g = ctx.groups[gid]
    out = []
    for _ in range(wc(r, [(2, 50), (3, 35), (1, 15)]) if g["n"] else wc(r, [(2, 55), (3, 35), (4, 10)])):
        city = ctx.city(c, [x[1:] for x in g["cities"] if x[0] == c])
        same_city = (c, city["name"], city["region"]) in g["cities"]
        g["cities"].append((c, city["name"], city["region"]))
        label = r.choice(H.NEIGHBOURHOODS) if (same_city or r.random() < 0.25) else city["name"]
        g["n"] += 1
        if c == "CA" and r.random() < 0.5:
            legal = claim(ctx, lambda i: f"{r.randint(9000, 9499)}-{r.randint(1000, 9999)} Québec" if city["region"] == "QC"
                          else f"{r.randint(1000000, 2999999)} {CA_PROV_NAME[city['region']]}")
            lf, numbered = ("qc_inc" if city["region"] == "QC" else "inc"), True
        elif c == "AU" and r.random() < 0.4:
            legal, lf, numbered = claim(ctx, lambda i: trust_name(r, i)), "none", True
        else:
            acr = "".join(w[0] for w in brand.replace(".", "").split()).upper()
            legal = claim(ctx, lambda i: wc(r, [(f"{r.choice(H.SURNAMES['en'])} Enterprises", 3),
                                                (f"{acr} {slug(label, ' ').title()}" + (f" {i}" if i > 3 else ""), 2),
                                                (f"{r.choice(H.SURNAMES['en'])} {r.choice(['Holdings', 'Group', 'Ventures', 'Family Holdings', 'Management'])}", 3),
                                                (f"{r.choice(H.PLACES.get(c, H.PLACES['US']))} {r.choice(['Ventures', 'Holdings', 'Management'])}", 2)]))
            lf, numbered = None, False
        e = base_entity(ctx, c=c, lang="en", ind=ind, core=dict(core=legal), city=city, lf=lf, with_domain=False, small=True)
        e.numbered = numbered
        e.trading = wc(r, [(f"{brand} {label}", 4), (f"{brand} - {label}", 3), (f"{brand} of {label}", 1), (f"{brand} ({label})", 2)])
        e.sub_label = label
        if r.random() < 0.7:
            e.domain = g["domain"]
            e.web_path = "/locations/" + slug(label, "-") if r.random() < 0.4 else None
            e.email_dom = e.domain
            e.freemail = None if r.random() < 0.6 else e.freemail
        else:
            e.domain = make_domain(ctx, f"{brand} {label}", c)
            contact_email(ctx, e)
        if g["tolls"].get(c) and r.random() < 0.35:
            e.share_toll = g["tolls"][c]
        e.group, e.gkind = gid, "franchise"
        out.append(e)
    return out


def grp_generic(ctx):
    r = ctx.rng
    lang = wc(r, [("en", 60), ("in", 15), ("fr", 8), ("pt", 6), ("es", 6), ("ja", 5)])
    name, ind = r.choice(H.GENERIC[lang])
    key = ("generic", name)
    if key in ctx.brand_group:
        gid = ctx.brand_group[key]
        if ctx.groups[gid]["n"] >= 8:
            return None
    else:
        gid = ctx.new_gid("generic_name", name)
        ctx.groups[gid].update(n=0, cities=[])
        ctx.brand_group[key] = gid
    g = ctx.groups[gid]
    out = []
    for _ in range(wc(r, [(2, 60), (3, 30), (1, 10)]) if g["n"] else wc(r, [(2, 65), (3, 35)])):
        if lang == "en":
            c = wc(r, [("US", 30), ("CA", 12), ("GB", 18), ("IE", 6), ("AU", 14), ("NZ", 6), ("ZA", 8), ("SG", 6)])
        else:
            c = {"in": "IN", "fr": "CA", "pt": "BR", "es": "MX", "ja": "JP"}[lang]
        if lang == "fr":
            city = ctx.city("CA", [x for x in ((cc["name"], cc["region"]) for cc in H.CITIES["CA"]) if x[1] != "QC"])
        else:
            city = ctx.city(c, [x[1:] for x in g["cities"] if x[0] == c])
        g["cities"].append((c, city["name"], city["region"]))
        g["n"] += 1
        e = base_entity(ctx, c=c, lang=lang, ind=ind, core=dict(core=name), city=city, with_domain=False)
        if r.random() < 0.8 and not (e.small and r.random() < 0.4):
            e.domain = make_domain(ctx, name + " " + city["name"] if r.random() < 0.6 else name, c)
        contact_email(ctx, e)
        e.group, e.gkind = gid, "generic_name"
        out.append(e)
    return out


SUB_WORDS = {"en": ["Services", "Manufacturing", "Distribution", "Properties", "Logistics", "Sales", "Leasing", "Operations"],
             "fr": ["Services", "Distribution", "Immobilier", "Transport"], "pt": ["Serviços", "Distribuidora", "Logística", "Indústria"],
             "es": ["Servicios", "Distribuidora", "Inmobiliaria", "Logística"], "ja": ["Hanbai", "Service", "Butsuryū", "Engineering"],
             "in": ["Exports", "Infra", "Logistics", "Retail"]}


def grp_parent_sub(ctx):
    r = ctx.rng
    parent = base_entity(ctx)
    lang = parent.lang if parent.lang in SUB_WORDS else "en"
    fc = flat_core(parent)
    gid = ctx.new_gid("parent_subsidiary_same_country", fc)
    parent.group, parent.gkind = gid, "parent_subsidiary_same_country"
    if r.random() < 0.4:  # parent is the holding
        parent.core = {"fr": f"Gestion {fc}", "es": f"Grupo {fc}", "pt": f"{fc} Participações"}.get(lang, f"{fc} Holdings")
        parent.alt, parent.compound, parent.acr, parent.en = [], None, None, None
        parent.lf = pick_lf(r, parent.c, parent.lang, parent.core)
    out = [parent]
    for sw in r.sample(SUB_WORDS[lang], wc(r, [(1, 75), (2, 25)])):
        if lang in ("en", "in", "ja"):
            nm = wc(r, [(f"{fc} {sw}", 6), (f"{fc} ({sw})", 2 if parent.c in ("GB", "IE", "AU", "NZ", "ZA") else 0)])
        else:
            nm = f"{sw} {fc}"
        if norm(nm) in ctx.used_names:
            continue
        ctx.used_names.add(norm(nm))
        e = base_entity(ctx, c=parent.c, lang=parent.lang, ind=parent.ind, core=dict(core=nm), city=parent.city,
                        with_domain=False, small=False)
        if r.random() < 0.6:
            e.addr, e.postal = parent.addr, parent.postal
        if r.random() < 0.4:
            e.phones = dict(parent.phones)
        e.domain = parent.domain if (parent.domain and r.random() < 0.7) else make_domain(ctx, nm, parent.c)
        if e.domain == parent.domain and r.random() < 0.7:
            e.email_dom, e.freemail = parent.email_dom, None
        else:
            contact_email(ctx, e)
        e.group, e.gkind = gid, "parent_subsidiary_same_country"
        out.append(e)
    return out


GROUP_KINDS = [(grp_subsid_intl, 28), (grp_holdings, 18), (grp_franchise, 17), (grp_generic, 15), (grp_parent_sub, 22)]


# ---------------------------------------------------------------------------
# rendering one record
# ---------------------------------------------------------------------------
def lf_text(r, lf, sysn):
    vs = H.LEGAL_FORMS[lf]
    if sysn == "erp" and r.random() < 0.55:
        return vs[0]
    return r.choice(vs)


def attach_lf(r, e, core, sysn, P):
    lf = e.lf
    if lf == "none" or (r.random() < P["drop_legal_form"] and not e.numbered):
        return core
    if e.c == "VN" and r.random() < 0.3:
        pre = "Công ty TNHH" if lf == "vn_co_ltd" else "Công ty Cổ phần"
        return f"{pre} {core}"
    v = lf_text(r, lf, sysn)
    if lf == "kk" and v == "Kabushiki Kaisha" and core == e.en:
        v = "Co., Ltd."
    if lf == "kk" and v == "Kabushiki Kaisha" and r.random() < 0.6:
        return f"Kabushiki Kaisha {core}"
    if lf == "ab" and r.random() < 0.04:
        return f"Aktiebolaget {core}"
    if e.c == "CA" and lf == "ltee" and r.random() < 0.3:
        v = r.choice(["Ltée/Ltd.", "Ltd./Ltée", "Ltd"])
    sep = " "
    if lf in ("inc", "llc", "sa_de_cv", "s_de_rl", "sapi", "qc_inc", "ltee") and r.random() < (0.4 if e.c == "MX" else 0.2):
        sep = ", "
    if lf in ("kk", "vn_co_ltd") and v.startswith("Co") and r.random() < 0.15:
        sep = ", "
    if e.c == "ZA" and lf == "pty_ltd" and r.random() < 0.3:
        v = "(Pty) Ltd"
    if e.c == "IN" and lf == "pvt_ltd" and r.random() < 0.15:
        v = "(P) Ltd"
    return core + sep + v


def word_noise(r, s, lang, P):
    ab = H.ABBR.get(lang if lang in H.ABBR else "en", {})
    if lang in ("ja", "sg"):
        ab = {**H.ABBR["en"], **H.ABBR.get(lang, {})}
    toks = s.split(" ")
    rev = {}
    for full, shorts in ab.items():
        for sh in shorts:
            rev.setdefault(sh, full)
    out = []
    for t in toks:
        if t in ab and r.random() < P["abbreviate_word"]:
            t = r.choice(ab[t])
        elif t in rev and r.random() < P["expand_word"]:
            t = rev[t]
        out.append(t)
    s = " ".join(out)
    conj = H.CONJ.get(lang, "and")
    if r.random() < P["amp_and_swap"]:
        if " & " in s:
            s = s.replace(" & ", f" {conj} ", 1)
        elif f" {conj} " in s:
            s = s.replace(f" {conj} ", " & ", 1)
    if lang == "in" and r.random() < 0.25:
        for a, bs in H.IN_SPELL.items():
            if re.search(rf"\b{a}\b", s):
                s = re.sub(rf"\b{a}\b", r.choice(bs), s, count=1)
                break
    return s


DECOR_ERP = [("{n} - billing", 8), ("{n} (AP)", 8), ("{n} - AP", 4), ("DO NOT USE - {n}", 6), ("zz {n}", 5), ("ZZ-{n}", 3),
             ("{n} (Inactive)", 6), ("{n} - INACTIVE", 3), ("{n} c/o {S} Accountants", 4), ("{n} - {city} Office", 6),
             ("{n} - {city} Branch", 5), ("{n} (USD)", 4), ("{n} - HQ", 4), ("*{n}", 3), ("{n} - Accounts Payable", 4),
             ("{n} (old)", 3), ("{n} - Head Office", 4), ("{n} - ship to", 3)]
DECOR_CRM = [("{n} (old)", 2), ("{n} - {city}", 4), ("{n} - HQ", 2), ("DO NOT USE {n}", 1), ("{n} [duplicate]", 1),
             ("{n} (Prospect)", 1), ("{n} - {city} office", 2)]
INACTIVE = ("DO NOT USE", "zz", "ZZ", "Inactive", "INACTIVE", "(old)")


def render_name(r, e, sysn, P, dup):
    core = e.core
    if e.alt and r.random() < P["word_order_alt"]:
        core = r.choice(e.alt)
    if e.en and r.random() < (0.45 if sysn == "crm" else 0.25):
        core = e.en
    if e.compound:
        a, b = e.compound
        j = e.join if r.random() >= P["compound_variant"] else r.choice(["j", "s", "cc", "h"])
        comp = {"j": a + b, "s": f"{a} {b.capitalize()}", "cc": a + b.capitalize(), "h": f"{a}-{b}"}[j]
        core = core.replace("{C}", comp)
    if e.acr and sysn == e.acr_side:
        core = wc(r, [(e.acr, 5), (".".join(e.acr) + ".", 1), (f"{e.acr} - {core}", 1), (f"{core} ({e.acr})", 1)])
    core = word_noise(r, core, e.lang, P)
    if e.lang == "ja" or e.c == "JP":
        mode = wc(r, [(0, 60), (1, 15), (2, 10), (None, 15)]) if sysn == "crm" else wc(r, [(0, 80), (1, 10), (2, 5), (None, 5)])
        if mode is not None:
            core = F.romaji(core, mode)
    legal = attach_lf(r, e, core, sysn, P)
    trading_col = ""
    name = legal
    if e.trading:
        tr = word_noise(r, e.trading, e.lang, P)
        conn = TA.get(e.c, TA["GB"] if e.c in ("IE", "AU", "NZ", "ZA", "SG") else [("(", 1)])
        tag = wc(r, conn)
        combo = f"{legal} ({tr})" if tag == "(" else f"{legal} {tag} {tr}"
        if sysn == "crm":
            name = wc(r, [(tr, 60 if not e.numbered else 80), (legal, 22 if not e.numbered else 5), (combo, 18)])
            if name != tr and r.random() < 0.25:
                trading_col = tr
        else:
            name = wc(r, [(legal, 55), (combo, 25), (tr, 20)])
            if name == legal and r.random() < 0.6:
                trading_col = tr
            elif name == tr and r.random() < 0.3:
                trading_col = legal  # mis-mapped: legal name put into the trading-name column
    inactive = False
    dec_p = P["decoration"] * (3 if dup else 1)
    if r.random() < dec_p:
        tpl = wc(r, DECOR_ERP if sysn == "erp" else DECOR_CRM)
        city = e.city["name"] if not e.sub_label else e.sub_label
        name = tpl.format(n=name, city=city, S=r.choice(H.SURNAMES["en"]))
        inactive = any(x in tpl for x in INACTIVE)
    if sysn == "erp":
        up = P["upper_sap"] if e.erp_kind == "sap" else P["upper_dynamics"]
        if r.random() < up:
            name = name.upper()
    else:
        if r.random() < P["upper"]:
            name = name.upper()
        elif r.random() < P["lower"]:
            name = name.lower()
    if F.has_acc(name) and r.random() < P["strip_diacritics"]:
        name = F.strip_acc(name)
    if r.random() < P["name_typo"]:
        name = F.typo(r, name)
    if r.random() < 0.02:
        name = wc(r, [(name + " ", 3), ("  ".join(name.split(" ", 1)), 3), (name.replace(".", ""), 4)])
    if sysn == "erp" and e.erp_kind == "sap" and r.random() < RATES["sap_rows_truncated_name"]:
        lim = r.choice([30, 35, 40])
        if len(name) > lim:
            name = name[:lim].rstrip()
    return name, trading_col, inactive


def render_city(r, e, city, sysn, P):
    if r.random() < P["city_missing"]:
        return ""
    nm = city["name"]
    if city["aliases"] and r.random() < P["city_alias"] * (2 if e.c in ("IN", "VN", "MX") else 1):
        nm = r.choice(city["aliases"])
    elif e.c == "JP" and r.random() < 0.15:
        w = e.addr["ward"][0] if "ward" in e.addr else nm
        nm = r.choice([w, f"{w}, {nm}"])
    elif e.c == "ZA" and city["loc"] and r.random() < 0.15:
        nm = r.choice(city["loc"])
    elif r.random() < 0.03 and city["region"]:
        nm = f"{nm}, {city['region']}"
    if sysn == "erp":
        if F.has_acc(nm) and r.random() < P["strip_diacritics"]:
            nm = F.strip_acc(nm)
        if e.erp_kind == "sap" and r.random() < 0.5:
            nm = nm.upper()
    if r.random() < 0.015:
        nm = F.typo(r, nm)
    return nm


def render_region(r, e, region, P):
    if not region or r.random() < P["state_missing"]:
        return ""
    names = H.REGIONS.get(e.c, {}).get(region)
    if not names:
        return region
    return wc(r, [(region, 55), (names[0], 35)] + [(x, 10 / len(names)) for x in names[1:]])


def render_phone(r, e, sysn, P, phones):
    if r.random() < P["phone_missing"]:
        return ""
    if e.share_toll and r.random() < 0.6:
        main = e.share_toll
    elif e.hq_phone and r.random() < 0.5:
        main = e.hq_phone
    elif "toll" in phones and r.random() < (0.4 if sysn == "crm" else 0.15):
        main = phones["toll"]
    else:
        opts = [("main", 75 if sysn == "crm" else 82)]
        if "mobile" in phones:
            opts.append(("mobile", 15 if sysn == "crm" else 5))
        if "alt" in phones:
            opts.append(("alt", 10))
        if "fax" in phones and sysn == "erp":
            opts.append(("fax", 3))
        main = phones[wc(r, opts)]
    intl = 0.5 if main["c"] != e.c else 0.3
    s = F.fmt_phone(r, main, intl)
    if main["kind"] == "toll" and main["c"] in ("US", "CA") and e.ind in H.VANITY and r.random() < 0.3:
        s = f"1-{main['area']}-{r.choice(H.VANITY[e.ind])}"
    if main["kind"] == "land" and r.random() < P["phone_ext"]:
        s += F.fmt_ext(r)
    if r.random() < P["phone_multi"]:
        others = [v for k, v in phones.items() if v is not main]
        if others:
            o = r.choice(others)
            os_ = F.fmt_phone(r, o)
            lab = "Fax" if o is phones.get("fax") else r.choice(["Mob", "Alt", "Cell", "M"])
            s = wc(r, [(f"{s} / {os_}", 4), (f"{s}; {os_}", 3), (f"{s}, {os_}", 2), (f"Tel: {s} {lab}: {os_}", 2), (f"{s} | {os_}", 1)])
    return s


def render_email(r, e, sysn, P):
    if r.random() < P["email_missing"]:
        return ""
    if e.freemail:
        if r.random() < 0.8:
            return e.freemail
        fm = r.choice(H.FREEMAIL["any"])
        return f"{r.choice(H.FIRST_NAMES['en'])}.{slug(r.choice(H.SURNAMES['en']))}@{fm}"
    if not e.email_dom:
        return ""
    lang = e.lang if e.lang in H.ROLE_MAIL else "en"
    if sysn == "erp" or r.random() < 0.4:
        loc = r.choice(H.ROLE_MAIL[lang])
    else:
        fn = r.choice(H.FIRST_NAMES.get(lang, H.FIRST_NAMES["en"]))
        sn = slug(r.choice(H.SURNAMES.get(lang if lang in H.SURNAMES else "en", H.SURNAMES["en"])))
        loc = wc(r, [(f"{fn}.{sn}", 5), (f"{fn[0]}{sn}", 3), (fn, 2), (f"{fn}_{sn}", 1)])
    if e.sub_label and r.random() < 0.5:
        loc = slug(e.sub_label)
    em = f"{loc}@{e.email_dom}"
    if r.random() < 0.03:
        em = em.upper() if r.random() < 0.5 else em.capitalize()
    return em


def render_web(r, e, sysn, P):
    if not e.domain or r.random() < P["web_missing"]:
        return ""
    d = e.domain
    path = e.web_path if (e.web_path and r.random() < 0.7) else ""
    s = wc(r, [(f"https://www.{d}", 30), (f"www.{d}", 22), (d, 18), (f"http://www.{d}", 10), (f"https://{d}", 8),
               (f"http://{d}/", 5), (f"https://www.{d}/", 4), (f"WWW.{d.upper()}", 1), (f"https://www.{d}/en/", 1),
               (f"https://{d}/?utm_source=hubspot&utm_medium=crm", 1)])
    if path:
        s = s.rstrip("/") + path
    return s


def render_record(r, e, sysn, dup=False):
    P = RATES[sysn]
    rec = {}
    name, trading_col, inactive = render_name(r, e, sysn, P, dup)
    rec["name"], rec["trading_name"] = name, trading_col
    # tax id
    tp = P["tax_present"]
    if sysn == "erp" and e.c in ("BR", "MX", "IN", "ZA", "JP"):
        tp = 0.97
    if sysn == "crm" and e.c in ("BR", "MX", "IN"):
        tp = 0.5
    tax = ""
    if r.random() < tp:
        form = "reg" if r.random() < P["tax_form_registry"] else "vat"
        branch = e.tax_branch if (sysn == "erp" and e.tax_branch and r.random() < 0.6) else None
        tax = F.render_tax(r, e.tax, form, branch)
        if r.random() < RATES["tax_id_digit_typo"]:
            tax = F.digit_typo(r, tax)
    rec["tax_id"] = tax
    # address (possibly the old one)
    use_old = e.old is not None and e.old["side"] == sysn
    city = e.old["city"] if use_old else e.city
    addr = e.old["addr"] if use_old else e.addr
    postal = e.old["postal"] if use_old else e.postal
    phones = (e.old["phones"] or e.phones) if use_old else e.phones
    cl = H.COUNTRIES[e.c][sysn]
    rec["country"] = "" if r.random() < P["country_missing"] else r.choice(cl)
    rec["city"] = render_city(r, e, city, sysn, P)
    rec["_region"] = render_region(r, e, city["region"], P)
    rec["postal_code"] = "" if r.random() < P["postal_missing"] else F.render_postal(r, e.c, postal, P["leading_zero_lost"])
    line = "" if r.random() < P["address_missing"] else F.render_addr(r, addr)
    if line and r.random() < 0.02:
        line = f"c/o {r.choice(H.SURNAMES['en'])} & Co, {line}"
    if line and sysn == "erp" and e.erp_kind == "sap" and r.random() < 0.4:
        line = line.upper()
    elif line and sysn == "erp" and F.has_acc(line) and r.random() < 0.4:
        line = F.strip_acc(line)
    rec["address_line1"] = line
    rec["phone"] = render_phone(r, e, sysn, P, phones)
    rec["email"] = render_email(r, e, sysn, P)
    rec["website"] = render_web(r, e, sysn, P)
    ind = H.INDUSTRIES[e.ind]
    rec["industry"] = "" if r.random() < P["industry_missing"] else (ind["hs"] if sysn == "crm" else
                                                                     wc(r, [(ind["erp"], 85), (ind["naics"], 15)]))
    if sysn == "crm":
        x = r.random()
        rec["currency"] = "" if x < P["currency_missing"] else ("USD" if x < P["currency_missing"] + P["currency_default_usd"] else e.cur)
    else:
        x = r.random()
        rec["currency"] = "" if x < P["currency_missing"] else ("USD" if x < P["currency_missing"] + P["currency_usd"] else e.cur)
        if "(USD)" in name:
            rec["currency"] = "USD"
    rec["_inactive"] = inactive
    return rec


# ---------------------------------------------------------------------------
# build + write
# ---------------------------------------------------------------------------
LIFE_CUST = [("customer", 80), ("evangelist", 5), ("opportunity", 10), ("other", 5)]
LIFE_PROS = [("lead", 35), ("subscriber", 12), ("marketingqualifiedlead", 15), ("salesqualifiedlead", 10), ("opportunity", 18),
             ("other", 10)]


def build(n, seed):
    ctx = Ctx(seed)
    r = ctx.rng
    fc_, fe_ = RATES["crm_within_file_dup_rows"], RATES["erp_within_file_dup_rows"]
    crm_base = erp_base = 0
    n_look = 0
    while crm_base / (1 - fc_) + erp_base / (1 - fe_) < n:
        if n_look < RATES["lookalike_entity_share"] * (len(ctx.ents) + 1):
            fn = wc(r, GROUP_KINDS)
            members = fn(ctx)
            if not members:
                continue
            if len(members) < 2 and ctx.groups[members[0].group].get("n", 1) < 2:
                for e in members:  # a group needs >= 2 entities
                    ctx.groups.pop(e.group, None)
                    e.group = e.gkind = None
            for e in members:
                finalize(ctx, e)
            n_look += sum(1 for e in members if e.group)
        else:
            members = plain_entity(ctx)
        crm_base += sum(e.n_crm for e in members)
        erp_base += sum(e.n_erp for e in members)
    # within-file duplicates
    crm_ents = [e for e in ctx.ents if e.n_crm]
    erp_ents = [e for e in ctx.ents if e.n_erp]
    k_crm = round(len(crm_ents) * RATES["crm_within_file_dup_rows"] / (1 - RATES["crm_within_file_dup_rows"]))
    k_erp = round(len(erp_ents) * RATES["erp_within_file_dup_rows"] / (1 - RATES["erp_within_file_dup_rows"]))
    for e in r.sample(crm_ents, min(k_crm, len(crm_ents))):
        e.n_crm += 1
    for e in r.sample(erp_ents, min(k_erp, len(erp_ents))):
        e.n_erp += 1
    # records
    crm, erp, truth = [], [], []
    used_hs, used_sap = set(), set()
    for e in ctx.ents:
        for i in range(e.n_crm):
            rec = render_record(r, e, "crm", dup=i > 0)
            while True:
                hs = r.randrange(1_000_000_000, 40_000_000_000)
                if hs not in used_hs:
                    used_hs.add(hs)
                    break
            rec["source_id"] = rec["hs_object_id"] = str(hs)
            rec["state"] = rec.pop("_region")
            rec["lifecyclestage"] = wc(r, LIFE_CUST if e.n_erp else LIFE_PROS) if r.random() < 0.92 else ""
            rec["createdate"] = "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
                r.randint(2014, 2024), r.randint(1, 12), r.randint(1, 28), r.randint(0, 23), r.randint(0, 59), r.randint(0, 59), r.randint(0, 999))
            rec.pop("_inactive")
            crm.append(rec)
            truth.append(("crm", rec["source_id"], e))
        for i in range(e.n_erp):
            orig = e.erp_kind
            kind = e.erp_kind = orig if i == 0 else wc(r, [(orig, 6), ("sap", 2), ("dyn", 2)])
            rec = render_record(r, e, "erp", dup=i > 0)
            e.erp_kind = orig
            if kind == "sap":
                while True:
                    code = "C%05d" % r.randint(10000, 99999) if r.random() < 0.9 else "C%06d" % r.randint(100000, 999999)
                    if code not in used_sap:
                        used_sap.add(code)
                        break
                rec["source_id"] = rec["accountnumber"] = code
            else:
                rec["source_id"] = str(uuid.UUID(int=r.getrandbits(128), version=4))
                rec["accountnumber"] = "ACC-%06d" % r.randint(1000, 999999) if r.random() < 0.6 else ""
            rec["address1_stateorprovince"] = rec.pop("_region")
            rec["statecode"] = "1" if (rec.pop("_inactive") or r.random() < 0.03) else "0"
            erp.append(rec)
            truth.append(("erp", rec["source_id"], e))
    r.shuffle(crm)
    r.shuffle(erp)
    return ctx, crm, erp, truth


def write_csv(path, cols, rows):
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        for row in rows:
            w.writerow(row)


def stats(ctx, crm, erp, truth):
    ents = ctx.ents
    st = Counter()
    st["entities"] = len(ents)
    st["crm_rows"], st["erp_rows"] = len(crm), len(erp)
    st["entities_in_both"] = sum(1 for e in ents if e.n_crm and e.n_erp)
    st["entities_crm_only"] = sum(1 for e in ents if e.n_crm and not e.n_erp)
    st["entities_erp_only"] = sum(1 for e in ents if e.n_erp and not e.n_crm)
    st["crm_extra_dup_rows"] = sum(e.n_crm - 1 for e in ents if e.n_crm > 1)
    st["erp_extra_dup_rows"] = sum(e.n_erp - 1 for e in ents if e.n_erp > 1)
    st["lookalike_groups"] = len({e.group for e in ents if e.group})
    st["lookalike_entities"] = sum(1 for e in ents if e.group)
    st["trading_name_entities"] = sum(1 for e in ents if e.trading)
    st["moved_address_entities"] = sum(1 for e in ents if e.old)
    st["acronym_entities"] = sum(1 for e in ents if e.acr)
    kinds = Counter(ctx.groups[g]["kind"] for g in {e.group for e in ents if e.group})
    kind_ents = Counter(e.gkind for e in ents if e.group)
    countries = Counter(e.c for e in ents)
    return st, kinds, kind_ents, countries


README_TMPL = """Holdout entity-resolution test set (generator #2, written blind to the matcher)
===========================================================================
Command: python3 generate.py --n {n} --seed {seed} --out <dir>

Files
  crm.csv    HubSpot-style company export. source_id = hs_object_id (numeric).
             Extra columns: hs_object_id, state, lifecyclestage, createdate.
  erp.csv    Dynamics 365 / SAP Business One style customer export. source_id is a
             Dynamics GUID, or an SAP B1 card code like C10023 (those rows are
             "legacy SAP" rows: more UPPER CASE, names cut at 30/35/40 chars).
             Extra columns: accountnumber, address1_stateorprovince, statecode (0 active / 1 inactive).
  truth.csv  system (salesforce = crm.csv, netsuite = erp.csv), source_id, entity_id,
             lookalike_group.  Same entity_id = same real company (also within one
             file).  lookalike_group = id shared by DIFFERENT entities that were made
             to look alike; they must NOT be merged.
  Importer columns: source_id, name, trading_name, tax_id, country, city, postal_code,
  address_line1, phone, email, website, industry, currency (empty cell = no value).

Counts
{counts}

Look-alike groups by kind (groups / entities)
{kinds}

Entities by country
{countries}

Rates used (probabilities per entity or per rendered record)
{rates}

What is in it
  * Country mix leans to US, Canada (incl. Quebec French: Société, Montréal, ltée,
    numbered companies "9123-4567 Québec inc." / "2345678 Ontario Inc." with o/a
    names), UK & Ireland, AU/NZ (Pty Ltd, family-trust trustees t/a a brand), SG,
    India (Pvt Ltd, Shree/Shri/Sri), Japan (romaji with/without macrons, wapuro
    'ou', passport 'oh'; Kabushiki Kaisha prefix vs K.K. / Co., Ltd. suffix;
    romaji name vs official English name), Brazil (Ltda, Ltda - ME, S.A., Ind. e
    Com.), Mexico (S.A. de C.V. variants), South Africa ((Pty) Ltd, CC), Nordics,
    a little Germany and Vietnam (Công ty TNHH prefix, Saigon aliases).
  * Names: legal vs trading (DBA / d/b/a / t/a / o/a / trading as, combined into
    name or put in trading_name; sometimes the legal name lands in trading_name),
    acronym on one side only, abbreviations both ways (Corp/Corporation, Co/Company,
    Intl, Svcs, Mfg, Engg, Inds, Hnos, Cía...), &/and/et/e/y, word order variants
    ("Transport Tremblay" / "Tremblay Transport", "Les Entreprises X" / "Entreprises
    X (Les)", "The X Company" / "X Company, The"), compounds joined/split/CamelCase/
    hyphenated, legal forms present/absent/varied, ERP decorations (- billing, (AP),
    DO NOT USE, zz, Inactive, c/o, - Toronto Office, (USD), - ship to, *), upper
    case, stripped diacritics, keyboard typos, double spaces, truncation.
  * Tax ids in national formats with valid check digits: US EIN (dash/no dash,
    EIN:/TIN/FEIN labels), CA BN 9 digits vs BN+RT0001, AU ACN (9) vs ABN (11,
    contains the ACN), NZ NZBN 13 vs unrelated GST no., SG UEN, IN PAN (10) vs
    GSTIN (15, contains PAN; some companies show another state's GSTIN in the
    ERP = same company), GB company number vs VAT (unrelated numbers), IE CRO vs
    VAT, JP corporate number vs invoice T-number, BR CNPJ punctuated/digits (a few
    ERP rows carry the filial /0002 CNPJ of the same company), MX RFC, ZA reg. no.
    vs VAT, SE/NO/DK/FI org numbers vs VAT forms, DE HRB vs USt-IdNr.  One-digit
    typos at the stated rate.  Registry form in one system, VAT form in the other.
  * Email domain vs website domain may differ; free-mail (gmail, yahoo, outlook,
    hotmail, icloud, bigpond, rediffmail, ...) used by small firms -- a shared
    free-mail domain never implies identity.  Franchisees share the brand domain.
  * Phones: national/international formats, several numbers in one cell, extensions,
    toll-free and vanity numbers (1-800-PLUMBER), mobiles, fax numbers; franchisees
    may share the brand toll-free number; foreign subsidiaries may show the HQ number.
  * Addresses: true city aliases (NYC, Bombay, Bangalore, Montreal, Quebec City,
    Saigon, Gurgaon, Port Elizabeth/Gqeberha, Sandton for Johannesburg, Tokyo wards),
    US ZIP vs ZIP+4, New England ZIPs with the leading zero lost, CA/UK postcodes
    with/without space and lower case, JP 〒, BR CEP, MX C.P., suite/level/bureau/
    #12-01 forms, French Québec street forms, state/province codes vs names,
    moved addresses (old address kept in one system), missing fields.
  * Look-alikes (different entities): subsidiaries of one brand in other countries
    with their own tax ids (sometimes sharing the .com domain or the HQ phone);
    "X Group" vs "X Holdings" / "X Partners" in different cities; franchisees of one
    brand in different cities (or neighbourhoods of one city); common generic names
    ("First National Bank", "City Dental Clinic", "Balaji Traders") in different
    places; a parent and its own subsidiary in the SAME country and city with
    different tax ids (often same address, domain and phone).
"""


def fmt_counter(c, indent="  "):
    return "\n".join(f"{indent}{k}: {v}" for k, v in sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def fmt_rates():
    lines = []
    for k, v in RATES.items():
        if isinstance(v, dict):
            lines.append(f"  {k}:")
            lines += [f"    {kk}: {vv}" for kk, vv in v.items()]
        else:
            lines.append(f"  {k}: {v}")
    return "\n".join(lines)


def generate(n, seed, out):
    ctx, crm, erp, truth = build(n, seed)
    os.makedirs(out, exist_ok=True)
    write_csv(os.path.join(out, "crm.csv"), CRM_COLS, crm)
    write_csv(os.path.join(out, "erp.csv"), ERP_COLS, erp)
    trows = [dict(system=SYS[s], source_id=sid, entity_id=e.eid, lookalike_group=e.group or "") for s, sid, e in truth]
    trows.sort(key=lambda t: (t["system"], t["entity_id"], t["source_id"]))
    write_csv(os.path.join(out, "truth.csv"), TRUTH_COLS, trows)
    st, kinds, kind_ents, countries = stats(ctx, crm, erp, truth)
    kinds_txt = "\n".join(f"  {k}: {kinds[k]} / {kind_ents[k]}" for k in sorted(kinds))
    with open(os.path.join(out, "README.txt"), "w", encoding="utf-8") as f:
        f.write(README_TMPL.format(n=n, seed=seed, counts=fmt_counter(st), kinds=kinds_txt,
                                   countries=fmt_counter(countries), rates=fmt_rates()))
    return ctx, st, kinds, kind_ents


# ---------------------------------------------------------------------------
# self test
# ---------------------------------------------------------------------------
def selftest():
    here = os.path.dirname(os.path.abspath(__file__))
    d1, d2 = os.path.join(here, ".selftest_a"), os.path.join(here, ".selftest_b")
    problems = []

    def check(cond, msg):
        if not cond:
            problems.append(msg)
    try:
        ctx, st, kinds, _ = generate(2500, 7, d1)
        generate(2500, 7, d2)
        for fn in ("crm.csv", "erp.csv", "truth.csv", "README.txt"):
            with open(os.path.join(d1, fn), "rb") as a, open(os.path.join(d2, fn), "rb") as b:
                check(a.read() == b.read(), f"{fn} not deterministic")
        rows = {}
        for fn, cols in (("crm.csv", CRM_COLS), ("erp.csv", ERP_COLS)):
            with open(os.path.join(d1, fn), encoding="utf-8", newline="") as f:
                rd = csv.DictReader(f)
                check(rd.fieldnames == cols, f"{fn} header")
                rows[fn] = list(rd)
            ids = [x["source_id"] for x in rows[fn]]
            check(len(ids) == len(set(ids)), f"{fn} duplicate source_id")
            check(all(x["name"].strip() for x in rows[fn]), f"{fn} empty name")
        check(all(x["source_id"].isdigit() for x in rows["crm.csv"]), "crm ids numeric")
        check(all(re.fullmatch(r"C\d{5,6}|[0-9a-f-]{36}", x["source_id"]) for x in rows["erp.csv"]), "erp id format")
        with open(os.path.join(d1, "truth.csv"), encoding="utf-8", newline="") as f:
            tr = list(csv.DictReader(f))
        keys = {(t["system"], t["source_id"]) for t in tr}
        check(len(keys) == len(tr), "truth has duplicate keys")
        want = {("salesforce", x["source_id"]) for x in rows["crm.csv"]} | {("netsuite", x["source_id"]) for x in rows["erp.csv"]}
        check(keys == want, "truth does not cover exactly all rows")
        total = len(rows["crm.csv"]) + len(rows["erp.csv"])
        check(abs(total - 2500) <= 2500 * 0.03, f"row count {total} far from 2500")
        # look-alike groups: >= 2 distinct entities each, one group per entity
        g2e, e2g = defaultdict(set), defaultdict(set)
        for t in tr:
            if t["lookalike_group"]:
                g2e[t["lookalike_group"]].add(t["entity_id"])
            e2g[t["entity_id"]].add(t["lookalike_group"])
        check(all(len(v) >= 2 for v in g2e.values()), "look-alike group with < 2 entities")
        check(all(len(v) == 1 for v in e2g.values()), "entity with inconsistent lookalike_group")
        share = sum(1 for e in ctx.ents if e.group) / len(ctx.ents)
        check(0.08 <= share <= 0.15, f"look-alike share {share:.3f}")
        cnt = Counter((t["system"], t["entity_id"]) for t in tr)
        crm_dup = sum(v - 1 for (s, _), v in cnt.items() if s == "salesforce") / len(rows["crm.csv"])
        erp_dup = sum(v - 1 for (s, _), v in cnt.items() if s == "netsuite") / len(rows["erp.csv"])
        check(0.02 <= crm_dup <= 0.04, f"crm dup rate {crm_dup:.3f}")
        check(0.004 <= erp_dup <= 0.02, f"erp dup rate {erp_dup:.3f}")
        # identifier invariants on canonical data
        for e in ctx.ents:
            t = e.tax
            if e.c == "AU":
                check(t["vat"].endswith(t["reg"]) and F.abn_ok(t["vat"]), "ABN/ACN")
            if e.c == "IN":
                check(t["vat"][2:12] == t["reg"] and F.gstin_check(t["vat"][:14]) == t["vat"][14], "GSTIN/PAN")
            if e.c == "JP":
                check(F.jp_check(t["reg"][1:]) == t["reg"][0] and t["vat"] == "T" + t["reg"], "JP number")
            if e.c == "BR":
                check(F.cnpj_dv(t["reg"][:12]) == t["reg"][12:], "CNPJ")
            if e.c == "CA":
                check(F.luhn_ok(t["reg"]), "BN luhn")
            if e.c == "NZ":
                check(len(t["reg"]) == 13 and F.gs1_digit(t["reg"][:12]) == t["reg"][12], "NZBN")
        taxes = [F.tax_key(e.tax) for e in ctx.ents]
        check(len(taxes) == len(set(taxes)), "tax ids not unique per entity")
        # free-mail never the only shared thing by construction: no two entities share a full free-mail address
        fm = Counter(e.freemail for e in ctx.ents if e.freemail)
        check(all(v == 1 for v in fm.values()), "shared free-mail address across entities")
        # output written to the requested dir only
        check(sorted(os.listdir(d1)) == ["README.txt", "crm.csv", "erp.csv", "truth.csv"], "unexpected files")
    finally:
        shutil.rmtree(d1, ignore_errors=True)
        shutil.rmtree(d2, ignore_errors=True)
    if problems:
        print("SELFTEST FAILED:\n  " + "\n  ".join(problems))
        return 1
    print(f"selftest ok: {st['entities']} entities, {st['crm_rows']} crm + {st['erp_rows']} erp rows, "
          f"{st['lookalike_groups']} look-alike groups")
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3000, help="total rows over crm.csv + erp.csv (approx.)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", default=None)
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args(argv)
    if a.selftest:
        return selftest()
    if not a.out:
        ap.error("--out is required")
    _, st, kinds, kind_ents = generate(a.n, a.seed, a.out)
    print(f"wrote {a.out}: {st['crm_rows']} crm rows, {st['erp_rows']} erp rows, {st['entities']} entities, "
          f"{st['lookalike_groups']} look-alike groups ({st['lookalike_entities']} entities), "
          f"dups crm {st['crm_extra_dup_rows']} / erp {st['erp_extra_dup_rows']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
