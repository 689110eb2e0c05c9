"""The pieces every list of the console, the quality pages and the flows shares: sorting by a named key, offset pages for the queues,
keyset pages for the golden-record browser, counts grouped by a column (facets, causes), and the
parameters of a list read from a query string with a clear error for a value it does not know."""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime

# --- Query-string parameters --------------------------------------------------------------------


def choice_param(params, name: str, allowed: Sequence[str], default: str = "") -> str:
    value = params.get(name, default) or default
    if value and value not in allowed:
        raise ValidationError({name: [f"expected one of {', '.join(allowed)}"]})
    return value


def choices_param(params, name: str, allowed: Sequence[str] | None = None) -> list[str]:
    """Every value of a repeated parameter (?country=DE&country=NL, or country=DE,NL), checked."""
    values = [v.strip() for raw in params.getlist(name) for v in raw.split(",") if v.strip()]
    if allowed is not None:
        unknown = sorted(set(values) - set(allowed))
        if unknown:
            raise ValidationError({name: [f"unknown {', '.join(unknown)}; expected one of {', '.join(allowed)}"]})
    return list(dict.fromkeys(values))


def date_param(params, name: str) -> date | None:
    text = params.get(name, "").strip()
    if not text:
        return None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        raise ValidationError({name: ["enter a date as YYYY-MM-DD"]})
    return day


def page_param(params, name: str = "page") -> int:
    text = params.get(name, "1").strip() or "1"
    if not text.isdigit() or int(text) < 1:
        raise ValidationError({name: ["a page is a whole number from 1"]})
    return int(text)


def errors_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(m for e in errs for m in e.messages)}"
                         for name, errs in error.error_dict.items())
    return " ".join(error.messages)


