"""The Fellegi–Sunter model learns m and u without labels and travels as plain JSON."""

import json

import numpy as np
import pytest

from matching.engine import CUSTOMER, FellegiSunterModel, fit
from matching.engine.model import probability


def synthetic_levels(seed=0, matches=2000, non_matches=20000):
    """Comparison vectors drawn from known m and u: matches agree, non-matches mostly do not."""
    rng = np.random.default_rng(seed)
    fields = CUSTOMER.compared
    from matching.engine.comparisons import KINDS

    rows = []
    for is_match, n in ((True, matches), (False, non_matches)):
        block = np.empty((n, len(fields)), dtype=np.int8)
        for j, f in enumerate(fields):
            k = KINDS[f.kind].n_levels
            p = np.full(k, 0.05 / (k - 1)) if is_match else np.full(k, 0.1 / (k - 1))
            p[-1 if is_match else 0] = 0.95 if is_match else 0.9
            block[:, j] = rng.choice(k, size=n, p=p / p.sum())
        block[rng.random(block.shape) < 0.1] = -1  # some missing values
        rows.append(block)
    return np.concatenate(rows)


def test_em_recovers_the_share_of_matches_without_labels():
    model = fit(CUSTOMER, synthetic_levels())
    assert abs(model.prior - 2000 / 22000) < 0.01
    assert model.trained["converged"]


def test_em_learns_that_agreement_is_evidence_for_a_match():
    model = fit(CUSTOMER, synthetic_levels())
    for table in model.weight_tables():
        assert table[-2] > 0 > table[0]  # exact agreement for, disagreement against
        assert table[-1] == 0  # a missing value says nothing


def test_a_model_survives_a_json_round_trip():
    model = fit(CUSTOMER, synthetic_levels(), upper=0.95, lower=0.4)
    again = FellegiSunterModel.from_dict(json.loads(json.dumps(model.to_dict())))
    assert again == model
    assert again.to_dict()["fields"][0]["levels"] == ["different", "words in common, others apart", "one within the other", "very similar", "exact"]


def test_the_untrained_model_already_prefers_agreement():
    model = FellegiSunterModel.untrained(CUSTOMER)
    assert all(table[-2] > 0 > table[0] for table in model.weight_tables())


def test_probability_follows_the_match_weight():
    assert probability(np.array([0.0]))[0] == 0.5
    assert probability(np.array([10.0]))[0] > 0.999


def test_per_rule_em_learns_from_each_blocking_pass_and_scales_the_prior_to_all_pairs():
    from matching.engine.model import fit_per_rule

    candidates = synthetic_levels(seed=1)
    random = synthetic_levels(seed=2, matches=0, non_matches=20000)
    passes = [candidates[i::len(CUSTOMER.blocking)] for i in range(len(CUSTOMER.blocking))]
    model = fit_per_rule(CUSTOMER, passes, candidates, random, total_pairs=1e8)
    assert model.trained["method"] == "per_rule"
    assert len(model.trained["sessions"]) == len(CUSTOMER.blocking)
    assert model.prior == pytest.approx(2000 / 1e8, rel=0.2)
    for table in model.weight_tables():
        assert table[-2] > 0 > table[0]


def test_pairs_a_steward_answered_teach_the_model_what_they_were():
    from matching.engine.model import Labelled, _em

    # 40 pairs disagree on the name but agree on three other fields: EM alone takes them for matches.
    n_levels = [2, 2, 2, 2]
    agreeing, name_differs, nothing = [1, 1, 1, 1], [0, 1, 1, 1], [0, 0, 0, 0]
    m = [np.array([0.5, 0.5]) for _ in n_levels]
    u = [np.array([0.9, 0.1]) for _ in n_levels]
    unanswered = _em(np.array([agreeing, name_differs, nothing]), np.array([50.0, 40.0, 1000.0]), n_levels,
                     [x.copy() for x in m], u, 0.1, fix_u=True)[0]
    # A steward said of all 40 "not the same": a name disagreement is rare among matches.
    answered = Labelled.of(np.array([name_differs] * 40), np.zeros(40), n_levels)
    taught = _em(np.array([agreeing, nothing]), np.array([50.0, 1000.0]), n_levels, [x.copy() for x in m], u, 0.1,
                 fix_u=True, labelled=answered)[0]
    assert unanswered[0][0] > 0.3 and taught[0][0] < 0.05


