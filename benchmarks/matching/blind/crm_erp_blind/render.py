"""Turn an entity into CRM / ERP export rows, applying the noise phenomena.

Each rendered record carries a list of tags naming the phenomena applied to it
(used for README statistics and the self-test; optionally written to tags.csv).
"""
from . import geo, names as N, taxids, textops
from .model import WChoice

CRM_COLUMNS = ["source_id", "name", "trading_name", "tax_id", "country", "city", "postal_code", "address_line1",
               "phone", "email", "website", "industry", "currency", "state", "account_type", "owner",
               "created_date"]
ERP_COLUMNS = ["source_id", "name", "trading_name", "tax_id", "country", "city", "postal_code", "address_line1",
               "phone", "email", "website", "industry", "currency", "state", "name_2", "subsidiary",
               "customer_status", "payment_terms", "vat_registered", "fax", "created_date"]

FOLD_PATTERNS = [("{L} t/a {T}", 22), ("{L} T/A {T}", 8), ("{L} DBA {T}", 14), ("{L} dba {T}", 6),
                 ("{L} d/b/a {T}", 5), ("{L} trading as {T}", 10), ("{T} ({L})", 20), ("{L} ({T})", 10),
                 ("{T} - {L}", 5)]
CO_PERSONS = ["Regus Business Centre", "WeWork", "Steuerbüro Lang", "KPMG", "Jane Smith", "Finance Dept",
              "Mr. R. Iyer", "Mme Dupont", "Intertrust", "TMF Group", "Accounts Dept", "Hr. Berger"]

CRM_DECOR = [("sfx", " - {city} Office", 12), ("sfx", " ({city})", 6), ("sfx", " - {city}", 6),
             ("sfx", " (prospect)", 6), ("sfx", " (Prospect)", 3), ("sfx", " - HQ", 4), ("sfx", " (Head Office)", 3),
             ("sfx", " - EMEA", 2), ("sfx", " (old)", 4), ("sfx", " - DO NOT USE", 4), ("sfx", " OLD", 3),
             ("sfx", " (duplicate)", 3), ("sfx", " [inactive]", 2), ("sfx", " - Branch {n}", 3),
             ("sfx", " Branch {n}", 2), ("sfx", " c/o {co}", 3), ("pre", "zz ", 5), ("pre", "ZZ - ", 3),
             ("pre", "zzz_", 2), ("pre", "OLD - ", 3), ("pre", "DO NOT USE - ", 3), ("pre", "xx ", 2)]
ERP_DECOR = [("sfx", " (Billing)", 10), ("sfx", " - Billing", 4), ("sfx", " Attn: Accounts Payable", 8),
             ("sfx", " ATTN: AP", 3), ("sfx", " c/o {co}", 7), ("sfx", " - AP Dept", 3), ("sfx", " Branch {n}", 4),
             ("sfx", " - {city}", 5), ("sfx", " (do not use)", 3), ("sfx", " OLD", 4), ("sfx", " (Invoice Address)", 3),
             ("sfx", " - Rechnungsadresse", 1), ("pre", "ZZ ", 3), ("pre", "DNU ", 2), ("pre", "OLD ", 2),
             ("pre", "zz_", 2)]
DEAD_DECOR = (" OLD", "OLD ", "OLD - ", " (old)", " - DO NOT USE", "DO NOT USE - ", "DNU ", " (do not use)", "zz",
              "ZZ", "xx ", " [inactive]", " (duplicate)")


def _w(pairs):
    return WChoice(pairs)


