"""Tryton records to canonical records and golden records to Tryton values. Pure functions.

Contracts go back as draft sales keyed by the contract number in the sale's reference.
The golden id lives in Tryton as an untyped party identifier whose code is the golden id
(e.g. "CUS-8K2M4Q7W1Z"): visible to Tryton users on the party, searchable, and never confused
with a tax identifier (those carry a type such as eu_vat).
Projects go back as project works; a work's number is Tryton's read-only sequence, so the golden
id, code and status we wrote are kept in a marker line of the work's comment
("[concord PRJ-8K2M4Q7W1Z code=P-1001 status=on_hold]"): searchable, and what maps the work pulled
back to the same golden project.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote

from mdm.records import IncomingRecord
from mdm.timestamps import moment_or_none

PARTY, SALE, WORK = "party.party", "sale.sale", "project.work"
EMPLOYEE, ALLOCATION = "company.employee", "project.allocation"
TIMESHEET_LINE, TIMESHEET_WORK = "timesheet.line", "timesheet.work"
GOLDEN_ID = re.compile(r"^(CUS|CTR|PRJ)-[0-9A-Z]{10}$")
SALE_STATES = {"draft": "draft", "quotation": "draft", "confirmed": "active", "processing": "active",
               "done": "expired", "cancelled": "terminated"}


def _when(value: Any) -> datetime | None:
    return moment_or_none(value)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """A JSON-safe copy of a Tryton row (datetimes and decimals as strings)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, list):
            out[key] = [_plain(v) if isinstance(v, dict) else v for v in value]
        elif isinstance(value, dict):
            out[key] = _plain(value)
        elif hasattr(value, "isoformat") or type(value).__name__ == "Decimal":
            out[key] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        else:
            out[key] = value
    return out


def _modified(row: dict[str, Any]) -> datetime | None:
    return _when(row.get("last_modified_at")) or _when(row.get("write_date")) or _when(row.get("create_date"))


def party_to_record(row: dict[str, Any]) -> IncomingRecord:
    """A party (with its identifiers, addresses and contact mechanisms read alongside) as a customer."""
    identifiers = row.get("identifiers") or []
    addresses = row.get("addresses") or []
    mechanisms = row.get("contact_mechanisms") or []
    tax = next((i.get("code") for i in identifiers if isinstance(i, dict) and i.get("type")), None)
    address = next((a for a in addresses if isinstance(a, dict)), {})

    def mechanism(kind: str) -> str | None:
        return next((m.get("value") for m in mechanisms if isinstance(m, dict) and m.get("type") == kind), None)

    canonical = {
        "name": row.get("name"), "tax_id": tax, "address_line1": address.get("street"),
        "city": address.get("city"), "postal_code": address.get("postal_code"),
        "country": address.get("country_code"), "email": mechanism("email"),
        "phone": mechanism("phone") or mechanism("mobile"), "website": mechanism("website"),
    }
    updated = _modified(row)
    return IncomingRecord(source_id=str(row.get("id", "")), object_type=PARTY,
                          canonical={k: v for k, v in canonical.items() if v not in (None, "")},
                          payload=_plain(row), source_updated_at=updated,
                          source_version=updated.isoformat() if updated else "",
                          deleted=row.get("active") is False)


def sale_to_record(row: dict[str, Any]) -> IncomingRecord:
    updated = _modified(row)
    canonical = {
        "number": row.get("number") or row.get("reference") or f"SO-{row.get('id')}",
        "title": row.get("description") or None, "status": SALE_STATES.get(row.get("state") or "", row.get("state")),
        "start_date": row.get("sale_date").isoformat() if hasattr(row.get("sale_date"), "isoformat") else row.get("sale_date"),
        "total_value": str(row["total_amount"]) if row.get("total_amount") is not None else None,
        "currency": row.get("currency_code"),
        "customer_source_id": str(row["party"]) if row.get("party") else None,
    }
    return IncomingRecord(source_id=str(row.get("id", "")), object_type=SALE,
                          canonical={k: v for k, v in canonical.items() if v not in (None, "")},
                          payload=_plain(row), source_updated_at=updated,
                          source_version=updated.isoformat() if updated else "")


def work_to_record(row: dict[str, Any]) -> IncomingRecord:
    """A project work as a project. A work Concord wrote carries its marker: the code is the golden
    project's (Tryton's own number is a sequence nobody else knows), and a status Tryton keeps
    coarser (Open / Done) reads as the golden status we wrote until someone in Tryton changes it."""
    updated = _modified(row)
    status = (row.get("status_name") or "").lower() or None
    marker = work_marker(row.get("comment"))
    code = row.get("number") or None
    if marker:
        code = marker.get("code") or code
        written = marker.get("status")
        if written and status and WORK_STATUS_OF.get(written, "Open").lower() == status:
            status = written
    canonical = {
        "code": code, "name": row.get("name"), "status": status,
        "customer_source_id": str(row["party"]) if row.get("party") else None,
    }
    return IncomingRecord(source_id=str(row.get("id", "")), object_type=WORK,
                          canonical={k: v for k, v in canonical.items() if v not in (None, "")},
                          payload=_plain(row), source_updated_at=updated,
                          source_version=updated.isoformat() if updated else "")