def test_answers_teach_nothing_of_the_fields_they_were_read_from():
    from matching.engine.model import Labelled, _em

    n_levels = [2, 2, 2]
    m = [np.array([0.5, 0.5]) for _ in n_levels]
    u = [np.array([0.9, 0.1]) for _ in n_levels]
    unlabelled, counts = np.array([[1, 1, 1], [0, 1, 1], [0, 0, 0]]), np.array([50.0, 5.0, 1000.0])
    # 200 pairs answered "the same" that disagree on field 0 and hold nothing else.
    answered = np.array([[0, -1, -1]] * 200)

    def m_of_field_0(untaught):
        labelled = Labelled.of(answered, np.ones(200), n_levels, untaught=untaught)
        return _em(unlabelled, counts, n_levels, [x.copy() for x in m], u, 0.1, fix_u=True, labelled=labelled)[0][0]

    # Taught, field 0 learns that matches disagree on it; untaught (the answer was read from it),
    # those pairs count as EM weighs them: as the non-matches their disagreement says they are.
    assert m_of_field_0(())[0] > 0.5
    assert m_of_field_0((0,))[0] < 0.05


def test_per_rule_em_takes_the_pairs_identity_rules_decide_as_answers():
    from matching.engine.model import fit_per_rule

    candidates = synthetic_levels(seed=1)
    random = synthetic_levels(seed=2, matches=0, non_matches=20000)
    passes = [candidates[i::len(CUSTOMER.blocking)] for i in range(len(CUSTOMER.blocking))]
    identities = [np.where(np.arange(len(p)) % 10 == 0, 0.0, np.nan) for p in passes]
    model = fit_per_rule(CUSTOMER, passes, candidates, random, total_pairs=1e8, rule_identities=identities)
    sessions = model.trained["sessions"]
    assert [s["certain"] for s in sessions] == [int((~np.isnan(i)).sum()) for i in identities]
    assert all(s["answered"] == 0 for s in sessions)
    for table in model.weight_tables():
        assert table[-2] > 0 > table[0]


def test_the_prior_counts_the_pairs_identity_rules_decide_as_decided():
    from matching.engine.model import _prior

    n_levels = [2, 2]
    m = [np.array([0.05, 0.95]) for _ in n_levels]
    u = [np.array([0.95, 0.05]) for _ in n_levels]
    # 100 pairs agreeing on both fields, which EM takes for matches; tax ids part 60 of them.
    levels = np.array([[1, 1]] * 100 + [[0, 0]] * 900, dtype=np.int8)
    certain = np.full(1000, np.nan)
    certain[:60] = 0.0
    guessed = _prior(levels, 1e6, n_levels, m, u, 300, 1e-6)[1]
    decided = _prior(levels, 1e6, n_levels, m, u, 300, 1e-6, certain)[1]
    assert guessed == pytest.approx(0.1, abs=0.01)
    assert decided == pytest.approx(0.04, abs=0.01)


def test_a_names_u_at_one_site_is_learned_from_the_pairs_an_identity_rule_parts():
    from matching.engine.model import site_u

    model = FellegiSunterModel.untrained(CUSTOMER)
    name = [f.name for f in CUSTOMER.compared].index("name")
    parted = np.full((30, len(CUSTOMER.compared)), -1, dtype=np.int8)
    parted[:, name] = [1] * 24 + [0] * 6  # a parent and its subsidiary: the brand word in common
    learned = site_u(CUSTOMER, model, parted)["name"]
    assert sum(learned) == pytest.approx(1.0)
    assert learned[1] > 0.7 > model.fields[name].u[1]  # far more alike than random firms
    assert learned[-1] == model.fields[name].u[-1]  # neighbours do not share an exact name
    assert site_u(CUSTOMER, model, parted[:19]) == {}  # too few to learn from


def test_a_model_keeps_what_it_learned_at_one_site_through_json():
    model = FellegiSunterModel.untrained(CUSTOMER)
    model.site_u = {"name": [0.2, 0.7, 0.05, 0.049, 0.001]}
    assert FellegiSunterModel.from_dict(json.loads(json.dumps(model.to_dict()))).site_u == model.site_u


