"""A seeded, realistic demo data set: one consulting firm's customers, contracts and projects as
Salesforce (CRM) and NetSuite (ERP) each hold them — overlapping, formatted differently, with
duplicates and conflicts. Pure: returns IncomingRecords per (system, domain)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mdm.records import IncomingRecord

_STEMS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent",
          "Hooli", "Vandelay", "Dunder", "Gringotts", "Oscorp", "Aperture", "Massive", "Nakatomi", "Virtucon",
          "Monarch", "Abstergo", "Blue Sun", "Cobalt", "Duff", "Ellingson", "Gekko", "Krusty", "Lacuna",
          "Momcorp", "Nordlicht", "Octan", "Pendant", "Quartz", "Rekall", "Sirius", "Tessier", "Ultor", "Veidt",
          "Weyland", "Xanadu", "Yoyodyne", "Zorg", "Alpenglow", "Brightwater", "Cedar", "Delta", "Evergreen",
          "Fjord", "Granite", "Harbor", "Ironwood", "Juniper", "Keystone", "Lighthouse", "Meridian", "Northwind",
          "Orchid", "Pinnacle", "Quill", "Redwood", "Summit", "Tidewater", "Upland", "Vantage", "Willow"]
_KINDS = ["Consulting", "Industries", "Logistics", "Health", "Energy", "Retail", "Bank", "Insurance", "Media",
          "Foods", "Software", "Engineering", "Partners", "Group", "Holdings", "Systems", "Pharma", "Motors"]
_COUNTRIES = [
    # code, CRM spellings, legal suffixes, cities with postal codes, phone prefix, currency
    ("US", ["USA", "United States", "US", "U.S.A."], ["Inc.", "LLC", "Corp."],
     [("New York", "10001"), ("Chicago", "60601"), ("Austin", "73301"), ("Boston", "02108")], "+1", "USD"),
    ("GB", ["United Kingdom", "UK", "Great Britain", "GB"], ["Ltd", "PLC", "Limited"],
     [("London", "EC1A 1BB"), ("Manchester", "M1 1AE"), ("Leeds", "LS1 1UR")], "+44", "GBP"),
    ("DE", ["Germany", "Deutschland", "DE"], ["GmbH", "AG"],
     [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095")], "+49", "EUR"),
    ("NL", ["Netherlands", "Holland", "The Netherlands", "NL"], ["B.V.", "N.V."],
     [("Amsterdam", "1012 AB"), ("Rotterdam", "3011 AA")], "+31", "EUR"),
    ("FR", ["France", "FR"], ["SAS", "SARL", "SA"], [("Paris", "75001"), ("Lyon", "69001")], "+33", "EUR"),
]
_STREETS = {"US": ["{n} Main Street", "{n} Oak Avenue", "{n} Market St"],
            "GB": ["{n} High Street", "{n} Station Road", "{n} Church Lane"],
            "DE": ["Hauptstraße {n}", "Bahnhofstr. {n}", "Lindenallee {n}"],
            "NL": ["Keizersgracht {n}", "Damrak {n}"], "FR": ["{n} rue de Rivoli", "{n} avenue Foch"]}
_INDUSTRIES = ["Financial Services", "Healthcare", "Manufacturing", "Retail", "Energy", "Technology",
               "Public Sector", "Media"]
_SERVICE_LINES = ["Strategy", "Technology Consulting", "Data & Analytics", "Change Management", "Cloud Migration"]
_MANAGERS = ["Ana Silva", "Ben Okafor", "Chloé Martin", "Dirk Bauer", "Emma Clarke", "Farah Khan", "Gustav Berg"]
_BILLING = [("time_and_materials", "Time and Materials", "T&M"), ("fixed_fee", "Fixed Fee", "Fixed Price"),
            ("retainer", "Retainer", "Retainer")]


SERVICE_LINES = tuple(_SERVICE_LINES)
# How the CRM and ERP write each demo country, to its currency (the systems' simulators seeded
# with this data set give an account's opportunities the currency of its country).
COUNTRY_CURRENCIES = {spelling: currency for code, spellings, _suffixes, _cities, _prefix, currency in _COUNTRIES
                      for spelling in (code, *spellings)}


@dataclass
class Company:
    index: int
    name: str
    suffix: str
    country: str
    crm_country: str
    city: str
    postal_code: str
    street: str
    phone_digits: str
    prefix: str
    currency: str
    tax_id: str
    industry: str
    domain: str


def _companies(rng: random.Random, count: int) -> list[Company]:
    companies, used = [], set()
    while len(companies) < count:
        code, spellings, suffixes, cities, prefix, currency = rng.choice(_COUNTRIES)
        base = f"{rng.choice(_STEMS)} {rng.choice(_KINDS)}"
        if (base, code) in used:
            continue
        used.add((base, code))
        city, postal = rng.choice(cities)
        street = rng.choice(_STREETS[code]).format(n=rng.randint(1, 400))
        digits = "".join(rng.choice("0123456789") for _ in range(9))
        if code == "US":
            digits = rng.choice(["212", "312", "512", "617"]) + digits[:7]
        tax = {"US": f"{rng.randint(10, 99)}-{rng.randint(1000000, 9999999)}",
               "GB": f"GB{rng.randint(100000000, 999999999)}", "DE": f"DE{rng.randint(100000000, 999999999)}",
               "NL": f"NL{rng.randint(100000000, 999999999)}B01", "FR": f"FR{rng.randint(10, 99)}{rng.randint(100000000, 999999999)}"}[code]
        companies.append(Company(len(companies), base, rng.choice(suffixes), code, rng.choice(spellings), city, postal,
                                 street, digits, prefix, currency, tax, rng.choice(_INDUSTRIES),
                                 base.lower().replace(" ", "") + rng.choice([".com", ".io", ".co"])))
    return companies


def _slip(name: str) -> str:
    """A key held down too long: the last word's first consonant after its first letter, doubled."""
    *head, last = name.split()
    at = next((i for i, c in enumerate(last) if i and c.lower() not in "aeiou"), len(last) - 1)
    return " ".join([*head, last[:at + 1] + last[at] + last[at + 1:]])