def employee_to_record(row: dict[str, Any]) -> IncomingRecord:
    """An employee (with its party's name, code and email read alongside) as a resource: Tryton
    knows who works in which company, since and until when, and what their hour costs."""
    today = date.today()
    end = row.get("end_date")
    status = "terminated" if isinstance(end, date) and end < today else "active"
    canonical = {
        # No employee number: a party's code is Tryton's own sequence, not HR's number for the person.
        "name": row.get("party_name"), "email": row.get("email"),
        "legal_entity": row.get("company_name"), "start_date": row.get("start_date"), "end_date": end,
        "cost_rate": row.get("cost_price") or None, "employment_status": status, "kind": "employee",
    }
    return IncomingRecord(source_id=str(row["id"]), object_type=EMPLOYEE, canonical=_plain(canonical),
                          payload=_plain(row), source_updated_at=_modified(row))


def allocation_of(row: dict[str, Any]) -> dict[str, Any]:
    """A project allocation (with its work's planned dates read alongside) in plain terms: who,
    which project work, from when to when, and what share of their time (0–1)."""
    return {
        "source_id": str(row["id"]), "employee_id": str(row["employee"]), "work_id": str(row.get("project_work_id") or row["work"]),
        "start_date": row.get("start_date"), "end_date": row.get("end_date"),
        "share": float(row.get("percentage") or 0) / 100.0, "updated_at": _modified(row),
    }


def timesheet_line_of(row: dict[str, Any]) -> dict[str, Any]:
    """A timesheet line (with the project work its timesheet work stands for read alongside) in
    plain terms: who, on which project work, which day, how many hours, at what cost per hour."""
    duration = row.get("duration")
    hours = Decimal(str(duration.total_seconds())) / 3600 if isinstance(duration, timedelta) else Decimal(0)
    cost = row.get("cost_price")
    return {
        "source_id": str(row["id"]), "employee_id": str(row["employee"]),
        "work_id": str(row["project_work_id"]) if row.get("project_work_id") else None,
        "day": row["date"], "hours": hours.quantize(Decimal("0.01")),
        "cost_rate": Decimal(str(cost)) if cost not in (None, "") and Decimal(str(cost)) > 0 else None,
        "updated_at": _modified(row),
    }


TO_RECORD = {PARTY: party_to_record, SALE: sale_to_record, WORK: work_to_record, EMPLOYEE: employee_to_record}


def golden_id_of(identifiers: list[dict[str, Any]]) -> str | None:
    return next((i["code"] for i in identifiers if not i.get("type") and GOLDEN_ID.match(i.get("code") or "")), None)


def customer_to_party(attributes: dict[str, Any]) -> dict[str, Any]:
    """The party values a golden customer sets (what Tryton keeps on the party itself)."""
    return {"name": attributes.get("name") or "", "active": attributes.get("record_status") != "retired"}


def customer_to_address(attributes: dict[str, Any]) -> dict[str, Any]:
    return {"street": attributes.get("address_line1") or "", "city": attributes.get("city") or "",
            "postal_code": attributes.get("postal_code") or ""}


def contract_to_sale(attributes: dict[str, Any]) -> dict[str, Any]:
    """The sale values a golden contract sets. The contract number goes into the sale's reference
    (a sale's own number is Tryton's sequence), so the sale pulled back maps to the same number."""
    values = {"reference": attributes.get("number") or "", "description": attributes.get("title") or ""}
    if attributes.get("start_date"):
        values["sale_date"] = date.fromisoformat(str(attributes["start_date"])[:10])
    return values


# Golden project status -> the Tryton work status it is written as (Tryton has Open and Done).
WORK_STATUS_OF = {"planned": "Open", "active": "Open", "on_hold": "Open", "completed": "Done", "cancelled": "Done"}
MARKER = re.compile(r"\[concord (?P<golden_id>PRJ-[0-9A-Z]{10})(?P<rest>[^\]\n]*)\]")


def work_marker(comment: Any) -> dict[str, str] | None:
    """The marker Concord left in a work's comment: golden_id, and code / status when written."""
    found = MARKER.search(comment) if isinstance(comment, str) else None
    if not found:
        return None
    marker = {"golden_id": found["golden_id"]}
    for part in found["rest"].split():
        name, _, value = part.partition("=")
        if name in ("code", "status") and value:
            marker[name] = unquote(value)
    return marker


def work_comment(golden_id: str, attributes: dict[str, Any], comment: str | None = None) -> str:
    """The work's comment with our marker line (added, or replacing the one there): what a
    Tryton user wrote around it stays."""
    parts = [f"[concord {golden_id}"]
    for name in ("code", "status"):
        if attributes.get(name):
            parts.append(f"{name}={quote(str(attributes[name]), safe='')}")  # no spaces or ] inside
    line = " ".join(parts) + "]"
    kept = [text for text in (comment or "").splitlines() if not MARKER.search(text)]
    return "\n".join([*kept, line]) if kept else line


def project_to_work(golden_id: str, attributes: dict[str, Any], comment: str | None = None) -> dict[str, Any]:
    """The project work values a golden project sets (party and status ids are the connector's)."""
    return {"name": attributes.get("name") or attributes.get("code") or golden_id, "type": "project",
            "comment": work_comment(golden_id, attributes, comment)}


def customer_to_mechanisms(attributes: dict[str, Any]) -> dict[str, str]:
    """Contact mechanism type -> value, for the ones the golden record has."""
    return {kind: attributes[name] for kind, name in (("email", "email"), ("phone", "phone"), ("website", "website"))
            if attributes.get(name)}
