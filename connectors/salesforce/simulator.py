"""A Salesforce org in memory, served over the real REST wire protocol (API v60.0).

Endpoints: OAuth2 token (password / client_credentials), SOQL query and queryAll with
nextRecordsUrl paging, getDeleted, upsert by external id (single and composite collection),
record GET/DELETE, limits. Errors are Salesforce error arrays; every API answer carries
Sforce-Limit-Info. See docs/simulators.md.
"""

from __future__ import annotations

import itertools
import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.simulators import data, query
from connectors.simulators.base import Clock, Request, Response, SimulatorServer, parse_datetime
from mdm import demo_data
from mdm.demo_data import Records as DemoRecords
from mdm.records import IncomingRecord

API_VERSION = "60.0"
PREFIX = f"/services/data/v{API_VERSION}"
EXTERNAL_ID = "Concord_Id__c"
IDEMPOTENCY_HEADER = "Concord-Idempotency-Key"
KEY_PREFIXES = {"Account": "001", "Contact": "003", "Opportunity": "006", "Contract": "800", "Project__c": "a0P"}
SYSTEM_FIELDS = ["Id", "IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp"]
SCHEMA: dict[str, list[str]] = {
    "Account": SYSTEM_FIELDS + [
        "Name", "Type", "ParentId", "BillingStreet", "BillingCity", "BillingPostalCode", "BillingState",
        "BillingCountry", "Phone", "Website", "Industry", "NumberOfEmployees", "AnnualRevenue", "CurrencyIsoCode",
        "Description", "Tax_Id__c", "Legal_Entity__c", "Email__c", "Payment_Terms__c", "Credit_Status__c",
        # The ERP's newest invoice status, written back by Concord (orchestration).
        "Last_Invoice_Number__c", "Last_Invoice_Status__c", "Last_Invoice_Total__c", "Last_Invoice_Date__c",
        EXTERNAL_ID],
    "Contact": SYSTEM_FIELDS + ["AccountId", "FirstName", "LastName", "Email", "Phone", "Title", EXTERNAL_ID],
    "Opportunity": SYSTEM_FIELDS + [
        "Name", "AccountId", "StageName", "Amount", "CloseDate", "Probability", "Type", "IsClosed", "IsWon",
        "CurrencyIsoCode", "Billing_Type__c", "Service_Line__c", "ContractId", EXTERNAL_ID],
    "Contract": SYSTEM_FIELDS + [
        "ContractNumber", "Name", "AccountId", "Status", "StartDate", "EndDate", "ContractTerm", "Description",
        "CurrencyIsoCode", "Total_Value__c", "Billing_Type__c", "Opportunity__c", EXTERNAL_ID],
    "Project__c": SYSTEM_FIELDS + [
        "Name", "Project_Code__c", "Account__c", "Contract__c", "Opportunity__c", "Status__c", "Start_Date__c",
        "End_Date__c", "Project_Manager__c", "Service_Line__c", "Billing_Type__c", "Budget__c", "CurrencyIsoCode",
        EXTERNAL_ID],
}
REQUIRED_ON_CREATE = {"Account": ["Name"], "Contact": ["LastName"], "Opportunity": ["Name", "StageName", "CloseDate"],
                      "Contract": ["AccountId"], "Project__c": ["Name"]}
READ_ONLY = set(SYSTEM_FIELDS) | {"ContractNumber", "IsClosed", "IsWon"}
STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review",
          "Closed Won", "Closed Won", "Closed Lost"]
BILLING = ["Time and Materials", "Fixed Fee", "Retainer", "Time & Materials", "Fixed Price"]
CONTRACT_STATUSES = ["Activated", "Activated", "Activated", "Draft", "In Approval Process", "Expired"]
PROJECT_STATUSES = ["In Progress", "In Progress", "Not Started", "Completed", "On Hold"]


def stage_fields(stage: str) -> dict[str, Any]:
    """What an Opportunity's stage implies: IsClosed, IsWon and the default probability."""
    won, closed = stage == "Closed Won", str(stage).startswith("Closed")
    return {"IsClosed": closed, "IsWon": won, "Probability": 100 if won else 0 if closed else 40}


def _amount(text: Any) -> float | None:
    """A currency field's number from the demo data's text ("120,000.00")."""
    try:
        return float(str(text).replace(",", "")) if text not in (None, "") else None
    except ValueError:
        return None


