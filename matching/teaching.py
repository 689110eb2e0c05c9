"""Teaching the model: which pairs to ask stewards about, and what their answers become.

A steward's answer is a label (a MatchDecision between two source keys, as a review verdict is),
and a label is worth most where the model is least sure: pairs whose probability lies near one
of the two decision thresholds, measured in log-odds. Twenty questions about one comparison
pattern teach the same thing twenty times, so the nearest pair of each pattern is asked before a
second of any (dedupe's and Tamr's active learning work the same way).

A share of every draw is random instead: automatic links, and pairs not linked down to
NEAR_BAND_BITS below the review threshold, each drawn uniformly from its stratum. Boundary pairs
are chosen for being doubtful, so their answers say nothing about the model's error rates; the
random ones estimate precision and recall without that bias (matching.estimates).

The pure choice (`questions_choose`) works on the engine's scored pairs; `uncertain_pairs` scores
the domain in batch for it, and `label_requests_draw` stores what is to be asked.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from matching.engine import SCHEMAS, FellegiSunterModel, deduplicate, score_pairs
from matching.engine.model import log_odds
from matching.model_store import domain_model
from matching.models import CandidateStatus, LabelRequest, MatchCandidate, MatchDecision
from matching.resolution import SourceRows, apart_by_system, source_rows
from matching.services import decisions_remember
from mdm.models import CrossReference, golden_model

Why = LabelRequest.Why
Answer = LabelRequest.Answer

# The random checks reach this far below the review threshold (log2 odds): 6 bits is 64 times
# less likely than the threshold, e.g. 1.5 % under a review threshold of 50 %. Below it, pairs are
# taken to be different things (the estimates say so).
NEAR_BAND_BITS = 6.0
# Of each draw, this share is random checks (half links, half pairs not linked), the rest boundary pairs.
AUDIT_SHARE = 0.4
# Boundary questions: pairs within this many bits of a threshold (16 times the odds either way),
# among this many times the draw's nearest pairs, at most PER_PATTERN of one comparison pattern.
BOUNDARY_BITS = 4.0
SHORTLIST = 10
PER_PATTERN = 3


def probability_at(bits: float) -> float:
    return float(1.0 / (1.0 + 2.0 ** -bits))


def near_floor(lower: float) -> float:
    """The lowest probability a random check of the pairs not linked reaches."""
    return probability_at(float(log_odds(lower)) - NEAR_BAND_BITS)


def model_key(model: FellegiSunterModel) -> str:
    """A short fingerprint of what decides a pair (m, u, prior, thresholds): the questions and
    estimates of one model are kept apart from another's."""
    decisive = {"fields": [(p.name, [round(x, 9) for x in p.m], [round(x, 9) for x in p.u]) for p in model.fields],
                "prior": round(model.prior, 12), "upper": model.upper, "lower": model.lower}
    return hashlib.blake2b(json.dumps(decisive, sort_keys=True).encode(), digest_size=8).hexdigest()


# --- choosing (pure) ---------------------------------------------------------------------------

@dataclass
class Question:
    """One pair to ask about: two source record ids, the model's view of them, and why."""

    left_id: int
    right_id: int
    probability: float
    why: str
    rule: str = ""
    contributions: dict[str, float] = field(default_factory=dict)
    levels: dict[str, str] = field(default_factory=dict)
    stratum_size: int = 0


def boundary_order(distance: Sequence[float], patterns: Sequence[Hashable], per_pattern: int = PER_PATTERN
                   ) -> list[int]:
    """Positions in asking order: the nearest pair of each pattern, patterns by their nearest
    pair; then the second nearest of each; and so on, up to `per_pattern` of one pattern."""
    by_pattern: dict[Hashable, list[int]] = {}
    for k in np.argsort(np.asarray(distance, dtype=np.float64), kind="stable"):
        by_pattern.setdefault(patterns[k], []).append(int(k))
    queues = list(by_pattern.values())
    depth = min(max((len(q) for q in queues), default=0), per_pattern)
    return [q[d] for d in range(depth) for q in queues if d < len(q)]


def _question(pairs: pd.DataFrame, k: int, why: str, stratum_size: int = 0) -> Question:
    row = pairs.iloc[k]
    contributions = {c.removeprefix("contribution_"): round(float(row[c]), 3)
                     for c in pairs.columns if c.startswith("contribution_")}
    return Question(int(row["left_id"]), int(row["right_id"]), float(row["probability"]), why,
                    str(row["rule"] or ""), contributions, stratum_size=stratum_size)


