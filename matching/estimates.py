"""How good is a domain's model? Precision and recall estimated from stewards' answers.

Only the random checks of matching.teaching enter the estimates: boundary questions are chosen
for being doubtful, so the share of them that are matches says nothing about the model's errors.
Under one model (matching.teaching.model_key) two strata are sampled uniformly:

- L, the automatic links (probability ≥ upper threshold), N_L pairs; p_L = share the same;
- B, the pairs below the link threshold down to NEAR_BAND_BITS below the review threshold,
  N_B pairs; p_B = share the same.

precision = p_L;   recall = N_L·p_L / (N_L·p_L + N_B·p_B)   (matches linked automatically).

Pairs further below are taken to be different things, and pairs blocking never proposes are not
counted: recall is measured among the candidate pairs. Each proportion gets a Wilson score
interval; recall's interval combines both strata's at their extremes, each at 97.5 % so that both
hold together at least 95 % of the time (Bonferroni). "Can't tell" answers are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.db.models import Count

from matching.engine import SCHEMAS, FellegiSunterModel
from matching.engine.comparisons import KINDS
from matching.engine.model import log_odds
from matching.model_store import domain_model, shipped_model
from matching.models import LabelRequest, MatchDecision, MatchModel
from matching.teaching import Answer, Why, model_key, near_floor

# A figure is shown once each stratum it rests on has this many answers: before that, one or two
# answers would print as "0 %" or "100 %" however wide the interval.
MIN_CHECKS = 10
Z_95 = 1.959964  # two-sided 95 %
Z_EACH = 2.241403  # two-sided 97.5 %: two intervals that hold together at least 95 % of the time


@dataclass(frozen=True)
class Proportion:
    """`hits` of `n` answered pairs were the same."""

    hits: int
    n: int

    @property
    def share(self) -> float | None:
        return self.hits / self.n if self.n else None

    def interval(self, z: float = Z_95) -> tuple[float, float]:
        return wilson(self.hits, self.n, z)


def wilson(hits: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval of a proportion (good at small n and near 0 or 1)."""
    if n <= 0:
        return 0.0, 1.0
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    answers: int  # the answered random checks it rests on


def precision_estimate(links: Proportion, minimum: int = MIN_CHECKS) -> Estimate | None:
    if links.n < max(minimum, 1):
        return None
    low, high = links.interval(Z_95)
    return Estimate(links.share, low, high, links.n)


def recall_estimate(links: Proportion, below: Proportion, link_pairs: int, below_pairs: int,
                    minimum: int = MIN_CHECKS) -> Estimate | None:
    """Share of the matches among candidate pairs that the model links automatically (see the
    module's docstring); None until each stratum that holds pairs has `minimum` answers."""
    if links.n < max(minimum, 1) or (below_pairs and below.n < max(minimum, 1)):
        return None

    def recall(p_link: float, p_below: float) -> float:
        found, missed = link_pairs * p_link, below_pairs * p_below
        return found / (found + missed) if found + missed > 0 else 0.0

    (link_low, link_high), (below_low, below_high) = links.interval(Z_EACH), below.interval(Z_EACH)
    value = recall(links.share, below.share or 0.0)  # no pairs below (and so no answers): nothing missed
    return Estimate(value, recall(link_low, below_high), recall(link_high, below_low), links.n + below.n)


# --- what the console shows ----------------------------------------------------------------------

@dataclass(frozen=True)
class LevelWeight:
    label: str
    m: float
    u: float
    bits: float  # log2(m / u): what reaching this level adds to a pair's match weight


@dataclass(frozen=True)
class FieldWeights:
    name: str
    kind: str
    levels: list[LevelWeight]


def field_weights(model: FellegiSunterModel) -> list[FieldWeights]:
    """Per field, per agreement level (best first): m, u and the log2 Bayes factor."""
    out = []
    for params in model.fields:
        bits = params.weights()[:-1]
        labels = KINDS[params.kind].labels
        levels = [LevelWeight(labels[k], float(params.m[k]), float(params.u[k]), float(bits[k]))
                  for k in reversed(range(len(params.m)))]
        out.append(FieldWeights(params.name, params.kind, levels))
    return out