def _service_line(title: Any) -> str | None:
    return next((line for line in demo_data.SERVICE_LINES if line in str(title or "")), None)


def _accounts_to_close(records: DemoRecords) -> list[IncomingRecord]:
    """The demo accounts that get an open opportunity: every third company's own account (not
    its CRM duplicate or prospect, nor the unusable ones). First come those NetSuite has on
    credit hold, then the other non-US ones (they invoice through NetSuite): closing the first
    open opportunity makes the flow ask the council to accept the exception (docs/orchestration.md)."""
    on_hold = {record.source_id for record in records[("netsuite", "customer")]
               if record.canonical.get("credit_status") == "on hold"}
    # The demo data numbers a company's records alike: Salesforce 001<n>, NetSuite 10000 + n;
    # duplicates and prospects from 001<5000000 + n>.
    accounts = [record for record in records[("salesforce", "customer")] if record.source_id[3:].isdigit()
                and int(record.source_id[3:]) < 5_000_000 and record.canonical.get("name")][::3]

    def order(account: IncomingRecord) -> tuple[bool, bool]:
        held = str(10_000 + int(account.source_id[3:])) in on_hold
        return not held, demo_data.COUNTRY_CURRENCIES.get(account.canonical.get("country")) == "USD"

    return sorted(accounts, key=order)


