"""National tax / registry identifiers with (mostly) valid check digits, and their
export forms.  Families:

  vat   - VAT / GST / sales-tax registration (often prefixed with the country code)
  reg   - a registry number that the VAT number contains or is derived from
          (FR SIREN/SIRET, IN PAN, AU ACN, CA BN root, SE org.nr, CZ ICO, DK CVR,
          BE enterprise number, IT codice fiscale = P.IVA, ES CIF, PT NIPC, CH UID)
  other - a registry number from a different numbering (DE HRB, AT FN, GB CRN,
          IE CRO, NL KvK): not comparable with the VAT number.
"""

D = "0123456789"
U = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digits(rng, n, first_nonzero=False):
    if first_nonzero:
        return str(10 ** (n - 1) + int(rng.random() * 9 * 10 ** (n - 1)))
    return "%0*d" % (n, int(rng.random() * 10 ** n))


def luhn_digit(payload):
    """Digit to append so that payload+digit passes Luhn."""
    total = 0
    dbl = True
    for ch in reversed(payload):
        d = ord(ch) - 48
        if dbl:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        dbl = not dbl
    return str((10 - total % 10) % 10)


def luhn_ok(s):
    total = 0
    dbl = False
    for ch in reversed(s):
        d = ord(ch) - 48
        if dbl:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        dbl = not dbl
    return total % 10 == 0


def de_check(p8):
    product = 10
    for ch in p8:
        s = (int(ch) + product) % 10
        if s == 0:
            s = 10
        product = (2 * s) % 11
    c = 11 - product
    return "0" if c == 10 else str(c % 10)


def at_check(p7):
    s = 0
    for i, ch in enumerate(p7):
        d = int(ch)
        if i % 2 == 0:
            s += d
        else:
            d2 = 2 * d
            s += d2 // 10 + d2 % 10
    return str((10 - (s + 4) % 10) % 10)


def gst_check(p14):
    s = 0
    for i, ch in enumerate(p14):
        v = B36.index(ch)
        prod = v * (1 if i % 2 == 0 else 2)
        s += prod // 36 + prod % 36
    return B36[(36 - s % 36) % 36]


EIN_PREFIXES = [10, 11, 12, 13, 14, 15, 16, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 33, 34, 35, 36, 37, 38,
                39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
                64, 65, 66, 67, 68, 71, 72, 73, 74, 75, 76, 77, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90, 91, 92,
                93, 94, 95, 98, 99]
IN_STATE_GST = {"KA": "29", "MH": "27", "TN": "33", "WB": "19", "DL": "07", "TG": "36", "HR": "06",
                "GJ": "24", "UP": "09", "KL": "32"}


