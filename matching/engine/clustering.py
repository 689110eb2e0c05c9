"""Clustering that does not chain.

Links (pairs at or above the upper threshold) only propose clusters. Within each connected group
we run average-linkage agglomeration over *all* pairs of its records, scoring the pairs blocking
never produced: two clusters merge only while the average probability between them stays at or
above `upper` and no pair between them falls below `lower`. So A~B and B~C do not put A and C
together when A and C clearly differ.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

ScoreMissing = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _components(n: int, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    parent = np.arange(n)

    def find(x: int) -> int:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for a, b in zip(li.tolist(), ri.tolist(), strict=False):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return np.fromiter((find(i) for i in range(n)), dtype=np.int64, count=n)


def average_linkage(prob: np.ndarray, upper: float, lower: float, same_system: np.ndarray | None = None
                    ) -> list[list[int]]:
    """Agglomerate the k records of a (k x k) probability matrix (NaN = unknown pair).

    `same_system` (k x k, bool): pairs of records from one system. Two such records join only on
    their own evidence (their pair at or above `upper`), never through a record of another
    system they each resemble: a system's duplicates of its own show as such, while two of its
    records matching one outside record are as often two things sharing an address and a phone."""
    k = len(prob)
    known = ~np.isnan(prob)
    np.fill_diagonal(known, False)
    total = np.where(known, prob, 0.0)
    count = known.astype(np.float64)
    lowest = np.where(known, prob, np.inf)
    own = np.where(known & same_system, prob, np.inf) if same_system is not None else np.full((k, k), np.inf)
    active = np.ones(k, dtype=bool)
    members = [[i] for i in range(k)]
    while True:
        with np.errstate(invalid="ignore", divide="ignore"):
            average = np.where(count > 0, total / np.maximum(count, 1), -np.inf)
        ok = (average >= upper) & (lowest >= lower) & (own >= upper) & active[:, None] & active[None, :]
        np.fill_diagonal(ok, False)
        if not ok.any():
            break
        candidates = np.where(ok, average, -np.inf)
        a, b = np.unravel_index(np.argmax(candidates), candidates.shape)
        a, b = min(a, b), max(a, b)
        total[a] += total[b]
        total[:, a] = total[a]
        count[a] += count[b]
        count[:, a] = count[a]
        lowest[a] = np.minimum(lowest[a], lowest[b])
        lowest[:, a] = lowest[a]
        own[a] = np.minimum(own[a], own[b])
        own[:, a] = own[a]
        total[a, a], count[a, a], lowest[a, a], own[a, a] = 0.0, 0.0, np.inf, np.inf
        active[b] = False
        members[a].extend(members[b])
    return [members[i] for i in range(k) if active[i]]


def _stars(nodes: np.ndarray, prob: np.ndarray, upper: float) -> list[list[int]]:
    """Fallback for very large groups: the best-connected record takes its linked neighbours."""
    linked = np.nan_to_num(prob, nan=0.0) >= upper
    np.fill_diagonal(linked, False)
    free = np.ones(len(nodes), dtype=bool)
    out = []
    for centre in np.argsort(-linked.sum(axis=1), kind="stable"):
        if not free[centre]:
            continue
        group = [int(centre)] + [int(j) for j in np.flatnonzero(linked[centre] & free) if j != centre]
        free[group] = False
        out.append(group)
    return out


def cluster(n: int, li: np.ndarray, ri: np.ndarray, prob: np.ndarray, *, upper: float, lower: float,
            score_missing: ScoreMissing | None = None, max_group: int = 150,
            systems: np.ndarray | None = None) -> np.ndarray:
    """Cluster label per record (the smallest row index of its cluster) from scored pairs.
    `systems`: each record's system (see average_linkage)."""
    li, ri, prob = np.asarray(li, np.int64), np.asarray(ri, np.int64), np.asarray(prob, float)
    link = prob >= upper
    root = _components(n, li[link], ri[link])
    labels = np.arange(n, dtype=np.int64)
    sizes = np.bincount(root, minlength=n)
    pairs_of_two = sizes[root] == 2
    labels[pairs_of_two] = root[pairs_of_two]
    big_roots = np.flatnonzero(sizes >= 3)
    if not len(big_roots):
        return labels

    inside = (sizes[root[li]] >= 3) & (root[li] == root[ri])
    known = dict(zip(zip(li[inside].tolist(), ri[inside].tolist(), strict=False), prob[inside].tolist(), strict=False))
    groups = [np.flatnonzero(root == r) for r in big_roots] if len(big_roots) < 50 else \
        _group_members(root, big_roots)
    # Score every pair inside a group that blocking never produced, all groups in one batch.
    missing = [(int(a), int(b)) for nodes in groups if len(nodes) <= max_group
               for x, a in enumerate(nodes) for b in nodes[x + 1:] if (a, b) not in known]
    if missing and score_missing is not None:
        ma, mb = np.array(missing, dtype=np.int64).T
        known.update(zip(missing, score_missing(ma, mb).tolist(), strict=False))
    for nodes in groups:
        k = len(nodes)
        matrix = np.full((k, k), np.nan)
        for x in range(k):
            for y in range(x + 1, k):
                p = known.get((int(nodes[x]), int(nodes[y])))
                if p is not None:
                    matrix[x, y] = matrix[y, x] = p
        same = None if systems is None else systems[nodes][:, None] == systems[nodes][None, :]
        parts = average_linkage(matrix, upper, lower, same) if k <= max_group else _stars(nodes, matrix, upper)
        for part in parts:
            rows = nodes[part]
            labels[rows] = rows.min()
    return labels


def _group_members(root: np.ndarray, big_roots: np.ndarray) -> list[np.ndarray]:
    order = np.argsort(root, kind="stable")
    sorted_root = root[order]
    starts = np.searchsorted(sorted_root, big_roots, side="left")
    ends = np.searchsorted(sorted_root, big_roots, side="right")
    return [np.sort(order[s:e]) for s, e in zip(starts, ends, strict=False)]
