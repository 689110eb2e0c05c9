"""What a scoped steward's console pages name, and what an auditor is offered: customers out of
the steward's countries are not named on a page she may open; an auditor reads the review queue
without any control that changes it."""

import pytest
from django.urls import reverse

from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from tests.conftest import at, record

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"stewardship:{name}", args=args)


@pytest.fixture
def family(world):
    """Acme (DE) with a British parent and a British and a Dutch subsidiary."""
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001P", updated=at(20), name="Acme Holdings PLC", country="GB"),
        record("001A", updated=at(21), name="Acme GmbH", tax_id="DE 111 111 111", country="Germany", city="Berlin",
               postal_code="10115", phone="+49 30 1111111", industry="Manufacturing", parent_source_id="001P"),
        record("001K", updated=at(21), name="Acme UK Ltd", country="GB", parent_source_id="001A"),
        record("001L", updated=at(21), name="Acme Nederland B.V.", country="NL", parent_source_id="001A")])
    world.acme.refresh_from_db()
    assert world.acme.parent.name == "Acme Holdings PLC"
    return world


def test_a_scoped_steward_sees_out_of_scope_relatives_unnamed(family, as_user):
    html = as_user("steward_customers").get(url("golden", family.acme.id)).content.decode()
    assert "Acme Nederland B.V." in html
    assert "Acme Holdings PLC" not in html and "Acme UK Ltd" not in html
    assert "another customer (out of your scope)" in html
    # The parent attribute keeps its value, a golden id, without a link to a page she may not open.
    holdings = Customer.objects.get(name="Acme Holdings PLC").id
    assert f'href="/golden/{holdings}/"' not in html and f"{holdings} <span class=\"muted\">(out of your scope)" in html
    assert Customer.objects.get(name="Acme UK Ltd").id not in html


def test_the_council_sees_every_relative_by_name(family, as_user):
    html = as_user("council").get(url("golden", family.acme.id)).content.decode()
    assert all(name in html for name in ("Acme Holdings PLC", "Acme UK Ltd", "Acme Nederland B.V."))
    assert "out of your scope" not in html


def test_a_contract_page_does_not_name_a_customer_out_of_scope(world, as_user, users):
    from guardian.shortcuts import assign_perm

    from mdm.models import Contract

    contract = Contract.objects.get(number="K-1")
    assign_perm("mdm.view_contract", users["steward_customers"], contract)  # shared with her alone
    world.acme.country = "GB"
    world.acme.save()
    html = as_user("steward_customers").get(url("golden", contract.id)).content.decode()
    assert "Acme platform" in html and "another customer (out of your scope)" in html
    assert world.acme.name not in html


def test_an_auditor_reads_the_review_queue_without_action_controls(world, as_user):
    html = as_user("auditor").get(url("match_queue")).content.decode()
    assert world.stark_sf.name in html
    assert 'id="bulk-form"' not in html and "Accept selected" not in html and "Reject selected" not in html
    assert 'name="candidate"' not in html
    steward = as_user("steward_customers").get(url("match_queue")).content.decode()
    assert 'id="bulk-form"' in steward and "Accept selected" in steward
