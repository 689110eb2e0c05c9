"""Business Central API v2.0 entities to canonical attributes, and golden attributes back to
entity fields. Pure functions.

Values stay as Business Central sends them (ISO country codes, phone formats as typed): the hub
standardizes. The company (a Business Central company is one legal entity) is the customer's
legal entity. An empty `currencyCode` means the company's local currency, which the API does
not name: it is left empty rather than guessed.

Where Concord's golden id lives in Business Central, so a push finds what it wrote before:
customers it creates are numbered with the golden id (`number`, 20 characters, manual numbers
allowed on the series); sales orders and projects carry it in `externalDocumentNumber`. A
timesheet billing summary becomes one general journal line, found again by a short digest of the
summary's own key (`summary_document_number`) in `externalDocumentNumber` and `documentNumber`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from mdm.records import IncomingRecord
from mdm.timestamps import moment_or_none

CUSTOMERS, SALES_ORDERS, PROJECTS = "customers", "salesOrders", "projects"
SALES_INVOICES, TIME_ENTRIES, EMPLOYEES = "salesInvoices", "timeRegistrationEntries", "employees"
JOURNALS, JOURNAL_LINES, ACCOUNTS, GL_ENTRIES = "journals", "journalLines", "accounts", "generalLedgerEntries"
# blocked: which transactions cannot be posted for the customer.
BLOCKED = {"": "good", "ship": "on_hold", "invoice": "on_hold", "all": "blocked"}
BLOCKED_OUT = {"good": " ", "on_hold": "Invoice", "blocked": "All"}
ORDER_STATUSES = {"draft": "draft", "in review": "draft", "open": "active", "released": "active"}
PROJECT_STATUSES = {"planning": "planned", "quote": "planned", "open": "active", "completed": "completed"}
PROJECT_STATUSES_OUT = {"planned": "Planning", "active": "Open", "on_hold": "Open", "completed": "Completed",
                        "cancelled": "Completed"}
# The firm's dimension for billing types (shortcut dimension 2 on sales documents).
BILLING_CODES = {"tm": "time_and_materials", "t&m": "time_and_materials", "fixed": "fixed_fee",
                 "fixed price": "fixed_fee", "retainer": "retainer"}
BILLING_CODES_OUT = {"time_and_materials": "TM", "fixed_fee": "FIXED", "retainer": "RETAINER"}
# Golden ids that may number a customer (Business Central numbers are at most 20 characters).
NUMBER_LENGTH = 20
# Fields each pull asks for ($select): what the mapping reads, nothing more.
SELECT = {
    CUSTOMERS: ["id", "number", "displayName", "addressLine1", "addressLine2", "city", "state", "country",
                "postalCode", "phoneNumber", "email", "website", "taxRegistrationNumber", "currencyCode",
                "blocked", "lastModifiedDateTime"],
    SALES_ORDERS: ["id", "number", "externalDocumentNumber", "orderDate", "requestedDeliveryDate", "customerId",
                   "customerNumber", "shortcutDimension1Code", "shortcutDimension2Code", "currencyCode",
                   "totalAmountExcludingTax", "status", "lastModifiedDateTime"],
    PROJECTS: ["id", "number", "displayName", "externalDocumentNumber", "billToCustomerId", "salesOrderId", "status",
               "startingDate", "endingDate", "personResponsible", "description", "lastModifiedDateTime"],
}


def parse_timestamp(value: Any) -> datetime | None:
    """lastModifiedDateTime (ISO 8601, Z or an offset, with fractions); naive values are UTC."""
    return moment_or_none(value)


def _blank(value: Any) -> Any:
    """Business Central answers empty strings (and the 0001-01-01 date) for fields never set."""
    if isinstance(value, str) and (not value.strip() or value == "0001-01-01"):
        return None
    return value


def _picklist(table: dict[str, str], value: Any) -> Any:
    if not isinstance(value, str):
        return value
    key = " ".join(value.lower().split())
    return table.get(key, value if key else None)


def _record(object_type: str, raw: dict[str, Any], canonical: dict[str, Any]) -> IncomingRecord:
    problems: dict[str, list[str]] = {}
    stamp_text = raw.get("lastModifiedDateTime") or raw.get("lastModfiedDateTime")
    stamp = parse_timestamp(stamp_text)
    if stamp_text and stamp is None:
        problems["source_updated_at"] = [f"unreadable lastModifiedDateTime {stamp_text!r}"]
    payload = {k: v for k, v in raw.items() if not k.startswith("@odata.")}
    return IncomingRecord(source_id=str(raw["id"]).lower(), object_type=object_type,
                          canonical={k: _blank(v) for k, v in canonical.items()}, payload=payload,
                          source_updated_at=stamp, source_version=str(raw.get("@odata.etag") or stamp_text or ""),
                          problems=problems)


def customer_to_customer(raw: dict[str, Any], company: dict[str, Any]) -> IncomingRecord:
    line2 = _blank(raw.get("addressLine2"))
    street = " ".join(filter(None, [_blank(raw.get("addressLine1")), line2])) or None
    return _record(CUSTOMERS, raw, {
        "name": raw.get("displayName"), "tax_id": raw.get("taxRegistrationNumber"), "country": raw.get("country"),
        "city": raw.get("city"), "postal_code": raw.get("postalCode"), "address_line1": street,
        "phone": raw.get("phoneNumber"), "email": raw.get("email"), "website": raw.get("website"),
        "legal_entity": company.get("name"), "currency": raw.get("currencyCode"),
        "credit_status": _picklist(BLOCKED, raw.get("blocked")) if raw.get("blocked") is not None else None,
    })


def sales_order_to_contract(raw: dict[str, Any], company: dict[str, Any]) -> IncomingRecord:
    return _record(SALES_ORDERS, raw, {
        "number": raw.get("number"), "customer_source_id": _lower(raw.get("customerId")),
        "title": _title(raw.get("shortcutDimension1Code"), raw.get("customerNumber")),
        "status": _picklist(ORDER_STATUSES, raw.get("status")), "start_date": raw.get("orderDate"),
        "end_date": raw.get("requestedDeliveryDate"), "total_value": raw.get("totalAmountExcludingTax"),
        "currency": raw.get("currencyCode"), "billing_type": _picklist(BILLING_CODES, raw.get("shortcutDimension2Code")),
    })


def project_to_project(raw: dict[str, Any], company: dict[str, Any]) -> IncomingRecord:
    return _record(PROJECTS, raw, {
        "code": raw.get("number"), "name": raw.get("displayName"),
        "customer_source_id": _lower(raw.get("billToCustomerId")), "contract_source_id": _lower(raw.get("salesOrderId")),
        "status": _picklist(PROJECT_STATUSES, raw.get("status")), "start_date": raw.get("startingDate"),
        "end_date": raw.get("endingDate"), "project_manager": raw.get("personResponsible"),
        "service_line": raw.get("description"),
    })


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) and value.strip() else None


def _title(dimension: Any, customer_number: Any) -> str | None:
    if not isinstance(dimension, str) or not dimension.strip():
        return None
    return f"{dimension.replace('-', ' ').title()} ({customer_number})" if customer_number else dimension


TO_RECORD = {CUSTOMERS: customer_to_customer, SALES_ORDERS: sales_order_to_contract, PROJECTS: project_to_project}


def to_record(object_type: str, raw: Any, company: dict[str, Any]) -> tuple[IncomingRecord | None, str]:
    """Map one entity; (None, reason) when it cannot be a record at all. Never raises."""
    if not isinstance(raw, dict):
        return None, f"not a JSON object: {type(raw).__name__}"
    if not isinstance(raw.get("id"), str) or not raw["id"].strip():
        return None, f"{object_type} without an id"
    mapper = TO_RECORD.get(object_type)
    if mapper is None:
        return None, f"no mapping for Business Central entity set {object_type!r}"
    try:
        return mapper(raw, company), ""
    except (TypeError, ValueError, AttributeError) as error:
        return None, f"unreadable {object_type}: {error}"


# --- not golden data: invoices (orchestration) and time entries ------------------------------

def invoice_status_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """A sales invoice in the invoice-status vocabulary orchestration reads (id, entity = the
    customer, status, number, total, currency, date)."""
    return {"id": raw.get("id"), "entity": _lower(raw.get("customerId")), "status": raw.get("status"),
            "tranid": raw.get("number"), "total": raw.get("totalAmountIncludingTax"),
            "currency": _blank(raw.get("currencyCode")), "trandate": _blank(raw.get("invoiceDate"))}


def time_entry(raw: dict[str, Any]) -> dict[str, Any]:
    """A time registration entry as plain values: who, on which project, when, how many hours."""
    return {"id": raw.get("id"), "employee_number": raw.get("employeeNumber"), "project_number": raw.get("jobNumber"),
            "project_source_id": _lower(raw.get("jobId")), "task": _blank(raw.get("jobTaskNumber")),
            "date": raw.get("date"), "hours": raw.get("quantity"), "unit": raw.get("unitOfMeasureCode"),
            "status": raw.get("status"), "absence": _blank(raw.get("absence")),
            "updated_at": parse_timestamp(raw.get("lastModfiedDateTime") or raw.get("lastModifiedDateTime"))}


# --- golden attributes -> entity fields (push) -----------------------------------------------

def _set(fields: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        fields[name] = value


def customer_to_bc(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field, length in (("name", "displayName", 100), ("tax_id", "taxRegistrationNumber", 20),
                                     ("country", "country", 10), ("city", "city", 30),
                                     ("postal_code", "postalCode", 20), ("address_line1", "addressLine1", 100),
                                     ("phone", "phoneNumber", 30), ("email", "email", 80),
                                     ("website", "website", 80), ("currency", "currencyCode", 10)):
        value = attributes.get(canonical)
        _set(fields, field, str(value)[:length] if value is not None else None)
    if attributes.get("credit_status") in BLOCKED_OUT:
        fields["blocked"] = BLOCKED_OUT[attributes["credit_status"]]
    return fields


def contract_to_sales_order(attributes: dict[str, Any]) -> dict[str, Any]:
    """The order header; its value goes on one line (totals are computed from lines)."""
    fields: dict[str, Any] = {}
    _set(fields, "orderDate", attributes.get("start_date"))
    _set(fields, "requestedDeliveryDate", attributes.get("end_date"))
    _set(fields, "currencyCode", attributes.get("currency"))
    if attributes.get("billing_type") in BILLING_CODES_OUT:
        fields["shortcutDimension2Code"] = BILLING_CODES_OUT[attributes["billing_type"]]
    return fields


def contract_line(attributes: dict[str, Any]) -> dict[str, Any] | None:
    """The one line that carries the contract's value, or None when it has none."""
    value = attributes.get("total_value")
    if value in (None, ""):
        return None
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return None
    title = attributes.get("title") or attributes.get("number") or "Contract"
    return {"lineType": "Comment", "description": str(title)[:100], "quantity": 1, "unitPrice": amount}


