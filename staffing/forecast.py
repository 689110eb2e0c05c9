"""The utilization forecast, worked out without a database: the weeks ahead, and how many hours of
each week an allocation takes (its share of the person's capacity, for the working days of the
week it covers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

WORKING_DAYS = 5
DEFAULT_CAPACITY = Decimal("40")


@dataclass(frozen=True)
class Span:
    start: date | None
    end: date | None
    share: Decimal


def weeks_ahead(today: date, count: int) -> list[date]:
    """The Mondays of this week and the `count - 1` after it."""
    monday = today - timedelta(days=today.weekday())
    return [monday + timedelta(weeks=n) for n in range(count)]


def working_days_covered(span: Span, monday: date) -> int:
    """Working days (Monday–Friday) of the week of `monday` that the span covers; open ends run on."""
    first = max(monday, span.start) if span.start else monday
    last = min(monday + timedelta(days=WORKING_DAYS - 1), span.end) if span.end else monday + timedelta(days=4)
    return max(0, (last - first).days + 1)


def allocated_hours(spans: Iterable[Span], monday: date, capacity: Decimal) -> Decimal:
    hours = sum((capacity * span.share * working_days_covered(span, monday) / WORKING_DAYS for span in spans),
                Decimal(0))
    return hours.quantize(Decimal("0.01"))


def utilization(allocated: Decimal, capacity: Decimal) -> float | None:
    return float(allocated / capacity) if capacity else None
