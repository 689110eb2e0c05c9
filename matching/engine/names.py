"""How alike two standardized company names are, word by word, rare words weighing most.

Each word of one name looks for its best partner in the other: the same word; the same word
spelled with or without umlauts (mueller / muller); a typo (Jaro–Winkler ≥ 0.9 between words of
four letters or more); a last word an ERP cut short ("logis" for "logistik"). Two words written as
one ("nordwind energie" / "nordwindenergie") and an acronym of a run of words ("kvt" for
"kessler verkehrs technik", "ibm" for "international business machines") count as partners too.
A name's *coverage* is the weighted share of its words that found a partner, a word's weight being
its inverse document frequency in the data (terms.TermFrequencies.weight). Both coverages matter,
not only their mean: "acme" is wholly covered by "acme holdings europe" (the same firm with more
words, often), while "loire editions" and "loire plasturgie" each keep a rare word of their own
(two firms sharing one). "acme consulting" and "apex consulting" share only a common word.
"""

from __future__ import annotations

import weakref

from rapidfuzz.distance import JaroWinkler

from .terms import TermFrequencies

_TYPO = 0.9  # Jaro–Winkler between two words at or above which one is taken as a typo of the other
_CUT = 0.9  # the score of a last word cut short

_memos: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNWEIGHTED: dict[tuple[str, str], float] = {}
_MEMO_SIZE = 500_000


def similarity(a: str, b: str, words: TermFrequencies | None = None) -> float:
    """0 (nothing in common) … 1 (every word of both found its partner): the weighted share of
    both names' words that found one."""
    return coverage(a, b, words)[2]


def coverage(a: str, b: str, words: TermFrequencies | None = None) -> tuple[float, float, float]:
    """(the lower of the two names' coverages, the higher, their weighted mean = similarity)."""
    if a == b:
        return (1.0, 1.0, 1.0)
    memo = _UNWEIGHTED if words is None else _memos.setdefault(words, {})
    key = (a, b) if a <= b else (b, a)
    found = memo.get(key)
    if found is None:
        if len(memo) > _MEMO_SIZE:
            memo.clear()
        found = memo[key] = _coverage(_parsed(key[0], words, memo), _parsed(key[1], words, memo))
    return found


def _parsed(name: str, words: TermFrequencies | None, memo: dict) -> tuple[list[str], list[float]]:
    """A name's words and their weights, worked out once per name and table."""
    found = memo.get(name)
    if found is None:
        split = name.split()
        found = memo[name] = (split, [1.0] * len(split) if words is None else [words.weight(w) for w in split])
    return found


def _coverage(left_parsed, right_parsed) -> tuple[float, float, float]:
    (left, wl), (right, wr) = left_parsed, right_parsed
    if "".join(left) == "".join(right):
        return (1.0, 1.0, 1.0)  # the same letters, split or joined differently
    left_score, right_score = [0.0] * len(left), [0.0] * len(right)
    last_left, last_right = len(left) - 1, len(right) - 1
    for i, x in enumerate(left):
        for j, y in enumerate(right):
            if x == y:
                score = 1.0
            else:
                score = _WORD_PAIRS.get((x, y)) if x <= y else _WORD_PAIRS.get((y, x))
                if score is None:
                    score = _word_score(x, y)
                if not score and (i == last_left or j == last_right):
                    score = _cut_short(x, y, i == last_left, j == last_right)
            if score > left_score[i]:
                left_score[i] = score
            if score > right_score[j]:
                right_score[j] = score
    if min(left_score) < 1.0 or min(right_score) < 1.0:
        _pair_runs(left, right, left_score, right_score)
        _pair_runs(right, left, right_score, left_score)
    left_total, right_total = sum(wl), sum(wr)
    if not left_total or not right_total:
        return (0.0, 0.0, 0.0)
    left_found = sum(w * s for w, s in zip(wl, left_score, strict=True))
    right_found = sum(w * s for w, s in zip(wr, right_score, strict=True))
    left_cover, right_cover = left_found / left_total, right_found / right_total
    mean = (left_found + right_found) / (left_total + right_total)
    return (min(left_cover, right_cover), max(left_cover, right_cover), mean)


_WORD_PAIRS: dict[tuple[str, str], float] = {}


def _word_score(x: str, y: str) -> float:
    """1 for the same word spelled with or without umlauts, the Jaro–Winkler similarity for a
    typo between words of four letters or more, else 0. Remembered: names reuse their words."""
    if len(_WORD_PAIRS) > _MEMO_SIZE:
        _WORD_PAIRS.clear()
    if _spelled_plain(x) == _spelled_plain(y):
        found = 1.0
    elif min(len(x), len(y)) >= 4:
        found = JaroWinkler.normalized_similarity(x, y, score_cutoff=_TYPO)
    else:
        found = 0.0
    _WORD_PAIRS[(x, y) if x <= y else (y, x)] = found
    return found


def _cut_short(x: str, y: str, x_last: bool, y_last: bool) -> float:
    """A last word of three letters or more that begins the other word: an ERP's field limit."""
    if len(x) <= len(y):
        return _CUT if x_last and len(x) >= 3 and y.startswith(x) else 0.0
    return _CUT if y_last and len(y) >= 3 and x.startswith(y) else 0.0


def _spelled_plain(word: str) -> str:
    """German spellings without umlauts folded to the plain letter (mueller -> muller)."""
    return word.replace("ue", "u").replace("oe", "o").replace("ae", "a") if len(word) > 3 else word


def _pair_runs(left, right, left_score, right_score) -> None:
    """A word of `left` that is two adjacent words of `right` joined, or their initials."""
    for i, x in enumerate(left):
        if left_score[i] == 1.0:
            continue
        for j in range(len(right) - 1):
            if x == right[j] + right[j + 1]:
                left_score[i] = right_score[j] = right_score[j + 1] = 1.0
                break
            run = len(x)
            if 2 <= run <= 6 and j + run <= len(right) and x.isalpha() and \
                    "".join(w[0] for w in right[j:j + run]) == x:
                left_score[i] = 1.0
                for k in range(j, j + run):
                    right_score[k] = 1.0
                break
