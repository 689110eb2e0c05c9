"""Seeded generators for matching benchmarks.

`people(n, seed)`: Febrl-style person records with duplicates corrupted by typos, transpositions,
missing fields, nicknames, OCR-like split words and swapped fields.
`companies(n, seed)`: a CRM and an ERP customer list describing mostly the same companies written
differently, with hard negatives (a brand's subsidiary abroad with its own tax id; "X Group" vs
"X Partners" in another city).
Both return the truth as a set of id pairs.
"""

from __future__ import annotations

import string

import numpy as np
import pandas as pd

_SYLLABLES = ("ka", "ro", "mi", "la", "ne", "to", "sa", "ri", "do", "ve", "an", "el", "or", "un", "bel", "mar",
              "son", "ton", "ley", "ham", "ber", "win", "ford", "wood", "field", "ster", "ling", "by", "well", "more")
GIVEN = ("william", "robert", "richard", "james", "michael", "thomas", "david", "joseph", "john", "christopher",
         "daniel", "matthew", "anthony", "stephen", "alexander", "andrew", "edward", "benjamin", "samuel",
         "nicholas", "peter", "charles", "henry", "elizabeth", "katherine", "margaret", "susan", "jennifer",
         "patricia", "rebecca", "amanda", "deborah", "victoria", "jessica", "mary", "emma", "olivia", "sophie",
         "chloe", "grace", "lucy", "hannah", "jack", "liam", "noah", "oscar", "leo", "isla", "ruby", "mia",
         "zara", "ethan", "lachlan", "connor", "riley", "tahlia", "brooke", "jordan", "madison", "kyra", "callum")
NICK = {"william": "bill", "robert": "bob", "richard": "dick", "james": "jim", "michael": "mike", "thomas": "tom",
        "david": "dave", "joseph": "joe", "christopher": "chris", "daniel": "dan", "matthew": "matt",
        "anthony": "tony", "alexander": "alex", "andrew": "andy", "edward": "ted", "benjamin": "ben",
        "samuel": "sam", "nicholas": "nick", "elizabeth": "liz", "katherine": "kate", "margaret": "peggy",
        "susan": "sue", "jennifer": "jenny", "patricia": "pat", "rebecca": "becky", "victoria": "vicky"}
STREET_TYPES = (("street", "st"), ("road", "rd"), ("avenue", "ave"), ("place", "pl"), ("crescent", "cres"),
                ("court", "ct"), ("drive", "dr"), ("lane", "ln"), ("circuit", "cct"), ("parade", "pde"))
STATES = ("nsw", "vic", "qld", "sa", "wa", "tas", "act", "nt")


def _word(rng, low=2, high=4) -> str:
    return "".join(rng.choice(_SYLLABLES, size=rng.integers(low, high + 1)))


def _zipf_pool(rng, base: tuple[str, ...], extra: int, size: int) -> np.ndarray:
    """Draw `size` values from a base list plus generated words, common ones far more often."""
    pool = list(base) + list(dict.fromkeys(_word(rng) for _ in range(extra)))  # ordered: reproducible
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.9
    return rng.choice(pool, size=size, p=weights / weights.sum())


# --- corruption ----------------------------------------------------------------------------------

def _typo(rng, value: str) -> str:
    if not value or len(value) < 2:
        return value
    i = int(rng.integers(0, len(value) - 1))
    kind = rng.integers(0, 4)
    letter = rng.choice(list(string.ascii_lowercase if value.isalpha() else string.digits))
    if kind == 0:
        return value[:i] + letter + value[i + 1:]  # substitution
    if kind == 1:
        return value[:i] + value[i + 1:]  # deletion
    if kind == 2:
        return value[:i] + letter + value[i:]  # insertion
    return value[:i] + value[i + 1] + value[i] + value[i + 2:]  # transposition


def _split(rng, value: str) -> str:
    if not value or len(value) < 4:
        return value
    i = int(rng.integers(1, len(value) - 1))
    return value[:i] + " " + value[i:]


TEXT_FIELDS = ("given_name", "surname", "address_1", "address_2", "suburb")
DIGIT_FIELDS = ("date_of_birth", "soc_sec_id", "postcode", "street_number")


