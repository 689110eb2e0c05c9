"""Tryton records to canonical records and golden records to Tryton values. Pure functions.

Contracts go back as draft sales keyed by the contract number in the sale's reference.
The golden id lives in Tryton as an untyped party identifier whose code is the golden id
(e.g. "CUS-8K2M4Q7W1Z"): visible to Tryton users on the party, searchable, and never confused
with a tax identifier (those carry a type such as eu_vat).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from mdm.records import IncomingRecord

PARTY, SALE, WORK = "party.party", "sale.sale", "project.work"
GOLDEN_ID = re.compile(r"^(CUS|CTR|PRJ)-[0-9A-Z]{10}$")
SALE_STATES = {"draft": "draft", "quotation": "draft", "confirmed": "active", "processing": "active",
               "done": "expired", "cancelled": "terminated"}


def _when(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


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
    updated = _modified(row)
    canonical = {
        "code": row.get("number") or None, "name": row.get("name"),
        "status": (row.get("status_name") or "").lower() or None,
        "customer_source_id": str(row["party"]) if row.get("party") else None,
    }
    return IncomingRecord(source_id=str(row.get("id", "")), object_type=WORK,
                          canonical={k: v for k, v in canonical.items() if v not in (None, "")},
                          payload=_plain(row), source_updated_at=updated,
                          source_version=updated.isoformat() if updated else "")


TO_RECORD = {PARTY: party_to_record, SALE: sale_to_record, WORK: work_to_record}


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


def customer_to_mechanisms(attributes: dict[str, Any]) -> dict[str, str]:
    """Contact mechanism type -> value, for the ones the golden record has."""
    return {kind: attributes[name] for kind, name in (("email", "email"), ("phone", "phone"), ("website", "website"))
            if attributes.get(name)}
