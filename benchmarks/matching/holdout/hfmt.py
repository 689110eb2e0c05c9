# -*- coding: utf-8 -*-
"""Formatting helpers for the holdout generator: national tax ids (with real
check-digit schemes), phone numbers, postal codes, street addresses and text
noise (typos, diacritics, romaji).  Standard library only."""
import unicodedata

import hdata as H


def wc(rng, pairs):
    """weighted choice over [(value, weight), ...]"""
    tot = sum(w for _, w in pairs)
    x = rng.random() * tot
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def digits(rng, n):
    return "".join(rng.choice("0123456789") for _ in range(n))


# ---------------------------------------------------------------------------
# text noise
# ---------------------------------------------------------------------------
_SPECIAL = {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "đ": "d", "Đ": "D", "ł": "l", "Ł": "L",
            "œ": "oe", "Œ": "OE", "ª": "a", "º": "o"}


def strip_acc(s):
    for k, v in _SPECIAL.items():
        if k in s:
            s = s.replace(k, v)
    return "".join(ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch))


def has_acc(s):
    return strip_acc(s) != s


_ROMAJI = [
    {},  # plain: just drop macrons
    {"ō": "ou", "ū": "uu", "Ō": "Ou", "Ū": "Uu", "ā": "aa"},  # wapuro
    {"ō": "oh", "ū": "u", "Ō": "Oh", "Ū": "U", "ā": "a"},  # passport style
]


def romaji(s, mode):
    for k, v in _ROMAJI[mode].items():
        s = s.replace(k, v)
    return strip_acc(s)


_KB = {"a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj", "i": "uo", "j": "hk",
       "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o", "q": "w", "r": "et", "s": "ad", "t": "ry",
       "u": "yi", "v": "cb", "w": "qe", "x": "zc", "y": "tu", "z": "x"}


def typo(rng, s):
    """one keyboard-style typo on a letter (never on digits)"""
    pos = [i for i, ch in enumerate(s) if ch.isalpha()]
    if len(pos) < 4:
        return s
    i = rng.choice(pos[1:])
    op = rng.random()
    ch = s[i]
    if op < 0.3 and i + 1 < len(s) and s[i + 1].isalpha() and s[i + 1] != ch:
        return s[:i] + s[i + 1] + ch + s[i + 2:]
    if op < 0.55:
        return s[:i] + s[i + 1:]
    if op < 0.75:
        return s[:i] + ch + s[i:]
    rep = _KB.get(ch.lower())
    if not rep:
        return s[:i] + s[i + 1:]
    r = rng.choice(rep)
    return s[:i] + (r.upper() if ch.isupper() else r) + s[i + 1:]


def digit_typo(rng, s):
    """change one digit of an identifier"""
    pos = [i for i, ch in enumerate(s) if ch.isdigit()]
    if not pos:
        return s
    i = rng.choice(pos)
    d = rng.choice([x for x in "0123456789" if x != s[i]])
    return s[:i] + d + s[i + 1:]


# ---------------------------------------------------------------------------
# tax ids -- canonical values + national renderings
# ---------------------------------------------------------------------------
EIN_PREFIX = [p for p in range(10, 100) if p not in (17, 18, 19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97)]


def luhn_digit(body):
    tot = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        tot += d
    return str((10 - tot % 10) % 10)


def luhn_ok(s):
    return luhn_digit(s[:-1]) == s[-1]


def acn_digit(b8):
    s = sum(int(d) * w for d, w in zip(b8, range(8, 0, -1)))
    return str((10 - s % 10) % 10)


def abn_ok(abn):
    d = [int(x) for x in abn]
    d[0] -= 1
    return sum(x * w for x, w in zip(d, [10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19])) % 89 == 0


def gs1_digit(body):
    s = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return str((10 - s % 10) % 10)


_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def gstin_check(b14):
    tot = 0
    for i, ch in enumerate(b14):
        p = _B36.index(ch) * (2 if i % 2 else 1)
        tot += p // 36 + p % 36
    return _B36[(36 - tot % 36) % 36]


def jp_check(b12):
    s = 0
    for n, ch in enumerate(reversed(b12), start=1):
        s += int(ch) * (2 if n % 2 == 0 else 1)
    return str(9 - s % 9)


