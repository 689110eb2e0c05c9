"""The Fellegi–Sunter model: m and u per agreement level, fitted by EM without labels.

m = P(level | same entity), u = P(level | different entities). A field's contribution to a pair
is log2(m/u) of the level it reached (its Bayes factor in bits), 0 when a value is missing. The
match weight is the prior's log-odds plus the contributions; the probability follows from it.
A fitted model is plain data: `to_dict()` gives JSON the hub can store, `from_dict()` reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from .comparisons import KINDS
from .schema import Schema
from .terms import TermFrequencies, Terms

_FLOOR = 1e-6

# How often two different entities agree exactly by chance, by kind: the prior for an untrained model.
_CHANCE_AGREEMENT = {
    "tax_id": 1e-5, "identifier": 1e-5, "phone": 1e-4, "email": 1e-4, "domain": 1e-4, "code": 1e-3,
    "company_name": 1e-3, "person_name": 5e-3, "address": 1e-3, "date": 1e-3, "text": 5e-3,
    "postal_code": 1e-2, "city": 2e-2, "country": 0.2, "exact": 1e-2,
}


@dataclass
class FieldParameters:
    name: str
    kind: str
    m: list[float]
    u: list[float]

    def weights(self) -> np.ndarray:
        """log2(m/u) per level, plus a trailing 0 used for missing values (level -1)."""
        m = np.maximum(np.asarray(self.m, float), _FLOOR)
        u = np.maximum(np.asarray(self.u, float), _FLOOR)
        return np.append(np.log2(m / u), 0.0)


@dataclass
class FellegiSunterModel:
    schema: str
    fields: list[FieldParameters]
    prior: float = 1e-3  # share of matches among candidate pairs
    upper: float = 0.9  # link at or above this probability
    lower: float = 0.5  # review at or above this, no match below
    trained: dict = field(default_factory=dict)  # how it was fitted: pairs, iterations, converged
    terms: Terms = field(default_factory=Terms)  # value and word frequencies of the data it was fitted on
    # The prior by the systems a pair's records come from ("crm|erp", "crm|crm"): a CRM holds
    # duplicates of its own far more often than an ERP does, and two files of one system may hold
    # none. `prior` stands for pairs of a kind not fitted.
    pair_priors: dict[str, float] = field(default_factory=dict)
    # u of a site's name fields (schema.Site.names) among pairs at one site, where learned (site_u).
    site_u: dict[str, list[float]] = field(default_factory=dict)
    # Per stratum of pairs within one system (scoring.calibration_strata: the kind, names apart
    # or not), how the data's own certain pairs fared by match weight: isotonic blocks
    # (calibration_by_kind), which scoring holds that stratum's pairs to.
    calibration: dict[str, list[list[float]]] = field(default_factory=dict)

    @classmethod
    def untrained(cls, schema: Schema, **thresholds) -> FellegiSunterModel:
        """Reasonable defaults from each kind's chance agreement, for use before any fit."""
        params = []
        for f in schema.compared:
            n = KINDS[f.kind].n_levels
            m = 4.0 ** np.arange(n)
            m /= m.sum()
            chance = _CHANCE_AGREEMENT.get(f.kind, 1e-2)
            u = np.concatenate([(0.2 ** np.arange(n - 1)), [0.0]])
            u = u / u.sum() * (1 - chance)
            u[-1] = chance
            params.append(FieldParameters(f.name, f.kind, m.tolist(), u.tolist()))
        return cls(schema=schema.name, fields=params, prior=0.05, **thresholds)

    def weight_tables(self) -> list[np.ndarray]:
        return [p.weights() for p in self.fields]

    def contributions(self, levels: np.ndarray) -> np.ndarray:
        """(pairs x fields) log2 Bayes factors for a matrix of agreement levels."""
        out = np.empty(levels.shape, dtype=np.float64)
        for j, table in enumerate(self.weight_tables()):
            out[:, j] = table[levels[:, j]]
        return out

    @property
    def prior_weight(self) -> float:
        return float(log_odds(self.prior))

    def prior_weights(self, kinds: np.ndarray | None) -> np.ndarray | float:
        """The prior's log-odds per pair, by its kind (pair_kind of its records' systems)."""
        if kinds is None or not self.pair_priors:
            return self.prior_weight
        weights = {kind: float(log_odds(prior)) for kind, prior in self.pair_priors.items()}
        default = self.prior_weight
        return np.fromiter((weights.get(kind, default) for kind in kinds), dtype=np.float64, count=len(kinds))

    def to_dict(self) -> dict:
        return {
            "schema": self.schema, "prior": self.prior, "upper": self.upper, "lower": self.lower,
            "trained": self.trained,
            "fields": [{"name": p.name, "kind": p.kind, "m": list(p.m), "u": list(p.u),
                        "levels": list(KINDS[p.kind].labels)} for p in self.fields],
            "terms": self.terms.to_dict(), "pair_priors": self.pair_priors, "site_u": self.site_u,
            "calibration": self.calibration,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FellegiSunterModel:
        fields = [FieldParameters(f["name"], f["kind"], list(f["m"]), list(f["u"])) for f in data["fields"]]
        return cls(schema=data["schema"], fields=fields, prior=data["prior"], upper=data["upper"],
                   lower=data["lower"], trained=dict(data.get("trained", {})), terms=Terms.from_dict(data.get("terms")),
                   pair_priors=dict(data.get("pair_priors", {})), site_u=dict(data.get("site_u", {})),
                   calibration=dict(data.get("calibration", {})))

    def fits(self, schema: Schema) -> bool:
        """Whether this model scores `schema` as it stands (its fields with the same levels):
        a model stored before a schema change is not used for it."""
        return [(p.name, p.kind, len(p.m)) for p in self.fields] == \
            [(f.name, f.kind, KINDS[f.kind].n_levels) for f in schema.compared]


def measure_terms(schema: Schema, columns: dict[str, np.ndarray]) -> Terms:
    """The value and word frequencies a model weighs its evidence by, from standardized columns."""
    terms = Terms()
    for f in schema.compared:
        kind = KINDS[f.kind]
        if kind.term_frequency:
            terms.values[f.name] = TermFrequencies.of(columns[f.name])
        if kind.weighs_words:
            terms.words[f.name] = TermFrequencies.of(columns[f.name], words=True)
    return terms


def log_odds(p) -> np.ndarray:
    """log2(p / (1 − p)), the scale match weights are on (the inverse of `probability`)."""
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-12, 1 - 1e-12)
    return np.log2(p / (1 - p))