def _corrupt_person(rng, record: dict) -> dict:
    out = dict(record)
    for _ in range(int(rng.integers(1, 4))):
        kind = rng.choice(["typo", "typo", "digit", "missing", "nickname", "swap_names", "swap_address", "split",
                           "abbreviate", "dob_swap"])
        if kind == "typo":
            field = rng.choice(TEXT_FIELDS)
            out[field] = _typo(rng, out[field]) if out[field] else out[field]
        elif kind == "digit":
            field = rng.choice(DIGIT_FIELDS)
            out[field] = _typo(rng, out[field]) if out[field] else out[field]
        elif kind == "missing":
            out[rng.choice(TEXT_FIELDS + DIGIT_FIELDS)] = None
        elif kind == "nickname" and out["given_name"] in NICK:
            out["given_name"] = NICK[out["given_name"]]
        elif kind == "swap_names":
            out["given_name"], out["surname"] = out["surname"], out["given_name"]
        elif kind == "swap_address":
            out["address_1"], out["address_2"] = out["address_2"], out["address_1"]
        elif kind == "split":
            field = rng.choice(TEXT_FIELDS)
            out[field] = _split(rng, out[field]) if out[field] else out[field]
        elif kind == "abbreviate" and out["address_1"]:
            for full, short in STREET_TYPES:
                out["address_1"] = out["address_1"].replace(" " + full, " " + short)
        elif kind == "dob_swap" and out["date_of_birth"]:
            d = out["date_of_birth"]
            out["date_of_birth"] = d[:4] + d[6:8] + d[4:6]
    return out


