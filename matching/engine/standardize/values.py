"""Dates, codes, free text and values compared as they are."""

from __future__ import annotations

import re

from .text import fold, is_missing

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$"), ("d", "m", "y")),
)


def date(value) -> str | None:
    """ISO 'YYYY-MM-DD' from ISO, compact 'YYYYMMDD' or day-first 'DD/MM/YYYY'; else the digits."""
    if is_missing(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]
    text = str(value).strip()
    if re.fullmatch(r"\d{8}(\.0)?", text):
        text = text[:8]
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}"
    for pattern, order in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            parts = dict(zip(order, found.groups(), strict=False))
            return f"{int(parts['y']):04d}-{int(parts['m']):02d}-{int(parts['d']):02d}"
    return re.sub(r"\D", "", text) or None


def code(value) -> str | None:
    """Business codes and numbers: upper case, no separators ('ct-2024/001' -> 'CT2024001')."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[^0-9A-Za-z]", "", str(value)).upper()
    return text or None


def text(value) -> str | None:
    """Free text (titles, descriptions): folded."""
    return fold(value)


def exact(value) -> str | None:
    """Values compared as they are, apart from surrounding spaces (ids, golden references)."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
