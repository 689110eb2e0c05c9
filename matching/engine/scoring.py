"""Scoring pairs: comparison vectors, the model's weight, identity rules, and the decision.

The batch functions and the hub's incremental calls share `score_arrays`, so a pair gets the same
score whichever way it was found.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz.distance import OSA

from .comparisons import KINDS, comparison_levels
from .model import FellegiSunterModel, calibrated, identity_values, log_odds, probability, within_one_system
from .schema import Schema, schema_for, standardize_columns
from .standardize import same_kind_of_id, tax_id_is_valid
from .terms import Terms


class Decision:
    LINK = "link"
    REVIEW = "review"
    NO_MATCH = "no_match"


@dataclass
class PairScore:
    left_id: object
    right_id: object
    match_weight: float  # log2 odds: prior plus contributions
    probability: float  # after identity rules
    decision: str  # Decision.LINK / REVIEW / NO_MATCH
    rule: str = ""  # the identity rule that overrode the model, if any
    contributions: dict[str, float] = field(default_factory=dict)  # log2 Bayes factor per field
    levels: dict[str, str] = field(default_factory=dict)  # agreement level name per compared field


@dataclass
class ScoredArrays:
    """Scores of aligned pairs as arrays (the batch form of PairScore)."""

    levels: np.ndarray  # (pairs x compared fields) int8, -1 missing
    contributions: np.ndarray  # (pairs x compared fields) log2 Bayes factors
    match_weight: np.ndarray
    probability: np.ndarray
    rule: np.ndarray  # object: "" or the rule's label


def comparison_vectors(schema: Schema, left: dict, right: dict, li: np.ndarray, ri: np.ndarray,
                       presence: dict | None = None, terms: Terms | None = None) -> np.ndarray:
    """Agreement levels for pairs (left row li[k], right row ri[k]) of standardized columns.
    `presence` (field -> bool mask of rows with a value) saves recomputing it when left is right;
    `terms` gives the word frequencies names are weighed by."""
    fields = schema.compared
    levels = np.empty((len(li), len(fields)), dtype=np.int8)
    words = terms.words if terms else {}

    def compare(kind, a, b):
        both = None if presence is None else presence[a][li] & presence[b][ri]
        return comparison_levels(kind, left[a][li], right[b][ri], both, words.get(a))

    for j, f in enumerate(fields):
        level = compare(f.kind, f.name, f.name)
        if f.swap_with:  # the best of the straight and the crossed comparison
            level = np.maximum(level, compare(f.kind, f.name, f.swap_with))
            level = np.maximum(level, compare(f.kind, f.swap_with, f.name))
        levels[:, j] = level
    return levels


def identity_overrides(schema: Schema, left: dict, right: dict, li: np.ndarray, ri: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Forced probabilities (NaN where no rule applies) and the rule label per pair.

    An identity rule with `within` (tax ids within a country): the same id within the same
    country is a match; two ids that contradict each other within one country are not, and nor
    are two ids of two countries (a subsidiary abroad registers on its own)."""
    forced = np.full(len(li), np.nan)
    label = np.full(len(li), "", dtype=object)
    for rule in schema.identity_rules:
        a, b = left[rule.field][li], right[rule.field][ri]
        valid = schema.field(rule.field).kind != "tax_id"
        both = np.fromiter(((x is not None and y is not None and (valid or (tax_id_is_valid(x) and tax_id_is_valid(y))))
                            for x, y in zip(a, b, strict=False)), dtype=bool, count=len(a))
        apart = np.zeros(len(a), dtype=bool)
        if rule.within:
            wa, wb = left[rule.within][li], right[rule.within][ri]
            known = np.fromiter((x is not None and y is not None for x, y in zip(wa, wb, strict=False)), dtype=bool,
                                count=len(a))
            same_within = known & (wa == wb)
            apart = both & known & ~same_within
            both &= same_within
        open_ = np.isnan(forced)
        same = both & (a == b) & open_
        forced[same], label[same] = 1.0, f"same {rule.field}"
        if rule.conflict_is_non_match:
            differ = both & (a != b) & open_
            differ[differ] = [_contradict(x, y) for x, y in zip(a[differ], b[differ], strict=True)]
            forced[differ], label[differ] = 0.0, f"different {rule.field}"
            abroad = apart & open_
            forced[abroad], label[abroad] = 0.0, f"{rule.field} of another {rule.within}"
    return forced, label


