"""What a closed-won opportunity must satisfy before Concord builds on it, and what it builds:
the project from its service line's template, the billing schedule with the rate card.
Pure functions over plain dicts (the opportunity, the golden customer's values, the policy).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

POLICY_PATH = Path(__file__).resolve().parents[1] / "config" / "orchestration.toml"
BILLING_TYPES = ("time_and_materials", "fixed_fee", "retainer")
FREQUENCIES = {"monthly": 1, "quarterly": 3}


class PolicyError(ValueError):
    """config/orchestration.toml says something the flows cannot use."""


@dataclass(frozen=True)
class Problem:
    """One reason the opportunity cannot go ahead as it is: `check` names the rule."""

    check: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"check": self.check, "message": self.message}


def policy_read(path: Path | None = None) -> dict[str, Any]:
    """The orchestration policy, checked: every template names a known rate card and frequency."""
    with open(path or POLICY_PATH, "rb") as handle:
        policy = tomllib.load(handle)
    problems = []
    for part in ("crm", "erp", "psa"):
        if not policy.get(part):
            problems.append(f"{part} must name a system")
    cards = policy.get("rate_cards") or {}
    for line, template in (policy.get("templates") or {}).items():
        if template.get("rate_card") not in cards:
            problems.append(f"template {line!r}: unknown rate card {template.get('rate_card')!r}")
        if template.get("billing_frequency") not in FREQUENCIES:
            problems.append(f"template {line!r}: billing_frequency must be one of {sorted(FREQUENCIES)}")
        share = template.get("budget_share")
        if not isinstance(share, int | float) or not 0 < share <= 1:
            problems.append(f"template {line!r}: budget_share must be in (0, 1]")
        if not template.get("code_prefix"):
            problems.append(f"template {line!r}: code_prefix is required")
    problems.extend(_entity_problems(policy.get("entities") or {}))
    if problems:
        raise PolicyError("config/orchestration.toml: " + "; ".join(problems))
    return policy


ENTITY_KEYS = {"aliases", "erp", "psa", "billing", "tax_codes", "new_customer_needs_approval", "approval_above",
               "credit_statuses_refused"}


def _entity_problems(entities: dict[str, Any]) -> list[str]:
    problems = []
    for name, section in entities.items():
        if not isinstance(section, dict):
            problems.append(f"entities.{name!r} must be a table")
            continue
        unknown = sorted(set(section) - ENTITY_KEYS)
        if unknown:
            problems.append(f"entities.{name!r}: unknown keys {unknown}")
        for part in ("erp", "psa"):
            if part in section and not section[part]:
                problems.append(f"entities.{name!r}: {part} must name a system")
        limits = section.get("approval_above") or {}
        if not isinstance(limits, dict) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in limits.values()):
            problems.append(f"entities.{name!r}: approval_above must map currencies to positive amounts")
    return problems


def legal_entity_of(customer: dict[str, Any], policy: dict[str, Any]) -> str | None:
    """The contracting legal entity: the customer's own, else the one of its country."""
    country = (customer.get("country") or "").upper()
    return customer.get("legal_entity") or (policy.get("legal_entities") or {}).get(country)


def entity_policy(policy: dict[str, Any], legal_entity: str | None) -> dict[str, Any]:
    """The policy as it applies to one legal entity: its [entities] table (found by name or by
    one of its aliases, e.g. an ERP's name for the subsidiary) laid over the top level; its
    tax codes over the top-level ones. `legal_entity` in the result is the entity's own name."""
    wanted = (legal_entity or "").strip().casefold()
    name, section = legal_entity, {}
    for candidate, values in (policy.get("entities") or {}).items():
        names = [candidate, *(values.get("aliases") or [])]
        if wanted and wanted in (n.casefold() for n in names):
            name, section = candidate, values
            break
    merged = {**policy, **{k: v for k, v in section.items() if k not in ("aliases", "tax_codes")}}
    merged["tax_codes"] = {**(policy.get("tax_codes") or {}), **(section.get("tax_codes") or {})}
    merged["legal_entity"] = name
    return merged