# ---------------------------------------------------------------------------
# generation: returns dict; "key" is the uniqueness key of the company
# ---------------------------------------------------------------------------
def generate(cc, rng, name_initial="X", state=None):
    t = {"cc": cc}
    if cc == "DE":
        while True:
            p = _digits(rng, 8, True)
            t["vat"] = p + de_check(p)
            break
        t["hrb"] = str(rng.randint(1000, 259999))
        t["court_suffix"] = rng.choice(["", "", "", " B", " HH"])
        t["key"] = t["vat"]
    elif cc == "AT":
        p = _digits(rng, 7)
        t["vat"] = p + at_check(p)
        t["fn"] = str(rng.randint(10000, 599999)) + rng.choice("abdfgikmpstvwxyz")
        t["key"] = t["vat"]
    elif cc == "CH":
        while True:
            p = _digits(rng, 8, True)
            s = sum(int(c) * w for c, w in zip(p, (5, 4, 3, 2, 7, 6, 5, 4)))
            r = 11 - s % 11
            if r == 10:
                continue
            t["uid"] = p + ("0" if r == 11 else str(r))
            break
        t["key"] = t["uid"]
    elif cc == "FR":
        p = _digits(rng, 8, True)
        siren = p + luhn_digit(p)
        nic4 = rng.choice(["0001", "0002", "0003", "0004", "0010", "0011", "0012", "0020", "0025", "0031"])
        siret = siren + nic4 + luhn_digit(siren + nic4)
        key = (12 + 3 * (int(siren) % 97)) % 97
        t.update(siren=siren, siret=siret, tva="FR%02d%s" % (key, siren), key=siren)
    elif cc == "BE":
        base = rng.choice("01") + _digits(rng, 7)
        if base[0] == "0" and base[1] == "0":
            base = "04" + base[2:]
        chk = 97 - int(base) % 97
        t["ent"] = base + "%02d" % chk
        t["key"] = t["ent"]
    elif cc == "NL":
        while True:
            p = _digits(rng, 8, True)
            s = sum(int(c) * w for c, w in zip(p, (9, 8, 7, 6, 5, 4, 3, 2)))
            c = s % 11
            if c == 10:
                continue
            t["rsin"] = p + str(c)
            break
        t["btw_suffix"] = "B01" if rng.random() < 0.92 else rng.choice(["B02", "B03"])
        t["kvk"] = _digits(rng, 8, True)
        t["key"] = t["rsin"]
    elif cc == "GB":
        p = _digits(rng, 7, True)
        s = sum(int(c) * w for c, w in zip(p, (8, 7, 6, 5, 4, 3, 2)))
        t["vat"] = p + "%02d" % ((-s) % 97)
        t["crn"] = rng.choice(["0", "0", "1", "SC", "0"]) + _digits(rng, 7)
        if t["crn"].startswith("SC"):
            t["crn"] = t["crn"][:8]
        t["key"] = t["vat"]
    elif cc == "IE":
        p = _digits(rng, 7)
        s = sum(int(c) * w for c, w in zip(p, (8, 7, 6, 5, 4, 3, 2)))
        t["vat"] = p + "WABCDEFGHIJKLMNOPQRSTUV"[s % 23]
        t["cro"] = str(rng.randint(100000, 749999))
        t["key"] = t["vat"]
    elif cc == "US":
        t["ein"] = "%02d" % rng.choice(EIN_PREFIXES) + _digits(rng, 7)
        t["key"] = t["ein"]
    elif cc == "CA":
        p = _digits(rng, 8, True)
        t["bn"] = p + luhn_digit(p)
        t["prog"] = rng.choice(["RT0001", "RT0001", "RT0001", "RT0002", "RC0001"])
        t["key"] = t["bn"]
    elif cc == "IN":
        ini = name_initial.upper() if name_initial.isalpha() and name_initial.upper() in U else rng.choice(U)
        pan = "".join(rng.choice(U) for _ in range(3)) + "C" + ini + _digits(rng, 4) + rng.choice(U)
        home = IN_STATE_GST.get(state or "", "29")
        states = [home]
        if rng.random() < 0.35:
            other = rng.choice([v for v in IN_STATE_GST.values() if v != home])
            states.append(other)
        gstins = []
        for sc in states:
            p14 = sc + pan + rng.choice("1112") + "Z"
            gstins.append(p14 + gst_check(p14))
        t.update(pan=pan, gstins=gstins, key=pan)
    elif cc == "AU":
        p = _digits(rng, 8)
        s = sum(int(c) * w for c, w in zip(p, (8, 7, 6, 5, 4, 3, 2, 1)))
        acn = p + str((10 - s % 10) % 10)
        # ABN = 2 check digits + ACN; weights 10,1,3,...,19 with 1 subtracted from first digit
        wts = (3, 5, 7, 9, 11, 13, 15, 17, 19)
        srest = sum(int(c) * ww for c, ww in zip(acn, wts))
        v = (-srest) % 89                    # = 10*(a-1) + b
        a, b = v // 10 + 1, v % 10
        t.update(acn=acn, abn="%d%d%s" % (a, b, acn), key=acn)
    elif cc == "ES":
        letter = rng.choice("BBBBA")
        p = _digits(rng, 7)
        even = int(p[1]) + int(p[3]) + int(p[5])
        odd = 0
        for i in (0, 2, 4, 6):
            d2 = 2 * int(p[i])
            odd += d2 // 10 + d2 % 10
        t["cif"] = letter + p + str((10 - (even + odd) % 10) % 10)
        t["key"] = t["cif"]
    elif cc == "IT":
        p = _digits(rng, 7) + "%03d" % rng.choice(list(range(1, 101)) + [120, 121])
        t["piva"] = p + luhn_digit(p)
        t["key"] = t["piva"]
    elif cc == "PT":
        p = rng.choice(["50", "51", "50", "509", "513", "514"])
        p = (p + _digits(rng, 8))[:8]
        s = sum(int(c) * w for c, w in zip(p, (9, 8, 7, 6, 5, 4, 3, 2)))
        r = s % 11
        t["nipc"] = p + ("0" if r < 2 else str(11 - r))
        t["key"] = t["nipc"]
    elif cc == "CZ":
        p = _digits(rng, 7)
        s = sum(int(c) * w for c, w in zip(p, (8, 7, 6, 5, 4, 3, 2)))
        t["ico"] = p + str((11 - s % 11) % 10)
        t["key"] = t["ico"]
    elif cc == "DK":
        while True:
            p = _digits(rng, 7, True)
            s = sum(int(c) * w for c, w in zip(p, (2, 7, 6, 5, 4, 3, 2)))
            d8 = (-s) % 11
            if d8 == 10:
                continue
            t["cvr"] = p + str(d8)
            break
        t["key"] = t["cvr"]
    elif cc == "SE":
        p = "55" + rng.choice("6789") + _digits(rng, 6)
        t["org"] = p + luhn_digit(p)
        t["key"] = t["org"]
    else:
        raise ValueError(cc)
    return t