def _contradict(a: str, b: str) -> bool:
    """Two identifiers of one kind that differ by more than a typo: two different things. A
    one-character slip is left to the model, and ids of two kinds (a VAT and a register number)
    are two identifiers of one firm as often as not."""
    return same_kind_of_id(a, b) and OSA.distance(a, b) > 1


def score_arrays(schema: Schema, model: FellegiSunterModel, left: dict, right: dict,
                 li: np.ndarray, ri: np.ndarray, kinds: np.ndarray | None = None) -> ScoredArrays:
    """`kinds`: each pair's kind by its records' systems (model.pair_kind), for the model's
    priors by kind; None: the overall prior."""
    li, ri = np.asarray(li, dtype=np.int64), np.asarray(ri, dtype=np.int64)
    levels = comparison_vectors(schema, left, right, li, ri, terms=model.terms)
    return score_levels(schema, model, left, right, li, ri, levels, kinds)


def score_levels(schema: Schema, model: FellegiSunterModel, left: dict, right: dict, li: np.ndarray, ri: np.ndarray,
                 levels: np.ndarray, kinds: np.ndarray | None = None, *,
                 held_strata: Collection[str] | None = None) -> ScoredArrays:
    """Scores of pairs whose comparison levels are already known (batch computes them once).
    `held_strata`: the calibration strata whose pairs are held to certain pairs (by default the
    model's; the fit names those it is about to calibrate, to score their certain pairs alike)."""
    held_strata = model.calibration if held_strata is None else held_strata
    strata = calibration_strata(schema, kinds, levels) if kinds is not None and held_strata else None
    held = np.zeros(len(levels), dtype=bool) if strata is None else np.isin(strata, list(held_strata))
    contributions = model.contributions(levels)
    _adjust_for_term_frequencies(schema, model, contributions, levels, left, right, li, ri)
    _count_the_site_once(schema, contributions, levels)
    _place_siblings_at_site_once(schema, contributions, levels, kinds, held)
    one_organisation = at_one_site(schema, levels)  # asked by both stages below
    _count_implied_once(schema, contributions, levels, one_organisation)
    _weigh_names_at_site(schema, model, contributions, levels, one_organisation)
    weight = model.prior_weights(kinds) + contributions.sum(axis=1)
    if model.calibration and strata is not None:
        weight = _held_to_certain_pairs(schema, model, weight, contributions, strata)
    prob = probability(weight)
    forced, rule = identity_overrides(schema, left, right, li, ri)
    prob = np.where(np.isnan(forced), prob, forced)
    return ScoredArrays(levels, contributions, weight, prob, rule)


