"""The read-only quality API: authenticated, per-domain, paginated, filtered; bad filters are 400s."""

import pytest
from django.core.management import call_command

from mdm.services.ingest import source_records_ingest
from tests.conftest import record

pytestmark = pytest.mark.django_db
VIOLATIONS = "/api/v1/quality/violations/"
SCORES = "/api/v1/quality/scores/"


@pytest.fixture
def data(db):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001A", name="Acme GmbH", country="NL", email="info@acme")])
    source_records_ingest(system="salesforce", domain="contract", records=[
        record("K-1", "Contract", number="K-1", currency="EUR")])
    call_command("quality_check", stdout=open("/dev/null", "w"))


def test_it_needs_authentication(api, data):
    assert api.get(VIOLATIONS).status_code == 401


def test_it_lists_violations_with_filters(api, bob, data):
    client = api.as_user(bob)
    body = client.get(VIOLATIONS).json()
    assert body["count"] == 2 and {v["rule"] for v in body["results"]} == {"customer.email_format",
                                                                         "contract.customer_required"}
    only = client.get(VIOLATIONS, {"domain": "customer", "status": "open"}).json()["results"]
    assert [(v["rule"], v["attribute"], v["owner"]) for v in only] == [("customer.email_format", "email", None)]
    assert client.get(VIOLATIONS, {"rule": "contract.customer_required"}).json()["count"] == 1


def test_bad_filters_are_400s(api, bob, data):
    response = api.as_user(bob).get(VIOLATIONS, {"status": "pending", "opened_after": "yesterday"})
    assert response.status_code == 400
    assert set(response.json()) == {"status", "opened_after"}


def test_scores_per_domain_and_system(api, bob, data):
    body = api.as_user(bob).get(SCORES, {"domain": "customer"}).json()
    assert {(s["scope"], s["system"], s["records"], s["passing"]) for s in body["results"]} == {
        ("golden", "", 1, 0), ("system", "salesforce", 1, 0)}


def test_a_user_without_domains_is_refused(api, nobody, data):
    assert api.as_user(nobody).get(VIOLATIONS).status_code == 403
