"""The steward workbench in a real browser (Debian's Chromium through Playwright): the golden-record
browser, search that finds what a steward types, queues worked in bulk, the council reading before
it decides, and the navigation's details — with the screenshots of docs/console.md."""

import csv
import io
import os

import pytest

from matching.models import MatchCandidate
from mdm.models import Customer, QuarantinedRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest
from quality.models import Violation
from stewardship.models import ChangeRequest, SavedView
from tests.conftest import record
from tests.stewardship.browser.test_console_flow import log_in, log_out, shoot
from tests.stewardship.scenario import build_world, demo_users

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def look_alikes():
    """A German and a French Zorg Health, and a Dutch health company sharing only a word."""
    source_records_ingest(system="netsuite", domain="customer", records=[
        record("C-9", "customer", name="ZORG HEALTH AG", country="DE", city="Köln", tax_id="DE999999990"),
        record("C-10", "customer", name="Zorg Health SARL", country="FR", city="Lyon")])
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001S", name="Blue Sun Health N.V.", country="NL", city="Utrecht")])


def test_browsing_filtering_saving_and_exporting_golden_records(live_server, browser_page, monkeypatch):
    build_world()
    demo_users()
    look_alikes()
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_customers")

    page.click("nav >> text=Golden records")
    page.wait_for_selector("#facet-country")  # the facets arrive after the table
    assert page.locator("#golden-table tbody tr").count() == 10
    assert "GB" not in page.inner_text("#facet-country")  # her countries only
    shoot(page, "golden-browser")

    monkeypatch.setattr("stewardship.golden_browser.PER_PAGE", 4)  # (the server runs in this process)
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001X", name="=HYPERLINK(\"http://evil.example\")", country="DE", city="Bonn")])
    page.click("#facet-country a[data-value=NL]")
    page.wait_for_selector("#facet-country li.on")
    assert page.inner_text("#browse-total").startswith("3 records")  # two Waynes and Blue Sun
    page.click("#golden-table thead >> text=Name")  # sorted by name, the other way now
    names = page.locator("#golden-table tbody tr td:first-child").all_inner_texts()
    assert names == sorted(names, reverse=True)

    page.goto(base + "/golden/?country=DE")
    page.click("details.columns summary")
    page.check("details.columns input[value=email]")
    page.uncheck("details.columns input[value=open]")
    page.click("#browse-form button.primary")
    page.wait_for_selector("#golden-table thead >> text=Email")
    page.click("#next-page")
    page.wait_for_selector("a[rel=prev]")
    page.fill("#view-name", "German customers with email")
    page.click("#saved-views button:has-text('Save view')")
    page.wait_for_selector(".msg.success")
    assert SavedView.objects.get(name="German customers with email").query.startswith("domain=customer&country=DE")
    page.goto(base + "/golden/")
    page.click("#saved-views >> text=German customers with email")
    page.wait_for_selector("#golden-table thead >> text=Email")

    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[0][:2] == ["Name", "Country"]
    assert "'=HYPERLINK(\"http://evil.example\")" in [row[0] for row in rows]
    assert all(row[1] == "DE" for row in rows[1:])


def test_search_finds_names_whatever_their_case_and_the_picker_tells_look_alikes_apart(live_server, browser_page):
    build_world()
    demo_users()
    look_alikes()
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_customers")
    page.fill("#global-search", "Zorg Helth")
    page.press("#global-search", "Enter")
    page.wait_for_selector("#search-results")
    text = page.inner_text("#search-results")
    assert "ZORG HEALTH AG" in text and "Zorg Health SARL" in text and "Köln" in text and "Lyon" in text
    assert "netsuite:C-9" in text and "Blue Sun" not in text
    shoot(page, "search")

    german = Customer.objects.get(name="ZORG HEALTH AG")
    page.fill("#global-search", german.id)
    page.press("#global-search", "Enter")
    page.wait_for_selector("#search-results")
    assert "golden id" in page.inner_text("#search-results")

    page.goto(f"{base}/golden/{german.id}/")
    page.fill("#merge-find", "zorg health")
    page.wait_for_selector("#merge-picker li button")
    picker = page.inner_text("#merge-picker")
    assert "Zorg Health SARL" in picker and "FR" in picker and "Lyon" in picker
    shoot(page, "merge-picker", full_page=False)