@dataclass
class ModelQuality:
    """One domain's model, its labels and what they say about it."""

    domain: str
    model: FellegiSunterModel
    stored: MatchModel | None
    origin: str  # fitted on this hub's records / shipped with Concord / untrained defaults
    key: str
    fields: list[FieldWeights]
    decisions: dict[str, int]  # MatchDecision verdict -> count
    answers: dict[str, dict[str, int]]  # why asked (its label) -> answer -> count, under every model
    open_questions: int
    link_check: Proportion
    below_check: Proportion
    link_pairs: int
    below_pairs: int
    precision: Estimate | None
    recall: Estimate | None
    known_missed: int  # answered "the same" though the model did not link them
    older_answers: int = 0  # random checks answered under an earlier model: not in the estimates
    minimum: int = MIN_CHECKS  # answers per stratum before a figure is shown
    thresholds_bits: tuple[float, float] = field(default=(0.0, 0.0))

    @property
    def labels(self) -> int:
        return sum(self.decisions.values())

    @property
    def band_floor(self) -> float:
        return near_floor(self.model.lower)


def _origin(domain: str, stored: MatchModel | None) -> str:
    schema = SCHEMAS[domain]
    if stored is not None and FellegiSunterModel.from_dict(stored.parameters).fits(schema):
        return "fitted on this hub's records"
    shipped = shipped_model(domain)
    return "shipped with Concord" if shipped is not None and shipped.fits(schema) else "untrained defaults"


def _check(questions, why: str) -> Proportion:
    answered = questions.filter(why=why, answer__in=[Answer.SAME, Answer.NOT_SAME])
    return Proportion(answered.filter(answer=Answer.SAME).count(), answered.count())


def _stratum(questions, why: str) -> int:
    """The stratum's size when it was last drawn from."""
    latest = questions.filter(why=why).order_by("-created_at", "-id").values_list("stratum_size", flat=True).first()
    return int(latest or 0)


def model_quality(domain: str) -> ModelQuality:
    """The domain's model as the console shows it, with its estimated precision and recall."""
    model = domain_model(domain)
    stored = MatchModel.objects.filter(domain=domain).first()
    key = model_key(model)
    questions = LabelRequest.objects.filter(domain=domain)
    current = questions.filter(model_key=key)
    answers: dict[str, dict[str, int]] = {}
    for row in questions.exclude(answer="").values("why", "answer").annotate(n=Count("id")):
        answers.setdefault(Why(row["why"]).label, {})[row["answer"]] = row["n"]
    links, below = _check(current, Why.AUDIT_LINK), _check(current, Why.AUDIT_NEAR)
    link_pairs, below_pairs = _stratum(current, Why.AUDIT_LINK), _stratum(current, Why.AUDIT_NEAR)
    audits = [Why.AUDIT_LINK, Why.AUDIT_NEAR]
    return ModelQuality(
        domain=domain, model=model, stored=stored, origin=_origin(domain, stored), key=key,
        fields=field_weights(model),
        decisions=dict(MatchDecision.objects.filter(domain=domain).values_list("verdict").annotate(n=Count("id"))),
        answers=answers, open_questions=questions.filter(answer="").count(),
        link_check=links, below_check=below, link_pairs=link_pairs, below_pairs=below_pairs,
        precision=precision_estimate(links, MIN_CHECKS),
        recall=recall_estimate(links, below, link_pairs, below_pairs, MIN_CHECKS), minimum=MIN_CHECKS,
        known_missed=questions.filter(answer=Answer.SAME, probability__lt=model.upper).count(),
        older_answers=questions.filter(why__in=audits).exclude(answer="").exclude(model_key=key).count(),
        thresholds_bits=tuple(float(bits) for bits in log_odds([model.upper, model.lower])),
    )
