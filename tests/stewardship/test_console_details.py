"""The console's details: a navigation without dead ends, an Admin link for staff, a favicon,
fix & replay that reads like the record, a resolve form that starts from the golden value."""

import json

import pytest
from django.urls import reverse

from mdm.models import QuarantinedRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest

pytestmark = pytest.mark.django_db


def links(client) -> str:
    return client.get(reverse("stewardship:home")).content.decode()


def test_the_navigation_offers_only_pages_that_open(world, as_user):
    for persona in ("steward_customers", "steward_projects"):
        html = links(as_user(persona))
        assert 'href="/golden/"' in html and 'href="/review/"' in html
    assert 'href="/flows/"' not in links(as_user("steward_customers"))  # flows concern contracts and projects
    assert 'href="/flows/"' in links(as_user("steward_projects"))  # ... so a project steward sees them
    assert 'href="/flows/"' in links(as_user("council"))
    integration = links(as_user("integration"))
    assert 'href="/review/"' not in integration and 'href="/golden/"' not in integration


def test_staff_get_an_admin_link_and_everyone_a_favicon(world, as_user):
    assert 'id="admin-link"' in links(as_user("admin"))
    assert 'id="admin-link"' not in links(as_user("council"))
    assert 'rel="icon"' in links(as_user("council"))


def test_fix_and_replay_lists_the_fields_name_first_and_the_payload_as_json(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        IncomingRecord("001Y", "Account", {"name": "", "country": "Germany", "city": "Köln"},
                       {"Id": "001Y", "Name": "", "BillingCity": "Köln"})])
    entry = QuarantinedRecord.objects.get(source_id="001Y")
    response = as_user("steward_customers").get(reverse("stewardship:quarantine_fix", args=[entry.pk]))
    assert [name for name, _value in response.context["fields"]][:3] == ["name", "trading_name", "tax_id"]
    payload = response.context["payload"]
    assert json.loads(payload) == {"Id": "001Y", "Name": "", "BillingCity": "Köln"} and "Köln" in payload
    assert "{'" not in response.content.decode()  # not a Python repr


def test_a_failed_replay_shows_its_own_errors_not_the_old_ones(world, as_user):
    QuarantinedRecord.objects.filter(pk=world.quarantined.pk).update(reason="an old reason, fixed since")
    response = as_user("steward_customers").post(reverse("stewardship:quarantine_fix", args=[world.quarantined.pk]),
                                                 {"name": "", "country": "Germany"})
    html = response.content.decode()
    assert response.status_code == 400 and 'id="replay-errors"' in html
    assert "a customer needs a name" in html.split('id="replay-errors"')[1].split("</p>")[0]
    assert "an old reason, fixed since" not in html


def test_the_resolve_form_starts_from_the_golden_value(world, as_user):
    response = as_user("steward_customers").get(reverse("stewardship:resolve", args=[world.acme.id, "city"]))
    assert response.context["form"]["value"] == world.acme.city
    assert f'value="{world.acme.city}"' in response.content.decode()


def test_assign_selected_offers_only_who_may_decide_every_card_of_the_page(world, as_user):
    response = as_user("council").get(reverse("stewardship:match_queue"), {"domain": "customer"})
    assert response.context["cards"], "the world has customer pairs to review"
    offered = {user.username for user in response.context["bulk_assignees"]}
    assert "steward_projects" not in offered and "council" in offered  # a customer pair is no project steward's
