"""A Dynamics 365 Business Central environment in memory, served over its API v2.0 (OData v4).

Endpoints (tenant and environment in the path, as Business Central online has them):
  POST /{tenant}/oauth2/v2.0/token                      OAuth 2.0 client credentials (Entra ID)
  GET  /v2.0/{tenant}/{environment}/api/v2.0/companies
  GET|POST          .../companies({id})/{entity set}    customers, salesOrders, salesInvoices,
  GET|PATCH|DELETE  .../companies({id})/{entity set}({id})   projects, employees, timeRegistrationEntries
  GET|POST|PATCH    .../salesOrders({id})/salesOrderLines[({id})]
  GET               .../accounts                        the chart of accounts
  GET|POST|PATCH    .../journals[({id})]                general journal batches
  GET|POST|PATCH|DELETE .../journals({id})/journalLines[({id})]   (connectors.dynamics.simulator_journals)
  POST              .../journals({id})/Microsoft.NAV.post   posts the batch: its lines become
  GET               .../generalLedgerEntries                G/L entries
  GET|POST|PATCH|DELETE .../api/v2.0/subscriptions[('{id}')]   webhooks, with the validation handshake

Queries take `$filter` (see connectors.dynamics.simulator_odata), `$select`, `$orderby`, `$top` and
server-driven paging: `Prefer: odata.maxpagesize=N` (at most `max_page_size`), the rest behind
`@odata.nextLink` with a `$skiptoken`. The token is a bookmark of the last row's sort key, so a
row changed while a client pages moves behind it instead of shifting an unread row away.
Every entity carries `@odata.etag`; PATCH and DELETE need `If-Match` (400
BadRequest_InvalidToken without one, 412 Request_EntityChanged when it is stale; `*` matches
anything). Errors are `{"error": {"code", "message"}}`. Faults: the shared ones (429 with
Retry-After, 5xx, timeouts, page_fail...). See docs/simulators.md.

The standard `projects` page has only id, number and displayName; this simulator also serves
the Job table's fields a custom API page would (bill-to customer, dates, status, person
responsible, external document number, lastModifiedDateTime), which a hub needs to place a
project under its customer and contract.
"""

from __future__ import annotations

import base64
import itertools
import json
import random
import re
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from functools import cmp_to_key
from typing import Any
from urllib.parse import quote, unquote, urlencode

from connectors.dynamics import simulator_odata as odata
from connectors.dynamics.simulator_journals import REVENUE_ACCOUNT, UNBILLED_ACCOUNT, JournalsMixin
from connectors.simulators import data
from connectors.simulators.base import Clock, Request, Response, SimulatorServer, parse_datetime

TENANT = "concord-tenant"
ENVIRONMENT = "production"
SCOPE = "https://api.businesscentral.dynamics.com/.default"
COMPANY_NAME = "Concord Consulting Inc."
# The seeded customers: clients of the shared universe in these countries (the US entity's).
COUNTRIES = ("US",)
SYSTEM = ["id", "lastModifiedDateTime"]
SCHEMA: dict[str, list[str]] = {
    "customers": SYSTEM + ["number", "displayName", "type", "addressLine1", "addressLine2", "city", "state",
                           "country", "postalCode", "phoneNumber", "email", "website", "salespersonCode",
                           "balanceDue", "creditLimit", "taxLiable", "taxAreaId", "taxAreaDisplayName",
                           "taxRegistrationNumber", "currencyId", "currencyCode", "paymentTermsId",
                           "shipmentMethodId", "paymentMethodId", "blocked"],
    "salesOrders": SYSTEM + ["number", "externalDocumentNumber", "orderDate", "postingDate", "customerId",
                             "customerNumber", "customerName", "requestedDeliveryDate", "shortcutDimension1Code",
                             "shortcutDimension2Code", "currencyCode", "pricesIncludeTax", "salesperson",
                             "discountAmount", "totalAmountExcludingTax", "totalTaxAmount",
                             "totalAmountIncludingTax", "fullyShipped", "status", "phoneNumber", "email"],
    "salesOrderLines": ["id", "documentId", "sequence", "lineType", "lineObjectNumber", "description", "quantity",
                        "unitPrice", "amountExcludingTax"],
    "salesInvoices": SYSTEM + ["number", "externalDocumentNumber", "invoiceDate", "postingDate", "dueDate",
                               "customerId", "customerNumber", "customerName", "orderId", "orderNumber",
                               "currencyCode", "totalAmountExcludingTax", "totalTaxAmount",
                               "totalAmountIncludingTax", "remainingAmount", "status"],
    "projects": SYSTEM + ["number", "displayName", "externalDocumentNumber", "billToCustomerId",
                          "billToCustomerNumber", "salesOrderId", "status", "startingDate", "endingDate",
                          "personResponsible", "description"],
    "employees": SYSTEM + ["number", "displayName", "givenName", "surname", "jobTitle", "email", "status"],
    # The real API page spells it so: lastModfiedDateTime.
    "timeRegistrationEntries": ["id", "employeeId", "employeeNumber", "jobId", "jobNumber", "jobTaskNumber",
                                "absence", "lineNumber", "date", "quantity", "status", "unitOfMeasureCode",
                                "lastModfiedDateTime"],
    # General journals (connectors.dynamics.simulator_journals): the chart of accounts, batches, lines.
    "accounts": SYSTEM + ["number", "displayName", "category", "subCategory", "blocked", "accountType",
                          "directPosting"],
    "journals": SYSTEM + ["code", "displayName", "templateDisplayName", "balancingAccountId",
                          "balancingAccountNumber"],
    "journalLines": SYSTEM + ["journalId", "journalDisplayName", "lineNumber", "accountType", "accountId",
                              "accountNumber", "postingDate", "documentNumber", "externalDocumentNumber", "amount",
                              "description", "comment", "taxCode"],
    "generalLedgerEntries": SYSTEM + ["entryNumber", "postingDate", "documentNumber", "documentType", "accountId",
                                      "accountNumber", "description", "debitAmount", "creditAmount"],
}
STAMP = {name: ("lastModfiedDateTime" if name == "timeRegistrationEntries" else "lastModifiedDateTime")
         for name in SCHEMA}
