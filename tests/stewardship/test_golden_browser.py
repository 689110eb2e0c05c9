"""The golden-record browser: every record a steward may see, filtered, counted by facet, sorted,
paged by key, with chosen columns, saved views and exports — and nothing out of scope, in any of
them."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from matching.models import MatchCandidate
from mdm.models import Customer
from mdm.services.ingest import source_records_ingest
from quality.models import Violation
from stewardship.models import SavedView
from tests.conftest import record

pytestmark = pytest.mark.django_db

BROWSE = reverse("stewardship:golden_list")
EXPORT = reverse("stewardship:golden_export")


def ids(response) -> list[str]:
    return [row.record.pk for row in response.context["page"].rows]


def facet(response, key: str) -> dict[str, int | None]:
    facets = {f.key: f for f in response.context["facets"]}
    return {v.value: v.count for v in facets[key].values}


def test_it_lists_the_customers_a_steward_may_see_sorted_by_name(world, as_user):
    response = as_user("steward_customers").get(BROWSE)
    assert response.status_code == 200
    names = [row.record.name for row in response.context["page"].rows]
    assert names == sorted(names)
    assert "Umbrella Ltd" not in names and "ACME GmbH" in names  # GB is outside her countries
    assert response.context["page"].total == len(names) == 7
    assert b"salesforce:001A" in response.content  # the sources column


def test_a_project_steward_browses_projects_and_no_customer_is_named(world, as_user):
    response = as_user("steward_projects").get(BROWSE)
    assert response.context["browse"].domain == "project"
    assert ids(response) == [world.project.id]
    assert world.acme.id not in response.content.decode() and "Acme GmbH" not in response.content.decode()
    assert b"out of your scope" in response.content
    assert as_user("steward_projects").get(BROWSE, {"domain": "customer"}).status_code == 403
    assert as_user("steward_projects").get(BROWSE, {"domain": "vendor"}).status_code == 400


def test_filters_by_country_city_system_and_status(world, as_user):
    client = as_user("council")
    assert set(ids(client.get(BROWSE, {"country": "GB"}))) == {world.umbrella_sf.id, world.umbrella_ns.id}
    assert ids(client.get(BROWSE, {"city": "hamburg"})) == sorted([world.stark_sf.id, world.stark_ns.id],
                                                                  key=lambda g: (Customer.objects.get(pk=g).name, g))
    netsuite_only = set(ids(client.get(BROWSE, {"system": "netsuite"})))
    assert world.globex_ns.id in netsuite_only and world.globex_sf.id not in netsuite_only
    client.post(reverse("stewardship:merge", args=[world.stark_sf.id]),
                {"merged_id": world.stark_ns.id, "reason": "same VAT"})
    assert world.stark_ns.id not in ids(client.get(BROWSE))
    assert ids(client.get(BROWSE, {"record_status": "merged"})) == [world.stark_ns.id]


def test_filters_by_quality_and_open_work(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001M", name="Mailbox GmbH", country="DE", email="info@mailbox")])
    mailbox = Customer.objects.get(name="Mailbox GmbH")
    assert Violation.objects.filter(golden_id=mailbox.id, status="open").exists()
    client = as_user("steward_customers")
    failing = set(ids(client.get(BROWSE, {"quality": "warning"}))) | set(ids(client.get(BROWSE, {"quality": "error"})))
    assert mailbox.id in failing
    assert mailbox.id not in ids(client.get(BROWSE, {"quality": "clean"}))
    in_review = set(ids(client.get(BROWSE, {"open": "review"})))
    assert in_review == {world.stark_sf.id, world.stark_ns.id, world.wayne_sf.id, world.wayne_ns.id,
                         world.globex_sf.id, world.globex_ns.id}  # Umbrella's pair is GB: not hers


def test_the_name_filter_ignores_case_and_accents_and_finds_typos(world, as_user):
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("C-9", "customer", name="ZÖRG HEALTH AG", country="DE"),
        record("C-10", "customer", name="Zorg Health SARL", country="FR")])
    client = as_user("steward_customers")
    found = {Customer.objects.get(pk=g).name for g in ids(client.get(BROWSE, {"q": "zorg health"}))}
    assert found == {"ZÖRG HEALTH AG", "Zorg Health SARL"}
    assert {Customer.objects.get(pk=g).name for g in ids(client.get(BROWSE, {"q": "Zorg Helth"}))} >= {
        "ZÖRG HEALTH AG", "Zorg Health SARL"}
    assert ids(client.get(BROWSE, {"q": "555555556"})) == [world.stark_ns.id]  # a tax id


def test_facets_count_within_the_results_and_leave_out_what_is_out_of_scope(world, as_user):
    response = as_user("steward_customers").get(BROWSE, {"facets": "1"}, HTTP_HX_REQUEST="true")
    assert facet(response, "country") == {"DE": 5, "NL": 2}
    assert facet(response, "system") == {"netsuite": 4, "salesforce": 4}
    assert facet(response, "record_status") == {"active": 7}
    assert facet(response, "open")["review"] == 6
    assert b"GB" not in response.content
    narrowed = as_user("steward_customers").get(BROWSE, {"facets": "1", "country": "NL"})
    assert facet(narrowed, "country") == {"NL": 2}
    assert next(v for f in narrowed.context["facets"] if f.key == "country" for v in f.values).selected


def test_keyset_pages_walk_every_record_once_in_both_directions(world, as_user, settings, monkeypatch):
    monkeypatch.setattr("stewardship.golden_browser.PER_PAGE", 3)
    client = as_user("council")
    seen, response, pages = [], client.get(BROWSE, {"sort": "-updated_at"}), []
    while True:
        pages.append(ids(response))
        seen += ids(response)
        cursor = response.context["page"].next_cursor
        if not cursor:
            break
        response = client.get(BROWSE, {"sort": "-updated_at", "after": cursor})
    assert len(seen) == len(set(seen)) == Customer.objects.count()
    back = client.get(BROWSE, {"sort": "-updated_at", "before": response.context["page"].previous_cursor})
    assert ids(back) == pages[-2]
    assert client.get(BROWSE, {"after": "not-a-cursor"}).status_code == 400


def test_unknown_parameters_are_a_400_that_says_why(world, as_user):
    response = as_user("council").get(BROWSE, {"sort": "salary"})
    assert response.status_code == 400 and b"sort by one of" in response.content
    assert as_user("council").get(BROWSE, {"quality": "great"}).status_code == 400
    assert as_user("council").get(BROWSE, {"updated_since": "2026-02-30"}).status_code == 400


def test_columns_are_chosen_and_kept_in_every_link(world, as_user):
    response = as_user("council").get(BROWSE, {"cols": "name,email,industry", "country": "DE"})
    assert [c.key for c in response.context["page"].columns] == ["name", "email", "industry"]
    assert b"Manufacturing" in response.content
    assert "cols=name%2Cemail%2Cindustry" in response.context["querystring"]


def test_a_steward_saves_views_of_her_own(world, as_user, users):
    client = as_user("steward_customers")
    response = client.post(reverse("stewardship:saved_view_create"),
                           {"name": "German customers", "domain": "customer", "country": "DE", "sort": "-updated_at"})
    view = SavedView.objects.get(user=users["steward_customers"])
    assert response.status_code == 302 and "country=DE" in view.query and "sort=-updated_at" in view.query
    assert b"German customers" in client.get(BROWSE).content
    assert b"German customers" not in as_user("council").get(BROWSE).content
    assert as_user("council").post(reverse("stewardship:saved_view_delete", args=[view.pk])).status_code == 404
    client.post(reverse("stewardship:saved_view_delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_csv_export_has_every_row_and_neutralizes_formulas(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001X", name="=HYPERLINK(\"http://evil\")", country="DE", city="@Berlin")])
    response = as_user("steward_customers").get(EXPORT, {"format": "csv", "cols": "name,city,phone"})
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Name", "City", "Phone"]
    assert len(rows) == 1 + 8  # her seven customers and the new one, not the GB ones
    assert ["'=HYPERLINK(\"http://evil\")", "'@Berlin", ""] in rows
    assert all(not row[2] or row[2].startswith("'+") for row in rows[1:])  # "+49 …" would be a formula too
    assert not any("Umbrella" in row[0] for row in rows)


def test_excel_export_is_a_workbook_with_text_cells_only_where_text_is(world, as_user):
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001X", name="-1+2", country="DE")])
    response = as_user("council").get(EXPORT, {"format": "xlsx", "country": "DE", "cols": "name,updated_at"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Name", "Updated"]
    assert ["'-1+2"] == [row[0] for row in values if row[0] and "1+2" in row[0]]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert len(values) == 1 + Customer.objects.filter(country="DE").count()


def test_the_browser_and_its_export_refuse_the_api_role(world, as_user):
    assert as_user("integration").get(BROWSE).status_code == 403
    assert as_user("integration").get(EXPORT).status_code == 403
    assert as_user("council").get(EXPORT, {"format": "pdf"}).status_code == 400


def test_the_browser_uses_a_bounded_number_of_queries(world, as_user, django_assert_max_num_queries):
    client = as_user("steward_customers")
    client.get(BROWSE)
    with django_assert_max_num_queries(14):
        client.get(BROWSE, {"cols": "name,systems,quality,open,record_status,updated_at"})
    with django_assert_max_num_queries(14):
        client.get(BROWSE, {"facets": "1"})
    assert MatchCandidate.objects.exists()


def test_a_page_number_typed_by_hand_lands_where_the_cursor_does(world, as_user, monkeypatch):
    monkeypatch.setattr("stewardship.golden_browser.PER_PAGE", 3)
    client = as_user("council")
    first = client.get(BROWSE)
    by_cursor = client.get(BROWSE, {"after": first.context["page"].next_cursor, "page": 2})
    by_number = client.get(BROWSE, {"page": 2})
    assert ids(by_number) == ids(by_cursor) and len(ids(by_number)) == 3
    assert by_number.context["page"].pages == 3  # nine customers, three a page
    assert b"page 2 of 3" in by_number.content
    following = client.get(BROWSE, {"after": by_number.context["page"].next_cursor, "page": 3})
    assert not set(ids(following)) & set(ids(by_number))
    assert client.get(BROWSE, {"page": "0"}).status_code == 400
