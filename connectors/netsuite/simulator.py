"""A NetSuite account in memory, served over SuiteTalk REST.

Endpoints: OAuth 2.0 client-credentials token (a JWT client assertion signed with the mapped
certificate's key, checked as NetSuite does), SuiteQL (`POST /services/rest/query/v1/suiteql`,
`Prefer: transient`, limit/offset paging with the real 100,000-row cap, configurable), record
GET / DELETE and upsert by external id (`PUT /services/rest/record/v1/<type>/eid:<id>`).
Errors are RFC 9457-style bodies with `o:errorDetails`; more concurrent requests than the
account's limit answer 429 CONCURRENCY_LIMIT_EXCEEDED. See docs/simulators.md.
"""

from __future__ import annotations

import itertools
import random
import re
import time
from collections import Counter, OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from connectors.netsuite import simulator_m2m as m2m
from connectors.netsuite.mapping import BILLING_OUT
from connectors.simulators import data, query
from connectors.simulators.base import Clock, Request, Response, SimulatorServer, parse_datetime
from mdm.demo_data import Records as DemoRecords

IDEMPOTENCY_HEADER = "Concord-Idempotency-Key"
QUERY_PATH = "/services/rest/query/v1/suiteql"
RECORD_PREFIX = "/services/rest/record/v1/"
TOKEN_PATH = "/services/rest/auth/oauth2/v1/token"
SYSTEM = ["id", "externalid", "datecreated", "lastmodifieddate"]
SCHEMA: dict[str, list[str]] = {
    "customer": SYSTEM + ["entityid", "companyname", "email", "phone", "url", "vatregnumber", "billaddr1",
                          "billcity", "billzip", "billcountry", "category", "currency", "terms",
                          "creditholdoverride", "subsidiary", "parent", "isinactive"],
    "job": SYSTEM + ["entityid", "companyname", "parent", "custentity_sales_order", "entitystatus", "startdate",
                     "projectedenddate", "projectmanager", "custentity_service_line", "jobbillingtype",
                     "custentity_budget", "currency", "isinactive",
                     # The account's custom field for a project's team from the PSA (staffing).
                     "custentity_concord_team"],
    "salesorder": SYSTEM + ["tranid", "entity", "memo", "status", "startdate", "enddate", "total", "currency",
                            "custbody_billing_type", "trandate", "subsidiary"],
    "invoice": SYSTEM + ["tranid", "entity", "createdfrom", "total", "currency", "trandate", "duedate", "status"],
    # Billing schedules of sales orders (written by orchestration flows, one per contract).
    "billingschedule": SYSTEM + ["name", "salesorder", "custrecord_contract_version", "frequency", "billingtype",
                                 "recurrence", "ratecard", "status"],
    # Billing summaries of projects' weeks (staffing's timesheet batch): the account's custom record.
    "customrecord_concord_time_summary": SYSTEM + ["name", "custrecord_cts_project", "custrecord_cts_week_start",
                                                   "custrecord_cts_week_end", "custrecord_cts_kind",
                                                   "custrecord_cts_revision", "custrecord_cts_hours",
                                                   "custrecord_cts_amount", "custrecord_cts_currency",
                                                   "custrecord_cts_lines"],
    "deletedrecord": ["id", "recordid", "recordtype", "deleteddate", "name"],
}
# REST record type -> SuiteQL table
RECORD_TYPES = {"customer": "customer", "job": "job", "salesOrder": "salesorder", "invoice": "invoice",
                "billingSchedule": "billingschedule",
                "customrecord_concord_time_summary": "customrecord_concord_time_summary"}
DATE_COLUMNS = {"startdate", "enddate", "projectedenddate", "trandate", "duedate"}
UPSERTABLE = {"customer", "job", "salesOrder", "billingSchedule", "customrecord_concord_time_summary"}
# Simulator-only faults (beyond the shared ones): billing_refused makes the account refuse every
# billing schedule write (a validation error, permanent), until cleared.
OWN_FAULTS = ("billing_refused",)
ADMIN_FAULTS_PATH = "/simulator/faults"
REFERENCES = {"parent": "customer", "entity": "customer", "custentity_sales_order": "salesorder",
              "createdfrom": "salesorder", "salesorder": "salesorder", "custrecord_cts_project": "job"}
