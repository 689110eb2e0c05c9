"""What one incoming record links to, from its scored candidates and what stewards decided.

Pure: the hub hands over each candidate's score with what it knows about it (is it the record's
own golden record, did a steward rule on the pair, does it hold a record of the same system) and
gets back the target to link to and the doubtful candidates for review.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

MATCH = "match"
NOT_MATCH = "not_match"


@dataclass(frozen=True)
class Candidate:
    target: Hashable  # whatever names the candidate for the caller (a golden id, a record of the batch)
    probability: float  # the model's, after identity rules
    rule: str = ""  # the identity rule that decided, if any
    itself: bool = False  # it already holds the incoming record (a re-match meets its own golden record)
    verdict: str | None = None  # a steward's MATCH / NOT_MATCH between the two
    same_system: bool = False  # it holds a record of the incoming record's own system
    evidence: dict = field(default_factory=dict, compare=False)  # per field: the model's contribution


@dataclass
class Choice:
    target: Hashable | None = None  # link to this; None: a new golden record
    probability: float = 0.0
    rule: str = "new"
    evidence: dict = field(default_factory=dict)
    review: list[Candidate] = field(default_factory=list)  # doubtful candidates, when nothing is linked


def choose(candidates: Iterable[Candidate], *, upper: float, lower: float, apart_within_system: bool) -> Choice:
    """The best candidate at or above `upper` (its own golden record and a steward's "same" count
    as certain), skipping any a steward ruled "not the same" and, where a system keeps its
    records apart (contracts, projects), any holding a record of the same system. Candidates
    between `lower` and `upper` are proposed for review when nothing is linked."""
    best, review = None, []
    for candidate in candidates:
        if candidate.verdict == NOT_MATCH or (apart_within_system and candidate.same_system):
            continue
        if candidate.itself:
            probability, rule = 1.0, "itself"
        elif candidate.verdict == MATCH:
            probability, rule = 1.0, "steward decision"
        else:
            probability, rule = candidate.probability, candidate.rule or "model"
            if probability < upper:
                if probability >= lower:
                    review.append(candidate)
                continue
        if best is None or probability > best.probability:
            best = Choice(candidate.target, probability, rule, candidate.evidence)
    return Choice(review=review) if best is None else best