# ---------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------
def _g(s, *sizes):
    out, i = [], 0
    for n in sizes:
        out.append(s[i:i + n])
        i += n
    if i < len(s):
        out.append(s[i:])
    return out


def _forms(cc, t, fam, rng):
    """List of candidate strings for family fam (first = most common)."""
    if cc == "DE":
        v = t["vat"]
        if fam == "vat":
            return ["DE" + v, "DE" + v, "DE " + v, "DE " + " ".join(_g(v, 3, 3, 3)), v, "DE-" + v,
                    "USt-IdNr. DE" + v, "USt-ID: DE" + v]
        return ["HRB " + t["hrb"] + t["court_suffix"], "HRB" + t["hrb"], "Amtsgericht HRB " + t["hrb"]]
    if cc == "AT":
        v = t["vat"]
        if fam == "vat":
            return ["ATU" + v, "ATU" + v, "ATU " + v, "AT U" + v, "U" + v, "ATU " + " ".join(_g(v, 4, 4))]
        return ["FN " + t["fn"], "FN" + t["fn"], "Firmenbuch FN " + t["fn"]]
    if cc == "CH":
        u = t["uid"]
        dotted = ".".join(_g(u, 3, 3, 3))
        if fam == "vat":
            return ["CHE-" + dotted + " MWST", "CHE-" + dotted + " TVA", "CHE" + u + "MWST", "CHE-" + dotted + " MWST"]
        return ["CHE-" + dotted, "CHE-" + dotted, "CHE" + u, "CHE " + " ".join(_g(u, 3, 3, 3)), "UID CHE-" + dotted]
    if cc == "FR":
        s = t["siren"]
        if fam == "vat":
            tv = t["tva"]
            return [tv, tv, "FR " + tv[2:4] + " " + s, tv[:4] + " " + " ".join(_g(s, 3, 3, 3)), "TVA " + tv]
        if fam == "reg":
            return [s, " ".join(_g(s, 3, 3, 3)), "SIREN " + s, "SIREN: " + " ".join(_g(s, 3, 3, 3))]
        st = t["siret"]
        return [st, " ".join(_g(st, 3, 3, 3, 5)), "SIRET " + st, "SIRET: " + " ".join(_g(st[:9], 3, 3, 3)) + " " + st[9:]]
    if cc == "BE":
        e = t["ent"]
        dotted = ".".join(_g(e, 4, 3, 3))
        if fam == "vat":
            return ["BE" + e, "BE" + e, "BE " + dotted, "BE" + dotted, "BE " + e, "TVA BE " + dotted]
        return [dotted, e, "BCE " + dotted, "KBO " + dotted, "Ondernemingsnr. " + dotted]
    if cc == "NL":
        r = t["rsin"]
        sfx = t["btw_suffix"]
        if fam == "vat":
            return ["NL" + r + sfx, "NL" + r + sfx, "NL " + r + " " + sfx, "NL" + ".".join(_g(r, 4, 2, 3)) + "." + sfx,
                    "NL" + r + sfx.lower(), "BTW NL" + r + sfx]
        if fam == "reg":
            return [r, "RSIN " + r, " ".join(_g(r, 4, 2, 3))]
        return ["KvK " + t["kvk"], t["kvk"], "KvK-nr " + t["kvk"], "KVK: " + t["kvk"]]
    if cc == "GB":
        v = t["vat"]
        sp = " ".join(_g(v, 3, 4, 2))
        if fam == "vat":
            return ["GB" + v, "GB" + sp, "GB " + sp, sp, v, "GB " + v, "VAT Reg No. GB" + sp]
        return [t["crn"], "Company No. " + t["crn"], "CRN " + t["crn"], "Reg. No. " + t["crn"]]
    if cc == "IE":
        v = t["vat"]
        if fam == "vat":
            return ["IE" + v, "IE" + v, "IE " + v, v, "IE" + v[:7] + " " + v[7:]]
        return ["CRO " + t["cro"], t["cro"], "CRO No. " + t["cro"]]
    if cc == "US":
        e = t["ein"]
        d = e[:2] + "-" + e[2:]
        return [d, d, e, "EIN: " + d, "Tax ID " + e, "FEIN " + d, "EIN " + d, "TIN " + d]
    if cc == "CA":
        b, pr = t["bn"], t["prog"]
        if fam == "vat":
            return [b + pr, b + " " + pr, b + " " + pr[:2] + " " + pr[2:], "GST/HST " + b + pr, "BN " + b + pr]
        return [b, "BN " + b, " ".join(_g(b, 3, 3, 3)), "Business No. " + b]
    if cc == "IN":
        if fam == "vat":
            g = t["gstins"][0] if (len(t["gstins"]) == 1 or rng.random() < 0.6) else t["gstins"][1]
            return [g, g, "GSTIN: " + g, "GST " + g, "GSTIN " + g, g.lower()]
        p = t["pan"]
        return [p, p, "PAN: " + p, "PAN " + p, p.lower()]
    if cc == "AU":
        if fam == "vat":
            a = t["abn"]
            sp = " ".join(_g(a, 2, 3, 3, 3))
            return [sp, sp, a, "ABN " + sp, "ABN: " + a, "ABN " + a]
        c = t["acn"]
        sp = " ".join(_g(c, 3, 3, 3))
        return [sp, "ACN " + sp, c, "ACN: " + c]
    if cc == "ES":
        c = t["cif"]
        if fam == "vat":
            return ["ES" + c, "ES" + c, "ES " + c, "ES-" + c, "ES" + c[0] + "-" + c[1:]]
        return [c, c, c[0] + "-" + c[1:], "CIF " + c, "CIF: " + c[0] + "-" + c[1:], "NIF " + c, c[0] + c[1:3] + "." + c[3:6] + "." + c[6:]]
    if cc == "IT":
        p = t["piva"]
        if fam == "vat":
            return ["IT" + p, "IT" + p, "IT " + p, "IT-" + p, "P.IVA IT" + p]
        return [p, p, "P.IVA " + p, "P. IVA: " + p, "C.F. " + p, "Cod. Fisc. " + p]
    if cc == "PT":
        n = t["nipc"]
        if fam == "vat":
            return ["PT" + n, "PT" + n, "PT " + n, "PT " + " ".join(_g(n, 3, 3, 3))]
        return [n, n, " ".join(_g(n, 3, 3, 3)), "NIPC " + n, "NIF " + n]
    if cc == "CZ":
        i = t["ico"]
        if fam == "vat":
            return ["CZ" + i, "CZ" + i, "CZ " + i, "DIČ: CZ" + i, "DIČ CZ" + i]
        return [i, i, "IČO " + i, "IČ: " + i, "IČO: " + " ".join(_g(i, 3, 2, 3))]
    if cc == "DK":
        c = t["cvr"]
        if fam == "vat":
            return ["DK" + c, "DK" + c, "DK " + " ".join(_g(c, 2, 2, 2, 2)), "DK " + c, "SE-nr. DK" + c]
        return [c, c, "CVR " + c, "CVR-nr. " + c, " ".join(_g(c, 2, 2, 2, 2)), "CVR: " + c]
    if cc == "SE":
        o = t["org"]
        if fam == "vat":
            return ["SE" + o + "01", "SE" + o + "01", "SE " + o + " 01", "SE" + o[:6] + "-" + o[6:] + "01"]
        dashed = o[:6] + "-" + o[6:]
        return [dashed, dashed, o, "Org.nr " + dashed, "Org.nr. " + dashed]
    raise ValueError(cc)


