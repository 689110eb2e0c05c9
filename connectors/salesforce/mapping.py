"""Salesforce records to canonical attributes, and golden attributes back to Salesforce fields.

Pure functions. Values stay as Salesforce sends them (country names, phone formats, dates): the
hub standardizes. Only picklists are translated to the canonical vocabulary, and an unknown
picklist value is passed on unchanged so the hub's validation quarantines it with its reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mdm.records import IncomingRecord
from mdm.timestamps import moment_or_none

ACCOUNT, CONTRACT, PROJECT, OPPORTUNITY = "Account", "Contract", "Project__c", "Opportunity"
EXTERNAL_ID = "Concord_Id__c"
BILLING_TYPES = {
    "time and materials": "time_and_materials", "time & materials": "time_and_materials",
    "t&m": "time_and_materials", "time and material": "time_and_materials",
    "fixed fee": "fixed_fee", "fixed price": "fixed_fee", "fixed bid": "fixed_fee",
    "retainer": "retainer", "monthly retainer": "retainer",
}
BILLING_PICKLIST = {"time_and_materials": "Time and Materials", "fixed_fee": "Fixed Fee", "retainer": "Retainer"}


def parse_timestamp(value: Any) -> datetime | None:
    """SystemModstamp: 2026-06-01T10:15:00.000+0000 (also accepts Z and +00:00)."""
    return moment_or_none(value)


def billing_type(value: Any) -> Any:
    if not isinstance(value, str) or not value.strip():
        return value
    return BILLING_TYPES.get(" ".join(value.lower().split()), value)


def _record(object_type: str, raw: dict[str, Any], canonical: dict[str, Any]) -> IncomingRecord:
    problems: dict[str, list[str]] = {}
    stamp_text = raw.get("SystemModstamp") or raw.get("LastModifiedDate")
    stamp = parse_timestamp(stamp_text)
    if stamp_text and stamp is None:
        problems["source_updated_at"] = [f"unreadable SystemModstamp {stamp_text!r}"]
    payload = {k: v for k, v in raw.items() if k != "attributes"}
    return IncomingRecord(source_id=str(raw["Id"]), object_type=object_type, canonical=canonical, payload=payload,
                          source_updated_at=stamp, source_version=str(stamp_text or ""),
                          deleted=raw.get("IsDeleted") is True, problems=problems)


def account_to_customer(raw: dict[str, Any]) -> IncomingRecord:
    return _record(ACCOUNT, raw, {
        "name": raw.get("Name"), "tax_id": raw.get("Tax_Id__c"), "country": raw.get("BillingCountry"),
        "city": raw.get("BillingCity"), "postal_code": raw.get("BillingPostalCode"),
        "address_line1": raw.get("BillingStreet"), "phone": raw.get("Phone"), "email": raw.get("Email__c"),
        "website": raw.get("Website"), "industry": raw.get("Industry"), "legal_entity": raw.get("Legal_Entity__c"),
        "currency": raw.get("CurrencyIsoCode"), "payment_terms": raw.get("Payment_Terms__c"),
        "credit_status": raw.get("Credit_Status__c"), "parent_source_id": raw.get("ParentId"),
    })


def contract_to_contract(raw: dict[str, Any]) -> IncomingRecord:
    return _record(CONTRACT, raw, {
        "number": raw.get("ContractNumber"), "customer_source_id": raw.get("AccountId"),
        "title": raw.get("Name") or raw.get("Description"), "status": raw.get("Status"),
        "start_date": raw.get("StartDate"), "end_date": raw.get("EndDate"), "total_value": raw.get("Total_Value__c"),
        "currency": raw.get("CurrencyIsoCode"), "billing_type": billing_type(raw.get("Billing_Type__c")),
    })


def project_to_project(raw: dict[str, Any]) -> IncomingRecord:
    return _record(PROJECT, raw, {
        "code": raw.get("Project_Code__c"), "name": raw.get("Name"), "customer_source_id": raw.get("Account__c"),
        "contract_source_id": raw.get("Contract__c"), "status": raw.get("Status__c"),
        "start_date": raw.get("Start_Date__c"), "end_date": raw.get("End_Date__c"),
        "project_manager": raw.get("Project_Manager__c"), "service_line": raw.get("Service_Line__c"),
        "billing_type": billing_type(raw.get("Billing_Type__c")), "budget": raw.get("Budget__c"),
    })


TO_RECORD = {ACCOUNT: account_to_customer, CONTRACT: contract_to_contract, PROJECT: project_to_project}


def to_record(object_type: str, raw: Any) -> tuple[IncomingRecord | None, str]:
    """Map one raw record; (None, reason) when it cannot be a record at all. Never raises."""
    if not isinstance(raw, dict):
        return None, f"not a JSON object: {type(raw).__name__}"
    if not isinstance(raw.get("Id"), str) or not raw["Id"].strip():
        return None, f"{object_type} without an Id"
    mapper = TO_RECORD.get(object_type)
    if mapper is None:
        return None, f"no mapping for Salesforce object {object_type!r}"
    try:
        return mapper(raw), ""
    except (TypeError, ValueError, AttributeError) as error:
        return None, f"unreadable {object_type}: {error}"


def opportunity_summary(raw: dict[str, Any]) -> dict[str, Any]:
    """An Opportunity as a plain dict (opportunity → project flows): won means Closed Won."""
    stage = raw.get("StageName")
    return {"source_id": raw.get("Id"), "name": raw.get("Name"), "customer_source_id": raw.get("AccountId"),
            "stage": stage, "won": stage == "Closed Won" or raw.get("IsWon") is True, "amount": raw.get("Amount"),
            "currency": raw.get("CurrencyIsoCode"), "close_date": raw.get("CloseDate"),
            "billing_type": billing_type(raw.get("Billing_Type__c")), "service_line": raw.get("Service_Line__c"),
            "contract_source_id": raw.get("ContractId"),
            "source_updated_at": parse_timestamp(raw.get("SystemModstamp"))}


# --- golden attributes -> Salesforce fields (push) ------------------------------------------

def _set(fields: dict[str, Any], name: str, value: Any) -> None:
    if value is not None:
        fields[name] = value


def customer_to_account(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("name", "Name"), ("tax_id", "Tax_Id__c"), ("country", "BillingCountry"),
                             ("city", "BillingCity"), ("postal_code", "BillingPostalCode"),
                             ("address_line1", "BillingStreet"), ("phone", "Phone"), ("email", "Email__c"),
                             ("website", "Website"), ("industry", "Industry"), ("legal_entity", "Legal_Entity__c"),
                             ("currency", "CurrencyIsoCode"), ("payment_terms", "Payment_Terms__c"),
                             ("credit_status", "Credit_Status__c")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("parent"):
        fields["Parent"] = {EXTERNAL_ID: str(attributes["parent"])}
    # The ERP's newest invoice status for the account (orchestration sends these with the customer).
    for canonical, field in (("last_invoice_number", "Last_Invoice_Number__c"),
                             ("last_invoice_status", "Last_Invoice_Status__c"),
                             ("last_invoice_total", "Last_Invoice_Total__c"),
                             ("last_invoice_date", "Last_Invoice_Date__c")):
        _set(fields, field, attributes.get(canonical))
    return fields


def contract_to_sf_contract(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("title", "Name"), ("start_date", "StartDate"), ("end_date", "EndDate"),
                             ("total_value", "Total_Value__c"), ("currency", "CurrencyIsoCode")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("billing_type"):
        fields["Billing_Type__c"] = BILLING_PICKLIST.get(attributes["billing_type"], attributes["billing_type"])
    if attributes.get("customer"):
        fields["Account"] = {EXTERNAL_ID: str(attributes["customer"])}
    return fields


def project_to_sf_project(attributes: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for canonical, field in (("name", "Name"), ("code", "Project_Code__c"), ("start_date", "Start_Date__c"),
                             ("end_date", "End_Date__c"), ("project_manager", "Project_Manager__c"),
                             ("service_line", "Service_Line__c"), ("budget", "Budget__c")):
        _set(fields, field, attributes.get(canonical))
    if attributes.get("billing_type"):
        fields["Billing_Type__c"] = BILLING_PICKLIST.get(attributes["billing_type"], attributes["billing_type"])
    if attributes.get("customer"):
        fields["Account__r"] = {EXTERNAL_ID: str(attributes["customer"])}
    if attributes.get("contract"):
        fields["Contract__r"] = {EXTERNAL_ID: str(attributes["contract"])}
    return fields


FROM_GOLDEN = {"customer": (ACCOUNT, customer_to_account), "contract": (CONTRACT, contract_to_sf_contract),
               "project": (PROJECT, project_to_sf_project)}
