"""The part of OData v4's query language a Business Central client uses: `$filter` expressions
(comparisons, and / or / not, parentheses, contains / startswith), `$orderby` and `$select`.

Pure functions over plain dicts. A filter compiles once into a predicate; a term naming a
property the entity does not have is refused with the property's name, as the service does.

    predicate = filter_compile("lastModifiedDateTime gt 2026-01-01T00:00:00Z and blocked eq ' '",
                               properties={"lastModifiedDateTime", "blocked"})
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from connectors.simulators.base import parse_datetime


class ODataError(ValueError):
    """A query the service refuses (400): the message says what is wrong."""


_TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>'(?:[^']|'')*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))
    | (?P<guid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<paren>[(),])
    | (?P<word>[A-Za-z_][A-Za-z0-9_/]*)
    )""", re.VERBOSE)
COMPARISONS = {"eq", "ne", "gt", "ge", "lt", "le"}
FUNCTIONS = {"contains", "startswith", "endswith"}
Predicate = Callable[[dict[str, Any]], bool]


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise ODataError(f"Syntax error at position {position} in '{text}'.")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str, properties: set[str]):
        self.text = text
        self.tokens = _tokens(text)
        self.position = 0
        self.properties = properties

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ODataError(f"Unexpected end of the filter '{self.text}'.")
        self.position += 1
        return token

    def expect(self, value: str) -> None:
        kind, text = self.take()
        if text != value:
            raise ODataError(f"Expected '{value}' but found '{text}' in '{self.text}'.")

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].lower() == word:
            self.position += 1
            return True
        return False

    def parse(self) -> Predicate:
        predicate = self.disjunction()
        if self.peek() is not None:
            raise ODataError(f"Syntax error near '{self.peek()[1]}' in '{self.text}'.")
        return predicate

    def disjunction(self) -> Predicate:
        terms = [self.conjunction()]
        while self.keyword("or"):
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else (lambda row: any(term(row) for term in terms))

    def conjunction(self) -> Predicate:
        terms = [self.negation()]
        while self.keyword("and"):
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else (lambda row: all(term(row) for term in terms))

    def negation(self) -> Predicate:
        if self.keyword("not"):
            inner = self.negation()
            return lambda row: not inner(row)
        return self.primary()

    def primary(self) -> Predicate:
        token = self.peek()
        if token == ("paren", "("):
            self.take()
            inner = self.disjunction()
            self.expect(")")
            return inner
        if token and token[0] == "word" and token[1].lower() in FUNCTIONS:
            return self.function()
        left = self.operand()
        kind, operator = self.take()
        if kind != "word" or operator.lower() not in COMPARISONS:
            raise ODataError(f"Expected a comparison operator but found '{operator}' in '{self.text}'.")
        right = self.operand()
        return _comparison(left, operator.lower(), right)

    def function(self) -> Predicate:
        name = self.take()[1].lower()
        self.expect("(")
        field = self.operand()
        self.expect(",")
        needle = self.operand()
        self.expect(")")
        test = {"contains": lambda a, b: b in a, "startswith": str.startswith, "endswith": str.endswith}[name]

        def predicate(row: dict[str, Any]) -> bool:
            haystack, value = field(row), needle(row)
            return isinstance(haystack, str) and isinstance(value, str) and test(haystack.lower(), value.lower())

        return predicate

    def operand(self) -> Callable[[dict[str, Any]], Any]:
        kind, text = self.take()
        if kind == "word":
            lowered = text.lower()
            if lowered in ("true", "false"):
                return lambda _row, value=lowered == "true": value
            if lowered == "null":
                return lambda _row: None
            if text not in self.properties:
                raise ODataError(f"Could not find a property named '{text}' on the entity.")
            return lambda row, name=text: row.get(name)
        value = _literal(kind, text)
        return lambda _row: value


def _literal(kind: str, text: str) -> Any:
    if kind == "string":
        return text[1:-1].replace("''", "'")
    if kind == "datetime":
        moment = parse_datetime(text)
        if moment is None:
            raise ODataError(f"'{text}' is not a valid Edm.DateTimeOffset.")
        return moment
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ODataError(f"'{text}' is not a valid Edm.Date.") from None
    if kind == "guid":
        return text.lower()
    if kind == "number":
        return float(text)
    raise ODataError(f"Unexpected '{text}'.")


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Both sides as one type: a property's text as the literal's datetime, date or number."""
    if isinstance(right, datetime) and isinstance(left, str):
        return parse_datetime(left), right
    if isinstance(right, date) and not isinstance(right, datetime) and isinstance(left, str):
        try:
            return date.fromisoformat(left[:10]), right
        except ValueError:
            return None, right
    if isinstance(right, float) and isinstance(left, int | float | str) and not isinstance(left, bool):
        try:
            return float(left), right
        except ValueError:
            return None, right
    if isinstance(left, str) and isinstance(right, str):
        return left.lower(), right.lower()  # the service compares case-insensitively
    return left, right


def _comparison(left: Callable, operator: str, right: Callable) -> Predicate:
    def predicate(row: dict[str, Any]) -> bool:
        a, b = _comparable(left(row), right(row))
        if operator == "eq":
            return a == b
        if operator == "ne":
            return a != b
        if a is None or b is None:
            return False
        try:
            return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[operator]
        except TypeError:
            return False

    return predicate


def filter_compile(text: str, *, properties: Iterable[str]) -> Predicate:
    """A predicate over an entity's properties from a `$filter` expression."""
    if not text or not text.strip():
        return lambda _row: True
    return _Parser(text, set(properties)).parse()


def orderby_parse(text: str, *, properties: Iterable[str]) -> list[tuple[str, bool]]:
    """`$orderby=a desc,b` as [(property, descending)]."""
    known, order = set(properties), []
    for part in filter(None, (p.strip() for p in (text or "").split(","))):
        name, _, direction = part.partition(" ")
        direction = direction.strip().lower()
        if name not in known:
            raise ODataError(f"Could not find a property named '{name}' on the entity.")
        if direction not in ("", "asc", "desc"):
            raise ODataError(f"'{direction}' is not a sort direction.")
        order.append((name, direction == "desc"))
    return order


def select_parse(text: str, *, properties: Iterable[str]) -> list[str] | None:
    """`$select=a,b` as a list of properties (None: all of them)."""
    if not text or not text.strip():
        return None
    known = set(properties)
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in known:
            raise ODataError(f"Could not find a property named '{name}' on the entity.")
    return names
