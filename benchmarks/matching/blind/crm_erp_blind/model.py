"""The real-world companies ("entities") behind the two exports."""
import bisect
import zlib

from . import geo, names as N, taxids, textops

GENERIC = {
    "group", "groupe", "grupo", "gruppo", "groep", "gruppe", "gruppen", "holding", "holdings", "international",
    "intl", "services", "service", "company", "co", "corporation", "corp", "partners", "partner", "partnere",
    "associates", "associes", "associados", "asociados", "associati", "the", "and", "und", "et", "y", "e",
    "en", "og", "och", "a", "&", "of", "de", "la", "le", "du", "der", "die", "das", "des", "di", "del", "van",
    "advisory", "capital", "consulting", "ventures", "beratung", "invest", "management", "treuhand", "conseil",
    "gestion", "participations", "partenaires", "advies", "beheer", "investments", "consultancy",
    "consultores", "inversiones", "partecipazioni", "gestioni", "gestao", "participacoes", "radgivning",
    "kapital", "konsult", "enterprises", "d", "l",
}


class HSet:
    """Set of 64-bit fingerprints (deterministic crc32+adler32) - a compact uniqueness register.
    A false positive only causes one more retry, never a wrong truth."""
    __slots__ = ("s",)

    def __init__(self):
        self.s = set()

    @staticmethod
    def _h(k):
        if isinstance(k, tuple):
            k = "\x1f".join(k)
        b = k.encode("utf-8")
        return zlib.crc32(b) | (zlib.adler32(b) << 32)

    def add(self, k):
        self.s.add(self._h(k))

    def __contains__(self, k):
        return self._h(k) in self.s

    def __len__(self):
        return len(self.s)


class WChoice:
    __slots__ = ("items", "cum", "tot")

    def __init__(self, pairs):
        self.items = []
        self.cum = []
        t = 0.0
        for it, w in pairs:
            if w <= 0:
                continue
            t += w
            self.items.append(it)
            self.cum.append(t)
        self.tot = t

    def pick(self, rng):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.tot)]


def _mk_clean_table():
    t = {}
    for cp in range(0x20, 0x80):
        ch = chr(cp)
        if not ch.isalnum():
            t[cp] = " " if ch in "-'/.,&+()" else None
    t[0x20] = " "
    return t


CLEAN = _mk_clean_table()


def name_key(chunks):
    s = textops.translit(" ".join(chunks)).lower().translate(CLEAN)
    toks = [w for w in s.split() if w not in GENERIC]
    toks.sort()
    return " ".join(toks)


class Ent:
    __slots__ = ("eid", "cc", "lang", "city", "district", "industry", "core", "lf", "trading", "compound",
                 "cjoined", "acro", "acro_sys", "kind", "city_chunk", "tax", "addr", "addr2", "moved_sys",
                 "phones", "shared_phone", "domain", "alt_domain", "presence", "ncrm", "nerp", "lag",
                 "lag_type", "created", "contact")

    def __init__(self):
        self.district = None
        self.trading = None
        self.compound = None
        self.cjoined = False
        self.acro = None
        self.acro_sys = None
        self.city_chunk = None
        self.addr2 = None
        self.moved_sys = None
        self.shared_phone = None
        self.domain = None
        self.alt_domain = None
        self.lag = ""
        self.lag_type = ""
        self.lf = None


def _cap(s):
    return s[:1].upper() + s[1:]


