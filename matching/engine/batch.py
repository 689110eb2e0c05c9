"""Batch matching: fit a model, deduplicate one frame, link two frames.

Batch uses the same keys (`blocking_keys`) and the same scoring (`score_arrays`) as the hub's
incremental path, so both give the same answer on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .blocking import candidate_pairs_by_rule, prepare
from .clustering import cluster
from .model import (
    FellegiSunterModel,
    calibrated_kinds,
    calibration_by_kind,
    fit,
    fit_per_rule,
    identity_values,
    measure_terms,
    pair_kind,
    site_u,
)
from .schema import Schema, schema_for
from .scoring import (
    at_one_site,
    calibration_strata,
    comparison_vectors,
    decisions,
    identity_overrides,
    score_arrays,
    score_levels,
)
from .terms import Terms

_CHUNK = 250_000  # pairs scored at a time, to bound memory


@dataclass
class MatchResult:
    pairs: pd.DataFrame  # candidate pairs at or above the lower threshold, with contributions
    clusters: pd.DataFrame  # one row per record: id, (source,) cluster
    model: FellegiSunterModel
    candidates: int  # candidate pairs produced by blocking

    def matched_pairs(self) -> set[tuple]:
        """Every pair of records put in the same cluster (as (left id, right id) for linkage)."""
        clusters = self.clusters[self.clusters.groupby("cluster")["id"].transform("size") > 1]
        if "source" in clusters.columns:
            lefts = clusters[clusters["source"] == "left"]
            rights = clusters[clusters["source"] == "right"]
            pairs = lefts.merge(rights, on="cluster")
            return set(zip(pairs["id_x"], pairs["id_y"], strict=True))
        pairs = clusters.assign(key=clusters["id"].astype(str)).merge(
            clusters.assign(key=clusters["id"].astype(str)), on="cluster")
        pairs = pairs[pairs["key_x"] < pairs["key_y"]]
        return set(zip(pairs["id_x"], pairs["id_y"], strict=True))


def _combine(a: dict, b: dict) -> dict:
    return {k: np.concatenate([a[k], b[k]]) for k in a}


def _random_pairs(n: int, size: int, seed: int, sources: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    li, ri = rng.integers(0, n, size), rng.integers(0, n, size)
    keep = li != ri if sources is None else sources[li] != sources[ri]
    return li[keep], ri[keep]


def _score_all(schema, model, columns, li, ri, systems=None):
    parts = [score_arrays(schema, model, columns, columns, li[s:s + _CHUNK], ri[s:s + _CHUNK],
                          _pair_kinds(systems, li[s:s + _CHUNK], ri[s:s + _CHUNK]))
             for s in range(0, max(len(li), 1), _CHUNK)]
    return parts


def _pair_kinds(systems: np.ndarray | None, li: np.ndarray, ri: np.ndarray) -> np.ndarray | None:
    """Each pair's kind by its records' systems (model.pair_kind), or None without systems."""
    if systems is None:
        return None
    return np.fromiter((pair_kind(a, b) for a, b in zip(systems[li].tolist(), systems[ri].tolist(), strict=True)),
                       dtype=object, count=len(li))


def _kind_totals(systems: np.ndarray, sources: np.ndarray | None) -> dict[str, float]:
    """All record pairs of each kind (within one system or between two), as candidates may be."""
    names, counts = np.unique(systems, return_counts=True)
    totals = {}
    for x, (a, na) in enumerate(zip(names.tolist(), counts.tolist(), strict=True)):
        for b, nb in zip(names[x:].tolist(), counts[x:].tolist(), strict=True):
            totals[pair_kind(a, b)] = na * (na - 1) / 2 if a == b else na * nb
    if sources is not None:  # records of one source are never paired: a kind within one has none
        for a in names.tolist():
            if len(set(sources[systems == a].tolist())) == 1:
                totals.pop(pair_kind(a, a), None)
    return totals


def _levels_all(schema, columns, li, ri, terms):
    presence = {f.name: np.not_equal(columns[f.name], None) for f in schema.fields}
    levels = np.empty((len(li), len(schema.compared)), np.int8)
    for s in range(0, len(li), _CHUNK):
        levels[s:s + _CHUNK] = comparison_vectors(schema, columns, columns, li[s:s + _CHUNK], ri[s:s + _CHUNK],
                                                  presence, terms)
    return levels


def _candidates(schema, columns, sources):
    by_rule = candidate_pairs_by_rule(schema, columns, sources=sources)
    n = len(columns[schema.id_field])
    code = np.unique(np.concatenate([a * n + b for a, b in by_rule])) if by_rule else np.zeros(0, np.int64)
    return code // n, code % n, by_rule


class TooFewPairs(ValueError):
    """The records give no candidate pair to fit a model on (one system's contracts alone)."""


def _fit(schema, columns, li, ri, levels, by_rule, sources, terms, *, method, random_pairs, seed, fix_u, thresholds,
         answers=None, systems=None):
    n = len(columns[schema.id_field])
    if not len(li):
        raise TooFewPairs(f"no candidate pairs among {n} records: nothing to learn how matches agree from")
    rl, rr = _random_pairs(n, random_pairs, seed, sources)
    random_levels = _levels_all(schema, columns, rl, rr, terms)
    if method == "candidates":
        return fit(schema, levels, random_levels, fix_u=fix_u, terms=terms, **thresholds)
    total = n * (n - 1) / 2
    if sources is not None:  # pairs only across sources: less the pairs within each
        total -= float((np.bincount(sources) ** 2 - np.bincount(sources)).sum() / 2)
    union = li * n + ri  # sorted: candidate pairs come out of np.unique
    rule_levels = (levels[np.searchsorted(union, a * n + b)] for a, b in by_rule)  # one rule at a time
    answered = {min(a, b) * n + max(a, b): float(answer) for a, b, answer in (answers or ()) if a != b}
    rule_answers = ((np.fromiter((answered.get(code, np.nan) for code in (a * n + b).tolist()), dtype=np.float64,
                                 count=len(a)) for a, b in by_rule) if answered else None)
    certain = certain_pairs(schema, columns, li, ri)
    rule_identities = ((certain[np.searchsorted(union, a * n + b)] for a, b in by_rule)
                       if not np.isnan(certain).all() else None)
    kinds = {} if systems is None else {"candidate_kinds": _pair_kinds(systems, li, ri),
                                         "kind_totals": _kind_totals(systems, sources)}
    model = fit_per_rule(schema, rule_levels, levels, random_levels, total, terms=terms, rule_answers=rule_answers,
                         rule_identities=rule_identities, candidate_identities=certain, **kinds, **thresholds)
    model.site_u = site_u(schema, model, levels[_parted_at_site(schema, columns, li, ri, levels)])
    if systems is not None:
        model.calibration = _calibration(schema, model, columns, li, ri, levels, certain, systems)
    return model


def _calibration(schema, model, columns, li, ri, levels, certain, systems) -> dict[str, list[list[float]]]:
    """Per kind of pair within one system (and whether their names share only some words:
    scoring.calibration_strata), how the certain pairs fared by their score as scored, without
    the tax id they were read from (model.calibration_by_kind)."""
    rows = np.flatnonzero(~np.isnan(certain) & (systems[li] == systems[ri]))
    if not len(rows):
        return {}
    kinds = _pair_kinds(systems, li[rows], ri[rows])
    strata = calibration_strata(schema, kinds, levels[rows])
    scored = score_levels(schema, model, columns, columns, li[rows], ri[rows], levels[rows], kinds,
                          held_strata=calibrated_kinds(strata))
    weights = scored.match_weight - scored.contributions[:, list(identity_values(schema))].sum(axis=1)
    return calibration_by_kind(strata, weights, certain[rows])


def _parted_at_site(schema, columns, li, ri, levels) -> np.ndarray:
    """The candidate pairs at one site that an identity rule parts (two valid tax ids)."""
    rows = np.flatnonzero(at_one_site(schema, levels))
    forced, _ = identity_overrides(schema, columns, columns, li[rows], ri[rows])
    return rows[forced == 0.0]


def certain_pairs(schema: Schema, columns: dict, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """Per candidate pair, what the schema's identity rules say of it: 1 one firm (the same
    valid tax id), 0 two (two valid ids of one kind beyond a slip, or of two countries), NaN
    nothing. No steward is needed for these: they let the fit learn how the other fields of two
    firms at one site compare from pairs the data itself decides."""
    certain = np.empty(len(li))
    for s in range(0, max(len(li), 1), _CHUNK):
        certain[s:s + _CHUNK] = identity_overrides(schema, columns, columns, li[s:s + _CHUNK], ri[s:s + _CHUNK])[0]
    return certain


def train(df: pd.DataFrame, domain_or_schema: str | Schema, *, df_right: pd.DataFrame | None = None,
          method: str = "per_rule", random_pairs: int = 200_000, seed: int = 0, fix_u: bool = False,
          apart=None, terms: Terms | None = None, answers=None, systems=None, **thresholds) -> FellegiSunterModel:
    """Fit a model on records (one frame to deduplicate, or two to link; `apart` as in
    deduplicate), without labels or with a few: `answers` are (row, row, 1 same | 0 not) triples
    a steward gave, which EM takes as given (model.Labelled); `systems` as in deduplicate. `terms`: the term frequencies to
    weigh evidence by, when not the data's own (Terms() weighs every value and word alike: a
    model meant for other data)."""
    schema = schema_for(domain_or_schema)
    columns, sources = _prepared(schema, df, df_right)
    if apart is not None:
        sources = np.asarray(apart, dtype=np.int64)
    li, ri, by_rule = _candidates(schema, columns, sources)
    terms = measure_terms(schema, columns) if terms is None else terms
    return _fit(schema, columns, li, ri, _levels_all(schema, columns, li, ri, terms), by_rule, sources, terms,
                method=method, random_pairs=random_pairs, seed=seed, fix_u=fix_u, thresholds=thresholds,
                answers=answers, systems=_systems(systems, df, df_right))


def _systems(systems, df, df_right) -> np.ndarray | None:
    """The system of each row: as given, or the frame it came from when two are linked."""
    if systems is not None:
        return np.asarray([str(s) for s in systems], dtype=object)
    if df_right is not None:
        return np.asarray(["left"] * len(df) + ["right"] * len(df_right), dtype=object)
    return None


def _prepared(schema, df, df_right):
    columns = prepare(schema, df)
    if df_right is None:
        return columns, None
    right = prepare(schema, df_right)
    sources = np.concatenate([np.zeros(len(df), np.int8), np.ones(len(df_right), np.int8)])
    return _combine(columns, right), sources


def _match(schema, df, df_right, model, *, method, random_pairs, seed, fix_u, thresholds, apart=None,
           decided=None, systems=None, answers=None) -> MatchResult:
    columns, sources = _prepared(schema, df, df_right)
    if apart is not None:
        sources = np.asarray(apart, dtype=np.int64)
    systems = _systems(systems, df, df_right)
    n = len(columns[schema.id_field])
    li, ri, by_rule = _candidates(schema, columns, sources)
    terms = model.terms if model is not None else measure_terms(schema, columns)
    levels = _levels_all(schema, columns, li, ri, terms)  # compared once, for fitting and for scoring
    if model is None:
        model = _fit(schema, columns, li, ri, levels, by_rule, sources, terms, method=method,
                     random_pairs=random_pairs, seed=seed, fix_u=fix_u, thresholds=thresholds, systems=systems,
                     answers=answers)
    del by_rule
    prob = np.empty(len(li))
    kept = {"weight": [], "rule": [], "contributions": []}  # only for pairs reported (>= lower)
    for s in range(0, len(li), _CHUNK):
        part = score_levels(schema, model, columns, columns, li[s:s + _CHUNK], ri[s:s + _CHUNK],
                            levels[s:s + _CHUNK], _pair_kinds(systems, li[s:s + _CHUNK], ri[s:s + _CHUNK]))
        prob[s:s + _CHUNK] = part.probability
        reported = part.probability >= model.lower
        kept["weight"].append(part.match_weight[reported])
        kept["rule"].append(part.rule[reported])
        kept["contributions"].append(part.contributions[reported])
    del levels
    weight = np.concatenate(kept["weight"]) if len(li) else np.zeros(0)
    rule = np.concatenate(kept["rule"]) if len(li) else np.zeros(0, object)
    contributions = np.concatenate(kept["contributions"]) if len(li) else np.zeros((0, len(schema.compared)))

    # Decided pairs change what is clustered; `pairs` below reports the model's own scores.
    forced = _decided_pairs(decided, n)
    cl, cr, cprob = _with_decided(forced, li, ri, prob) if forced else (li, ri, prob)

    def score_missing(a, b):
        scored = np.concatenate([p.probability for p in _score_all(schema, model, columns, a, b, systems)])
        for k, pair in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
            if pair in forced:
                scored[k] = forced[pair]
        return scored

    labels = cluster(n, cl, cr, cprob, upper=model.upper, lower=model.lower, score_missing=score_missing,
                     systems=systems)
    ids = columns[schema.id_field]
    keep = prob >= model.lower
    pairs = pd.DataFrame({"left_id": ids[li[keep]], "right_id": ids[ri[keep]], "match_weight": weight,
                          "probability": prob[keep], "decision": decisions(prob[keep], model), "rule": rule})
    for j, f in enumerate(schema.compared):
        pairs[f"contribution_{f.name}"] = contributions[:, j]
    clusters = pd.DataFrame({"id": ids, "cluster": labels})
    if df_right is not None:
        clusters.insert(1, "source", np.where(sources == 0, "left", "right"))
    return MatchResult(pairs=pairs, clusters=clusters, model=model, candidates=int(len(li)))


def _decided_pairs(decided, n: int) -> dict[tuple[int, int], float]:
    """(row, row) -> probability, smaller row first, for pairs decided outside the model."""
    return {(min(a, b), max(a, b)): float(p) for a, b, p in (decided or ()) if a != b and 0 <= a < n and 0 <= b < n}


def _with_decided(forced, li, ri, prob):
    """Candidate pairs with the decided pairs' probabilities; decided pairs blocking did not find
    are added."""
    prob = prob.copy()
    position = {pair: k for k, pair in enumerate(zip(li.tolist(), ri.tolist(), strict=True))}
    extra = [pair for pair in forced if pair not in position]
    for pair, p in forced.items():
        if pair in position:
            prob[position[pair]] = p
    if extra:
        li = np.concatenate([li, np.array([a for a, _ in extra], dtype=np.int64)])
        ri = np.concatenate([ri, np.array([b for _, b in extra], dtype=np.int64)])
        prob = np.concatenate([prob, np.array([forced[pair] for pair in extra])])
    return li, ri, prob


def deduplicate(df: pd.DataFrame, domain_or_schema: str | Schema, model: FellegiSunterModel | None = None, *,
                method: str = "per_rule", random_pairs: int = 200_000, seed: int = 0, fix_u: bool = False,
                apart=None, decided=None, systems=None, answers=None, **thresholds) -> MatchResult:
    """Find the records of one frame that are the same entity. Without a model, one is fitted
    on the frame itself (EM, no labels).

    `systems`: the system each row comes from: the prior is then fitted and applied by the kind
    of pair (two records of one system, or of two), as systems hold duplicates of their own at
    very different rates. `answers`: as in train, for the fit when no model is given.

    `apart`: a group number per row (a source system); two rows of one group are never paired.
    `decided`: (row, row, probability) triples decided outside the model (a steward's verdict: 1
    same, 0 not the same); they override the model's score and clustering honours them."""
    return _match(schema_for(domain_or_schema), df, None, model, method=method, random_pairs=random_pairs, seed=seed,
                  fix_u=fix_u, thresholds=thresholds, apart=apart, decided=decided, systems=systems, answers=answers)


def link(df_left: pd.DataFrame, df_right: pd.DataFrame, domain_or_schema: str | Schema,
         model: FellegiSunterModel | None = None, *, random_pairs: int = 200_000, seed: int = 0,
         method: str = "per_rule", fix_u: bool = False, **thresholds) -> MatchResult:
    """Find the records of two frames that are the same entity (pairs only across the frames)."""
    return _match(schema_for(domain_or_schema), df_left, df_right, model, method=method, random_pairs=random_pairs,
                  seed=seed, fix_u=fix_u, thresholds=thresholds)