def test_working_the_queues_in_bulk(live_server, browser_page):
    world = build_world()
    demo_users()
    source_records_ingest(system="salesforce", domain="customer", records=[
        IncomingRecord(f"00B{i}", "Account", {"name": "", "country": "DE"}, {"Id": f"00B{i}"}) for i in range(3)])
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_customers")

    # Review: the cards say which systems each side comes from and how the matcher compared them.
    page.click("nav >> text=Match review")
    page.wait_for_selector(f"#cand-{world.stark_candidate.pk}")
    card = page.inner_text(f"#cand-{world.stark_candidate.pk}")
    assert "salesforce:001C" in card and "netsuite:C-3" in card and "exact" in card
    page.click("a[data-group=cause][data-value='tax id disagrees']")
    page.wait_for_selector(".facet li.on")
    assert page.locator(".candidate").count() == 2  # Stark and Wayne; Globex has nothing against it
    page.check(f"#cand-{world.stark_candidate.pk} input[name=candidate]")
    page.check(f"#cand-{world.wayne_candidate.pk} input[name=candidate]")
    page.wait_for_selector("#bulk-preview .preview")
    assert "2 merges now" in page.inner_text("#bulk-preview")
    page.evaluate("window.scrollTo(0, 0)")
    shoot(page, "review-queue")
    page.fill(f"#reason-{world.wayne_candidate.pk}", "Enterprises and Foods: two firms")
    page.click(f"#cand-{world.wayne_candidate.pk} button.no")
    page.wait_for_selector(f"#cand-{world.wayne_candidate.pk}.decided")
    assert MatchCandidate.objects.get(pk=world.wayne_candidate.pk).reason == "Enterprises and Foods: two firms"

    # Exceptions: three records without a name, fixed and replayed at once.
    page.click("nav >> text=Exceptions")
    page.click("a[data-group=cause][data-value='name: a customer needs a name']")
    page.wait_for_selector(".facet li.on")
    page.check("input[data-tick-all=bulk-form]")
    page.select_option("#fix-field", "name")
    page.fill("#fix-value", "Unnamed GmbH")
    page.wait_for_function("document.querySelector('#bulk-preview').innerText.includes('Unnamed GmbH')")
    assert "4 records get name" in page.inner_text("#bulk-preview")
    shoot(page, "exceptions")
    page.click("#bulk-form button[value=fix]")
    page.wait_for_selector(".msg.success")
    assert not QuarantinedRecord.objects.filter(status="open").exists()
    assert Customer.objects.filter(name="Unnamed GmbH").exists()

    # Data quality: resolving a violation whose data did not change keeps it open and says why.
    source_records_ingest(system="salesforce", domain="customer", records=[
        record("001M", name="Mailbox GmbH", country="DE", email="info@mailbox")])
    violation = Violation.objects.get(rule__code="customer.email_format", status="open")
    page.click("nav >> text=Data quality")
    page.click(f"#violation-{violation.pk} button:has-text('Resolve')")
    page.wait_for_selector(".msg.error")
    assert "still fails" in page.inner_text(".messages")
    assert Violation.objects.get(pk=violation.pk).status == "open"
    shoot(page, "quality")


def test_the_council_reads_names_side_by_side_and_what_approval_does(live_server, browser_page):
    world = build_world()
    demo_users()
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_customers")
    page.goto(base + "/review/")
    page.fill(f"#reason-{world.globex_candidate.pk}", "one VAT registration, DE222222222")
    page.click(f"#cand-{world.globex_candidate.pk} button.ok")
    page.wait_for_selector(f"#cand-{world.globex_candidate.pk} .note")
    log_out(page)

    log_in(page, base, "council")
    page.click("nav >> text=Council")
    request = ChangeRequest.objects.get()
    row = page.inner_text(f"#request-{request.pk}")
    assert "Globex Aktiengesellschaft" in row and "Globex AG" in row and "moves 1 contract" in row
    assert "one VAT registration" in row
    page.click(f"#request-{request.pk} a.summary")
    page.wait_for_selector("#side-by-side")
    assert "netsuite:C-2" in page.inner_text("#what-moves") and "K-2" in page.inner_text("#what-moves")
    assert "one VAT registration" in page.inner_text("#request-reason")
    shoot(page, "council-request")
    assert Customer.objects.get(pk=world.globex_ns.id).record_status == "active"  # the page's dry run kept nothing
    page.fill("#decide input[name=comment]", "ERP invoices checked")
    page.click("#decide button.ok")
    page.wait_for_selector(".msg.success")
    assert Customer.objects.get(pk=world.globex_ns.id).merged_into == world.globex_sf.id


def test_the_navigation_has_no_dead_ends(live_server, browser_page):
    world = build_world()
    demo_users()
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_projects")
    nav = page.inner_text("header nav")
    assert "Flows" in nav and "Golden records" in nav and "Admin" not in nav  # project flows are hers
    assert page.locator("link[rel=icon]").count() == 1
    icon = page.get_attribute("link[rel=icon]", "href")
    assert page.request.get(base + icon).status == 200
    page.click("nav >> text=Golden records")
    page.wait_for_selector("#golden-table")
    assert world.project.id in page.content()
    log_out(page)

    log_in(page, base, "admin")
    page.click("#admin-link")
    page.wait_for_url("**/admin/")

    # Fix & replay reads like the record: name first, the payload as JSON.
    page.goto(f"{base}/exceptions/quarantine/{world.quarantined.pk}/")
    first = page.locator("table.form th label").first.inner_text()
    assert first == "name"
    assert page.inner_text("#raw-payload").strip().startswith("{")
