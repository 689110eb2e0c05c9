"""Scoring golden records against the truth, over source records. Pure: no Django, no files.

A source record is keyed by (system, source_id). `entity_of` is the truth (same entity = same
company), `cluster_of` what a contender made of the records (for the hub: the golden record each
source record is linked to). A record the contender left out (quarantined, say) counts as a
golden record of its own.

Pairwise: a predicted pair is two source records in one cluster, a true pair two records of one
entity, within one file or across files alike. Counted from the contingency table of
(cluster, entity), never by listing pairs, so a million records cost a dictionary pass.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Key = tuple[str, str]


def _pairs(count: int) -> int:
    return count * (count - 1) // 2


@dataclass(frozen=True)
class PairScores:
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict:
        return {"true_pairs": self.true_pairs, "predicted_pairs": self.predicted_pairs,
                "correct_pairs": self.correct_pairs, "precision": self.precision, "recall": self.recall,
                "f1": self.f1}


def clusters_over(entity_of: Mapping[Key, str], cluster_of: Mapping[Key, str]) -> dict[Key, object]:
    """The contender's cluster of every scored record; records it did not place stand alone."""
    return {key: cluster_of[key] if key in cluster_of else ("alone", key) for key in entity_of}


def pair_scores(entity_of: Mapping[Key, str], cluster_of: Mapping[Key, str]) -> PairScores:
    clusters = clusters_over(entity_of, cluster_of)
    cells = Counter((clusters[key], entity) for key, entity in entity_of.items())
    return PairScores(true_pairs=sum(map(_pairs, Counter(entity_of.values()).values())),
                      predicted_pairs=sum(map(_pairs, Counter(clusters.values()).values())),
                      correct_pairs=sum(map(_pairs, cells.values())))


def lookalikes_merged(entity_of: Mapping[Key, str], group_of: Mapping[Key, str],
                      cluster_of: Mapping[Key, str]) -> tuple[int, int]:
    """(groups merged, groups): a look-alike group is merged when two or more of its different
    entities ended in one cluster. Groups of one entity only (the others absent from the files)
    cannot be merged and are not counted."""
    clusters = clusters_over(entity_of, cluster_of)
    entities_of_group: dict[str, set[str]] = defaultdict(set)
    entities_in: dict[tuple[str, object], set[str]] = defaultdict(set)
    for key, group in group_of.items():
        if group and key in entity_of:
            entities_of_group[group].add(entity_of[key])
            entities_in[group, clusters[key]].add(entity_of[key])
    counted = {group for group, entities in entities_of_group.items() if len(entities) > 1}
    merged = {group for (group, _cluster), entities in entities_in.items() if len(entities) > 1}
    return len(merged & counted), len(counted)


def records_in_review(cluster_of: Mapping[Key, str], open_pairs: Iterable[tuple[str, str]]) -> int:
    """Source records whose golden record is one side of an open review candidate."""
    in_review = {golden for pair in open_pairs for golden in pair}
    return sum(1 for cluster in cluster_of.values() if cluster in in_review)


@dataclass(frozen=True)
class Mistakes:
    missed: list[tuple[Key, Key]]  # same entity, different clusters
    false: list[tuple[Key, Key]]  # same cluster, different entities
    entities_split: int
    clusters_mixed: int


def mistakes(entity_of: Mapping[Key, str], cluster_of: Mapping[Key, str], k: int = 10, seed: int = 1) -> Mistakes:
    """Up to k missed and k false pairs: one pair from each of k randomly chosen split entities
    (mixed clusters), so a few large mistakes do not crowd out the rest."""
    clusters = clusters_over(entity_of, cluster_of)
    by_entity: dict[str, list[Key]] = defaultdict(list)
    by_cluster: dict[object, list[Key]] = defaultdict(list)
    for key in sorted(entity_of):
        by_entity[entity_of[key]].append(key)
        by_cluster[clusters[key]].append(key)
    split = [keys for keys in by_entity.values() if len({clusters[key] for key in keys}) > 1]
    mixed = [keys for keys in by_cluster.values() if len({entity_of[key] for key in keys}) > 1]
    rng = random.Random(seed)

    def one_pair(keys, differ):
        a = rng.choice(keys)
        return a, rng.choice([b for b in keys if differ(a, b)])

    return Mistakes(
        missed=[one_pair(keys, lambda a, b: clusters[a] != clusters[b]) for keys in rng.sample(split, min(k, len(split)))],
        false=[one_pair(keys, lambda a, b: entity_of[a] != entity_of[b]) for keys in rng.sample(mixed, min(k, len(mixed)))],
        entities_split=len(split), clusters_mixed=len(mixed))


def mistaken_pairs(entity_of: Mapping[Key, str], cluster_of: Mapping[Key, str], limit: int = 20_000,
                   seed: int = 1) -> tuple[list[tuple[Key, Key]], list[tuple[Key, Key]]]:
    """(missed pairs, false pairs), all of them, or a random `limit` of each where there are more."""
    clusters = clusters_over(entity_of, cluster_of)
    by_entity: dict[str, list[Key]] = defaultdict(list)
    by_cluster: dict[object, list[Key]] = defaultdict(list)
    for key in sorted(entity_of):
        by_entity[entity_of[key]].append(key)
        by_cluster[clusters[key]].append(key)

    def pairs_of(groups, differ):
        for keys in groups:
            for i, a in enumerate(keys):
                for b in keys[i + 1:]:
                    if differ(a, b):
                        yield a, b

    rng = random.Random(seed)

    def bounded(pairs):
        kept = []
        for seen, pair in enumerate(pairs):  # reservoir sampling: a uniform sample of any number
            if len(kept) < limit:
                kept.append(pair)
            elif (slot := rng.randrange(seen + 1)) < limit:
                kept[slot] = pair
        return kept

    return (bounded(pairs_of(by_entity.values(), lambda a, b: clusters[a] != clusters[b])),
            bounded(pairs_of(by_cluster.values(), lambda a, b: entity_of[a] != entity_of[b])))


def field_profile(pairs: list[tuple[Key, Key]], values: Mapping[Key, Mapping[str, object]],
                  fields: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per field, over the pairs: how many have it equal, different, or missing on a side."""
    profile = {}
    for field_name in fields:
        counts = Counter()
        for a, b in pairs:
            va, vb = values[a].get(field_name), values[b].get(field_name)
            counts["missing" if va is None or vb is None else "same" if va == vb else "differs"] += 1
        profile[field_name] = {k: counts[k] for k in ("same", "differs", "missing")}
    return profile
