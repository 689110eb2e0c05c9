"""What an incoming record links to, given its scored candidates and the stewards' verdicts."""

from matching.engine.decisions import MATCH, NOT_MATCH, Candidate, choose


def pick(*candidates, apart=False):
    return choose(candidates, upper=0.9, lower=0.5, apart_within_system=apart)


def test_the_best_candidate_at_or_above_the_upper_threshold_is_linked():
    choice = pick(Candidate("a", 0.95), Candidate("b", 0.99), Candidate("c", 0.6))
    assert (choice.target, choice.rule, choice.review) == ("b", "model", [])


def test_doubtful_candidates_go_to_review_when_nothing_is_linked():
    choice = pick(Candidate("a", 0.7), Candidate("b", 0.3))
    assert choice.target is None and [c.target for c in choice.review] == ["a"]


def test_a_stewards_not_a_match_is_never_linked_or_proposed():
    choice = pick(Candidate("a", 0.99, verdict=NOT_MATCH), Candidate("b", 0.7, verdict=NOT_MATCH))
    assert choice.target is None and choice.review == []


def test_a_stewards_same_and_the_records_own_golden_record_are_certain():
    assert pick(Candidate("a", 0.1, verdict=MATCH)).rule == "steward decision"
    assert pick(Candidate("a", 0.99), Candidate("b", 0.2, itself=True)).target == "b"


def test_a_system_keeping_its_records_apart_is_never_linked_to_itself():
    assert pick(Candidate("a", 0.99, same_system=True), apart=True).target is None
    assert pick(Candidate("a", 0.99, same_system=True)).target == "a"
