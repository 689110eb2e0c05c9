"""Teaching the model: which pairs the hub asks stewards about, and what their answers become."""

import numpy as np
import pandas as pd
import pytest
from django.core.exceptions import ValidationError

from matching.engine import SCHEMAS, FellegiSunterModel
from matching.models import LabelRequest, MatchDecision
from matching.services import decisions_remember
from matching.teaching import (
    PER_PATTERN,
    Answer,
    Why,
    boundary_order,
    label_request_answer,
    label_requests_draw,
    log_odds,
    model_key,
    near_floor,
    questions_choose,
)
from mdm.models import Customer
from tests.matching.questions import question, source

# --- the choice, without the database --------------------------------------------------------------


def test_thresholds_are_compared_in_log_odds():
    assert log_odds([0.5])[0] == pytest.approx(0.0)
    assert log_odds([0.8])[0] == pytest.approx(2.0)
    # Six bits below a review threshold of 50 %: odds of 1 to 64.
    assert near_floor(0.5) == pytest.approx(1 / 65)


def test_each_pattern_is_asked_once_before_any_is_asked_twice():
    distance = [0.1, 0.2, 0.3, 2.0, 0.05]
    patterns = ["A", "A", "A", "B", "C"]
    assert boundary_order(distance, patterns) == [4, 0, 3, 1, 2]


def test_no_pattern_is_asked_more_than_its_share():
    assert boundary_order([0.1] * 10, ["A"] * 10) == list(range(PER_PATTERN))


def scored(groups):
    """A frame like the engine's pairs: (count, probability, rule, pattern) per group."""
    rows, levels = [], {}
    for count, probability, rule, pattern in groups:
        for _ in range(count):
            left = len(rows)
            rows.append({"left_id": left, "right_id": 1000 + left, "probability": probability, "rule": rule,
                         "contribution_name": 1.5, "contribution_city": -0.5})
            levels[left] = {"name": pattern, "city": "exact"}
    return pd.DataFrame(rows), lambda frame: [levels[i] for i in frame["left_id"].tolist()]


GROUPS = [(40, 0.999, "", "exact"),  # automatic links
          (6, 0.88, "", "very similar"),  # just below the link threshold
          (1, 0.52, "", "similar"),  # just above the review threshold
          (1, 0.88, "same tax_id", "different"),  # decided by an identity rule, not by the model
          (10, 0.05, "", "different")]  # not linked, far from both thresholds


def choose(pairs, levels_of, *, limit=10, skip_boundary=None, skip_audit=None, seed=1):
    none = np.zeros(len(pairs), dtype=bool)
    return questions_choose(pairs, upper=0.9, lower=0.5, limit=limit, levels_of=levels_of,
                            skip_boundary=none if skip_boundary is None else skip_boundary,
                            skip_audit=none if skip_audit is None else skip_audit, rng=np.random.default_rng(seed))


def test_a_draw_mixes_boundary_pairs_with_random_checks_of_both_strata():
    pairs, levels_of = scored(GROUPS)
    questions = choose(pairs, levels_of)
    by_why = {why: [q for q in questions if q.why == why] for why in Why.values}
    assert len(by_why[Why.AUDIT_LINK]) == 2 and len(by_why[Why.AUDIT_NEAR]) == 2
    assert all(q.probability >= 0.9 and q.stratum_size == 40 for q in by_why[Why.AUDIT_LINK])
    assert all(near_floor(0.5) <= q.probability < 0.9 and q.stratum_size == 18 for q in by_why[Why.AUDIT_NEAR])
    assert len({(q.left_id, q.right_id) for q in questions}) == len(questions)


def test_boundary_questions_are_near_a_threshold_spread_over_patterns_and_never_an_identity_rules():
    pairs, levels_of = scored(GROUPS)
    boundary = [q for q in choose(pairs, levels_of) if q.why == Why.BOUNDARY]
    patterns = [q.levels["name"] for q in boundary]
    assert patterns.count("very similar") == PER_PATTERN and patterns.count("similar") == 1
    bits = log_odds([q.probability for q in boundary])
    assert np.all(np.minimum(abs(bits - log_odds([0.9])[0]), abs(bits - log_odds([0.5])[0])) <= 4)
    assert "different" not in patterns  # neither the rule's pair nor the far ones


def test_pairs_asked_or_decided_before_are_not_asked_near_the_boundary_again():
    pairs, levels_of = scored(GROUPS)
    skip = (pairs["probability"] == 0.52).to_numpy()
    boundary = [q for q in choose(pairs, levels_of, skip_boundary=skip) if q.why == Why.BOUNDARY]
    assert "similar" not in [q.levels["name"] for q in boundary]


def test_a_random_check_is_drawn_among_the_pairs_not_checked_yet_under_this_model():
    pairs, levels_of = scored(GROUPS)
    checked = np.zeros(len(pairs), dtype=bool)
    checked[:39] = True  # every link but the last one was drawn already
    links = [q for q in choose(pairs, levels_of, skip_audit=checked) if q.why == Why.AUDIT_LINK]
    assert [q.left_id for q in links] == [39]