def pair_kind(a: str, b: str) -> str:
    """The kind of a pair by its records' systems, whichever comes first."""
    return f"{a}|{b}" if a <= b else f"{b}|{a}"


def calibration_by_kind(kinds: np.ndarray, weights: np.ndarray, answers: np.ndarray) -> dict[str, list[list[float]]]:
    """The certain pairs (`answers` 1 the same, 0 not, with their match `weights`) of each kind
    (or stratum) as calibration_blocks, for those with enough of them to say anything
    (calibrated_kinds)."""
    return {kind: calibration_blocks(weights[kinds == kind], answers[kinds == kind]) for kind in calibrated_kinds(kinds)}


def calibrated_kinds(kinds: np.ndarray) -> list[str]:
    """The kinds (or strata) among the certain pairs' `kinds` with enough of them to calibrate
    (as for pair_priors)."""
    found, counts = np.unique(kinds, return_counts=True)
    return [kind for kind, count in zip(found.tolist(), counts.tolist(), strict=True) if count >= _MIN_PAIRS_PER_KIND]


def calibration_blocks(weights: np.ndarray, answers: np.ndarray) -> list[list[float]]:
    """Certain pairs (`answers` 1 the same, 0 not) as isotonic blocks [lowest weight, highest
    weight, pairs the same, pairs]: sorted by match weight, pooled where the share of pairs the
    same would fall as the weight rises (pool adjacent violators)."""
    order = np.argsort(weights, kind="stable")
    blocks: list[list[float]] = []
    for w, y in zip(weights[order].tolist(), answers[order].tolist(), strict=True):
        blocks.append([w, w, y, 1.0])
        while len(blocks) > 1 and blocks[-2][2] * blocks[-1][3] >= blocks[-1][2] * blocks[-2][3]:
            top = blocks.pop()
            blocks[-1][1] = top[1]
            blocks[-1][2] += top[2]
            blocks[-1][3] += top[3]
    return blocks


