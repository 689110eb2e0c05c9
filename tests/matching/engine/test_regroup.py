"""Regrouping golden records to match a clustering, keeping every id that can be kept."""

from matching.engine.regroup import regroup


def senior(golden_id):
    return golden_id  # in these tests the alphabet is the order of creation


def test_two_golden_records_of_one_cluster_are_merged_into_the_senior():
    plan = regroup(["A", "A", "B"], [0, 0, 0], senior)
    assert plan.merges == [("B", "A")] and plan.moves == {}


def test_a_golden_record_holding_two_clusters_keeps_one_and_the_other_gets_a_new_one():
    plan = regroup(["A", "A"], [0, 1], senior)
    assert plan.targets == {0: "A", 1: "new:1"} and plan.moves == {1: "new:1"} and plan.merges == []


def test_a_record_that_belongs_elsewhere_moves_alone():
    plan = regroup(["A", "A", "B", "B"], ["x", "x", "x", "y"], senior)
    assert plan.moves == {2: "A"} and plan.merges == []


def test_nothing_changes_when_the_groups_are_the_clusters():
    assert regroup(["A", "B", "B"], [1, 2, 2], senior).changes == 0


def test_a_golden_record_kept_by_no_cluster_is_merged_after_its_stray_records_moved():
    # B's two records go one to A's cluster, one to C's; C holds more of that cluster.
    plan = regroup(["A", "A", "B", "B", "C", "C"], ["x", "x", "x", "z", "z", "z"], senior)
    assert plan.targets == {"x": "A", "z": "C"}
    assert plan.merges == [("B", "A")] or plan.merges == [("B", "C")]
    survivor = plan.merges[0][1]
    assert all(target != survivor for target in plan.moves.values()) or len(plan.moves) == 1