def test_the_same_seed_draws_the_same_questions():
    pairs, levels_of = scored(GROUPS)
    first = [(q.left_id, q.why) for q in choose(pairs, levels_of, seed=5)]
    assert first == [(q.left_id, q.why) for q in choose(pairs, levels_of, seed=5)]


def test_a_model_key_changes_with_the_thresholds_and_nothing_else_that_does_not_decide():
    model = FellegiSunterModel.untrained(SCHEMAS["customer"])
    same = FellegiSunterModel.from_dict({**model.to_dict(), "trained": {"note": "refitted elsewhere"}})
    other = FellegiSunterModel.from_dict({**model.to_dict(), "upper": 0.95})
    assert model_key(model) == model_key(same) != model_key(other)


# --- drawing and answering on the hub ----------------------------------------------------------------

def test_a_draw_stores_its_questions_with_the_golden_records_and_the_model_that_asked(hub):
    asked = label_requests_draw(domain="customer", limit=10, seed=3)
    assert asked and all(q.key_a < q.key_b and q.model_key == asked[0].model_key for q in asked)
    for q in asked:
        assert q.golden_id_a == q.source_a.xref.golden_id and q.golden_id_b == q.source_b.xref.golden_id
        assert q.levels["name"] and q.contributions  # how the two compare, shown to the steward
    again = label_requests_draw(domain="customer", limit=10, seed=4)
    assert not {(q.key_a, q.key_b) for q in asked} & {(q.key_a, q.key_b) for q in again}


def test_a_random_check_of_a_pair_a_steward_decided_is_answered_by_that_decision(hub, alice):
    for k in range(60):  # a steward confirmed every firm's two records
        decisions_remember(domain="customer", keys_a=[f"salesforce:Account:001{k:04d}"],
                           keys_b=[f"netsuite:customer:{k}"], verdict=MatchDecision.Verdict.MATCH,
                           acting_user=alice, reason="checked")
    checks = [q for q in label_requests_draw(domain="customer", limit=10, seed=3) if q.why == Why.AUDIT_LINK]
    assert checks and all(q.answer == Answer.SAME and q.answered_by == alice for q in checks)


def test_not_the_same_is_remembered_at_once(hub, alice):
    q = question(source("0010000"), source("0010001"))
    answered = label_request_answer(request_id=q.pk, answer=Answer.NOT_SAME, acting_user=alice)
    assert answered.merge is None and not answered.parted_later
    assert MatchDecision.objects.get(key_a=q.key_a, key_b=q.key_b).verdict == MatchDecision.Verdict.NOT_MATCH


def test_not_the_same_inside_one_golden_record_is_parted_at_the_next_re_match(hub, alice):
    q = question(source("0010000"), source("0", "netsuite"))
    assert q.golden_id_a == q.golden_id_b
    assert label_request_answer(request_id=q.pk, answer=Answer.NOT_SAME, acting_user=alice).parted_later
    assert source("0010000").xref.golden_id == source("0", "netsuite").xref.golden_id  # nothing automatic


def test_the_same_across_two_golden_records_asks_for_a_merge_the_older_surviving(hub, alice):
    q = question(source("0010000"), source("0010001"))
    answered = label_request_answer(request_id=q.pk, answer=Answer.SAME, acting_user=alice, note="one firm")
    survivor, merged = answered.merge
    assert {survivor, merged} == {q.golden_id_a, q.golden_id_b}
    assert Customer.objects.get(pk=survivor).created_at <= Customer.objects.get(pk=merged).created_at
    assert not MatchDecision.objects.exists()  # remembered by the merge, once it is made
    assert LabelRequest.objects.get(pk=q.pk).answer == Answer.SAME


def test_the_same_inside_one_golden_record_and_cant_tell(hub, alice):
    same = question(source("0010000"), source("0", "netsuite"))
    assert label_request_answer(request_id=same.pk, answer=Answer.SAME, acting_user=alice).merge is None
    assert MatchDecision.objects.get().verdict == MatchDecision.Verdict.MATCH
    unsure = question(source("0010002"), source("0010003"))
    label_request_answer(request_id=unsure.pk, answer=Answer.UNSURE, acting_user=alice)
    assert MatchDecision.objects.count() == 1


def test_a_question_is_answered_once_and_only_with_a_known_answer(hub, alice):
    q = question(source("0010000"), source("0010001"))
    with pytest.raises(ValidationError):
        label_request_answer(request_id=q.pk, answer="maybe", acting_user=alice)
    label_request_answer(request_id=q.pk, answer=Answer.UNSURE, acting_user=alice)
    with pytest.raises(ValidationError):
        label_request_answer(request_id=q.pk, answer=Answer.SAME, acting_user=alice)
