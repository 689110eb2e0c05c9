"""Just enough SOQL / SuiteQL for the simulators: one object, a field list, a WHERE of
comparisons joined by AND / OR with parentheses, ORDER BY, LIMIT and OFFSET.

    SELECT Id, Name FROM Account
    WHERE SystemModstamp > 2026-01-01T00:00:00Z OR (SystemModstamp = 2026-01-01T00:00:00Z AND Id > '001...')
    ORDER BY SystemModstamp, Id LIMIT 500

Literals: 'strings', numbers, true/false/null, SOQL datetimes (unquoted ISO 8601) and SuiteQL's
TO_TIMESTAMP('2026-01-01 00:00:00', 'YYYY-MM-DD HH24:MI:SS'). Field names are case-insensitive.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from connectors.simulators.base import parse_datetime


class QueryError(ValueError):
    """A query the simulator cannot run; `code` is the system's error code."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY"):
        super().__init__(message)
        self.code = code


_STATEMENT = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<object>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?(?:\s+OFFSET\s+(?P<offset>\d+))?\s*$", re.I | re.S)
_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^'\\]|\\.)*')
  | (?P<dt>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<num>-?\d+(?:\.\d+)?)
  | (?P<op>>=|<=|!=|<>|=|>|<)
  | (?P<lp>\()|(?P<rp>\))|(?P<comma>,)
  | (?P<word>[A-Za-z_][\w.]*))""", re.X)
_TO_TIMESTAMP = re.compile(r"TO_TIMESTAMP\s*\(\s*('(?:[^'\\]|\\.)*')\s*(?:,\s*'[^']*'\s*)?\)", re.I)


@dataclass
class Column:
    """One SELECT item: a column, or TO_CHAR(column, 'format'), with an optional alias."""

    source: str
    name: str  # the key in the answer
    format: str | None = None


_COLUMN = re.compile(r"^(?:TO_CHAR\s*\(\s*(?P<inner>[\w.]+)\s*,\s*'(?P<format>[^']*)'\s*\)|(?P<plain>[\w.*]+))"
                     r"(?:\s+(?:AS\s+)?(?P<alias>\w+))?$", re.I)


def _split_top_level(text: str) -> list[str]:
    parts, depth, quoted, current = [], 0, False, []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        elif not quoted and depth == 0 and char == ",":
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return [p for p in parts if p]


def _column(text: str) -> Column:
    match = _COLUMN.match(text.strip())
    if not match:
        raise QueryError(f"cannot read the select item {text!r}")
    source = match["inner"] or match["plain"]
    name = match["alias"] or (source.lower() if match["inner"] else source)
    return Column(source=source, name=name, format=match["format"])


def to_char(value: Any, fmt: str) -> Any:
    """Oracle TO_CHAR for dates and timestamps: YYYY MM DD HH24 MI SS and "quoted" literals.
    Stored M/D/YYYY dates (how a US-preference account shows them) are read month-first."""
    if value in (None, ""):
        return None
    return _to_char(value, fmt) if isinstance(value, (str, datetime)) else _to_char.__wrapped__(value, fmt)


@lru_cache(maxsize=100_000)  # a page formats the same dates over and over
def _to_char(value: Any, fmt: str) -> Any:
    moment = parse_datetime(value)
    if moment is None and isinstance(value, str) and re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}", value):
        month, day, year = (int(p) for p in value.split("/"))
        moment = parse_datetime(f"{year:04d}-{month:02d}-{day:02d}")
    if moment is None:
        return value
    out, position = [], 0
    tokens = {"YYYY": "%Y", "MM": "%m", "DD": "%d", "HH24": "%H", "MI": "%M", "SS": "%S"}
    while position < len(fmt):
        if fmt[position] == '"':
            end = fmt.index('"', position + 1)
            out.append(fmt[position + 1:end])
            position = end + 1
            continue
        for token, directive in tokens.items():
            if fmt.startswith(token, position):
                out.append(moment.strftime(directive))
                position += len(token)
                break
        else:
            out.append(fmt[position])
            position += 1
    return "".join(out)


@dataclass
class Query:
    fields: list[str]  # as written; ["*"] for all
    object: str
    where: Callable[[dict[str, Any]], bool]
    where_fields: set[str] = field(default_factory=set)
    order: list[tuple[str, bool]] = field(default_factory=list)  # (field, descending)
    limit: int | None = None
    offset: int = 0
    # Instants some field must reach for a row to match (from `field > / >= / = <timestamp>` the
    # WHERE requires): a keyset page starts reading its sorted rows there, as an index would.
    lower_bounds: dict[str, Any] = field(default_factory=dict)
    # Instants past which a field alone makes a row match (`field > <timestamp> OR …`): a keyset
    # page's rows beyond its own timestamp all match, and need not each be tested to be counted.
    past_bounds: dict[str, Any] = field(default_factory=dict)


# A field as a query wrote it -> as the records spell it (SuiteQL names are case-insensitive):
# a keyset page tests the WHERE on every row after its bound, and walking each row's keys to
# find `lastmodifieddate` was a fifth of the simulator's time in a load.
_SPELLED: dict[str, str] = {}


def lookup(record: dict[str, Any], name: str) -> Any:
    if name in record:
        return record[name]
    spelled = _SPELLED.get(name)
    if spelled is not None and spelled in record:
        return record[spelled]
    lowered = name.lower()
    for key, value in record.items():
        if key.lower() == lowered:
            _SPELLED[name] = key
            return value
    return None


def _comparable(a: Any, b: Any) -> tuple[Any, Any]:
    """Compare like the database would: datetimes as instants, numbers as numbers, else text."""
    if a is None or b is None:
        return a, b
    if isinstance(b, _DateLiteral) or isinstance(a, _DateLiteral):
        return parse_datetime(str(a)), parse_datetime(str(b))
    for cast in (float,):
        try:
            return cast(a), cast(b)
        except (TypeError, ValueError):
            pass
    da, db = parse_datetime(a), parse_datetime(b)
    if da is not None and db is not None:
        return da, db
    return str(a), str(b)


class _DateLiteral(str):
    pass


_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b, "!=": lambda a, b: a != b, "<>": lambda a, b: a != b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
}


class _Parser:
    def __init__(self, text: str):
        self.tokens: list[tuple[str, str]] = []
        position = 0
        text = text.rstrip()
        while position < len(text):
            match = _TOKEN.match(text, position)
            if not match or match.end() == position:
                raise QueryError(f"unexpected token at: {text[position:position + 20]!r}")
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0
        self.fields: set[str] = set()

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("unexpected end of WHERE clause")
        self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() == word:
            self.index += 1
            return True
        return False

    def parse(self) -> tuple[Callable[[dict[str, Any]], bool], dict[str, Any], dict[str, Any]]:
        predicate, bounds, past = self.disjunction()
        if self.peek() is not None:
            raise QueryError(f"unexpected {self.peek()[1]!r} in WHERE clause")
        return predicate, bounds, past

    # Each rule answers (predicate, lower bounds, past bounds): {field: instant} that every matching
    # row reaches, and {field: instant} beyond which the field alone makes a row match.
    def disjunction(self):
        parts = [self.conjunction()]
        while self.keyword("OR"):
            parts.append(self.conjunction())
        if len(parts) == 1:
            return parts[0]
        predicates = [p for p, _, _ in parts]
        # A bound holds for an OR only where every branch has one: the lowest of them.
        shared = set.intersection(*(set(b) for _, b, _ in parts))
        bounds = {name: min(b[name] for _, b, _ in parts) for name in shared}
        # Any branch's past bound is enough for the OR: the lowest of those on one field.
        past: dict[str, Any] = {}
        for _, _, each in parts:
            for name, instant in each.items():
                past[name] = min(past.get(name, instant), instant)

        def either(row: dict[str, Any]) -> bool:
            for predicate in predicates:
                if predicate(row):
                    return True
            return False

        return either, bounds, past

    def conjunction(self):
        parts = [self.negation()]
        while self.keyword("AND"):
            parts.append(self.negation())
        if len(parts) == 1:
            return parts[0]
        predicates = [p for p, _, _ in parts]
        bounds: dict[str, Any] = {}
        for _, each, _ in parts:  # every branch must hold: the highest bound applies
            for name, instant in each.items():
                bounds[name] = max(bounds.get(name, instant), instant)
        # Past bounds hold for an AND only where every branch has one: the highest of them.
        shared = set.intersection(*(set(p) for _, _, p in parts))
        past = {name: max(p[name] for _, _, p in parts) for name in shared}

        def every(row: dict[str, Any]) -> bool:
            for predicate in predicates:
                if not predicate(row):
                    return False
            return True

        return every, bounds, past

    def negation(self):
        if self.keyword("NOT"):
            inner, _, _ = self.negation()
            return (lambda r: not inner(r)), {}, {}
        kind, value = self.take()
        if kind == "lp":
            inner = self.disjunction()
            if self.take()[0] != "rp":
                raise QueryError("missing )")
            return inner
        if kind != "word":
            raise QueryError(f"expected a field name, got {value!r}")
        name = value
        self.fields.add(name)
        if self.keyword("IN"):
            if self.take()[0] != "lp":
                raise QueryError("IN needs a parenthesised list")
            values = []
            while True:
                values.append(self.literal())
                kind, token = self.take()
                if kind == "rp":
                    break
                if kind != "comma":
                    raise QueryError(f"unexpected {token!r} in IN list")
            return (lambda r: any(_OPS["="](*_comparable(lookup(r, name), v)) for v in values)), {}, {}
        if self.keyword("IS"):
            negate = self.keyword("NOT")
            if not self.keyword("NULL"):
                raise QueryError("IS [NOT] NULL expected")
            return ((lambda r: lookup(r, name) is not None) if negate else (lambda r: lookup(r, name) is None)), {}, {}
        kind, op = self.take()
        if kind != "op":
            raise QueryError(f"expected a comparison after {name}, got {op!r}")
        literal = self.literal()
        compare = _OPS[op]
        # Compared with a timestamp, only values read as instants can match (others compare as
        # None), so `> / >= / =` bound the field from below.
        if not isinstance(literal, _DateLiteral):
            return (lambda r: compare(*_comparable(lookup(r, name), literal))), {}, {}
        # Against a timestamp both sides compare as instants (as _comparable would): the literal
        # is read once, not per row (keyset pages test every row after the last one read).
        instant = parse_datetime(str(literal))

        def against_instant(row: dict[str, Any]) -> bool:
            value = lookup(row, name)
            return compare(None if value is None else parse_datetime(str(value)), instant)

        return (against_instant, {name.lower(): instant} if op in (">", ">=", "=") else {},
                {name.lower(): instant} if op in (">", ">=") and instant is not None else {})

    def literal(self) -> Any:
        kind, value = self.take()
        if kind == "str":
            text = value[1:-1].replace("\\'", "'")
            # a quoted timestamp (SuiteQL) compares as an instant, like an unquoted SOQL literal
            return _DateLiteral(text) if text[:1].isdigit() and parse_datetime(text) is not None else text
        if kind == "dt":
            return _DateLiteral(value)
        if kind == "num":
            return float(value) if "." in value else int(value)
        if kind == "word" and value.upper() in ("TRUE", "FALSE", "NULL"):
            return {"TRUE": True, "FALSE": False, "NULL": None}[value.upper()]
        raise QueryError(f"expected a value, got {value!r}")


def parse(text: str) -> Query:
    text = _TO_TIMESTAMP.sub(lambda m: m.group(1), text)
    match = _STATEMENT.match(text)
    if not match:
        raise QueryError("only SELECT <fields> FROM <object> [WHERE] [ORDER BY] [LIMIT] [OFFSET] is understood")
    fields = _split_top_level(match["fields"])
    where: Callable[[dict[str, Any]], bool] = lambda r: True  # noqa: E731
    where_fields: set[str] = set()
    bounds: dict[str, Any] = {}
    past: dict[str, Any] = {}
    if match["where"]:
        parser = _Parser(match["where"])
        (where, bounds, past), where_fields = parser.parse(), parser.fields
    order = []
    for part in (match["order"] or "").split(","):
        words = part.split()
        if words:
            order.append((words[0], len(words) > 1 and words[1].upper() == "DESC"))
    return Query(fields=fields, object=match["object"], where=where, where_fields=where_fields, order=order,
                 limit=int(match["limit"]) if match["limit"] else None, offset=int(match["offset"] or 0),
                 lower_bounds={name: instant for name, instant in bounds.items() if instant is not None},
                 past_bounds=past)


def _stamp_of(value: Any) -> datetime | None:
    """The instant a value sorts as (_sort_key), and compares as in a WHERE; None if it is none."""
    return parse_datetime(value) if isinstance(value, str) and value[:1].isdigit() and "-" in value else None


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, 0, "")
    if isinstance(value, bool):
        return (1, int(value), "")
    if isinstance(value, (int, float)):
        return (1, value, "")
    stamp = _stamp_of(value)
    if stamp is not None:
        return (1, stamp.timestamp(), "")
    text = str(value)
    if text.isdigit():
        return (1, int(text), "")
    return (2, 0, text)


class SortedRows:
    """A table's rows sorted by an ORDER BY once, for the queries of that order that follow (the
    keyset pages of one read each ask for the rows after the last one seen): what an index on the
    sort columns gives a real database."""

    def __init__(self, rows: list[dict[str, Any]], order: list[tuple[str, bool]]):
        self.order = list(order)
        self.rows = rows
        for name, descending in reversed(self.order):
            self.rows.sort(key=lambda r, n=name: _sort_key(lookup(r, n)), reverse=descending)
        self._leading: list[tuple] | None = None
        self._not_instants: list[int] | None = None  # where the leading column holds no timestamp

    def start(self, query: Query) -> int:
        """Where rows that can match `query` begin: past those below its lower bound on the leading
        sort column (ascending); 0 when it has none."""
        if not self.order or self.order[0][1]:
            return 0
        leading = self.order[0][0]
        bound = query.lower_bounds.get(leading.lower())
        if bound is None:
            return 0
        return bisect.bisect_left(self._leading_keys(), (1, bound.timestamp(), ""))

    def matching(self, query: Query) -> list[dict[str, Any]]:
        """The rows matching `query` (of this order), in order: tested from its lower bound on, but
        for a run of rows whose leading timestamp lies beyond a past bound: those match untested.
        A keyset page's WHERE (`stamp > t OR (stamp = t AND id > n)`) is then tested only on the
        rows at `t`, where testing every row after it, to count them, cost the simulator O(rows) a
        page."""
        begin = self.start(query)
        where = query.where
        bound = query.past_bounds.get(self.order[0][0].lower()) if self.order and not self.order[0][1] else None
        if bound is None:
            return [row for row in self.rows[begin:] if where(row)]
        first = max(begin, bisect.bisect_right(self._leading_keys(), (1, bound.timestamp(), "")))
        # The untested run ends at the first value that is no timestamp (a number sorts among them).
        others = self._not_instants
        if others is None:
            leading = self.order[0][0]
            others = self._not_instants = [i for i, row in enumerate(self.rows) if _stamp_of(lookup(row, leading)) is None]
        after = bisect.bisect_left(others, first)
        stop = others[after] if after < len(others) else len(self.rows)
        return ([row for row in self.rows[begin:first] if where(row)] + self.rows[first:stop]
                + [row for row in self.rows[stop:] if where(row)])

    def _leading_keys(self) -> list[tuple]:
        if self._leading is None:
            leading = self.order[0][0]
            self._leading = [_sort_key(lookup(r, leading)) for r in self.rows]
        return self._leading




def run(query: Query, rows: list[dict[str, Any]] | SortedRows, columns: set[str], *, window: slice | None = None,
        total: list[int] | None = None) -> list[dict[str, Any]]:
    """Filter, sort and project `rows`; unknown fields raise QueryError(code="INVALID_FIELD").
    `window` cuts the sorted result before projection (a page); `total` receives the full count.
    Rows already sorted by the query's ORDER BY (`SortedRows`) are read from its lower bound on."""
    known = {c.lower() for c in columns}
    wanted = [Column(c, c) for c in columns] if query.fields == ["*"] else [_column(f) for f in query.fields]
    for name in [*query.where_fields, *(f for f, _ in query.order), *(c.source for c in wanted)]:
        if name.lower() not in known:
            raise QueryError(f"No such column '{name}' on entity '{query.object}'", code="INVALID_FIELD")
    if isinstance(rows, SortedRows) and rows.order == query.order:
        selected = rows.matching(query)
    else:
        selected = [row for row in (rows.rows if isinstance(rows, SortedRows) else rows) if query.where(row)]
        for name, descending in reversed(query.order):
            selected.sort(key=lambda r, n=name: _sort_key(lookup(r, n)), reverse=descending)
    if query.offset:
        selected = selected[query.offset:]
    if query.limit is not None:
        selected = selected[:query.limit]
    if total is not None:
        total.append(len(selected))
    if window is not None:
        selected = selected[window]
    return [{c.name: to_char(lookup(row, c.source), c.format) if c.format else lookup(row, c.source)
             for c in wanted} for row in selected]
