"""NetSuite records (SuiteQL rows) to canonical attributes, and golden attributes back to REST
record fields. Pure functions.

Values stay as NetSuite sends them (country spellings, M/D/YYYY dates, phone formats): the hub
standardizes. Enumerations are translated to the canonical vocabulary where NetSuite's value is
known; an unknown value passes unchanged so the hub's validation quarantines it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from mdm.records import IncomingRecord
from mdm.timestamps import moment_or_none

CUSTOMER, SALES_ORDER, JOB, INVOICE = "customer", "salesOrder", "job", "invoice"
TABLES = {CUSTOMER: "customer", SALES_ORDER: "salesorder", JOB: "job", INVOICE: "invoice"}
BILLING_TYPES = {
    "t&m": "time_and_materials", "tm": "time_and_materials", "time and materials": "time_and_materials",
    "time & materials": "time_and_materials", "charge-based": "time_and_materials", "cb": "time_and_materials",
    "fixed price": "fixed_fee", "fixed bid": "fixed_fee", "fbm": "fixed_fee", "fbi": "fixed_fee",
    "fixed bid, milestone": "fixed_fee", "fixed bid, interval": "fixed_fee", "fixed fee": "fixed_fee",
    "retainer": "retainer",
}
BILLING_OUT = {"time_and_materials": "TM", "fixed_fee": "FBM", "retainer": "Retainer"}
CREDIT_HOLD = {"AUTO": "good", "OFF": "good", "ON": "on hold"}
# Sales order (transaction) statuses say where the order is in fulfilment and billing; as a
# contract, an order being fulfilled or billed is active, a fully billed one has run its course.
SALES_ORDER_STATUSES = {
    "pending approval": "draft", "pending fulfillment": "active", "partially fulfilled": "active",
    "pending billing/partially fulfilled": "active", "pending billing": "active", "billed": "expired",
    "closed": "terminated", "cancelled": "terminated",
}
JOB_STATUSES = {"awarded": "planned", "not awarded": "cancelled", "pending": "planned", "in progress": "active",
                "closed": "completed", "on hold": "on_hold"}


def parse_timestamp(value: Any) -> datetime | None:
    """lastmodifieddate as ISO 8601 (what the connector selects); naive values are UTC."""
    return moment_or_none(value)


def billing_type(value: Any) -> Any:
    return _picklist(BILLING_TYPES, value)


def _picklist(table: dict[str, str], value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        return value
    return table.get(" ".join(value.lower().split()), value)


def _record(object_type: str, raw: dict[str, Any], canonical: dict[str, Any]) -> IncomingRecord:
    problems: dict[str, list[str]] = {}
    stamp_text = raw.get("lastmodifieddate")
    stamp = parse_timestamp(stamp_text)
    if stamp_text and stamp is None:
        problems["source_updated_at"] = [f"unreadable lastmodifieddate {stamp_text!r}"]
    payload = {k: v for k, v in raw.items() if k != "links"}
    return IncomingRecord(source_id=str(raw["id"]), object_type=object_type, canonical=canonical, payload=payload,
                          source_updated_at=stamp, source_version=str(stamp_text or ""), problems=problems)


def customer_to_customer(raw: dict[str, Any]) -> IncomingRecord:
    hold = raw.get("creditholdoverride")
    return _record(CUSTOMER, raw, {
        "name": raw.get("companyname"), "tax_id": raw.get("vatregnumber"), "country": raw.get("billcountry"),
        "city": raw.get("billcity"), "postal_code": raw.get("billzip"), "address_line1": raw.get("billaddr1"),
        "phone": raw.get("phone"), "email": raw.get("email"), "website": raw.get("url"),
        "industry": raw.get("category"), "legal_entity": raw.get("subsidiary"), "currency": raw.get("currency"),
        "payment_terms": raw.get("terms"), "credit_status": CREDIT_HOLD.get(hold, hold) if hold else None,
        "parent_source_id": raw.get("parent"),
    })


def sales_order_to_contract(raw: dict[str, Any]) -> IncomingRecord:
    return _record(SALES_ORDER, raw, {
        "number": raw.get("tranid"), "customer_source_id": raw.get("entity"), "title": raw.get("memo"),
        "status": _picklist(SALES_ORDER_STATUSES, raw.get("status")),
        "start_date": raw.get("startdate"), "end_date": raw.get("enddate"),
        "total_value": raw.get("total"), "currency": raw.get("currency"),
        "billing_type": billing_type(raw.get("custbody_billing_type")),
    })


def job_to_project(raw: dict[str, Any]) -> IncomingRecord:
    return _record(JOB, raw, {
        "code": raw.get("entityid"), "name": raw.get("companyname"), "customer_source_id": raw.get("parent"),
        "contract_source_id": raw.get("custentity_sales_order"),
        "status": _picklist(JOB_STATUSES, raw.get("entitystatus")),
        "start_date": raw.get("startdate"), "end_date": raw.get("projectedenddate"),
        "project_manager": raw.get("projectmanager"), "service_line": raw.get("custentity_service_line"),
        "billing_type": billing_type(raw.get("jobbillingtype")), "budget": raw.get("custentity_budget"),
    })


TO_RECORD = {CUSTOMER: customer_to_customer, SALES_ORDER: sales_order_to_contract, JOB: job_to_project}


def to_record(object_type: str, raw: Any) -> tuple[IncomingRecord | None, str]:
    """Map one raw row; (None, reason) when it cannot be a record at all. Never raises."""
    if not isinstance(raw, dict):
        return None, f"not a JSON object: {type(raw).__name__}"
    if raw.get("id") in (None, "") or not str(raw["id"]).strip():
        return None, f"{object_type} without an id"
    mapper = TO_RECORD.get(object_type)
    if mapper is None:
        return None, f"no mapping for NetSuite record type {object_type!r}"
    try:
        return mapper(raw), ""
    except (TypeError, ValueError, AttributeError) as error:
        return None, f"unreadable {object_type}: {error}"


# --- golden attributes -> REST record fields (push) -----------------------------------------

def _set(fields: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        fields[name] = value


def customer_to_ns_customer(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("name", "companyName"), ("tax_id", "vatRegNumber"), ("country", "billCountry"),
                             ("city", "billCity"), ("postal_code", "billZip"), ("address_line1", "billAddr1"),
                             ("phone", "phone"), ("email", "email"), ("website", "url"), ("industry", "category")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("currency"):
        fields["currency"] = {"refName": attributes["currency"]}
    if attributes.get("payment_terms"):
        fields["terms"] = {"refName": attributes["payment_terms"]}
    if attributes.get("parent"):
        fields["parent"] = {"externalId": str(attributes["parent"])}
    return fields


def contract_to_sales_order(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("number", "tranId"), ("title", "memo"), ("start_date", "startDate"),
                             ("end_date", "endDate"), ("total_value", "total")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("currency"):
        fields["currency"] = {"refName": attributes["currency"]}
    if attributes.get("billing_type"):
        fields["custbody_billing_type"] = BILLING_OUT.get(attributes["billing_type"], attributes["billing_type"])
    if attributes.get("customer"):
        fields["entity"] = {"externalId": str(attributes["customer"])}
    return fields


def project_to_job(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("name", "companyName"), ("code", "entityId"), ("start_date", "startDate"),
                             ("end_date", "projectedEndDate"), ("project_manager", "projectManager"),
                             ("service_line", "custentity_service_line"), ("budget", "custentity_budget")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("billing_type"):
        fields["jobBillingType"] = BILLING_OUT.get(attributes["billing_type"], attributes["billing_type"])
    if attributes.get("customer"):
        fields["parent"] = {"externalId": str(attributes["customer"])}
    if attributes.get("contract"):
        fields["custentity_sales_order"] = {"externalId": str(attributes["contract"])}
    return fields


BILLING_SCHEDULE = "billingSchedule"


def billing_schedule_to_ns(attributes: dict[str, Any]) -> dict[str, Any]:
    """A contract version's billing schedule (orchestration) as a billingSchedule record of its sales order."""
    schedule = attributes.get("schedule") or {}
    fields: dict[str, Any] = {"name": f"{schedule.get('contract_number') or attributes.get('contract')} "
                                      f"v{attributes.get('version')}",
                              "custrecord_contract_version": attributes.get("version"),
                              "frequency": schedule.get("frequency"), "billingType": BILLING_OUT.get(
                                  schedule.get("billing_type") or "", schedule.get("billing_type")),
                              "recurrence": schedule.get("lines") or [],
                              "rateCard": [{"role": role, "rate": rate} for role, rate in (schedule.get("rates") or {}).items()],
                              "status": attributes.get("status") or "active"}
    if attributes.get("contract"):
        fields["salesOrder"] = {"externalId": str(attributes["contract"])}
    return {k: v for k, v in fields.items() if v is not None}


