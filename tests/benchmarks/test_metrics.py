"""Scoring golden records against the truth: pairs over source records, look-alikes, review."""

from benchmarks.matching import metrics

CRM, ERP = "salesforce", "netsuite"
# Acme is in both files and twice in the CRM; Globex in both; Initech only in the ERP.
TRUTH = {(CRM, "1"): "acme", (CRM, "2"): "acme", (ERP, "a"): "acme",
         (CRM, "3"): "globex", (ERP, "b"): "globex", (ERP, "c"): "initech"}


def test_a_perfect_result_scores_one_and_counts_within_file_pairs():
    scores = metrics.pair_scores(TRUTH, dict(TRUTH))
    # acme: 3 records -> 3 pairs (one inside the CRM file); globex: 1 pair
    assert (scores.true_pairs, scores.predicted_pairs, scores.correct_pairs) == (4, 4, 4)
    assert scores.f1 == 1.0


def test_a_missed_duplicate_inside_one_file_costs_recall():
    golden = {**TRUTH, (CRM, "2"): "G-other"}
    scores = metrics.pair_scores(TRUTH, golden)
    assert (scores.predicted_pairs, scores.correct_pairs) == (2, 2)
    assert scores.recall == 0.5 and scores.precision == 1.0


def test_merging_two_companies_costs_precision():
    golden = {**TRUTH, (ERP, "c"): "globex"}  # Initech put into Globex's golden record
    scores = metrics.pair_scores(TRUTH, golden)
    assert (scores.predicted_pairs, scores.correct_pairs) == (6, 4)
    assert scores.precision == 4 / 6 and scores.recall == 1.0


def test_a_record_without_a_golden_record_stands_alone():
    golden = {key: entity for key, entity in TRUTH.items() if key != (ERP, "b")}  # quarantined
    scores = metrics.pair_scores(TRUTH, golden)
    assert (scores.predicted_pairs, scores.correct_pairs) == (3, 3)


def test_two_records_alone_are_not_a_predicted_pair():
    golden = {key: entity for key, entity in TRUTH.items() if key not in {(CRM, "3"), (ERP, "b")}}
    assert metrics.pair_scores(TRUTH, golden).predicted_pairs == 3


def test_a_lookalike_group_is_merged_when_two_of_its_companies_share_a_golden_record():
    truth = {(CRM, "1"): "acme-us", (ERP, "a"): "acme-us", (CRM, "2"): "acme-de", (CRM, "3"): "globex",
             (CRM, "4"): "solo"}
    groups = {(CRM, "1"): "g1", (ERP, "a"): "g1", (CRM, "2"): "g1", (CRM, "3"): "g2", (CRM, "4"): "g3"}
    # g2 and g3 each have one company in the files: they cannot be merged and are not counted
    assert metrics.lookalikes_merged(truth, groups, dict(truth)) == (0, 1)
    assert metrics.lookalikes_merged(truth, groups, {**truth, (CRM, "2"): "acme-us"}) == (1, 1)


def test_records_in_review_are_those_whose_golden_record_has_an_open_candidate():
    golden = {(CRM, "1"): "G1", (ERP, "a"): "G1", (CRM, "2"): "G2", (CRM, "3"): "G3"}
    assert metrics.records_in_review(golden, [("G1", "G2")]) == 3
    assert metrics.records_in_review(golden, []) == 0


def test_mistakes_sample_missed_and_false_pairs():
    golden = {**TRUTH, (CRM, "2"): "G-other", (ERP, "c"): "globex"}
    found = metrics.mistakes(TRUTH, golden, k=10)
    assert (found.entities_split, found.clusters_mixed) == (1, 1)
    (a, b), = found.missed
    assert {a, b} & {(CRM, "2")} and TRUTH[a] == TRUTH[b] == "acme"
    (c, d), = found.false
    assert TRUTH[c] != TRUTH[d] and (ERP, "c") in (c, d)


def test_mistaken_pairs_are_all_listed_or_sampled_to_the_limit():
    golden = {**TRUTH, (CRM, "2"): "G-other", (ERP, "c"): "globex"}
    missed, false = metrics.mistaken_pairs(TRUTH, golden)
    assert set(map(frozenset, missed)) == {frozenset({(CRM, "1"), (CRM, "2")}), frozenset({(CRM, "2"), (ERP, "a")})}
    assert set(map(frozenset, false)) == {frozenset({(CRM, "3"), (ERP, "c")}), frozenset({(ERP, "b"), (ERP, "c")})}
    missed, _ = metrics.mistaken_pairs(TRUTH, golden, limit=1)
    assert len(missed) == 1


def test_field_profile_counts_equal_different_and_missing_values():
    values = {(CRM, "1"): {"name": "acme", "phone": "1"}, (CRM, "2"): {"name": "acme", "phone": None},
              (ERP, "a"): {"name": "acme gmbh", "phone": "1"}}
    profile = metrics.field_profile([((CRM, "1"), (CRM, "2")), ((CRM, "1"), (ERP, "a"))], values, ["name", "phone"])
    assert profile == {"name": {"same": 1, "differs": 1, "missing": 0}, "phone": {"same": 1, "differs": 0, "missing": 1}}