def cnpj_dv(b):
    def dv(x, ws):
        s = sum(int(d) * w for d, w in zip(x, ws)) % 11
        return "0" if s < 2 else str(11 - s)
    d1 = dv(b, [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    d2 = dv(b + d1, [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return d1 + d2


def de_check(b8):
    p = 10
    for ch in b8:
        s = (int(ch) + p) % 10
        s = 10 if s == 0 else s
        p = (2 * s) % 11
    return str((11 - p) % 10)


def gb_vat_check(b7):
    s = sum(int(d) * w for d, w in zip(b7, range(8, 1, -1)))
    return "%02d" % ((-s) % 97)


def fmt_cnpj(c):
    return f"{c[:2]}.{c[2:5]}.{c[5:8]}/{c[8:12]}-{c[12:]}"


def make_tax(rng, c, name, region=None):
    """canonical identifiers for one company.  reg = registry/national id,
    vat = VAT/GST form (may contain reg, or be unrelated for GB/IE/NZ/ZA/DE)."""
    t = {"c": c}
    if c == "US":
        t["reg"] = "%02d" % rng.choice(EIN_PREFIX) + digits(rng, 7)
    elif c == "CA":
        b = rng.choice("12345678") + digits(rng, 7)
        t["reg"] = b + luhn_digit(b)
        t["prog"] = "RT" + rng.choice(["0001"] * 9 + ["0002"])
    elif c == "AU":
        while True:
            b = digits(rng, 8)
            acn = b + acn_digit(b)
            for p in range(10, 100):
                if abn_ok("%02d%s" % (p, acn)):
                    t["reg"], t["vat"] = acn, "%02d%s" % (p, acn)
                    return t
    elif c == "NZ":
        b = "94290" + digits(rng, 7)
        t["reg"] = b + gs1_digit(b)
        t["vat"] = rng.choice("1" * 5 + "2") + digits(rng, 8)  # GST number, unrelated
    elif c == "SG":
        t["reg"] = str(rng.randint(1995, 2023)) + digits(rng, 5) + rng.choice("ABCDEGHKMNRWZ")
    elif c == "IN":
        first = next((ch for ch in strip_acc(name).upper() if ch.isalpha()), "X")
        pan = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(3)) + "C" + first + digits(rng, 4) + \
            rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
        st = H.GST_STATE.get(region, "27")
        b = st + pan + rng.choice("1111112") + "Z"
        t["reg"], t["vat"] = pan, b + gstin_check(b)
    elif c == "JP":
        b = rng.choice("123456789") + digits(rng, 11)
        t["reg"] = jp_check(b) + b
        t["vat"] = "T" + t["reg"]
    elif c == "BR":
        b = digits(rng, 8) + "0001"
        t["reg"] = b + cnpj_dv(b)
    elif c == "MX":
        letters = [w[0] for w in strip_acc(name).upper().split() if w[:1].isalpha()][:3]
        while len(letters) < 3:
            letters.append(rng.choice("ABCDEFGHIJKLMNOPRSTUVWXZ"))
        yy, mm, dd = rng.randint(0, 99), rng.randint(1, 12), rng.randint(1, 28)
        hom = rng.choice(_B36[10:] + "123456789") + rng.choice(_B36[10:] + "123456789") + rng.choice("0123456789A")
        t["reg"] = "".join(letters) + "%02d%02d%02d" % (yy, mm, dd) + hom
    elif c == "ZA":
        b = "4" + digits(rng, 8)
        t["vat"] = b + luhn_digit(b)
        t["reg"] = "%d/%s/07" % (rng.randint(1985, 2022), digits(rng, 6))
    elif c == "GB":
        b = digits(rng, 7)
        t["vat"] = b + gb_vat_check(b)
        t["reg"] = wc(rng, [("0" + digits(rng, 7), 8), ("SC" + digits(rng, 6), 1), ("NI" + digits(rng, 6), 1)])
    elif c == "IE":
        b = digits(rng, 7)
        s = sum(int(d) * w for d, w in zip(b, range(8, 1, -1)))
        t["vat"] = b + "WABCDEFGHIJKLMNOPQRSTUV"[s % 23]
        t["reg"] = str(rng.randint(100000, 749999))
    elif c == "SE":
        b = "55" + digits(rng, 7)
        t["reg"] = b + luhn_digit(b)
    elif c == "NO":
        while True:
            b = "9" + digits(rng, 7)
            s = sum(int(d) * w for d, w in zip(b, [3, 2, 7, 6, 5, 4, 3, 2])) % 11
            k = 0 if s == 0 else 11 - s
            if k < 10:
                t["reg"] = b + str(k)
                break
    elif c == "DK":
        while True:
            b = rng.choice("123456789") + digits(rng, 6)
            k = (-sum(int(d) * w for d, w in zip(b, [2, 7, 6, 5, 4, 3, 2]))) % 11
            if k < 10:
                t["reg"] = b + str(k)
                break
    elif c == "FI":
        while True:
            b = rng.choice("0123") + digits(rng, 6)
            r = sum(int(d) * w for d, w in zip(b, [7, 9, 10, 5, 8, 4, 2])) % 11
            if r != 1:
                t["reg"] = b + str(0 if r == 0 else 11 - r)
                break
    elif c == "DE":
        b = rng.choice("123") + digits(rng, 7)
        t["vat"] = b + de_check(b)
        t["reg"] = "HRB %d" % rng.randint(1000, 250000)
    elif c == "VN":
        t["reg"] = rng.choice(["03", "01", "02", "04"]) + digits(rng, 8)
    else:
        t["reg"] = digits(rng, 9)
    return t


def tax_key(t):
    """what makes two companies' ids collide (used to keep them unique)"""
    return (t["c"], t.get("reg"), t.get("vat"))


def render_tax(rng, t, form, branch=None):
    """form: 'reg' (national registry form) or 'vat' (VAT/GST form).
    branch: optional extra info (IN other-state GSTIN, BR filial)"""
    c, r = t["c"], t.get("reg")
    if c == "US":
        d = f"{r[:2]}-{r[2:]}"
        return wc(rng, [(d, 40), (r, 25), (f"EIN {d}", 10), (f"EIN: {r}", 6), (f"TIN {d}", 4), (f"FEIN {d}", 4),
                        (f"{r[:2]} {r[2:]}", 3), (f"US EIN {d}", 2)])
    if c == "CA":
        if form == "reg":
            return wc(rng, [(r, 60), (f"BN {r}", 10), (f"{r[:3]} {r[3:6]} {r[6:]}", 10), (f"BN: {r}", 5)])
        p = t["prog"]
        return wc(rng, [(r + p, 45), (f"{r} {p}", 15), (f"{r} {p[:2]} {p[2:]}", 10), (f"GST/HST {r}{p}", 8),
                        (f"{r}-{p}", 5), (f"GST# {r} {p}", 5), (r, 12)])
    if c == "AU":
        if form == "reg":
            return wc(rng, [(f"{r[:3]} {r[3:6]} {r[6:]}", 40), (r, 25), (f"ACN {r[:3]} {r[3:6]} {r[6:]}", 25), (f"ACN: {r}", 10)])
        v = t["vat"]
        sp = f"{v[:2]} {v[2:5]} {v[5:8]} {v[8:]}"
        return wc(rng, [(sp, 40), (v, 30), (f"ABN {sp}", 20), (f"ABN: {v}", 10)])
    if c == "NZ":
        if form == "reg":
            return wc(rng, [(r, 70), (f"NZBN {r}", 20), (f"{r[:4]} {r[4:8]} {r[8:12]} {r[12:]}", 10)])
        v = t["vat"]
        return wc(rng, [(f"{v[:3]}-{v[3:6]}-{v[6:]}", 50), (v, 30), (f"GST {v[:3]}-{v[3:6]}-{v[6:]}", 20)])
    if c == "SG":
        if form == "reg":
            return wc(rng, [(r, 70), (f"UEN {r}", 20), (f"UEN: {r}", 10)])
        return wc(rng, [(r, 55), (f"GST Reg No. {r}", 20), (f"GST {r}", 15), (f"M2-{r}", 2), (r.lower(), 3)])
    if c == "IN":
        if form == "reg":
            return wc(rng, [(r, 75), (f"PAN {r}", 15), (f"PAN: {r}", 10)])
        v = branch or t["vat"]
        return wc(rng, [(v, 75), (f"GSTIN {v}", 12), (f"GSTIN: {v}", 8), (v.lower(), 2), (f"{v[:2]} {v[2:12]} {v[12:]}", 3)])
    if c == "JP":
        if form == "reg":
            return wc(rng, [(r, 70), (f"{r[0]}-{r[1:5]}-{r[5:9]}-{r[9:]}", 15), (f"法人番号 {r}", 5), (f"Corp No. {r}", 10)])
        return wc(rng, [("T" + r, 75), (f"T-{r}", 10), (f"T {r}", 10), (f"Reg. No. T{r}", 5)])
    if c == "BR":
        v = branch or r
        f = fmt_cnpj(v)
        return wc(rng, [(f, 55), (v, 25), (f"CNPJ {f}", 10), (f"CNPJ: {v}", 5), (f"{v[:8]}/{v[8:12]}-{v[12:]}", 5)])
    if c == "MX":
        return wc(rng, [(r, 60), (f"{r[:3]}-{r[3:9]}-{r[9:]}", 15), (f"{r[:3]} {r[3:9]} {r[9:]}", 10),
                        (f"RFC: {r}", 10), (r.lower(), 2), (f"RFC {r}", 3)])
    if c == "ZA":
        if form == "reg":
            return wc(rng, [(r, 60), (f"Reg. No. {r}", 20), (r.replace("/", ""), 10), (f"CK {r}", 10)])
        v = t["vat"]
        return wc(rng, [(v, 70), (f"VAT {v}", 15), (f"VAT No: {v}", 10), (f"ZA{v}", 5)])
    if c == "GB":
        if form == "reg":
            return wc(rng, [(r, 60), (f"CRN {r}", 15), (f"Company No. {r}", 15), (r.lstrip("0") if r[0] == "0" else r, 10)])
        v = t["vat"]
        return wc(rng, [("GB" + v, 40), (f"GB {v[:3]} {v[3:7]} {v[7:]}", 25), (v, 15), (f"{v[:3]} {v[3:7]} {v[7:]}", 10),
                        (f"VAT Reg GB{v}", 5), (f"GB{v[:3]} {v[3:7]} {v[7:]}", 5)])
    if c == "IE":
        if form == "reg":
            return wc(rng, [(r, 60), (f"CRO {r}", 30), (f"CRO No. {r}", 10)])
        v = t["vat"]
        return wc(rng, [("IE" + v, 55), (f"IE {v}", 20), (v, 20), (f"IE-{v}", 5)])
    if c == "SE":
        d = f"{r[:6]}-{r[6:]}"
        if form == "reg":
            return wc(rng, [(d, 65), (r, 25), (f"Org.nr {d}", 10)])
        return wc(rng, [(f"SE{r}01", 65), (f"SE {r} 01", 20), (f"SE{r}-01", 5), (f"SE {d} 01", 10)])
    if c == "NO":
        sp = f"{r[:3]} {r[3:6]} {r[6:]}"
        if form == "reg":
            return wc(rng, [(r, 45), (sp, 35), (f"Org.nr. {sp}", 20)])
        return wc(rng, [(f"NO{r}MVA", 50), (f"NO {sp} MVA", 30), (f"{r} MVA", 20)])
    if c == "DK":
        if form == "reg":
            return wc(rng, [(r, 60), (f"CVR {r}", 25), (f"{r[:2]} {r[2:4]} {r[4:6]} {r[6:]}", 15)])
        return wc(rng, [(f"DK{r}", 70), (f"DK {r[:2]} {r[2:4]} {r[4:6]} {r[6:]}", 20), (f"DK-{r}", 10)])
    if c == "FI":
        if form == "reg":
            return wc(rng, [(f"{r[:7]}-{r[7]}", 80), (f"Y-tunnus {r[:7]}-{r[7]}", 20)])
        return wc(rng, [(f"FI{r}", 80), (f"FI {r}", 20)])
    if c == "DE":
        if form == "reg":
            return wc(rng, [(r, 60), (r + " Amtsgericht", 10), (r.replace(" ", ""), 30)])
        v = t["vat"]
        return wc(rng, [("DE" + v, 70), (f"DE {v}", 20), (f"DE {v[:3]} {v[3:6]} {v[6:]}", 10)])
    if c == "VN":
        return wc(rng, [(r, 70), (f"MST {r}", 15), (f"MST: {r}", 5), (f"{r}-001", 10)])
    return r


# ---------------------------------------------------------------------------
# phones
# ---------------------------------------------------------------------------
CC = {"US": "1", "CA": "1", "GB": "44", "IE": "353", "AU": "61", "NZ": "64", "SG": "65", "IN": "91", "JP": "81",
      "BR": "55", "MX": "52", "ZA": "27", "SE": "46", "NO": "47", "DK": "45", "FI": "358", "DE": "49", "VN": "84"}
TRUNK = {"GB", "IE", "AU", "NZ", "IN", "JP", "BR", "ZA", "SE", "FI", "DE", "VN"}
NSN = {"GB": 10, "IN": 10, "JP": 9, "MX": 10, "NO": 8, "DK": 8}
SUB = {"US": 7, "CA": 7, "IE": 7, "AU": 8, "NZ": 7, "SG": 7, "BR": 8, "ZA": 7, "SE": 7, "FI": 7, "DE": 7, "VN": 8}
MOBILE = {"GB": (["7400", "7700", "7800", "7900", "7500"], 6), "IE": (["83", "85", "86", "87"], 7),
          "AU": (["400", "410", "412", "420", "430"], 6), "NZ": (["21", "22", "27"], 7), "IN": (["98", "99", "97", "90"], 8),
          "JP": (["90", "80", "70"], 8), "ZA": (["82", "83", "72", "79"], 7), "SG": (["9", "8"], 7),
          "SE": (["70", "72", "73", "76"], 7), "DE": (["151", "160", "170", "176"], 8)}
TOLLFREE = {"US": ["800", "888", "877", "866"], "CA": ["800", "888", "877", "855"], "AU": ["1300", "1800"],
            "NZ": ["800"], "GB": ["800", "808"], "IN": ["1800"], "JP": ["120"], "ZA": ["800", "860"],
            "BR": ["800"], "MX": ["800"], "IE": ["1800"]}


def make_phone(rng, c, area, kind="land"):
    """returns dict(c, area, sub, kind). area includes no trunk prefix."""
    if kind == "mobile" and c == "BR":
        return dict(c=c, area=area, sub="9" + rng.choice("6789") + digits(rng, 7), kind=kind)
    if kind == "mobile" and c in MOBILE:
        pres, n = MOBILE[c]
        pre = rng.choice(pres)
        return dict(c=c, area=pre, sub=rng.choice("123456789") + digits(rng, n - 1), kind=kind)
    if kind == "toll" and c in TOLLFREE:
        a = rng.choice(TOLLFREE[c])
        n = {"AU": 6, "NZ": 6, "JP": 6, "ZA": 6, "IE": 6, "GB": 7, "IN": 7, "BR": 7}.get(c, 7)
        return dict(c=c, area=a, sub=rng.choice("23456789") + digits(rng, n - 1), kind="toll")
    kind = "land"
    if c in ("NO", "DK"):
        return dict(c=c, area=area, sub=digits(rng, 8 - len(area)), kind=kind)
    if c == "SG":
        return dict(c=c, area="6", sub=digits(rng, 7), kind=kind)
    n = NSN[c] - len(area) if c in NSN else SUB.get(c, 7)
    first = rng.choice("23456789")
    return dict(c=c, area=area, sub=first + digits(rng, n - 1), kind=kind)


def _grp(s, sep=" "):
    n = len(s)
    if n <= 4:
        return s
    if n == 5:
        return s
    if n == 6:
        return s[:3] + sep + s[3:]
    if n == 7:
        return s[:3] + sep + s[3:]
    if n == 8:
        return s[:4] + sep + s[4:]
    if n == 9:
        return s[:3] + sep + s[3:6] + sep + s[6:]
    return s[:4] + sep + s[4:]


def e164(p):
    return "+" + CC[p["c"]] + p["area"] + p["sub"]


def fmt_phone(rng, p, intl_bias=0.3):
    c, a, s = p["c"], p["area"], p["sub"]
    cc = CC[c]
    if p["kind"] == "toll":
        if c in ("US", "CA"):
            return wc(rng, [(f"1-{a}-{s[:3]}-{s[3:]}", 40), (f"({a}) {s[:3]}-{s[3:]}", 20), (f"{a}-{s[:3]}-{s[3:]}", 25),
                            (f"+1 {a} {s[:3]} {s[3:]}", 15)])
        if c == "AU":
            return wc(rng, [(f"{a} {s[:3]} {s[3:]}", 70), (a + s, 20), (f"{a}-{s[:3]}-{s[3:]}", 10)])
        if c in ("IN", "IE"):
            return wc(rng, [(f"{a} {_grp(s)}", 60), (f"{a}-{s}", 20), (a + s, 20)])
        if c == "JP":
            return wc(rng, [(f"0{a}-{s[:3]}-{s[3:]}", 80), (f"0{a}{s}", 20)])
        if c == "MX":
            return wc(rng, [(f"800 {s[:3]} {s[3:]}", 50), (f"01 800 {s[:3]} {s[3:]}", 30), (f"+52 800 {s[:3]} {s[3:]}", 20)])
        return wc(rng, [(f"0{a} {_grp(s)}", 75), (f"0{a}{s}", 25)])
    if c in ("US", "CA"):
        x, y = s[:3], s[3:]
        return wc(rng, [(f"({a}) {x}-{y}", 30), (f"{a}-{x}-{y}", 25), (f"{a}.{x}.{y}", 8), (f"+1 {a} {x} {y}", 10 * intl_bias / 0.3),
                        (f"+1 ({a}) {x}-{y}", 5), (f"1-{a}-{x}-{y}", 8), (a + s, 6), (f"+1{a}{s}", 5), (f"+1-{a}-{x}-{y}", 3)])
    if c in ("NO", "DK"):
        full = a + s
        g = " ".join(full[i:i + 2] for i in range(0, 8, 2))
        return wc(rng, [(g, 40), (f"+{cc} {g}", 30 * intl_bias / 0.3), (full, 10), (f"+{cc} {full}", 10), (f"+{cc}{full}", 10)])
    if c == "SG":
        full = a + s
        return wc(rng, [(f"{full[:4]} {full[4:]}", 35), (f"+65 {full[:4]} {full[4:]}", 35 * intl_bias / 0.3),
                        (f"+65-{full[:4]}-{full[4:]}", 10), (f"(65) {full}", 10), (f"+65{full}", 10)])
    if c == "JP":
        if p["kind"] == "mobile":
            x, y = s[:4], s[4:]
            return wc(rng, [(f"0{a}-{x}-{y}", 60), (f"+81-{a}-{x}-{y}", 20), (f"+81 {a} {x} {y}", 20)])
        if len(s) == 8:
            x, y = s[:4], s[4:]
        else:
            x, y = s[:3], s[3:]
        return wc(rng, [(f"0{a}-{x}-{y}", 55), (f"+81-{a}-{x}-{y}", 15), (f"+81 {a} {x} {y}", 10), (f"(0{a}){x}-{y}", 10),
                        (f"0{a}{x}{y}", 10)])
    if c == "BR":
        x, y = s[:-4], s[-4:]
        return wc(rng, [(f"({a}) {x}-{y}", 45), (f"+55 {a} {x}-{y}", 20), (f"+55 ({a}) {x}-{y}", 10), (f"{a} {x} {y}", 10),
                        (f"(0{a}) {x}-{y}", 7), (f"0xx{a} {x}-{y}", 3), (a + s, 5)])
    if c == "MX":
        g = _grp(s)
        return wc(rng, [(f"{a} {g}", 25), (f"+52 {a} {g}", 25), (f"({a}) {_grp(s, '-')}", 20), (f"01 {a} {g}", 10),
                        (f"+52 ({a}) {g}", 10), (a + s, 10)])
    if c == "IN" and p["kind"] == "mobile":
        full = a + s
        return wc(rng, [(f"+91 {full[:5]} {full[5:]}", 40), (f"+91-{full}", 15), (full, 25), (f"0{full[:5]} {full[5:]}", 10),
                       (f"+91 {full}", 10)])
    # generic trunk-prefix countries
    g = _grp(s)
    if c == "DE":
        return wc(rng, [(f"0{a} {g}", 30), (f"+49 {a} {g}", 30), (f"0{a}/{s}", 15), (f"+49 (0){a} {g}", 15), (f"+49{a}{s}", 10)])
    if c == "SE":
        g = f"{s[:3]} {s[3:5]} {s[5:]}" if len(s) == 7 else g
        return wc(rng, [(f"0{a}-{g}", 40), (f"+46 {a} {g}", 30), (f"0{a} {s}", 15), (f"+46{a}{s}", 15)])
    return wc(rng, [(f"0{a} {g}", 35), (f"+{cc} {a} {g}", 30 * intl_bias / 0.3), (f"(0{a}) {g}", 10), (f"+{cc} (0){a} {g}", 8),
                    (f"0{a}-{s}", 7), (f"0{a}{s}", 5), (f"+{cc}{a}{s}", 5)])


def vanity(rng, p, word):
    return f"1-{p['area']}-{word}" if p["c"] in ("US", "CA") else None


def fmt_ext(rng):
    n = str(rng.choice([rng.randint(10, 99), rng.randint(100, 999), rng.randint(1000, 9999)]))
    return wc(rng, [(f" x{n}", 30), (f" ext. {n}", 25), (f" Ext {n}", 15), (f" ext {n}", 10), (f" #{n}", 5),
                    (f",{n}", 5), (f" (ext. {n})", 5), (f" x.{n}", 5)])


# ---------------------------------------------------------------------------
# postal codes
# ---------------------------------------------------------------------------
def make_postal(rng, c, city, ward=None):
    pre = rng.choice(city["post"]) if city["post"] else ""
    L = "ABCEGHJKLMNPRSTVWXYZ"
    if c == "US":
        return pre + digits(rng, 2) + "-" + digits(rng, 4)
    if c == "CA":
        return pre + " " + rng.choice("0123456789") + rng.choice(L) + rng.choice("0123456789")
    if c == "GB":
        return pre + " " + rng.choice("123456789") + rng.choice("ABDEFGHJLNPQRSTUWXYZ") + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
    if c == "IE":
        return pre + " " + "".join(rng.choice("ACDEFHKNPRTVWXY0123456789") for _ in range(4))
    if c in ("AU", "NZ", "ZA", "NO", "DK"):
        return pre
    if c == "SG":
        return pre + digits(rng, 4)
    if c == "IN":
        return pre + digits(rng, 6 - len(pre))
    if c == "JP":
        return ward[1] + "-" + digits(rng, 4)
    if c == "BR":
        return pre + "-" + digits(rng, 3)
    if c in ("MX", "FI", "DE"):
        return pre
    if c == "SE":
        return pre + " " + digits(rng, 2)
    return pre


def render_postal(rng, c, pc, lose_zero):
    """lose_zero: probability of a spreadsheet having eaten leading zeros"""
    if not pc:
        return ""
    if c == "US":
        z5, p4 = pc.split("-")
        v = wc(rng, [(z5, 62), (pc, 30), (z5 + p4, 3), (z5 + " " + p4, 5)])
        if z5.startswith("0") and rng.random() < lose_zero:
            v = v.lstrip("0")
        return v
    if c in ("CA", "GB", "IE"):
        return wc(rng, [(pc, 70), (pc.replace(" ", ""), 20), (pc.lower(), 5), (pc.replace(" ", "").lower(), 5)])
    if c == "SE":
        return wc(rng, [(pc, 60), (pc.replace(" ", ""), 30), ("SE-" + pc, 10)])
    if c == "JP":
        return wc(rng, [(pc, 65), (pc.replace("-", ""), 20), ("〒" + pc, 10), ("〒 " + pc, 5)])
    if c == "BR":
        v = wc(rng, [(pc, 65), (pc.replace("-", ""), 25), ("CEP " + pc, 10)])
    elif c == "MX":
        v = wc(rng, [(pc, 70), ("C.P. " + pc, 20), ("CP " + pc, 10)])
    elif c == "IN":
        v = wc(rng, [(pc, 75), (pc[:3] + " " + pc[3:], 20), (pc[:3] + "-" + pc[3:], 5)])
    elif c == "SG":
        v = wc(rng, [(pc, 75), ("S" + pc, 10), ("Singapore " + pc, 15)])
    elif c in ("NO", "DK", "FI", "DE"):
        pref = {"NO": ["N-", "NO-"], "DK": ["DK-"], "FI": ["FI-", "SF-"], "DE": ["D-", "DE-"]}[c]
        v = wc(rng, [(pc, 85), (rng.choice(pref) + pc, 15)])
    else:
        v = pc
    if rng.random() < lose_zero and v and v[0] == "0":
        v = v.lstrip("0")
    return v


# ---------------------------------------------------------------------------
# street addresses: canonical structure + renderings
# ---------------------------------------------------------------------------
def ordinal(n):
    suf = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suf}"


def make_addr(rng, c, city, lang):
    a = dict(c=c, lang=lang)
    if c == "JP":
        w = rng.choice(city["wards"])
        a.update(ward=w, district=rng.choice(w[2]), chome=rng.randint(1, 6), ban=rng.randint(1, 20), go=rng.randint(1, 15),
                 bldg=rng.choice(H.JP_BLDG) if rng.random() < 0.45 else None, floor=rng.randint(2, 30))
    elif c == "CA" and lang == "fr":
        a.update(num=rng.randint(10, 9999), st=rng.choice(H.STREETS["QC"]),
                 dir=wc(rng, [(None, 6), ("Ouest", 2), ("Est", 2)]), unit=rng.randint(100, 2400) if rng.random() < 0.5 else None)
    elif c in ("US", "CA"):
        a.update(num=rng.randint(1, 9999), dir=rng.randrange(4) if rng.random() < 0.2 else None,
                 street=rng.choice(H.STREETS["US"]), st=rng.randrange(len(H.ST_TYPES["US"])),
                 unit=rng.choice([rng.randint(100, 2900), rng.randint(1, 99)]) if rng.random() < 0.4 else None,
                 ukind=wc(rng, [("Suite", 8), ("Floor", 1), ("Unit", 1)]))
        if a["ukind"] == "Floor" and a["unit"]:
            a["unit"] = rng.randint(2, 40)
        if c == "CA" and a["dir"] is not None:
            a["dir"] = rng.choice([2, 3])
    elif c in ("GB", "IE"):
        a.update(num=rng.randint(1, 250), street=rng.choice(H.STREETS["GB"]), st=rng.randrange(len(H.ST_TYPES["GB"])),
                 park=rng.choice(H.GB_PARKS) if rng.random() < 0.25 else None, unitnum=rng.randint(1, 40))
    elif c in ("AU", "NZ"):
        a.update(num=rng.randint(1, 600), street=rng.choice(H.STREETS["AU"]), st=rng.randrange(len(H.ST_TYPES["AU"])),
                 level=rng.randint(1, 40) if rng.random() < 0.45 else None, suite=rng.randint(1, 20) if rng.random() < 0.25 else None)
    elif c == "ZA":
        a.update(num=rng.randint(1, 400), street=rng.choice(H.STREETS["ZA"]), st=rng.randrange(len(H.ST_TYPES["ZA"])),
                 park=rng.choice(H.ZA_PARKS) if rng.random() < 0.3 else None, unitnum=rng.randint(1, 30),
                 loc=rng.choice(city["loc"]) if city["loc"] else None)
    elif c == "SG":
        a.update(num=rng.randint(1, 300), street=rng.choice(H.STREETS["SG"]), floor=rng.randint(1, 40), unit=rng.randint(1, 99),
                 blk=rng.random() < 0.3)
    elif c == "IN":
        a.update(plot=rng.randint(1, 400), road=rng.choice(H.STREETS["IN"]), loc=rng.choice(city["loc"]),
                 floor=rng.randint(1, 12) if rng.random() < 0.5 else None, office=rng.randint(101, 1299))
    elif c in ("BR", "MX"):
        a.update(st=rng.choice(H.STREETS[c]), num=rng.randint(10, 4999), compl=rng.randint(1, 200) if rng.random() < 0.55 else None,
                 loc=rng.choice(city["loc"]) if city["loc"] else None)
    elif c == "VN":
        a.update(num=rng.randint(1, 400), st=rng.choice(H.STREETS["VN"]), loc=rng.choice(city["loc"]))
    else:
        a.update(street=rng.choice(H.STREETS.get(c, H.STREETS["DE"])), num=rng.randint(1, 120),
                 letter=rng.choice("ABC") if rng.random() < 0.1 else "")
    return a


_NORDIC_ABBR = [("gatan", "g."), ("vägen", "v."), ("gate", "gt."), ("gata", "gt."), ("veien", "vn."), ("straße", "str."),
                ("katu", "k."), ("vej", "vej"), ("gade", "g.")]


def render_addr(rng, a):
    c = a["c"]
    if c == "JP":
        w = a["ward"]
        cbg = f"{a['chome']}-{a['ban']}-{a['go']}"
        bl = f"{a['bldg']} {a['floor']}F" if a["bldg"] else None
        opts = [(f"{cbg} {a['district']}, {w[0]}", 30), (f"{a['district']} {cbg}, {w[0]}", 20),
                (f"{a['district']} {a['chome']}-chome {a['ban']}-{a['go']}", 15), (f"{a['chome']}-chome-{a['ban']}-{a['go']} {a['district']}", 10)]
        s = wc(rng, opts)
        if bl:
            s = wc(rng, [(f"{bl}, {s}", 40), (f"{s} {bl}", 30), (s, 30)])
        return s
    if c == "CA" and a["lang"] == "fr":
        kind, name = a["st"]
        d = a["dir"]
        if rng.random() < 0.2:  # anglicised rendering
            typ = {"rue": "St.", "boulevard": "Blvd", "avenue": "Ave", "chemin": "Ch."}[kind]
            nm = name.replace("de la ", "").replace("du ", "").replace("des ", "")
            s = f"{a['num']} {nm} {typ}" + (f" {'W' if d == 'Ouest' else 'E'}" if d else "")
            return s + (f", Suite {a['unit']}" if a["unit"] else "")
        k2 = wc(rng, [(kind, 6), ({"rue": "rue", "boulevard": "boul.", "avenue": "av.", "chemin": "ch."}[kind], 3),
                      (kind.capitalize(), 1)])
        dd = "" if not d else " " + wc(rng, [(d, 6), (d[0] + ".", 3), (d[0], 1)])
        body = f"{a['num']}{wc(rng, [(',', 5), ('', 5)])} {k2} {name}{dd}"
        if a["unit"]:
            body = wc(rng, [(f"{body}, bureau {a['unit']}", 45), (f"{a['unit']}-{body.replace(',', '')}", 30),
                            (f"{body} bur. {a['unit']}", 15), (f"{body}, suite {a['unit']}", 10)])
        return body
    if c in ("US", "CA"):
        full, abbrs = H.ST_TYPES["US"][a["st"]]
        typ = wc(rng, [(full, 4), (abbrs[0], 5)] + [(x, 2) for x in abbrs[1:]])
        s = f"{a['num']} "
        if a["dir"] is not None:
            dfull, dab = H.DIRS[a["dir"]]
            if c == "CA":
                s += f"{a['street']} {typ} " + wc(rng, [(dfull, 4), (dab, 6)])
            else:
                s += wc(rng, [(dfull, 4), (dab, 5), (dab + ".", 1)]) + f" {a['street']} {typ}"
        else:
            s += f"{a['street']} {typ}"
        if a["unit"]:
            u = a["unit"]
            if a["ukind"] == "Suite":
                us = wc(rng, [(f"Suite {u}", 35), (f"Ste {u}", 25), (f"Ste. {u}", 10), (f"#{u}", 15), (f"Suite #{u}", 5), (f"STE {u}", 5)])
            elif a["ukind"] == "Floor":
                us = wc(rng, [(f"Floor {u}", 4), (f"{ordinal(u)} Floor", 4), (f"Fl {u}", 2)])
            else:
                us = wc(rng, [(f"Unit {u}", 6), (f"#{u}", 4)])
            if c == "CA" and rng.random() < 0.3 and a["ukind"] != "Floor":
                return f"{u}-{s}"
            s = wc(rng, [(f"{s}, {us}", 60), (f"{s} {us}", 30), (f"{us}, {s}", 10)])
        return s
    if c in ("GB", "IE"):
        full, abbrs = H.ST_TYPES["GB"][a["st"]]
        typ = wc(rng, [(full, 7), (abbrs[0], 3)])
        s = f"{a['num']} {a['street']} {typ}"
        if a["park"]:
            s = wc(rng, [(f"Unit {a['unitnum']}, {a['park']}, {s}", 40), (f"Unit {a['unitnum']} {a['park']}", 25),
                         (f"{a['unitnum']} {a['park']}, {a['street']} {typ}", 15), (s, 20)])
        return s
    if c in ("AU", "NZ"):
        full, abbrs = H.ST_TYPES["AU"][a["st"]]
        typ = wc(rng, [(full, 5), (abbrs[0], 5)])
        s = f"{a['num']} {a['street']} {typ}"
        if a["suite"]:
            s = wc(rng, [(f"Suite {a['suite']}, {s}", 5), (f"{a['suite']}/{s}", 4), (f"Unit {a['suite']}, {s}", 1)])
        if a["level"]:
            L = a["level"]
            s = wc(rng, [(f"Level {L}, {s}", 50), (f"L{L}, {s}", 20), (f"Level {L} {s}", 15), (f"L{L} {s}", 10), (s, 5)])
        return s
    if c == "ZA":
        full, abbrs = H.ST_TYPES["ZA"][a["st"]]
        typ = wc(rng, [(full, 5), (abbrs[0], 5)])
        s = f"{a['num']} {a['street']} {typ}"
        if a["park"]:
            s = wc(rng, [(f"Unit {a['unitnum']}, {a['park']}, {s}", 5), (f"{a['park']}, {s}", 3), (f"Block {'ABCD'[a['unitnum'] % 4]}, {a['park']}", 2)])
        if a["loc"] and rng.random() < 0.5:
            s += f", {a['loc']}"
        return s
    if c == "SG":
        u = f"#{a['floor']:02d}-{a['unit']:02d}"
        st = a["street"]
        pre = wc(rng, [("Blk ", 6), ("Block ", 2), ("", 2)]) if a["blk"] else ""
        return wc(rng, [(f"{pre}{a['num']} {st}, {u}", 50), (f"{pre}{a['num']} {st} {u}", 25), (f"{u}, {pre}{a['num']} {st}", 15),
                        (f"{pre}{a['num']} {st}", 10)])
    if c == "IN":
        pl = wc(rng, [(f"Plot No. {a['plot']}", 4), (f"Plot {a['plot']}", 2), (f"{a['plot']}", 3), (f"No. {a['plot']}", 1)])
        s = wc(rng, [(f"{pl}, {a['road']}, {a['loc']}", 45), (f"{pl}, {a['loc']}", 25), (f"{pl} {a['road']}", 15), (f"{a['loc']}, {pl}, {a['road']}", 15)])
        if a["floor"]:
            fl = wc(rng, [(f"{ordinal(a['floor'])} Floor", 5), (f"{ordinal(a['floor'])} Flr", 2), (f"Floor {a['floor']}", 1)])
            s = wc(rng, [(f"Office No. {a['office']}, {fl}, {s}", 4), (f"{fl}, {s}", 4), (f"Unit {a['office']}, {s}", 2)])
        return s
    if c == "BR":
        kind, name = a["st"]
        k = wc(rng, [(kind, 5), ({"Avenida": "Av.", "Rua": "R.", "Rodovia": "Rod."}[kind], 5)])
        s = wc(rng, [(f"{k} {name}, {a['num']}", 60), (f"{k} {name} {a['num']}", 25), (f"{k} {name}, nº {a['num']}", 15)])
        if a["compl"]:
            s += wc(rng, [(f" - Conj. {a['compl']}", 3), (f", conj. {a['compl']}", 2), (f" - Sala {a['compl']}", 3), (f", {a['compl']} andar", 1)])
        if a["loc"] and rng.random() < 0.5:
            s += f" - {a['loc']}"
        return s
    if c == "MX":
        kind, name = a["st"]
        k = wc(rng, [(kind, 4), ({"Avenida": "Av.", "Calle": "C.", "Boulevard": "Blvd.", "Calzada": "Calz."}[kind], 4), ("", 2)])
        nm = f"{k} {name}".strip()
        s = wc(rng, [(f"{nm} {a['num']}", 45), (f"{nm} No. {a['num']}", 25), (f"{nm} #{a['num']}", 20), (f"{nm} Núm. {a['num']}", 10)])
        if a["compl"]:
            s += wc(rng, [(f", Piso {a['compl'] % 30 + 1}", 4), (f" Int. {a['compl']}", 4), (f" Desp. {a['compl']}", 2)])
        if a["loc"] and rng.random() < 0.6:
            s += f", {a['loc']}"
        return s
    if c == "VN":
        vi, asc = a["st"]
        q = a["loc"]
        if rng.random() < 0.4:
            dist = strip_acc(q).replace("Quan ", "District ")
            return f"{a['num']} {asc} Street, {dist}"
        return wc(rng, [(f"{a['num']} {vi}, {q}", 6), (f"Số {a['num']} {vi}, {q}", 2), (f"{a['num']} {vi}", 2)])
    s = f"{a['street']} {a['num']}{a['letter']}"
    if rng.random() < 0.25:
        for full, ab in _NORDIC_ABBR:
            if full in a["street"]:
                s = f"{a['street'].replace(full, ab)} {a['num']}{a['letter']}"
                break
    if c == "DE" and "straße" in s and rng.random() < 0.3:
        s = s.replace("straße", "strasse")
    return s