def _audit(pairs: pd.DataFrame, stratum: np.ndarray, free: np.ndarray, count: int, why: str,
           rng: np.random.Generator) -> list[Question]:
    """`count` pairs drawn uniformly from the stratum's pairs not asked yet."""
    pool = np.flatnonzero(stratum & free)
    chosen = rng.choice(pool, size=min(count, len(pool)), replace=False) if len(pool) and count else []
    return [_question(pairs, int(k), why, int(stratum.sum())) for k in chosen]


def questions_choose(pairs: pd.DataFrame, *, upper: float, lower: float, limit: int,
                     skip_boundary: np.ndarray, skip_audit: np.ndarray, rng: np.random.Generator,
                     levels_of: Callable[[pd.DataFrame], list[dict[str, str]]]) -> list[Question]:
    """Up to `limit` questions from the engine's scored pairs (left_id, right_id, probability,
    rule, contribution_<field>; every pair down to near_floor(lower)), in asking order.

    `skip_boundary`: pairs not to ask as boundary questions (asked before, or decided by a
    steward); `skip_audit`: pairs already drawn as random checks under this model (a steward's
    earlier verdict does not take a pair out of a random draw: that would bias it).
    `levels_of(frame)` gives each pair's agreement levels: its comparison pattern."""
    probability = pairs["probability"].to_numpy(dtype=np.float64)
    link = probability >= upper
    near = (probability < upper) & (probability >= near_floor(lower))
    audits = round(limit * AUDIT_SHARE) if limit > 1 else 0
    free = ~np.asarray(skip_audit, dtype=bool)
    drawn = _audit(pairs, link, free, math.ceil(audits / 2), Why.AUDIT_LINK, rng)
    drawn += _audit(pairs, near, free, audits - len(drawn), Why.AUDIT_NEAR, rng)
    taken = {(q.left_id, q.right_id) for q in drawn}
    boundary = _boundary(pairs, probability, upper=upper, lower=lower, count=limit - len(drawn), taken=taken,
                         skip=np.asarray(skip_boundary, dtype=bool), levels_of=levels_of)
    questions = boundary + drawn
    order = rng.permutation(len(questions))  # random checks mixed in, not recognisable by their place
    return [questions[k] for k in order]


def _boundary(pairs: pd.DataFrame, probability: np.ndarray, *, upper: float, lower: float, count: int,
              taken: set[tuple[int, int]], skip: np.ndarray,
              levels_of: Callable[[pd.DataFrame], list[dict[str, str]]]) -> list[Question]:
    """The pairs nearest a threshold in log-odds (within BOUNDARY_BITS), spread over comparison
    patterns. Pairs an identity rule decided are left out: the model's doubt does not decide them."""
    if count <= 0:
        return []
    bits = log_odds(probability)
    to_upper, to_lower = np.abs(bits - log_odds(upper)), np.abs(bits - log_odds(lower))
    distance = np.minimum(to_upper, to_lower)
    free = (pairs["rule"].fillna("").to_numpy() == "") & ~skip & (distance <= BOUNDARY_BITS)
    if taken:
        pair_ids = zip(pairs["left_id"].tolist(), pairs["right_id"].tolist(), strict=True)
        free &= np.fromiter((pair not in taken for pair in pair_ids), dtype=bool, count=len(pairs))
    eligible = np.flatnonzero(free)
    shortlist = eligible[np.argsort(distance[eligible], kind="stable")[:count * SHORTLIST]]
    if not len(shortlist):
        return []
    levels = levels_of(pairs.iloc[shortlist])
    near_which = ["upper" if to_upper[k] <= to_lower[k] else "lower" for k in shortlist]
    patterns = [(which, tuple(sorted(lv.items()))) for which, lv in zip(near_which, levels, strict=True)]
    chosen = boundary_order(distance[shortlist], patterns)[:count]
    questions = []
    for position in chosen:
        question = _question(pairs, int(shortlist[position]), Why.BOUNDARY)
        question.levels = levels[position]
        questions.append(question)
    return questions


# --- the domain's pairs, scored --------------------------------------------------------------