def calibration_strata(schema: Schema, kinds: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Each pair's stratum for model.calibration: its kind, and whether a site name (the firm's
    name) falls short of very similar ("names apart"). Look-alike firms differ in their names,
    and a pair whose names share only some words is a different population from one whose
    names agree, whatever the total weight says (as for _weigh_names_at_site)."""
    kinds = kinds.astype(str)
    if schema.site is None:
        return kinds
    apart = np.zeros(len(levels), dtype=bool)
    for j, f in enumerate(schema.compared):
        if f.name in schema.site.names:
            apart |= (levels[:, j] >= 0) & (levels[:, j] < KINDS[f.kind].n_levels - _NAMING_LEVELS)
    return np.where(apart, np.char.add(kinds, " names apart"), kinds)


def _held_to_certain_pairs(schema, model, weight, contributions, strata) -> np.ndarray:
    """Two records of one system are held to what the data's own certain pairs of their stratum
    (calibration_strata) say of pairs scoring as they do (model.calibration, model.calibrated):
    EM counts a system's look-alike firms as its duplicates and overstates how many it holds.
    The weight compared is every field's but the identifier's, which the certain pairs were
    read from; its contribution is added back after."""
    read = list(identity_values(schema))
    own = contributions[:, read].sum(axis=1)
    rest = weight - own
    out = np.array(weight, dtype=np.float64)
    for stratum, blocks in model.calibration.items():
        rows = np.flatnonzero(strata == stratum)
        if len(rows):
            out[rows] = log_odds(calibrated(rest[rows], blocks)) + own[rows]
    return out


def _adjust_for_term_frequencies(schema, model, contributions, levels, left, right, li, ri) -> None:
    """Exact agreement weighs by the agreed value's own frequency (Splink's term-frequency
    adjustment): log2(m_exact / share of the other records holding it) instead of
    log2(m_exact / u_exact). Agreement is never counted against a pair, however common the value."""
    for j, (f, params) in enumerate(zip(schema.compared, model.fields, strict=True)):
        frequencies = model.terms.values.get(f.name)
        if frequencies is None or not frequencies.total:
            continue
        top = len(params.m) - 1
        rows = np.flatnonzero(levels[:, j] == top)
        if not len(rows):
            continue
        a, b = left[f.name][li[rows]], right[f.name][ri[rows]]
        if KINDS[f.kind].several:
            shares = np.fromiter((frequencies.shared_share(x, y) for x, y in zip(a, b, strict=True)),
                                 dtype=np.float64, count=len(rows))
        else:  # the top level of a single value is equality: its own frequency, looked up for all at once
            counts = pd.Series(a).map(frequencies.counts).fillna(1).to_numpy(np.float64)
            shares = np.maximum(counts - 1, 0.5) / max(frequencies.total, 1)  # as TermFrequencies.others_share
        m_exact = max(params.m[top], 1e-6)
        contributions[rows, j] = np.maximum(np.log2(m_exact / np.maximum(shares, 1e-9)), 0.0)


def _count_the_site_once(schema, contributions, levels) -> None:
    """Two records agreeing exactly on every site field (a street line and a phone) are at one
    site, seen twice: the weightiest of those agreements counts, the others count nothing (a
    casino's restaurants share its address and its switchboard; counted as two independent
    pieces of evidence they outweighed two names with nothing in common). At one site a place
    that disagrees ("Beverly Hills" / "Los Angeles") is how two files name it, not evidence of
    two firms, so it counts nothing either."""
    if schema.site is None:
        return
    position = {f.name: j for j, f in enumerate(schema.compared)}
    site = [position[name] for name in schema.site.fields]
    rows = np.flatnonzero(_every_site_field_exact(schema, levels))
    if not len(rows):
        return
    weightiest = np.asarray(site)[contributions[np.ix_(rows, site)].argmax(axis=1)]
    for j in site:
        contributions[rows[weightiest != j], j] = 0.0
    for name in schema.site.places:
        j = position[name]
        contributions[rows, j] = np.maximum(contributions[rows, j], 0.0)


def _every_site_field_exact(schema: Schema, levels: np.ndarray) -> np.ndarray:
    """Pairs agreeing exactly on every site field (a street line and a phone)."""
    position = {f.name: j for j, f in enumerate(schema.compared)}
    site = [position[name] for name in schema.site.fields]
    tops = np.array([KINDS[schema.compared[j].kind].n_levels - 1 for j in site])
    return (levels[:, site] == tops).all(axis=1)


def _place_siblings_at_site_once(schema, contributions, levels, kinds, held) -> None:
    """Two records of one system at one site (every site field exact) whose names share words
    but fall short of very similar are a site's siblings — a hotel's café and its dining room, a
    group's firms keyed at its head office — as often as one firm keyed twice: a system lists
    each of its customers once but for the few it re-keys. There the places (city, postal code,
    country), which the street line and phone already fix, count nothing: they would count the
    site a second time. Across two systems they keep their weight (true pairs at one site whose
    names differ by a dropped word rely on it where site_u weighs such names down), and so do a
    name with nothing in common (a rename at the same site) and a very similar one (a typo):
    docs/benchmarks.md, "Siblings at one site". `kinds`: each pair's pair_kind; None (no system
    known): nothing changes. `held`: the pairs held to the data's own certain pairs, which
    measure what this rule can only reason about; it stands where they are too few (below
    _held_to_certain_pairs: both at once merged more look-alikes than either)."""
    if schema.site is None or kinds is None or not schema.site.names:
        return
    rows = np.flatnonzero(_every_site_field_exact(schema, levels) & ~held)
    rows = rows[np.fromiter((within_one_system(kind) for kind in kinds[rows]), dtype=bool, count=len(rows))]
    if not len(rows):
        return
    position = {f.name: j for j, f in enumerate(schema.compared)}
    siblings = np.zeros(len(rows), dtype=bool)
    for name in schema.site.names:
        j = position[name]
        level = levels[rows, j]
        siblings |= (level >= 1) & (level < KINDS[schema.compared[j].kind].n_levels - _NAMING_LEVELS)
    for name in schema.site.places:
        contributions[rows[siblings], position[name]] = 0.0


def at_one_site(schema: Schema, levels: np.ndarray) -> np.ndarray:
    """Pairs agreeing exactly on a site field (a street line or a phone) or a family field (a web
    domain): two records of one organisation, whose names are weighed against what neighbours
    share (_weigh_names_at_site)."""
    shared = np.zeros(len(levels), dtype=bool)
    if schema.site is None:
        return shared
    for j, f in enumerate(schema.compared):
        if f.name in schema.site.fields or f.name in schema.site.family:
            shared |= levels[:, j] == KINDS[f.kind].n_levels - 1
    return shared


_NAMING_LEVELS = 2  # a name's top levels (very similar, exact): the same words, give or take a typo


def _weigh_names_at_site(schema, model, contributions, levels, at_site: np.ndarray) -> None:
    """At one site (or one web domain) a name sharing less than all its words weighs
    log2(m / u among firms at one site) where the model learned that u (model.site_u): a parent
    and its subsidiary at one address share the brand word, which weighed against random pairs
    passed for the same firm. A very similar or exact name keeps its weight: it names the firm
    itself, and a few parted pairs say too little of how rarely neighbours come that close (their
    smoothing alone took a typo's 13 bits to 3)."""
    if not model.site_u:
        return
    for j, (f, params) in enumerate(zip(schema.compared, model.fields, strict=True)):
        u = model.site_u.get(f.name)
        if u is None:
            continue
        rows = np.flatnonzero(at_site & (levels[:, j] >= 0) & (levels[:, j] < len(u) - _NAMING_LEVELS))
        table = np.log2(np.maximum(params.m, 1e-6) / np.maximum(u, 1e-6))
        contributions[rows, j] = table[levels[rows, j]]


def _count_implied_once(schema, contributions, levels, org: np.ndarray) -> None:
    """A field's agreement counts nothing where a finer field it follows from agrees exactly
    (Field.implied_by): two records in one postal code are in one country, so the country's
    agreement is the same evidence again (it added ~3 bits to pairs that already shared city and
    postal code). A disagreement still counts: it is news the finer field did not give.
    `Field.implied_at_site` does the same only for two records of one organisation (at_one_site)."""
    position = {f.name: j for j, f in enumerate(schema.compared)}
    for f in schema.compared:
        for implied_by, within in ((f.implied_by, None), (f.implied_at_site, org)):
            if not implied_by:
                continue
            finer = np.zeros(len(levels), dtype=bool)
            for name in implied_by:
                j = position[name]
                finer |= levels[:, j] == KINDS[schema.compared[j].kind].n_levels - 1
            if within is not None:
                finer &= within
            j = position[f.name]
            contributions[finer, j] = np.minimum(contributions[finer, j], 0.0)


def decisions(prob: np.ndarray, model: FellegiSunterModel) -> np.ndarray:
    out = np.full(len(prob), Decision.NO_MATCH, dtype=object)
    out[prob >= model.lower] = Decision.REVIEW
    out[prob >= model.upper] = Decision.LINK
    return out


def decide(score: PairScore | float, model: FellegiSunterModel) -> str:
    """link at or above the model's upper threshold, review between, no match below the lower."""
    p = score.probability if isinstance(score, PairScore) else float(score)
    return Decision.LINK if p >= model.upper else Decision.REVIEW if p >= model.lower else Decision.NO_MATCH


def _columns(schema: Schema, records: list[dict], standardized: bool) -> dict:
    names = [schema.id_field] + [f.name for f in schema.fields]
    raw = {name: [r.get(name) for r in records] for name in names}
    if standardized:
        return {name: np.asarray(values + [None], dtype=object)[:-1] for name, values in raw.items()}
    return standardize_columns(schema, raw)


def _to_pair_scores(schema, model, scored: ScoredArrays, left_ids, right_ids) -> list[PairScore]:
    names = [f.name for f in schema.compared]
    labels = [KINDS[f.kind].labels for f in schema.compared]
    verdicts = decisions(scored.probability, model).tolist()
    rows = zip(left_ids.tolist(), right_ids.tolist(), scored.match_weight.tolist(), scored.probability.tolist(),
               verdicts, scored.rule.tolist(), scored.contributions.tolist(), scored.levels.tolist(), strict=True)
    return [
        PairScore(left_id=lid, right_id=rid, match_weight=w, probability=p, decision=d, rule=rule,
                  contributions=dict(zip(names, contributions, strict=True)),
                  levels={n: ("missing" if lv < 0 else lab[lv]) for n, lab, lv in zip(names, labels, levels, strict=True)})
        for lid, rid, w, p, d, rule, contributions, levels in rows
    ]


def score_pairs(domain_or_schema: str | Schema, left_records: list[dict], right_records: list[dict],
                model: FellegiSunterModel | None = None, *, standardized: bool = False) -> list[PairScore]:
    """Score aligned pairs (left_records[k], right_records[k]), with per-field contributions."""
    schema = schema_for(domain_or_schema)
    model = model or FellegiSunterModel.untrained(schema)
    if len(left_records) != len(right_records):
        raise ValueError("score_pairs takes aligned lists: one left and one right record per pair")
    left = _columns(schema, left_records, standardized)
    right = _columns(schema, right_records, standardized)
    idx = np.arange(len(left_records))
    scored = score_arrays(schema, model, left, right, idx, idx)
    return _to_pair_scores(schema, model, scored, left[schema.id_field], right[schema.id_field])


def score_candidates(domain_or_schema: str | Schema, record: dict, candidates: list[dict],
                     model: FellegiSunterModel | None = None, *, standardized: bool = False,
                     candidates_standardized: bool | None = None) -> list[PairScore]:
    """The incremental call: one new record against the candidates its blocking keys found,
    best first. `candidates_standardized=True` when the candidates are stored standardized values
    and only the new record is raw (the hub's usual case)."""
    schema = schema_for(domain_or_schema)
    model = model or FellegiSunterModel.untrained(schema)
    left = _columns(schema, [record], standardized)
    right = _columns(schema, candidates, standardized if candidates_standardized is None else candidates_standardized)
    li = np.zeros(len(candidates), dtype=np.int64)
    ri = np.arange(len(candidates))
    scored = score_arrays(schema, model, left, right, li, ri)
    scores = _to_pair_scores(schema, model, scored, left[schema.id_field][li], right[schema.id_field])
    return sorted(scores, key=lambda s: (-s.probability, -s.match_weight))