# --- Sorting -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sort:
    """A list's order by one named key: `key` (as the query string says it, "-" for descending)
    over `field`, with the primary key breaking ties."""

    key: str
    field: str
    descending: bool

    @property
    def order_by(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [f"{sign}{self.field}", f"{sign}pk"]

    @property
    def param(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sort_param(params, allowed: dict[str, str], default: str, name: str = "sort") -> Sort:
    """`allowed`: sort key -> model field. "-key" sorts descending."""
    text = params.get(name, "").strip() or default
    key = text.lstrip("-")
    if key not in allowed:
        raise ValidationError({name: [f"sort by one of {', '.join(sorted(allowed))}"]})
    return Sort(key, allowed[key], text.startswith("-"))


# --- Offset pages (queues) -----------------------------------------------------------------------

@dataclass
class Page:
    items: list
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.per_page + 1

    @property
    def last(self) -> int:
        return min(self.total, self.number * self.per_page)


def paged(queryset: QuerySet | list, number: int, per_page: int, total: int | None = None) -> Page:
    """One page of a queryset (or list); a page past the end shows the last one."""
    total = (queryset.count() if isinstance(queryset, QuerySet) else len(queryset)) if total is None else total
    number = min(number, max(1, -(-total // per_page)))
    start = (number - 1) * per_page
    return Page(list(queryset[start:start + per_page]), number, per_page, total)


# --- Keyset pages (the golden-record browser) ----------------------------------------------------

def cursor_encode(value: Any, pk: str) -> str:
    if isinstance(value, (datetime, date)):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = str(value)
    return base64.urlsafe_b64encode(json.dumps([value, pk]).encode()).decode().rstrip("=")


def cursor_decode(text: str, *, timestamp: bool = False, name: str = "after") -> tuple[Any, str]:
    """(sort value, primary key) of a page link; ValidationError for one that was not made here."""
    try:
        value, pk = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(pk, str) or not (value is None or isinstance(value, (str, int, float))):
            raise ValueError("not a cursor")
        if timestamp:
            value = parse_datetime(value)
            if value is None:
                raise ValueError("not a timestamp")
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValidationError({name: ["this page link is not valid any more: start from the first page"]}) from error
    return value, pk


def beyond(sort: Sort, value: Any, pk: str, *, backwards: bool = False) -> Q:
    """Rows after (value, pk) in `sort`'s order, or before it when `backwards`."""
    later = sort.descending == backwards  # ascending forwards, or descending backwards: greater
    op = "gt" if later else "lt"
    return Q(**{f"{sort.field}__{op}": value}) | Q(**{sort.field: value, f"pk__{op}": pk})


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None
    previous_cursor: str | None


def keyset_page(queryset: QuerySet, sort: Sort, per_page: int, *, after: tuple | None = None,
                before: tuple | None = None, number: int = 1) -> KeysetPage:
    """One page of `queryset` in `sort`'s order, after or before a cursor's row. Without a cursor,
    page `number` is counted from the start (a link typed by hand, `?page=40`); the pages it
    links to go on by cursor, which costs the same on every page."""
    if before is None and after is None and number > 1:
        rows = list(queryset.order_by(*sort.order_by)[(number - 1) * per_page:number * per_page + 1])
        more_after, rows = len(rows) > per_page, rows[:per_page]
        value = lambda row: getattr(row, sort.field)  # noqa: E731
        return KeysetPage(rows, cursor_encode(value(rows[-1]), rows[-1].pk) if rows and more_after else None,
                          cursor_encode(value(rows[0]), rows[0].pk) if rows else None)
    if before is not None:
        reverse = [f"{'' if sort.descending else '-'}{sort.field}", f"{'' if sort.descending else '-'}pk"]
        rows = list(queryset.filter(beyond(sort, *before, backwards=True)).order_by(*reverse)[:per_page + 1])
        more_before = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        more_after = True
    else:
        query = queryset.filter(beyond(sort, *after)) if after is not None else queryset
        rows = list(query.order_by(*sort.order_by)[:per_page + 1])
        more_after = len(rows) > per_page
        rows = rows[:per_page]
        more_before = after is not None
    value = lambda row: getattr(row, sort.field)  # noqa: E731
    return KeysetPage(rows, cursor_encode(value(rows[-1]), rows[-1].pk) if rows and more_after else None,
                      cursor_encode(value(rows[0]), rows[0].pk) if rows and more_before else None)


# --- Grouped counts -----------------------------------------------------------------------------

def grouped_counts(queryset: QuerySet, fields: Sequence[str]) -> dict[str, dict[Any, int]]:
    """field -> value -> rows of `queryset`, for each field. PostgreSQL counts every field in one
    pass (GROUPING SETS); elsewhere one GROUP BY per field."""
    if not fields:
        return {}
    if connection.vendor != "postgresql" or len(fields) == 1:
        return {name: {row[name]: row["n"] for row in queryset.order_by().values(name).annotate(n=Count("pk"))}
                for name in fields}
    inner, params = queryset.order_by().values(*fields).query.sql_with_params()
    columns = ", ".join(f"t.{connection.ops.quote_name(name)}" for name in fields)
    flags = ", ".join(f"GROUPING(t.{connection.ops.quote_name(name)})" for name in fields)
    sets = ", ".join(f"(t.{connection.ops.quote_name(name)})" for name in fields)
    sql = f"SELECT {flags}, {columns}, COUNT(*) FROM ({inner}) t GROUP BY GROUPING SETS ({sets})"
    counts: dict[str, dict[Any, int]] = {name: {} for name in fields}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            grouping, values, n = row[:len(fields)], row[len(fields):-1], row[-1]
            for k, name in enumerate(fields):
                if grouping[k] == 0:  # this row groups by `name`
                    counts[name][values[k]] = n
    return counts


# --- Bulk actions ----------------------------------------------------------------------------------

@dataclass
class BulkOutcome:
    """What a bulk action will do, said before it does it: one sentence per kind of effect, and
    the items it concerns (the first ITEMS_SHOWN named)."""

    verb: str
    count: int
    sentences: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)

    ITEMS_SHOWN = 20

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))
