"""Seeded, realistic professional-services data: the consulting firm's clients as the CRM and the
ERP each hold them, with the messiness real systems have (country written five ways, phones in
local and international formats, the odd duplicate account, missing tax ids).

`companies(seed, n)` is the shared universe; each simulator renders its own view of it, so the
same seed gives overlapping customers in Salesforce and NetSuite (what matching is for).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

# country code -> (spellings systems use, legal suffixes, cities (city, postal code), phone prefix,
#                  tax id pattern, currency)
COUNTRIES = {
    "US": (["USA", "United States", "US", "U.S.A.", "United States of America"], ["Inc.", "LLC", "Corp."],
           [("New York", "10017"), ("Chicago", "60606"), ("San Francisco", "94105"), ("Austin", "78701")],
           "+1", "{d2}-{d7}", "USD"),
    "GB": (["United Kingdom", "UK", "Great Britain", "GB", "England"], ["Ltd", "Limited", "PLC", "LLP"],
           [("London", "EC2A 4NE"), ("Manchester", "M1 1AE"), ("Edinburgh", "EH2 2ER")],
           "+44", "GB{d9}", "GBP"),
    "DE": (["Deutschland", "Germany", "DE", "Federal Republic of Germany"], ["GmbH", "AG", "GmbH & Co. KG"],
           [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Frankfurt am Main", "60311")],
           "+49", "DE{d9}", "EUR"),
    "NL": (["Holland", "Netherlands", "The Netherlands", "NL", "Nederland"], ["B.V.", "N.V."],
           [("Amsterdam", "1017 AB"), ("Rotterdam", "3011 AD"), ("Utrecht", "3511 LX")],
           "+31", "NL{d9}B01", "EUR"),
    "FR": (["France", "FR", "République française"], ["SAS", "SA", "SARL"],
           [("Paris", "75008"), ("Lyon", "69002"), ("Lille", "59000")], "+33", "FR{d11}", "EUR"),
    "CA": (["Canada", "CA", "CAN"], ["Ltd.", "Inc.", "Corp."],
           [("Toronto", "M5H 2N2"), ("Vancouver", "V6C 1T2"), ("Montréal", "H3B 2Y5")], "+1", "{d9}RT0001", "CAD"),
    "AU": (["Australia", "AU", "AUS"], ["Pty Ltd", "Limited"],
           [("Sydney", "2000"), ("Melbourne", "3000")], "+61", "{d11}", "AUD"),
    "IE": (["Ireland", "IE", "Éire"], ["Ltd", "DAC"], [("Dublin", "D02 X285"), ("Cork", "T12 RX8N")],
           "+353", "IE{d7}A", "EUR"),
    "CH": (["Switzerland", "Schweiz", "CH", "Suisse"], ["AG", "GmbH", "SA"],
           [("Zürich", "8001"), ("Genève", "1204"), ("Basel", "4051")], "+41", "CHE-{d3}.{d3}.{d3}", "CHF"),
    "ES": (["Spain", "España", "ES"], ["S.L.", "S.A."], [("Madrid", "28013"), ("Barcelona", "08002")],
           "+34", "ES{d9}", "EUR"),
}
_STEMS = ["Northwind", "Blue Harbor", "Granite Peak", "Meridian", "Silverline", "Aurora", "Keystone", "Summit",
          "Redwood", "Bright Path", "Ironbridge", "Crescent", "Harborview", "Lakeshore", "Pinnacle", "Sterling",
          "Oakridge", "Evergreen", "Bluewater", "Cobalt", "Westfield", "Falcon", "Horizon", "Vertex", "Lumen",
          "Atlas", "Beacon", "Cedar", "Delta", "Elm Street", "Fjord", "Helios", "Juniper", "Kestrel", "Larch",
          "Mistral", "Nordlicht", "Orion", "Polaris", "Quarry", "Rhein", "Saffron", "Tamar", "Union", "Vantage"]
_TRADES = ["Logistics", "Health", "Insurance", "Energy", "Retail Group", "Bank", "Manufacturing", "Telecom",
           "Foods", "Pharma", "Capital", "Mobility", "Media", "Utilities", "Chemicals", "Software"]
INDUSTRIES = ["Banking", "Insurance", "Healthcare", "Retail", "Manufacturing", "Energy", "Telecommunications",
              "Technology", "Government", "Media", "Transportation", "Pharmaceuticals"]
_STREETS = ["Market Street", "High Street", "Hauptstraße", "Keizersgracht", "Rue de Rivoli", "King Street West",
            "George Street", "Bahnhofstrasse", "Calle de Alcalá", "Main Street", "Friedrichstraße", "Damrak"]
SERVICE_LINES = ["Strategy", "Technology Consulting", "Data & Analytics", "Change Management", "Cloud Migration",
                 "Cybersecurity", "Finance Transformation"]
MANAGERS = ["Ana Silva", "Ben Okafor", "Chloé Martin", "Dirk Bauer", "Emma Clarke", "Farah Khan", "Gustav Berg",
            "Hiro Tanaka", "Isabel Ruiz"]
FIRST_NAMES = ["Anna", "James", "Lena", "Marco", "Priya", "Sam", "Sofia", "Tom", "Yuki", "Zoe", "Lars", "Nina"]
LAST_NAMES = ["Smith", "Müller", "de Vries", "Dubois", "Rossi", "Nguyen", "O'Brien", "García", "Schmidt", "Lee"]
# A fixed epoch keeps seeded data identical between runs; live changes are stamped with the real clock.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Company:
    index: int
    name: str  # without suffix
    suffix: str
    country: str  # ISO code
    spelling: str  # how this record writes the country
    city: str
    postal_code: str
    street: str
    phone_prefix: str
    phone_digits: str
    tax_id: str
    currency: str
    industry: str
    domain: str

    @property
    def legal_name(self) -> str:
        return f"{self.name} {self.suffix}"


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(n))


def _tax_id(rng: random.Random, pattern: str) -> str:
    out = pattern
    for n in (11, 9, 7, 3, 2):
        while f"{{d{n}}}" in out:
            out = out.replace(f"{{d{n}}}", _digits(rng, n), 1)
    return out


def companies(seed: int, n: int) -> list[Company]:
    rng = random.Random(seed)
    out, used = [], set()
    codes = list(COUNTRIES)
    for index in range(n):
        code = rng.choices(codes, weights=[5, 4, 4, 3, 2, 2, 1, 1, 1, 1])[0]
        spellings, suffixes, cities, prefix, tax_pattern, currency = COUNTRIES[code]
        while True:
            name = f"{rng.choice(_STEMS)} {rng.choice(_TRADES)}"
            if name not in used or len(used) > len(_STEMS) * len(_TRADES) - 5:
                break
        if name in used:
            name = f"{name} {index}"
        used.add(name)
        city, postal = rng.choice(cities)
        out.append(Company(
            index=index + 1, name=name, suffix=rng.choice(suffixes), country=code, spelling=rng.choice(spellings),
            city=city, postal_code=postal, street=f"{rng.randint(1, 250)} {rng.choice(_STREETS)}",
            phone_prefix=prefix, phone_digits=_digits(rng, 9 if prefix != "+1" else 10),
            tax_id=_tax_id(rng, tax_pattern), currency=currency, industry=rng.choice(INDUSTRIES),
            domain=name.lower().replace(" ", "") + {"US": ".com", "GB": ".co.uk"}.get(code, f".{code.lower()}")))
    return out


def phone_formats(rng: random.Random, company: Company) -> str:
    """The same number as different people type it."""
    d, p = company.phone_digits, company.phone_prefix
    if p == "+1":
        return rng.choice([f"+1 ({d[:3]}) {d[3:6]}-{d[6:]}", f"{d[:3]}.{d[3:6]}.{d[6:]}", f"({d[:3]}) {d[3:6]}-{d[6:]}",
                           f"+1{d}", f"1-{d[:3]}-{d[3:6]}-{d[6:]}"])
    return rng.choice([f"{p} {d[:2]} {d[2:5]} {d[5:]}", f"0{d[:2]} {d[2:5]} {d[5:]}", f"00{p[1:]} {d}",
                       f"{p}{d}", f"({d[:2]}) {d[2:]}", f"0{d[:2]}/{d[2:]}"])


def stamp(rng: random.Random, days: int = 300, spread_seconds: bool = True) -> datetime:
    """A seeded modification time after EPOCH (whole seconds, or whole minutes to make ties)."""
    moment = EPOCH + timedelta(minutes=rng.randint(0, days * 24 * 60))
    return moment + timedelta(seconds=rng.randint(0, 59)) if spread_seconds else moment


def contract_dates(rng: random.Random) -> tuple[date, date]:
    start = date(rng.choice([2025, 2026]), rng.randint(1, 12), 1)
    return start, start + timedelta(days=rng.choice([90, 180, 365, 730]))
