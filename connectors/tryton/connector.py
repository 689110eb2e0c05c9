"""The Tryton connector: pulls by last modification (write_date, else create_date), pushes golden
customers back as parties, contracts as draft sales and projects as project works."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from connectors.base import Connector, ConnectorError, HeldRecord, Page, UpsertResult, register
from connectors.tryton import mapping
from connectors.tryton.client import TrytonClient

log = logging.getLogger(__name__)

# Tryton's `last_modified_at` is write_date, or create_date for a record never written: searchable
# and sortable, so it is the watermark column (a fresh record's write_date is NULL).
STAMP = "last_modified_at"
FIELDS = {
    mapping.PARTY: ["name", "code", "active", STAMP, "write_date", "create_date", "identifiers", "addresses",
                    "contact_mechanisms"],
    mapping.SALE: ["number", "reference", "description", "state", "party", "sale_date", "total_amount",
                   "currency", STAMP, "write_date", "create_date"],
    mapping.WORK: ["name", "number", "type", "party", "status", "parent", "comment", STAMP, "write_date",
                   "create_date"],
    mapping.EMPLOYEE: ["party", "company", "start_date", "end_date", "cost_price", STAMP, "write_date",
                       "create_date"],
}
ALLOCATION_FIELDS = ["employee", "work", "percentage", STAMP, "write_date", "create_date"]
TIMESHEET_FIELDS = ["employee", "work", "date", "duration", "cost_price", STAMP, "write_date", "create_date"]
# The planned dates of a work: the planner's constraint where set, else what leveling worked out.
WORK_DATES = ["constraint_start_date", "constraint_finish_date", "early_start_date", "early_finish_date",
              "parent", "type", STAMP]


def _cursor(watermark: str | None) -> tuple[datetime, int] | None:
    if not watermark:
        return None
    stamp, _, last_id = watermark.partition("|")
    return datetime.fromisoformat(stamp), int(last_id or 0)


@register
class TrytonConnector(Connector):
    system = "tryton"
    object_types = {"customer": [mapping.PARTY], "contract": [mapping.SALE], "project": [mapping.WORK],
                    "resource": [mapping.EMPLOYEE]}

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.base_url = self.base_url or "http://127.0.0.1:8123"
        self.client = TrytonClient(base_url=self.base_url, database=self.credentials.get("database", "concord"),
                                   username=self.credentials.get("username", "admin"),
                                   password=self.credentials.get("password", ""), timeout=self.timeout)

    # -- pull ------------------------------------------------------------------------------
    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        cursor = _cursor(watermark)
        people = self._staff_parties() if object_type == mapping.PARTY else []
        while True:
            where: list[Any] = [("active", "in", [True, False])] if object_type in (mapping.PARTY,
                                                                                    mapping.EMPLOYEE) else []
            if people:
                where.append(("id", "not in", people))
            if object_type == mapping.WORK:
                where.append(("type", "=", "project"))
            if cursor:
                stamp, last_id = cursor
                where.append(["OR", [(STAMP, ">", stamp)], [(STAMP, "=", stamp), ("id", ">", last_id)]])
            rows = self.client.search_read(object_type, where, limit=self.page_size,
                                           order=[(STAMP, "ASC"), ("id", "ASC")],
                                           fields=FIELDS[object_type])
            if not rows:
                return
            self._expand(object_type, rows)
            records, rejects = [], []
            for row in rows:
                try:
                    records.append(mapping.TO_RECORD[object_type](row))
                except (KeyError, TypeError, ValueError) as error:
                    rejects.append((row, f"unreadable {object_type}: {error}"))
            last = rows[-1]
            stamp = last.get(STAMP) or last.get("write_date") or last.get("create_date")
            cursor = (stamp, last["id"])
            yield Page(domain=domain, object_type=object_type, records=records, rejects=rejects,
                       next_watermark=f"{stamp.isoformat()}|{last['id']}")
            if len(rows) < self.page_size:
                return

    def _staff_parties(self) -> list[int]:
        """The parties that are the firm's own: its companies' and its employees'. They are no
        customers (an employee comes in as a resource), so customer pulls leave them out."""
        employees = self.client.search_read(mapping.EMPLOYEE, [("active", "in", [True, False])], fields=["party"])
        companies = self.client.search_read("company.company", [], fields=["party"])
        return sorted({row["party"] for row in (*employees, *companies) if row.get("party")})

    def _expand(self, object_type: str, rows: list[dict[str, Any]]) -> None:
        """Read the parts of a party (identifiers, addresses, contacts) in one call each."""
        ids = [row["id"] for row in rows]
        if object_type == mapping.PARTY:
            for field, model, names in (("identifiers", "party.identifier", ["type", "code", "party"]),
                                        ("addresses", "party.address", ["street", "city", "postal_code", "party"]),
                                        ("contact_mechanisms", "party.contact_mechanism", ["type", "value", "party"])):
                parts: dict[int, list] = {}
                for part in self.client.search_read(model, [("party", "in", ids)], order=[("id", "ASC")], fields=names):
                    parts.setdefault(part.pop("party"), []).append({k: v for k, v in part.items() if k != "id"})
                for row in rows:
                    row[field] = parts.get(row["id"], [])
        elif object_type == mapping.EMPLOYEE:
            self._expand_employees(rows)
        elif object_type == mapping.WORK:
            status_ids = sorted({row["status"] for row in rows if row.get("status")})
            names = {s["id"]: s["name"] for s in self.client.search_read(
                "project.work.status", [("id", "in", status_ids)], fields=["name"])} if status_ids else {}
            for row in rows:
                row["status_name"] = names.get(row.get("status"))

    def _expand_employees(self, rows: list[dict[str, Any]]) -> None:
        """An employee's party name, code and email, and its company's name: one call each."""
        party_ids = sorted({row["party"] for row in rows})
        parties = {p["id"]: p for p in self.client.search_read(mapping.PARTY, [("id", "in", party_ids),
                                                                                ("active", "in", [True, False])],
                                                               fields=["name", "code"])}
        emails: dict[int, str] = {}
        for mechanism in self.client.search_read("party.contact_mechanism", [("party", "in", party_ids),
                                                                              ("type", "=", "email")],
                                                 order=[("id", "ASC")], fields=["party", "value"]):
            emails.setdefault(mechanism["party"], mechanism["value"])
        company_ids = sorted({row["company"] for row in rows})
        companies = {c["id"]: c["party"] for c in self.client.search_read(
            "company.company", [("id", "in", company_ids)], fields=["party"])}
        company_names = {p["id"]: p["name"] for p in self.client.search_read(
            mapping.PARTY, [("id", "in", sorted(set(companies.values())))], fields=["name"])}
        for row in rows:
            party = parties.get(row["party"], {})
            row.update(party_name=party.get("name"), party_code=party.get("code"), email=emails.get(row["party"]),
                       company_name=company_names.get(companies.get(row["company"])))

    # -- allocations (staffing) ------------------------------------------------------------
    def pull_allocations(self, *, watermark: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Allocations made or changed since `watermark`, or whose work's dates changed since
        (project_plan re-plans a work when its allocations change): plain dicts of
        mapping.allocation_of, and the watermark to keep once they are stored."""
        since = _cursor(watermark)[0] if watermark else None
        where: list[Any] = []
        if since:
            where = ["OR", [(STAMP, ">=", since)], [("work." + STAMP, ">=", since)]]
        rows = self.client.search_read(mapping.ALLOCATION, where, order=[("id", "ASC")], fields=ALLOCATION_FIELDS)
        works = self._work_dates(sorted({row["work"] for row in rows}))
        newest = since
        for row in rows:
            row.update(works.get(row["work"], {}))
            stamp = row.get(STAMP) or row.get("write_date") or row.get("create_date")
            newest = max(filter(None, (newest, stamp, works.get(row["work"], {}).get("work_stamp"))))
        return [mapping.allocation_of(row) for row in rows], (f"{newest.isoformat()}|0" if newest else watermark)

    def allocation_ids(self) -> set[str]:
        """Every allocation Tryton holds (a deleted one leaves no row to pull)."""
        return {str(row["id"]) for row in self.client.search_read(mapping.ALLOCATION, [], fields=["id"])}

    def _work_dates(self, work_ids: list[int]) -> dict[int, dict[str, Any]]:
        found = {}
        for row in self.client.search_read(mapping.WORK, [("id", "in", work_ids)], fields=WORK_DATES) if work_ids else []:
            found[row["id"]] = {
                "start_date": row.get("constraint_start_date") or row.get("early_start_date"),
                "end_date": row.get("constraint_finish_date") or row.get("early_finish_date"),
                "work_stamp": row.get(STAMP),
                # A task's allocation counts for the project it belongs to (one level: the common case).
                "project_work_id": row["id"] if row.get("type") == "project" else row.get("parent")}
        return found

    # -- timesheets (billing summaries, margins) ---------------------------------------------
    def pull_timesheet_lines(self, *, watermark: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Timesheet lines entered or changed since `watermark`, each with the project its
        timesheet work stands for: plain dicts of mapping.timesheet_line_of, and the watermark to
        keep once they are stored. Lines on a timesheet work of no project have no `work_id`."""
        where: list[Any] = []
        if watermark:
            stamp, last_id = _cursor(watermark)
            where = ["OR", [(STAMP, ">", stamp)], [(STAMP, "=", stamp), ("id", ">", last_id)]]
        rows = self.client.search_read(mapping.TIMESHEET_LINE, where, order=[(STAMP, "ASC"), ("id", "ASC")],
                                       fields=TIMESHEET_FIELDS)
        if not rows:
            return [], watermark
        projects = self._timesheet_projects(sorted({row["work"] for row in rows}))
        for row in rows:
            row["project_work_id"] = projects.get(row["work"])
        last = rows[-1]
        stamp = last.get(STAMP) or last.get("write_date") or last.get("create_date")
        return [mapping.timesheet_line_of(row) for row in rows], f"{stamp.isoformat()}|{last['id']}"

    def timesheet_line_ids(self, *, since: date) -> set[str]:
        """Every timesheet line dated on or after `since` (a deleted line leaves no row to pull)."""
        return {str(row["id"]) for row in self.client.search_read(mapping.TIMESHEET_LINE, [("date", ">=", since)],
                                                                  fields=["id"])}

    def _timesheet_projects(self, timesheet_work_ids: list[int]) -> dict[int, int]:
        """The project each timesheet work records time for: its origin work, or that task's project."""
        if not timesheet_work_ids:
            return {}
        origins = {}
        for row in self.client.search_read(mapping.TIMESHEET_WORK, [("id", "in", timesheet_work_ids)],
                                           fields=["origin"]):
            model, _, work_id = str(row.get("origin") or "").partition(",")
            if model == mapping.WORK and work_id.isdigit():
                origins[row["id"]] = int(work_id)
        works = self._work_dates(sorted(set(origins.values())))
        return {tw: works[w]["project_work_id"] for tw, w in origins.items() if w in works}

    def record_from_event(self, *, object_type: str, payload: dict[str, Any]):
        return mapping.TO_RECORD[object_type](payload)

    # -- push ------------------------------------------------------------------------------
    def find_party(self, golden_id: str) -> int | None:
        found = self.client.search_read(mapping.PARTY, [("identifiers.code", "=", golden_id),
                                                        ("active", "in", [True, False])],
                                        limit=1, fields=["id"])
        return found[0]["id"] if found else None

    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        if domain == "contract":
            return self._push_contract(golden_id, attributes)
        if domain == "project":
            return self._push_project(golden_id, attributes)
        if domain != "customer":
            raise ConnectorError(f"tryton takes golden customers, contracts and projects, not {domain}",
                                 retryable=False, code="unsupported")
        party = mapping.customer_to_party(attributes)
        address = mapping.customer_to_address(attributes)
        mechanisms = mapping.customer_to_mechanisms(attributes)
        # Upsert keyed by the golden id (a re-push finds it); a party that contributed to the golden
        # record is that record in Tryton: update it and stamp the golden id on it.
        party_id = self.find_party(golden_id)
        own = [int(i) for i in attributes.get("_source_ids") or [] if str(i).isdigit()]
        if party_id is None and own:
            party_id = own[0]
            self.client.write(mapping.PARTY, [party_id], {"identifiers": [["create", [{"type": None,
                                                                                        "code": golden_id}]]]})
        if party_id is None:
            values = {**party, "identifiers": [["create", [{"type": None, "code": golden_id}]]]}
            if any(address.values()):
                values["addresses"] = [["create", [address]]]
            (party_id,) = self.client.create(mapping.PARTY, [values])
            for kind, value in mechanisms.items():
                self._mechanism_write(party_id, kind, value)
            return UpsertResult(external_id=str(party_id), created=True)
        self.client.write(mapping.PARTY, [party_id], party)
        addresses = self.client.search_read("party.address", [("party", "=", party_id)], order=[("id", "ASC")],
                                            limit=1, fields=["street", "city", "postal_code"])
        if addresses:
            current = {k: addresses[0].get(k) or "" for k in address}
            if current != address:
                self.client.write("party.address", [addresses[0]["id"]], address)
        elif any(address.values()):
            self.client.create("party.address", [{**address, "party": party_id}])
        existing = self.client.search_read("party.contact_mechanism", [("party", "=", party_id)],
                                           order=[("id", "ASC")], fields=["type", "value"])
        for kind, value in mechanisms.items():
            held = next((m for m in existing if m["type"] == kind), None)
            if held is None or held["value"] != value:
                self._mechanism_write(party_id, kind, value, held["id"] if held else None)
        return UpsertResult(external_id=str(party_id), created=False)

    def _mechanism_write(self, party_id: int, kind: str, value: str, mechanism_id: int | None = None) -> None:
        """One contact mechanism of a party. One Tryton refuses (it validates phone numbers: a
        number it cannot read as one) is left out, so the party itself is still written; each
        following push tries it again."""
        try:
            if mechanism_id is None:
                self.client.create("party.contact_mechanism", [{"party": party_id, "type": kind, "value": value}])
            else:
                self.client.write("party.contact_mechanism", [mechanism_id], {"value": value})
        except ConnectorError as error:
            if error.code != "refused":
                raise
            log.warning("tryton refused the %s %r of party %s, left out: %s", kind, value, party_id, error)

    def _company(self) -> tuple[int, int | None]:
        preferences = self.client.call("model.res.user.get_preferences", True)
        company = preferences.get("company")
        if not company:
            raise ConnectorError("the Tryton user works in no company (run scripts/tryton/start.sh)",
                                 retryable=False, code="config")
        (row,) = self.client.search_read("company.company", [("id", "=", company)], fields=["currency"])
        return company, row.get("currency")

    def _push_contract(self, golden_id: str, attributes: dict[str, Any]) -> UpsertResult:
        """A draft sale of the customer's party, keyed by the contract number (its reference)."""
        customer = attributes.get("customer")
        party_id = self.find_party(customer) if customer else None
        if party_id is None:
            # Its customer is on its way (another message) or not written to Tryton: try again later.
            raise ConnectorError(f"customer {customer or '(none)'} of {golden_id} is not in Tryton yet",
                                 retryable=True, code="dependency")
        values = {**mapping.contract_to_sale(attributes), "party": party_id}
        own = [int(i) for i in attributes.get("_source_ids") or [] if str(i).isdigit()]
        found = own or [row["id"] for row in self.client.search_read(
            mapping.SALE, [("reference", "=", values["reference"])], limit=1, fields=["id"])]
        if found:
            self.client.write(mapping.SALE, [found[0]], values)
            return UpsertResult(external_id=str(found[0]), created=False)
        company, currency = self._company()
        if attributes.get("currency"):
            codes = self.client.search_read("currency.currency", [("code", "=", attributes["currency"])],
                                            limit=1, fields=["id"])
            currency = codes[0]["id"] if codes else currency
        (sale_id,) = self.client.create(mapping.SALE, [{**values, "company": company, "currency": currency}])
        return UpsertResult(external_id=str(sale_id), created=True)

    def find_work(self, golden_id: str) -> dict[str, Any] | None:
        """The project work carrying our marker for `golden_id` (in its comment), if any."""
        for row in self.client.search_read(mapping.WORK, [("type", "=", "project"),
                                                          ("comment", "ilike", f"%[concord {golden_id}%")],
                                           order=[("id", "ASC")], fields=["id", "comment"]):
            marker = mapping.work_marker(row.get("comment"))
            if marker and marker["golden_id"] == golden_id:
                return row
        return None

    def _push_project(self, golden_id: str, attributes: dict[str, Any]) -> UpsertResult:
        """A project work of the customer's party, found again by the marker in its comment (its
        number is Tryton's read-only sequence). A work that contributed the golden project is
        that project in Tryton: it gets the marker rather than a twin."""
        customer = attributes.get("customer")
        party_id = self.find_party(customer) if customer else None
        if party_id is None:
            raise ConnectorError(f"customer {customer or '(none)'} of {golden_id} is not in Tryton yet",
                                 retryable=True, code="dependency")
        found = self.find_work(golden_id)
        own = [int(i) for i in attributes.get("_source_ids") or [] if str(i).isdigit()]
        if found is None and own:
            found = next(iter(self.client.search_read(mapping.WORK, [("id", "=", own[0])],
                                                      fields=["id", "comment"])), None)
        values = {**mapping.project_to_work(golden_id, attributes, found.get("comment") if found else None),
                  "party": party_id, "status": self._work_status(attributes.get("status"))}
        if mapping.WORK_STATUS_OF.get(attributes.get("status") or "") == "Done":
            values["progress"] = 1.0  # Tryton puts a work in Done only at 100 %
        if found:
            self.client.write(mapping.WORK, [found["id"]], values)
            return UpsertResult(external_id=str(found["id"]), created=False)
        company, _currency = self._company()
        (work_id,) = self.client.create(mapping.WORK, [{**values, "company": company}])
        return UpsertResult(external_id=str(work_id), created=True)

    def _work_status(self, status: str | None) -> int:
        name = mapping.WORK_STATUS_OF.get(status or "", "Open")
        rows = self.client.search_read("project.work.status", [("name", "=", name)], limit=1, fields=["id"])
        if not rows:
            raise ConnectorError(f"Tryton has no project work status {name!r}", retryable=False, code="config")
        return rows[0]["id"]

    # -- reconciliation --------------------------------------------------------------------
    def outbound_fields(self, *, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """What a push writes: a party's name, activity, first address and contact mechanisms; a
        sale's reference, description and date; a work's name, status and marker (code, status);
        the party of a sale or work as the golden id of its customer."""
        if domain == "customer":
            return {**mapping.customer_to_party(attributes), **mapping.customer_to_address(attributes),
                    **mapping.customer_to_mechanisms(attributes)}
        if domain == "contract":
            return {**mapping.contract_to_sale(attributes), "party": attributes.get("customer")}
        if domain == "project":
            status = attributes.get("status")
            fields = {"party": attributes.get("customer"), "status": mapping.WORK_STATUS_OF.get(status or "", "Open"),
                      "code": attributes.get("code"), "written_status": status}
            if attributes.get("name") or attributes.get("code"):  # else the push names it after its golden id
                fields["name"] = attributes.get("name") or attributes.get("code")
            return fields
        raise ConnectorError(f"tryton takes no {domain} records", retryable=False, code="unsupported")

    def read_all(self, *, domain: str) -> Iterator[HeldRecord]:
        """Every party (active or not), sale or project work, a page at a time by id."""
        if domain not in self.object_types:
            raise ConnectorError(f"tryton holds no {domain} records", retryable=False, code="unsupported")
        (model,) = self.object_types[domain]
        parties = self._party_golden_ids() if domain != "customer" else {}
        for rows in self._pages_by_id(model):
            self._expand(model, rows)
            for row in rows:
                yield self._held(model, row, parties)

    def _held(self, model: str, row: dict[str, Any], parties: dict[int, str]) -> HeldRecord:
        if model == mapping.PARTY:
            address = next(iter(row.get("addresses") or []), {})
            fields = {"name": row.get("name"), "active": bool(row.get("active")),  # SQLite answers 1 or 0
                      **{k: address.get(k) for k in ("street", "city", "postal_code")}}
            for mechanism in reversed(row.get("contact_mechanisms") or []):  # the first of each kind wins
                fields[mechanism["type"]] = mechanism["value"]
            return HeldRecord(source_id=str(row["id"]), golden_id=mapping.golden_id_of(row.get("identifiers") or []),
                              fields=fields)
        party = parties.get(row.get("party"))
        if model == mapping.SALE:
            return HeldRecord(source_id=str(row["id"]), golden_id=None, fields={
                "reference": row.get("reference"), "description": row.get("description"),
                "sale_date": row.get("sale_date"), "party": party})
        marker = mapping.work_marker(row.get("comment")) or {}
        return HeldRecord(source_id=str(row["id"]), golden_id=marker.get("golden_id"), fields={
            "name": row.get("name"), "party": party, "status": row.get("status_name"), "code": marker.get("code"),
            "written_status": marker.get("status")})

    def _pages_by_id(self, model: str) -> Iterator[list[dict[str, Any]]]:
        after = 0
        people = self._staff_parties() if model == mapping.PARTY else []
        while True:
            where: list[Any] = [("id", ">", after)]
            if model == mapping.PARTY:
                where.append(("active", "in", [True, False]))
                if people:
                    where.append(("id", "not in", people))
            if model == mapping.WORK:
                where.append(("type", "=", "project"))
            rows = self.client.search_read(model, where, limit=self.page_size, order=[("id", "ASC")],
                                           fields=FIELDS[model])
            if not rows:
                return
            yield rows
            after = rows[-1]["id"]

    def _party_golden_ids(self) -> dict[int, str]:
        """Party id -> the golden id written on it, for every party that carries one."""
        found = {}
        for row in self.client.search_read("party.identifier", [("type", "=", None)], order=[("id", "ASC")],
                                           fields=["party", "code"]):
            golden_id = mapping.golden_id_of([{"type": None, "code": row.get("code")}])
            if golden_id:
                found.setdefault(row["party"], golden_id)
        return found
