"""The demo PSA's plan (pure): who works where at what share, and which days their time is entered."""

from datetime import date
from decimal import Decimal

from connectors.tryton.demo import demo_plan

THURSDAY = date(2026, 12, 3)


def test_every_person_works_half_time_on_one_project_and_every_other_person_on_a_second():
    plan = demo_plan(people=4, projects=3, today=THURSDAY)
    shares = {}
    for allocation in plan.allocations:
        shares.setdefault(allocation.person, []).append((allocation.project, allocation.percentage))
    assert shares == {0: [(0, 50), (1, 50)], 1: [(1, 50)], 2: [(2, 50), (0, 50)], 3: [(0, 50)]}


def test_time_is_entered_for_the_working_days_of_the_two_weeks_before_this_one():
    plan = demo_plan(people=1, projects=1, today=THURSDAY)
    days = sorted({line.day for line in plan.lines})
    assert days[0] == date(2026, 11, 16) and days[-1] == date(2026, 11, 27) and len(days) == 10
    assert all(day.weekday() < 5 for day in days)
    assert {line.hours for line in plan.lines} == {Decimal("4")}  # half of an 8-hour day


def test_the_projects_are_planned_from_the_first_timesheet_week_into_the_forecast():
    plan = demo_plan(people=2, projects=2, today=THURSDAY)
    assert plan.start == date(2026, 11, 16)
    assert plan.finish > date(2027, 1, 25)  # past the 8 weeks the forecast looks ahead


def test_no_people_or_no_projects_plan_nothing():
    assert demo_plan(people=0, projects=3, today=THURSDAY).allocations == []
    assert demo_plan(people=3, projects=0, today=THURSDAY).lines == []
