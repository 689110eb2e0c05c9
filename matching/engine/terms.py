"""How often values and name words occur in the data a model was fitted on.

Two kinds of evidence depend on it (as in Splink's term-frequency adjustments):
- agreeing on a rare value says more than agreeing on a common one: two records sharing the city
  "Springfield" or the name "City Medical Center" are weaker evidence than two sharing "Oberursel"
  or "Halvorsen Consulting"; the exact level's weight then uses the value's own frequency among
  the other records (`others_share`);
- in a name, a shared rare word is strong evidence and "Consulting", "Group", "Health" or "Global"
  are not: name similarity weighs each word by its inverse document frequency.

Counts are kept only for values seen more than once; any other value counts once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .standardize import items


@dataclass(eq=False)  # compared and hashed by identity: name scores are remembered per table
class TermFrequencies:
    """Occurrences of each value among `total` records that have one."""

    total: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, values: Iterable[str | None], *, words: bool = False) -> TermFrequencies:
        """From standardized values: each item counted once per record, or (`words`) each word of
        any of its items."""
        counter: Counter[str] = Counter()
        total = 0
        for value in values:
            if not value:
                continue
            total += 1
            parts = items(value)
            counter.update({word for part in parts for word in part.split()} if words else set(parts))
        return cls(total, {term: n for term, n in counter.items() if n > 1})

    def count(self, term: str) -> int:
        return self.counts.get(term, 1)

    def share(self, term: str) -> float:
        """The share of records holding this value (at least one record's worth)."""
        return self.count(term) / max(self.total, 1)

    def weight(self, word: str) -> float:
        """Inverse document frequency of a word: rare words weigh most, none weighs nothing."""
        return math.log((self.total + 1) / (self.count(word) + 0.5)) if self.total else 1.0

    def others_share(self, term: str) -> float:
        """The chance that another record holds this value, given one does: the share of records
        holding it less that one (half a record at least). Two records agreeing on a value only
        they hold are strong evidence; counting the record itself among the "others" made a
        value held by a pair of duplicates look twice as common as it is elsewhere in the data."""
        return max(self.count(term) - 1, 0.5) / max(self.total, 1)

    def shared_share(self, a: str, b: str) -> float:
        """others_share of the rarest value two standardized values have in common."""
        if a == b and "|" not in a:
            return self.others_share(a)
        common = set(items(a)) & set(items(b))
        return min((self.others_share(term) for term in common), default=1.0)

    def to_dict(self) -> dict:
        return {"total": self.total, "counts": self.counts}

    @classmethod
    def from_dict(cls, data: dict) -> TermFrequencies:
        return cls(int(data.get("total", 0)), dict(data.get("counts", {})))


@dataclass
class Terms:
    """A model's term statistics: value frequencies per field, word frequencies per name field."""

    values: dict[str, TermFrequencies] = field(default_factory=dict)
    words: dict[str, TermFrequencies] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"values": {k: v.to_dict() for k, v in self.values.items()},
                "words": {k: v.to_dict() for k, v in self.words.items()}}

    @classmethod
    def from_dict(cls, data: dict | None) -> Terms:
        data = data or {}
        return cls({k: TermFrequencies.from_dict(v) for k, v in data.get("values", {}).items()},
                   {k: TermFrequencies.from_dict(v) for k, v in data.get("words", {}).items()})

    def __bool__(self) -> bool:
        return bool(self.values or self.words)