def scored_pairs(domain: str, rows: SourceRows, model: FellegiSunterModel) -> pd.DataFrame:
    """Every candidate pair of the domain's source records down to near_floor(model.lower),
    scored by the model as a batch re-match scores them."""
    reporting = dataclasses.replace(model, lower=near_floor(model.lower))  # the model itself is shared: a copy
    return deduplicate(rows.frame(), SCHEMAS[domain], reporting, apart=apart_by_system(domain, rows),
                       systems=rows.systems).pairs


def _pair_keys(rows: SourceRows, pairs: pd.DataFrame) -> list[tuple[str, str]]:
    key_of = dict(zip(rows.ids, rows.keys, strict=True))
    return [tuple(sorted((key_of[a], key_of[b]))) for a, b in
            zip(pairs["left_id"].tolist(), pairs["right_id"].tolist(), strict=True)]


def _levels_of(domain: str, rows: SourceRows, model: FellegiSunterModel):
    record_of = {record["id"]: record for record in rows.records}

    def levels_of(frame: pd.DataFrame) -> list[dict[str, str]]:
        left = [record_of[i] for i in frame["left_id"].tolist()]
        right = [record_of[i] for i in frame["right_id"].tolist()]
        return [score.levels for score in score_pairs(SCHEMAS[domain], left, right, model)]

    return levels_of


def uncertain_pairs(domain: str, limit: int = 20, *, seed: int | None = None) -> list[Question]:
    """The pairs whose answers would teach the domain's model most, with random checks mixed in
    (see the module's docstring). Nothing is written."""
    rows = source_rows(domain)
    if len(rows.ids) < 2 or limit <= 0:
        return []
    model = domain_model(domain)
    pairs = scored_pairs(domain, rows, model)
    if pairs.empty:
        return []
    keys = _pair_keys(rows, pairs)
    key = model_key(model)
    asked = LabelRequest.objects.filter(domain=domain)
    asked_now = set(asked.filter(model_key=key).values_list("key_a", "key_b"))
    asked_ever = set(asked.values_list("key_a", "key_b"))
    decided = set(MatchDecision.objects.filter(domain=domain, key_a__in=rows.keys).values_list("key_a", "key_b"))
    skip_audit = np.fromiter((k in asked_now for k in keys), dtype=bool, count=len(keys))
    skip_boundary = np.fromiter((k in asked_ever or k in decided for k in keys), dtype=bool, count=len(keys))
    levels_of = _levels_of(domain, rows, model)
    questions = questions_choose(pairs, upper=model.upper, lower=model.lower, limit=limit,
                                 skip_boundary=skip_boundary, skip_audit=skip_audit,
                                 rng=np.random.default_rng(seed), levels_of=levels_of)
    checks = [q for q in questions if not q.levels]  # the random checks: a steward sees how they compare too
    if checks:
        frame = pd.DataFrame({"left_id": [q.left_id for q in checks], "right_id": [q.right_id for q in checks]})
        for question, levels in zip(checks, levels_of(frame), strict=True):
            question.levels = levels
    return questions


# --- asking and answering ----------------------------------------------------------------------

def label_requests_draw(*, domain: str, limit: int = 20, seed: int | None = None) -> list[LabelRequest]:
    """Ask stewards about the next `limit` pairs of `uncertain_pairs`. A random check falling on a
    pair a steward already decided is answered at once with that verdict (it still counts)."""
    questions = uncertain_pairs(domain, limit, seed=seed)  # the batch scoring, outside the transaction
    if not questions:
        return []
    with transaction.atomic():
        return _questions_store(domain, questions)


def _questions_store(domain: str, questions: list[Question]) -> list[LabelRequest]:
    key = model_key(domain_model(domain))
    ids = {i for q in questions for i in (q.left_id, q.right_id)}
    sources = {xref.source_record_id: xref for xref in CrossReference.objects.filter(source_record_id__in=ids)
               .select_related("source_record__system")}
    wanted = []
    for q in questions:
        a, b = sorted((sources[q.left_id], sources[q.right_id]), key=lambda x: _key(x.source_record))
        wanted.append(LabelRequest(
            domain=domain, key_a=_key(a.source_record), key_b=_key(b.source_record), source_a_id=a.source_record_id,
            source_b_id=b.source_record_id, golden_id_a=a.golden_id, golden_id_b=b.golden_id,
            probability=q.probability, contributions=q.contributions, levels=q.levels, rule=q.rule, why=q.why,
            model_key=key, stratum_size=q.stratum_size))
    _answered_from_decisions(wanted)
    LabelRequest.objects.bulk_create(wanted, ignore_conflicts=True)  # a draw running at once asked them already
    pairs = {(r.key_a, r.key_b) for r in wanted}
    stored = LabelRequest.objects.filter(model_key=key, key_a__in={a for a, _ in pairs}, key_b__in={b for _, b in pairs})
    return sorted((r for r in stored if (r.key_a, r.key_b) in pairs), key=lambda r: r.pk)


