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

from . import names
from . import standardize as std
from .terms import TermFrequencies

MISSING = -1


@dataclass(frozen=True)
class ComparisonKind:
    """One kind of attribute: its standardizer, its level function and the levels' names.

    `levels(left, right)` takes two object arrays of single standardized values (no nulls, no
    several items: comparison_levels takes the best pair of items) and gives int8 levels; a kind
    that weighs name words (`weighs_words`) takes the field's word frequencies as a third argument.
    `term_frequency`: whether agreeing exactly on a value is weighed by that value's frequency."""

    name: str
    standardize: Callable  # (value, country) -> str | None
    levels: Callable
    labels: tuple[str, ...]  # one per level, 0 first
    weighs_words: bool = False
    term_frequency: bool = False
    several: bool = False  # its values may hold several items (std.ITEM_SEPARATOR)

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


_COVERED = 0.85  # a name whose words found partners to this weighted share is covered by the other


def _company_name_levels(left, right, words: TermFrequencies | None = None):
    """By the two names' word coverages (names.coverage): 3 both covered (the same words, give or
    take typos and cuts), 2 one covered by the other (the same firm with more words, often), 1 a
    weighty word in common while each keeps words of its own (two firms sharing a word, often),
    0 little or nothing in common. Equal names are the top level, set by comparison_levels."""
    covered = np.array([names.coverage(a, b, words) for a, b in zip(left, right, strict=True)],
                       dtype=np.float64).reshape(len(left), 3)
    lower, higher, mean = covered[:, 0], covered[:, 1], covered[:, 2]
    levels = np.zeros(len(left), dtype=np.int8)
    levels[mean >= 0.5] = 1
    levels[higher >= _COVERED] = 2
    levels[lower >= _COVERED] = 3
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
        ComparisonKind("company_name", _cached(std.company_name), _company_name_levels,
                       ("different", "words in common, others apart", "one within the other", "very similar", "exact"),
                       weighs_words=True, term_frequency=True, several=True),
        ComparisonKind("person_name", _no_country(std.person_name), _fuzzy((0.80, 0.92)), _NAME),
        ComparisonKind("address", _no_country(std.street_address), _fuzzy((0.80, 0.92), with_token_sort=True),
                       _NAME, term_frequency=True),
        ComparisonKind("city", _cached(std.city), _fuzzy((0.85, 0.94)), _NAME, term_frequency=True),
        ComparisonKind("text", _no_country(std.text), _fuzzy((0.80, 0.92), with_token_set=True), _NAME),
        ComparisonKind("postal_code", _cached(std.postal_code), _edits((1,)), ("different", "one edit", "exact"),
                       term_frequency=True),
        ComparisonKind("phone", _cached(std.phone), _phone_levels, ("different", "close", "exact"),
                       term_frequency=True, several=True),
        ComparisonKind("email", _no_country(std.email), _email_levels, ("different", "same mailbox", "exact")),
        ComparisonKind("domain", _no_country(std.domains), _exact, ("different", "exact"), term_frequency=True,
                       several=True),
        ComparisonKind("tax_id", _cached(std.tax_id), _edits((1,)), ("different", "one edit", "exact")),
        ComparisonKind("identifier", _no_country(std.code), _edits((2, 1)),
                       ("different", "two edits", "one edit", "exact")),
        ComparisonKind("code", _no_country(std.code), _edits((1,)), ("different", "one edit", "exact")),
        ComparisonKind("date", _no_country(std.date), _dates, ("different", "same year", "typo or swap", "exact")),
        ComparisonKind("country", _no_country(std.country), _exact, ("different", "exact")),
        ComparisonKind("exact", _no_country(std.exact), _exact, ("different", "exact")),
    )
}


def comparison_levels(kind: str, left: np.ndarray, right: np.ndarray, present: np.ndarray | None = None,
                      words: TermFrequencies | None = None) -> np.ndarray:
    """Agreement levels of aligned value arrays (object dtype, None for missing). `present` may
    give the pairs where both values exist, when the caller knows it already. Values holding
    several items (std.ITEM_SEPARATOR) reach the level of their best pair of items. `words`: the
    field's word frequencies, for kinds that weigh words."""
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if present is None:
        present = _present(left) & _present(right)
    levels = np.full(len(left), MISSING, dtype=np.int8)
    # Equal values are the top level of every kind: only unequal ones need a similarity.
    equal = present.copy()
    equal[present] = left[present] == right[present]
    levels[equal] = KINDS[kind].n_levels - 1
    unequal = np.flatnonzero(present & ~equal)
    if len(unequal):
        levels[unequal] = _best_item_levels(KINDS[kind], left[unequal], right[unequal], words)
    return levels


def _best_item_levels(kind: ComparisonKind, left: np.ndarray, right: np.ndarray, words) -> np.ndarray:
    """Levels of unequal present values, each pair at the level of its best pair of items."""
    if not kind.several:
        return _single_levels(kind, left, right, words)
    several = np.fromiter((std.ITEM_SEPARATOR in a or std.ITEM_SEPARATOR in b for a, b in zip(left, right, strict=True)),
                          dtype=bool, count=len(left))
    if not several.any():
        return _single_levels(kind, left, right, words)
    out = np.empty(len(left), dtype=np.int8)
    single = ~several
    if single.any():
        out[single] = _single_levels(kind, left[single], right[single], words)
    owners, item_left, item_right = [], [], []
    for k in np.flatnonzero(several).tolist():
        for a in std.items(left[k]):
            for b in std.items(right[k]):
                owners.append(k)
                item_left.append(a)
                item_right.append(b)
    owners = np.asarray(owners, dtype=np.int64)
    a, b = np.asarray(item_left, dtype=object), np.asarray(item_right, dtype=object)
    item_levels = np.full(len(owners), kind.n_levels - 1, dtype=np.int8)
    differ = a != b
    if differ.any():
        item_levels[differ] = _single_levels(kind, a[differ], b[differ], words)
    best = np.full(len(left), -1, dtype=np.int8)
    np.maximum.at(best, owners, item_levels)
    out[several] = best[several]
    return out


def _single_levels(kind: ComparisonKind, left, right, words) -> np.ndarray:
    return kind.levels(left, right, words) if kind.weighs_words else kind.levels(left, right)


def _present(values: np.ndarray) -> np.ndarray:
    return np.not_equal(values, None)
