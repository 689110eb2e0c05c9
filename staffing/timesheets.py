"""Timesheet lines summarised for time-and-materials billing, worked out without a database: the
week a day belongs to, when a week's time counts as approved, the hours per project, week and
person, and what a week's billing must still say after what was already sent."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Entry:
    project: str
    person: str
    day: date
    hours: Decimal


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def week_approved(monday: date, today: date, grace_days: int) -> bool:
    """A week's time is billed once the week is over and the days left for late entries have
    passed (the PSA keeps no approval state of its own: a closed week is an approved one)."""
    return today >= monday + timedelta(days=7 + grace_days)


def week_totals(entries: Iterable[Entry]) -> dict[tuple[str, date], dict[str, Decimal]]:
    """Hours per (project, week), per person."""
    totals: dict[tuple[str, date], dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for entry in entries:
        totals[(entry.project, monday_of(entry.day))][entry.person] += entry.hours
    return {key: dict(people) for key, people in totals.items()}


def still_to_send(current: dict[str, Decimal], sent: dict[str, Decimal]) -> dict[str, Decimal]:
    """What a week's billing must still say, per person: the whole week the first time; after
    that only the differences (an adjustment), never the week again. Empty: nothing to send."""
    people = sorted(set(current) | set(sent))
    deltas = {person: current.get(person, ZERO) - sent.get(person, ZERO) for person in people}
    return {person: delta for person, delta in deltas.items() if delta != 0}


def amount(hours: Decimal, rate: Decimal | None) -> Decimal:
    return (hours * (rate or ZERO)).quantize(Decimal("0.01"))