def people(n: int, seed: int = 42, duplicate_share: float = 0.4) -> tuple[pd.DataFrame, set[tuple[str, str]]]:
    """n Febrl-style person records, `duplicate_share` of them corrupted copies (up to 5 per original)."""
    rng = np.random.default_rng(seed)
    originals = int(n * (1 - duplicate_share))
    given = _zipf_pool(rng, GIVEN, 800, originals)
    surname = _zipf_pool(rng, (), 6000, originals)
    street_names = _zipf_pool(rng, (), 3000, originals)
    n_suburbs = max(50, originals // 40)
    suburbs = np.array([_word(rng, 2, 3) for _ in range(n_suburbs)])
    postcodes = rng.integers(2000, 7999, size=n_suburbs).astype(str)
    suburb_of = rng.integers(0, n_suburbs, size=originals)
    base = []
    for i in range(originals):
        full, _ = STREET_TYPES[rng.integers(0, len(STREET_TYPES))]
        day = pd.Timestamp("1920-01-01") + pd.Timedelta(days=int(rng.integers(0, 32000)))
        s = suburb_of[i]
        base.append({
            "rec_id": f"rec-{i}-org", "given_name": given[i], "surname": surname[i],
            "street_number": str(rng.integers(1, 400)), "address_1": f"{street_names[i]} {full}",
            "address_2": _word(rng, 2, 3) if rng.random() < 0.6 else None, "suburb": suburbs[s],
            "postcode": postcodes[s], "state": STATES[s % len(STATES)], "date_of_birth": day.strftime("%Y%m%d"),
            "soc_sec_id": str(rng.integers(1_000_000, 9_999_999)),
        })
    records, entity = list(base), list(range(originals))
    copies = np.zeros(originals, dtype=int)
    while len(records) < n:
        i = int(rng.integers(0, originals))
        if copies[i] >= 5:
            continue
        dup = _corrupt_person(rng, base[i])
        dup["rec_id"] = f"rec-{i}-dup-{copies[i]}"
        copies[i] += 1
        records.append(dup)
        entity.append(i)
    frame = pd.DataFrame(records)
    return frame, _pairs_within(frame["rec_id"].to_numpy(), np.asarray(entity))


def _pairs_within(ids: np.ndarray, entity: np.ndarray) -> set[tuple[str, str]]:
    out = set()
    order = np.argsort(entity, kind="stable")
    groups = np.split(ids[order], np.flatnonzero(np.diff(entity[order])) + 1)
    for group in groups:
        members = sorted(group.tolist())
        out.update((a, b) for x, a in enumerate(members) for b in members[x + 1:])
    return out


# --- companies -----------------------------------------------------------------------------------

COUNTRIES = {
    "US": {"forms": ("Inc", "Inc.", "Incorporated", "Corp", "Corporation", "LLC"), "phone": "+1 {a}{b} 555 {c}",
           "national": "({a}{b}) 555-{c}", "tld": "com", "tax": "{d2}-{d7}", "post": "{d5}",
           "cities": ("Springfield", "Austin", "Denver", "Portland", "Boston", "Chicago")},
    "GB": {"forms": ("Ltd", "Limited", "PLC"), "phone": "+44 20 7{a}{b} {c}", "national": "020 7{a}{b} {c}",
           "tld": "co.uk", "tax": "GB{d9}", "post": "SW{d1}A {d1}AA",
           "cities": ("London", "Leeds", "Bristol", "Manchester")},
    "DE": {"forms": ("GmbH", "AG", "GmbH & Co. KG"), "phone": "+49 30 {a}{b}{c}", "national": "030 {a}{b}{c}",
           "tld": "de", "tax": "DE{d9}", "post": "{d5}", "cities": ("Berlin", "Hamburg", "München", "Köln")},
    "FR": {"forms": ("SAS", "SARL", "SA"), "phone": "+33 1 {a} {c}{a}", "national": "01 {a} {c}{a}", "tld": "fr",
           "tax": "FR{d11}", "post": "{d5}", "cities": ("Paris", "Lyon", "Lille", "Nantes")},
    "NL": {"forms": ("B.V.", "BV", "N.V."), "phone": "+31 20 {a}{b}{c}", "national": "020 {a}{b}{c}", "tld": "nl",
           "tax": "NL{d9}B01", "post": "{d4} AB", "cities": ("Amsterdam", "Rotterdam", "Utrecht")},
    "AU": {"forms": ("Pty Ltd", "Pty. Ltd.", "Pty Limited"), "phone": "+61 2 {a}{b}{b}{c}", "national": "(02) {a}{b}{b} {c}",
           "tld": "com.au", "tax": "{d11}", "post": "{d4}", "cities": ("Sydney", "Melbourne", "Brisbane")},
    "IN": {"forms": ("Pvt Ltd", "Private Limited", "Pvt. Ltd."), "phone": "+91 22 {a}{b}{b}{c}",
           "national": "022 {a}{b}{b}{c}", "tld": "in", "tax": "{d2}AAPC{d5}{d2}Z{d1}", "post": "{d6}",
           "cities": ("Mumbai", "Pune", "Bengaluru")},
}
INDUSTRY = ("Technologies", "Logistics", "Consulting", "Manufacturing", "Services", "Systems", "Foods",
            "Engineering", "Solutions", "Industries", "Media", "Energy")
GROUPS = ("Group", "Partners", "Holdings", "International", "Labs")
VARIANTS = {"Technologies": "Tech", "International": "Intl", "Services": "Svcs", "Group": "Grp",
            "Management": "Mgmt", "Manufacturing": "Mfg", "Systems": "Sys", " and ": " & ", " & ": " and "}


def _digits(rng, k):
    return "".join(rng.choice(list(string.digits), size=k))


def _fill(rng, pattern: str) -> str:
    out = pattern
    for k in (11, 9, 7, 6, 5, 4, 2, 1):
        while f"{{d{k}}}" in out:
            out = out.replace(f"{{d{k}}}", _digits(rng, k), 1)
    return out


def _company(rng, brand: str, country: str, tail: str, city: str | None = None) -> dict:
    c = COUNTRIES[country]
    a, b, cc = _digits(rng, 2), _digits(rng, 1), _digits(rng, 4)
    slug = brand.lower().replace(" ", "")
    return {
        "brand": brand, "tail": tail, "country": country, "form": rng.choice(c["forms"]),
        "tax_id": _fill(rng, c["tax"]), "city": city or rng.choice(c["cities"]), "postal_code": _fill(rng, c["post"]),
        "street": f"{int(rng.integers(1, 300))} {_word(rng, 2, 3).title()} {rng.choice(['Street', 'Road', 'Avenue'])}",
        "phone_parts": (a, b, cc), "domain": f"{slug}{tail.lower()[:4]}.{c['tld']}", "mailbox": rng.choice(
            ["info", "accounts", "sales", "contact"]),
    }


def _write(rng, entity: dict, system: str) -> dict:
    """One system's record of a company: CRM writes it cleanly, ERP in its own habits, both with noise."""
    c = COUNTRIES[entity["country"]]
    a, b, cc = entity["phone_parts"]
    name = f"{entity['brand']} {entity['tail']} {entity['form']}"
    phone = (c["phone"] if system == "crm" else c["national"]).format(a=a, b=b, c=cc)
    website = f"https://www.{entity['domain']}/" if system == "crm" else entity["domain"]
    tax = entity["tax_id"]
    street = entity["street"]
    if system == "erp":
        for long, short in VARIANTS.items():
            if long in name and rng.random() < 0.6:
                name = name.replace(long, short)
        if rng.random() < 0.3:
            name = name.upper()
        if rng.random() < 0.3:
            name = rng.choice(list(c["forms"])).join(name.rsplit(entity["form"], 1))
        if rng.random() < 0.15:
            name = "The " + name
        tax = " ".join(tax[i:i + 3] for i in range(0, len(tax), 3))
        street = street.replace("Street", "St.").replace("Road", "Rd").replace("Avenue", "Ave")
        if rng.random() < 0.2:
            website = f"http://{entity['domain']}/about"
    if system == "erp" and rng.random() < 0.1:  # the short name: "Acme GmbH" for "Acme Technologies GmbH"
        name = name.replace(f" {entity['tail']}", "").replace(f" {entity['tail'].upper()}", "")
    if rng.random() < 0.12:
        name = _typo(rng, name)
    if rng.random() < (0.45 if system == "erp" else 0.25):
        tax = None
    if rng.random() < 0.25:
        phone = None
    if rng.random() < 0.25:
        website = None
    if system == "erp" and rng.random() < 0.05:  # moved: another street and postal code since
        street = f"{int(rng.integers(1, 300))} {_word(rng, 2, 3).title()} Street"
        entity = {**entity, "postal_code": _fill(rng, c["post"])}
    return {"name": name, "tax_id": tax, "country": entity["country"], "city": entity["city"],
            "postal_code": entity["postal_code"], "address_line1": street, "phone": phone,
            "email": None if rng.random() < 0.3 else f"{entity['mailbox']}@{entity['domain']}", "website": website}


def companies(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """About n companies in a CRM and an ERP list; 85% of companies appear in both."""
    crm, erp, truth, _groups = companies_with_lookalikes(n, seed)
    return crm, erp, truth


def companies_with_lookalikes(n: int, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]],
                                                                 dict[int, str]]:
    """`companies(n, seed)` (the same records) plus the look-alike groups: entity index -> group label
    for the hard negatives, the companies made on purpose to look like another one (a brand's
    subsidiary abroad, "Brand Group" and "Brand Partners"). Record ids end in their entity index."""
    rng = np.random.default_rng(seed)
    entities, groups = [], {}
    while len(entities) < n:
        brand = _word(rng, 2, 3).title()
        country = rng.choice(list(COUNTRIES))
        entities.append(_company(rng, brand, country, rng.choice(INDUSTRY)))
        roll = rng.random()
        if roll < 0.15:  # hard negative: the brand's subsidiary in another country, its own tax id
            other = rng.choice([c for c in COUNTRIES if c != country])
            entities.append(_company(rng, brand, other, entities[-1]["tail"]))
            if rng.random() < 0.5:  # ... often behind the group's global web site and mailboxes
                entities[-1]["domain"] = entities[-2]["domain"]
        elif roll < 0.3:  # hard negative: "Brand Group" vs "Brand Partners", same country, another city
            first, second = rng.choice(GROUPS, size=2, replace=False)
            entities[-1]["tail"] = first
            cities = [c for c in COUNTRIES[country]["cities"] if c != entities[-1]["city"]]
            entities.append(_company(rng, brand, country, second, rng.choice(cities)))
        if roll < 0.3:
            first = len(entities) - 2
            groups[first] = groups[first + 1] = f"{'abroad' if roll < 0.15 else 'sibling'}-{first}"
    crm, erp, truth = [], [], set()
    for i, entity in enumerate(entities):
        in_crm, in_erp = rng.random() < 0.93, rng.random() < 0.92
        if in_crm:
            crm.append({"id": f"crm-{i}", **_write(rng, entity, "crm")})
        if in_erp:
            erp.append({"id": f"erp-{i}", **_write(rng, entity, "erp")})
        if in_crm and in_erp:
            truth.add((f"crm-{i}", f"erp-{i}"))
    return pd.DataFrame(crm), pd.DataFrame(erp), truth, groups