class World:
    def __init__(self, cfg, rng):
        self.cfg = cfg
        self.rng = rng
        self.used_names = HSet()
        self.used_dom = HSet()
        self.used_phone = HSet()
        self.used_tax = HSet()
        self.next_eid = 1
        self.next_lag = 1
        self.country_pick = WChoice(geo.COUNTRY_WEIGHTS.items())
        self.city_pick = {cc: WChoice([(c, c["w"]) for c in cl]) for cc, cl in geo.CITIES.items()}
        self.ind_pick = WChoice(N.INDUSTRY_WEIGHTS.items())
        self._lf = {cc: WChoice([((k, v), w) for k, w, v in lst]) for cc, lst in N.LEGAL_FORMS.items()}
        self._lf_fr = {cc: WChoice([((k, v), w) for k, w, v in lst]) for cc, lst in N.LEGAL_FORMS_FR.items()}
        self.lag_pick = WChoice(cfg["lookalike_mix"].items())
        self.street_type = {}
        for lang, sd in geo.STREETS.items():
            if "types" in sd:
                self.street_type[lang] = WChoice([(t, t[1]) for t in sd["types"]])

    # ------------------------------------------------------------------ utils
    def pick_lf(self, e):
        if e.cc in self._lf_fr and e.city["lang"] == "fr":
            return self._lf_fr[e.cc].pick(self.rng)
        return self._lf[e.cc].pick(self.rng)

    def lang_of(self, cc, city):
        return city["lang"] or geo.COUNTRY_LANG[cc]

    def surname(self, lang):
        return self.rng.choice(N.SURNAMES[lang])

    def ind_word(self, lang, ind):
        return self.rng.choice(N.IND_WORDS[lang][ind])

    def brand(self):
        r = self.rng
        return r.choice(N.SYL1) + r.choice(N.SYL2) + r.choice(N.SYL3)

    def free_name(self, key):
        return key not in self.used_names

    # ----------------------------------------------------------------- names
    def gen_core(self, lang, ind, cc):
        """Return (chunks, meta) for a company core name (no legal form)."""
        r = self.rng
        x = r.random()
        meta = {}
        acro_share = self.cfg["ent_acronym_kind"]
        if x < acro_share and lang in ("en", "de", "fr", "it", "es", "in"):
            return self._acro_core(lang, ind, meta)
        x = r.random()
        if x < 0.24:                                        # Surname + industry
            s = self.surname(lang)
            w = self.ind_word(lang, ind)
            if lang in N.IND_FIRST_LANGS and r.random() < 0.6:
                chunks = [w, s]
                meta["kind"] = "ind_first"
            else:
                chunks = [s, w]
                meta["kind"] = "surname_ind"
            if lang in ("en", "in") and r.random() < 0.18:
                chunks.append(r.choice(["International", "Services", "Group", "Company", "Holdings",
                                        "Technologies", "Associates", "Corporation", "Management"]))
        elif x < 0.33:                                      # Two surnames
            s1, s2 = self.surname(lang), self.surname(lang)
            while s2 == s1:
                s2 = self.surname(lang)
            chunks = [s1, "&", s2]
            if r.random() < 0.5:
                chunks.append(r.choice(N.PARTNER_WORDS[lang] + [self.ind_word(lang, ind)]))
            meta["kind"] = "amp"
        elif x < 0.38:                                      # ... & Sons / Brothers / Fratelli
            s = self.surname(lang)
            sons = r.choice(N.SONS[lang])
            if lang in ("it", "es", "pt") and r.random() < 0.6:
                chunks = [sons, s]
            elif lang in ("en", "in") and sons == "Brothers":
                chunks = [s, "Brothers", self.ind_word(lang, ind)]
            else:
                chunks = [s, "&", sons]
            meta["kind"] = "sons"
        elif x < 0.60:                                      # invented brand + industry
            chunks = [self.brand(), self.ind_word(lang, ind)]
            if lang in ("en", "in") and r.random() < 0.15:
                chunks.append(r.choice(["International", "Services", "Systems", "Technologies", "Solutions"]))
            meta["kind"] = "brand"
        elif x < 0.74:                                      # compound-able brand + industry
            if lang in N.COMPOUND_LANGS:
                b = r.choice(N.BRAND_PRE[lang]) + r.choice(N.BRAND_SUF[lang])
                w = self.ind_word(lang, ind)
                chunks = [b, w]
                if " " not in w and "-" not in w:
                    meta["compound"] = 0
                meta["kind"] = "compound"
            elif lang == "en":
                a, b = r.choice(N.BRAND_PRE["en"]), r.choice(N.BRAND_SUF["en"])
                while b == a:
                    b = r.choice(N.BRAND_SUF["en"])
                chunks = [a, b, self.ind_word(lang, ind)]
                meta["compound"] = 0
                meta["kind"] = "twoword"
            else:
                p = r.choice(N.PLACE_WORDS.get(lang, N.PLACE_WORDS["en"]))
                w = self.ind_word(lang, ind)
                chunks = [w, p] if lang in N.IND_FIRST_LANGS and r.random() < 0.5 else [p, w]
                meta["kind"] = "place"
        elif x < 0.86:                                      # place + industry
            p = r.choice(N.PLACE_WORDS.get(lang, N.PLACE_WORDS["en"]) if lang not in N.COMPOUND_LANGS
                         else N.PLACE_WORDS["en"] if lang == "da" else [r.choice(N.BRAND_PRE[lang]) + r.choice(N.BRAND_SUF[lang])])
            w = self.ind_word(lang, ind)
            chunks = [w, p] if lang in N.IND_FIRST_LANGS and r.random() < 0.5 else [p, w]
            meta["kind"] = "place"
        elif x < 0.93:                                      # brand only
            chunks = [self.brand()]
            meta["kind"] = "brandonly"
        else:                                               # surname + brand + industry (long)
            chunks = [self.surname(lang), self.brand(), self.ind_word(lang, ind)]
            meta["kind"] = "long"
        return chunks, meta

    def _acro_core(self, lang, ind, meta):
        r = self.rng
        l1, l2, l3 = N.ACRO_WORDS["en" if lang == "in" else lang]
        w1, w2, w3 = r.choice(l1), r.choice(l2), r.choice(l3)
        if lang == "de" and w2.endswith("s") and r.random() < 0.7:
            full = [w1, w2 + w3.lower()]
            ini = [w1, w2, w3]
        else:
            full = [w1, w2, w3]
            ini = full
        letters = "".join(_initial(w) for w in ini)
        tail = []
        if r.random() < 0.4:
            tail = [self.ind_word(lang, ind)]
        meta["kind"] = "acronym"
        meta["acro"] = [letters] + tail
        return full + tail, meta

    def _unique_core(self, lang, ind, cc):
        for _ in range(30):
            chunks, meta = self.gen_core(lang, ind, cc)
            k = name_key(chunks)
            if k and self.free_name(k):
                if "acro" in meta:
                    ka = "acro:" + meta["acro"][0]
                    if not self.free_name(ka):
                        continue
                    self.used_names.add(ka)
                self.used_names.add(k)
                return chunks, meta
        # fallback: make it unique with an extra invented brand
        while True:
            chunks = [self.brand(), self.brand(), self.ind_word(lang, ind)]
            k = name_key(chunks)
            if self.free_name(k):
                self.used_names.add(k)
                return chunks, {"kind": "brand"}

    def trading_name(self, lang, ind):
        r = self.rng
        for _ in range(30):
            x = r.random()
            if x < 0.45:
                chunks = [self.brand(), self.ind_word(lang, ind)]
            elif x < 0.7 and lang in N.COMPOUND_LANGS:
                chunks = [r.choice(N.BRAND_PRE[lang]) + r.choice(N.BRAND_SUF[lang])]
            elif x < 0.85:
                chunks = [self.brand()]
            else:
                chunks = [r.choice(N.BRAND_PRE["en"]) + r.choice(N.BRAND_SUF["en"]).lower(), self.ind_word(lang, ind)]
            k = name_key(chunks)
            if k and self.free_name(k):
                self.used_names.add(k)
                return chunks
        return None

    # ------------------------------------------------------------- entities
    def new_ent(self, cc=None, city=None, ind=None):
        r = self.rng
        e = Ent()
        e.eid = "E%07d" % self.next_eid
        self.next_eid += 1
        e.cc = cc or self.country_pick.pick(r)
        e.city = city or self.city_pick[e.cc].pick(r)
        e.lang = "in" if e.cc == "IN" else self.lang_of(e.cc, e.city)
        e.industry = ind or self.ind_pick.pick(r)
        e.created = (r.randint(2006, 2025), r.randint(1, 12), r.randint(1, 28))
        return e

    def finish_ent(self, e, domain=True, tax=True, phone=True, addr=True):
        r = self.rng
        cfg = self.cfg
        if tax:
            e.tax = self.gen_tax(e)
        if addr:
            e.addr = self.gen_addr(e.cc, e.city, e.lang)
        if phone:
            e.phones = [self.gen_phone(e.cc, e.city)]
            if r.random() < cfg["ent_mobile"]:
                e.phones.append(self.gen_phone(e.cc, e.city, mobile=True))
        if domain and e.domain is None and r.random() >= cfg["ent_no_website"]:
            e.domain = self.gen_domain(e)
            if e.domain and r.random() < cfg["ent_alt_domain"]:
                e.alt_domain = self.gen_domain(e, alt=True)
        e.contact = (r.choice(N.CONTACT_FIRST), None)
        # presence
        x = r.random()
        if x < cfg["p_both"]:
            e.presence = "both"
        elif x < cfg["p_both"] + cfg["p_crm_only"]:
            e.presence = "crm"
        else:
            e.presence = "erp"
        e.ncrm = e.nerp = 0
        if e.presence in ("both", "crm"):
            e.ncrm = 1
            if r.random() < cfg["crm_dup_rate"]:
                e.ncrm += 2 if r.random() < cfg["crm_dup_extra2"] else 1
        if e.presence in ("both", "erp"):
            e.nerp = 1
            if r.random() < cfg["erp_dup_rate"]:
                e.nerp += 1
        # moved address
        if e.presence == "both" and addr and r.random() < cfg["ent_moved"]:
            city_in_name = e.city_chunk is not None or e.kind in ("public", "franchise")
            if not city_in_name and r.random() < cfg["ent_moved_city"] and len(geo.CITIES[e.cc]) > 1:
                c2 = e.city
                while c2 is e.city:
                    c2 = self.city_pick[e.cc].pick(r)
                e.addr2 = self.gen_addr(e.cc, c2, self.lang_of(e.cc, c2) if e.cc != "IN" else "in")
                if r.random() < 0.3:
                    e.addr2["phone"] = self.gen_phone(e.cc, c2)
            else:
                e.addr2 = self.gen_addr(e.cc, e.city, e.lang)
            e.moved_sys = "crm" if r.random() < 0.5 else "erp"
        return e

    def plain_entity(self):
        r = self.rng
        e = self.new_ent()
        if r.random() < self.cfg["ent_public_kind"] and self.public_core(e):
            pass
        else:
            chunks, meta = self._unique_core(e.lang, e.industry, e.cc)
            e.core = chunks
            e.kind = meta.get("kind", "brand")
            if "compound" in meta:
                e.compound = meta["compound"]
                e.cjoined = r.random() < (0.5 if e.lang in N.COMPOUND_LANGS else 0.2)
            if "acro" in meta:
                e.acro = meta["acro"]
                e.acro_sys = "crm" if r.random() < 0.65 else "erp"
            e.lf = self.pick_lf(e)
            if r.random() < self.cfg["ent_trading_name"]:
                e.trading = self.trading_name(e.lang, e.industry)
        return self.finish_ent(e)

    def public_core(self, e):
        """Public body / hospital / university name; False when all names for this city are taken."""
        r = self.rng
        lang = e.lang if e.lang in N.PUBLIC_TEMPLATES else "en"
        city = e.city["n"]
        for _ in range(4):
            tpl = r.choice(N.PUBLIC_TEMPLATES[lang])
            region = r.choice(N.REGIONS.get(e.cc, ["Central"]))
            s = tpl.replace("{city}", city).replace("{region}", region)
            if e.city["d"] and r.random() < 0.3 and "{city}" in tpl:
                s = s.replace(city, city + "-" + r.choice(e.city["d"]), 1)
            k = name_key([s])
            if self.free_name(k):
                break
        else:
            return False
        self.used_names.add(k)
        e.core = [s]
        if "{city}" in tpl:
            e.city_chunk = (0, city)
        low = tpl.lower()
        if any(w in low for w in ("klinik", "hospital", "hôpital", "ospedal", "ziekenhuis", "medisch", "nemocnice",
                                  "sjukhus", "chu ", "medical", "hospitalier")):
            e.industry = "health"
        elif any(w in low for w in ("univers", "hochschule", "hogeschool", "college")):
            e.industry = "education"
        elif "sparkasse" in low:
            e.industry = "bank"
        elif any(w in low for w in ("stadtwerke", "water")):
            e.industry = "energy"
        else:
            e.industry = "public"
        e.kind = "public"
        e.lf = None
        return True

    # --------------------------------------------------------------- tax ids
    def gen_tax(self, e):
        r = self.rng
        ini = textops.fold(e.core[0])[:1] if e.core else "X"
        st = e.city["st"][0] if e.city.get("st") else None
        for _ in range(50):
            t = taxids.generate(e.cc, r, ini, st)
            k = (e.cc, t["key"])
            if k not in self.used_tax:
                self.used_tax.add(k)
                return t
        return t

    # --------------------------------------------------------------- address
    def gen_pc(self, cc, city):
        r = self.rng
        tpl = r.choice(city["pc"])
        out = []
        rnd = r.random
        for ch in tpl:
            if ch == "d":
                out.append("0123456789"[int(rnd() * 10)])
            elif ch == "L":
                out.append(r.choice("ABCEGHJKLMNPRSTVXY"))
            elif ch == "A":
                out.append(r.choice("ABDEFGHJLNPQRSTUWXYZ"))
            else:
                out.append(ch)
        pc = "".join(out)
        if cc == "GB" and pc[-4] == " " and pc[-3] == "0":
            pc = pc[:-3] + r.choice("123456789") + pc[-2:]
        if cc == "AT" and city["n"] == "Wien" and pc[1:3] == "00":
            pc = "1010"
        return pc

    def gen_addr(self, cc, city, lang):
        r = self.rng
        line, alts = self.gen_street(cc, city, lang)
        a = {"line": line, "alts": alts, "pc": self.gen_pc(cc, city), "city": city, "zip4": None}
        if cc == "US" and r.random() < self.cfg["us_zip4"]:
            a["zip4"] = "%04d" % r.randint(1, 9999)
        return a

    def gen_street(self, cc, city, lang):
        """Return (canonical line, [alternative spellings])."""
        r = self.rng
        num = str(r.randint(1, 220)) if r.random() < 0.8 else str(r.randint(1, 60)) + r.choice(["a", "b", "A", "-3", "-5"])
        sl = "fr" if lang == "fr" else lang
        if sl == "de":
            sd = geo.STREETS["de"]
            typ = self.street_type["de"].pick(r)[0]
            ch = cc == "CH"
            if typ == "straße" and r.random() < 0.25:
                adj = r.choice(sd["adj"])
                canon = "%s %s %s" % (adj, "Strasse" if ch else "Straße", num)
                alts = ["%s Str. %s" % (adj, num), "%s Strasse %s" % (adj, num), "%s Str %s" % (adj, num)]
            else:
                base = r.choice(sd["joined"])
                word = base + typ
                if ch:
                    word = word.replace("ß", "ss")
                canon = "%s %s" % (word, num)
                alts = []
                if typ == "straße":
                    alts = ["%sstr. %s" % (base, num), "%sstrasse %s" % (base, num), "%sStr. %s" % (base, num),
                            "%s-Straße %s" % (base.rstrip("-"), num) if not base.endswith("-") else "%sStr. %s" % (base, num)]
                elif typ == "platz":
                    alts = ["%spl. %s" % (base, num)]
                elif typ == "weg":
                    alts = ["%s-Weg %s" % (base.rstrip("-"), num)]
                else:
                    alts = [canon.replace("ß", "ss")]
            return canon, alts
        if sl == "fr":
            sd = geo.STREETS["fr"]
            typ, _, abbr = self.street_type["fr"].pick(r)
            name = r.choice(sd["names"])
            if cc in ("FR",):
                canon = "%s %s %s" % (num, typ, name)
                alts = ["%s, %s %s" % (num, typ, name)] + ["%s %s %s" % (num, a, name) for a in abbr]
            elif cc == "CA":
                canon = "%s, %s %s" % (num, typ, name)
                alts = ["%s %s %s" % (num, a, name) for a in abbr] + ["%s %s %s" % (num, typ, name)]
            else:   # BE / CH: number after
                canon = "%s %s %s" % (_cap(typ), name, num)
                alts = ["%s %s %s" % (a, name, num) for a in abbr] + ["%s %s, %s" % (_cap(typ), name, num)]
            return canon, alts
        if sl == "nl":
            sd = geo.STREETS["nl"]
            typ = self.street_type["nl"].pick(r)[0]
            base = r.choice(sd["joined"])
            if base in ("Lange Voorhout", "Coolsingel", "Weena"):
                word = base
            elif " " in base:
                word = base + ("laan" if typ == "straat" else typ)
            else:
                word = base + typ
            canon = "%s %s" % (word, num)
            alts = []
            if word.endswith("straat"):
                alts.append("%sstr. %s" % (word[:-6], num))
            if word.endswith("plein"):
                alts.append("%spl. %s" % (word[:-5], num))
            alts.append("%s %s-%s" % (word, num, r.choice(["A", "B", "1", "2"])) if num.isdigit() else canon.lower())
            return canon, alts
        if sl == "en":
            sd = geo.STREETS["en"]
            typ, _, abbr = self.street_type["en"].pick(r)
            name = r.choice(sd["names"])
            n = str(r.randint(1, 2400)) if cc in ("US", "CA") else num
            pre = ""
            suite = ""
            if cc in ("US", "CA") and r.random() < 0.5:
                suite = r.choice([", Suite %d", ", Suite %d", ", Floor %d", ", Ste %d"]) % r.choice([100, 200, 210, 300, 400, 450, 500, 800, 1200, 1500, 2100])
            elif cc == "AU" and r.random() < 0.5:
                pre = "Level %d, " % r.randint(1, 40)
            elif cc in ("GB", "IE") and r.random() < 0.25:
                pre = r.choice(["Unit %d, ", "Floor %d, ", "Suite %d, "]) % r.randint(1, 12)
            canon = "%s%s %s %s%s" % (pre, n, name, typ, suite)
            alts = ["%s%s %s %s%s" % (pre, n, name, a, suite.replace("Suite", "Ste").replace("Floor", "Fl"))
                    for a in abbr] or [canon.replace(",", "")]
            if cc == "AU" and pre:
                alts.append("%s/%s %s %s" % (pre.split()[1].rstrip(","), n, name, abbr[0] if abbr else typ))
            if suite:
                alts.append("%s %s %s #%s" % (n, name, abbr[0] if abbr else typ, suite.split()[-1]))
            return canon, alts
        if sl == "in":
            sd = geo.STREETS["in"]
            typ, _, abbr = self.street_type["in"].pick(r)
            name = r.choice(sd["names"])
            road = name if name in ("Anna Salai", "Shakespeare Sarani", "Janpath") else "%s %s" % (name, typ)
            pre = r.choice(sd["prefix"]).format(n=r.randint(1, 300), m=r.randint(1, 20),
                                                 tower=r.choice(sd["towers"]),
                                                 fl=r.choice(["1st", "2nd", "3rd", "4th", "5th", "7th", "11th"]))
            loc = (", " + city["d"][0]) if city["d"] and r.random() < 0.4 else ""
            canon = pre + road + loc
            alts = [pre + road.replace(typ, a) + loc for a in abbr] or [canon.replace(",", "")]
            alts.append(pre.replace("No. ", "#") + road + loc)
            return canon, alts
        if sl in ("es", "it", "pt"):
            sd = geo.STREETS[sl]
            typ, _, abbr = self.street_type[sl].pick(r)
            name = r.choice(sd["names"])
            extra = ""
            if sl == "es" and r.random() < 0.4:
                extra = r.choice([", %dº %d%s" % (r.randint(1, 9), r.randint(1, 4), r.choice("ªº")),
                                  ", planta %d" % r.randint(1, 12), ", Local %d" % r.randint(1, 9)])
            if sl == "pt" and r.random() < 0.4:
                extra = r.choice([", %dº Esq." % r.randint(1, 9), ", %dº Dto." % r.randint(1, 9), ", Piso %d" % r.randint(1, 9)])
            canon = "%s %s, %s%s" % (typ, name, num, extra)
            alts = ["%s %s %s%s" % (a, name, num, extra) for a in abbr] + ["%s %s %s%s" % (typ, name, num, extra)]
            if sl == "es" and name.startswith("de "):
                alts.append("%s %s, %s%s" % (abbr[0], name[3:], num, extra))
            return canon, alts
        if sl == "cs":
            sd = geo.STREETS["cs"]
            x = r.random()
            n2 = "%d/%s" % (r.randint(100, 2999), num) if r.random() < 0.6 else num
            if x < 0.2:
                name = r.choice(sd["squares"])
                canon = "%s %s" % (name, n2)
                alts = [canon.replace("náměstí", "nám.").replace("Náměstí", "nám."), "%s %s" % (name, num)]
            elif x < 0.28:
                name = r.choice(sd["trida"])
                canon = "třída %s %s" % (name, n2)
                alts = ["tř. %s %s" % (name, n2), "%s %s" % (name, num)]
            else:
                name = r.choice(sd["names"])
                canon = "%s %s" % (name, n2)
                alts = ["%s %s" % (name, num), "%s %s" % (name, n2.replace("/", " / "))]
            return canon, alts
        if sl == "da":
            name = r.choice(geo.STREETS["da"]["names"])
            extra = r.choice(["", "", ", %d. sal" % r.randint(1, 6), ", st. tv.", ", %d. th." % r.randint(1, 5)])
            canon = "%s %s%s" % (name, num, extra)
            alts = [canon.replace("Boulevard", "Blvd.").replace("Store ", "St. ").replace("Gammel ", "Gl. "),
                    "%s %s" % (name, num)]
            return canon, alts
        if sl == "sv":
            name = r.choice(geo.STREETS["sv"]["names"])
            canon = "%s %s" % (name, num)
            alts = [canon.replace("gatan", "g.").replace("vägen", "v.").replace("Östra ", "Ö. ").replace("Södra ", "S. ")
                    .replace("Västra ", "V. "), "%s %s" % (name, num)]
            return canon, alts
        raise ValueError(lang)

    # ----------------------------------------------------------------- phone
    NSN = {"GB": 10, "FR": 9, "NL": 9, "ES": 9, "PT": 9, "CZ": 9, "DK": 8, "SE": 9, "AU": 9, "IN": 10, "CH": 9,
           "US": 10, "CA": 10, "BE": 9}

    def gen_phone(self, cc, city, mobile=False):
        r = self.rng
        plan = geo.PHONE[cc]
        for _ in range(50):
            if mobile and plan["mob"]:
                area = r.choice(plan["mob"])
                sub = "%0*d" % (plan["mobsub"], int(r.random() * 10 ** plan["mobsub"]))
            else:
                area = city["ph"]
                if cc in self.NSN:
                    n = self.NSN[cc] - len(area)
                    if cc == "BE" and len(area) == 1:
                        n = 7
                else:
                    n = r.randint(*plan["sub"])
                if cc == "DK":
                    area = ""
                    n = 8
                first = r.choice("23456789")
                if cc == "DK":
                    first = r.choice("3345789") if city["n"] == "København" else r.choice("6789")
                sub = first + "%0*d" % (n - 1, int(r.random() * 10 ** (n - 1)))
            k = cc + area + sub
            if k not in self.used_phone:
                self.used_phone.add(k)
                return (cc, area, sub, mobile)
        return (cc, area, sub, mobile)

    # ---------------------------------------------------------------- domain
    def _label_tokens(self, chunks):
        s = " ".join(chunks)
        s = textops.translit(s) if self.rng.random() < 0.6 else textops.fold(s)
        return [w for w in s.lower().translate(CLEAN).split() if w.isascii()]

    def gen_domain(self, e, alt=False, chunks=None, tld=None, force_global=False):
        r = self.rng
        if chunks is None:
            chunks = e.trading if (e.trading and r.random() < 0.6) else e.core
            if e.acro and r.random() < 0.5:
                chunks = e.acro
        toks = self._label_tokens(chunks)
        if not toks:
            toks = ["company"]
        if tld is None:
            if e.kind == "public" and e.cc in geo.GOV_TLD and r.random() < 0.6:
                tld = geo.GOV_TLD[e.cc]
            elif force_global or r.random() < (0.5 if alt else 0.22):
                tld = r.choice(["com", "com", "com", "net", "eu", "org" if e.kind == "public" else "com", "group", "io"])
            else:
                tld = geo.TLD[e.cc]
            if e.cc == "IN" and tld == "co.in" and r.random() < 0.5:
                tld = r.choice(["in", "com"])
        cands = []
        if len(toks) >= 2:
            cands += ["-".join(toks[:3]), "".join(toks[:2]), toks[0] + "-" + toks[1]]
        if len(toks[0]) >= 5 or len(toks) == 1:
            cands.insert(r.randrange(len(cands) + 1), toks[0])
        if len(toks) >= 3:
            cands.append("".join(t[0] for t in toks[:3]))
        if alt:
            cands = [c + s for c in cands[:2] for s in ("-group", "group", "-online", "-invoice", "mail")] + cands
        cands += [toks[0] + "-" + textops.fold(e.city["n"]).lower().replace(" ", ""), toks[0] + "-" + e.cc.lower(),
                  "".join(toks[:2]) + str(r.randint(2, 99))]
        for c in cands:
            c = c[:40].strip("-")
            d = c + "." + tld
            if d not in self.used_dom:
                self.used_dom.add(d)
                return d
        while True:
            d = "%s%d.%s" % (toks[0][:20], r.randint(100, 99999), tld)
            if d not in self.used_dom:
                self.used_dom.add(d)
                return d

    # ------------------------------------------------------------ look-alikes
    def lookalike_group(self):
        typ = self.lag_pick.pick(self.rng)
        fn = {"subsidiary": self.lag_subsidiary, "group_partners": self.lag_group_partners,
              "franchise": self.lag_franchise, "common_words": self.lag_common}[typ]
        ents = fn()
        if not ents or len(ents) < 2:
            return None
        gid = "L%05d" % self.next_lag
        self.next_lag += 1
        for e in ents:
            e.lag = gid
            e.lag_type = typ
        return ents

    def _reserve(self, chunks):
        k = name_key(chunks)
        if not k or k in self.used_names:
            return False
        self.used_names.add(k)
        return True

    def lag_subsidiary(self):
        r = self.rng
        ind = self.ind_pick.pick(r)
        for _ in range(30):
            x = r.random()
            if x < 0.4:
                brand = [r.choice(N.SURNAMES["en"] + N.SURNAMES["de"] + N.SURNAMES["nl"] + N.SURNAMES["da"]),
                         self.ind_word("en", ind)]
            elif x < 0.8:
                brand = [self.brand(), self.ind_word("en", ind)]
            else:
                brand = [self.brand()]
            if self._reserve(brand):
                break
        else:
            return None
        k = r.choice([2, 2, 2, 3, 3, 4])
        ccs = []
        while len(ccs) < k:
            cc = self.country_pick.pick(r)
            if cc not in ccs:
                ccs.append(cc)
        shared_dom = None
        if r.random() < 0.45:
            shared_dom = self._brand_domain(brand, "com")
        ents = []
        hq_phone = None
        share_phone = r.random() < 0.35
        for i, cc in enumerate(ccs):
            e = self.new_ent(cc=cc, ind=ind)
            core = list(brand)
            if i > 0 and r.random() < 0.35:
                q = {"DE": "Deutschland", "AT": "Austria", "CH": "Schweiz", "FR": "France", "BE": "Belgium",
                     "NL": "Nederland", "GB": "(UK)", "IE": "Ireland", "US": "USA", "CA": "Canada", "IN": "India",
                     "AU": "Australia", "ES": "España", "IT": "Italia", "PT": "Portugal", "CZ": "Czech",
                     "DK": "Danmark", "SE": "Sverige"}[cc]
                core.append(q)
            e.core = core
            e.kind = "brand"
            e.lf = self.pick_lf(e)
            if shared_dom:
                e.domain = shared_dom
            else:
                e.domain = self._brand_domain(brand, geo.TLD[cc]) or self.gen_domain(e, chunks=brand)
            self.finish_ent(e, domain=False)
            if i == 0:
                hq_phone = e.phones[0]
            elif share_phone:
                e.shared_phone = hq_phone
            ents.append(e)
        return ents

    def _brand_domain(self, chunks, tld):
        toks = self._label_tokens(chunks)
        for c in ("-".join(toks), "".join(toks), toks[0] + "-" + "".join(toks[1:]) + "-intl"):
            d = c + "." + tld
            if d not in self.used_dom:
                self.used_dom.add(d)
                return d
        return None

    def lag_group_partners(self):
        r = self.rng
        cc = self.country_pick.pick(r)
        city0 = self.city_pick[cc].pick(r)
        lang = "in" if cc == "IN" else self.lang_of(cc, city0)
        if len(geo.CITIES[cc]) < 2:
            return None
        for _ in range(30):
            x = r.random()
            if x < 0.5:
                brand = [self.surname(lang), self.surname(lang)]
                if brand[0] == brand[1]:
                    continue
                if r.random() < 0.5:
                    brand = [brand[0], "&", brand[1]]
            elif x < 0.8:
                brand = [self.surname(lang), self.brand()]
            else:
                brand = [self.brand(), self.brand()]
            if self._reserve(brand):
                break
        else:
            return None
        k = r.choice([2, 2, 2, 3])
        sufs = r.sample(N.GROUP_SUFFIXES[lang], k)
        cities = [city0]
        for _ in range(20):
            if len(cities) >= k:
                break
            c = self.city_pick[cc].pick(r)
            if all(c is not x for x in cities):
                cities.append(c)
        while len(cities) < k:
            cities.append(r.choice(geo.CITIES[cc]))
        ind = r.choice(["consulting", "bank", "realestate", "construction", "manufacturing", "logistics"])
        ents = []
        for i in range(k):
            e = self.new_ent(cc=cc, city=cities[i], ind=ind)
            e.lang = lang
            if lang in N.GROUP_PREFIX_LANGS and sufs[i] in ("Groupe", "Grupo", "Gruppo"):
                e.core = [sufs[i]] + brand
            else:
                e.core = brand + [sufs[i]]
            e.kind = "group"
            e.lf = self.pick_lf(e)
            e.domain = self._brand_domain(brand + [sufs[i]], geo.TLD[cc] if r.random() < 0.7 else "com")
            self.finish_ent(e, domain=False)
            ents.append(e)
        return ents

    def lag_franchise(self):
        r = self.rng
        cc = self.country_pick.pick(r)
        city0 = self.city_pick[cc].pick(r)
        lang = "in" if cc == "IN" else geo.COUNTRY_LANG[cc]
        lang = lang if lang in N.FRANCHISE_CONCEPT else "en"
        for _ in range(30):
            b = r.choice(N.FRANCHISE_BRAND) if r.random() < 0.5 else self.brand()
            brand = [b, r.choice(N.FRANCHISE_CONCEPT[lang])]
            if self._reserve(brand):
                break
        else:
            return None
        k = r.choice([2, 2, 3, 3, 4, 5])
        same_city = r.random() < 0.25 and len(city0["d"]) >= 2
        members = []
        if same_city:
            ds = r.sample(city0["d"], min(k, len(city0["d"])))
            for d in ds:
                members.append((city0, d))
        else:
            used = []
            for _ in range(40):
                if len(members) >= k:
                    break
                c = self.city_pick[cc].pick(r)
                if all(c is not u for u in used):
                    used.append(c)
                    members.append((c, None))
        if len(members) < 2:
            return None
        shared_dom = self._brand_domain(brand, geo.TLD[cc]) if r.random() < 0.5 else None
        central = self.gen_phone(cc, city0) if r.random() < 0.4 else None
        ind = {"Dental": "health", "Physio": "health", "Pharmacy": "health", "Apotheke": "health", "Hotel": "realestate"}.get(brand[1], "retail")
        ents = []
        for city, dist in members:
            e = self.new_ent(cc=cc, city=city, ind=ind)
            e.lang = lang if lang != "en" or cc in ("GB", "IE", "US", "CA", "AU") else self.lang_of(cc, city)
            if dist and same_city:
                if r.random() < 0.5:
                    e.core = brand + [city["n"] + "-" + dist]
                else:
                    e.core = brand + [dist]
            else:
                e.core = brand + [city["n"]]
                e.city_chunk = (len(e.core) - 1, city["n"])
            e.district = dist
            e.kind = "franchise"
            e.lf = self.pick_lf(e)
            self._reserve(e.core)
            if shared_dom:
                e.domain = shared_dom
            else:
                e.domain = self._brand_domain(brand + [city["n"]], geo.TLD[cc]) or self.gen_domain(e)
            self.finish_ent(e, domain=False)
            if central:
                e.shared_phone = central
            ents.append(e)
        return ents

    def lag_common(self):
        r = self.rng
        for _ in range(10):
            cc = self.country_pick.pick(r)
            city = self.city_pick[cc].pick(r)
            lang = "in" if cc == "IN" else self.lang_of(cc, city)
            wl = "en" if lang == "in" else lang
            if wl in N.COMMON_WORDS:
                break
        else:
            return None
        A, B, T = N.COMMON_WORDS[wl]
        k = r.choice([2, 2, 2, 3])
        for _ in range(30):
            a, b, t = r.choice(A), r.choice(B), r.choice(T)
            base = [a, b, t]
            variants = [base]
            pool = []
            for t2 in T:
                if t2 != t:
                    pool.append([a, b, t2])
            for a2 in A:
                if a2 != a:
                    pool.append([a2, b, t])
            extra = {"en": ["Group", "Partners", "Associates", "Holdings"], "de": ["Gruppe", "Partner", "Holding"],
                     "fr": ["Groupe", "Associés"], "nl": ["Groep", "Partners"], "es": ["Grupo", "Asociados"],
                     "it": ["Gruppo", "Associati"]}[wl]
            pool.append(base + [r.choice(extra)])
            r.shuffle(pool)
            for p in pool:
                if len(variants) >= k:
                    break
                variants.append(p)
            keys = [name_key(v) for v in variants]
            # names must be distinct and not already in use
            if len(set(" ".join(v).lower() for v in variants)) == len(variants) and \
                    all(kk not in self.used_names for kk in keys):
                for kk in keys:
                    self.used_names.add(kk)
                break
        else:
            return None
        ents = []
        ind = {"Medical": "health", "Dental": "health", "Care": "health", "Health": "health", "Imaging": "health",
               "Finance": "bank", "Savings": "bank", "Trust": "bank", "Insurance": "insurance",
               "Logistics": "logistics", "Property": "realestate", "Energy": "energy"}.get(b, "consulting")
        for v in variants:
            e = self.new_ent(cc=cc, city=city, ind=ind)
            e.lang = lang
            e.core = v
            e.kind = "common"
            e.lf = self.pick_lf(e) if r.random() < 0.8 else None
            self.finish_ent(e)
            ents.append(e)
        return ents


def _initial(w):
    w = w.strip()
    for pre in ("d'", "de ", "des ", "del ", "della ", "di "):
        if w.lower().startswith(pre):
            w = w[len(pre):]
    return textops.fold(w[:1]).upper()