REQUIRED = {"customer": [("companyname", "Company Name")],
            "job": [("companyname", "Project Name"), ("parent", "Customer")],
            "salesorder": [("entity", "Customer")], "billingschedule": [("salesorder", "Sales Order")],
            "customrecord_concord_time_summary": [("custrecord_cts_project", "Project")]}
NS_BILLING = ["T&M", "TM", "Fixed Price", "FBM", "Retainer", "Time and Materials"]
SO_STATUSES = ["Pending Approval", "Pending Fulfillment", "Pending Billing", "Billed", "Closed"]
JOB_STATUSES = ["In Progress", "In Progress", "Not Started", "Closed", "On Hold", "Awarded"]
TERMS = ["Net 30", "Net 45", "Net 60", "Due on receipt", "1% 10 Net 30"]


def _own_faults(spec: str) -> tuple[set[str], str]:
    """Split this simulator's own faults off a fault spec; the rest goes to the shared Faults."""
    parts = [part.strip() for part in (spec or "").split(",") if part.strip()]
    return {p for p in parts if p in OWN_FAULTS}, ",".join(p for p in parts if p not in OWN_FAULTS)


def ns_datetime(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ns_date(day) -> str:
    """Dates as the account's preference (M/D/YYYY) formats them: raw, for the hub to standardize."""
    return f"{day.month}/{day.day}/{day.year}"


def _ns_day(text: Any) -> str | None:
    """A demo data date (ISO, or DD.MM.YYYY as the demo's ERP export has it) as the account holds it."""
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return ns_date(datetime.strptime(str(text), pattern).date())
        except ValueError:
            continue
    return None


class NetSuiteSimulator(SimulatorServer):
    """customers, jobs (projects), sales orders (contracts) and invoices; `store[table][id]`."""

    name = "netsuite"
    auth_paths = ("/services/rest/auth/",)

    def __init__(self, *, seed: int = 1, records: int = 50, faults: str = "", offset_cap: int = 100_000,
                 concurrency_limit: int = 5, credentials: dict[str, str] | None = None, verbose: bool = False,
                 demo_data: DemoRecords | None = None):
        own, faults = _own_faults(faults)
        super().__init__(seed=seed, records=records, faults=faults, verbose=verbose)
        self.billing_refused = "billing_refused" in own
        # How many records each upsert created, per (table, external id): a re-run must add none.
        self.created_by_external_id: Counter[tuple[str, str]] = Counter()
        self.offset_cap = offset_cap
        self.concurrency_limit = concurrency_limit
        # The integration Concord logs in as: client id, certificate id and the private key whose
        # public half is mapped here (as an admin uploads it under OAuth 2.0 Client Credentials Setup).
        private, public = m2m.key_pair()
        self.credentials = credentials or {"client_id": "concord", "certificate_id": "concord-cert-1",
                                           "private_key": private}
        self.certificates: dict[tuple[str, str], str] = {}
        if "private_key" in self.credentials:
            self.certificate_map(self.credentials["client_id"], self.credentials["certificate_id"],
                                 public if self.credentials["private_key"] == private
                                 else m2m.public_key_of(self.credentials["private_key"]))
        self.token_seconds = 3600  # NetSuite's access tokens last 60 minutes
        self.token_expiry: dict[str, float] = {}
        self.store: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}
        # What a real account's indexes give and a scan of the store does not: record id by external
        # id, and each table sorted by a query's ORDER BY, kept for the keyset pages that follow
        # (reading 90,000 jobs a page of 1,000 at a time re-copied, re-filtered and re-sorted the
        # whole table 90 times). Any write moves `generation` on, which retires the sorted copies.
        self.by_external_id: dict[str, dict[str, str]] = {name: {} for name in SCHEMA}
        self.generation = 0
        self._sorted_rows: OrderedDict[tuple[str, tuple], tuple[int, query.SortedRows]] = OrderedDict()
        self._ids = itertools.count(1001)
        self.query_pages: Counter[str] = Counter()
        self.clock = Clock()
        if demo_data is None:
            self._seed_data()
        else:
            self._demo_data_seed(demo_data)

    def set_faults(self, spec: str) -> None:
        own, spec = _own_faults(spec)
        super().set_faults(spec)
        self.billing_refused = "billing_refused" in own

    # -- data -------------------------------------------------------------------------------
    def _put(self, table: str, fields: dict[str, Any], at: datetime, record_id: str = "") -> dict[str, Any]:
        record_id = record_id or str(next(self._ids))
        record = {name: None for name in SCHEMA[table]}
        record.update(fields)
        record["id"] = record_id
        numbered = {"customer": ("entityid", "CUST"), "job": ("entityid", "PRJ"), "salesorder": ("tranid", "SO"),
                    "invoice": ("tranid", "INV")}.get(table)
        if numbered and not record.get(numbered[0]):  # auto-numbering, as the account is set up
            record[numbered[0]] = f"{numbered[1]}{record_id}"
        if "lastmodifieddate" in record:
            record.update(datecreated=ns_datetime(at), lastmodifieddate=ns_datetime(at))
        self.store[table][record_id] = record
        if record.get("externalid"):
            self.by_external_id[table][record["externalid"]] = record_id
        self.generation += 1
        return record

    def _demo_data_seed(self, records: DemoRecords) -> None:
        """Hold what the embedded demo data set says NetSuite holds (mdm/demo_data.py): its
        customers, sales orders and jobs with the same internal ids, values and stamps, as the
        account stores them (dates M/D/YYYY, credit hold, billing types). The hub reads them into
        the same golden records `load_demo` makes, and its writes land on the records it read."""
        for record in records[("netsuite", "customer")]:
            values = record.canonical
            self._put("customer", {
                "entityid": f"CUST{record.source_id}", "companyname": values.get("name"), "email": values.get("email"),
                "phone": values.get("phone"), "vatregnumber": values.get("tax_id"),
                "billaddr1": values.get("address_line1") or None, "billcity": values.get("city"),
                "billzip": values.get("postal_code"), "billcountry": values.get("country"),
                "currency": values.get("currency"), "terms": values.get("payment_terms"),
                "creditholdoverride": "ON" if values.get("credit_status") == "on hold" else "AUTO",
                "subsidiary": values.get("legal_entity"), "isinactive": False},
                record.source_updated_at, record_id=record.source_id)
        for record in records[("netsuite", "contract")]:
            values = record.canonical
            self._put("salesorder", {
                "tranid": values.get("number"), "entity": values.get("customer_source_id"), "memo": values.get("title"),
                "status": "Pending Billing" if values.get("status") == "active" else values.get("status"),
                "startdate": _ns_day(values.get("start_date")), "enddate": _ns_day(values.get("end_date")),
                "total": values.get("total_value"), "currency": values.get("currency"),
                "custbody_billing_type": values.get("billing_type"), "trandate": _ns_day(values.get("start_date"))},
                record.source_updated_at, record_id=record.source_id)
        for record in records[("netsuite", "project")]:
            values = record.canonical
            self._put("job", {
                "entityid": values.get("code"), "companyname": values.get("name"),
                "parent": values.get("customer_source_id"), "custentity_sales_order": values.get("contract_source_id"),
                "entitystatus": values.get("status"), "startdate": _ns_day(values.get("start_date")),
                "projectedenddate": _ns_day(values.get("end_date")), "projectmanager": values.get("project_manager"),
                "custentity_service_line": values.get("service_line"),
                "jobbillingtype": BILLING_OUT.get(values.get("billing_type"), values.get("billing_type")),
                "custentity_budget": values.get("budget"), "isinactive": False},
                record.source_updated_at, record_id=record.source_id)
        ids = [int(row_id) for rows in self.store.values() for row_id in rows if row_id.isdigit()]
        self._ids = itertools.count(max(ids, default=1000) + 1)  # records created later get ids of their own
        for rows in self.store.values():
            for row in rows.values():
                if row.get("lastmodifieddate"):
                    self.clock.observe(parse_datetime(row["lastmodifieddate"]))

    def _seed_data(self) -> None:
        rng = random.Random(self.seed * 104729 + 3)
        # A mass update touched a quarter of the records in the same second: many equal stamps,
        # which a reader's (lastmodifieddate, id) watermark must get through without loss.
        mass_update = data.stamp(rng, days=200)

        def when() -> datetime:
            return mass_update if rng.random() < 0.25 else data.stamp(rng, days=300, spread_seconds=False)

        for company in data.companies(self.seed, self.records):
            if rng.random() > 0.8:  # prospects live in the CRM only
                continue
            spellings = data.COUNTRIES[company.country][0]
            customer = self._put("customer", {
                "entityid": f"CUST{company.index:05d}", "companyname": company.legal_name,
                "email": f"ap@{company.domain}" if rng.random() < 0.8 else None,
                "phone": f"{company.phone_prefix}{company.phone_digits}" if rng.random() < 0.6
                else data.phone_formats(rng, company),
                "url": f"https://{company.domain}" if rng.random() < 0.5 else None,
                "vatregnumber": company.tax_id if rng.random() < 0.8 else None,
                "billaddr1": company.street if rng.random() < 0.9 else None, "billcity": company.city,
                "billzip": company.postal_code, "billcountry": rng.choice([company.country, *spellings]),
                "category": company.industry, "currency": company.currency, "terms": rng.choice(TERMS),
                "creditholdoverride": rng.choice(["AUTO", "AUTO", "AUTO", "OFF", "ON"]),
                "subsidiary": f"Concord Consulting {company.country}", "isinactive": False}, when())
            for number in range(rng.randint(1, 2)):
                start, end = data.contract_dates(rng)
                total = rng.randint(20, 900) * 1000
                line = rng.choice(data.SERVICE_LINES)
                billing = rng.choice(NS_BILLING)
                order = self._put("salesorder", {
                    "tranid": f"SO{company.index:05d}{number}", "entity": customer["id"],
                    "memo": f"{company.name} {line} programme", "status": rng.choice(SO_STATUSES),
                    "startdate": ns_date(start), "enddate": ns_date(end), "total": f"{total:.2f}",
                    "currency": company.currency, "custbody_billing_type": billing, "trandate": ns_date(start),
                    "subsidiary": customer["subsidiary"]}, when())
                for p in range(rng.randint(1, 2)):
                    self._put("job", {
                        "entityid": f"PRJ-{company.index:04d}-{number}{p}", "companyname": f"{company.name} {line}",
                        "parent": customer["id"], "custentity_sales_order": order["id"],
                        "entitystatus": rng.choice(JOB_STATUSES), "startdate": ns_date(start),
                        "projectedenddate": ns_date(end), "projectmanager": rng.choice(data.MANAGERS),
                        "custentity_service_line": line, "jobbillingtype": billing,
                        "custentity_budget": f"{total // 2:.2f}", "currency": company.currency,
                        "isinactive": False}, when())
                for i in range(rng.randint(0, 3)):
                    billed = start + timedelta(days=30 * (i + 1))
                    self._put("invoice", {
                        "tranid": f"INV{company.index:05d}{number}{i}", "entity": customer["id"],
                        "createdfrom": order["id"], "total": f"{total / 4:.2f}", "currency": company.currency,
                        "trandate": ns_date(billed), "duedate": ns_date(billed + timedelta(days=30)),
                        "status": rng.choice(["Open", "Paid In Full", "Paid In Full"])}, when())
        for rows in self.store.values():
            for row in rows.values():
                if row.get("lastmodifieddate"):
                    self.clock.observe(parse_datetime(row["lastmodifieddate"]))

    # -- changes like a user makes them (tests call these) ----------------------------------
    def create(self, table: str, origin: str = "", **fields: Any) -> dict[str, Any]:
        at = self.clock.tick()
        with self.lock:
            record = self._put(table, fields, at)
        self.record_change(table, record["id"], "CREATE", record, at, origin)
        return record

    def update(self, table: str, record_id: str, origin: str = "", **fields: Any) -> dict[str, Any]:
        at = self.clock.tick()
        with self.lock:
            record = self.store[table][record_id]
            if "externalid" in fields:
                self.by_external_id[table].pop(record.get("externalid"), None)
                if fields["externalid"]:
                    self.by_external_id[table][fields["externalid"]] = record_id
            record.update(fields, lastmodifieddate=ns_datetime(at))
            self.generation += 1
        self.record_change(table, record_id, "UPDATE", record, at, origin)
        return record

    def delete(self, table: str, record_id: str, origin: str = "") -> None:
        at = self.clock.tick()
        with self.lock:
            record = self.store[table].pop(record_id)
            self.by_external_id[table].pop(record.get("externalid"), None)
            self._put("deletedrecord", {"recordid": record_id, "recordtype": table,
                                        "deleteddate": ns_datetime(at),
                                        "name": record.get("companyname") or record.get("tranid")}, at)
        self.record_change(table, record_id, "DELETE", record, at, origin)

    def find(self, table: str, *, external_id: str | None = None, record_id: str | None = None):
        if record_id is not None:
            return self.store[table].get(str(record_id))
        record_id = self.by_external_id[table].get(external_id)
        return self.store[table][record_id] if record_id is not None else None

    # -- dialect ----------------------------------------------------------------------------
    def error(self, status: int, code: str, message: str, retry_after: float | None = None) -> Response:
        titles = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                  429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable"}
        if status == 429 and code == "REQUEST_LIMIT_EXCEEDED":
            code = "CONCURRENCY_LIMIT_EXCEEDED"
        if status >= 500 and code == "UNKNOWN_EXCEPTION":
            code = "UNEXPECTED_ERROR"
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        return Response(status, {"type": "https://www.rfc-editor.org/rfc/rfc9110.html#section-15",
                                 "title": titles.get(status, "Error"), "status": status,
                                 "o:errorDetails": [{"detail": message, "o:errorCode": code}]}, headers)

    def render_event(self, change: dict[str, Any]) -> dict[str, Any]:
        """A webhook a SuiteScript user-event script would post: the whole record."""
        record_type = next(t for t, table in RECORD_TYPES.items() if table == change["object_type"])
        # A SuiteScript serializes dates as ISO 8601, not in the user's display format.
        record = {k: query.to_char(v, "YYYY-MM-DD") if k in DATE_COLUMNS else v for k, v in change["fields"].items()}
        event = {"event_id": f"ns-{self.seed}-{change['sequence']}", "object_type": record_type,
                 "record": record, "origin": change["origin"],
                 "occurred_at": ns_datetime(change["at"])}
        if change["change_type"] == "DELETE":
            event["deleted"] = True
        return event

    def before_route(self, request: Request, concurrent: int) -> Response | None:
        if concurrent > self.concurrency_limit:
            return self.error(429, "CONCURRENCY_LIMIT_EXCEEDED",
                              f"Concurrent request limit exceeded ({self.concurrency_limit}). Request blocked.")
        return None

    # -- routing ----------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if request.path == TOKEN_PATH and request.method == "POST":
            return self._token(request)
        if request.path == ADMIN_FAULTS_PATH and request.method == "POST":
            return self._admin_faults(request)
        if not self.bearer_ok(request):
            return self.error(401, "INVALID_LOGIN", "Invalid login attempt. For more details, see the Login "
                                                    "Audit Trail in the NetSuite UI.")
        if request.path == QUERY_PATH and request.method == "POST":
            return self._suiteql(request)
        if request.path.startswith(RECORD_PREFIX):
            match = re.fullmatch(r"(?P<type>\w+)/(?P<key>[^/]+)", request.path[len(RECORD_PREFIX):].rstrip("/"))
            if match and match["type"] in RECORD_TYPES:
                return self._record(match["type"], unquote(match["key"]), request)
            return self.error(404, "NONEXISTENT_ID", "Record type or id does not exist.")
        return self.error(404, "NOT_FOUND", "The requested resource does not exist.")

    def _admin_faults(self, request: Request) -> Response:
        """The simulator's own control (no NetSuite API): {"faults": "billing_refused"}; "" clears."""
        try:
            spec = request.json()["faults"]
            if not isinstance(spec, str):
                raise TypeError
            self.set_faults(spec)
        except (ValueError, KeyError, TypeError) as error:
            return self.error(400, "INVALID_CONTENT", f"send {{\"faults\": \"<spec>\"}}: {error}")
        return Response(200, {"faults": spec, "billing_refused": self.billing_refused})

    def certificate_map(self, client_id: str, certificate_id: str, public_pem: str) -> None:
        """Map a certificate (its public key) to an integration, as Setup > Integration > OAuth 2.0
        Client Credentials (M2M) Setup does."""
        self.certificates[(client_id, certificate_id)] = public_pem

    def _token(self, request: Request) -> Response:
        """OAuth 2.0 client credentials with a JWT client assertion (the only M2M login NetSuite
        has): a bad, expired or foreign assertion is 401 invalid_grant, the reason as the Login
        Audit Trail words it."""
        form = request.form()
        if form.get("grant_type") != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type"})
        if form.get("client_assertion_type") != m2m.ASSERTION_TYPE or not form.get("client_assertion"):
            return Response(400, {"error": "invalid_request",
                                  "error_description": f"client_assertion_type must be {m2m.ASSERTION_TYPE} "
                                                       "and client_assertion a signed JWT"})
        client_id, reason = m2m.assertion_check(form["client_assertion"], certificates=self.certificates,
                                                audience=f"{self.base_url}{TOKEN_PATH}")
        if client_id is None:
            return Response(401, {"error": "invalid_grant", "error_description": reason})
        token = self.issue_token()
        with self.lock:
            self.token_expiry[token] = time.time() + self.token_seconds
        return Response(200, {"access_token": token, "expires_in": str(self.token_seconds), "token_type": "bearer"})

    def bearer_ok(self, request: Request) -> bool:
        if not super().bearer_ok(request):
            return False
        token = (request.headers.get("Authorization") or "")[7:].strip()
        return self.token_expiry.get(token, float("inf")) > time.time()

    def _suiteql(self, request: Request) -> Response:
        if "transient" not in (request.headers.get("Prefer") or ""):
            return self.error(400, "INVALID_HEADER", "The request must carry the header 'Prefer: transient'.")
        try:
            limit = int(request.query.get("limit", 1000))
            offset = int(request.query.get("offset", 0))
        except ValueError:
            return self.error(400, "INVALID_PARAMETER", "limit and offset must be integers")
        if not 1 <= limit <= 1000 or offset < 0:
            return self.error(400, "INVALID_PARAMETER", "limit must be 1..1000 and offset >= 0")
        if offset + limit > self.offset_cap:
            return self.error(400, "INVALID_PARAMETER",
                              f"offset + limit must not exceed {self.offset_cap} rows: narrow the query "
                              "(e.g. continue after the last row read) instead of paging further")
        try:
            body = request.json()
            text = body["q"]
        except (ValueError, KeyError, TypeError):
            return self.error(400, "INVALID_CONTENT", "the body must be {\"q\": \"<SuiteQL>\"}")
        try:
            parsed = query.parse(text)
            table = parsed.object.lower()
            if table not in SCHEMA:
                raise query.QueryError(f"Record '{parsed.object}' was not found.", code="INVALID_SEARCH")
            counted: list[int] = []
            page = query.run(parsed, self._sorted(parsed, table), set(SCHEMA[table]),
                             window=slice(offset, offset + limit), total=counted)
        except query.QueryError as error:
            return self.error(400, "INVALID_PARAMETER" if error.code == "MALFORMED_QUERY" else error.code,
                              f"Invalid search query. Detailed unprocessed description follows. {error}")
        # A "read" is every request of one query shape (its WHERE aside): offset pages and keyset
        # pages alike count as pages 1, 2, 3 ... of it.
        shape = " ".join(re.sub(r"\bWHERE\b.*?(?=\bORDER\s+BY\b|$)", "", text, flags=re.I | re.S).split())
        with self.lock:
            self.query_pages[shape] += 1
            number = self.query_pages[shape]
        failed = self.page_fault(shape, number)
        if failed:
            return failed
        has_more = offset + limit < counted[0]
        url = f"{self.base_url}{QUERY_PATH}"
        links = [{"rel": "self", "href": f"{url}?limit={limit}&offset={offset}"}]
        if has_more:
            links.append({"rel": "next", "href": f"{url}?limit={limit}&offset={offset + limit}"})
        items = [{"links": [], **{k: (None if v is None else str(v) if not isinstance(v, bool) else
                                      ("T" if v else "F")) for k, v in row.items()}} for row in page]
        return Response(200, {"links": links, "count": len(items), "hasMore": has_more, "items": items,
                              "offset": offset, "totalResults": counted[0]})

    def _sorted(self, parsed: query.Query, table: str) -> query.SortedRows:
        """The table's rows in the query's order, sorted once per state of the store."""
        key = (table, tuple(parsed.order))
        with self.lock:
            generation = self.generation
            cached = self._sorted_rows.get(key)
            if cached is not None and cached[0] == generation:
                self._sorted_rows.move_to_end(key)
                return cached[1]
            rows = [dict(r) for r in self.store[table].values()]
        result = query.SortedRows(rows, parsed.order)
        with self.lock:
            self._sorted_rows[key] = (generation, result)
            while len(self._sorted_rows) > 8:
                self._sorted_rows.popitem(last=False)
        return result

    def _record(self, record_type: str, key: str, request: Request) -> Response:
        table = RECORD_TYPES[record_type]
        by_external = key.startswith("eid:")
        with self.lock:
            record = self.find(table, external_id=key[4:]) if by_external else self.find(table, record_id=key)
        if request.method == "GET":
            if record is None:
                return self.error(404, "NONEXISTENT_ID", f"Record {record_type} {key} does not exist.")
            return Response(200, {"links": [], **record})
        if request.method == "DELETE":
            if record is None:
                return self.error(404, "NONEXISTENT_ID", f"Record {record_type} {key} does not exist.")
            self.delete(table, record["id"], origin=self._origin(request))
            return Response(204)
        if request.method == "PATCH" and record_type in UPSERTABLE:
            if record is None:
                return self.error(404, "NONEXISTENT_ID", f"Record {record_type} {key} does not exist.")
            return self._patch(record_type, table, record, request)
        if request.method == "PUT" and by_external and record_type in UPSERTABLE:
            return self._upsert(record_type, table, key[4:], request)
        if request.method == "PUT":
            return self.error(400, "INVALID_CONTENT", "PUT upserts by external id only: .../eid:<external id>")
        return self.error(405, "METHOD_NOT_ALLOWED", f"{request.method} is not supported here.")

    @staticmethod
    def _origin(request: Request) -> str:
        return f"rest;{request.headers.get('User-Agent') or ''}"

    def _values(self, record_type: str, table: str, request: Request,
                 external_id_allowed: bool) -> tuple[dict[str, Any] | None, Response | None]:
        """The REST body as table columns, references resolved; or the error to answer."""
        try:
            body = request.json()
        except ValueError:
            return None, self.error(400, "INVALID_CONTENT", "The body is not valid JSON.")
        if not isinstance(body, dict):
            return None, self.error(400, "INVALID_CONTENT", "The body must be a JSON object.")
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key:
            with self.lock:
                self.upserts_by_key[key] += 1
        values: dict[str, Any] = {}
        for name, value in body.items():
            column = name.lower()
            if column == "externalid" and external_id_allowed:
                values[column] = str(value)
                continue
            if column in ("id", "links", "externalid", "lastmodifieddate", "datecreated") \
                    or column not in SCHEMA[table]:
                return None, self.error(400, "INVALID_CONTENT",
                                        f"Invalid field: {name} is not a field of {record_type}.")
            if isinstance(value, dict):
                if column in REFERENCES:
                    target = self.find(REFERENCES[column], record_id=value.get("id")) if value.get("id") else \
                        self.find(REFERENCES[column], external_id=value.get("externalId"))
                    if target is None:
                        return None, self.error(400, "INVALID_KEY_OR_REF", f"Invalid {name} reference key {value}.")
                    value = target["id"]
                else:
                    value = value.get("refName") or value.get("id")
            values[column] = value
        return values, None

    def _location(self, record_type: str, record: dict[str, Any]) -> Response:
        return Response(204, None, {"Location": f"{self.base_url}{RECORD_PREFIX}{record_type}/{record['id']}"})

    def _upsert(self, record_type: str, table: str, external_id: str, request: Request) -> Response:
        values, refused = self._values(record_type, table, request, external_id_allowed=False)
        if refused:
            return refused
        if table == "billingschedule" and self.billing_refused:
            return self.error(400, "USER_ERROR", "The billing schedule was refused: its recurrence does not match "
                                                 "the sales order terms (injected billing_refused).")
        with self.lock:
            record = self.find(table, external_id=external_id)
            if record is None:
                missing = [label for column, label in REQUIRED.get(table, []) if values.get(column) in (None, "")]
                if missing:
                    return self.error(400, "USER_ERROR", f"Please enter value(s) for: {', '.join(missing)}.")
                record = self.create(table, origin=self._origin(request), externalid=external_id, **values)
                self.created_by_external_id[(table, external_id)] += 1
            else:
                changed = {k: v for k, v in values.items() if record.get(k) != v}
                if changed:
                    self.update(table, record["id"], origin=self._origin(request), **changed)
        return self._location(record_type, record)

    def _patch(self, record_type: str, table: str, record: dict[str, Any], request: Request) -> Response:
        """PATCH .../<type>/<internal id>: update the given fields (externalId may be set)."""
        values, refused = self._values(record_type, table, request, external_id_allowed=True)
        if refused:
            return refused
        with self.lock:
            if values.get("externalid"):
                other = self.find(table, external_id=values["externalid"])
                if other is not None and other["id"] != record["id"]:
                    return self.error(400, "DUP_RCRD", f"A record with externalId {values['externalid']} exists.")
            changed = {k: v for k, v in values.items() if record.get(k) != v}
            if changed:
                self.update(table, record["id"], origin=self._origin(request), **changed)
        return self._location(record_type, record)
