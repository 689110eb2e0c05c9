"""Every API list pages, orders and filters the same way (mdm.api.conventions, docs/api.md)."""

import pytest

from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db

NAMES = ["acme GmbH", "Zorg Health AG", "ACME Logistics", "Blue Sun Health", "beta Bank"]


@pytest.fixture
def customers():
    source_records_ingest(system="salesforce", domain="customer", records=[
        record(f"00{index}", updated=at(1), name=name, country=country, tax_id=tax_id)
        for index, (name, country, tax_id) in enumerate(zip(
            NAMES, ["DE", "CH", "FR", "NL", "US"],
            ["DE111111111", "CHE-111.111.111", "FR11111111111", "NL111111111B01", "11-1111111"], strict=True))])


def _names(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [row["name"] for row in response.json()["results"]]


def test_the_default_order_ignores_case(api, alice, customers):
    names = _names(api.as_user(alice).get("/api/v1/customers/"))
    assert names == sorted(NAMES, key=str.lower)


def test_ordering_by_name_both_ways(api, alice, customers):
    client = api.as_user(alice)
    assert _names(client.get("/api/v1/customers/?ordering=name")) == sorted(NAMES, key=str.lower)
    assert _names(client.get("/api/v1/customers/?ordering=-name")) == sorted(NAMES, key=str.lower, reverse=True)


def test_ordering_by_several_fields(api, alice, customers):
    rows = api.as_user(alice).get("/api/v1/customers/?ordering=-country,name").json()["results"]
    assert [row["country"] for row in rows] == ["US", "NL", "FR", "DE", "CH"]


def test_an_unknown_ordering_is_a_field_error(api, alice, customers):
    response = api.as_user(alice).get("/api/v1/customers/?ordering=shoe_size")
    assert response.status_code == 400
    assert "shoe_size" in response.json()["ordering"][0]


def test_page_size_is_honoured_and_carried_in_next(api, alice, customers):
    body = api.as_user(alice).get("/api/v1/customers/?page_size=2&ordering=name").json()
    assert [row["name"] for row in body["results"]] == ["acme GmbH", "ACME Logistics"]
    assert body["count"] == 5
    assert "page_size=2" in body["next"] and "page=2" in body["next"]
    second = api.as_user(alice).get(body["next"]).json()
    assert [row["name"] for row in second["results"]] == ["beta Bank", "Blue Sun Health"]


@pytest.mark.parametrize("page_size", ["0", "-3", "lots"])
def test_a_page_size_it_cannot_read_is_a_field_error(api, alice, customers, page_size):
    response = api.as_user(alice).get(f"/api/v1/customers/?page_size={page_size}")
    assert response.status_code == 400
    assert "page_size" in response.json()


def test_a_page_size_over_the_maximum_is_capped(api, alice, customers):
    assert api.as_user(alice).get("/api/v1/customers/?page_size=100000").status_code == 200


@pytest.mark.parametrize("asked", ["DE", "de", "Germany", "Deutschland", "DEU", "Allemagne"])
def test_country_by_name_or_code(api, alice, customers, asked):
    assert _names(api.as_user(alice).get(f"/api/v1/customers/?country={asked}")) == ["acme GmbH"]


def test_an_unknown_country_is_a_field_error_not_an_empty_page(api, alice, customers):
    response = api.as_user(alice).get("/api/v1/customers/?country=Atlantis")
    assert response.status_code == 400
    assert "Atlantis" in response.json()["country"][0]


def test_contracts_projects_xrefs_and_quality_lists_order_too(api, alice, customers):
    client = api.as_user(alice)
    for url in ["/api/v1/contracts/?ordering=-number", "/api/v1/projects/?ordering=name",
                "/api/v1/xrefs/?ordering=-golden_id", "/api/v1/quality/violations/?ordering=-opened_at",
                "/api/v1/quality/scores/?ordering=score"]:
        assert client.get(url).status_code == 200, url
        assert client.get(url.split("?")[0] + "?ordering=nope").status_code == 400, url


def test_xrefs_order_by_golden_id(api, alice, customers):
    rows = api.as_user(alice).get("/api/v1/xrefs/?ordering=-golden_id").json()["results"]
    assert [row["golden_id"] for row in rows] == sorted((row["golden_id"] for row in rows), reverse=True)
