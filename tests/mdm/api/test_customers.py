from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", updated=at(3), name="Acme GmbH", country="Deutschland", city="Berlin", phone="030 1234567")])
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("42", object_type="customer", name="ACME GmbH", country="DE", city="Berlin", phone="+49 30 1234567",
               tax_id="DE123456789", currency="EUR")])
    return Customer.objects.get()


def test_anonymous_requests_get_401(api):
    assert api.get("/api/v1/customers/").status_code == 401


def test_list_uses_drfs_paginated_envelope(api, alice, acme):
    response = api.as_user(alice).get("/api/v1/customers/")
    assert response.status_code == 200
    assert set(response.json()) == {"count", "next", "previous", "results"}
    assert response.json()["results"][0]["id"] == acme.id


def test_search_by_name_and_by_tax_id(api, alice, acme):
    client = api.as_user(alice)
    assert client.get("/api/v1/customers/?q=acme").json()["count"] == 1
    assert client.get("/api/v1/customers/?q=123456789").json()["count"] == 1
    assert client.get("/api/v1/customers/?q=globex").json()["count"] == 0


def test_filters(api, alice, acme):
    client = api.as_user(alice)
    assert client.get("/api/v1/customers/?country=DE").json()["count"] == 1
    assert client.get("/api/v1/customers/?country=US").json()["count"] == 0


def test_detail_has_sources_and_lineage_naming_the_source_and_rule(api, alice, acme):
    data = api.as_user(alice).get(f"/api/v1/customers/{acme.id}/").json()
    assert data["name"] == "ACME GmbH"
    assert data["lineage"]["name"]["system"] == "netsuite"
    assert data["lineage"]["name"]["rule"] == "trust"
    assert data["lineage"]["phone"]["system"] == "salesforce"
    assert {(s["system"], s["source_id"]) for s in data["sources"]} == {("salesforce", "001A"), ("netsuite", "42")}


def test_as_of_returns_the_earlier_state(api, alice, acme):
    before_update = timezone.now()
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("42", object_type="customer", updated=at(9), name="ACME Deutschland GmbH", country="DE")])
    client = api.as_user(alice)
    assert client.get(f"/api/v1/customers/{acme.id}/").json()["name"] == "ACME Deutschland GmbH"
    then = client.get(f"/api/v1/customers/{acme.id}/", {"as_of": before_update.isoformat()}).json()
    assert then["name"] == "ACME GmbH"
    too_early = client.get(f"/api/v1/customers/{acme.id}/", {"as_of": (before_update - timedelta(days=1)).isoformat()})
    assert too_early.status_code == 404
    assert client.get(f"/api/v1/customers/{acme.id}/", {"as_of": "yesterday"}).status_code == 400


def test_history_lists_changes_with_who_and_why(api, alice, acme):
    data = api.as_user(alice).get(f"/api/v1/customers/{acme.id}/history/").json()
    newest = data["results"][0]
    assert newest["history_type"] == "changed"
    assert {"field": "name", "old": "Acme GmbH", "new": "ACME GmbH"} in newest["changes"]
    assert "netsuite" in newest["history_change_reason"]


def test_list_query_count_does_not_grow_with_rows(api, alice):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"001{i}", name=f"Company {i}", country="US") for i in range(40)])
    client = api.as_user(alice)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/customers/").status_code == 200
    assert len(queries.captured_queries) <= 8


def test_a_user_without_a_role_is_forbidden(api, nobody, acme):
    assert api.as_user(nobody).get("/api/v1/customers/").status_code == 403


def test_customer_detail_lists_its_contracts_projects_and_children(api, alice, acme):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001S", name="Acme Subsidiary", country="DE", city="Hamburg", parent_source_id="001A")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("800A", object_type="Contract", number="C-1", customer_source_id="001A")])
    data = api.as_user(alice).get(f"/api/v1/customers/{acme.id}/").json()
    assert data["children"] == [Customer.objects.get(name="Acme Subsidiary").id]
    assert len(data["contracts"]) == 1 and data["projects"] == []


def test_an_impossible_as_of_is_a_400(api, alice, acme):
    response = api.as_user(alice).get(f"/api/v1/customers/{acme.id}/", {"as_of": "2026-02-30T10:00:00Z"})
    assert response.status_code == 400
    assert "day is out of range for month" in response.json()["as_of"][0]


def test_a_match_check_with_values_of_the_wrong_type_is_a_400(api, alice):
    response = api.as_user(alice).post("/api/v1/customers/match/", {"name": {"a": 1}, "parent": 7}, format="json")
    assert response.status_code == 400
    assert response.json() == {"name": ["expected a string, got an object"], "parent": ["expected a golden id (a string)"]}