def _amount(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except ArithmeticError:
        return None


def _date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def credit_problems(customer: dict[str, Any], policy: dict[str, Any], currency: str,
                    amount: Decimal | None) -> list[Problem]:
    """The customer's credit: a refused credit status, an amount above the entity's credit limit."""
    problems = []
    if customer.get("credit_status") in (policy.get("credit_statuses_refused") or []):
        problems.append(Problem("credit", f"customer credit status is {customer['credit_status']}"))
    limit = (policy.get("credit_limits") or {}).get(currency)
    if limit is not None and amount is not None and amount > Decimal(str(limit)):
        problems.append(Problem("credit_limit", f"{amount:,.2f} {currency} is above the credit limit of "
                                                f"{limit:,} {currency}"))
    return problems


def tax_problems(customer: dict[str, Any], policy: dict[str, Any]) -> list[Problem]:
    """The legal entity's tax configuration for the customer's country."""
    country = (customer.get("country") or "").upper()
    if (policy.get("tax_codes") or {}).get(country):
        return []
    return [Problem("tax", f"no tax configuration for country {country or '(none)'}")]


def currency_problems(currency: str, policy: dict[str, Any]) -> list[Problem]:
    if not currency:
        return [Problem("currency", "the opportunity has no currency")]
    if currency not in (policy.get("currencies") or []):
        return [Problem("currency", f"the firm does not bill in {currency}")]
    return []


def opportunity_check(opportunity: dict[str, Any], customer: dict[str, Any],
                      policy: dict[str, Any]) -> list[Problem]:
    """Every problem that keeps a closed-won opportunity from becoming a billable project:
    legal entity, tax configuration, currency, credit status, service-line mapping, contract
    metadata; and the legal entity's approval limit (`policy` as `entity_policy` lays it out for
    the customer's entity). Empty when it can go ahead."""
    problems: list[Problem] = []
    if not opportunity.get("won"):
        problems.append(Problem("stage", f"the opportunity is {opportunity.get('stage') or 'not closed'}, "
                                         "not Closed Won"))
    country = (customer.get("country") or "").upper()
    if not legal_entity_of(customer, policy):
        problems.append(Problem("legal_entity", f"no contracting legal entity for customer country "
                                                f"{country or '(none)'}"))
    problems.extend(tax_problems(customer, policy))
    currency = (opportunity.get("currency") or "").upper()
    problems.extend(currency_problems(currency, policy))
    limit = (policy.get("approval_above") or {}).get(currency)
    amount = _amount(opportunity.get("amount"))
    if limit is not None and amount is not None and amount > Decimal(str(limit)):
        problems.append(Problem("approval", f"{amount:,.2f} {currency} is above the {limit:,} {currency} a deal of "
                                            f"{policy.get('legal_entity') or 'this legal entity'} may reach without "
                                            "the council"))
    problems.extend(credit_problems(customer, policy, currency, amount))
    line = opportunity.get("service_line")
    if not line:
        problems.append(Problem("service_line", "the opportunity names no service line"))
    elif line not in (policy.get("templates") or {}):
        problems.append(Problem("service_line", f"no project template for service line {line!r}"))
    if amount is None or amount <= 0:
        problems.append(Problem("contract", "the opportunity has no positive amount"))
    if _date(opportunity.get("close_date")) is None:
        problems.append(Problem("contract", "the opportunity has no readable close date (the contract start)"))
    if opportunity.get("billing_type") not in BILLING_TYPES:
        problems.append(Problem("contract", f"unknown billing type {opportunity.get('billing_type')!r}"))
    return problems


def contract_terms(opportunity: dict[str, Any], contract: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contract a closed-won opportunity stands for (when the CRM holds no Contract for it):
    canonical contract attributes, one year from the close date."""
    start = _date(opportunity.get("close_date"))
    end = start + timedelta(days=365) if start else None
    return {"number": f"OPP-{opportunity['source_id']}", "title": opportunity.get("name"),
            "status": "active", "start_date": start.isoformat() if start else None,
            "end_date": end.isoformat() if end else None, "total_value": opportunity.get("amount"),
            "currency": opportunity.get("currency"), "billing_type": opportunity.get("billing_type"),
            "customer_source_id": opportunity.get("customer_source_id")}


def project_from_template(opportunity: dict[str, Any], contract: dict[str, Any],
                          policy: dict[str, Any]) -> dict[str, Any]:
    """Canonical project attributes built from the service line's template."""
    template = policy["templates"][opportunity["service_line"]]
    value = _amount(contract.get("total_value")) or _amount(opportunity.get("amount")) or Decimal(0)
    budget = (value * Decimal(str(template["budget_share"]))).quantize(Decimal("0.01"), ROUND_HALF_UP)
    suffix = str(opportunity["source_id"])[-8:].upper()
    return {"code": f"{template['code_prefix']}-{suffix}", "name": opportunity.get("name"), "status": "planned",
            "start_date": contract.get("start_date"), "end_date": contract.get("end_date"),
            "project_manager": template.get("project_manager"), "service_line": opportunity["service_line"],
            "billing_type": contract.get("billing_type") or opportunity.get("billing_type"),
            "budget": str(budget)}


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    return date(year, month % 12 + 1, 1)


def billing_schedule(contract: dict[str, Any], *, service_line: str, policy: dict[str, Any]) -> dict[str, Any]:
    """The billing schedule of a contract version: installments over the contract term (fixed fee
    and retainer split the value; time and materials bills actuals at the rate card's rates, with
    the value as a not-to-exceed cap), and the rate card the project is billed at."""
    template = policy["templates"][service_line]
    card = policy["rate_cards"][template["rate_card"]]
    months = FREQUENCIES[template["billing_frequency"]]
    start, end = _date(contract.get("start_date")), _date(contract.get("end_date"))
    if start is None or end is None or end < start:
        raise PolicyError(f"contract {contract.get('number')} has no usable term ({start} .. {end})")
    value = _amount(contract.get("total_value")) or Decimal(0)
    dates, day = [], date(start.year, start.month, 1)
    while day <= end:
        dates.append(day)
        day = _add_months(day, months)
    billing = contract.get("billing_type")
    if billing == "time_and_materials":
        lines = [{"date": d.isoformat(), "basis": "actuals", "amount": None} for d in dates]
    else:
        each = (value / len(dates)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        amounts = [each] * len(dates)
        amounts[-1] = value - each * (len(dates) - 1)  # the last installment takes the rounding
        lines = [{"date": d.isoformat(), "basis": "installment", "amount": str(a)} for d, a in zip(dates, amounts, strict=True)]
    return {"contract_number": contract.get("number"), "billing_type": billing,
            "frequency": template["billing_frequency"], "currency": contract.get("currency"),
            "total_value": str(value), "lines": lines, "rate_card": template["rate_card"],
            "rates": dict(card["rates"]), "rate_currency": card["currency"]}