def _crm_phone(company: Company, rng: random.Random) -> str:
    d = company.phone_digits
    return rng.choice([f"{company.prefix} {d[:3]} {d[3:6]} {d[6:]}", f"({d[:3]}) {d[3:6]}-{d[6:]}"
                       if company.country == "US" else f"0{d[:3]} {d[3:]}", f"{company.prefix}{d}"])


Records = dict[tuple[str, str], list[IncomingRecord]]


@dataclass
class _Seeding:
    """What every stage draws from: the one random stream (its order makes the data set), the
    clock the records' stamps come from, and the records made so far."""

    rng: random.Random
    base_time: datetime
    out: Records

    def stamp(self) -> datetime:
        return self.base_time + timedelta(minutes=self.rng.randint(0, 60 * 24 * 120))

    def add(self, system: str, domain: str, record: IncomingRecord) -> None:
        self.out[(system, domain)].append(record)


def demo_records(seed: int = 7, customers: int = 400) -> Records:
    """{(system, domain): records}: Salesforce and NetSuite views of `customers` companies."""
    rng = random.Random(seed)
    companies = _companies(rng, customers)
    seeding = _Seeding(rng, datetime(2026, 6, 1, tzinfo=UTC), {
        (system, domain): [] for system in ("salesforce", "netsuite") for domain in ("customer", "contract", "project")})
    for company in companies:
        in_crm = rng.random() < 0.85
        in_erp = rng.random() < 0.75 or not in_crm
        sf_id = f"001{company.index:07d}"
        ns_id = str(10_000 + company.index)
        if in_crm:
            _crm_accounts(seeding, company, sf_id)
        if in_erp:
            _erp_customer(seeding, company, ns_id)
        for number in range(rng.randint(1, 2)):
            _contracts(seeding, company, number, sf_id=sf_id if in_crm else None, ns_id=ns_id if in_erp else None)
    _unsaveable_records(seeding)
    return seeding.out


def _crm_accounts(seeding: _Seeding, company: Company, sf_id: str) -> None:
    """The company's Salesforce account, now and then with a duplicate or a hurried prospect beside it."""
    rng = seeding.rng
    name = f"{company.name} {company.suffix}"
    if rng.random() < 0.3:
        name = name.upper()
    account = {"name": name, "country": company.crm_country, "city": company.city,
               "postal_code": company.postal_code, "address_line1": company.street,
               "phone": _crm_phone(company, rng), "website": f"https://www.{company.domain}/",
               "industry": company.industry, "email": f"info@{company.domain}",
               "tax_id": company.tax_id if rng.random() < 0.3 else ""}
    if rng.random() < 0.15:  # sales typed a different phone: a conflict survivorship settles
        account["phone"] = f"{company.prefix} {rng.randint(100, 999)} {rng.randint(1000000, 9999999)}"
    seeding.add("salesforce", "customer", IncomingRecord(sf_id, "Account", account, {"Id": sf_id, **account},
                                                         seeding.stamp()))
    if rng.random() < 0.06:  # a duplicate account in the CRM itself
        duplicate = dict(account, name=company.name + " " + company.suffix.replace(".", ""), phone="")
        dup_id = f"001{company.index + 5_000_000:07d}"
        seeding.add("salesforce", "customer", IncomingRecord(dup_id, "Account", duplicate,
                                                             {"Id": dup_id, **duplicate}, seeding.stamp()))
    elif rng.random() < 0.08:  # a prospect typed in a hurry: a slip in the name, a mobile phone
        prospect = {"name": _slip(company.name), "country": company.crm_country, "city": company.city,
                    "postal_code": company.postal_code,
                    "phone": f"{company.prefix} 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"}
        prospect_id = f"001{company.index + 6_000_000:07d}"
        seeding.add("salesforce", "customer", IncomingRecord(prospect_id, "Account", prospect,
                                                             {"Id": prospect_id, **prospect}, seeding.stamp()))


