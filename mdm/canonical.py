"""The canonical model: which attributes each domain has, how each is standardized, and what makes
a record unusable. Pure: the pipeline, the CSV importer and the API all validate through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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


# JSON types a caller may send for an attribute (null is blank, and always allowed).
TEXT = (str,)
NUMBER_OR_TEXT = (str, int, float)  # amounts: 1500, 1500.5 or "1.500,00 €"
ID = (str, int)  # source ids: some systems number their records


@dataclass(frozen=True)
class Attribute:
    """One canonical attribute. `standardize` is strict: it raises InvalidValue for a value it
    cannot use. `lenient` attributes (phone, email, web, tax id) do not make a source record
    unusable: a bad source value is kept as cleaned text for a steward to see (quality rules flag
    it). A steward's own value is always held to the strict standard."""

    name: str
    standardize: Callable[[Any, dict[str, Any]], Any]  # (raw value, the record's other raw values)
    label: str = ""
    json_types: tuple[type, ...] = TEXT
    lenient: bool = False
    kept_length: int = 255  # a lenient attribute's kept text is cut to what the golden record holds
    # What a system's value becomes: `standardize`, or for a lenient attribute its result or the
    # cleaned text. Worked out once here, not per value (ingestion calls it for every attribute).
    source_value: Callable[[Any, dict[str, Any]], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "source_value",
                           _kept_as_text(self.standardize, self.kept_length) if self.lenient else self.standardize)


def _kept_as_text(standardize, max_length: int):
    def source_value(value, record):
        try:
            return standardize(value, record)
        except std.InvalidValue:
            cleaned = std.text(value, max_length=10**6)
            return cleaned[:max_length] if cleaned else cleaned

    return source_value


def _text(max_length: int = 255):
    return lambda value, _record: std.text(value, max_length)


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
    Attribute("tax_id", lambda value, record: std.tax_id(value, _country_of(record)), lenient=True, kept_length=40),
    Attribute("country", lambda value, _record: std.country(value)),
    Attribute("city", _text(120)),
    Attribute("postal_code", lambda value, _record: (std.text(value, 20) or "").upper() or None),
    Attribute("address_line1", _text()),
    Attribute("phone", lambda value, record: std.phone(value, _country_of(record)), lenient=True, kept_length=100),
    Attribute("email", lambda value, _record: std.email(value), lenient=True, kept_length=254),
    Attribute("website", lambda value, _record: std.website(value), lenient=True),
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
    Attribute("total_value", lambda value, _record: std.amount(value), json_types=NUMBER_OR_TEXT),
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
    Attribute("budget", lambda value, _record: std.amount(value), json_types=NUMBER_OR_TEXT),
)

EMPLOYMENT_STATUSES = {
    "active": "active", "employed": "active", "current": "active",
    "on leave": "on_leave", "leave": "on_leave", "on_leave": "on_leave",
    "terminated": "terminated", "inactive": "terminated", "left": "terminated", "former": "terminated",
}
RESOURCE_KINDS = {"employee": "employee", "full time": "employee", "part time": "employee",
                  "contractor": "contractor", "contract": "contractor", "freelance": "contractor"}
# A person who delivers work (employee or contractor): matched across HR and PSA by work email and
# employee number; capacity is hours per week, rates per hour in the legal entity's currency.
RESOURCE = (
    Attribute("name", _text()),
    Attribute("email", lambda value, _record: std.email(value), lenient=True, kept_length=254),
    Attribute("employee_number", _text(40)),
    Attribute("kind", _choice(RESOURCE_KINDS)),
    Attribute("role", _text(120)),
    Attribute("team", _text(120)),
    Attribute("service_line", _text(120)),
    Attribute("legal_entity", _text(120)),
    Attribute("employment_status", _choice(EMPLOYMENT_STATUSES)),
    Attribute("start_date", lambda value, _record: std.date_value(value)),
    Attribute("end_date", lambda value, _record: std.date_value(value)),
    Attribute("cost_rate", lambda value, _record: std.amount(value), json_types=NUMBER_OR_TEXT),
    Attribute("bill_rate", lambda value, _record: std.amount(value), json_types=NUMBER_OR_TEXT),
    Attribute("capacity_hours", lambda value, _record: std.amount(value), json_types=NUMBER_OR_TEXT),
)

