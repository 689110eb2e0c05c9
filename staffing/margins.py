"""A project's margin, worked out without a database: revenue recognized against the cost of its
time, and whether it stands below its service line's floor."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Figures:
    hours: Decimal
    cost: Decimal
    revenue_recognized: Decimal
    revenue_invoiced: Decimal

    @property
    def margin(self) -> Decimal | None:
        """(recognized − cost) / recognized; None while nothing is recognized."""
        if self.revenue_recognized <= 0:
            return None
        return ((self.revenue_recognized - self.cost) / self.revenue_recognized).quantize(Decimal("0.0001"))


def recognized(*, billing_type: str, time_value: Decimal, cost: Decimal, contract_value: Decimal | None,
               budget: Decimal | None) -> Decimal:
    """Revenue earned so far. Time and materials: the time at bill rates. Fixed fee: the contract's
    value in the share of the budget spent (cost-to-cost percentage of completion, capped at the
    whole); with no budget or value nothing is recognized yet."""
    if billing_type != "fixed_fee":
        return time_value
    if not contract_value or not budget or budget <= 0:
        return ZERO
    return (contract_value * min(Decimal(1), cost / budget)).quantize(Decimal("0.01"))


def floor_for(service_line: str, floors: dict[str, float]) -> Decimal | None:
    """The service line's margin floor (found case-insensitively), else the firm's default."""
    wanted = (service_line or "").strip().casefold()
    for name, value in floors.items():
        if name != "default" and name.strip().casefold() == wanted:
            return Decimal(str(value))
    return Decimal(str(floors["default"])) if "default" in floors else None


def below(margin: Decimal | None, floor: Decimal | None) -> bool:
    return margin is not None and floor is not None and margin < floor
