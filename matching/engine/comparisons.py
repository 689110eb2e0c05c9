"""Comparison kinds: how a field is standardized and how two values become an agreement level.

A level is a small integer, 0 = disagree, higher = closer, the last = exact; -1 = one side is
missing (it then contributes nothing to the score). Levels are computed over whole arrays of
pairs at once (rapidfuzz cpdist, numpy), never pair by pair in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from . import standardize as std

MISSING = -1


@dataclass(frozen=True)
class ComparisonKind:
    """One kind of attribute: its standardizer, its level function and the levels' names."""

    name: str
    standardize: Callable  # (value, country) -> str | None
    levels: Callable  # (left: object array, right: object array, workers) -> int8 array, no nulls inside
    labels: tuple[str, ...]  # one per level, 0 first

    @property
    def n_levels(self) -> int:
        return len(self.labels)


def _workers(n: int) -> int:
    # Threads only pay off on large batches; the incremental path scores a few hundred pairs.
    return -1 if n > 20_000 else 1


def _similarity_levels(similarity: np.ndarray, equal: np.ndarray, thresholds: tuple[float, ...]) -> np.ndarray:
    """0 below the first threshold, i for the i-th threshold passed, len(thresholds)+1 when equal."""
    levels = np.searchsorted(np.asarray(thresholds), similarity, side="right").astype(np.int8)
    levels[equal] = len(thresholds) + 1
    return levels


def _jaro_winkler(left, right) -> np.ndarray:
    return process.cpdist(list(left), list(right), scorer=JaroWinkler.normalized_similarity,
                          dtype=np.float32, workers=_workers(len(left)))


def _osa(left, right) -> np.ndarray:
    return process.cpdist(list(left), list(right), scorer=OSA.distance, dtype=np.int32, workers=_workers(len(left)))


def _fuzzy(thresholds, with_token_sort=False, with_token_set=False):
    def levels(left, right):
        similarity = _jaro_winkler(left, right)
        if with_token_sort:
            token_sort = process.cpdist(list(left), list(right), scorer=fuzz.token_sort_ratio, dtype=np.float32,
                                        workers=_workers(len(left))) / 100
            similarity = np.maximum(similarity, token_sort)
        if with_token_set:
            token_set = process.cpdist(list(left), list(right), scorer=fuzz.token_set_ratio, dtype=np.float32,
                                       workers=_workers(len(left))) / 100
            similarity = np.maximum(similarity, token_set)
        return _similarity_levels(similarity, left == right, thresholds)
    return levels


def _edits(max_edits: tuple[int, ...]):
    """Levels by edit distance (transpositions count once): exact, then each allowance in turn."""
    def levels(left, right):
        distance = _osa(left, right)
        result = np.zeros(len(left), dtype=np.int8)
        for level, allowance in enumerate(sorted(max_edits, reverse=True), start=1):
            result[distance <= allowance] = level
        result[left == right] = len(max_edits) + 1
        return result
    return levels


def _exact(left, right):
    return (left == right).astype(np.int8)


def _characters(values, width: int) -> np.ndarray:
    """(n x width) matrix of single characters, so slices compare without a Python loop."""
    return np.asarray(values, dtype=f"U{width}").view("U1").reshape(len(values), width)


def _dates(left, right):
    """3 same day, 2 one typo or day and month swapped, 1 same year, 0 otherwise."""
    distance = _osa(left, right)
    a, b = _characters(left, 10), _characters(right, 10)
    same_year = (a[:, :4] == b[:, :4]).all(axis=1)
    swapped = same_year & (a[:, 5:7] == b[:, 8:10]).all(axis=1) & (a[:, 8:10] == b[:, 5:7]).all(axis=1)
    result = np.zeros(len(left), dtype=np.int8)
    result[same_year] = 1
    result[(distance <= 1) | swapped] = 2
    result[left == right] = 3
    return result