ATTRIBUTES: dict[str, tuple[Attribute, ...]] = {"customer": CUSTOMER, "contract": CONTRACT, "project": PROJECT,
                                                "resource": RESOURCE}

# References to other golden records, given as the same system's source ids.
# (canonical reference field, golden attribute it resolves to, domain it points into)
REFERENCES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "customer": (("parent_source_id", "parent", "customer"),),
    "contract": (("customer_source_id", "customer", "customer"),),
    "project": (("customer_source_id", "customer", "customer"), ("contract_source_id", "contract", "contract")),
    "resource": (),
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
            values[attribute.name] = attribute.source_value(raw.get(attribute.name), raw)
        except std.InvalidValue as error:
            errors.setdefault(attribute.name, []).append(str(error))
    for reference, _golden, _domain in REFERENCES[domain]:
        value = raw.get(reference)
        values[reference] = None if std.blank(value) else str(value).strip()
    for name, message in required_missing(domain, values).items():
        if name not in errors and not (domain == "project" and errors.keys() & {"code", "name"}):
            errors[name] = [message]
    return values, errors


def required_missing(domain: str, values: dict[str, Any]) -> dict[str, str]:
    """What a record of the domain cannot be without: a customer's name, a contract's number, a
    project's code or name. Checked on a source record's values and on a golden record's values
    after a steward's override alike."""
    if domain == "customer" and not values.get("name"):
        return {"name": "a customer needs a name"}
    if domain == "contract" and not values.get("number"):
        return {"number": "a contract needs a number"}
    if domain == "project" and not (values.get("code") or values.get("name")):
        return {"code": "a project needs a code or a name"}
    if domain == "resource" and not values.get("name"):
        return {"name": "a resource needs a name"}
    return {}


def steward_value(domain: str, attribute: str, value: Any, record: dict[str, Any]) -> Any:
    """A steward's value for an own attribute, standardized like a source value but strictly: a
    value a source may keep for a steward to see (a malformed email) is refused from a steward.
    Raises InvalidValue."""
    spec = next(a for a in ATTRIBUTES[domain] if a.name == attribute)
    problem = json_type_problem(spec.json_types, value)
    if problem:
        raise std.InvalidValue(problem)
    return spec.standardize(value, record)


_JSON_NAMES = {str: "a string", int: "a number", float: "a number", bool: "a boolean",
               dict: "an object", list: "an array"}


def _json_name(kind: type) -> str:
    return _JSON_NAMES.get(kind, kind.__name__)


def json_type_problem(allowed: tuple[type, ...], value: Any) -> str | None:
    """What is wrong with the JSON type of `value`, if anything (null is always allowed)."""
    if value is None:
        return None
    # bool is an int to Python, never to JSON.
    if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
        expected = " or ".join(dict.fromkeys(_json_name(kind) for kind in allowed))
        return f"expected {expected}, got {_json_name(type(value))}"
    return None


def json_type_errors(domain: str, row: dict[str, Any]) -> dict[str, list[str]]:
    """Fields of a JSON record whose type the canonical model does not take: text attributes are
    strings, amounts numbers or strings, references source ids (strings or whole numbers); null
    is a blank. Without this check `{"a": 1}` would be stored as the text "{'a': 1}"."""
    expected = {attribute.name: attribute.json_types for attribute in ATTRIBUTES[domain]}
    expected.update({reference: ID for reference, _golden, _domain in REFERENCES[domain]})
    problems = {name: json_type_problem(allowed, row.get(name)) for name, allowed in expected.items()}
    return {name: [problem] for name, problem in problems.items() if problem}
