"""The canonical model: which attributes each domain has, how each is standardized, and what makes
a record unusable. Pure: the pipeline, the CSV importer and the API all validate through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from mdm import standardize as std

BILLING_TYPES = {
    "time and materials": "time_and_materials", "time materials": "time_and_materials",
    "time and material": "time_and_materials", "t m": "time_and_materials", "tm": "time_and_materials",
    "time and materials billing": "time_and_materials", "time_and_materials": "time_and_materials",
    "time materials billing": "time_and_materials", "hourly": "time_and_materials",
    "fixed fee": "fixed_fee", "fixed price": "fixed_fee", "fixed": "fixed_fee", "ff": "fixed_fee",
    "fixed_fee": "fixed_fee",
    "retainer": "retainer", "subscription": "retainer",
}
CONTRACT_STATUSES = {
    "draft": "draft", "in approval": "draft", "in approval process": "draft", "pending": "draft",
    "active": "active", "activated": "active", "signed": "active", "in effect": "active",
    "expired": "expired", "ended": "expired", "closed": "expired",
    "terminated": "terminated", "cancelled": "terminated", "canceled": "terminated",
}
PROJECT_STATUSES = {
    "planned": "planned", "not started": "planned", "pending": "planned", "proposed": "planned",
    "active": "active", "in progress": "active", "open": "active", "started": "active",
    "on hold": "on_hold", "on_hold": "on_hold", "paused": "on_hold",
    "completed": "completed", "closed": "completed", "done": "completed", "finished": "completed",
    "cancelled": "cancelled", "canceled": "cancelled", "aborted": "cancelled",
}
CREDIT_STATUSES = {
    "good": "good", "ok": "good", "approved": "good", "active": "good", "clear": "good",
    "on hold": "on_hold", "hold": "on_hold", "on_hold": "on_hold", "review": "on_hold",
    "blocked": "blocked", "stop": "blocked", "credit stop": "blocked", "suspended": "blocked",
}


@dataclass(frozen=True)
class Attribute:
    name: str
    standardize: Callable[[Any, dict[str, Any]], Any]  # (raw value, the record's other raw values)
    label: str = ""


def _text(max_length: int = 255):
    return lambda value, _record: std.text(value, max_length)


def _lenient(standardizer, max_length: int):
    """For attributes whose bad values do not make a record unusable (phone, email, web, tax id):
    the standardized value when there is one, else the cleaned raw text (cut to what the golden
    record holds), kept for a steward to see."""

    def standardize(value, record):
        try:
            return standardizer(value, record)
        except std.InvalidValue:
            cleaned = std.text(value, max_length=10**6)
            return cleaned[:max_length] if cleaned else cleaned

    return standardize


def _country_of(record: dict[str, Any]) -> str | None:
    try:
        return std.country(record.get("country"))
    except std.InvalidValue:
        return None


def _choice(choices):
    return lambda value, _record: std.choice(value, choices)


CUSTOMER = (
    Attribute("name", _text()),
    Attribute("trading_name", _text()),
    Attribute("tax_id", _lenient(lambda value, record: std.tax_id(value, _country_of(record)), 40)),
    Attribute("country", lambda value, _record: std.country(value)),
    Attribute("city", _text(120)),
    Attribute("postal_code", lambda value, _record: (std.text(value, 20) or "").upper() or None),
    Attribute("address_line1", _text()),
    Attribute("phone", _lenient(lambda value, record: std.phone(value, _country_of(record)), 100)),
    Attribute("email", _lenient(lambda value, _record: std.email(value), 254)),
    Attribute("website", _lenient(lambda value, _record: std.website(value), 255)),
    Attribute("industry", _text(120)),
    Attribute("legal_entity", _text(120)),
    Attribute("currency", lambda value, _record: std.currency(value)),
    Attribute("payment_terms", _text(60)),
    Attribute("credit_status", _choice(CREDIT_STATUSES)),
)
CONTRACT = (
    Attribute("number", _text(60)),
    Attribute("title", _text()),
    Attribute("status", _choice(CONTRACT_STATUSES)),
    Attribute("start_date", lambda value, _record: std.date_value(value)),
    Attribute("end_date", lambda value, _record: std.date_value(value)),
    Attribute("total_value", lambda value, _record: std.amount(value)),
    Attribute("currency", lambda value, _record: std.currency(value)),
    Attribute("billing_type", _choice(BILLING_TYPES)),
)
PROJECT = (
    Attribute("code", _text(60)),
    Attribute("name", _text()),
    Attribute("status", _choice(PROJECT_STATUSES)),
    Attribute("start_date", lambda value, _record: std.date_value(value)),
    Attribute("end_date", lambda value, _record: std.date_value(value)),
    Attribute("project_manager", _text(120)),
    Attribute("service_line", _text(120)),
    Attribute("billing_type", _choice(BILLING_TYPES)),
    Attribute("budget", lambda value, _record: std.amount(value)),
)

ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {"customer": CUSTOMER, "contract": CONTRACT, "project": PROJECT}

# References to other golden records, given as the same system's source ids.
# (canonical reference field, golden attribute it resolves to, domain it points into)
REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "customer": (("parent_source_id", "parent", "customer"),),
    "contract": (("customer_source_id", "customer", "customer"),),
    "project": (("customer_source_id", "customer", "customer"), ("contract_source_id", "contract", "contract")),
}

# Attributes a golden contract compares to decide that an amendment happened (version + 1).
CONTRACT_MATERIAL_ATTRIBUTES = ("title", "status", "start_date", "end_date", "total_value", "currency",
                                "billing_type", "customer")


def attribute_names(domain: str) -> list[str]:
    """Every golden attribute of a domain: own attributes and resolved references."""
    return [attribute.name for attribute in ATTRIBUTES[domain]] + [golden for _, golden, _ in REFERENCES[domain]]


@cache
def known_fields(domain: str) -> frozenset[str]:
    """Field names a caller may send for a domain (attributes plus reference source ids)."""
    return frozenset({attribute.name for attribute in ATTRIBUTES[domain]} | {ref for ref, _, _ in REFERENCES[domain]})


def standardize_record(domain: str, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Standardize every canonical attribute; return (values, errors by field).

    Unknown keys are ignored here (the raw payload keeps them). Errors name what makes the record
    unusable; a blank optional attribute is not an error.
    """
    values: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for attribute in ATTRIBUTES[domain]:
        try:
            values[attribute.name] = attribute.standardize(raw.get(attribute.name), raw)
        except std.InvalidValue as error:
            errors.setdefault(attribute.name, []).append(str(error))
    for reference, _golden, _domain in REFERENCES[domain]:
        value = raw.get(reference)
        values[reference] = None if std.blank(value) else str(value).strip()
    if domain == "customer" and not values.get("name") and "name" not in errors:
        errors["name"] = ["a customer needs a name"]
    if domain == "contract" and not values.get("number") and "number" not in errors:
        errors["number"] = ["a contract needs a number"]
    if domain == "project" and not (values.get("code") or values.get("name")) and not errors.keys() & {"code", "name"}:
        errors["code"] = ["a project needs a code or a name"]
    return values, errors