def _key(source_record) -> str:
    return f"{source_record.system.name}:{source_record.object_type}:{source_record.source_id}"


def _answered_from_decisions(requests: list[LabelRequest]) -> None:
    verdicts = {(d.key_a, d.key_b): d for d in MatchDecision.objects.filter(
        key_a__in=[r.key_a for r in requests], key_b__in=[r.key_b for r in requests])}
    now = timezone.now()
    for request in requests:
        decision = verdicts.get((request.key_a, request.key_b))
        if decision is not None and request.why != Why.BOUNDARY:
            request.answer = Answer.SAME if decision.verdict == MatchDecision.Verdict.MATCH else Answer.NOT_SAME
            request.answered_by_id, request.answered_at = decision.decided_by_id, now
            request.note = "known from an earlier steward decision"


@dataclass
class Answered:
    """What an answer did: `merge` names (survivor, merged) golden records still to be made one —
    the steward said "the same" of records in two golden records; `parted_later`: "not the same"
    of records in one golden record, which the next re-match parts."""

    request: LabelRequest
    merge: tuple[str, str] | None = None
    parted_later: bool = False


@transaction.atomic
def label_request_answer(*, request_id: int, answer: str, acting_user, note: str = "") -> Answered:
    """Record a steward's answer. "Not the same" (and "the same" of records already in one golden
    record) is remembered as a MatchDecision at once; "the same" across two golden records is
    remembered when they are merged (matching.services.match_candidate_accept), which the caller
    asks for through the stewards' governed merge."""
    if answer not in Answer.values:
        raise ValidationError({"answer": [f"answer one of {', '.join(Answer.values)}"]})
    request = LabelRequest.objects.select_for_update().filter(pk=request_id).first()
    if request is None or request.answer:
        raise ValidationError({"request": ["no open question with that id"]})
    request.answer, request.answered_by, request.answered_at, request.note = (
        answer, acting_user, timezone.now(), note.strip())
    request.save(update_fields=["answer", "answered_by", "answered_at", "note"])
    if answer == Answer.UNSURE:
        return Answered(request)
    golden = dict(CrossReference.objects.filter(source_record_id__in=[request.source_a_id, request.source_b_id])
                  .values_list("source_record_id", "golden_id"))
    a, b = golden.get(request.source_a_id), golden.get(request.source_b_id)
    if answer == Answer.SAME and a and b and a != b:
        return Answered(request, merge=_survivor_first(request.domain, a, b))
    verdict = MatchDecision.Verdict.MATCH if answer == Answer.SAME else MatchDecision.Verdict.NOT_MATCH
    decisions_remember(domain=request.domain, keys_a=[request.key_a], keys_b=[request.key_b], verdict=verdict,
                       acting_user=acting_user, reason=note.strip() or f"answered: {request.get_answer_display()}")
    return Answered(request, parted_later=answer == Answer.NOT_SAME and a is not None and a == b)


def _survivor_first(domain: str, a: str, b: str) -> tuple[str, str]:
    """The older golden record survives, as in a batch re-match."""
    created = dict(golden_model(domain).objects.filter(pk__in=[a, b]).values_list("id", "created_at"))
    return tuple(sorted((a, b), key=lambda g: (created.get(g), g)))  # type: ignore[return-value]


def label_candidate(*, request: LabelRequest, survivor_id: str, merged_id: str) -> MatchCandidate:
    """The open match candidate of the two golden records a steward said are the same (made for
    the answer when the model had none), so the merge goes the way an accepted candidate goes."""
    open_ = MatchCandidate.objects.filter(status=CandidateStatus.OPEN)
    existing = (open_.filter(golden_id_a=survivor_id, golden_id_b=merged_id).first()
                or open_.filter(golden_id_a=merged_id, golden_id_b=survivor_id).first())
    if existing is not None:
        return existing
    return MatchCandidate.objects.create(domain=request.domain, golden_id_a=survivor_id, golden_id_b=merged_id,
                                         score=round(request.probability, 4), contributions=request.contributions,
                                         rule=f"teach #{request.pk}: a steward said the same")
