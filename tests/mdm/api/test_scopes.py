"""The API keeps to the caller's scope, as the console does: out of scope, a record is a 404 and is
in no list, count, match result or cross-reference; a domain without permission is a 403. Every
error under /api/ is JSON."""

import pytest
from django.test import override_settings

from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from stewardship.models import StewardScope
from tests.conftest import at, record
from tests.stewardship.scenario import build_world, demo_users

pytestmark = pytest.mark.django_db
IN_SCOPE = {"DE", "NL", "FR"}


@pytest.fixture
def world(settings):
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"
    return build_world()


@pytest.fixture
def users(db):
    return demo_users()


@pytest.fixture
def as_user(api, users):
    return lambda name: api.as_user(users[name])


def test_a_country_steward_lists_and_counts_only_her_countries(world, as_user):
    client = as_user("steward_customers")
    listed = client.get("/api/v1/customers/?page_size=100").json()
    assert {row["country"] for row in listed["results"]} <= IN_SCOPE
    assert listed["count"] == Customer.objects.filter(country__in=IN_SCOPE, record_status="active").count()
    assert client.get("/api/v1/customers/?country=GB").json()["count"] == 0


def test_filtering_by_an_out_of_scope_parent_is_as_filtering_by_an_unknown_one(world, as_user):
    client = as_user("steward_customers")
    out_of_scope = client.get(f"/api/v1/customers/?parent={world.umbrella_sf.id}")
    unknown = client.get("/api/v1/customers/?parent=CUS-0000000000")
    assert out_of_scope.status_code == unknown.status_code == 400
    assert out_of_scope.json().keys() == unknown.json().keys() == {"parent"}
    assert as_user("council").get(f"/api/v1/customers/?parent={world.umbrella_sf.id}").status_code == 200


def test_an_out_of_scope_customer_does_not_exist_for_her(world, as_user):
    client = as_user("steward_customers")
    umbrella = world.umbrella_sf.id
    for path in (f"/api/v1/customers/{umbrella}/", f"/api/v1/customers/{umbrella}/history/",
                 f"/api/v1/customers/{umbrella}/?as_of=2030-01-01T00:00:00Z",
                 "/api/v1/lookup/salesforce/Account/001E/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Umbrella" not in response.content.decode()
    assert client.get(f"/api/v1/customers/{world.acme.id}/").status_code == 200


def test_cross_references_and_violations_are_those_of_visible_records(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001U", updated=at(20), name="Umbrella Mail Ltd", country="GB", email="info@umbrella"),
        record("001M", updated=at(20), name="Mailbox GmbH", country="DE", email="info@mailbox")])
    client = as_user("steward_customers")
    visible = set(Customer.objects.filter(country__in=IN_SCOPE).values_list("id", flat=True))
    xrefs = client.get("/api/v1/xrefs/?page_size=100").json()["results"]
    assert xrefs and {x["golden_id"] for x in xrefs} <= visible
    assert client.get(f"/api/v1/xrefs/?golden_id={world.umbrella_sf.id}").json()["count"] == 0
    violations = client.get("/api/v1/quality/violations/").json()["results"]
    assert violations and {v["golden_id"] for v in violations} <= visible
    assert as_user("council").get("/api/v1/quality/violations/").json()["count"] > len(violations)


def test_the_match_check_names_only_visible_records(world, as_user):
    body = {"name": "Umbrella Ltd", "country": "GB", "tax_id": "GB777777777"}
    council = as_user("council").post("/api/v1/customers/match/", body, format="json").json()["results"]
    assert world.umbrella_sf.id in {r["golden_id"] for r in council}
    steward = as_user("steward_customers").post("/api/v1/customers/match/", body, format="json")
    assert steward.status_code == 200 and steward.json()["results"] == []


def test_a_project_steward_reads_projects_and_no_customer(world, as_user):
    client = as_user("steward_projects")
    assert client.get("/api/v1/customers/").status_code == 403
    assert client.get(f"/api/v1/customers/{world.acme.id}/").status_code == 403
    assert client.get("/api/v1/contracts/").status_code == 403
    assert client.get("/api/v1/projects/").json()["count"] == 1
    assert client.get("/api/v1/lookup/salesforce/Account/001A/").status_code == 404


def test_a_customer_detail_lists_only_children_in_scope(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001K", updated=at(21), name="Acme UK Ltd", country="GB", parent_source_id="001A"),
        record("001L", updated=at(21), name="Acme Nederland B.V.", country="NL", parent_source_id="001A")])
    nl, gb = Customer.objects.get(name="Acme Nederland B.V."), Customer.objects.get(name="Acme UK Ltd")
    assert set(as_user("council").get(f"/api/v1/customers/{world.acme.id}/").json()["children"]) == {nl.id, gb.id}
    assert as_user("steward_customers").get(f"/api/v1/customers/{world.acme.id}/").json()["children"] == [nl.id]


def test_a_scope_change_holds_at_once(world, users, as_user):
    client = as_user("steward_customers")
    assert client.get(f"/api/v1/customers/{world.umbrella_sf.id}/").status_code == 404
    StewardScope.objects.filter(user=users["steward_customers"]).update(countries=["DE", "NL", "FR", "GB"])
    StewardScope.objects.get(user=users["steward_customers"]).save()  # as the admin saves it
    assert client.get(f"/api/v1/customers/{world.umbrella_sf.id}/").status_code == 200


@pytest.mark.parametrize("debug", [False, True])
def test_every_api_error_is_json_with_debug_on_or_off(api, carol, debug):
    client = api.as_user(carol)
    with override_settings(DEBUG=debug):
        cases = [("get", "/api/v1/customers/CUS-NOPE/", 404), ("get", "/api/v1/no-such-thing/", 404),
                 ("get", "/api/v1/customers/CUS-0000000000/", 404), ("delete", "/api/v1/customers/", 405),
                 ("get", "/api/v1/source-records/customer/", 405)]
        for method, path, status in cases:
            response = getattr(client, method)(path)
            assert response.status_code == status, path
            assert response["Content-Type"].startswith("application/json"), path
            assert "detail" in response.json(), path


def test_a_server_error_under_the_api_is_json(api, carol, monkeypatch):
    from mdm.api import views

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(views, "golden_key_of", broken)
    api.raise_request_exception = False
    response = api.as_user(carol).get("/api/v1/lookup/salesforce/Account/001A/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Server error: the request could not be answered (the error is logged)."}
