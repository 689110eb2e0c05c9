"""General journals in the Business Central simulator, as API v2.0 serves them: the chart of
accounts (`accounts`, read only), journal batches (`journals`) and their lines
(`journals({id})/journalLines[({id})]`: GET with the usual $filter / $orderby / paging, POST,
PATCH and DELETE with If-Match), and posting a batch (`journals({id})/Microsoft.NAV.post`, 204):
each line becomes G/L entries (`generalLedgerEntries`, read only) on its account and on the
batch's balancing account, carrying its document number, and leaves the journal.

What a line must be, as the Gen. Journal Line table has it: Code and Text fields within their
lengths (documentNumber Code[20], externalDocumentNumber Code[35], description Text[100],
comment Text[250] …; longer is a 400 naming the length), Code fields upper-cased, an account
type of the genJournalAccountType enum, a G/L account number the chart of accounts holds, a
decimal amount and an Edm.Date posting date. A line without a lineNumber is numbered after the
batch's last (10000, 20000, …). GET answers only lines of G/L or bank accounts, as the real page
does. A batch that does not balance (no balancing account, lines not summing to zero) is not
posted (400). The batches are seeded with DEFAULT and no lines, the ledger with no entries, the
accounts with a small chart that has an unbilled time-and-materials account and a revenue account
for the hub's timesheet summaries.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from connectors.simulators.base import Request, Response

# Field lengths of the tables behind the pages (Code fields also upper-cased).
CODE_LENGTHS = {
    "journals": {"code": 10, "balancingAccountNumber": 20},
    "journalLines": {"accountNumber": 20, "documentNumber": 20, "externalDocumentNumber": 35, "taxCode": 20},
}
TEXT_LENGTHS = {"journals": {"displayName": 100}, "journalLines": {"description": 100, "comment": 250}}
ACCOUNT_TYPES = ("G/L Account", "Customer", "Vendor", "Bank Account", "Fixed Asset", "IC Partner", "Employee")
LISTED_ACCOUNT_TYPES = ("G/L Account", "Bank Account")  # what GET journalLines answers
LINE_STEP = 10000
# The seeded chart of accounts: (number, name, category, sub-category).
CHART = (("10100", "Checking account", "Assets", "Cash"),
         ("13150", "Unbilled Time and Materials", "Assets", "Accounts Receivable"),
         ("40150", "Consulting Revenue, Time and Materials", "Income", "Income, Services"),
         ("60100", "Salaries", "Expense", "Payroll Expense"))
UNBILLED_ACCOUNT, REVENUE_ACCOUNT = "13150", "40150"


def length_refusal(entity_set: str, values: dict[str, Any]) -> str:
    """Why the values do not fit the table's fields ('' when they do); Code fields are upper-cased
    in place, as the service stores them."""
    for lengths, code in ((CODE_LENGTHS.get(entity_set, {}), True), (TEXT_LENGTHS.get(entity_set, {}), False)):
        for name, length in lengths.items():
            value = values.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                return f"Cannot convert a primitive value to the expected type 'Edm.String' for '{name}'."
            if len(value) > length:
                return (f"The length of the string is {len(value)}, but it must be less than or equal to {length} "
                        f"characters. Value: {value}")
            if code:
                values[name] = value.upper()
    return ""


class JournalsMixin:
    """The journal entity sets of `DynamicsSimulator` (which keeps the stores, the lock and the
    dialect: `error`, `_body`, `_collection`, `_precondition`, `_render`, `create`, `update`)."""

    def _seed_ledger(self, company_id: str, at) -> None:
        """The company's chart and DEFAULT batch, with ids of their own (uuid5 of the company's):
        the rest of the seeded store stays as it was, id for id."""
        def own_id(name: str) -> str:
            return str(uuid.uuid5(uuid.UUID(company_id), name))

        for number, name, category, sub in CHART:
            self._put("accounts", {"id": own_id(f"account {number}"), "number": number, "displayName": name,
                                   "category": category, "subCategory": sub, "blocked": False,
                                   "accountType": "Posting", "directPosting": True}, at, company_id)
        self._put("journals", {"id": own_id("journal DEFAULT"), "code": "DEFAULT",
                               "displayName": "Default Journal Batch", "templateDisplayName": "GENERAL",
                               "balancingAccountNumber": ""}, at, company_id)

    def journal_lines(self, journal_code: str = "") -> list[dict[str, Any]]:
        """The default company's journal lines (of one batch, by its code), in line order (tests)."""
        journals = {j["id"]: j["code"] for j in self.store["journals"].values()}
        rows = [r for r in self.store["journalLines"].values()
                if not journal_code or journals.get(r["journalId"]) == journal_code.upper()]
        return sorted(rows, key=lambda r: (r["journalId"], r["lineNumber"]))

    # -- journals -----------------------------------------------------------------------------
    def _journal_refusal(self, store: dict[str, Any], values: dict[str, Any], journal_id: str | None
                         ) -> Response | None:
        refused = length_refusal("journals", values)
        if refused:
            return self.error(400, "Application_StringLengthExceeded", refused)
        code = values.get("code")
        if journal_id is None and not code:
            return self.error(400, "BadRequest", "The Name field of the Gen. Journal Batch must have a value.")
        if code and any(j["code"] == code and j["id"] != journal_id for j in store["journals"].values()):
            return self.error(400, "Internal_EntityWithSameKeyExists", "The record in table Gen. Journal Batch "
                                                                       f"already exists. Name='{code}'")
        balancing = values.get("balancingAccountNumber")
        if balancing:
            account = self._account(store, balancing)
            if account is None:
                return self._account_missing(balancing, "Gen. Journal Batch")
            values["balancingAccountId"] = account["id"]
        if journal_id is None:
            values.setdefault("templateDisplayName", "GENERAL")
        return None

    # -- journal lines --------------------------------------------------------------------------
    def _journal_lines(self, request: Request, company_id: str, journal_id: str, line_id: str | None) -> Response:
        store = self.stores[company_id]
        journal = store["journals"].get(journal_id)
        if journal is None:
            return self.error(404, "BadRequest_NotFound", f"The journals record '{journal_id}' does not exist.")
        mine = [r for r in store["journalLines"].values() if r["journalId"] == journal["id"]]
        if line_id is None and request.method == "GET":
            return self._collection(request, "journalLines", [r for r in mine if r["accountType"] in
                                                              LISTED_ACCOUNT_TYPES])
        if line_id is None and request.method == "POST":
            return self._line_create(request, company_id, journal, mine)
        if line_id is None:
            return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")
        line = next((r for r in mine if r["id"] == line_id.lower()), None)
        if line is None:
            return self.error(404, "BadRequest_NotFound", f"The journalLines record '{line_id}' does not exist.")
        if request.method == "GET":
            return self._single(request, "journalLines", line)
        precondition = self._precondition(request, line)
        if precondition is not None:
            return precondition
        if request.method == "DELETE":
            self.delete("journalLines", line["id"], origin=self._origin(request))
            return Response(204)
        if request.method != "PATCH":
            return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")
        return self._line_update(request, store, line)

    def _line_create(self, request: Request, company_id: str, journal: dict[str, Any],
                     mine: list[dict[str, Any]]) -> Response:
        values, refused = self._body(request, "journalLines", creating=True)
        if refused:
            return refused
        values = {"accountType": "G/L Account", "documentNumber": "", "externalDocumentNumber": "",
                  "description": "", "comment": "", "taxCode": "", "amount": 0, "accountNumber": "",
                  "postingDate": date.today().isoformat(), **values}
        refused = self._line_refusal(self.stores[company_id], values)
        if refused:
            return refused
        with self.lock:
            if not values.get("lineNumber"):
                values["lineNumber"] = max((r["lineNumber"] for r in mine), default=0) + LINE_STEP
            values.update(journalId=journal["id"], journalDisplayName=journal["code"])
            line = self.create("journalLines", origin=self._origin(request), company_id=company_id, **values)
            key = ("journalLines", line["externalDocumentNumber"] or line["id"])
            self.created_by_key[key] = self.created_by_key.get(key, 0) + 1
        return Response(201, self._render(line, None), {"ETag": self.etag(line["id"])})

    def _line_update(self, request: Request, store: dict[str, Any], line: dict[str, Any]) -> Response:
        values, refused = self._body(request, "journalLines", creating=False)
        if refused:
            return refused
        refused = self._line_refusal(store, {**line, **values}, values)
        if refused:
            return refused
        with self.lock:
            changed = {k: v for k, v in values.items() if line.get(k) != v}
            if changed:
                line = self.update("journalLines", line["id"], origin=self._origin(request), **changed)
        return Response(200, self._render(line, None), {"ETag": self.etag(line["id"])})

    def _line_refusal(self, store: dict[str, Any], line: dict[str, Any], written: dict[str, Any] | None = None
                      ) -> Response | None:
        """A 400 for a line the table would not take; the account's id filled in when it does."""
        written = line if written is None else written
        refused = length_refusal("journalLines", written)
        if refused:
            return self.error(400, "Application_StringLengthExceeded", refused)
        line.update(written)
        if line.get("accountType") not in ACCOUNT_TYPES:
            return self.error(400, "BadRequest", f"'{line.get('accountType')}' is not a valid value of "
                                                 "Microsoft.NAV.genJournalAccountType.")
        amount = line.get("amount")
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            return self.error(400, "BadRequest", f"Cannot convert the literal '{amount}' to the expected type "
                                                 "'Edm.Decimal'.")
        if not _is_date(line.get("postingDate")):
            return self.error(400, "BadRequest", f"Cannot convert the literal '{line.get('postingDate')}' to the "
                                                 "expected type 'Edm.Date'.")
        if line["accountType"] == "G/L Account" and line.get("accountNumber"):
            account = self._account(store, line["accountNumber"])
            if account is None:
                return self._account_missing(line["accountNumber"], "Gen. Journal Line")
            written["accountId"] = account["id"]
        return None

    # -- posting ------------------------------------------------------------------------------
    def _journal_post(self, request: Request, company_id: str, journal_id: str) -> Response:
        store = self.stores[company_id]
        journal = store["journals"].get(journal_id)
        if journal is None:
            return self.error(404, "BadRequest_NotFound", f"The journals record '{journal_id}' does not exist.")
        if request.method != "POST":
            return self.error(405, "BadRequest_MethodNotAllowed", f"{request.method} is not allowed here.")
        with self.lock:
            lines = sorted((r for r in store["journalLines"].values() if r["journalId"] == journal["id"]),
                           key=lambda r: r["lineNumber"])
            balancing = self._account(store, journal.get("balancingAccountNumber") or "")
            total = round(sum(float(r["amount"] or 0) for r in lines), 2)
            if balancing is None and total:
                return self.error(400, "Application_DialogException", f"The transaction cannot be completed "
                                                                      f"because it will cause inconsistencies in "
                                                                      f"the G/L Entry table: out of balance by "
                                                                      f"{total}.")
            for line in lines:
                account = self._account(store, line["accountNumber"])
                for entry_account, amount in ((account, line["amount"]), (balancing, -float(line["amount"] or 0))):
                    if entry_account is not None and amount:
                        self._ledger_entry(company_id, line, entry_account, float(amount))
                self.delete("journalLines", line["id"], origin=self._origin(request))
        return Response(204)

    def _ledger_entry(self, company_id: str, line: dict[str, Any], account: dict[str, Any], amount: float) -> None:
        number = len(self.stores[company_id]["generalLedgerEntries"]) + 1
        self.create("generalLedgerEntries", origin="post", company_id=company_id, entryNumber=number,
                    postingDate=line["postingDate"], documentNumber=line["documentNumber"], documentType=" ",
                    accountId=account["id"], accountNumber=account["number"], description=line["description"],
                    debitAmount=round(max(amount, 0.0), 2), creditAmount=round(max(-amount, 0.0), 2))

    @staticmethod
    def _account(store: dict[str, Any], number: str) -> dict[str, Any] | None:
        return next((a for a in store["accounts"].values() if a["number"] == str(number).upper()), None)

    def _account_missing(self, number: str, table: str) -> Response:
        return self.error(400, "Application_DialogException", f"The field Account No. of table {table} contains a "
                                                              f"value ({number}) that cannot be found in the related "
                                                              "table (G/L Account).")


def _is_date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
