"""Full re-match of a domain (after a rule or model change), shared by many workers.

The blocking index is cut into shards by key; each shard scores the golden-record pairs that
share one of its keys and stores them (RematchPair). The worker that finishes the last shard
clusters all pairs without chaining and applies the result through the same services stewards
use: merges for clusters, review candidates for doubtful pairs. Remembered steward decisions win:
a "not a match" pair is never merged or proposed again.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import numpy as np
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from matching.engine import cluster, score_pairs
from matching.forms import golden_forms
from matching.index import MAX_BLOCK_SIZE
from matching.model_store import domain_model
from matching.models import (
    BlockingKey,
    CandidateStatus,
    MatchCandidate,
    MatchDecision,
    RematchPair,
    RematchRun,
    RematchShard,
)
from matching.verdicts import remembered_verdicts, source_keys_of
from mdm.models import golden_model
from mdm.services.merge import golden_record_merge


def shard_of(key_hash: int, shards: int) -> int:
    """The shard of a blocking key, by its stored hash (already uniformly spread)."""
    return key_hash % shards


def rematch_start(domain: str, *, shards: int = 8) -> RematchRun:
    return RematchRun.objects.create(domain=domain, shards=shards)


def _pairs_with_verdicts(domain: str, pairs: list[tuple[str, str]]):
    """Score golden pairs; steward decisions override (not a match: dropped; match: certain)."""
    ids = {g for pair in pairs for g in pair}
    values = golden_forms(domain, ids)
    pairs = [(a, b) for a, b in pairs if a in values and b in values]
    source_keys = source_keys_of(values)
    verdicts = remembered_verdicts({k for keys in source_keys.values() for k in keys})
    model = domain_model(domain)
    scores = (score_pairs(domain, [values[a] for a, _ in pairs], [values[b] for _, b in pairs], model,
                          standardized=True) if pairs else [])
    for (a, b), score in zip(pairs, scores, strict=True):
        verdict = next((verdicts[(ka, kb)] for ka in source_keys[a] for kb in source_keys[b]
                        if (ka, kb) in verdicts), None)
        if verdict == MatchDecision.Verdict.NOT_MATCH:
            continue
        probability = 1.0 if verdict == MatchDecision.Verdict.MATCH else score.probability
        yield a, b, probability, score.contributions


def rematch_shard(run_id: int, shard: int) -> int:
    """Score this shard's pairs and, if it was the last shard, apply the run. Returns pairs kept."""
    run = RematchRun.objects.get(pk=run_id)
    members: dict[int, list[str]] = defaultdict(list)
    for key, golden_id in BlockingKey.objects.filter(domain=run.domain).values_list("key_hash", "golden_id").iterator(
            chunk_size=10_000):
        if shard_of(key, run.shards) == shard:
            members[key].append(golden_id)
    pairs = set()
    for golden_ids in members.values():
        if 1 < len(golden_ids) <= MAX_BLOCK_SIZE:
            pairs.update(tuple(sorted(pair)) for pair in combinations(sorted(set(golden_ids)), 2))
    model = domain_model(run.domain)
    kept = [RematchPair(run=run, golden_id_a=a, golden_id_b=b, probability=p, contributions=c)
            for a, b, p, c in _pairs_with_verdicts(run.domain, sorted(pairs)) if p >= model.lower]
    try:
        with transaction.atomic():
            RematchShard.objects.create(run=run, shard=shard)  # a shard handed out twice adds nothing
            RematchPair.objects.bulk_create(kept, batch_size=1000)
            RematchRun.objects.filter(pk=run_id).update(shards_done=F("shards_done") + 1)
    except IntegrityError:
        return 0
    # The worker that completes the last shard applies the run; the conditional update makes sure
    # exactly one does, however many finish at once.
    if RematchRun.objects.filter(pk=run_id, shards_done=run.shards, status=RematchRun.Status.RUNNING).update(
            status=RematchRun.Status.APPLYING):
        rematch_apply(run_id)
    return len(kept)


def rematch_apply(run_id: int, *, acting_user=None) -> dict:
    run = RematchRun.objects.get(pk=run_id)
    model = domain_model(run.domain)
    best: dict[tuple[str, str], tuple[float, dict]] = {}
    for a, b, p, c in run.pairs.values_list("golden_id_a", "golden_id_b", "probability", "contributions"):
        best[(a, b)] = (p, c)
    ids = sorted({g for pair in best for g in pair})
    index = {g: i for i, g in enumerate(ids)}
    li = np.array([index[a] for a, _ in best], dtype=np.int64)
    ri = np.array([index[b] for _, b in best], dtype=np.int64)
    prob = np.array([p for p, _ in best.values()], dtype=float)

    def score_missing(left: np.ndarray, right: np.ndarray) -> np.ndarray:
        scored = {(a, b): p for a, b, p, _ in _pairs_with_verdicts(
            run.domain, [tuple(sorted((ids[x], ids[y]))) for x, y in zip(left, right, strict=True)])}
        return np.array([scored.get(tuple(sorted((ids[x], ids[y]))), 0.0) for x, y in zip(left, right, strict=True)])

    labels = cluster(len(ids), li, ri, prob, upper=model.upper, lower=model.lower,
                     score_missing=score_missing) if ids else np.array([], dtype=np.int64)
    clusters: dict[int, list[str]] = defaultdict(list)
    for golden_id, label in zip(ids, labels.tolist(), strict=True):
        clusters[label].append(golden_id)

    created_at = dict(golden_model(run.domain).objects.filter(pk__in=ids).values_list("id", "created_at"))
    merges = 0
    for members in clusters.values():
        if len(members) < 2:
            continue
        survivor, *others = sorted(members, key=lambda g: (created_at.get(g), g))  # the oldest id stays
        for merged in others:
            golden_record_merge(survivor_id=survivor, merged_id=merged, acting_user=acting_user,
                                reason=f"full re-match #{run.id}")
            merges += 1
    same_cluster = {g: label for g, label in zip(ids, labels.tolist(), strict=True)}
    reviews = [MatchCandidate(domain=run.domain, golden_id_a=a, golden_id_b=b, score=round(p, 4), contributions=c,
                              rule=f"re-match #{run.id}", status=CandidateStatus.OPEN)
               for (a, b), (p, c) in best.items() if p < model.upper and same_cluster[a] != same_cluster[b]]
    MatchCandidate.objects.bulk_create(reviews, ignore_conflicts=True)
    stats = {"pairs": len(best), "merges": merges, "review_candidates": len(reviews)}
    RematchRun.objects.filter(pk=run_id).update(status=RematchRun.Status.DONE, stats=stats, finished_at=timezone.now())
    return stats
