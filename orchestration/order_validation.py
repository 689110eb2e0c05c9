"""May this order be accepted? The synchronous check before order acceptance: credit status and
limit, tax configuration for the legal entity and the customer's country, and blocking
data-quality violations on the golden customer.

`order_problems` is pure (plain dicts in, reasons out); `order_validate` reads the golden customer
(by golden id or source key, through the one permission filter) and the orchestration policy.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from mdm.models import Customer
from mdm.permissions import API, restrict
from mdm.selectors import golden_key_of
from orchestration import rules


class OrderRequestError(ValueError):
    """The request cannot be read: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Order:
    customer: str
    legal_entity: str
    currency: str
    amount: Decimal


def order_read(body: Any) -> Order:
    """The order a request names, checked: every field present and readable."""
    if not isinstance(body, dict):
        raise OrderRequestError({"non_field_errors": ["the body must be a JSON object"]})
    errors: dict[str, list[str]] = {}
    customer = body.get("customer")
    if isinstance(customer, dict):
        parts = [customer.get(k) for k in ("system", "object_type", "source_id")]
        if not all(isinstance(p, str) and p for p in parts):
            errors["customer"] = ["a source key needs system, object_type and source_id"]
        customer = "/".join(p for p in parts if isinstance(p, str))
    elif not isinstance(customer, str) or not customer.strip():
        errors["customer"] = ["give a golden id (CUS-...) or a source key {system, object_type, source_id}"]
    for name in ("legal_entity", "currency"):
        if not isinstance(body.get(name), str) or not body[name].strip():
            errors[name] = ["this field is required"]
    if isinstance(body.get("currency"), str) and len(body["currency"].strip()) != 3:
        errors["currency"] = ["an ISO 4217 code of three letters"]
    try:
        amount = Decimal(str(body.get("amount"))) if not isinstance(body.get("amount"), bool) else None
        if amount is None or not amount.is_finite() or amount <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["amount"] = ["a positive number"]
        amount = Decimal(0)
    if errors:
        raise OrderRequestError(errors)
    return Order(customer=customer.strip(), legal_entity=body["legal_entity"].strip(),
                 currency=body["currency"].strip().upper(), amount=amount)


def order_problems(order: Order, customer: dict[str, Any], policy: dict[str, Any],
                   blocking: list[str]) -> list[dict[str, str]]:
    """Every reason the order may not be accepted (`policy` as rules.entity_policy lays it out for
    the order's legal entity); empty when it may."""
    problems = [*rules.credit_problems(customer, policy, order.currency, order.amount),
                *rules.tax_problems(customer, policy), *rules.currency_problems(order.currency, policy)]
    reasons = [problem.as_dict() for problem in problems]
    reasons.extend({"check": "data_quality", "message": message} for message in blocking)
    return reasons


def _customer_of(user, key: str) -> Customer | None:
    visible = restrict(Customer.objects.all(), user, surface=API)
    if key.upper().startswith("CUS-"):
        return visible.filter(pk=key.upper()).first()
    system, _, rest = key.partition("/")
    object_type, _, source_id = rest.partition("/")
    found = golden_key_of(system, object_type, source_id) if source_id else None
    return visible.filter(pk=found[1]).first() if found and found[0] == "customer" else None


def blocking_violations(golden_id: str) -> list[str]:
    """The messages of a golden customer's open error-severity quality violations: what keeps an
    order, and a closed-won deal, from being accepted until a steward fixes the data."""
    from quality.models import Severity, Violation, ViolationStatus

    return list(Violation.objects.filter(domain="customer", golden_id=golden_id, status=ViolationStatus.OPEN,
                                         severity=Severity.ERROR).values_list("message", flat=True)[:20])


def order_validate(*, user, body: Any) -> dict[str, Any]:
    """{"accepted", "reasons", "customer", "legal_entity", "erp"} for an order; OrderRequestError
    for a request it cannot read (an unknown or out-of-scope customer included)."""
    order = order_read(body)
    customer = _customer_of(user, order.customer)
    if customer is None:
        raise OrderRequestError({"customer": [f"no golden customer {order.customer} you may see"]})
    policy = rules.entity_policy(rules.policy_read(), order.legal_entity)
    values = {"credit_status": customer.credit_status, "country": customer.country}
    reasons = order_problems(order, values, policy, blocking_violations(customer.pk))
    return {"accepted": not reasons, "reasons": reasons, "customer": customer.pk,
            "legal_entity": policy.get("legal_entity"), "erp": policy.get("erp")}
