"""A small, demo-like world built through the real services: Salesforce and NetSuite views of a few
companies, with one clean duplicate, one false friend, one governed duplicate (both have contracts),
a quarantined record, a dead outbound message, and the console's personas."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command

from matching.models import MatchCandidate
from mdm.choices import OutboxStatus
from mdm.models import Contract, CrossReference, Customer, OutboxMessage, Project, QuarantinedRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest

T0 = datetime(2026, 6, 1, tzinfo=UTC)

SALESFORCE_ACCOUNTS = [
    ("001A", "Acme GmbH", "DE 111 111 111", "Germany", "Berlin", "10115", "+49 30 1111111"),
    ("001B", "Globex AG", "DE222222222", "Deutschland", "München", "80331", "+49 89 2222222"),
    ("001C", "Stark Industries GmbH", "DE555555555", "Germany", "Hamburg", "20095", "+49 40 5555555"),
    ("001D", "Wayne Enterprises B.V.", "NL666666666B01", "Netherlands", "Amsterdam", "1012 AB", "+31 20 6666666"),
    ("001E", "Umbrella Ltd", "GB777777777", "United Kingdom", "London", "EC1A 1BB", "+44 20 7777777"),
]
NETSUITE_CUSTOMERS = [
    ("C-1", "ACME GmbH", "DE111111111", "DE", "Berlin-Mitte", "10115", "+49 30 1111112"),
    ("C-2", "Globex Aktiengesellschaft", "DE222222223", "DE", "Muenchen", "80331", "+49 89 2222222"),
    ("C-3", "Stark Industrie GmbH", "DE555555556", "DE", "Hamburg", "20095", "+49 40 5555555"),
    ("C-4", "Wayne Foods B.V.", "NL999999999B01", "NL", "Rotterdam", "3011 AA", "+31 10 9999999"),
    ("C-5", "Umbrella Pharma UK", "GB777777778", "GB", "London", "EC1A 1BB", "+44 20 7777777"),
]


@dataclass
class World:
    acme: Customer
    globex_sf: Customer
    globex_ns: Customer
    stark_sf: Customer
    stark_ns: Customer
    wayne_sf: Customer
    wayne_ns: Customer
    umbrella_sf: Customer
    umbrella_ns: Customer
    stark_candidate: MatchCandidate
    wayne_candidate: MatchCandidate
    globex_candidate: MatchCandidate
    umbrella_candidate: MatchCandidate
    project: Project
    quarantined: QuarantinedRecord
    dead: OutboxMessage


def golden_of(system: str, source_id: str) -> str:
    return CrossReference.objects.get(source_record__system__name=system, source_record__source_id=source_id).golden_id


def _customers_from_both_systems() -> None:
    """Salesforce's accounts (and one without a name, for the exception queue), NetSuite's customers."""
    sf = [IncomingRecord(sid, "Account", {"name": name, "tax_id": tax, "country": country, "city": city,
                                           "postal_code": postal, "phone": phone, "industry": "Manufacturing"},
                         {"Id": sid}, T0 + timedelta(days=i))
          for i, (sid, name, tax, country, city, postal, phone) in enumerate(SALESFORCE_ACCOUNTS)]
    sf.append(IncomingRecord("001Z", "Account", {"name": "", "country": "Germany"}, {"Id": "001Z"}, T0))
    source_records_ingest(system="salesforce", domain="customer", records=sf)
    ns = [IncomingRecord(sid, "customer", {"name": name, "tax_id": tax, "country": country, "city": city,
                                            "postal_code": postal, "phone": phone, "legal_entity": "Concord GmbH",
                                            "currency": "EUR", "payment_terms": "Net 30"},
                         {"id": sid}, T0 + timedelta(days=10 + i))
          for i, (sid, name, tax, country, city, postal, phone) in enumerate(NETSUITE_CUSTOMERS)]
    source_records_ingest(system="netsuite", domain="customer", records=ns)


def _contracts_and_a_project() -> None:
    """Contracts for Acme and Globex in NetSuite, Globex's retainer in Salesforce, Acme's rollout."""
    source_records_ingest(system="netsuite", domain="contract", records=[
        IncomingRecord("K-1", "contract", {"number": "K-1", "title": "Acme platform", "status": "active",
                                           "customer_source_id": "C-1", "currency": "EUR", "total_value": "120000"}),
        IncomingRecord("K-2", "contract", {"number": "K-2", "title": "Globex audit", "status": "active",
                                           "customer_source_id": "C-2", "currency": "EUR", "total_value": "50000"}),
    ])
    source_records_ingest(system="salesforce", domain="contract", records=[
        IncomingRecord("800B", "Contract", {"number": "SF-800B", "title": "Globex retainer", "status": "signed",
                                            "customer_source_id": "001B", "currency": "EUR"}),
    ])
    source_records_ingest(system="netsuite", domain="project", records=[
        IncomingRecord("P-1", "job", {"code": "P-1", "name": "Acme rollout", "status": "in progress",
                                      "customer_source_id": "C-1", "contract_source_id": "K-1",
                                      "project_manager": "Ana Silva"}),
    ])



def build_world() -> World:
    _customers_from_both_systems()
    _contracts_and_a_project()

    def customer(system, sid):
        return Customer.objects.get(pk=golden_of(system, sid))

    def candidate(a, b, score, contributions):
        return MatchCandidate.objects.create(domain="customer", golden_id_a=a.id, golden_id_b=b.id, score=score,
                                             contributions=contributions, rule="model")

    world = World(
        acme=customer("salesforce", "001A"),
        globex_sf=customer("salesforce", "001B"), globex_ns=customer("netsuite", "C-2"),
        stark_sf=customer("salesforce", "001C"), stark_ns=customer("netsuite", "C-3"),
        wayne_sf=customer("salesforce", "001D"), wayne_ns=customer("netsuite", "C-4"),
        umbrella_sf=customer("salesforce", "001E"), umbrella_ns=customer("netsuite", "C-5"),
        stark_candidate=None, wayne_candidate=None, globex_candidate=None, umbrella_candidate=None,
        project=Project.objects.get(pk=golden_of("netsuite", "P-1")),
        quarantined=QuarantinedRecord.objects.get(source_id="001Z"),
        dead=OutboxMessage.objects.filter(domain="customer").first(),
    )
    world.stark_candidate = candidate(world.stark_sf, world.stark_ns, 0.91,
                                      {"name": 6.2, "tax_id": -1.5, "city": 2.1, "phone": 4.0})
    world.wayne_candidate = candidate(world.wayne_sf, world.wayne_ns, 0.62,
                                      {"name": 3.1, "tax_id": -4.0, "city": -1.2, "phone": -2.0})
    world.globex_candidate = candidate(world.globex_sf, world.globex_ns, 0.88,
                                       {"name": 3.9, "tax_id": -1.0, "city": 1.0, "phone": 4.0})
    world.umbrella_candidate = candidate(world.umbrella_sf, world.umbrella_ns, 0.85,
                                         {"name": 5.0, "tax_id": -1.0, "phone": 4.0})
    OutboxMessage.objects.filter(pk=world.dead.pk).update(status=OutboxStatus.DEAD, attempts=8,
                                                          last_error="HTTP 400 from NetSuite: INVALID_FIELD phone")
    world.dead.refresh_from_db()
    assert Contract.objects.filter(customer=world.globex_sf).exists()
    assert Contract.objects.filter(customer=world.globex_ns).exists()
    return world


def demo_users() -> dict[str, object]:
    call_command("create_demo_users", stdout=open("/dev/null", "w"))
    User = get_user_model()
    return {user.username: user for user in User.objects.all()}


PASSWORD_SUFFIX = "-demo"