READ_ONLY = {"id", "lastModifiedDateTime", "lastModfiedDateTime", "customerName", "totalAmountExcludingTax",
             "totalTaxAmount", "totalAmountIncludingTax", "balanceDue", "taxAreaDisplayName", "billToCustomerNumber",
             "amountExcludingTax", "documentId", "remainingAmount", "journalId", "journalDisplayName",
             "templateDisplayName"}
WRITABLE_SETS = {"customers", "salesOrders", "projects", "salesInvoices", "journals"}
NESTED_SETS = {"salesOrderLines", "journalLines"}  # reached only under their document or batch
# Entities Business Central sends webhook notifications for (of those simulated).
WEBHOOK_SETS = {"customers", "salesOrders", "salesInvoices", "employees"}
DEFAULT_ORDER = {"customers": "number", "salesOrders": "number", "salesInvoices": "number", "projects": "number",
                 "employees": "number", "timeRegistrationEntries": "lineNumber", "accounts": "number",
                 "journals": "code", "journalLines": "lineNumber", "generalLedgerEntries": "entryNumber"}
NUMBERED = {"customers": "C", "salesOrders": "S-ORD", "salesInvoices": "S-INV", "projects": "J"}
ORDER_STATUSES = ["Draft", "Open", "Open", "Open", "In Review"]
INVOICE_STATUSES = ["Open", "Paid", "Paid", "Draft"]
PROJECT_STATUSES = ["Open", "Open", "Planning", "Quote", "Completed"]
BILLING_CODES = ["TM", "FIXED", "RETAINER"]
BLOCKED = [" ", " ", " ", " ", "Invoice", "All"]
SUBSCRIPTION_DAYS = 3
PAGE_KEY = "@page"  # inside a skip token: which page of the read it continues (page_fail faults)
ERROR_CODES = {400: "BadRequest", 401: "Authentication_InvalidCredentials", 404: "BadRequest_NotFound",
               405: "BadRequest_MethodNotAllowed", 412: "Request_EntityChanged", 429: "Application_TooManyRequests",
               500: "Internal_ServerError", 503: "ServiceUnavailable"}
_PATH = re.compile(r"^/v2\.0/(?P<tenant>[^/]+)/(?P<environment>[^/]+)/api/v2\.0/(?P<rest>.*)$")
_SEGMENT = re.compile(r"^(?P<name>[A-Za-z][A-Za-z.]*)(?:\((?P<key>[^)]*)\))?$")  # bound actions: Microsoft.NAV.x


