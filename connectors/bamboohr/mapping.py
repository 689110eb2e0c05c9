"""BambooHR employees to canonical resources. Pure functions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mdm.records import IncomingRecord

EMPLOYEE = "employee"
KINDS = {"full-time": "employee", "part-time": "employee", "contractor": "contractor", "intern": "employee"}
# BambooHR writes an unset date as 0000-00-00.
_NO_DATE = {"", "0000-00-00", None}


def _date(value: Any) -> str | None:
    return None if value in _NO_DATE else str(value)


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _hourly(rate: Any, per: Any) -> str | None:
    """A pay rate as an hourly cost ("85.00 EUR" per Hour); a yearly salary is no hourly rate."""
    if not rate or str(per or "").lower() != "hour":
        return None
    return str(rate).split()[0]


def employee_to_record(row: dict[str, Any]) -> IncomingRecord:
    """One employee (the fields client.FIELDS asks for) as a resource. Terminated in BambooHR is
    status Inactive, with the termination date as the last day."""
    status = "terminated" if str(row.get("status") or "").lower() == "inactive" or _date(row.get("terminationDate")) \
        else "active"
    name = row.get("displayName") or " ".join(p for p in (row.get("firstName"), row.get("lastName")) if p)
    canonical = {
        "name": name or None, "email": row.get("workEmail"), "employee_number": row.get("employeeNumber"),
        "role": row.get("jobTitle"), "team": row.get("department"), "service_line": row.get("division"),
        "legal_entity": row.get("customLegalEntity"), "employment_status": status,
        "kind": KINDS.get(str(row.get("employmentHistoryStatus") or "").lower()),
        "start_date": _date(row.get("hireDate")), "end_date": _date(row.get("terminationDate")),
        "cost_rate": _hourly(row.get("payRate"), row.get("payPer")), "bill_rate": row.get("customBillRate") or None,
        "capacity_hours": row.get("customWeeklyHours") or None,
    }
    return IncomingRecord(source_id=str(row["id"]), object_type=EMPLOYEE, canonical=canonical, payload=dict(row),
                          source_updated_at=_when(row.get("lastChanged")))
