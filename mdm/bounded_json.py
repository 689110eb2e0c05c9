"""JSON from outside with a bound on how deep it nests. Pure: no Django.

Python's parser recurses once per level: a body of 50,000 nested brackets raises RecursionError,
which no caller expects (the API answered 500). A document that parses but nests a few hundred
levels deep fails later instead, where orjson writes it to the database (its limit is 255). Real
payloads nest a handful of levels (a change event about seven), so a document deeper than the
bound is refused as bad input, at the door.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 64


class JSONTooDeep(ValueError):
    """The document nests deeper than the bound."""

    def __init__(self, max_depth: int):
        super().__init__(f"JSON nested deeper than {max_depth} levels")
        self.max_depth = max_depth


def json_depth_check(value: Any, max_depth: int = MAX_DEPTH) -> None:
    """Raise JSONTooDeep if `value` (parsed JSON) nests deeper than `max_depth` arrays and objects.
    Iterative: a deep document cannot exhaust the stack here."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        container, depth = stack.pop()
        if depth > max_depth:
            raise JSONTooDeep(max_depth)
        children = container.values() if isinstance(container, dict) else container
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))


def json_loads_bounded(text: str | bytes, *, max_depth: int = MAX_DEPTH, **options: Any) -> Any:
    """json.loads (same options), refusing documents deeper than `max_depth` with JSONTooDeep, a
    ValueError like any other malformed JSON."""
    try:
        value = json.loads(text, **options)
    except RecursionError:
        raise JSONTooDeep(max_depth) from None
    json_depth_check(value, max_depth)
    return value
