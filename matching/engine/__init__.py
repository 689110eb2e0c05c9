"""Concord's matching engine: standardize, block, compare, score, decide, cluster.

Pure Python over pandas, numpy, rapidfuzz, jellyfish and phonenumbers; nothing from Django or the
rest of the project. The hub calls, per new record:

    keys = blocking_keys("customer", record)            # look these up in the blocking index
    scores = score_candidates("customer", record, candidates, model)   # best first, explained
    decide(scores[0], model)                             # link / review / no_match

and for whole data sets `deduplicate(df, schema, model)` / `link(left, right, schema, model)`.
"""

from .batch import MatchResult, TooFewPairs, deduplicate, link, train
from .blocking import blocking_keys, pair_completeness, reduction_ratio
from .clustering import cluster
from .model import FellegiSunterModel, fit, fit_per_rule
from .schema import (
                     CONTRACT,
                     CUSTOMER,
                     PROJECT,
                     SCHEMAS,
                     BlockingRule,
                     Field,
                     IdentityRule,
                     Schema,
                     Site,
                     standardize_fields,
                     standardize_record,
)
from .scoring import Decision, PairScore, decide, score_arrays, score_candidates, score_pairs

__all__ = [
    "BlockingRule", "CONTRACT", "CUSTOMER", "Decision", "FellegiSunterModel", "Field", "IdentityRule",
    "MatchResult", "PROJECT", "TooFewPairs", "PairScore", "SCHEMAS", "Schema", "Site", "blocking_keys", "cluster", "decide",
    "deduplicate", "fit", "fit_per_rule", "link", "pair_completeness", "reduction_ratio", "score_arrays",
    "score_candidates", "score_pairs",
    "standardize_fields", "standardize_record", "train",
]
