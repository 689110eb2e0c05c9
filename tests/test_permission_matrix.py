"""Every URL of the project × every demo persona: allowed, refused (403), not found (404), sent to
log in, or 401 — and no answer a persona gets names a record out of that persona's scope.

The personas are the demo's (create_demo_users): `steward_customers` stewards customers of DE, NL
and FR; `steward_projects` projects only; `council` approves; `auditor` reads everything and
changes nothing; `integration` is the API's (the console is not for it); `admin` is a superuser.

The URL list is walked from the resolver: a URL added without an entry in MATRIX fails
test_every_url_has_an_entry_in_the_matrix. Writes run inside a savepoint that is rolled back, so
each persona meets the same world."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from mdm.models import AttributeOverride, Contract, Customer, Project, Resource
from mdm.policy import policy_load
from mdm.services.ingest import source_records_ingest
from orchestration.models import Flow
from quality.models import Violation
from stewardship import services
from stewardship.models import SavedView
from tests.conftest import at, record
from tests.stewardship.scenario import build_world, demo_users

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "steward_customers", "steward_projects", "council", "auditor", "integration", "admin")
SC_COUNTRIES = {"DE", "NL", "FR"}

OK, LOGIN, UNAUTHORIZED, FORBIDDEN, NOT_FOUND = "ok", "login", "401", "403", "404"


def expect(*outcomes: str) -> dict[str, str]:
    """Outcomes in PERSONAS order."""
    assert len(outcomes) == len(PERSONAS)
    return dict(zip(PERSONAS, outcomes, strict=True))


# The usual shapes: a console page anyone in a console role may open; one that needs a change
# permission on customers; an API read of customers, contracts or projects.
CONSOLE_PAGE = expect(LOGIN, OK, OK, OK, OK, FORBIDDEN, OK)
CUSTOMER_VIEW = expect(LOGIN, OK, FORBIDDEN, OK, OK, FORBIDDEN, OK)
CUSTOMER_CHANGE = expect(LOGIN, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK)
OUT_OF_SC_SCOPE_CHANGE = expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK)
OUT_OF_SC_SCOPE_VIEW = expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, OK)
API_CUSTOMERS = expect(UNAUTHORIZED, OK, FORBIDDEN, OK, OK, OK, OK)
API_CUSTOMER_OUT_OF_SC_SCOPE = expect(UNAUTHORIZED, NOT_FOUND, FORBIDDEN, OK, OK, OK, OK)
API_CONTRACTS = expect(UNAUTHORIZED, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK)
API_PROJECTS = expect(UNAUTHORIZED, FORBIDDEN, OK, OK, OK, OK, OK)
API_ANY_DOMAIN = expect(UNAUTHORIZED, OK, OK, OK, OK, OK, OK)
API_RESOURCES = expect(UNAUTHORIZED, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK)
STAFFING_VIEW = expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, OK, FORBIDDEN, OK)
FLOWS_VIEW = expect(LOGIN, FORBIDDEN, OK, OK, OK, FORBIDDEN, OK)  # a project steward sees project flows
FLOWS_CHANGE = expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK)
EVERYONE = expect(*[OK] * len(PERSONAS))


@dataclass
class Probe:
    """One request: `path(world)`, the method and body, and the outcome per persona."""

    path: Callable[[Any], str]
    outcomes: dict[str, str]
    method: str = "get"
    data: Callable[[Any], dict] | None = None
    json: bool = False
    note: str = ""
    own_client: bool = False  # logging out ends the session the other probes use


@dataclass
class World:
    base: Any
    customers_de: Customer
    customer_gb: Customer
    contract: Contract
    project: Project
    override: AttributeOverride
    change_request: Any
    flow: Flow
    violation_de: Violation
    violation_gb: Violation
    extra: dict = field(default_factory=dict)


def _id(attribute: str) -> Callable[[Any], Any]:
    return lambda w: getattr(w, attribute).pk


def url(name: str, *parts: Callable[[Any], Any] | str | int) -> Callable[[Any], str]:
    return lambda w: reverse(name, args=[part(w) if callable(part) else part for part in parts])


ACME = _id("customers_de")
UMBRELLA = _id("customer_gb")
INGEST_BODY = {"system": "salesforce", "records": [
    {"source_id": "001N", "object_type": "Account", "name": "Newco GmbH", "country": "DE"}]}
MATCH_UMBRELLA = {"name": "Umbrella Ltd", "country": "GB", "tax_id": "GB777777777"}

MATRIX: dict[str, list[Probe]] = {
    # --- Django's own pages ---
    "admin:*": [Probe(lambda w: reverse("admin:index"), expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, OK),
                      note="the admin site is for staff")],
    "login": [Probe(lambda w: reverse("login"), EVERYONE)],
    "logout": [Probe(lambda w: reverse("logout"), expect(*[LOGIN] * 7), method="post", own_client=True,
                     note="logging out sends everyone to the login page")],
    "password_change": [Probe(lambda w: reverse("password_change"), expect(LOGIN, *[OK] * 6))],
    "password_change_done": [Probe(lambda w: reverse("password_change_done"), expect(LOGIN, *[OK] * 6))],
    "password_reset": [Probe(lambda w: reverse("password_reset"), EVERYONE)],
    "password_reset_done": [Probe(lambda w: reverse("password_reset_done"), EVERYONE)],
    "password_reset_confirm": [Probe(lambda w: reverse("password_reset_confirm", args=["MQ", "set-password"]),
                                     EVERYONE, note="an invalid link says so")],
    "password_reset_complete": [Probe(lambda w: reverse("password_reset_complete"), EVERYONE)],
    # --- The console ---
    "stewardship:home": [Probe(lambda w: reverse("stewardship:home"),
                               expect(LOGIN, OK, OK, OK, OK, OK, OK), note="an empty home for the API's role")],
    "stewardship:match_queue": [Probe(lambda w: reverse("stewardship:match_queue"), CONSOLE_PAGE)],
    "stewardship:match_bulk": [
        Probe(lambda w: reverse("stewardship:match_bulk"), CUSTOMER_CHANGE, method="post",
              data=lambda w: {"verb": "reject", "candidate": w.base.stark_candidate.pk, "reason": "different firms"}),
        Probe(lambda w: reverse("stewardship:match_bulk"), OUT_OF_SC_SCOPE_CHANGE, method="post",
              data=lambda w: {"verb": "reject", "candidate": w.base.umbrella_candidate.pk, "reason": "different"})],
    "stewardship:match_decide": [
        Probe(lambda w: reverse("stewardship:match_decide", args=[w.base.stark_candidate.pk, "reject"]),
              CUSTOMER_CHANGE, method="post", data=lambda w: {"reason": "different firms"}),
        Probe(lambda w: reverse("stewardship:match_decide", args=[w.base.umbrella_candidate.pk, "reject"]),
              OUT_OF_SC_SCOPE_CHANGE, method="post", data=lambda w: {"reason": "different firms"})],
    "stewardship:match_preview": [
        Probe(lambda w: reverse("stewardship:match_preview", args=[w.base.stark_candidate.pk]), CUSTOMER_CHANGE,
              note="a dry run of the merge, rolled back"),
        Probe(lambda w: reverse("stewardship:match_preview", args=[w.base.umbrella_candidate.pk]),
              OUT_OF_SC_SCOPE_CHANGE)],
    "stewardship:golden": [
        Probe(url("stewardship:golden", ACME), CUSTOMER_VIEW),
        Probe(url("stewardship:golden", UMBRELLA), OUT_OF_SC_SCOPE_VIEW),
        Probe(url("stewardship:golden", _id("contract")), OUT_OF_SC_SCOPE_VIEW),
        Probe(url("stewardship:golden", _id("project")), expect(LOGIN, FORBIDDEN, OK, OK, OK, FORBIDDEN, OK)),
        Probe(lambda w: reverse("stewardship:golden", args=["CUS-NOPE"]),
              expect(LOGIN, *[NOT_FOUND] * 6), note="no such record, for everyone")],
    "stewardship:resolve": [Probe(url("stewardship:resolve", ACME, "phone"), CUSTOMER_CHANGE),
                            Probe(url("stewardship:resolve", UMBRELLA, "phone"), OUT_OF_SC_SCOPE_CHANGE)],
    "stewardship:override_remove": [Probe(url("stewardship:override_remove", ACME, _id("override")), CUSTOMER_CHANGE,
                                          method="post", data=lambda w: {"reason": "not needed"})],
    "stewardship:merge": [Probe(url("stewardship:merge", ACME), CUSTOMER_CHANGE, method="post",
                                data=lambda w: {"merged_id": "", "reason": "duplicate"}),
                          Probe(url("stewardship:merge", UMBRELLA), OUT_OF_SC_SCOPE_CHANGE, method="post",
                                data=lambda w: {"merged_id": "", "reason": "duplicate"})],
    "stewardship:unmerge": [Probe(url("stewardship:unmerge", ACME), CUSTOMER_CHANGE, method="post",
                                  data=lambda w: {"reason": "not a duplicate"})],
    "stewardship:exceptions": [Probe(lambda w: reverse("stewardship:exceptions"), CONSOLE_PAGE)],
    "stewardship:quarantine_fix": [Probe(lambda w: reverse("stewardship:quarantine_fix", args=[w.base.quarantined.pk]),
                                         CUSTOMER_VIEW)],
    "stewardship:quarantine_discard": [
        Probe(lambda w: reverse("stewardship:quarantine_discard", args=[w.base.quarantined.pk]), CUSTOMER_CHANGE,
              method="post", data=lambda w: {"reason": "test record"})],
    "stewardship:outbox_replay": [Probe(lambda w: reverse("stewardship:outbox_replay", args=[w.base.dead.pk]),
                                        CUSTOMER_CHANGE, method="post")],
    "stewardship:council": [Probe(lambda w: reverse("stewardship:council"), CONSOLE_PAGE)],
    "stewardship:council_decide": [
        Probe(lambda w: reverse("stewardship:council_decide", args=[w.change_request.pk, "reject"]),
              expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK), method="post",
              data=lambda w: {"comment": "keep the ERP's"})],
    # --- Teaching the matcher, model quality, rule changes ---
    "stewardship:teach_queue": [Probe(lambda w: reverse("stewardship:teach_queue"), CONSOLE_PAGE)],
    "stewardship:teach_draw": [Probe(lambda w: reverse("stewardship:teach_draw"), CUSTOMER_CHANGE, method="post",
                                     data=lambda w: {"domain": "customer"})],
    "stewardship:teach_answer": [Probe(lambda w: reverse("stewardship:teach_answer", args=[999999, "unsure"]),
                                       expect(LOGIN, *[NOT_FOUND] * 6), method="post",
                                       note="no such question, for everyone")],
    "stewardship:model_overview": [Probe(lambda w: reverse("stewardship:model_overview"), CONSOLE_PAGE)],
    "stewardship:model_detail": [Probe(lambda w: reverse("stewardship:model_detail", args=["customer"]),
                                       CUSTOMER_VIEW)],
    "stewardship:rule_preview": [Probe(lambda w: reverse("stewardship:rule_preview", args=["customer"]), CUSTOMER_VIEW)],
    "stewardship:rule_preview_detail": [
        Probe(lambda w: reverse("stewardship:rule_preview_detail", args=["customer", 999999]),
              expect(LOGIN, NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN, NOT_FOUND),
              note="no such preview, for those who may look")],
    "stewardship:rule_apply": [
        Probe(lambda w: reverse("stewardship:rule_apply", args=["customer", 999999]),
              expect(LOGIN, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND), method="post",
              note="thresholds hold for every country: a country-scoped steward may not apply them")],
    "stewardship:api-rule-preview": [
        Probe(lambda w: reverse("stewardship:api-rule-preview", args=["customer"]),
              expect(UNAUTHORIZED, OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK), method="post",
              data=lambda w: {"upper": 0.95, "lower": 0.5}, json=True)],
    "stewardship:api-rule-preview-detail": [
        Probe(lambda w: reverse("stewardship:api-rule-preview-detail", args=["customer", 999999]),
              expect(UNAUTHORIZED, NOT_FOUND, FORBIDDEN, NOT_FOUND, NOT_FOUND, FORBIDDEN, NOT_FOUND))],
    "stewardship:api-rule-apply": [
        Probe(lambda w: reverse("stewardship:api-rule-apply", args=["customer", 999999]),
              expect(UNAUTHORIZED, FORBIDDEN, FORBIDDEN, NOT_FOUND, FORBIDDEN, FORBIDDEN, NOT_FOUND),
              method="post", json=True, data=lambda w: {"reason": "fewer false links"})],
    "stewardship:search": [Probe(lambda w: reverse("stewardship:search") + "?q=Umbrella",
                                 expect(LOGIN, OK, OK, OK, OK, OK, OK), note="finds nothing out of scope"),
                           Probe(lambda w: reverse("stewardship:search") + "?q=Umbrella&picker=1&domain=customer",
                                 expect(LOGIN, OK, OK, OK, OK, OK, OK), note="the merge form's picker")],
    "stewardship:golden_list": [
        Probe(lambda w: reverse("stewardship:golden_list"), CONSOLE_PAGE, note="each persona's first domain"),
        Probe(lambda w: reverse("stewardship:golden_list") + "?domain=customer&facets=1", CUSTOMER_VIEW),
        Probe(lambda w: reverse("stewardship:golden_list") + "?domain=customer&q=Umbrella&cols=name,systems,open",
              CUSTOMER_VIEW, note="finds nothing out of scope"),
        Probe(lambda w: reverse("stewardship:golden_list") + "?domain=project&cols=code,customer,contract",
              expect(LOGIN, FORBIDDEN, OK, OK, OK, FORBIDDEN, OK), note="an out-of-scope customer is not named")],
    "stewardship:golden_export": [
        Probe(lambda w: reverse("stewardship:golden_export") + "?format=csv", CONSOLE_PAGE),
        Probe(lambda w: reverse("stewardship:golden_export") + "?domain=customer&format=xlsx", CUSTOMER_VIEW),
        Probe(lambda w: reverse("stewardship:golden_export") + "?domain=project&format=csv&cols=code,customer",
              expect(LOGIN, FORBIDDEN, OK, OK, OK, FORBIDDEN, OK))],
    "stewardship:saved_view_create": [Probe(lambda w: reverse("stewardship:saved_view_create"), CONSOLE_PAGE,
                                            method="post", data=lambda w: {"name": "mine", "sort": "-updated_at"},
                                            note="a view of one's own first domain")],
    "stewardship:saved_view_delete": [Probe(url("stewardship:saved_view_delete", lambda w: w.extra["view"].pk),
                                            expect(LOGIN, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, FORBIDDEN, NOT_FOUND),
                                            method="post", note="steward_customers' own view; nobody else's")],
    "stewardship:exceptions_bulk": [
        Probe(lambda w: reverse("stewardship:exceptions_bulk"), CUSTOMER_CHANGE, method="post",
              data=lambda w: {"kind": "quarantine", "verb": "discard", "item": w.base.quarantined.pk,
                              "reason": "test record"}),
        Probe(lambda w: reverse("stewardship:exceptions_bulk"), CUSTOMER_CHANGE, method="post",
              data=lambda w: {"kind": "dead", "verb": "replay", "item": w.base.dead.pk})],
    "stewardship:council_bulk": [Probe(lambda w: reverse("stewardship:council_bulk"),
                                       expect(LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, OK),
                                       method="post", data=lambda w: {"verb": "reject", "item": w.change_request.pk,
                                                                      "comment": "keep the ERP's"})],
    "stewardship:council_request": [Probe(url("stewardship:council_request", _id("change_request")), CUSTOMER_VIEW,
                                          note="the records side by side and a dry run")],
    "orchestration:flows": [Probe(lambda w: reverse("orchestration:flows"), FLOWS_VIEW)],
    "orchestration:flow": [Probe(url("orchestration:flow", _id("flow")), FLOWS_VIEW)],
    "orchestration:flows_bulk": [Probe(lambda w: reverse("orchestration:flows_bulk"), FLOWS_CHANGE, method="post",
                                       data=lambda w: {"verb": "replay", "item": w.flow.pk})],
    "orchestration:flow_replay": [Probe(url("orchestration:flow_replay", _id("flow")), FLOWS_CHANGE, method="post")],
    "orchestration:flow_cancel": [Probe(url("orchestration:flow_cancel", _id("flow")), FLOWS_CHANGE, method="post",
                                        data=lambda w: {"reason": "lost the deal"})],
    "quality:violations": [Probe(lambda w: reverse("quality:violations"), CONSOLE_PAGE)],
    "quality:bulk": [Probe(lambda w: reverse("quality:bulk"), CUSTOMER_CHANGE, method="post",
                           data=lambda w: {"verb": "waive", "item": w.violation_de.pk, "note": "known"}),
                     Probe(lambda w: reverse("quality:bulk"), OUT_OF_SC_SCOPE_CHANGE, method="post",
                           data=lambda w: {"verb": "waive", "item": w.violation_gb.pk, "note": "known"})],
    "quality:reassign": [Probe(url("quality:reassign", _id("violation_de")), CUSTOMER_CHANGE, method="post",
                               data=lambda w: {"owner": ""}),
                         Probe(url("quality:reassign", _id("violation_gb")), OUT_OF_SC_SCOPE_CHANGE, method="post",
                               data=lambda w: {"owner": ""})],
    "quality:close": [Probe(url("quality:close", _id("violation_de"), "waive"), CUSTOMER_CHANGE, method="post",
                            data=lambda w: {"note": "known"}),
                      Probe(url("quality:close", _id("violation_gb"), "waive"), OUT_OF_SC_SCOPE_CHANGE, method="post",
                            data=lambda w: {"note": "known"})],
    "operations:dashboard": [Probe(lambda w: reverse("operations:dashboard"), CONSOLE_PAGE)],
    "operations:metrics": [Probe(lambda w: reverse("operations:metrics"), expect(*[UNAUTHORIZED] * 7),
                                 note="a machine endpoint: only the metrics token opens it, whoever is logged in")],
    # --- The REST API ---
    "api-root": [Probe(lambda w: reverse("api-root"), API_ANY_DOMAIN)],
    "schema": [Probe(lambda w: reverse("schema"), EVERYONE, note="the API's description, no data")],
    "api-docs": [Probe(lambda w: reverse("api-docs"), EVERYONE, note="the API's description, no data")],
    "customer-list": [Probe(lambda w: reverse("customer-list"), API_CUSTOMERS),
                      Probe(lambda w: reverse("customer-list") + "?country=GB", API_CUSTOMERS)],
    "customer-detail": [
        Probe(url("customer-detail", ACME), API_CUSTOMERS),
        Probe(url("customer-detail", UMBRELLA), API_CUSTOMER_OUT_OF_SC_SCOPE),
        Probe(lambda w: reverse("customer-detail", args=[w.customer_gb.pk]) + "?as_of=2030-01-01T00:00:00Z",
              API_CUSTOMER_OUT_OF_SC_SCOPE)],
    "customer-history": [Probe(url("customer-history", ACME), API_CUSTOMERS),
                         Probe(url("customer-history", UMBRELLA), API_CUSTOMER_OUT_OF_SC_SCOPE)],
    "customer-match": [Probe(lambda w: reverse("customer-match"), API_CUSTOMERS, method="post",
                             data=lambda w: MATCH_UMBRELLA, json=True)],
    "contract-list": [Probe(lambda w: reverse("contract-list"), API_CONTRACTS)],
    "contract-detail": [Probe(url("contract-detail", _id("contract")), API_CONTRACTS)],
    "contract-history": [Probe(url("contract-history", _id("contract")), API_CONTRACTS)],
    "contract-match": [Probe(lambda w: reverse("contract-match"), API_CONTRACTS, method="post",
                             data=lambda w: {"number": "K-1"}, json=True)],
    "resource-list": [Probe(lambda w: reverse("resource-list"), API_RESOURCES)],
    "resource-detail": [Probe(lambda w: reverse("resource-detail", args=[w.extra["resource"].pk]), API_RESOURCES)],
    "resource-history": [Probe(lambda w: reverse("resource-history", args=[w.extra["resource"].pk]), API_RESOURCES)],
    "resource-match": [Probe(lambda w: reverse("resource-match"), API_RESOURCES, method="post",
                             data=lambda w: {"name": "Ada Lovelace"}, json=True)],
    "staffing:staffing": [Probe(lambda w: reverse("staffing:staffing"), STAFFING_VIEW)],
    "staffing:forecast": [Probe(lambda w: reverse("staffing:forecast"), API_RESOURCES)],
    "project-list": [Probe(lambda w: reverse("project-list"), API_PROJECTS)],
    "project-detail": [Probe(url("project-detail", _id("project")), API_PROJECTS)],
    "project-history": [Probe(url("project-history", _id("project")), API_PROJECTS)],
    "project-match": [Probe(lambda w: reverse("project-match"), API_PROJECTS, method="post",
                            data=lambda w: {"code": "P-1"}, json=True)],
    "lookup": [
        Probe(lambda w: reverse("lookup", args=["salesforce", "Account", "001A"]),
              expect(UNAUTHORIZED, OK, NOT_FOUND, OK, OK, OK, OK)),
        Probe(lambda w: reverse("lookup", args=["salesforce", "Account", "001E"]),
              expect(UNAUTHORIZED, NOT_FOUND, NOT_FOUND, OK, OK, OK, OK), note="Umbrella Ltd, GB")],
    "xref-list": [Probe(lambda w: reverse("xref-list"), API_ANY_DOMAIN),
                  Probe(lambda w: reverse("xref-list") + f"?golden_id={w.customer_gb.pk}", API_ANY_DOMAIN)],
    "source-record-ingest": [Probe(lambda w: reverse("source-record-ingest", args=["customer"]),
                                   expect(UNAUTHORIZED, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, OK),
                                   method="post", data=lambda w: INGEST_BODY, json=True)],
    "inbound-events": [Probe(lambda w: reverse("inbound-events", args=["salesforce"]), expect(*[UNAUTHORIZED] * 7),
                             method="post", data=lambda w: {"events": []}, json=True,
                             note="signed by the system, not by a user: unsigned is refused to everyone")],
    "dynamics-notifications": [Probe(lambda w: reverse("dynamics-notifications"), expect(*[NOT_FOUND] * 7),
                                     method="post", data=lambda w: {"value": []}, json=True,
                                     note="Business Central's webhooks, verified by clientState, not by a user; "
                                          "no such system until it is connected")],
    "orchestration:validate-order": [Probe(lambda w: reverse("orchestration:validate-order"),
                                           expect(UNAUTHORIZED, OK, FORBIDDEN, OK, OK, OK, OK), method="post",
                                           data=lambda w: {"customer": w.customers_de.pk, "currency": "EUR",
                                                           "legal_entity": "Concord Consulting GmbH", "amount": 1000},
                                           json=True)],
    "quality:api-violations": [Probe(lambda w: reverse("quality:api-violations"), API_ANY_DOMAIN)],
    "quality:api-scores": [Probe(lambda w: reverse("quality:api-scores"), API_ANY_DOMAIN)],
}


def _url_names(patterns=None, namespace: str | None = None) -> set[str]:
    """Every URL pattern's name (namespace:name; the admin site as one "admin:*" entry)."""
    names: set[str] = set()
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                names.add("admin:*")
                continue
            inner = ":".join(n for n in (namespace, pattern.namespace) if n) or None
            names |= _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or str(pattern.pattern)
            names.add(f"{namespace}:{name}" if namespace else name)
    return names


