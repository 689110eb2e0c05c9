"""Text folding shared by every standardizer, and the form of a value with several items."""

from __future__ import annotations

import math
import re
from functools import lru_cache

from anyascii import anyascii

CACHE_SIZE = 200_000

# A standardized value may hold several items (a legal and a trading name, two phone numbers):
# they are joined by this character, which folding never leaves in a value.
ITEM_SEPARATOR = "|"


def is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def fold(value) -> str | None:
    """Lower case, every script transliterated to ASCII (ß -> ss, ø -> o, 北京 -> beijing),
    punctuation to spaces, single spaces."""
    if is_missing(value):
        return None
    return _fold(str(value))


@lru_cache(maxsize=CACHE_SIZE)
def _fold(text: str) -> str | None:
    text = text.casefold()
    if not text.isascii():
        text = anyascii(text).lower()
    text = text.replace("&", " and ")
    # Dots inside abbreviations (B.V., L.L.C.) vanish; other punctuation separates words.
    text = re.sub(r"(?<=\w)\.(?=\w)", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    return " ".join(text.split()) or None


def items(value: str | None) -> list[str]:
    """The items of a standardized value ([] when missing)."""
    return value.split(ITEM_SEPARATOR) if value else []


def joined(values) -> str | None:
    """Items as one standardized value: duplicates dropped, first seen first."""
    kept = list(dict.fromkeys(v for v in values if v))
    return ITEM_SEPARATOR.join(kept) or None