class Renderer:
    def __init__(self, cfg, rng, world):
        self.cfg = cfg
        self.rng = rng
        self.world = world
        self.fold_pick = _w(FOLD_PATTERNS)
        self.crm_decor = _w([((a, b), w) for a, b, w in CRM_DECOR])
        self.erp_decor = _w([((a, b), w) for a, b, w in ERP_DECOR])
        self.country_pick = {cc: (_w(f[0]), _w(f[1])) for cc, f in geo.COUNTRY_FORMS.items()}
        self.tmode = {"crm": _w(cfg["crm_trading_modes"].items()), "erp": _w(cfg["erp_trading_modes"].items())}
        self.sub_of = {}
        for sname, sd in cfg["erp_subsidiaries"].items():
            for cc in sd["countries"]:
                self.sub_of[cc] = sname
        self.subs = cfg["erp_subsidiaries"]

    # ================================================================ names
    def core_str(self, chunks, e, sysname, tags, allow_struct=True):
        r = self.rng
        cfg = self.cfg
        chunks = list(chunks)
        # city inside the name (franchises): alias / exonym
        if e.city_chunk is not None and e.city["a"] and r.random() < 0.2:
            i, cname = e.city_chunk
            if i < len(chunks) and cname in chunks[i]:
                chunks[i] = chunks[i].replace(cname, e.city["a"][0], 1)
                tags.append("city_alias_in_name")
        if allow_struct:
            # closed compounds
            if e.compound is not None and e.compound + 1 < len(chunks):
                i = e.compound
                joined = e.cjoined
                if r.random() < cfg["compound_flip"]:
                    joined = not joined
                    tags.append("compound")
                if joined:
                    a, b = chunks[i], chunks[i + 1]
                    if e.lang in ("de", "nl", "da", "sv") and b[:1].isupper():
                        b = b.lower() if r.random() < 0.8 else "-" + b
                    chunks[i:i + 2] = [a + b]
            # word order
            if r.random() < cfg["word_order"]:
                if "&" in chunks and e.kind == "amp":
                    k = chunks.index("&")
                    if 0 < k < len(chunks) - 1:
                        chunks[k - 1], chunks[k + 1] = chunks[k + 1], chunks[k - 1]
                        tags.append("word_order")
                elif len(chunks) >= 2 and (e.kind == "ind_first" or (e.kind == "twoword" and len(chunks) >= 3) or
                                           (e.kind == "surname_ind" and e.lang not in ("en", "in")) or
                                           (e.kind == "place" and e.lang in N.IND_FIRST_LANGS)):
                    chunks[0], chunks[1] = chunks[1], chunks[0]
                    tags.append("word_order")
        # & <-> and / und / et ...
        if "&" in chunks and r.random() < cfg["amp_swap"]:
            chunks = [N.AND_WORD.get(e.lang, "and") if c == "&" else c for c in chunks]
            tags.append("abbrev")
        s = " ".join(chunks)
        # abbreviations (both ways)
        if r.random() < cfg[sysname + "_abbrev"]:
            words = s.split(" ")
            changed = False
            non_en = e.lang not in ("en", "in")
            for k, w in enumerate(words):
                ab = N.ABBREV.get(w)
                if ab and non_en and w in N.EN_ONLY_ABBREV:
                    ab = None
                if ab:
                    words[k] = ab[0] if r.random() < 0.6 else r.choice(ab)
                    changed = True
                elif w in ("and", "und", "et", "en", "y") and k > 0 and r.random() < 0.5:
                    words[k] = "&"
                    changed = True
            if changed:
                s = " ".join(words)
                tags.append("abbrev")
        return s

    def legal_form(self, e, sysname, tags, drop_p=None):
        r = self.rng
        if e.lf is None:
            return ""
        key, variants = e.lf
        if r.random() < (self.cfg[sysname + "_legal_form_drop"] if drop_p is None else drop_p):
            tags.append("legal_form_dropped")
            return ""
        if r.random() < self.cfg["legal_form_variant"] and len(variants) > 1:
            tags.append("legal_form_variant")
            return r.choice(variants[1:])
        return variants[0]

    def full_legal(self, e, sysname, tags, use_acro=False):
        chunks = e.acro if use_acro else e.core
        s = self.core_str(chunks, e, sysname, tags, allow_struct=not use_acro)
        lf = self.legal_form(e, sysname, tags)
        if lf:
            if e.cc == "IN" and lf == "(P) Ltd":
                s = s + " " + lf
            elif lf == "(publ)":
                s = s + " AB (publ)"
            else:
                s = s + (", " if (e.cc in ("US", "CA") and self.rng.random() < 0.25) else " ") + lf
        return s

    def name_fields(self, e, sysname, dup, tags):
        """Return (name, trading_name_column)."""
        r = self.rng
        use_acro = bool(e.acro) and ((e.acro_sys == sysname) != (dup and r.random() < 0.5))
        if use_acro:
            tags.append("acronym")
        trading_col = ""
        if e.trading:
            mode = self.tmode[sysname].pick(r)
            tname = self.core_str(e.trading, e, sysname, tags, allow_struct=False)
            if mode == "trading":
                name = tname
                tags.append("trading_only")
            elif mode == "legal_col":
                name = self.full_legal(e, sysname, tags, use_acro)
                trading_col = tname
                tags.append("trading_name_col")
            elif mode == "fold":
                legal = self.full_legal(e, sysname, tags, use_acro)
                name = self.fold_pick.pick(r).replace("{L}", legal).replace("{T}", tname)
                tags.append("trading_folded")
            else:
                name = self.full_legal(e, sysname, tags, use_acro)
                tags.append("trading_legal_only")
        else:
            name = self.full_legal(e, sysname, tags, use_acro)
            if e.acro and sysname == "crm" and r.random() < 0.2:
                trading_col = e.acro[0] if use_acro is False else " ".join(e.core)
                tags.append("trading_name_col")
        # diacritics
        if not name.isascii():
            x = r.random()
            pf = self.cfg[sysname + "_diacritics_fold"]
            pt = self.cfg[sysname + "_diacritics_translit"]
            if x < pf:
                name = textops.fold(name)
                trading_col = textops.fold(trading_col)
                tags.append("diacritics_folded")
            elif x < pf + pt:
                name = textops.translit(name)
                trading_col = textops.translit(trading_col)
                tags.append("diacritics_translit")
        # typo
        if r.random() < self.cfg[sysname + "_name_typo"]:
            n2 = textops.typo_text(name, r)
            if n2 != name:
                name = n2
                tags.append("name_typo")
        return name, trading_col

    def decorate(self, name, e, sysname, dup, city_str, tags):
        r = self.rng
        p = self.cfg["dup_decoration"] if dup else self.cfg[sysname + "_decoration"]
        if r.random() >= p:
            return name, False
        pos, txt = (self.crm_decor if sysname == "crm" else self.erp_decor).pick(r)
        txt = txt.replace("{city}", city_str or e.city["n"]).replace("{n}", str(r.randint(1, 40))) \
                 .replace("{co}", r.choice(CO_PERSONS))
        tags.append("decoration")
        dead = any(d in txt for d in DEAD_DECOR)
        return (txt + name) if pos == "pre" else (name + txt), dead

    # ============================================================ addresses
    def city_str(self, city, cc, sysname, tags, pc=None):
        r = self.rng
        s = city["n"]
        if city["a"] and r.random() < self.cfg[sysname + "_city_alias"]:
            s = city["a"][0] if r.random() < 0.6 else r.choice(city["a"])
            tags.append("city_alias")
        elif not s.isascii() and r.random() < (0.3 if sysname == "erp" else 0.1):
            s = textops.fold(s)
            tags.append("city_alias")
        if cc == "IE" and city["n"] == "Dublin" and pc and r.random() < 0.25:
            d = pc[1:3].lstrip("0")
            s = "Dublin " + d
            tags.append("city_alias")
        if r.random() < self.cfg["city_typo"] and len(s) >= 5:
            s = textops.typo_word(s, r)
            tags.append("city_typo")
        if sysname == "crm" and r.random() < 0.02:
            s = s.upper() if r.random() < 0.5 else s.lower()
        return s

    def postcode(self, a, cc, sysname, tags):
        r = self.rng
        pc = a["pc"]
        if r.random() < self.cfg[sysname + "_postcode_missing"]:
            tags.append("postcode_missing")
            return ""
        if cc == "US":
            if a["zip4"] and r.random() < (0.75 if sysname == "erp" else 0.4):
                pc = pc + ("-" if r.random() < 0.85 else "") + a["zip4"]
                tags.append("postcode_format")
        elif r.random() < self.cfg["postcode_format"]:
            alt = None
            if cc in ("NL", "GB", "CA", "CZ", "SE", "IE"):
                alt = pc.replace(" ", "") if r.random() < 0.7 else pc.lower()
                if cc in ("CZ", "SE") and r.random() < 0.3:
                    alt = cc + "-" + pc
            elif cc == "PT":
                alt = pc.replace("-", "") if r.random() < 0.5 else pc[:4]
            elif cc in ("DE", "FR", "IT", "ES", "AT", "CH", "BE", "DK"):
                pref = {"DE": "D-", "FR": "F-", "IT": "I-", "ES": "E-", "AT": "A-", "CH": "CH-", "BE": "B-",
                        "DK": "DK-"}[cc]
                alt = pref + pc if r.random() < 0.6 else (pc[:2] + " " + pc[2:] if cc == "FR" else cc + "-" + pc)
            elif cc == "IN":
                alt = pc[:3] + " " + pc[3:]
            elif cc == "AU":
                st = a["city"]["st"][0] if a["city"]["st"] else ""
                alt = (st + " " + pc).strip()
            if alt and alt != pc:
                pc = alt
                tags.append("postcode_format")
        if pc[:1] == "0" and pc.isdigit() and r.random() < self.cfg[sysname + "_postcode_zero_loss"]:
            pc = pc.lstrip("0")
            tags.append("postcode_leading_zero_lost")
        elif cc == "US" and pc[:1] == "0" and r.random() < self.cfg[sysname + "_postcode_zero_loss"]:
            pc = pc[1:]
            tags.append("postcode_leading_zero_lost")
        return pc

    def street(self, a, sysname, tags):
        r = self.rng
        s = a["line"]
        if a["alts"] and r.random() < self.cfg["street_abbrev"]:
            s = r.choice(a["alts"])
            tags.append("street_abbrev")
        if r.random() < self.cfg["street_typo"]:
            s2 = textops.typo_text(s, r)
            if s2 != s:
                s = s2
                tags.append("street_typo")
        if not s.isascii() and sysname == "erp" and r.random() < 0.15:
            s = textops.fold(s)
        return s

    def country(self, cc, sysname, tags):
        r = self.rng
        if r.random() < self.cfg[sysname + "_country_missing"]:
            tags.append("missing_field")
            return ""
        s = self.country_pick[cc][0 if sysname == "crm" else 1].pick(r)
        if s not in (cc,):
            tags.append("country_form")
        return s

    # =============================================================== phones
    @staticmethod
    def _grp(cc, area, sub, mob):
        n = len(sub)
        if cc in ("FR", "DK") or (cc == "BE" and n % 2 == 0):
            return " ".join(sub[i:i + 2] for i in range(0, n, 2))
        if cc in ("CH", "ES", "SE", "BE") and n == 7:
            return sub[:3] + " " + sub[3:5] + " " + sub[5:]
        if n == 8:
            return sub[:4] + " " + sub[4:]
        if n == 7:
            return sub[:3] + " " + sub[3:]
        if n == 6:
            return sub[:3] + " " + sub[3:]
        if n == 9:
            return sub[:3] + " " + sub[3:6] + " " + sub[6:]
        return sub

    def fmt_phone(self, p, sysname, ext=None):
        r = self.rng
        cc, area, sub, mob = p
        plan = geo.PHONE[cc]
        code, trunk = plan["cc"], plan["trunk"]
        intl = r.random() < (0.55 if sysname == "crm" else 0.35)
        if cc in ("US", "CA"):
            a, s3, s4 = area, sub[:3], sub[3:]
            st = r.random()
            if intl:
                out = ("+1 %s %s %s" if st < 0.4 else "+1 (%s) %s-%s" if st < 0.7 else "+1-%s-%s-%s" if st < 0.9
                       else "+1%s%s%s") % (a, s3, s4)
            else:
                out = ("(%s) %s-%s" if st < 0.45 else "%s-%s-%s" if st < 0.75 else "%s.%s.%s" if st < 0.85
                       else "1-%s-%s-%s" if st < 0.95 else "%s%s%s") % (a, s3, s4)
            if ext:
                out += r.choice([" x", " x", " ext. ", " Ext ", " #"]) + ext
            return out
        if cc in ("CZ", "PT", "ES", "DK"):
            nsn = area + sub
            g = nsn[:3] + " " + nsn[3:6] + " " + nsn[6:] if len(nsn) == 9 else self._grp(cc, "", nsn, mob)
            if cc == "ES" and len(nsn) == 9 and not mob and r.random() < 0.5:
                g = nsn[:2] + " " + nsn[2:5] + " " + nsn[5:7] + " " + nsn[7:]
            if cc == "DK":
                g = " ".join(nsn[i:i + 2] for i in range(0, 8, 2))
            st = r.random()
            if intl:
                out = ("+%s %s" % (code, g)) if st < 0.6 else ("+%s%s" % (code, nsn)) if st < 0.8 else ("00%s %s" % (code, g))
            else:
                out = g if st < 0.7 else nsn
        else:
            g = self._grp(cc, area, sub, mob)
            if cc in ("DE", "AT", "IT") and not mob and r.random() < 0.6:
                g = sub
            if cc == "IN" and mob:
                g = sub
            if cc == "AU" and mob:
                area = area + sub[:2]
                g = sub[2:5] + " " + sub[5:]
            st = r.random()
            t = trunk if cc != "IT" else ""
            if intl:
                if st < 0.55:
                    out = "+%s %s %s" % (code, area, g)
                elif st < 0.7 and t == "0":
                    out = "+%s (0)%s %s" % (code, area, g)
                elif st < 0.82:
                    out = "+%s-%s-%s" % (code, area, g.replace(" ", ""))
                elif st < 0.92:
                    out = "00%s %s %s" % (code, area, g)
                else:
                    out = "+%s%s%s" % (code, area, g.replace(" ", ""))
            else:
                if st < 0.5:
                    out = "%s%s %s" % (t, area, g)
                elif st < 0.65:
                    out = "(%s%s) %s" % (t, area, g)
                elif st < 0.8:
                    sep = "/" if cc in ("DE", "AT", "IT", "CH") else "." if cc in ("FR", "BE") else "-"
                    out = "%s%s%s%s" % (t, area, sep, g.replace(" ", "") if sep != "." else g.replace(" ", "."))
                else:
                    out = "%s%s%s" % (t, area, g.replace(" ", ""))
        if ext:
            if cc in ("DE", "AT") and r.random() < 0.7:
                out = out + "-" + ext
            else:
                out += r.choice([" x", " ext. ", " ext ", " Ext. ", " Durchwahl " if cc in ("DE", "AT", "CH") else " ext. ",
                                 " poste " if cc in ("FR", "BE") else " x"]) + ext
        return out

    def phone_cell(self, e, sysname, tags, phones):
        r = self.rng
        cfg = self.cfg
        main = phones[0]
        extras = []
        if e.shared_phone and r.random() < cfg["shared_switchboard_in_record"]:
            tags.append("shared_switchboard")
            if r.random() < 0.3:
                main = e.shared_phone
            else:
                extras.append(e.shared_phone)
        if len(phones) > 1 and r.random() < 0.35:
            extras.append(phones[1])
        if not extras and r.random() < cfg["multi_phone"]:
            cc, area, sub, mob = main
            if not mob and len(sub) > 3:
                extras.append((cc, area, sub[:-2] + "%02d" % r.randint(10, 99), False))
        ext = None
        if r.random() < cfg["phone_ext"]:
            ext = r.choice(["0", "0", "100", "204", "31", "5520", "12", "400", "7"])
            tags.append("phone_ext")
        out = [self.fmt_phone(main, sysname, ext)]
        if not extras:
            return out[0]
        for p in extras:
            out.append(self.fmt_phone(p, sysname))
        tags.append("multi_phone")
        return r.choice([" / ", " / ", "; ", ", ", " or ", " | "]).join(out)

    # ======================================================== web / e-mail
    def website(self, dom, tags):
        r = self.rng
        x = r.random()
        if x < 0.4:
            s = "www." + dom
        elif x < 0.6:
            s = dom
        elif x < 0.75:
            s = "https://www." + dom
        elif x < 0.85:
            s = "http://www." + dom + "/"
        elif x < 0.92:
            s = "https://" + dom + "/" + r.choice(["en", "de", "fr", "home", "kontakt", "contact", "index.html"])
        else:
            s = ("WWW." + dom).upper() if r.random() < 0.5 else "https://www." + dom + "/"
        return s

    def _free_local(self, e):
        r = self.rng
        toks = []
        for c in e.core[:2]:
            toks += textops.fold(c).lower().replace("&", "").replace("'", "").split()
        toks = ["".join(ch for ch in t if ch.isalnum()) for t in toks]
        toks = [t for t in toks if t]
        if not toks:
            toks = ["office"]
        x = r.random()
        if x < 0.4:
            return ".".join(toks[:2])
        if x < 0.7:
            return "".join(toks[:2]) + (str(r.randint(1, 99)) if r.random() < 0.4 else "")
        return r.choice(["info", "office", "accounts", "buero", "contact"]) + "." + toks[0]

    def email(self, e, sysname, tags):
        r = self.rng
        cfg = self.cfg
        lang = e.lang if e.lang in N.BILLING_LOCAL else "en"
        if e.domain is None or r.random() < cfg[sysname + "_freemail"]:
            dom = r.choice(N.FREEMAIL[e.cc])
            tags.append("freemail")
            return self._free_local(e) + "@" + dom
        dom = e.domain
        if e.alt_domain and r.random() < (0.4 if sysname == "erp" else 0.25):
            dom = e.alt_domain
            tags.append("alt_domain")
        if e.kind == "franchise" and r.random() < 0.5:
            local = textops.fold(e.city["n"]).lower().replace(" ", "").replace("'", "")
        elif sysname == "erp":
            local = r.choice(N.BILLING_LOCAL[lang])
            if r.random() < 0.05:
                local2 = r.choice(N.BILLING_LOCAL[lang])
                if local2 != local:
                    return "%s@%s; %s@%s" % (local, dom, local2, dom)
        else:
            if r.random() < 0.5:
                local = r.choice(N.INFO_LOCAL[lang])
            else:
                sn = textops.fold(r.choice(N.SURNAMES[e.lang if e.lang in N.SURNAMES else "en"])).lower()
                sn = "".join(ch for ch in sn if ch.isalpha())
                first = e.contact[0]
                local = first + "." + sn if len(first) > 1 else first + sn
        out = local + "@" + dom
        if r.random() < 0.02:
            out = out.upper() if r.random() < 0.5 else out.capitalize()
        return out

    # ============================================================ records
    def record(self, e, sysname, dup, sub_override=None):
        """Return (row dict, tags, extra info)."""
        r = self.rng
        cfg = self.cfg
        tags = []
        if dup:
            tags.append(sysname + "_duplicate")
        if e.lag:
            tags.append("lookalike_" + e.lag_type)
        row = {}
        # address first (city string used in decorations)
        a = e.addr
        if e.addr2 is not None:
            if dup:
                if r.random() < 0.5:
                    a = e.addr2
            elif e.moved_sys == sysname:
                a = e.addr2
                tags.append("moved_address")
        branch = False
        if dup and sysname == "crm" and e.kind not in ("public", "franchise") and r.random() < 0.25:
            # a branch office entered as another account
            c2 = r.choice(geo.CITIES[e.cc])
            a = self.world.gen_addr(e.cc, c2, "in" if e.cc == "IN" else (c2["lang"] or geo.COUNTRY_LANG[e.cc]))
            branch = True
            tags.append("branch_address")
        city = a["city"]
        cstr = self.city_str(city, e.cc, sysname, tags, a["pc"])
        if r.random() < cfg[sysname + "_city_missing"]:
            row["city"] = ""
            tags.append("missing_field")
        else:
            row["city"] = cstr
        row["postal_code"] = self.postcode(a, e.cc, sysname, tags)
        if r.random() < cfg[sysname + "_address_missing"]:
            row["address_line1"] = ""
            tags.append("missing_field")
        elif sysname == "erp" and r.random() < cfg["erp_po_box"]:
            row["address_line1"] = geo.PO_BOX[e.lang if e.lang in geo.PO_BOX else "en"].format(n=r.randint(10, 99999))
            tags.append("po_box")
        else:
            row["address_line1"] = self.street(a, sysname, tags)
        row["country"] = self.country(e.cc, sysname, tags)
        # state
        st = city["st"]
        if st:
            x = r.random()
            if sysname == "crm":
                row["state"] = st[0] if x < 0.6 else st[1] if x < 0.9 else ""
            else:
                row["state"] = st[0] if x < 0.88 else st[1] if x < 0.96 else ""
        else:
            row["state"] = ""
        # name
        name, tcol = self.name_fields(e, sysname, dup, tags)
        deco_city = cstr if cstr else city["n"]
        if branch:
            deco_city = city["a"][0] if city["a"] and r.random() < 0.5 else city["n"]
        name, dead = self.decorate(name, e, sysname, dup or branch, deco_city, tags)
        if dup and "decoration" not in tags and r.random() < 0.2:
            tags.append("decoration")
            name = r.choice(["zz ", "OLD - ", "ZZ_"]) + name
            dead = True
        # case
        upper_sub = False
        sub_name = None
        if sysname == "erp":
            sub_name = sub_override or self.sub_of[e.cc]
            sd = self.subs[sub_name]
            upper_sub = sd["upper"]
        x = r.random()
        if upper_sub or (sysname == "erp" and x < cfg["erp_upper"]) or (sysname == "crm" and x < cfg["crm_upper"]):
            name = name.upper()
            tcol = tcol.upper()
            tags.append("upper")
            if upper_sub:
                row["address_line1"] = row["address_line1"].upper()
                row["city"] = row["city"].upper()
        elif sysname == "crm" and x < cfg["crm_upper"] + cfg["crm_lower"]:
            name = name.lower()
            tags.append("case")
        elif (sysname == "crm" and x < cfg["crm_upper"] + cfg["crm_lower"] + cfg["crm_title"]) or \
                (sysname == "erp" and x < cfg["erp_upper"] + cfg["erp_title"]):
            name = name.title()
            tags.append("case")
        if r.random() < cfg["whitespace"]:
            name = textops.whitespace_noise(name, r)
            tags.append("whitespace")
        # ERP field limit
        name2 = ""
        if sysname == "erp":
            lim = self.subs[sub_name]["limit"]
            if lim and len(name) > lim:
                name, rest = textops.truncate(name, lim)
                tags.append("truncated")
                if r.random() < cfg["erp_name2_spill"]:
                    name2 = rest.strip()
        row["name"] = name
        row["trading_name"] = tcol
        # tax id
        fam = ""
        if r.random() < cfg[sysname + "_tax_id"]:
            s, fam = taxids.render(e.tax, sysname, r)
            if fam != "vat":
                tags.append("tax_registry_form")
            if r.random() < cfg["tax_typo"]:
                s2 = taxids.typo(s, r)
                if s2 != s:
                    s = s2
                    tags.append("tax_typo")
            row["tax_id"] = s
        else:
            row["tax_id"] = ""
            if sysname == "erp":
                tags.append("missing_field")
        # phone
        if r.random() < cfg[sysname + "_phone"]:
            phones = e.phones
            if a is e.addr2 and "phone" in a:
                phones = [a["phone"]] + e.phones[1:]
            row["phone"] = self.phone_cell(e, sysname, tags, phones)
        else:
            row["phone"] = ""
        # web / email
        if e.domain and r.random() < cfg[sysname + "_website"]:
            row["website"] = self.website(e.domain, tags)
        else:
            row["website"] = ""
            if sysname == "erp" or not e.domain:
                tags.append("missing_field")
        if r.random() < cfg[sysname + "_email"]:
            row["email"] = self.email(e, sysname, tags)
            if not row["website"] and "freemail" not in tags:
                tags.append("email_domain_only")
        else:
            row["email"] = ""
        # industry / currency
        crm_lbl, erp_lbl = N.INDUSTRIES[e.industry]
        x = r.random()
        if sysname == "crm":
            row["industry"] = crm_lbl if x < 0.7 else r.choice(N.CRM_INDUSTRY_ALT.get(e.industry, [crm_lbl])) if x < 0.88 else ""
            cur = geo.CURRENCY[e.cc]
            y = r.random()
            row["currency"] = (cur if r.random() < 0.8 else "EUR") if y < cfg["crm_currency"] else ""
        else:
            row["industry"] = erp_lbl if x < 0.6 else ""
            cur = geo.CURRENCY[e.cc]
            if cur not in ("EUR", "USD") and r.random() < 0.08:
                cur = r.choice(["EUR", "USD"])
            row["currency"] = cur
        # extra columns
        y, m, d = e.created
        if dup:
            y = min(2025, y + r.randint(0, 5))
            m = r.randint(1, 12)
        if sysname == "crm":
            row["account_type"] = self._acct_type(e, dup, dead)
            row["owner"] = r.choice(N.OWNERS)
            row["created_date"] = "%04d-%02d-%02dT%02d:%02d:%02d.000Z" % (y, m, d, r.randint(6, 19), r.randint(0, 59), r.randint(0, 59))
        else:
            row["name_2"] = name2
            row["subsidiary"] = sub_name
            row["customer_status"] = "Inactive" if dead or r.random() < 0.1 else "Active"
            row["payment_terms"] = r.choice(["Net 30", "Net 30", "Net 45", "Net 60", "Due on receipt", "Net 14", "2% 10 Net 30"])
            row["vat_registered"] = ("Y" if fam == "vat" else "") if row["tax_id"] else ""
            if r.random() < cfg["erp_fax"] and e.phones:
                cc, area, sub, mob = e.phones[0]
                if not mob:
                    row["fax"] = self.fmt_phone((cc, area, sub[:-2] + "99", False), "erp")
                else:
                    row["fax"] = ""
            else:
                row["fax"] = ""
            row["created_date"] = ("%02d.%02d.%04d" % (d, m, y)) if sub_name in ("DACH",) else ("%02d/%02d/%04d" % (m, d, y)) if sub_name == "Americas" else "%04d-%02d-%02d" % (y, m, d)
        return row, tags

    def _acct_type(self, e, dup, dead):
        r = self.rng
        x = r.random()
        if dead:
            return "Former Customer" if x < 0.3 else "Prospect" if x < 0.5 else "Customer"
        if e.presence == "crm":
            return "Prospect" if x < 0.6 else "Former Customer" if x < 0.75 else "Customer" if x < 0.95 else "Partner"
        return "Customer" if x < 0.85 else "Former Customer" if x < 0.93 else "Partner" if x < 0.97 else "Prospect"

