"""Clusters do not chain: A~B and B~C do not join A and C when A and C clearly differ."""

import numpy as np

from matching.engine import cluster
from matching.engine.clustering import average_linkage


def test_a_chain_does_not_pull_clearly_different_ends_together():
    # A~B and B~C are links; A~C was never a candidate and scores as a clear non-match.
    labels = cluster(3, [0, 1], [1, 2], [0.99, 0.98], upper=0.9, lower=0.5,
                     score_missing=lambda a, b: np.full(len(a), 0.01))
    assert labels[0] == labels[1]
    assert labels[2] != labels[0]


def test_a_chain_of_consistent_records_is_one_cluster():
    labels = cluster(3, [0, 1], [1, 2], [0.99, 0.98], upper=0.9, lower=0.5,
                     score_missing=lambda a, b: np.full(len(a), 0.95))
    assert len(set(labels.tolist())) == 1


def test_a_scored_non_match_inside_the_group_vetoes_the_merge():
    labels = cluster(3, [0, 1, 0], [1, 2, 2], [0.99, 0.99, 0.0], upper=0.9, lower=0.5)
    assert labels[0] != labels[2]


def test_pairs_below_the_upper_threshold_do_not_link():
    labels = cluster(2, [0], [1], [0.6], upper=0.9, lower=0.5)
    assert labels.tolist() == [0, 1]


def test_cluster_labels_are_the_smallest_member():
    labels = cluster(4, [2], [3], [0.99], upper=0.9, lower=0.5)
    assert labels.tolist() == [0, 1, 2, 2]


def test_average_linkage_merges_the_strongest_pair_first():
    prob = np.array([[np.nan, 0.99, 0.2], [0.99, np.nan, 0.95], [0.2, 0.95, np.nan]])
    assert sorted(map(sorted, average_linkage(prob, upper=0.9, lower=0.5))) == [[0, 1], [2]]


def test_two_tight_groups_joined_by_one_stray_link_stay_apart():
    # 0,1,2 are one entity; 3,4,5 another; a single strong 2~3 link must not join them.
    n = 6
    li, ri, p = [], [], []
    for a in range(n):
        for b in range(a + 1, n):
            same = (a < 3) == (b < 3)
            li.append(a)
            ri.append(b)
            p.append(0.99 if same or (a, b) == (2, 3) else 0.05)
    labels = cluster(n, li, ri, p, upper=0.9, lower=0.5)
    assert labels.tolist() == [0, 0, 0, 3, 3, 3]


def test_two_records_of_one_system_join_only_on_their_own_evidence():
    # A (system x) and B (system x) each match C (system y) closely, but A and B are only
    # probably the same: two restaurants of one hotel that an outside guide lists once.
    prob = np.array([[np.nan, 0.85, 0.99], [0.85, np.nan, 0.99], [0.99, 0.99, np.nan]])
    assert sorted(map(sorted, average_linkage(prob, 0.9, 0.5))) == [[0, 1, 2]]
    same = np.array([[True, True, False], [True, True, False], [False, False, True]])
    parts = sorted(map(sorted, average_linkage(prob, 0.9, 0.5, same)))
    assert parts in ([[0, 2], [1]], [[0], [1, 2]])
