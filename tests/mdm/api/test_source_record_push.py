import pytest

from mdm.models import Customer, QuarantinedRecord, SourceRecord

pytestmark = pytest.mark.django_db
URL = "/api/v1/source-records/customer/"


def test_an_integration_client_pushes_source_records(api, carol):
    response = api.as_user(carol).post(URL, {"system": "salesforce", "records": [
        {"source_id": "001A", "object_type": "Account", "name": "Acme", "country": "USA",
         "source_updated_at": "2026-06-01T10:00:00Z"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["created"] == 1
    assert Customer.objects.get().country == "US"


def test_bad_input_gets_field_errors_per_record_and_writes_nothing(api, carol):
    response = api.as_user(carol).post(URL, {"system": "salesforce", "records": [
        {"source_id": "001A", "name": "Good"},
        {"source_id": "001B", "name": "Bad", "country": "Atlantis", "shoe_size": 9},
        {"name": "No id", "source_updated_at": "last week"}]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"records": {
        "1": {"shoe_size": ["unknown field"], "country": ["unknown country 'Atlantis'"]},
        "2": {"source_id": ["required"], "source_updated_at": ["'last week' is not an ISO 8601 datetime"]}}}
    assert SourceRecord.objects.count() == 0 and QuarantinedRecord.objects.count() == 0


def test_unknown_system_wrong_types_and_malformed_json_are_400(api, carol):
    client = api.as_user(carol)
    assert client.post(URL, {"system": "sap", "records": [{"source_id": "1", "name": "X"}]},
                       format="json").json() == {"system": ["unknown system 'sap'; known systems: csv, netsuite, psa, salesforce, tryton"]}
    assert client.post(URL, {"system": "csv", "records": "lots"}, format="json").status_code == 400
    assert client.post(URL, {"system": "csv", "records": [], "extra": 1}, format="json").json() == {
        "extra": ["unknown field"]}
    malformed = client.post(URL, data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and "JSON parse error" in malformed.json()["detail"]


def test_an_unknown_reference_is_a_400_not_a_half_write(api, carol):
    response = api.as_user(carol).post("/api/v1/source-records/contract/", {"system": "salesforce", "records": [
        {"source_id": "800A", "number": "C-1", "customer_source_id": "001-missing"}]}, format="json")
    assert response.status_code == 400
    assert SourceRecord.objects.count() == 0


def test_payloads_over_the_size_limit_are_refused(api, carol, settings):
    settings.CONCORD_API_MAX_BODY_BYTES = 200
    response = api.as_user(carol).post(URL, {"system": "salesforce", "records": [
        {"source_id": str(i), "name": "x" * 50} for i in range(10)]}, format="json")
    assert response.status_code == 400
    assert "limit is 200" in response.json()["detail"]


def test_auditors_and_stewards_cannot_push(api, bob, alice):
    body = {"system": "salesforce", "records": [{"source_id": "1", "name": "X"}]}
    assert api.as_user(bob).post(URL, body, format="json").status_code == 403
    assert api.as_user(alice).post(URL, body, format="json").status_code == 403


@pytest.mark.parametrize("field, value, message", [
    ("name", {"a": 1}, "expected a string, got an object"),
    ("name", 123, "expected a string, got a number"),
    ("name", ["Acme"], "expected a string, got an array"),
    ("country", True, "expected a string, got a boolean"),
    ("source_id", {"x": 1}, "expected a string or a number, got an object"),
    ("deleted", {"yes": True}, "expected a boolean, got an object"),
    ("deleted", "true", "expected a boolean, got a string"),
    ("parent_source_id", 1.5, "expected a string or a number, got a number"),
    ("object_type", 7, "expected a string, got a number"),
])
def test_a_value_of_the_wrong_json_type_is_a_field_error(api, carol, field, value, message):
    row = {"source_id": "001A", "name": "Acme", field: value}
    response = api.as_user(carol).post(URL, {"system": "salesforce", "records": [row]}, format="json")
    assert response.status_code == 400
    assert response.json() == {"records": {"0": {field: [message]}}}
    assert SourceRecord.objects.count() == 0


def test_numbers_are_taken_where_the_model_takes_them(api, carol):
    response = api.as_user(carol).post("/api/v1/source-records/contract/", {"system": "salesforce", "records": [
        {"source_id": 800, "number": "C-1", "total_value": 1500.5, "source_version": 3, "deleted": False}]},
        format="json")
    assert response.status_code == 200, response.json()
    assert SourceRecord.objects.get().source_id == "800"


@pytest.mark.parametrize("stamp, reason", [
    ("2026-13-45T00:00:00Z", "month must be in 1..12"),
    ("2026-02-30T10:00:00Z", "day is out of range for month"),
    ("9999-12-31T23:00:00-05:00", "out of range"),
])
def test_an_impossible_timestamp_is_a_field_error_not_a_500(api, carol, stamp, reason):
    response = api.as_user(carol).post(URL, {"system": "salesforce", "records": [
        {"source_id": "001A", "name": "Good", "source_updated_at": "2026-06-01T10:00:00Z"},
        {"source_id": "001B", "name": "Bad", "source_updated_at": stamp}]}, format="json")
    assert response.status_code == 400
    [message] = response.json()["records"]["1"]["source_updated_at"]
    assert stamp in message and reason in message
    assert SourceRecord.objects.count() == 0  # all or nothing, as docs/api.md promises


@pytest.mark.parametrize("depth", [65, 50_000])
def test_json_nested_too_deep_is_400_not_a_crash(api, carol, depth):
    body = '{"system": "salesforce", "records": [{"source_id": "1", "name": ' + "[" * depth + "]" * depth + "}]}"
    response = api.as_user(carol).post(URL, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON parse error - JSON nested deeper than 64 levels"}
