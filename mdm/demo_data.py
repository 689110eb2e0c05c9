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


def demo_records(seed: int = 7, customers: int = 400) -> dict[tuple[str, str], list[IncomingRecord]]:
    """{(system, domain): records}: Salesforce and NetSuite views of `customers` companies."""
    rng = random.Random(seed)
    companies = _companies(rng, customers)
    base_time = datetime(2026, 6, 1, tzinfo=UTC)
    out: dict[tuple[str, str], list[IncomingRecord]] = {
        (system, domain): [] for system in ("salesforce", "netsuite") for domain in ("customer", "contract", "project")}

    def stamp() -> datetime:
        return base_time + timedelta(minutes=rng.randint(0, 60 * 24 * 120))

    for company in companies:
        in_crm = rng.random() < 0.85
        in_erp = rng.random() < 0.75 or not in_crm
        sf_id = f"001{company.index:07d}"
        ns_id = str(10_000 + company.index)
        if in_crm:
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
            out[("salesforce", "customer")].append(IncomingRecord(
                sf_id, "Account", account, {"Id": sf_id, **account}, stamp()))
            if rng.random() < 0.06:  # a duplicate account in the CRM itself
                duplicate = dict(account, name=company.name + " " + company.suffix.replace(".", ""), phone="")
                dup_id = f"001{company.index + 5_000_000:07d}"
                out[("salesforce", "customer")].append(IncomingRecord(
                    dup_id, "Account", duplicate, {"Id": dup_id, **duplicate}, stamp()))
            elif rng.random() < 0.08:  # a prospect typed in a hurry: a slip in the name, a mobile phone
                prospect = {"name": _slip(company.name), "country": company.crm_country, "city": company.city,
                            "postal_code": company.postal_code,
                            "phone": f"{company.prefix} 7{rng.randint(100, 999)} {rng.randint(100000, 999999)}"}
                prospect_id = f"001{company.index + 6_000_000:07d}"
                out[("salesforce", "customer")].append(IncomingRecord(
                    prospect_id, "Account", prospect, {"Id": prospect_id, **prospect}, stamp()))
        if in_erp:
            customer = {"name": f"{company.name} {company.suffix}", "country": company.country,
                        "city": company.city, "postal_code": company.postal_code,
                        "address_line1": company.street if rng.random() < 0.8 else "",
                        "phone": f"{company.prefix}{company.phone_digits}", "tax_id": company.tax_id,
                        "currency": company.currency, "payment_terms": rng.choice(["Net 30", "Net 45", "Net 60"]),
                        "credit_status": rng.choice(["good", "good", "good", "on hold"]),
                        "legal_entity": f"Concord Consulting {company.country}", "email": f"ap@{company.domain}"}
            out[("netsuite", "customer")].append(IncomingRecord(
                ns_id, "customer", customer, {"id": ns_id, **customer}, stamp()))

        for number in range(rng.randint(1, 2)):
            contract_no = f"C-{2025 + number}-{company.index:04d}"
            start = date(2025 + number, rng.randint(1, 12), 1)
            end = start + timedelta(days=rng.choice([180, 365, 730]))
            billing = rng.choice(_BILLING)
            value = rng.randint(20, 900) * 1000
            crm_contract = {"number": contract_no, "title": f"{company.name} {rng.choice(_SERVICE_LINES)} programme",
                            "status": "Activated", "start_date": start.isoformat(), "end_date": end.isoformat(),
                            "total_value": f"{value:,}.00", "currency": company.currency, "billing_type": billing[1]}
            sf_contract_id = f"800{company.index:05d}{number}"
            if in_crm:
                out[("salesforce", "contract")].append(IncomingRecord(
                    sf_contract_id, "Contract", {**crm_contract, "customer_source_id": sf_id},
                    {"Id": sf_contract_id, "AccountId": sf_id, **crm_contract}, stamp()))
            ns_contract_id = f"SO{company.index:05d}{number}"
            if in_erp:
                erp_value = value if rng.random() < 0.8 else value + rng.randint(1, 50) * 1000  # a change order
                erp_contract = {**crm_contract, "status": "active", "total_value": str(erp_value),
                                "billing_type": billing[2], "start_date": start.strftime("%d.%m.%Y"),
                                "customer_source_id": ns_id}
                out[("netsuite", "contract")].append(IncomingRecord(
                    ns_contract_id, "salesOrder", erp_contract, {"id": ns_contract_id, **erp_contract}, stamp()))
                for p in range(rng.randint(1, 2)):
                    code = f"PRJ-{company.index:04d}-{number}{p}"
                    project = {"code": code, "name": f"{company.name} {rng.choice(_SERVICE_LINES)}",
                               "status": rng.choice(["In Progress", "Not Started", "Completed"]),
                               "start_date": start.isoformat(), "end_date": end.isoformat(),
                               "project_manager": rng.choice(_MANAGERS), "service_line": rng.choice(_SERVICE_LINES),
                               "billing_type": billing[0], "budget": str(value // 2),
                               "customer_source_id": ns_id, "contract_source_id": ns_contract_id}
                    job_id = f"J{company.index:05d}{number}{p}"
                    out[("netsuite", "project")].append(IncomingRecord(
                        job_id, "job", project, {"id": job_id, **project}, stamp()))
    # A few records no standardization can save: they land in the exception queue.
    out[("salesforce", "customer")].append(IncomingRecord(
        "001BAD0001", "Account", {"name": "Atlantis Advisory", "country": "Atlantis"}, {"Id": "001BAD0001"}, stamp()))
    out[("salesforce", "customer")].append(IncomingRecord(
        "001BAD0002", "Account", {"name": "", "country": "US"}, {"Id": "001BAD0002"}, stamp()))
    out[("netsuite", "contract")].append(IncomingRecord(
        "SOBAD0001", "salesOrder", {"number": "C-BAD-1", "currency": "EURO", "customer_source_id": "10000"},
        {"id": "SOBAD0001"}, stamp()))
    return out
