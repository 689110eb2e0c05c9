from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mdm.lineage import lineage_unpack
from mdm.survivorship import (
    Candidate,
    Contributor,
    Override,
    Rule,
    Source,
    _attribute_by_attribute,
    _by_rule,
    decide,
    decide_attributes,
    fingerprint,
    survive,
)

TRUST = Rule("trust", ("netsuite", "salesforce"))


def c(value, system, record_id, updated="2026-06-01T00:00:00+00:00", completeness=5):
    return Candidate(value, system, record_id, updated, completeness)


def test_trust_order_picks_the_most_trusted_system_that_has_a_value():
    decision = decide([c("A", "salesforce", 1), c("B", "netsuite", 2)], TRUST)
    assert (decision.value, decision.system, decision.rule) == ("B", "netsuite", "trust")
    assert decide([c("A", "salesforce", 1), c(None, "netsuite", 2)], TRUST).value == "A"


def test_most_recent_uses_the_sources_business_timestamp():
    old, new = "2026-01-01T00:00:00+00:00", "2026-05-01T00:00:00+00:00"
    decision = decide([c("old", "netsuite", 1, old), c("new", "salesforce", 2, new)], Rule("recent", TRUST.trust_order))
    assert decision.value == "new"


def test_most_complete_prefers_the_fuller_source_record():
    decision = decide([c("x", "netsuite", 1, completeness=3), c("y", "salesforce", 2, completeness=9)],
                      Rule("complete", TRUST.trust_order))
    assert decision.value == "y"


def test_most_frequent_follows_the_majority_and_ties_fall_to_trust():
    rule = Rule("frequent", ("a", "b", "c"))
    assert decide([c("x", "c", 1), c("y", "b", 2), c("y", "a", 3)], rule).value == "y"
    assert decide([c("x", "a", 1), c("y", "b", 2)], rule).value == "x"


def test_the_answer_does_not_depend_on_arrival_order():
    candidates = [c("A", "salesforce", 1), c("B", "netsuite", 2), c("C", "csv", 3)]
    assert decide(candidates, TRUST) == decide(list(reversed(candidates)), TRUST)


def test_a_pinned_override_beats_every_rule():
    decision = decide([c("B", "netsuite", 2)], TRUST, Override("Z"))
    assert (decision.value, decision.rule) == ("Z", "steward override")


def test_an_override_until_a_date_ends_at_that_date():
    now = datetime(2026, 6, 1)
    override = Override("Z", "until_date", until=now + timedelta(days=1))
    assert decide([c("B", "netsuite", 2)], TRUST, override, now).value == "Z"
    assert decide([c("B", "netsuite", 2)], TRUST, override, now + timedelta(days=2)).value == "B"


def test_an_override_until_the_source_changes_ends_when_it_does():
    before = [c("B", "netsuite", 2)]
    override = Override("Z", "until_source_change", source_fingerprint=fingerprint(before))
    assert decide(before, TRUST, override).value == "Z"
    assert decide([c("B2", "netsuite", 2)], TRUST, override).value == "B2"


# --- All attributes at once: the same answers as attribute by attribute ------------------------

SYSTEMS = ("salesforce", "netsuite", "tryton", "csv")
ATTRIBUTES = ("name", "phone", "city", "country")
rules = st.builds(Rule, st.sampled_from(("trust", "recent", "complete", "frequent")),
                  st.lists(st.sampled_from(SYSTEMS), unique=True, max_size=3).map(tuple))
contributors = st.lists(st.builds(
    Contributor,
    st.fixed_dictionaries({name: st.sampled_from((None, "", "A", "B", 0, 7)) for name in ATTRIBUTES}),
    st.sampled_from(SYSTEMS),
    st.integers(1, 10_000),
    st.sampled_from((None, "2026-01-01T00:00:00+00:00", "2026-05-01T00:00:00+00:00")),
    st.integers(0, 4),
), max_size=5, unique_by=lambda c: c.source_record_id)


@given(contributors, st.fixed_dictionaries({name: rules for name in ATTRIBUTES}))
def test_deciding_all_attributes_at_once_picks_what_each_attribute_would(contributors, rules):
    winners = decide_attributes(contributors, rules)
    for name, rule in rules.items():
        decision = decide([Candidate(c.values[name], c.system, c.source_record_id, c.source_updated_at,
                                     c.completeness) for c in contributors], rule)
        index = winners[name]
        assert (None if index is None else contributors[index].source_record_id) == decision.source_record_id
        assert (None if index is None else contributors[index].values[name]) == decision.value


def test_the_one_entry_point_answers_the_same_whichever_way_it_takes():
    now = datetime(2026, 5, 1)
    rules = {"name": Rule("trust", ("salesforce", "netsuite")), "phone": Rule("recent"), "city": Rule("complete")}
    crm = Source(1, "salesforce", "001", {"name": "Acme Inc", "phone": "1", "city": ""}, "2026-01-01T00:00:00", 2)
    erp = Source(2, "netsuite", "N1", {"name": "ACME", "phone": "2", "city": "Berlin"}, "2026-02-01T00:00:00", 3)
    for sources in ([crm], [crm, erp]):
        quick = survive(sources, rules, overrides={}, previous=None, new=True, now=now)
        by_rule = _by_rule(sources, rules, None, now.isoformat())
        general = _attribute_by_attribute(sources, rules, {}, None, now)
        assert quick.values == by_rule.values == general.values
        assert lineage_unpack(quick.lineage) == lineage_unpack(by_rule.lineage) == lineage_unpack(general.lineage)
    assert general.values == {"name": "Acme Inc", "phone": "2", "city": "Berlin"}
