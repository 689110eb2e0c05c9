"""Model quality: precision and recall estimated from the answers to random checks."""

import pytest

from matching.engine import SCHEMAS, FellegiSunterModel
from matching.estimates import (
    Proportion,
    field_weights,
    model_quality,
    precision_estimate,
    recall_estimate,
    wilson,
)
from matching.teaching import Answer, Why, label_request_answer, label_requests_draw
from tests.matching.questions import question, source


def test_the_wilson_interval_matches_its_textbook_values():
    low, high = wilson(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson(0, 0) == (0.0, 1.0)


def test_precision_is_the_share_of_checked_links_that_are_the_same():
    estimate = precision_estimate(Proportion(hits=38, n=40))
    assert estimate.value == pytest.approx(0.95) and estimate.low < 0.95 < estimate.high
    assert estimate.answers == 40
    assert precision_estimate(Proportion(0, 0)) is None
    assert precision_estimate(Proportion(0, 1)) is None  # one answer is no estimate yet
    assert precision_estimate(Proportion(0, 1), minimum=1).value == 0.0


def test_recall_weighs_each_stratum_by_its_size():
    # 100 links, 90 % right: 90 matches linked; 50 pairs not linked, 10 % matches: 5 missed.
    estimate = recall_estimate(Proportion(9, 10), Proportion(1, 10), link_pairs=100, below_pairs=50)
    assert estimate.value == pytest.approx(90 / 95)
    assert estimate.low < estimate.value < estimate.high <= 1.0
    assert estimate.answers == 20


def test_recall_waits_for_answers_in_every_stratum_that_holds_pairs():
    assert recall_estimate(Proportion(9, 10), Proportion(0, 0), link_pairs=100, below_pairs=50) is None
    assert recall_estimate(Proportion(9, 10), Proportion(1, 3), link_pairs=100, below_pairs=50) is None
    assert recall_estimate(Proportion(0, 0), Proportion(1, 10), link_pairs=100, below_pairs=50) is None
    # Nothing below the link threshold among the candidates: nothing was missed there.
    everything = recall_estimate(Proportion(9, 10), Proportion(0, 0), link_pairs=100, below_pairs=0)
    assert everything.value == 1.0 and everything.low == 1.0


def test_field_weights_list_each_level_best_first_in_bits():
    model = FellegiSunterModel.untrained(SCHEMAS["customer"])
    name = next(f for f in field_weights(model) if f.name == "name")
    assert name.levels[0].label == "exact" and name.levels[0].bits > 0 > name.levels[-1].bits


def test_with_no_labels_the_page_has_nothing_to_estimate(hub):
    quality = model_quality("customer")
    assert quality.precision is None and quality.recall is None and quality.labels == 0
    assert quality.origin == "shipped with Concord"


def test_answered_random_checks_make_the_estimates_and_boundary_answers_do_not(hub, alice):
    asked = label_requests_draw(domain="customer", limit=50, seed=3)  # ten random checks of the links
    for q in asked:  # the loaded firms are told apart right: each firm's records share one golden record
        answer = Answer.SAME if q.golden_id_a == q.golden_id_b else Answer.NOT_SAME
        label_request_answer(request_id=q.pk, answer=answer, acting_user=alice)
    links = [q for q in asked if q.why == Why.AUDIT_LINK]
    quality = model_quality("customer")
    assert len(links) == 10 and quality.link_pairs == links[0].stratum_size
    assert quality.link_check == Proportion(10, 10)
    assert quality.precision.value == 1.0
    # A doubtful pair near the link threshold that was not the same: asked for being doubtful, not counted.
    doubtful = question(source("0010000"), source("0010001"), why=Why.BOUNDARY, probability=0.95,
                        model_key=quality.key)
    label_request_answer(request_id=doubtful.pk, answer=Answer.NOT_SAME, acting_user=alice)
    again = model_quality("customer")
    assert again.precision == quality.precision and again.labels == quality.labels + 1


def test_checks_answered_under_another_model_are_kept_but_not_counted(hub, alice):
    q = question(source("0010000"), source("0", "netsuite"), why=Why.AUDIT_LINK, probability=0.99)
    label_request_answer(request_id=q.pk, answer=Answer.SAME, acting_user=alice)
    quality = model_quality("customer")
    assert quality.link_check.n == 0 and quality.older_answers == 1