def calibrated(weights: np.ndarray, blocks: list[list[float]]) -> np.ndarray:
    """Pairs' probabilities held to what certain pairs scoring alike say (calibration_blocks):
    the share of them the same in a pair's block, with the model's own probability for the pair
    counted as one more pair (a few certain pairs leave the model's word nearly as it was).
    Between two blocks, where no certain pair scored, the model's probability stands, kept
    between the two blocks' shares. Never above the model's own probability: the certain pairs
    are there to answer EM's overstatement, not to raise a pair past its evidence."""
    blocks_ = np.asarray(blocks, dtype=np.float64)
    lowest, highest, same, pairs = blocks_.T
    p = probability(weights)
    k = np.searchsorted(lowest, weights, side="right") - 1  # the block starting at or below
    inside = (k >= 0) & (weights <= highest[np.maximum(k, 0)])
    kk = np.maximum(k, 0)
    share = same / pairs
    below = np.where(k >= 0, share[kk], 0.0)
    above = np.where(k + 1 < len(blocks), share[np.minimum(k + 1, len(blocks) - 1)], 1.0)
    held = np.where(inside, (same[kk] + p) / (pairs[kk] + 1), np.clip(p, below, above))
    return np.minimum(held, p)


def probability(weight: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -60, 60)))


def _compress(levels: np.ndarray, n_levels: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Distinct comparison vectors and how often each occurs (EM then runs over a few thousand rows)."""
    code = np.zeros(len(levels), dtype=np.int64)
    for j, n in enumerate(n_levels):
        code = code * (n + 1) + (levels[:, j].astype(np.int64) + 1)
    unique, first, counts = np.unique(code, return_index=True, return_counts=True)
    return levels[first], counts.astype(np.float64)


def level_frequencies(levels: np.ndarray, n_levels: list[int]) -> list[np.ndarray]:
    """Per field, the share of each level among pairs where both values are present."""
    out = []
    for j, n in enumerate(n_levels):
        column = levels[:, j]
        counts = np.bincount(column[column >= 0], minlength=n).astype(float) + 0.5  # never exactly zero
        out.append(counts / counts.sum())
    return out


# m is smoothed toward its starting point by pseudo-matches worth this share of the matches EM
# finds: a level no match in the sample reached (a move, a typo) is rare, not impossible, and a
# clean sample must not teach the model that any one disagreement rules a pair out.
_M_SMOOTHING = 0.01


@dataclass
class Labelled:
    """Pairs whose answer is known, as compressed comparison vectors: their posterior is the answer
    (1 the same, 0 not), not EM's guess. They teach m and u; the prior, a share of all pairs,
    is left to the unlabelled ones (stewards answer the hard pairs, not a random sample).

    `untaught`: fields (by position) the answer says nothing about because it was read from
    them (an identity rule's tax id and country): there the pairs count as EM weighs them, as if
    unanswered, so a field never learns from answers its own values gave."""

    patterns: np.ndarray
    counts: np.ndarray
    posterior: np.ndarray
    untaught: tuple[int, ...] = ()

    @classmethod
    def of(cls, levels: np.ndarray, answers: np.ndarray, n_levels: list[int], untaught: tuple[int, ...] = ()
           ) -> Labelled | None:
        parts = [(*_compress(levels[answers == answer], n_levels), answer) for answer in (0.0, 1.0)
                 if (answers == answer).any()]
        if not parts:
            return None
        return cls(np.concatenate([p for p, _, _ in parts]), np.concatenate([c for _, c, _ in parts]),
                   np.concatenate([np.full(len(c), a) for _, c, a in parts]), tuple(untaught))


def _em(patterns: np.ndarray, counts: np.ndarray, n_levels: list[int], m: list, u: list, prior: float, *,
        fix_m: bool = False, fix_u: bool = False, max_iter: int = 300, tol: float = 1e-6,
        labelled: Labelled | list[Labelled] | None = None):
    """EM over compressed comparison vectors; returns m, u, prior, iterations, converged."""
    total = counts.sum()
    m_start = [np.asarray(x, dtype=np.float64) for x in m]
    answered = [] if labelled is None else [labelled] if isinstance(labelled, Labelled) else list(labelled)
    compared = np.concatenate([patterns, *(a.patterns for a in answered)]) if answered else patterns
    for step in range(1, max_iter + 1):
        posterior = _posterior(patterns, m, u, prior)
        new_prior = float(np.clip((posterior * counts).sum() / total, 1e-9, 1 - 1e-9)) if total else prior
        # The M-step counts answered pairs as they were answered, except in the fields they were read from.
        guessed = [_posterior(a.patterns, m, u, prior) if a.untaught else None for a in answered]
        weights = np.concatenate([counts, *(a.counts for a in answered)])
        taught = np.concatenate([posterior, *(a.posterior for a in answered)])
        new_m, new_u = [], []
        for j, n in enumerate(n_levels):
            share = taught if not any(j in a.untaught for a in answered) else np.concatenate(
                [posterior, *(g if j in a.untaught else a.posterior for a, g in zip(answered, guessed, strict=True))])
            match_weight, non_match_weight = share * weights, (1 - share) * weights
            present = compared[:, j] >= 0
            level = compared[present, j]
            if fix_m or not present.any():
                new_m.append(m[j])
            else:
                mm = np.bincount(level, weights=match_weight[present], minlength=n)
                mm = mm + _M_SMOOTHING * mm.sum() * m_start[j] + 1e-9
                new_m.append(mm / mm.sum())
            if fix_u or not present.any():
                new_u.append(u[j])
            else:
                uu = np.bincount(level, weights=non_match_weight[present], minlength=n) + 1e-9
                new_u.append(uu / uu.sum())
        change = max(abs(new_prior - prior), max(np.abs(a - b).max() for a, b in zip(new_m, m, strict=True)),
                     max(np.abs(a - b).max() for a, b in zip(new_u, u, strict=True)))
        m, u, prior = new_m, new_u, new_prior
        if change < tol:
            return m, u, prior, step, True
    return m, u, prior, max_iter, False


def _posterior(patterns: np.ndarray, m: list, u: list, prior: float) -> np.ndarray:
    log_m = sum(np.append(np.log(np.maximum(m[j], _FLOOR)), 0.0)[patterns[:, j]] for j in range(len(m)))
    log_u = sum(np.append(np.log(np.maximum(u[j], _FLOOR)), 0.0)[patterns[:, j]] for j in range(len(u)))
    odds = np.log(prior) - np.log1p(-prior) + log_m - log_u
    return 1.0 / (1.0 + np.exp(-np.clip(odds, -700, 700)))


def _start(schema: Schema, random_levels, n_levels):
    start = FellegiSunterModel.untrained(schema)
    u = level_frequencies(random_levels, n_levels) if random_levels is not None and len(random_levels) else \
        [np.asarray(p.u) for p in start.fields]
    return [np.asarray(p.m) for p in start.fields], u


def fit(schema: Schema, candidate_levels: np.ndarray, random_levels: np.ndarray | None = None, *,
        max_iter: int = 300, tol: float = 1e-6, fix_u: bool = False, terms: Terms | None = None,
        **thresholds) -> FellegiSunterModel:
    """Estimate m, u and the prior from unlabelled candidate pairs by expectation–maximisation.

    u starts from the level frequencies of random pairs (nearly all non-matches), m from a strong
    lean to agreement; EM then refines m, u (unless `fix_u`) and the prior over the candidates,
    which is the population the model will score. See `fit_per_rule` for the method `train` uses.
    """
    compared = schema.compared
    n_levels = [KINDS[f.kind].n_levels for f in compared]
    m, u = _start(schema, random_levels, n_levels)
    patterns, counts = _compress(candidate_levels, n_levels)
    m, u, prior, iterations, converged = _em(patterns, counts, n_levels, m, u, 0.1, fix_u=fix_u, max_iter=max_iter,
                                             tol=tol)
    params = [FieldParameters(f.name, f.kind, m[j].tolist(), u[j].tolist()) for j, f in enumerate(compared)]
    return FellegiSunterModel(schema=schema.name, fields=params, prior=prior,
                              trained={"method": "candidates", "pairs": int(counts.sum()),
                                       "patterns": int(len(patterns)), "iterations": iterations,
                                       "converged": converged, "fix_u": fix_u},
                              terms=terms or Terms(), **thresholds)


def fit_per_rule(schema: Schema, rule_levels: Iterable[np.ndarray], candidate_levels: np.ndarray,
                 random_levels: np.ndarray, total_pairs: float, *, max_iter: int = 300, tol: float = 1e-6,
                 terms: Terms | None = None, rule_answers: Iterable[np.ndarray] | None = None,
                 rule_identities: Iterable[np.ndarray] | None = None,
                 candidate_identities: np.ndarray | None = None,
                 candidate_kinds: np.ndarray | None = None, kind_totals: dict[str, float] | None = None,
                 **thresholds) -> FellegiSunterModel:
    """Fit the way the model is then used: for a pair drawn from all record pairs.

    u comes from random record pairs and stays fixed. m is estimated by EM once per blocking rule,
    on the pairs that rule produced, leaving out the rule's own fields (they agree by construction,
    so they say nothing there); a field's m is the average over the rules that did not use it. The
    prior is the share of matches among all record pairs: EM's share among the candidates (m and u
    fixed) times candidates / all pairs. Candidate non-matches agreeing on a blocking key then no
    longer pass for matches, which the plain candidate EM cannot tell apart.

    `rule_answers`: per rule, an array over its pairs with a steward's answer (1 the same, 0 not)
    or NaN: answered pairs enter each EM as answered (Labelled). `candidate_kinds` (per candidate
    pair, its pair_kind) and `kind_totals` (all pairs of each kind): a prior is fitted per kind
    the same way, from its own candidates.

    `rule_identities`: per rule, the answer the schema's identity rules give each pair (1 the
    same tax id, 0 two tax ids that contradict each other, NaN neither): the data's own certain
    pairs, which enter each EM as a steward's answers do but teach nothing of the fields the
    rules read (Labelled.untaught). A steward's answer goes before them.
    `candidate_identities`: the same over all candidates, for the prior: the pairs identity
    rules decide count as decided there.
    """
    compared = schema.compared
    n_levels = [KINDS[f.kind].n_levels for f in compared]
    m0, u = _start(schema, random_levels, n_levels)
    m_sessions: list[list[np.ndarray]] = [[] for _ in compared]
    sessions = []
    answers_by_rule = rule_answers if rule_answers is not None else (None for _ in schema.blocking)
    identities_by_rule = rule_identities if rule_identities is not None else (None for _ in schema.blocking)
    untaught = identity_fields(schema)
    for rule, levels, answers, identities in zip(schema.blocking, rule_levels, answers_by_rule, identities_by_rule,
                                                 strict=True):
        if len(levels) < 20:
            continue
        m, session, taught = _rule_session(schema, rule, levels, answers, identities, n_levels, m0, u, untaught,
                                           max_iter=max_iter, tol=tol)
        for j in taught:
            m_sessions[j].append(m[j])
        sessions.append(session)
    m = [_robust_mean(m_sessions[j]) if m_sessions[j] else m0[j] for j in range(len(compared))]
    prior, prior_candidates = _prior(candidate_levels, total_pairs, n_levels, m, u, max_iter, tol, candidate_identities)
    pair_priors = _kind_priors(candidate_levels, candidate_kinds, kind_totals, candidate_identities, n_levels, m, u,
                               max_iter, tol)
    params = [FieldParameters(f.name, f.kind, m[j].tolist(), u[j].tolist()) for j, f in enumerate(compared)]
    return FellegiSunterModel(schema=schema.name, fields=params, prior=prior,
                              trained={"method": "per_rule", "pairs": int(len(candidate_levels)),
                                       "total_pairs": float(total_pairs), "prior_candidates": prior_candidates,
                                       "sessions": sessions},
                              terms=terms or Terms(), pair_priors=pair_priors, **thresholds)


def _rule_session(schema: Schema, rule, levels: np.ndarray, answers, identities, n_levels, m0, u, untaught, *,
                  max_iter: int, tol: float) -> tuple[list[np.ndarray], dict, list[int]]:
    """One blocking rule's EM (u fixed): its pairs with the rule's own fields left out, steward
    answers and the identity rules' certain pairs as labels. Returns m, the session's summary and
    the fields it taught (those it did not leave out and saw a value of)."""
    compared = schema.compared
    used = {field for field, _ in rule.parts}
    excluded = [j for j, f in enumerate(compared) if f.name in used]
    levels = levels.copy()
    levels[:, excluded] = -1
    answered = np.zeros(len(levels), dtype=bool) if answers is None else ~np.isnan(answers)
    certain = np.zeros(len(levels), dtype=bool) if identities is None else ~np.isnan(identities) & ~answered
    patterns, counts = _compress(levels[~answered & ~certain], n_levels)
    labelled = [x for x in (
        Labelled.of(levels[answered], answers[answered], n_levels) if answered.any() else None,
        _certain(levels[certain], identities[certain], n_levels, untaught, int((~answered & ~certain).sum()))
        if certain.any() else None)
        if x is not None]
    m, _, prior, iterations, converged = _em(patterns, counts, n_levels, [x.copy() for x in m0], u, 0.1,
                                             fix_u=True, max_iter=max_iter, tol=tol, labelled=labelled)
    taught = [j for j in range(len(compared)) if j not in excluded and (levels[:, j] >= 0).any()]
    session = {"rule": rule.name, "pairs": int(len(levels)), "answered": int(answered.sum()),
               "certain": int(certain.sum()), "prior": prior, "iterations": iterations, "converged": converged,
               "m": {compared[j].name: [round(float(x), 5) for x in m[j]] for j in range(len(compared))
                     if j not in excluded}}
    return m, session, taught


def _kind_priors(candidate_levels, candidate_kinds, kind_totals, candidate_identities, n_levels, m, u, max_iter,
                 tol) -> dict[str, float]:
    """A prior per kind of pair (within one system, between two) from its own candidates, for the
    kinds with enough of them."""
    def fitted(mine: np.ndarray, total: float) -> float:
        identities = None if candidate_identities is None else candidate_identities[mine]
        return _prior(candidate_levels[mine], total, n_levels, m, u, max_iter, tol, identities)[0]

    priors, too_few = {}, []
    for kind, total in (kind_totals or {}).items():
        mine = candidate_kinds == kind
        if mine.sum() < _MIN_PAIRS_PER_KIND:
            too_few.append(kind)
            continue
        priors[kind] = fitted(mine, total)
    own_kinds = [kind for kind in too_few if within_one_system(kind)]
    if own_kinds:
        pooled = _pooled_own_prior(candidate_kinds, kind_totals, fitted)
        if pooled is not None:
            priors.update(dict.fromkeys(own_kinds, pooled))
    return priors


def within_one_system(kind: str) -> bool:
    """Whether a pair_kind is two records of one system ("crm|crm")."""
    first, _, second = kind.partition("|")
    return first == second


def _pooled_own_prior(candidate_kinds, kind_totals, fitted) -> float | None:
    """The prior of two records of one system, fitted over every system's own candidates at
    once: for a system with too few candidates of its own to fit one. A system lists each
    customer once but for the few it re-keys, far more rarely than two systems share one, so the
    overall prior — which the pairs between systems dominate — overstated its duplicates
    (docs/benchmarks.md, "Siblings at one site"). None when the systems' own candidates together
    are still too few."""
    own_kinds = [kind for kind in kind_totals if within_one_system(kind)]
    mine = np.isin(candidate_kinds, own_kinds)
    if mine.sum() < _MIN_PAIRS_PER_KIND:
        return None
    return fitted(mine, sum(kind_totals[kind] for kind in own_kinds))


def _certain(levels: np.ndarray, answers: np.ndarray, n_levels: list[int], untaught: tuple[int, ...],
             guessed: int) -> Labelled | None:
    """The pairs identity rules decide in one session, as labels weighing together no more than
    the `guessed` pairs EM must answer itself: they are the pairs whose records both hold a tax
    id, not a random sample, and where they outnumber the rest (Febrl: a person id on nearly
    every record) they anchor the fit without becoming all of it."""
    labelled = Labelled.of(levels, answers, n_levels, untaught) if len(levels) else None
    if labelled is not None and guessed and guessed < len(levels):
        labelled.counts = labelled.counts * (guessed / len(levels))
    return labelled


def identity_values(schema: Schema) -> tuple[int, ...]:
    """The compared fields (by position) that hold the identity rules' identifiers (the tax id),
    without what they must agree within."""
    read = {rule.field for rule in schema.identity_rules}
    return tuple(j for j, f in enumerate(schema.compared) if f.name in read)


def identity_fields(schema: Schema) -> tuple[int, ...]:
    """The compared fields (by position) the schema's identity rules read: the identifier and
    what it must agree within."""
    read = {name for rule in schema.identity_rules for name in (rule.field, rule.within) if name}
    return tuple(j for j, f in enumerate(schema.compared) if f.name in read)


def _robust_mean(estimates: list[np.ndarray]) -> np.ndarray:
    """One m from the sessions that estimated it: the median of each level, renormalized. A
    session blocked on what related firms share (a brand's web domain, a head office's phone)
    counts its sibling firms as matches and sees names or countries disagree among "matches" far
    more often than they do; the median leaves such a session out where the mean let it pull."""
    if len(estimates) < 3:
        return np.mean(estimates, axis=0)
    middle = np.median(np.vstack(estimates), axis=0)
    return middle / middle.sum()


_MIN_PAIRS_PER_KIND = 50  # fewer candidate pairs of a kind than this: its pairs take the overall prior


def _prior(levels: np.ndarray, total_pairs: float, n_levels, m, u, max_iter, tol,
           certain: np.ndarray | None = None) -> tuple[float, float]:
    """(the share of matches among all `total_pairs` pairs, among the candidates `levels`).
    `certain`: per candidate, what identity rules decided (1, 0, NaN none): those pairs count as
    decided, and EM shares out only the rest (two firms at one site that the tax ids part would
    otherwise pass for a match and raise the prior)."""
    known = np.zeros(len(levels), dtype=bool) if certain is None else ~np.isnan(certain)
    among = 0.0
    if (~known).any():
        patterns, counts = _compress(levels[~known], n_levels)
        among = _em(patterns, counts, n_levels, m, u, 0.1, fix_m=True, fix_u=True, max_iter=max_iter, tol=tol)[2]
    among_candidates = (among * (~known).sum() + float(np.nansum(certain[known]) if known.any() else 0.0)) / \
        max(len(levels), 1)
    return float(min(among_candidates * len(levels) / max(total_pairs, 1.0), 0.5)), among_candidates


_MIN_PARTED_AT_SITE = 20  # fewer pairs at one site parted by an identity rule: the name keeps its u


def site_u(schema: Schema, model: FellegiSunterModel, parted_levels: np.ndarray) -> dict[str, list[float]]:
    """u of each of the site's name fields among pairs at one site that an identity rule parts
    (two valid tax ids): labels the data gives itself, where unsupervised EM over the pairs at a
    site has no unique answer (docs/benchmarks.md). Half a pair is added to each level, and the
    exact level keeps its u from random pairs: neighbours do not share an exact name."""
    if schema.site is None:
        return {}
    out = {}
    for j, f in enumerate(schema.compared):
        if f.name not in schema.site.names:
            continue
        level = parted_levels[:, j]
        level = level[level >= 0]
        if len(level) < _MIN_PARTED_AT_SITE:
            continue
        counts = np.bincount(level, minlength=KINDS[f.kind].n_levels).astype(np.float64) + 0.5
        exact = model.fields[j].u[-1]
        below = counts[:-1] / counts[:-1].sum() * (1 - exact)
        out[f.name] = [*below.tolist(), exact]
    return out