def project_to_bc(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("name", "displayName"), ("start_date", "startingDate"), ("end_date", "endingDate"),
                             ("project_manager", "personResponsible"), ("service_line", "description")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("status") in PROJECT_STATUSES_OUT:
        fields["status"] = PROJECT_STATUSES_OUT[attributes["status"]]
    return fields


FROM_GOLDEN = {"customer": (CUSTOMERS, customer_to_bc), "contract": (SALES_ORDERS, contract_to_sales_order),
               "project": (PROJECTS, project_to_bc)}


# --- a timesheet billing summary -> a general journal line ---------------------------------
#
# API v2.0 has no record of time billed that carries a key of ours (time registration entries are
# an employee's hours per day, with no external reference). A general journal line has one: it is
# the firm's week of billable time as an amount on the unbilled time-and-materials account (the
# journal's balancing account: revenue), with `documentNumber` (Code[20]) and
# `externalDocumentNumber` (Code[35]) ours to set. Both carry a digest of the summary's key: the
# line is found again by it before anything is POSTed, and `documentNumber` stays on the G/L
# entries once finance posts the batch.
# Lengths as the Gen. Journal Line table has them (Code fields are upper-cased by the service).
DOCUMENT_NUMBER_LENGTH, EXTERNAL_DOCUMENT_LENGTH = 20, 35
DESCRIPTION_LENGTH, COMMENT_LENGTH = 100, 250
DOCUMENT_PREFIX = "TS-"  # + 16 hex digits: 64 bits of the key, 19 characters in all


def summary_document_number(summary_key: str) -> str:
    """The deterministic key of a summary's journal line: the same summary key (`PRJ-…:<week>:r<n>`)
    always gives the same number, and it fits `documentNumber` (Code[20])."""
    digest = hashlib.sha256(str(summary_key).encode()).hexdigest()[:16].upper()
    return f"{DOCUMENT_PREFIX}{digest}"


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[:length - 1] + "…"


def _money(value: Any) -> float:
    try:
        return float(Decimal(str(value)).quantize(Decimal("0.01")))
    except (InvalidOperation, ValueError):
        raise ValueError(f"unreadable amount {value!r}") from None


def time_summary_to_journal_line(attributes: dict[str, Any], *, account: str) -> dict[str, Any]:
    """A billing summary (or adjustment, which carries only the difference: a negative amount
    when hours were taken away) as one general journal line on `account`, dated the week's last
    day; the people's hours and amounts in its comment."""
    label = attributes.get("project_code") or attributes.get("project")
    kind = "adjustment" if attributes.get("kind") == "adjustment" else "summary"
    description = (f"{label} time {attributes.get('week_start')}..{attributes.get('week_end')} {kind} "
                   f"r{attributes.get('revision')}: {attributes.get('hours')} h")
    people = "; ".join(f"{line.get('name') or line.get('resource')} {line.get('hours')} h x "
                       f"{line.get('bill_rate') or '0'} = {line.get('amount')}"
                       for line in attributes.get("lines") or [])
    number = summary_document_number(attributes["summary"])
    return {"accountType": "G/L Account", "accountNumber": str(account), "postingDate": attributes["week_end"],
            "documentNumber": number, "externalDocumentNumber": number, "amount": _money(attributes.get("amount")),
            "description": _clip(description, DESCRIPTION_LENGTH), "comment": _clip(people, COMMENT_LENGTH)}
