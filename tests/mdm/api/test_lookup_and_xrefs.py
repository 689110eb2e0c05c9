import pytest

from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from tests.conftest import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme", country="US", city="Boston", phone="617 555 0100")])
    return Customer.objects.get()


def test_lookup_by_crm_source_key_returns_the_golden_record(api, carol, acme):
    response = api.as_user(carol).get("/api/v1/lookup/salesforce/Account/001A/")
    assert response.status_code == 200
    assert response.json()["id"] == acme.id
    assert response.json()["lineage"]["name"]["source_id"] == "001A"


@pytest.mark.parametrize("object_type", ["account", "ACCOUNT"])
def test_the_object_type_of_a_lookup_is_case_blind(api, carol, acme, object_type):
    response = api.as_user(carol).get(f"/api/v1/lookup/salesforce/{object_type}/001A/")
    assert response.status_code == 200
    assert response.json()["id"] == acme.id


def test_lookup_of_an_unknown_key_is_a_clear_404(api, carol, acme):
    response = api.as_user(carol).get("/api/v1/lookup/salesforce/Account/nope/")
    assert response.status_code == 404
    assert response.json()["detail"] == "no golden record holds salesforce/Account/nope"


def test_xrefs_list_every_key_with_its_golden_id(api, carol, acme):
    data = api.as_user(carol).get("/api/v1/xrefs/", {"system": "salesforce", "domain": "customer"}).json()
    assert data["count"] == 1
    assert data["results"][0] == {"system": "salesforce", "object_type": "Account", "source_id": "001A",
                                  "domain": "customer", "golden_id": acme.id, "linked_by": "new",
                                  "linked_at": data["results"][0]["linked_at"]}


def test_xrefs_reject_an_unknown_domain(api, carol):
    assert api.as_user(carol).get("/api/v1/xrefs/", {"domain": "planet"}).status_code == 400


def test_the_match_check_finds_the_golden_record_a_candidate_would_join(api, carol, acme):
    response = api.as_user(carol).post("/api/v1/customers/match/", {
        "name": "ACME Inc.", "country": "USA", "city": "Boston", "phone": "+1 617 555 0100"}, format="json")
    assert response.status_code == 200
    assert response.json()["results"][0]["golden_id"] == acme.id
    assert response.json()["results"][0]["decision"] == "link"


def test_the_match_check_says_why_attribute_by_attribute(api, carol, acme):
    best = api.as_user(carol).post("/api/v1/customers/match/", {
        "name": "ACME Inc.", "country": "USA", "city": "Boston", "phone": "+1 617 555 0100"},
        format="json").json()["results"][0]
    assert best["contributions"]["name"] > 0 and best["levels"]["name"] == "exact"
    assert best["levels"]["tax_id"] == "missing" and best["contributions"]["tax_id"] == 0


def test_the_match_check_rejects_unknown_fields_and_bad_values(api, carol):
    response = api.as_user(carol).post("/api/v1/customers/match/", {"name": "X", "colour": "red", "country": "Oz"},
                                       format="json")
    assert response.status_code == 400
    assert response.json() == {"colour": ["unknown field"]}
    response = api.as_user(carol).post("/api/v1/customers/match/", {"name": "X", "country": "Oz"}, format="json")
    assert response.json() == {"country": ["unknown country 'Oz'"]}


def test_schema_and_docs_are_served(api, carol):
    assert api.get("/api/schema/").status_code == 200
    assert api.get("/api/docs/").status_code == 200
