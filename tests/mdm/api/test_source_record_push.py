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