def test_every_url_has_an_entry_in_the_matrix():
    urls = _url_names()
    assert urls - set(MATRIX) == set(), "URLs without an entry in the permission matrix"
    assert set(MATRIX) - urls == set(), "matrix entries for URLs that no longer exist"


# --- The world and the personas --------------------------------------------------------------

@pytest.fixture
def world(settings) -> World:
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"
    settings.CONCORD_METRICS_TOKEN = "scrape-token"
    users = demo_users()
    base = build_world()
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001M", updated=at(20), name="Mailbox GmbH", country="DE", email="info@mailbox"),
        record("001U", updated=at(20), name="Umbrella Mail Ltd", country="GB", email="info@umbrella")])
    override = AttributeOverride.objects.create(golden_id=base.acme.id, domain="customer", attribute="phone",
                                                value="+49 30 1111113", reason="the firm's switchboard",
                                                created_by=users["council"])
    change = services.override_request(golden_id=base.acme.id, attribute="tax_id", value="DE111111119",
                                       mode="pinned", until=None, reason="typo in the ERP",
                                       acting_user=users["steward_customers"])
    contract = Contract.objects.get(number="K-1")
    flow = Flow.objects.create(crm_system="salesforce", opportunity_id="OPP-1", opportunity_name="Acme platform",
                               correlation_id="matrix", state="failed", customer_id=base.acme.id,
                               contract_id=contract.id)
    policy_load(systems=["bamboohr"])
    source_records_ingest(system="bamboohr", domain="resource", records=[
        record("101", "employee", updated=at(20), name="Ada Lovelace", email="ada.lovelace@concord.example",
               employee_number="E101", team="Data Engineering", capacity_hours="40")])
    view = SavedView.objects.create(user=users["steward_customers"], name="German customers", domain="customer",
                                    query="domain=customer&country=DE")
    return World(base=base, customers_de=base.acme, customer_gb=base.umbrella_sf, contract=contract,
                 project=base.project, override=override, change_request=change, flow=flow,
                 violation_de=Violation.objects.filter(golden_id=Customer.objects.get(name="Mailbox GmbH").id).first(),
                 violation_gb=Violation.objects.filter(golden_id=Customer.objects.get(name="Umbrella Mail Ltd").id).first(),
                 extra={"users": users, "view": view, "resource": Resource.objects.get(email="ada.lovelace@concord.example")})


