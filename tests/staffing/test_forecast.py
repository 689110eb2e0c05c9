"""The forecast's arithmetic, without a database."""

from datetime import date
from decimal import Decimal

from staffing.forecast import Span, allocated_hours, weeks_ahead, working_days_covered

MONDAY = date(2026, 12, 7)


def test_the_weeks_ahead_start_on_this_weeks_monday():
    assert weeks_ahead(date(2026, 12, 10), 3) == [MONDAY, date(2026, 12, 14), date(2026, 12, 21)]


def test_an_allocation_counts_only_the_working_days_of_the_week_it_covers():
    assert working_days_covered(Span(date(2026, 12, 9), None, Decimal("1")), MONDAY) == 3
    assert working_days_covered(Span(None, date(2026, 12, 8), Decimal("1")), MONDAY) == 2
    assert working_days_covered(Span(date(2026, 12, 14), None, Decimal("1")), MONDAY) == 0


def test_half_of_a_forty_hour_week_is_twenty_hours_and_allocations_add_up():
    spans = [Span(None, None, Decimal("0.5")), Span(MONDAY, date(2026, 12, 11), Decimal("0.75"))]
    assert allocated_hours(spans[:1], MONDAY, Decimal("40")) == Decimal("20.00")
    assert allocated_hours(spans, MONDAY, Decimal("40")) == Decimal("50.00")  # over capacity: 125 %
