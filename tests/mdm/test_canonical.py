import pytest

from mdm.canonical import standardize_record


def test_a_customer_needs_a_name():
    _values, errors = standardize_record("customer", {"country": "DE"})
    assert errors == {"name": ["a customer needs a name"]}


def test_a_project_needs_a_code_or_a_name():
    assert standardize_record("project", {"name": "Cloud move"})[1] == {}
    assert "code" in standardize_record("project", {"status": "active"})[1]


def test_a_bad_phone_does_not_make_a_customer_unusable():
    values, errors = standardize_record("customer", {"name": "Acme", "country": "FR", "phone": "12"})
    assert errors == {}
    assert values["phone"] == "12"  # kept as sent, for a steward to see


def test_every_unusable_value_is_reported_at_once():
    _values, errors = standardize_record("contract", {"number": "C-1", "currency": "EURO", "start_date": "soon",
                                                      "total_value": "lots", "billing_type": "barter"})
    assert set(errors) == {"currency", "start_date", "total_value", "billing_type"}


def test_picklist_variants_map_to_canonical_codes():
    values, _ = standardize_record("contract", {"number": "C-1", "billing_type": "T&M", "status": "Activated"})
    assert values["billing_type"] == "time_and_materials"
    assert values["status"] == "active"


def test_a_steward_value_is_held_to_the_strict_standard():
    from mdm.canonical import steward_value
    from mdm.standardize import InvalidValue

    assert steward_value("customer", "email", "Billing@Acme.example", {}) == "billing@acme.example"
    with pytest.raises(InvalidValue, match="is not an email address"):
        steward_value("customer", "email", "not an email", {})  # a source's would be kept as text
    with pytest.raises(InvalidValue, match="expected a string, got a number"):
        steward_value("customer", "name", 123, {})


def test_json_types_come_from_the_canonical_model():
    from mdm.canonical import json_type_errors

    assert json_type_errors("contract", {"number": "C-1", "total_value": 1500, "customer_source_id": 42,
                                         "title": None}) == {}
    assert json_type_errors("contract", {"number": {"a": 1}, "total_value": True, "customer_source_id": [1]}) == {
        "number": ["expected a string, got an object"],
        "total_value": ["expected a string or a number, got a boolean"],
        "customer_source_id": ["expected a string or a number, got an array"]}