def _email_levels(left, right):
    """2 same address, 1 same mailbox name or one typo, 0 otherwise."""
    distance = _osa(left, right)
    same_local = np.array([a.split("@")[0] == b.split("@")[0] for a, b in zip(left, right, strict=False)], dtype=bool) \
        if len(left) else np.zeros(0, bool)
    result = np.zeros(len(left), dtype=np.int8)
    result[same_local | (distance <= 1)] = 1
    result[left == right] = 2
    return result


def _phone_levels(left, right):
    """2 same E.164 number, 1 one typo or the same last eight digits, 0 otherwise."""
    distance = _osa(left, right)
    same_tail = np.array([len(a) >= 8 and a[-8:] == b[-8:] for a, b in zip(left, right, strict=False)], dtype=bool) \
        if len(left) else np.zeros(0, bool)
    result = np.zeros(len(left), dtype=np.int8)
    result[same_tail | (distance <= 1)] = 1
    result[left == right] = 2
    return result


def _cached(fn):
    """Golden values come back as candidates again and again: remember their standard form."""
    remembered = lru_cache(maxsize=500_000)(fn)

    def standardize(value, country=None):
        try:
            return remembered(value, country)
        except TypeError:  # an unhashable value
            return fn(value, country)
    return standardize


def _no_country(fn):
    return _cached(lambda value, country=None: fn(value))


_NAME = ("different", "similar", "very similar", "exact")
KINDS: dict[str, ComparisonKind] = {
    kind.name: kind for kind in (
        ComparisonKind("company_name", _cached(std.company_name), _fuzzy((0.80, 0.92), with_token_sort=True), _NAME),
        ComparisonKind("person_name", _no_country(std.person_name), _fuzzy((0.80, 0.92)), _NAME),
        ComparisonKind("address", _no_country(std.street_address), _fuzzy((0.80, 0.92), with_token_sort=True),
                       _NAME),
        ComparisonKind("city", _no_country(std.city), _fuzzy((0.85, 0.94)), _NAME),
        ComparisonKind("text", _no_country(std.text), _fuzzy((0.80, 0.92), with_token_set=True), _NAME),
        ComparisonKind("postal_code", _cached(std.postal_code), _edits((1,)), ("different", "one edit", "exact")),
        ComparisonKind("phone", _cached(std.phone), _phone_levels, ("different", "close", "exact")),
        ComparisonKind("email", _no_country(std.email), _email_levels, ("different", "same mailbox", "exact")),
        ComparisonKind("domain", _no_country(std.web_domain), _exact, ("different", "exact")),
        ComparisonKind("tax_id", _cached(std.tax_id), _edits((1,)), ("different", "one edit", "exact")),
        ComparisonKind("identifier", _no_country(std.code), _edits((2, 1)),
                       ("different", "two edits", "one edit", "exact")),
        ComparisonKind("code", _no_country(std.code), _edits((1,)), ("different", "one edit", "exact")),
        ComparisonKind("date", _no_country(std.date), _dates, ("different", "same year", "typo or swap", "exact")),
        ComparisonKind("country", _no_country(std.country), _exact, ("different", "exact")),
        ComparisonKind("exact", _no_country(std.exact), _exact, ("different", "exact")),
    )
}


def comparison_levels(kind: str, left: np.ndarray, right: np.ndarray, present: np.ndarray | None = None
                      ) -> np.ndarray:
    """Agreement levels of aligned value arrays (object dtype, None for missing). `present` may
    give the pairs where both values exist, when the caller knows it already."""
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if present is None:
        present = _present(left) & _present(right)
    levels = np.full(len(left), MISSING, dtype=np.int8)
    # Equal values are the top level of every kind: only unequal ones need a similarity.
    equal = present.copy()
    equal[present] = left[present] == right[present]
    levels[equal] = KINDS[kind].n_levels - 1
    unequal = present & ~equal
    if unequal.any():
        levels[unequal] = KINDS[kind].levels(left[unequal], right[unequal])
    return levels


def _present(values: np.ndarray) -> np.ndarray:
    return np.not_equal(values, None)