def bc_datetime(moment: datetime) -> str:
    """As the API writes lastModifiedDateTime: UTC with milliseconds."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


class DynamicsSimulator(JournalsMixin, SimulatorServer):
    """One tenant's environment: companies, each with its entity sets; `store[set][id]` of the
    default company (tests reach records there)."""

    name = "dynamics"

    def __init__(self, *, seed: int = 1, records: int = 50, faults: str = "", tenant: str = TENANT,
                 environment: str = ENVIRONMENT, company_name: str = COMPANY_NAME,
                 countries: tuple[str, ...] = COUNTRIES, max_page_size: int = 20_000,
                 credentials: dict[str, str] | None = None, verbose: bool = False):
        super().__init__(seed=seed, records=records, faults=faults, verbose=verbose)
        self.tenant, self.environment = tenant, environment
        self.auth_paths = (f"/{tenant}/oauth2/",)
        self.max_page_size = max_page_size
        self.credentials = credentials or {"tenant": tenant, "environment": environment, "company": company_name,
                                           "client_id": "concord-bc", "client_secret": "concord-bc-secret",
                                           "timesheet_account": UNBILLED_ACCOUNT,
                                           "timesheet_balancing_account": REVENUE_ACCOUNT}
        self.token_seconds = 3599
        self.rng = random.Random(seed * 15485863 + 11)
        self.clock = Clock()
        self.versions: dict[str, int] = {}
        self.created_by_key: dict[tuple[str, str], int] = {}  # (set, number or external doc no.) -> POSTs
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.notified = 0  # how many of `changes` were handed to subscribers already
        self.notification_statuses: list[int] = []
        self.companies: dict[str, dict[str, Any]] = {}
        self.stores: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        self._numbers = itertools.count(1)
        self.company_id = self._company(company_name)
        self.store = self.stores[self.company_id]
        self._seed_data(countries)

    def start(self, port: int = 0, host: str = "127.0.0.1") -> DynamicsSimulator:
        super().start(port, host)
        # Entra ID's token endpoint is another host in real life; here it is this server.
        self.credentials.setdefault("token_url", f"{self.base_url}/{self.tenant}/oauth2/v2.0/token")
        return self

    # -- data -------------------------------------------------------------------------------
    def _company(self, name: str) -> str:
        company_id = _guid(self.rng)
        at = data.EPOCH
        self.companies[company_id] = {"id": company_id, "systemVersion": "26.0.30643.32000", "timestamp": 1,
                                      "name": name, "displayName": name, "businessProfileId": "",
                                      "systemCreatedAt": bc_datetime(at), "systemCreatedBy": _guid(self.rng),
                                      "systemModifiedAt": bc_datetime(at), "systemModifiedBy": _guid(self.rng)}
        self.stores[company_id] = {name: {} for name in SCHEMA}
        self._seed_ledger(company_id, at)
        return company_id

    def _put(self, entity_set: str, fields: dict[str, Any], at: datetime, company_id: str | None = None
             ) -> dict[str, Any]:
        store = self.stores[company_id or self.company_id]
        record = {name: None for name in SCHEMA[entity_set]}
        record.update(fields)
        record["id"] = fields.get("id") or _guid(self.rng)
        if entity_set in NUMBERED and not record.get("number"):
            record["number"] = f"{NUMBERED[entity_set]}{next(self._numbers) + 90000:06d}"
        record[STAMP[entity_set]] = bc_datetime(at)
        store[entity_set][record["id"]] = record
        self.versions[record["id"]] = self.versions.get(record["id"], 0) + 1
        return record

    def _seed_data(self, countries: tuple[str, ...]) -> None:
        rng = random.Random(self.seed * 104723 + 5)
        employees = [self._put("employees", {
            "number": f"E{n + 1:04d}", "displayName": name, "givenName": name.split()[0], "surname": name.split()[-1],
            "jobTitle": rng.choice(["Consultant", "Senior Consultant", "Manager"]), "status": "Active",
            "email": f"{name.split()[0].lower()}@concord.example"}, data.stamp(rng))
            for n, name in enumerate(data.MANAGERS)]
        for company in data.companies(self.seed, self.records):
            if company.country not in countries or rng.random() > 0.85:
                continue
            customer = self._put("customers", {
                "number": f"C{company.index:05d}", "displayName": company.legal_name, "type": "Company",
                "addressLine1": company.street, "addressLine2": "", "city": company.city, "state": "",
                "country": company.country, "postalCode": company.postal_code,
                "phoneNumber": data.phone_formats(rng, company), "email": f"billing@{company.domain}",
                "website": company.domain if rng.random() < 0.6 else "", "salespersonCode": "",
                "balanceDue": 0, "creditLimit": 0, "taxLiable": rng.random() < 0.3, "taxAreaId": None,
                "taxAreaDisplayName": "", "currencyCode": "" if company.currency == "USD" else company.currency,
                "taxRegistrationNumber": company.tax_id if rng.random() < 0.7 else "",
                "blocked": rng.choice(BLOCKED)}, data.stamp(rng))
            for n in range(rng.randint(1, 2)):
                self._seed_order(rng, company, customer, n, employees)
        for rows in self.store.values():
            for row in rows.values():
                stamp = row.get("lastModifiedDateTime") or row.get("lastModfiedDateTime")
                if stamp:
                    self.clock.observe(parse_datetime(stamp))

    def _seed_order(self, rng: random.Random, company: data.Company, customer: dict[str, Any], n: int,
                    employees: list[dict[str, Any]]) -> None:
        start, end = data.contract_dates(rng)
        total = float(rng.randint(20, 900) * 1000)
        line = rng.choice(data.SERVICE_LINES)
        order = self._put("salesOrders", {
            "number": f"S-ORD{company.index:04d}{n}", "externalDocumentNumber": "", "orderDate": start.isoformat(),
            "postingDate": start.isoformat(), "customerId": customer["id"], "customerNumber": customer["number"],
            "customerName": customer["displayName"], "requestedDeliveryDate": end.isoformat(),
            "shortcutDimension1Code": line.upper().replace(" & ", "-").replace(" ", "-")[:20],
            "shortcutDimension2Code": rng.choice(BILLING_CODES), "currencyCode": customer["currencyCode"],
            "pricesIncludeTax": False, "status": rng.choice(ORDER_STATUSES), "fullyShipped": False},
            data.stamp(rng))
        self._lines_put(order, [{"lineType": "Comment", "description": f"{company.name} {line} programme",
                                 "quantity": 1, "unitPrice": total}])
        project = self._put("projects", {
            "number": f"J{company.index:04d}{n}", "displayName": f"{company.name} {line}",
            "billToCustomerId": customer["id"], "billToCustomerNumber": customer["number"],
            "salesOrderId": order["id"], "status": rng.choice(PROJECT_STATUSES), "startingDate": start.isoformat(),
            "endingDate": end.isoformat(), "personResponsible": rng.choice(data.MANAGERS),
            "description": line, "externalDocumentNumber": ""}, data.stamp(rng))
        for i in range(rng.randint(0, 2)):
            day = start + timedelta(days=30 * (i + 1))
            self._put("salesInvoices", {
                "number": f"S-INV{company.index:04d}{n}{i}", "invoiceDate": day.isoformat(),
                "postingDate": day.isoformat(), "dueDate": (day + timedelta(days=30)).isoformat(),
                "customerId": customer["id"], "customerNumber": customer["number"],
                "customerName": customer["displayName"], "orderId": order["id"], "orderNumber": order["number"],
                "currencyCode": customer["currencyCode"], "totalAmountExcludingTax": total / 4,
                "totalTaxAmount": 0.0, "totalAmountIncludingTax": total / 4, "status": rng.choice(INVOICE_STATUSES),
                "remainingAmount": 0.0, "externalDocumentNumber": ""}, data.stamp(rng))
        for i in range(rng.randint(1, 3)):
            employee = rng.choice(employees)
            self._put("timeRegistrationEntries", {
                "employeeId": employee["id"], "employeeNumber": employee["number"], "jobId": project["id"],
                "jobNumber": project["number"], "jobTaskNumber": "100", "absence": "", "lineNumber": (i + 1) * 10000,
                "date": (start + timedelta(days=i)).isoformat(), "quantity": float(rng.choice([2, 4, 6, 8])),
                "status": rng.choice(["Open", "Submitted", "Approved"]), "unitOfMeasureCode": "HOUR"},
                data.stamp(rng))

    def _lines_put(self, order: dict[str, Any], lines: list[dict[str, Any]]) -> None:
        store = self._store_of(order)
        for sequence, line in enumerate(lines, start=len(self._lines_of(order)) + 1):
            quantity, price = float(line.get("quantity") or 0), float(line.get("unitPrice") or 0)
            row = {name: None for name in SCHEMA["salesOrderLines"]}
            row.update(line, id=_guid(self.rng), documentId=order["id"], sequence=sequence * 10000,
                       amountExcludingTax=round(quantity * price, 2))
            store["salesOrderLines"][row["id"]] = row
            self.versions[row["id"]] = 1
        self._totals(order)

    def _store_of(self, record: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
        return next((store for store in self.stores.values() for rows in store.values() if record["id"] in rows),
                    self.store)

    def _lines_of(self, order: dict[str, Any]) -> list[dict[str, Any]]:
        rows = self._store_of(order)["salesOrderLines"].values()
        return sorted((r for r in rows if r["documentId"] == order["id"]), key=lambda r: r["sequence"])

    def _totals(self, order: dict[str, Any]) -> None:
        total = round(sum(line["amountExcludingTax"] or 0 for line in self._lines_of(order)), 2)
        order.update(totalAmountExcludingTax=total, totalTaxAmount=0.0, totalAmountIncludingTax=total)

    def etag(self, record_id: str) -> str:
        token = base64.b64encode(f"'{self.versions.get(record_id, 1)};{record_id}'".encode()).decode()
        return f'W/"{token}"'

    # -- changes like a user makes them (tests call these) ----------------------------------
    def create(self, entity_set: str, origin: str = "", company_id: str | None = None, **fields: Any
               ) -> dict[str, Any]:
        at = self.clock.tick()
        with self.lock:
            record = self._put(entity_set, fields, at, company_id)
        self.record_change(entity_set, record["id"], "created", record, at, origin)
        return record

    def update(self, entity_set: str, record_id: str, origin: str = "", **fields: Any) -> dict[str, Any]:
        at = self.clock.tick()
        with self.lock:
            record = self._find(entity_set, record_id)
            record.update(fields)
            record[STAMP[entity_set]] = bc_datetime(at)
            self.versions[record_id] = self.versions.get(record_id, 1) + 1
        self.record_change(entity_set, record_id, "updated", record, at, origin)
        return record

    def delete(self, entity_set: str, record_id: str, origin: str = "") -> None:
        at = self.clock.tick()
        with self.lock:
            store = self._store_of({"id": record_id})
            record = store[entity_set].pop(record_id)
        self.record_change(entity_set, record_id, "deleted", record, at, origin)

    def _find(self, entity_set: str, record_id: str) -> dict[str, Any]:
        return self._store_of({"id": record_id})[entity_set][record_id]

    def find(self, entity_set: str, *, number: str | None = None, external: str | None = None
             ) -> dict[str, Any] | None:
        """A record of the default company by number or external document number (tests)."""
        for record in self.store[entity_set].values():
            if (number is not None and record.get("number") == number) or \
                    (external is not None and record.get("externalDocumentNumber") == external):
                return record
        return None

    # -- dialect ----------------------------------------------------------------------------
    def error(self, status: int, code: str, message: str, retry_after: float | None = None) -> Response:
        if code in ("REQUEST_LIMIT_EXCEEDED", "UNKNOWN_EXCEPTION") or not code:
            code = ERROR_CODES.get(status, "Internal_ServerError")
        if status == 429:
            message = "Too many requests reached.  Actual (601).  Maximum (600)."
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return Response(status, {"error": {"code": code, "message": f"{message}  CorrelationId:  {uuid.uuid4()}."}},
                        headers)

    def render_event(self, change: dict[str, Any]) -> dict[str, Any]:
        return {"object_type": change["object_type"], "id": change["record_id"], "changeType": change["change_type"]}

    # -- routing ----------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if request.path == f"/{self.tenant}/oauth2/v2.0/token":
            return self._token(request)
        match = _PATH.match(request.path)
        if not match:
            return self.error(404, "BadRequest_NotFound", "The requested resource was not found.")
        if match["tenant"] != self.tenant or match["environment"] != self.environment:
            return self.error(404, "NoEnvironment", f"Environment '{match['environment']}' of tenant "
                                                    f"'{match['tenant']}' does not exist.")
        if not self.bearer_ok(request):
            return self.error(401, "Authentication_InvalidCredentials", "The server has rejected the client "
                                                                        "credentials.")
        segments = [unquote(s) for s in match["rest"].strip("/").split("/") if s]
        parsed = [_SEGMENT.match(s) for s in segments]
        if not segments or not all(parsed):
            return self.error(404, "BadRequest_NotFound", "The requested resource was not found.")
        path = [(p["name"], (p["key"] or "").strip("'") or None) for p in parsed]
        if path[0][0] == "subscriptions":
            return self._subscriptions(request, path[0][1])
        if path[0][0] != "companies":
            return self.error(404, "BadRequest_NotFound", f"Resource '{path[0][0]}' was not found.")
        return self._company_route(request, path)

    def _company_route(self, request: Request, path: list[tuple[str, str | None]]) -> Response:
        company_id = path[0][1]
        if company_id is None:
            if len(path) > 1:
                return self.error(400, "BadRequest", "A company id is required: companies({id}).")
            return self._collection(request, "companies", list(self.companies.values()))
        if company_id.lower() not in self.companies:
            return self.error(404, "BadRequest_NotFound", f"The company '{company_id}' does not exist.")
        company_id = company_id.lower()
        if len(path) == 1:
            return Response(200, self._render(self.companies[company_id], None))
        store = self.stores[company_id]
        entity_set, key = path[1]
        if entity_set not in SCHEMA or entity_set in NESTED_SETS:
            return self.error(404, "BadRequest_NotFound", f"Resource '{entity_set}' was not found.")
        if len(path) == 3 and entity_set == "salesOrders" and key and path[2][0] == "salesOrderLines":
            return self._lines(request, store, key.lower(), path[2][1])
        if len(path) == 3 and entity_set == "journals" and key and path[2][0] == "journalLines":
            return self._journal_lines(request, company_id, key.lower(), path[2][1])
        if len(path) == 3 and entity_set == "journals" and key and path[2] == ("Microsoft.NAV.post", None):
            return self._journal_post(request, company_id, key.lower())
        if len(path) > 2:
            return self.error(404, "BadRequest_NotFound", "The requested resource was not found.")
        if key is None:
            if request.method == "GET":
                return self._collection(request, entity_set, list(store[entity_set].values()))
            if request.method == "POST" and entity_set in WRITABLE_SETS:
                return self._create(request, company_id, entity_set)
            return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")
        record = store[entity_set].get(key.lower())
        if record is None:
            return self.error(404, "BadRequest_NotFound", f"The {entity_set} record '{key}' does not exist.")
        if request.method == "GET":
            return self._single(request, entity_set, record)
        precondition = self._precondition(request, record)
        if precondition is not None:
            return precondition
        if request.method == "PATCH" and entity_set in WRITABLE_SETS:
            return self._patch(request, entity_set, record)
        if request.method == "DELETE":
            self.delete(entity_set, record["id"], origin=self._origin(request))
            return Response(204)
        return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")

    @staticmethod
    def _origin(request: Request) -> str:
        return f"api;{request.headers.get('User-Agent') or ''}"

    # -- auth -------------------------------------------------------------------------------
    def _token(self, request: Request) -> Response:
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type",
                                  "error_description": "AADSTS70003: The app requested an unsupported grant type."})
        if form.get("client_id") != self.credentials["client_id"] or \
                form.get("client_secret") != self.credentials["client_secret"]:
            return Response(401, {"error": "invalid_client",
                                  "error_description": "AADSTS7000215: Invalid client secret provided."})
        if form.get("scope") != SCOPE:
            return Response(400, {"error": "invalid_scope",
                                  "error_description": f"AADSTS70011: The provided value for scope "
                                                       f"{form.get('scope')} is not valid."})
        return Response(200, {"token_type": "Bearer", "expires_in": self.token_seconds,
                              "ext_expires_in": self.token_seconds, "access_token": self.issue_token("eyJ0")})

    # -- reading ----------------------------------------------------------------------------
    def _render(self, record: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
        fields = record if select is None else {name: record.get(name) for name in ["id", *select]}
        return {"@odata.etag": self.etag(record["id"]), **fields}

    def _render_subscription(self, subscription: dict[str, Any]) -> dict[str, Any]:
        shown = {k: v for k, v in subscription.items() if k not in ("id", "company", "entitySet", "since")}
        return {"@odata.etag": self.etag(subscription["id"]), **shown}

    def _single(self, request: Request, entity_set: str, record: dict[str, Any]) -> Response:
        try:
            select = odata.select_parse(request.query.get("$select", ""), properties=SCHEMA[entity_set])
        except odata.ODataError as error:
            return self.error(400, "BadRequest", str(error))
        return Response(200, self._render(record, select), {"ETag": self.etag(record["id"])})

    def _collection(self, request: Request, entity_set: str, rows: list[dict[str, Any]]) -> Response:
        properties = SCHEMA.get(entity_set) or list(next(iter(self.companies.values())))
        query = request.query
        try:
            predicate = odata.filter_compile(query.get("$filter", ""), properties=properties)
            order = odata.orderby_parse(query.get("$orderby", ""), properties=properties)
            select = odata.select_parse(query.get("$select", ""), properties=properties)
            top = int(query["$top"]) if query.get("$top") else None
            after = _skiptoken_read(query.get("$skiptoken"))
        except (odata.ODataError, ValueError) as error:
            return self.error(400, "BadRequest", str(error))
        order = order or [(DEFAULT_ORDER.get(entity_set, "id"), False)]
        order = order + [("id", False)] if order[-1][0] != "id" else order
        with self.lock:
            matching = sorted((dict(r) for r in rows if predicate(r)), key=cmp_to_key(_comparer(order)))
        if after is not None and set(after) - {PAGE_KEY}:
            compare = _comparer(order)
            matching = [r for r in matching if compare(r, after) > 0]
        page_number = int(after.pop(PAGE_KEY, 0)) + 1 if after is not None else 1
        remaining = top
        size = min(self.max_page_size, _max_page_size(request) or self.max_page_size)
        limit = size if remaining is None else min(size, remaining)
        page = matching[:limit]
        fault = self.page_fault((entity_set, query.get("$filter", "")), page_number)
        if fault is not None:
            return fault
        base = f"{self.base_url}{request.path}"
        body: dict[str, Any] = {"@odata.context": f"{base.split('/api/v2.0/')[0]}/api/v2.0/$metadata#{entity_set}",
                                "value": [self._render(r, select) for r in page]}
        more = len(matching) > len(page) and (remaining is None or remaining > len(page))
        if more and page:
            params = {k: v for k, v in query.items() if k not in ("$skiptoken", "$top")}
            if remaining is not None:
                params["$top"] = str(remaining - len(page))
            params["$skiptoken"] = _skiptoken_write({**{name: page[-1].get(name) for name, _ in order},
                                                     PAGE_KEY: page_number})
            body["@odata.nextLink"] = f"{base}?{urlencode(params, quote_via=quote)}"
        headers = {"Preference-Applied": f"odata.maxpagesize={size}"} if _max_page_size(request) else {}
        return Response(200, body, headers)

    # -- writing ----------------------------------------------------------------------------
    def _precondition(self, request: Request, record: dict[str, Any]) -> Response | None:
        if_match = (request.headers.get("If-Match") or "").strip()
        if not if_match:
            return self.error(400, "BadRequest_InvalidToken", "Could not validate the client concurrency token "
                                                              "required by the service. Please provide a valid "
                                                              "token in the client request.")
        if if_match != "*" and if_match != self.etag(record["id"]):
            return self.error(412, "Request_EntityChanged", "Another user has already changed the record.")
        return None

    def _body(self, request: Request, entity_set: str, creating: bool) -> tuple[dict[str, Any] | None, Response | None]:
        try:
            body = request.json()
        except ValueError:
            return None, self.error(400, "BadRequest_InvalidRequestBody", "The request body is not valid JSON.")
        if not isinstance(body, dict):
            return None, self.error(400, "BadRequest_InvalidRequestBody", "The request body must be an object.")
        nested = {"salesOrderLines"} if entity_set == "salesOrders" and creating else set()
        for name in body:
            if name in nested or name.startswith("@odata."):
                continue
            if name not in SCHEMA[entity_set]:
                return None, self.error(400, "BadRequest", f"Could not find a property named '{name}' on type "
                                                           f"'Microsoft.NAV.{entity_set[:-1]}'.")
            if name in READ_ONLY:
                return None, self.error(400, "BadRequest_InvalidRequestBody",
                                        f"The property '{name}' is read-only.")
        return {k: v for k, v in body.items() if not k.startswith("@odata.")}, None

    def _references(self, company_id: str, entity_set: str, values: dict[str, Any]) -> Response | None:
        """Resolve customerId / customerNumber (and bill-to) as the tables' relations do."""
        store = self.stores[company_id]
        for id_field, number_field in (("customerId", "customerNumber"), ("billToCustomerId", "billToCustomerNumber")):
            if id_field not in SCHEMA[entity_set]:
                continue
            customer = None
            if values.get(id_field):
                customer = store["customers"].get(str(values[id_field]).lower())
                if customer is None:
                    return self.error(400, "Application_DialogException", f"The customer {values[id_field]} does "
                                                                          "not exist.")
            elif values.get(number_field):
                customer = next((c for c in store["customers"].values() if c["number"] == values[number_field]), None)
                if customer is None:
                    return self.error(400, "Application_DialogException",
                                      f"The field Customer No. contains a value ({values[number_field]}) that "
                                      "cannot be found in the related table (Customer).")
            if customer is not None:
                values[id_field], values[number_field] = customer["id"], customer["number"]
                if entity_set in ("salesOrders", "salesInvoices"):
                    values["customerName"] = customer["displayName"]
        return None

    def _create(self, request: Request, company_id: str, entity_set: str) -> Response:
        values, refused = self._body(request, entity_set, creating=True)
        if refused:
            return refused
        refused = self._references(company_id, entity_set, values)
        if refused:
            return refused
        if entity_set in ("salesOrders", "salesInvoices") and not values.get("customerId"):
            return self.error(400, "Application_DialogException", "You must specify a customer.")
        if entity_set == "journals":
            refused = self._journal_refusal(self.stores[company_id], values, None)
            if refused:
                return refused
        lines = values.pop("salesOrderLines", None) or []
        with self.lock:
            store = self.stores[company_id]
            if values.get("number") and any(r["number"] == values["number"] for r in store[entity_set].values()):
                return self.error(400, "Internal_EntityWithSameKeyExists",
                                  f"The record in table {entity_set} already exists. Identification fields and "
                                  f"values: No.='{values['number']}'")
            record = self.create(entity_set, origin=self._origin(request), company_id=company_id, **values)
            if lines:
                self._lines_put(record, lines)
            key = values.get("externalDocumentNumber") or values.get("number") or values.get("code") or record["id"]
            self.created_by_key[(entity_set, key)] = self.created_by_key.get((entity_set, key), 0) + 1
        return Response(201, self._render(record, None), {"ETag": self.etag(record["id"]),
                                                          "Location": f"{self.base_url}{request.path}({record['id']})"})

    def _patch(self, request: Request, entity_set: str, record: dict[str, Any]) -> Response:
        values, refused = self._body(request, entity_set, creating=False)
        if refused:
            return refused
        company_id = next(cid for cid, store in self.stores.items() if record["id"] in store[entity_set])
        refused = self._references(company_id, entity_set, values)
        if entity_set == "journals" and not refused:
            refused = self._journal_refusal(self.stores[company_id], values, record["id"])
        if refused:
            return refused
        with self.lock:
            changed = {k: v for k, v in values.items() if record.get(k) != v}
            if changed:
                record = self.update(entity_set, record["id"], origin=self._origin(request), **changed)
        return Response(200, self._render(record, None), {"ETag": self.etag(record["id"])})

    def _lines(self, request: Request, store: dict[str, Any], order_id: str, line_id: str | None) -> Response:
        order = store["salesOrders"].get(order_id)
        if order is None:
            return self.error(404, "BadRequest_NotFound", f"The salesOrders record '{order_id}' does not exist.")
        if line_id is None and request.method == "GET":
            return self._collection(request, "salesOrderLines", self._lines_of(order))
        if line_id is None and request.method == "POST":
            values, refused = self._body(request, "salesOrderLines", creating=True)
            if refused:
                return refused
            with self.lock:
                self._lines_put(order, [values])
                self.update("salesOrders", order["id"], origin=self._origin(request))
            return Response(201, self._render(self._lines_of(order)[-1], None))
        line = store["salesOrderLines"].get((line_id or "").lower())
        if line is None or line["documentId"] != order["id"]:
            return self.error(404, "BadRequest_NotFound", f"The salesOrderLines record '{line_id}' does not exist.")
        if request.method == "GET":
            return Response(200, self._render(line, None))
        precondition = self._precondition(request, line)
        if precondition is not None:
            return precondition
        if request.method != "PATCH":
            return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")
        values, refused = self._body(request, "salesOrderLines", creating=False)
        if refused:
            return refused
        with self.lock:
            line.update(values)
            line["amountExcludingTax"] = round(float(line["quantity"] or 0) * float(line["unitPrice"] or 0), 2)
            self.versions[line["id"]] = self.versions.get(line["id"], 1) + 1
            self._totals(order)
            self.update("salesOrders", order["id"], origin=self._origin(request))
        return Response(200, self._render(line, None))

    # -- webhooks ---------------------------------------------------------------------------
    def _subscriptions(self, request: Request, key: str | None) -> Response:
        if key is None and request.method == "GET":
            return Response(200, {"value": [self._render_subscription(s) for s in self.subscriptions.values()]})
        if key is None and request.method == "POST":
            return self._subscribe(request)
        subscription = self.subscriptions.get(key or "")
        if subscription is None:
            return self.error(404, "BadRequest_NotFound", f"The subscription '{key}' does not exist.")
        if request.method == "GET":
            return Response(200, self._render_subscription(subscription))
        precondition = self._precondition(request, {"id": subscription["subscriptionId"]})
        if precondition is not None:
            return precondition
        if request.method == "DELETE":
            del self.subscriptions[subscription["subscriptionId"]]
            return Response(204)
        if request.method == "PATCH":  # renewal: the handshake again, then three more days
            if not self.handshake(subscription["notificationUrl"]):
                return self.error(400, "BadRequest", "The subscription could not be renewed: the notification "
                                                     "URL did not return the validation token.")
            subscription["expirationDateTime"] = bc_datetime(datetime.now(UTC) + timedelta(days=SUBSCRIPTION_DAYS))
            self.versions[subscription["subscriptionId"]] += 1
            return Response(200, self._render_subscription(subscription))
        return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")

    def _subscribe(self, request: Request) -> Response:
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not body.get("notificationUrl") or not body.get("resource"):
            return self.error(400, "BadRequest", "notificationUrl and resource are required.")
        match = re.match(r"^/?api/v2\.0/companies\(([0-9a-fA-F-]{36})\)/([A-Za-z]+)$", str(body["resource"]))
        if not match or match[1].lower() not in self.companies:
            return self.error(400, "BadRequest", f"The resource '{body['resource']}' is not valid.")
        if match[2] not in WEBHOOK_SETS:
            return self.error(400, "BadRequest", f"The entity '{match[2]}' does not support webhooks.")
        if len(str(body.get("clientState") or "")) > 2048:
            return self.error(400, "BadRequest", "clientState is longer than 2048 characters.")
        if not self.handshake(str(body["notificationUrl"])):
            return self.error(400, "BadRequest", "The subscription could not be created: the notification URL did "
                                                 "not return the validation token.")
        subscription_id = uuid.uuid4().hex
        now = datetime.now(UTC)
        subscription = {"subscriptionId": subscription_id, "notificationUrl": body["notificationUrl"],
                        "resource": str(body["resource"]).lstrip("/"), "userId": _guid(self.rng),
                        "lastModifiedDateTime": bc_datetime(now), "clientState": body.get("clientState") or "",
                        "expirationDateTime": bc_datetime(now + timedelta(days=SUBSCRIPTION_DAYS)),
                        "company": match[1].lower(), "entitySet": match[2], "id": subscription_id}
        with self.lock:
            subscription["since"] = len(self.changes)  # notifications are for changes after subscribing
            self.subscriptions[subscription_id] = subscription
            self.versions[subscription_id] = 1
        return Response(201, self._render_subscription(subscription))

    def handshake(self, url: str) -> bool:
        """POST the notification URL with a validationToken; it must come back as the body, with 200."""
        token = uuid.uuid4().hex
        separator = "&" if "?" in url else "?"
        request = urllib.request.Request(f"{url}{separator}validationToken={token}", data=b"", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status == 200 and response.read().decode("utf-8", "replace").strip() == token
        except (urllib.error.URLError, OSError):
            return False

    def notifications_pending(self, *, max_notifications: int = 1000) -> dict[str, list[dict[str, Any]]]:
        """What each notification URL would be sent now: one notification per changed record and
        subscription (a record changed several times is told once, deleted wins), or one
        `collection` notification per subscription when more than `max_notifications` changed."""
        with self.lock:
            changes, self.notified = self.changes[self.notified:], len(self.changes)
            subscriptions = list(self.subscriptions.values())
        out: dict[str, list[dict[str, Any]]] = {}
        for subscription in subscriptions:
            mine = [c for c in changes if c["object_type"] == subscription["entitySet"]
                    and c["sequence"] > subscription["since"]
                    and self._company_of_change(c) == subscription["company"]]
            if not mine:
                continue
            base = {"subscriptionId": subscription["subscriptionId"], "clientState": subscription["clientState"],
                    "expirationDateTime": subscription["expirationDateTime"]}
            resource = subscription["resource"]
            if len({c["record_id"] for c in mine}) > max_notifications:
                since = bc_datetime(min(c["at"] for c in mine) - timedelta(seconds=1))
                notes = [{**base, "resource": f"{resource}?$filter=lastModifiedDateTime%20gt%20{since}",
                          "changeType": "collection", "lastModifiedDateTime": bc_datetime(mine[-1]["at"])}]
            else:
                last: dict[str, dict[str, Any]] = {}
                for change in mine:
                    held = last.get(change["record_id"])
                    kind = change["change_type"]
                    if held is not None and held["changeType"] == "created" and kind == "updated":
                        kind = "created"
                    last[change["record_id"]] = {**base, "resource": f"{resource}({change['record_id']})",
                                                 "changeType": kind, "lastModifiedDateTime": bc_datetime(change["at"])}
                notes = list(last.values())
            out.setdefault(subscription["notificationUrl"], []).extend(notes)
        if self.faults.dup_events or self.faults.out_of_order:
            for url, notes in out.items():
                if self.faults.dup_events:
                    notes = [n for note in notes for n in ([note, note] if self.events_rng.random() < 0.3 else [note])]
                if self.faults.out_of_order:
                    self.events_rng.shuffle(notes)
                out[url] = notes
        return out

    def _company_of_change(self, change: dict[str, Any]) -> str:
        for company_id, store in self.stores.items():
            if change["record_id"] in store.get(change["object_type"], {}):
                return company_id
        return self.company_id  # deleted since: the default company's

    def notifications_send(self, *, max_notifications: int = 1000, batch_size: int = 100) -> list[int]:
        """Send pending notifications as `{"value": [...]}` bodies. As Business Central does, a
        408, 429 or 5xx answer keeps them for the next round; any other failure deletes the
        subscription."""
        statuses = []
        for url, notes in self.notifications_pending(max_notifications=max_notifications).items():
            for start in range(0, len(notes), batch_size):
                chunk = notes[start:start + batch_size]
                status = _post_json(url, {"value": chunk})
                statuses.append(status)
                if status in (408, 429) or status >= 500:
                    with self.lock:  # told again next round
                        self.notified = min(self.notified, self._first_change_index(chunk))
                elif not 200 <= status < 300:
                    with self.lock:
                        for subscription_id in {n["subscriptionId"] for n in chunk}:
                            self.subscriptions.pop(subscription_id, None)
        self.notification_statuses.extend(statuses)
        return statuses

    def _first_change_index(self, notes: list[dict[str, Any]]) -> int:
        ids = {n["resource"].rsplit("(", 1)[-1].rstrip(")") for n in notes}
        return next((i for i, c in enumerate(self.changes) if c["record_id"] in ids), len(self.changes))

    def emit_change_events(self, target_url: str, secret: str, **options: Any) -> list[int]:
        """Business Central pushes to its subscribers, not to a configured URL: `run_simulator
        --emit-to` sends the pending notifications to every subscription."""
        return self.notifications_send()


def _post_json(url: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(url, data=json.dumps(body, default=str).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return 503  # unreachable: retried, as the service retries for 36 hours


def _max_page_size(request: Request) -> int | None:
    match = re.search(r"odata\.maxpagesize\s*=\s*(\d+)", request.headers.get("Prefer") or "")
    return max(1, int(match[1])) if match else None


def _skiptoken_write(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, default=str).encode()).decode().rstrip("=")


def _skiptoken_read(token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        padded = token + "=" * (-len(token) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise ValueError(f"The skip token '{token}' is not valid.") from None
    if not isinstance(value, dict):
        raise ValueError(f"The skip token '{token}' is not valid.")
    return value


def _sort_value(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, float(value))
    moment = parse_datetime(value) if isinstance(value, str) and len(value) >= 19 and value[10:11] == "T" else None
    return (2, moment.timestamp()) if moment else (3, str(value).lower())


def _comparer(order: list[tuple[str, bool]]):
    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, descending in order:
            x, y = _sort_value(a.get(name)), _sort_value(b.get(name))
            if x != y:
                return (-1 if x < y else 1) * (-1 if descending else 1)
        return 0

    return compare