def _client(world: World, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        user = world.extra["users"][persona]
        client.force_login(user)
        token, _ = Token.objects.get_or_create(user=user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


def _outcome(response) -> str:
    status = response.status_code
    if status in (301, 302) and "/login/" in response.get("Location", ""):
        return LOGIN
    if status in (401, 403, 404):
        return str(status)
    assert status < 500, f"server error {status}"
    return OK


def _send(client: Client, world: World, probe: Probe):
    path = probe.path(world)
    if probe.method == "get":
        return client.get(path)
    data = probe.data(world) if probe.data else {}
    with transaction.atomic():
        if probe.json:
            response = client.post(path, data, content_type="application/json")
        else:
            response = client.post(path, data)
        transaction.set_rollback(True)
    return response


# --- What a persona must never be shown ------------------------------------------------------

def _hidden(persona: str, path: str) -> tuple[set[str], set[str]]:
    """(golden ids, names) of customers `persona` may not see: they must appear in no answer."""
    if persona in ("council", "auditor", "admin", "anonymous") or (persona == "integration" and
                                                                   path.startswith("/api/")):
        return set(), set()
    if persona == "steward_customers":
        out = Customer.objects.exclude(country__in=SC_COUNTRIES)
        return set(out.values_list("id", flat=True)), set(out.values_list("name", flat=True))
    return set(Customer.objects.values_list("id", flat=True)), set(Customer.objects.values_list("name", flat=True))


PROJECT_ANSWERS = {"stewardship:golden", "project-list", "project-detail", "project-history", "project-match"}
GOLDEN_ID = re.compile(r"\b(?:CUS|CTR|PRJ)-[0-9A-Z]{10}\b")


def _leaks(response, persona: str, path: str, *, ids: bool = True) -> list[str]:
    """Out-of-scope customers named in the answer: any hidden name and (unless `ids` is False)
    any hidden golden id."""
    if _outcome(response) != OK:
        return []
    # An export streams: read it whole (an Excel file is zipped; its rows are the CSV export's).
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if not content:
        return []
    text = content.decode(errors="replace")
    hidden_ids, hidden_names = _hidden(persona, path)
    leaked = sorted(name for name in hidden_names if name and name in text)
    if ids:
        leaked += sorted(set(GOLDEN_ID.findall(text)) & hidden_ids)
    return leaked


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_what_the_matrix_says_and_nothing_out_of_scope(world, persona):
    client = _client(world, persona)
    wrong, leaked = [], []
    for name, probes in MATRIX.items():
        for probe in probes:
            response = _send(_client(world, persona) if probe.own_client else client, world, probe)
            got, wanted = _outcome(response), probe.outcomes[persona]
            if got != wanted:
                wrong.append(f"{name} {probe.method.upper()} {probe.path(world)}: {got}, expected {wanted}")
            else:
                # A project carries its customer's and contract's golden ids as attribute values;
                # the customer itself (its name) is not shown.
                ids = not (persona == "steward_projects" and name in PROJECT_ANSWERS)
                path = probe.path(world)
                leaked += [f"{name} {path} shows {item}" for item in _leaks(response, persona, path, ids=ids)]
    assert wrong == [], "\n".join(wrong)
    assert leaked == [], "\n".join(leaked)