# Family weights (crm, erp) per country.  Families: vat, reg, siret (FR only), other.
FAMILY_WEIGHTS = {
    "DE": {"vat": (70, 90), "other": (30, 10)},
    "AT": {"vat": (75, 92), "other": (25, 8)},
    "CH": {"vat": (40, 65), "reg": (60, 35)},
    "FR": {"vat": (25, 60), "reg": (40, 15), "siret": (35, 25)},
    "BE": {"vat": (55, 80), "reg": (45, 20)},
    "NL": {"vat": (55, 85), "reg": (5, 5), "other": (40, 10)},
    "GB": {"vat": (60, 88), "other": (40, 12)},
    "IE": {"vat": (65, 88), "other": (35, 12)},
    "US": {"vat": (100, 100)},
    "CA": {"vat": (35, 75), "reg": (65, 25)},
    "IN": {"vat": (40, 90), "reg": (60, 10)},
    "AU": {"vat": (65, 85), "reg": (35, 15)},
    "ES": {"vat": (25, 45), "reg": (75, 55)},
    "IT": {"vat": (45, 65), "reg": (55, 35)},
    "PT": {"vat": (40, 60), "reg": (60, 40)},
    "CZ": {"vat": (35, 60), "reg": (65, 40)},
    "DK": {"vat": (30, 60), "reg": (70, 40)},
    "SE": {"vat": (30, 60), "reg": (70, 40)},
}


def render(t, system, rng):
    """Return (string, family).  system: 'crm' or 'erp'."""
    cc = t["cc"]
    fams = FAMILY_WEIGHTS[cc]
    idx = 0 if system == "crm" else 1
    tot = sum(w[idx] for w in fams.values())
    x = rng.random() * tot
    fam = None
    for f, w in fams.items():
        x -= w[idx]
        if x < 0:
            fam = f
            break
    if fam is None:
        fam = next(iter(fams))
    forms = _forms(cc, t, fam, rng)
    s = forms[0] if rng.random() < 0.55 else rng.choice(forms)
    return s, fam


def typo(s, rng):
    """One-digit typo (substitution or adjacent transposition) in an id string."""
    pos = [i for i, ch in enumerate(s) if ch.isdigit()]
    if len(pos) < 3:
        return s
    if rng.random() < 0.3:
        for _ in range(5):
            k = rng.randrange(len(pos) - 1)
            i, j = pos[k], pos[k + 1]
            if j == i + 1 and s[i] != s[j]:
                return s[:i] + s[j] + s[i] + s[j + 1:]
    i = rng.choice(pos[1:])
    new = rng.choice([d for d in D if d != s[i]])
    return s[:i] + new + s[i + 1:]