def sf_datetime(moment: datetime) -> str:
    """Salesforce's wire format: 2026-06-01T10:15:00.000+0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class SalesforceSimulator(SimulatorServer):
    """An org with Accounts, Contacts, Opportunities, Contracts and Project__c records.

    `store[object][id]` holds records (deleted ones stay with IsDeleted=true, as in the recycle
    bin, for queryAll); `update()`, `create()` and `delete()` change them like a user would,
    bumping SystemModstamp and logging a change event."""

    name = "salesforce"
    auth_paths = ("/services/oauth2/",)

    def __init__(self, *, seed: int = 1, records: int = 50, faults: str = "", api_limit: int = 100_000,
                 credentials: dict[str, str] | None = None, verbose: bool = False,
                 demo_data: DemoRecords | None = None):
        super().__init__(seed=seed, records=records, faults=faults, verbose=verbose)
        self.api_limit = api_limit
        self.api_used = 0
        self.credentials = credentials or {"client_id": "concord", "client_secret": "concord-secret",
                                           "username": "integration@concord.example", "password": "concord"}
        self.store: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in SCHEMA}
        self.deleted_log: list[tuple[str, str, datetime]] = []  # (object, id, deletedDate)
        self.cursors: dict[str, list[dict[str, Any]]] = {}
        self._cursor_numbers = itertools.count(1)
        self._numbers = {name: itertools.count(1) for name in SCHEMA}
        self._contract_numbers = itertools.count(1)
        self.clock = Clock()
        if demo_data is None:
            self._seed_data()
        else:
            self._demo_data_seed(demo_data)

    # -- data -------------------------------------------------------------------------------
    def new_id(self, object_name: str) -> str:
        number = next(self._numbers[object_name])
        return f"{KEY_PREFIXES[object_name]}Dn{number:010d}AAE"

    def _put(self, object_name: str, fields: dict[str, Any], at: datetime, record_id: str = "") -> dict[str, Any]:
        record_id = record_id or self.new_id(object_name)
        record = {name: None for name in SCHEMA[object_name]}
        record.update(fields)
        record.update(Id=record_id, IsDeleted=False, CreatedDate=sf_datetime(at), LastModifiedDate=sf_datetime(at),
                      SystemModstamp=sf_datetime(at))
        if object_name == "Contract" and not record.get("ContractNumber"):  # the org's auto-number
            record["ContractNumber"] = f"{next(self._contract_numbers):08d}"
        self.store[object_name][record_id] = record
        return record

    def _seed_data(self) -> None:
        rng = random.Random(self.seed * 7919 + 1)
        parents: list[dict[str, Any]] = []  # accounts that are no subsidiary themselves
        for company in data.companies(self.seed, self.records):
            if rng.random() > 0.9:  # not every client is in the CRM
                continue
            at = data.stamp(rng)
            name = company.legal_name.upper() if rng.random() < 0.15 else company.legal_name
            account = self._put("Account", {
                "Name": name, "Type": "Customer", "BillingStreet": company.street, "BillingCity": company.city,
                "BillingPostalCode": company.postal_code if rng.random() < 0.9 else None,
                "BillingCountry": company.spelling, "Phone": data.phone_formats(rng, company),
                "Website": rng.choice([f"https://www.{company.domain}", f"www.{company.domain}", company.domain]),
                "Industry": company.industry, "NumberOfEmployees": rng.choice([50, 120, 800, 2500, 12000]),
                "CurrencyIsoCode": company.currency, "Tax_Id__c": company.tax_id if rng.random() < 0.35 else None,
                "Email__c": f"info@{company.domain}" if rng.random() < 0.5 else None}, at)
            if parents and rng.random() < 0.05:  # a subsidiary: its parent account was there before it
                parent = rng.choice(parents)
                account["ParentId"] = parent["Id"]
                later = max(at, parse_datetime(parent["SystemModstamp"]) + timedelta(minutes=1))
                account.update(SystemModstamp=sf_datetime(later), LastModifiedDate=sf_datetime(later))
            else:
                parents.append(account)
            if rng.random() < 0.06:  # sales created the same client twice
                self._put("Account", {**{k: v for k, v in account.items() if k not in SYSTEM_FIELDS},
                                      "Name": company.name + " " + company.suffix.replace(".", ""), "Phone": None, "ParentId": None,
                                      "BillingCountry": rng.choice(data.COUNTRIES[company.country][0])},
                          data.stamp(rng))
            for _ in range(rng.randint(1, 2)):
                first, last = rng.choice(data.FIRST_NAMES), rng.choice(data.LAST_NAMES)
                self._put("Contact", {"AccountId": account["Id"], "FirstName": first, "LastName": last,
                                      "Email": f"{first.lower()}.{last.lower().replace(' ', '')}@{company.domain}",
                                      "Phone": data.phone_formats(rng, company),
                                      "Title": rng.choice(["CFO", "CIO", "Head of Procurement", "COO"])},
                          data.stamp(rng))
            self._seed_deals(rng, company, account)
        for records in self.store.values():
            for record in records.values():
                self.clock.observe(parse_datetime(record["SystemModstamp"]))

    def _seed_deals(self, rng: random.Random, company, account: dict[str, Any]) -> None:
        """One to three opportunities of the account; a won one has its contract, and most often
        the project delivering it."""
        for _ in range(rng.randint(1, 3)):
            stage = rng.choice(STAGES)
            amount = rng.randint(20, 900) * 1000
            start, end = data.contract_dates(rng)
            billing = rng.choice(BILLING)
            line = rng.choice(data.SERVICE_LINES)
            opportunity = self._put("Opportunity", {
                "Name": f"{company.name} {line}", "AccountId": account["Id"], "StageName": stage,
                "Amount": float(amount), "CloseDate": start.isoformat(), "Type": "New Business",
                "IsClosed": stage.startswith("Closed"), "IsWon": stage == "Closed Won",
                "Probability": 100 if stage == "Closed Won" else 0 if stage == "Closed Lost" else 40,
                "CurrencyIsoCode": company.currency, "Billing_Type__c": billing, "Service_Line__c": line},
                data.stamp(rng))
            if stage != "Closed Won":
                continue
            contract = self._put("Contract", {
                "Name": f"{company.name} {line} programme", "AccountId": account["Id"],
                "Status": rng.choice(CONTRACT_STATUSES), "StartDate": start.isoformat(),
                "EndDate": end.isoformat(), "ContractTerm": max(1, (end - start).days // 30),
                "CurrencyIsoCode": company.currency, "Total_Value__c": float(amount),
                "Billing_Type__c": billing, "Opportunity__c": opportunity["Id"]}, data.stamp(rng))
            opportunity["ContractId"] = contract["Id"]
            if rng.random() < 0.7:
                self._put("Project__c", {
                    "Name": f"{company.name} {line}", "Project_Code__c": f"PRJ-{company.index:04d}-{rng.randint(1, 99):02d}",
                    "Account__c": account["Id"], "Contract__c": contract["Id"], "Opportunity__c": opportunity["Id"],
                    "Status__c": rng.choice(PROJECT_STATUSES), "Start_Date__c": start.isoformat(),
                    "End_Date__c": end.isoformat(), "Project_Manager__c": rng.choice(data.MANAGERS),
                    "Service_Line__c": line, "Billing_Type__c": billing, "Budget__c": float(amount // 2),
                    "CurrencyIsoCode": company.currency}, data.stamp(rng))

    def _demo_data_seed(self, records: DemoRecords) -> None:
        """Hold what the embedded demo data set says Salesforce holds (mdm/demo_data.py): its
        accounts and contracts with the same ids, values and stamps, each contract with the Closed
        Won opportunity it came from, and an open opportunity for every third account to close in
        the demo. The hub reads them into the same golden records `load_demo` makes, and its
        writes land on the records it read."""
        for record in records[("salesforce", "customer")]:
            values = record.canonical
            self._put("Account", {
                "Name": values.get("name"), "Type": "Customer", "BillingStreet": values.get("address_line1"),
                "BillingCity": values.get("city"), "BillingPostalCode": values.get("postal_code"),
                "BillingCountry": values.get("country"), "Phone": values.get("phone"),
                "Website": values.get("website"), "Industry": values.get("industry"),
                "Email__c": values.get("email"), "Tax_Id__c": values.get("tax_id") or None}, record.source_updated_at,
                record_id=record.source_id)
        opportunities = itertools.count(1)
        for record in records[("salesforce", "contract")]:
            values = record.canonical
            amount = _amount(values.get("total_value"))
            opportunity_id = f"006{next(opportunities):07d}"
            contract = self._put("Contract", {
                "ContractNumber": values.get("number"), "AccountId": values.get("customer_source_id"),
                "Name": values.get("title"), "Status": values.get("status"), "StartDate": values.get("start_date"),
                "EndDate": values.get("end_date"), "CurrencyIsoCode": values.get("currency"),
                "Total_Value__c": amount, "Billing_Type__c": values.get("billing_type"),
                "Opportunity__c": opportunity_id}, record.source_updated_at, record_id=record.source_id)
            self._put("Opportunity", {
                "Name": values.get("title"), "AccountId": values.get("customer_source_id"), "StageName": "Closed Won",
                **stage_fields("Closed Won"), "Amount": amount, "CloseDate": values.get("start_date"),
                "Type": "New Business", "CurrencyIsoCode": values.get("currency"),
                "Billing_Type__c": values.get("billing_type"), "Service_Line__c": _service_line(values.get("title")),
                "ContractId": contract["Id"]}, record.source_updated_at, record_id=opportunity_id)
        for number, account in enumerate(_accounts_to_close(records)):
            line = demo_data.SERVICE_LINES[number % len(demo_data.SERVICE_LINES)]
            self._put("Opportunity", {
                "Name": f"{account.canonical.get('name')} {line}", "AccountId": account.source_id,
                "StageName": "Proposal/Price Quote", **stage_fields("Proposal/Price Quote"),
                "Amount": float(50_000 * (number % 9 + 1)), "CloseDate": "2026-12-15", "Type": "New Business",
                "CurrencyIsoCode": demo_data.COUNTRY_CURRENCIES.get(account.canonical.get("country"), "EUR"),
                "Billing_Type__c": BILLING[number % 3], "Service_Line__c": line},
                account.source_updated_at, record_id=f"006{next(opportunities):07d}")
        for rows in self.store.values():
            for row in rows.values():
                self.clock.observe(parse_datetime(row["SystemModstamp"]))

    # -- changes like a user makes them (tests call these) ----------------------------------
    def create(self, object_name: str, origin: str = "", **fields: Any) -> dict[str, Any]:
        at = self.clock.tick()
        with self.lock:
            record = self._put(object_name, fields, at)
        # A create's change event carries every field the new record has, the org's own too (the
        # Contract's auto-number): not only those the caller sent.
        created = {k: v for k, v in record.items() if v is not None and k not in SYSTEM_FIELDS}
        self.record_change(object_name, record["Id"], "CREATE", created, at, origin)
        return record

    def update(self, object_name: str, record_id: str, origin: str = "", **fields: Any) -> dict[str, Any]:
        if object_name == "Opportunity" and "StageName" in fields:
            fields = {**fields, **stage_fields(fields["StageName"])}  # as the org's stage settings derive them
        at = self.clock.tick()
        with self.lock:
            record = self.store[object_name][record_id]
            record.update(fields, LastModifiedDate=sf_datetime(at), SystemModstamp=sf_datetime(at))
        self.record_change(object_name, record_id, "UPDATE", {**fields, "LastModifiedDate": sf_datetime(at)}, at,
                           origin)
        return record

    def delete(self, object_name: str, record_id: str, origin: str = "") -> None:
        at = self.clock.tick()
        with self.lock:
            record = self.store[object_name][record_id]
            record.update(IsDeleted=True, SystemModstamp=sf_datetime(at))
            self.deleted_log.append((object_name, record_id, at))
        self.record_change(object_name, record_id, "DELETE", {}, at, origin)

    def live(self, object_name: str) -> list[dict[str, Any]]:
        return [r for r in self.store[object_name].values() if not r["IsDeleted"]]

    def find_by_external_id(self, object_name: str, field: str, value: str) -> dict[str, Any] | None:
        return next((r for r in self.live(object_name) if str(r.get(field)) == value), None)

    # -- dialect ----------------------------------------------------------------------------
    def _limit_header(self) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_limit}"}

    def error(self, status: int, code: str, message: str, retry_after: float | None = None,
              fields: list[str] | None = None) -> Response:
        headers = self._limit_header()
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return Response(status, [{"message": message, "errorCode": code, "fields": fields or []}], headers)

    def ok(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> Response:
        return Response(status, body, {**self._limit_header(), **(headers or {})})

    def render_event(self, change: dict[str, Any]) -> dict[str, Any]:
        """A Change Data Capture event as CometD / Pub/Sub delivers it."""
        fields = {k: v for k, v in change["fields"].items() if k not in ("Id", "SystemModstamp")}
        return {"data": {"schema": "concord-sim", "payload": {
            "ChangeEventHeader": {
                "entityName": change["object_type"], "recordIds": [change["record_id"]],
                "changeType": change["change_type"],
                "commitTimestamp": int(change["at"].timestamp() * 1000),
                "transactionKey": f"{self.seed:04x}-{change['sequence']:08x}",
                "sequenceNumber": 1, "commitNumber": change["sequence"], "commitUser": "005Dn0000000001AAE",
                "changeOrigin": change["origin"], "changedFields": sorted(fields)},
            **fields}, "event": {"replayId": change["sequence"]}},
            "channel": f"/data/{change['object_type'].replace('__c', '__')}ChangeEvent"}

    # -- routing ----------------------------------------------------------------------------
    def route(self, request: Request) -> Response:
        if request.path == "/services/oauth2/token" and request.method == "POST":
            return self._token(request)
        if not request.path.startswith("/services/data/"):
            return self.error(404, "NOT_FOUND", "The requested resource does not exist")
        if not request.path.startswith(PREFIX + "/") and request.path != PREFIX:
            return self.error(404, "NOT_FOUND", f"this org speaks API v{API_VERSION}")
        if not self.bearer_ok(request):
            return self.error(401, "INVALID_SESSION_ID", "Session expired or invalid")
        with self.lock:
            self.api_used += 1
            over = self.api_used > self.api_limit
        if over:
            return self.error(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
        path = request.path[len(PREFIX):].rstrip("/")
        method = request.method
        if path in ("/query", "/queryAll") and method == "GET":
            return self._query(request, include_deleted=path == "/queryAll")
        match = re.fullmatch(r"/query(?:All)?/(?P<locator>[\w]+)-(?P<offset>\d+)", path)
        if match and method == "GET":
            return self._query_more(match["locator"], int(match["offset"]), request)
        if path == "/limits" and method == "GET":
            return self.ok(200, {"DailyApiRequests": {"Max": self.api_limit,
                                                      "Remaining": max(0, self.api_limit - self.api_used)}})
        match = re.fullmatch(r"/sobjects/(?P<object>\w+)/deleted", path)
        if match and method == "GET":
            return self._get_deleted(match["object"], request)
        match = re.fullmatch(r"/composite/sobjects/(?P<object>\w+)/(?P<field>\w+)", path)
        if match and method == "PATCH":
            return self._upsert_collection(match["object"], match["field"], request)
        match = re.fullmatch(r"/sobjects/(?P<object>\w+)/(?P<field>\w+)/(?P<value>[^/]+)", path)
        if match and method in ("PATCH", "GET"):
            if method == "GET":
                return self._get_by_external_id(match["object"], match["field"], match["value"])
            return self._upsert_one(match["object"], match["field"], match["value"], request)
        match = re.fullmatch(r"/sobjects/(?P<object>\w+)/(?P<id>\w+)", path)
        if match and method in ("GET", "DELETE"):
            return self._record(match["object"], match["id"], method, request)
        return self.error(404, "NOT_FOUND", "The requested resource does not exist")

    def _token(self, request: Request) -> Response:
        form = request.form()
        creds = self.credentials
        grant = form.get("grant_type")
        good = form.get("client_id") == creds["client_id"] and form.get("client_secret") == creds["client_secret"]
        if grant == "password":
            good = good and form.get("username") == creds["username"] and form.get("password") == creds["password"]
        elif grant != "client_credentials":
            return Response(400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"})
        if not good:
            return Response(400, {"error": "invalid_grant", "error_description": "authentication failure"})
        token = self.issue_token("00DSIM!")
        return Response(200, {"access_token": token, "instance_url": self.base_url,
                              "id": f"{self.base_url}/id/00DSIM/005Dn0000000001AAE", "token_type": "Bearer",
                              "issued_at": str(int(datetime.now(UTC).timestamp() * 1000)), "signature": "sim"})

    def _object(self, name: str) -> str | None:
        return next((o for o in SCHEMA if o.lower() == name.lower()), None)

    def _query(self, request: Request, include_deleted: bool) -> Response:
        text = request.query.get("q", "")
        try:
            parsed = query.parse(text)
            object_name = self._object(parsed.object)
            if object_name is None:
                raise query.QueryError(f"sObject type '{parsed.object}' is not supported.", code="INVALID_TYPE")
            with self.lock:
                rows = [dict(r) for r in self.store[object_name].values() if include_deleted or not r["IsDeleted"]]
            if parsed.offset:
                raise query.QueryError("OFFSET is not supported here; follow nextRecordsUrl")
            result = query.run(parsed, rows, set(SCHEMA[object_name]))
        except query.QueryError as error:
            return self.error(400, error.code, str(error))
        for row in result:
            row_id = row.get("Id") or ""
            row["attributes"] = {"type": object_name, "url": f"{PREFIX}/sobjects/{object_name}/{row_id}"}
        batch = self._batch_size(request)
        failed = self.page_fault(("q", text), 1)
        if failed:
            return failed
        locator = f"01gSIM{next(self._cursor_numbers):010d}"
        with self.lock:
            self.cursors[locator] = result
            if len(self.cursors) > 200:
                self.cursors.pop(next(iter(self.cursors)))
        return self._page(locator, result, 0, batch)

    def _batch_size(self, request: Request) -> int:
        options = request.headers.get("Sforce-Query-Options") or ""
        match = re.search(r"batchSize=(\d+)", options)
        return max(1, min(2000, int(match.group(1)))) if match else 2000

    def _page(self, locator: str, result: list[dict[str, Any]], offset: int, batch: int) -> Response:
        records = [{"attributes": r["attributes"], **{k: v for k, v in r.items() if k != "attributes"}}
                   for r in result[offset:offset + batch]]
        done = offset + batch >= len(result)
        body: dict[str, Any] = {"totalSize": len(result), "done": done, "records": records}
        if not done:
            body["nextRecordsUrl"] = f"{PREFIX}/query/{locator}-{offset + batch}"
        return self.ok(200, body)

    def _query_more(self, locator: str, offset: int, request: Request) -> Response:
        with self.lock:
            result = self.cursors.get(locator)
        if result is None:
            return self.error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        batch = self._batch_size(request)
        failed = self.page_fault(locator, offset // batch + 1)
        if failed:
            return failed
        return self._page(locator, result, offset, batch)

    def _get_deleted(self, object_name: str, request: Request) -> Response:
        name = self._object(object_name)
        if name is None:
            return self.error(404, "NOT_FOUND", f"sObject type '{object_name}' is not supported.")
        start, end = parse_datetime(request.query.get("start")), parse_datetime(request.query.get("end"))
        if start is None or end is None:
            return self.error(400, "MALFORMED_QUERY", "start and end are required ISO 8601 datetimes")
        now = datetime.now(UTC)
        if start < now - timedelta(days=30):
            return self.error(400, "INVALID_REPLICATION_DATE", "start date must be within the last 30 days")
        if end <= start:
            return self.error(400, "INVALID_REPLICATION_DATE", "end must be after start")
        covered = min(end, now).replace(second=0, microsecond=0)
        with self.lock:
            deleted = [(i, at) for o, i, at in self.deleted_log if o == name and start <= at <= covered + timedelta(minutes=1)]
        earliest = min((at for _, _, at in self.deleted_log), default=start)
        return self.ok(200, {"deletedRecords": [{"id": i, "deletedDate": sf_datetime(at)} for i, at in deleted],
                             "earliestDateAvailable": sf_datetime(earliest),
                             "latestDateCovered": sf_datetime(covered + timedelta(minutes=1))})

    def _get_by_external_id(self, object_name: str, field: str, value: str) -> Response:
        name = self._object(object_name)
        if name is None or field not in SCHEMA[name]:
            return self.error(404, "NOT_FOUND", "The requested resource does not exist")
        record = self.find_by_external_id(name, field, value)
        if record is None:
            return self.error(404, "NOT_FOUND", "The requested resource does not exist")
        return self.ok(200, {"attributes": {"type": name, "url": f"{PREFIX}/sobjects/{name}/{record['Id']}"},
                             **record})

    def _record(self, object_name: str, record_id: str, method: str, request: Request) -> Response:
        name = self._object(object_name)
        record = self.store.get(name or "", {}).get(record_id)
        if record is None or record["IsDeleted"]:
            return self.error(404, "NOT_FOUND", "The requested resource does not exist")
        if method == "DELETE":
            self.delete(name, record_id, origin=self._origin(request))
            return self.ok(204)
        return self.ok(200, {"attributes": {"type": name, "url": f"{PREFIX}/sobjects/{name}/{record_id}"}, **record})

    @staticmethod
    def _origin(request: Request) -> str:
        options = request.headers.get("Sforce-Call-Options") or ""
        return f"com/salesforce/api/rest/{API_VERSION}" + (f";{options}" if options else "")

    def _resolve(self, name: str, fields: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Check fields and resolve relationship references by external id
        (``"Account": {"Concord_Id__c": "G-1"}`` sets AccountId)."""
        values, errors = {}, []
        for key, value in fields.items():
            if key == "attributes":
                continue
            if isinstance(value, dict) and len(value) == 1:
                (ref_field, ref_value), = value.items()
                ref_object = {"Account": "Account", "Account__r": "Account", "Contract__r": "Contract",
                              "Opportunity__r": "Opportunity", "Parent": "Account"}.get(key)
                target = {"Account": "AccountId", "Parent": "ParentId"}.get(key, key.replace("__r", "__c"))
                if ref_object is None or target not in SCHEMA[name] or ref_field not in SCHEMA[ref_object]:
                    errors.append({"message": f"No such column '{key}' on sobject of type {name}",
                                   "errorCode": "INVALID_FIELD", "fields": [key]})
                    continue
                found = self.find_by_external_id(ref_object, ref_field, str(ref_value))
                if found is None:
                    errors.append({"message": f"Foreign key external ID: {ref_value} not found for field "
                                              f"{ref_field} in entity {ref_object}",
                                   "errorCode": "INVALID_FIELD", "fields": [key]})
                    continue
                values[target] = found["Id"]
            elif key not in SCHEMA[name]:
                errors.append({"message": f"No such column '{key}' on sobject of type {name}",
                               "errorCode": "INVALID_FIELD", "fields": [key]})
            elif key in READ_ONLY:
                errors.append({"message": f"Unable to create/update fields: {key}.",
                               "errorCode": "INVALID_FIELD_FOR_INSERT_UPDATE", "fields": [key]})
            else:
                values[key] = value
        return values, errors

    def _apply_upsert(self, name: str, field: str, value: str, fields: dict[str, Any],
                      origin: str) -> tuple[int, dict[str, Any]]:
        values, errors = self._resolve(name, fields)
        values.pop(field, None)
        if errors:
            return 400, {"id": None, "success": False, "errors": errors, "created": False}
        with self.lock:
            existing = self.find_by_external_id(name, field, value)
            if existing is None and field == "Id":
                return 404, {"id": None, "success": False, "created": False, "errors": [{
                    "message": f"Provided external ID field does not exist or is not accessible: {value}",
                    "errorCode": "NOT_FOUND", "fields": []}]}
            if existing is None:
                missing = [f for f in REQUIRED_ON_CREATE[name] if values.get(f) in (None, "")]
                if missing:
                    return 400, {"id": None, "success": False, "created": False, "errors": [{
                        "message": f"Required fields are missing: [{', '.join(missing)}]",
                        "errorCode": "REQUIRED_FIELD_MISSING", "fields": missing}]}
                record = self.create(name, origin=origin, **values, **{field: value})
                self.upserts_by_external_id[(name, field, value)] += 1
                return 201, {"id": record["Id"], "success": True, "errors": [], "created": True}
            stamped = values.get(EXTERNAL_ID)
            if stamped and any(r["Id"] != existing["Id"] for r in self.live(name) if r.get(EXTERNAL_ID) == stamped):
                return 400, {"id": None, "success": False, "created": False, "errors": [{
                    "message": f"duplicate value found: {EXTERNAL_ID} duplicates value on record with id ...",
                    "errorCode": "DUPLICATE_VALUE", "fields": [EXTERNAL_ID]}]}
            changed = {k: v for k, v in values.items() if existing.get(k) != v}
            if changed:
                self.update(name, existing["Id"], origin=origin, **changed)
            self.upserts_by_external_id[(name, field, value)] += 1
            return 200, {"id": existing["Id"], "success": True, "errors": [], "created": False}

    def _count_key(self, request: Request) -> None:
        """Count the request under each idempotency key it carries (a collection upsert carries
        one per record, comma-separated)."""
        keys = [key.strip() for key in (request.headers.get(IDEMPOTENCY_HEADER) or "").split(",") if key.strip()]
        with self.lock:
            for key in keys:
                self.upserts_by_key[key] += 1

    def _upsert_one(self, object_name: str, field: str, value: str, request: Request) -> Response:
        name = self._object(object_name)
        if name is None:
            return self.error(404, "NOT_FOUND", f"sObject type '{object_name}' is not supported.")
        if field not in SCHEMA[name]:
            return self.error(400, "INVALID_FIELD", f"No such column '{field}' on sobject of type {name}")
        try:
            body = request.json()
        except ValueError:
            return self.error(400, "JSON_PARSER_ERROR", "the body is not JSON")
        if not isinstance(body, dict):
            return self.error(400, "JSON_PARSER_ERROR", "the body must be a JSON object")
        self._count_key(request)
        status, result = self._apply_upsert(name, field, value, body, self._origin(request))
        if status >= 400:
            return self.ok(status, result["errors"])
        return self.ok(status, result, {"Location": f"{PREFIX}/sobjects/{name}/{result['id']}"} if status == 201 else {})

    def _upsert_collection(self, object_name: str, field: str, request: Request) -> Response:
        name = self._object(object_name)
        if name is None or field not in SCHEMA[name]:
            return self.error(400, "INVALID_FIELD", f"cannot upsert {object_name} by {field}")
        if field == "Id":  # as the real API: a collection upsert goes by an external id field only
            return self.error(400, "INVALID_FIELD", "Only external ids are supported: don't use record ids")
        try:
            body = request.json()
        except ValueError:
            return self.error(400, "JSON_PARSER_ERROR", "the body is not JSON")
        records = body.get("records") if isinstance(body, dict) else None
        if not isinstance(records, list) or len(records) > 200:
            return self.error(400, "INVALID_BATCH_SIZE", "records must be a list of at most 200")
        self._count_key(request)
        results = []
        for record in records:
            value = record.get(field) if isinstance(record, dict) else None
            if not value:
                results.append({"success": False, "created": False, "errors": [{
                    "statusCode": "REQUIRED_FIELD_MISSING", "message": f"{field} is required", "fields": [field]}]})
                continue
            _, result = self._apply_upsert(name, field, str(value),
                                           {k: v for k, v in record.items() if k != field}, self._origin(request))
            for error in result["errors"]:
                error["statusCode"] = error.pop("errorCode")
            results.append(result)
        return self.ok(200, results)

