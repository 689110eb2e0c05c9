"""The rule engine, without the database: each kind of rule, and rule definitions it refuses."""

import pytest

from quality.rules import Related, RuleError, cross_domain_targets, evaluate, rule_from

ATTRIBUTES = {"customer": ["name", "country", "tax_id", "email", "currency"],
              "contract": ["number", "status", "start_date", "end_date", "customer"],
              "project": ["code", "status", "contract", "customer"]}


def rule(kind, attribute, domain="customer", **params):
    return rule_from(key=f"{domain}.{kind}", code=f"{domain}.{kind}", domain=domain, kind=kind, attribute=attribute,
                     params=params, attributes=ATTRIBUTES)


def failing(r, *records, related=None):
    return {f.record: f.message for f in evaluate([r], list(enumerate(records)), related)}


def test_required_fails_on_missing_and_empty_values():
    r = rule("required", "name")
    assert set(failing(r, {"name": "Acme"}, {"name": ""}, {"name": None}, {})) == {1, 2, 3}
    assert failing(r, {})[0] == "name is missing"


def test_format_checks_the_whole_value_and_leaves_blanks_to_required():
    r = rule("format", "email", pattern=r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
    found = failing(r, {"email": "info@acme.de"}, {"email": "info@acme"}, {"email": "x info@acme.de x"}, {})
    assert set(found) == {1, 2}
    assert "'info@acme'" in found[1]


def test_reference_accepts_listed_values_or_a_named_iso_list():
    currencies = rule("reference", "currency", values=["EUR", "USD"])
    assert set(failing(currencies, {"currency": "EUR"}, {"currency": "JPY"}, {"currency": None})) == {1}
    countries = rule("reference", "country", values_from="iso3166")
    assert set(failing(countries, {"country": "DE"}, {"country": "XX"}, {"country": "Germany"})) == {1, 2}


def test_cross_field_pattern_applies_only_when_the_condition_holds():
    r = rule("cross_field", "tax_id", when={"country": "DE"}, pattern="DE[0-9]{9}")
    found = failing(r, {"country": "DE", "tax_id": "DE123456789"}, {"country": "DE", "tax_id": "123456789"},
                    {"country": "DE", "tax_id": None}, {"country": "FR", "tax_id": "FR1"}, {"country": "DEU"})
    assert set(found) == {1, 2}
    assert "country" in found[1]


def test_cross_field_not_before_compares_iso_dates():
    r = rule("cross_field", "end_date", domain="contract", not_before="start_date")
    found = failing(r, {"start_date": "2026-01-01", "end_date": "2026-12-31"},
                    {"start_date": "2026-01-01", "end_date": "2025-12-31"},
                    {"start_date": "2026-01-01", "end_date": "2026-01-01"}, {"start_date": "2026-01-01"})
    assert set(found) == {1}
    assert found[1] == "end_date 2025-12-31 is before start_date 2026-01-01"


def test_cross_domain_needs_a_related_record_in_the_given_state():
    r = rule("cross_domain", "contract", domain="project", when={"status": "active"}, target_domain="contract",
             target_when={"status": "active"})
    related = Related({"contract": {"CTR-1": {"status": "active"}, "CTR-2": {"status": "expired"}}})
    projects = [{"status": "active", "contract": "CTR-1"}, {"status": "active", "contract": "CTR-2"},
                {"status": "active", "contract": "CTR-9"}, {"status": "active", "contract": None},
                {"status": "planned", "contract": None}]
    found = failing(r, *projects, related=related)
    assert set(found) == {1, 2, 3}
    assert "does not meet status active" in found[1] and "not a live golden contract" in found[2]
    assert "missing" in found[3]
    assert cross_domain_targets([r], projects) == {"contract": {"CTR-1", "CTR-2", "CTR-9"}}


def test_a_record_failing_several_rules_gives_one_finding_per_rule():
    rules = [rule("required", "name"), rule("reference", "currency", values=["EUR"])]
    findings = evaluate(rules, [("CUS-1", {"name": "", "currency": "JPY"}), ("CUS-2", {"name": "Ok", "currency": "EUR"})])
    assert sorted((f.rule, f.record, f.attribute) for f in findings) == [
        ("customer.reference", "CUS-1", "currency"), ("customer.required", "CUS-1", "name")]


@pytest.mark.parametrize(("kind", "attribute", "params", "says"), [
    ("mandatory", "name", {}, "unknown kind"),
    ("required", "nickname", {}, "has no attribute 'nickname'"),
    ("format", "email", {}, "needs a regular expression"),
    ("format", "email", {"pattern": "[a-"}, "is not a regular expression"),
    ("reference", "currency", {"values": []}, "needs `values`"),
    ("reference", "currency", {"values_from": "iso639"}, "unknown list"),
    ("cross_field", "tax_id", {"when": {"country": "DE"}}, "either `pattern` or `not_before`"),
    ("cross_field", "tax_id", {"when": {"planet": "X"}, "pattern": "."}, "has no attribute 'planet'"),
    ("cross_domain", "name", {"target_domain": "invoice"}, "target_domain must be one of"),
    ("required", "name", {"pattern": "x"}, "unknown parameter(s) pattern"),
])
def test_it_refuses_rules_it_cannot_evaluate(kind, attribute, params, says):
    with pytest.raises(RuleError) as error:
        rule(kind, attribute, **params)
    assert says in str(error.value)