def _erp_customer(seeding: _Seeding, company: Company, ns_id: str) -> None:
    """The company as NetSuite bills it: its legal name, ERP country code, terms and credit status."""
    rng = seeding.rng
    customer = {"name": f"{company.name} {company.suffix}", "country": company.country,
                "city": company.city, "postal_code": company.postal_code,
                "address_line1": company.street if rng.random() < 0.8 else "",
                "phone": f"{company.prefix}{company.phone_digits}", "tax_id": company.tax_id,
                "currency": company.currency, "payment_terms": rng.choice(["Net 30", "Net 45", "Net 60"]),
                "credit_status": rng.choice(["good", "good", "good", "on hold"]),
                "legal_entity": f"Concord Consulting {company.country}", "email": f"ap@{company.domain}"}
    seeding.add("netsuite", "customer", IncomingRecord(ns_id, "customer", customer, {"id": ns_id, **customer},
                                                       seeding.stamp()))


def _contracts(seeding: _Seeding, company: Company, number: int, *, sf_id: str | None, ns_id: str | None) -> None:
    """One contract as the CRM signed it and (where the ERP knows the company) as the ERP holds it,
    sometimes after a change order, with the ERP's projects under it."""
    rng = seeding.rng
    contract_no = f"C-{2025 + number}-{company.index:04d}"
    start = date(2025 + number, rng.randint(1, 12), 1)
    end = start + timedelta(days=rng.choice([180, 365, 730]))
    billing = rng.choice(_BILLING)
    value = rng.randint(20, 900) * 1000
    crm_contract = {"number": contract_no, "title": f"{company.name} {rng.choice(_SERVICE_LINES)} programme",
                    "status": "Activated", "start_date": start.isoformat(), "end_date": end.isoformat(),
                    "total_value": f"{value:,}.00", "currency": company.currency, "billing_type": billing[1]}
    if sf_id is not None:
        sf_contract_id = f"800{company.index:05d}{number}"
        seeding.add("salesforce", "contract", IncomingRecord(
            sf_contract_id, "Contract", {**crm_contract, "customer_source_id": sf_id},
            {"Id": sf_contract_id, "AccountId": sf_id, **crm_contract}, seeding.stamp()))
    if ns_id is None:
        return
    ns_contract_id = str(200_000 + company.index * 10 + number)  # NetSuite internal ids are numbers
    erp_value = value if rng.random() < 0.8 else value + rng.randint(1, 50) * 1000  # a change order
    erp_contract = {**crm_contract, "status": "active", "total_value": str(erp_value),
                    "billing_type": billing[2], "start_date": start.strftime("%d.%m.%Y"),
                    "customer_source_id": ns_id}
    seeding.add("netsuite", "contract", IncomingRecord(
        ns_contract_id, "salesOrder", erp_contract, {"id": ns_contract_id, **erp_contract}, seeding.stamp()))
    for p in range(rng.randint(1, 2)):
        _erp_project(seeding, company, f"{number}{p}", start=start, end=end, billing_type=billing[0], value=value,
                     ns_id=ns_id, ns_contract_id=ns_contract_id)


def _erp_project(seeding: _Seeding, company: Company, suffix: str, *, start: date, end: date, billing_type: str,
                 value: int, ns_id: str, ns_contract_id: str) -> None:
    """A NetSuite job delivering the contract: its manager, service line and half the contract as budget."""
    rng = seeding.rng
    code = f"PRJ-{company.index:04d}-{suffix}"
    project = {"code": code, "name": f"{company.name} {rng.choice(_SERVICE_LINES)}",
               "status": rng.choice(["In Progress", "Not Started", "Completed"]),
               "start_date": start.isoformat(), "end_date": end.isoformat(),
               "project_manager": rng.choice(_MANAGERS), "service_line": rng.choice(_SERVICE_LINES),
               "billing_type": billing_type, "budget": str(value // 2),
               "customer_source_id": ns_id, "contract_source_id": ns_contract_id}
    job_id = str(300_000 + company.index * 100 + int(suffix))
    seeding.add("netsuite", "project", IncomingRecord(job_id, "job", project, {"id": job_id, **project},
                                                      seeding.stamp()))


def _unsaveable_records(seeding: _Seeding) -> None:
    """A few records no standardization can save: they land in the exception queue."""
    seeding.add("salesforce", "customer", IncomingRecord(
        "001BAD0001", "Account", {"name": "Atlantis Advisory", "country": "Atlantis"}, {"Id": "001BAD0001"},
        seeding.stamp()))
    seeding.add("salesforce", "customer", IncomingRecord(
        "001BAD0002", "Account", {"name": "", "country": "US"}, {"Id": "001BAD0002"}, seeding.stamp()))
    seeding.add("netsuite", "contract", IncomingRecord(
        "209999", "salesOrder", {"number": "C-BAD-1", "currency": "EURO", "customer_source_id": "10000"},
        {"id": "209999"}, seeding.stamp()))