def test_a_system_with_too_few_candidates_of_its_own_takes_the_pooled_prior_of_systems_own_pairs():
    from matching.engine.model import _MIN_PAIRS_PER_KIND, _kind_priors, within_one_system

    n_levels = [2, 2]
    m = [np.array([0.05, 0.95]) for _ in n_levels]
    u = [np.array([0.95, 0.05]) for _ in n_levels]
    # Between the two guides, 100 of 400 candidates agree (links); within each guide, 5 of 60
    # and 1 of 30 (a hotel's restaurants): the second guide has too few candidates of its own.
    levels = np.array([[1, 1]] * 100 + [[0, 0]] * 300 + [[1, 1]] * 5 + [[0, 0]] * 55 + [[1, 1]] + [[0, 0]] * 29,
                      dtype=np.int8)
    kinds = np.array(["a|b"] * 400 + ["a|a"] * 60 + ["b|b"] * 30, dtype=object)
    totals = {"a|b": 1e5, "a|a": 5e4, "b|b": 2e4}
    assert 30 < _MIN_PAIRS_PER_KIND <= 60
    priors = _kind_priors(levels, kinds, totals, None, n_levels, m, u, 300, 1e-6)
    assert priors["a|b"] == pytest.approx(100 / 1e5, rel=0.1)
    assert priors["b|b"] == pytest.approx(6 / 7e4, rel=0.1)  # both guides' own pairs together
    assert priors["b|b"] < priors["a|b"] / 5  # not the prior the links between systems dominate
    assert within_one_system("crm|crm") and not within_one_system("crm|erp")
    both_few = _kind_priors(levels[-60:], kinds[-60:], totals, None, n_levels, m, u, 300, 1e-6)
    assert both_few["a|a"] == both_few["b|b"]  # 30 own pairs each: fitted together
    too_few = _kind_priors(levels[-40:], kinds[-40:], totals, None, n_levels, m, u, 300, 1e-6)
    assert too_few == {}  # 40 own pairs in all: too few to fit even together; the overall prior stands


def test_certain_pairs_pool_into_blocks_whose_share_the_same_rises_with_the_weight():
    from matching.engine.model import calibration_blocks

    blocks = calibration_blocks(np.array([4.0, 1.0, 3.0, 2.0]), np.array([1.0, 0.0, 0.0, 1.0]))
    assert blocks == [[1.0, 1.0, 0.0, 1.0], [2.0, 3.0, 1.0, 2.0], [4.0, 4.0, 1.0, 1.0]]


def test_a_pair_is_held_to_what_certain_pairs_scoring_alike_say():
    from matching.engine.model import calibrated, calibration_blocks

    # Many certain pairs scoring 10-20 bits that were two firms, a few above 30 that were one.
    weights = np.concatenate([np.linspace(10, 20, 50), np.linspace(30, 40, 5)])
    blocks = calibration_blocks(weights, np.concatenate([np.zeros(50), np.ones(5)]))
    held = calibrated(np.array([15.0, 25.0, 35.0, 5.0]), blocks)
    assert held[0] < 0.05  # scores like the firms the tax ids parted
    assert held[1] == pytest.approx(probability(np.array([25.0]))[0])  # no certain pair scored so: the model's word
    assert held[2] == pytest.approx(probability(np.array([35.0]))[0])  # scores like the certain duplicates
    assert held[3] <= probability(np.array([5.0]))[0]  # never above the model
    few = calibration_blocks(np.array([15.0]), np.array([0.0]))
    assert calibrated(np.array([15.0]), few)[0] == pytest.approx(probability(np.array([15.0]))[0] / 2)  # one pair: half


def test_a_pair_is_held_to_its_blocks_share_however_likely():
    from matching.engine.model import calibrated, calibration_blocks

    mostly_one = calibration_blocks(np.linspace(10, 20, 10), np.array([0.0] * 3 + [1.0] * 7))
    p = probability(np.array([12.0, 19.0]))
    held = calibrated(np.array([12.0, 19.0]), mostly_one)
    assert held[0] == pytest.approx(p[0] / 4)  # the bottom block: 0 of 3, and the pair
    assert held[1] == pytest.approx(p[1])  # the top block, 7 of 7: the model's word, never raised
    middle = calibration_blocks(np.linspace(10, 20, 10), np.array([0.0, 1.0] * 5))
    assert calibrated(np.array([15.0]), middle)[0] < 0.9  # half of them two firms: short of a link


def test_only_kinds_with_enough_certain_pairs_are_calibrated():
    from matching.engine.model import calibration_by_kind

    kinds = np.array(["crm|crm"] * 60 + ["erp|erp"] * 10)
    by_kind = calibration_by_kind(kinds, np.linspace(0, 30, 70), np.zeros(70))
    assert set(by_kind) == {"crm|crm"}


def test_a_model_keeps_its_calibration_through_json():
    model = FellegiSunterModel.untrained(CUSTOMER)
    model.calibration = {"crm|crm": [[-3.0, 12.5, 0.0, 40.0], [20.0, 31.0, 9.0, 10.0]]}
    assert FellegiSunterModel.from_dict(json.loads(json.dumps(model.to_dict()))).calibration == model.calibration