def project_team_to_job(attributes: dict[str, Any]) -> dict[str, Any]:
    """A project's team from the PSA's allocations (staffing), on the job the project already is:
    who, what share of their time, from when to when."""
    team = attributes.get("team") or []
    return {"custentity_concord_team": [{"resource": m.get("resource"), "name": m.get("name"), "share": m.get("share"),
                                         "startDate": m.get("start_date"), "endDate": m.get("end_date")} for m in team]}


# A week of a project's time for time-and-materials billing (staffing's timesheet batch): a custom
# record of the account, one per summary or adjustment, found again by the summary's own key.
TIME_SUMMARY = "customrecord_concord_time_summary"


def time_summary_to_ns(attributes: dict[str, Any]) -> dict[str, Any]:
    """A billing summary (or adjustment) of one project's week: the job it bills, the week, its
    kind and revision, hours and amount, and the lines per person as JSON text."""
    label = attributes.get("project_code") or attributes.get("project")
    return {"name": f"{label} {attributes.get('week_start')} {attributes.get('kind')} {attributes.get('revision')}",
            "custrecord_cts_project": {"externalId": str(attributes["project"])},
            "custrecord_cts_week_start": attributes.get("week_start"),
            "custrecord_cts_week_end": attributes.get("week_end"), "custrecord_cts_kind": attributes.get("kind"),
            "custrecord_cts_revision": attributes.get("revision"), "custrecord_cts_hours": attributes.get("hours"),
            "custrecord_cts_amount": attributes.get("amount"), "custrecord_cts_currency": attributes.get("currency"),
            "custrecord_cts_lines": json.dumps(attributes.get("lines") or [], sort_keys=True)}


FROM_GOLDEN = {"customer": (CUSTOMER, customer_to_ns_customer), "contract": (SALES_ORDER, contract_to_sales_order),
               "project": (JOB, project_to_job), "billing": (BILLING_SCHEDULE, billing_schedule_to_ns),
               "staffing": (JOB, project_team_to_job), "timesheet": (TIME_SUMMARY, time_summary_to_ns)}


def external_id_of(domain: str, golden_id: str, attributes: dict[str, Any]) -> str:
    """The externalId a push upserts by: the golden id, or for a billing summary its own key
    (a project has one per week and revision)."""
    return str(attributes["summary"]) if domain == "timesheet" else str(golden_id)
