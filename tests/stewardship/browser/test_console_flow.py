"""The console in a real browser (Debian's Chromium through Playwright): a steward's day and the
council's approval, with screenshots of the main pages (docs/screenshots/ with
CONCORD_UPDATE_SCREENSHOTS=1)."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from matching.models import MatchCandidate
from mdm.models import AttributeOverride, Customer
from stewardship.models import ChangeRequest
from tests.stewardship.scenario import PASSWORD_SUFFIX, build_world, demo_users

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The documentation's screenshots are refreshed on request (CONCORD_UPDATE_SCREENSHOTS=1); an ordinary
# run still takes them, into a scratch folder, so a test run leaves the working tree clean.
SHOTS = (Path(__file__).resolve().parents[3] / "docs" / "screenshots"
         if os.environ.get("CONCORD_UPDATE_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "concord-screenshots")


def shoot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def log_in(page, base: str, username: str, screenshot: str | None = None) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", username + PASSWORD_SUFFIX)
    if screenshot:
        shoot(page, screenshot, full_page=False)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def log_out(page) -> None:
    page.click("text=Log out")
    page.wait_for_url("**/accounts/login/")


def test_a_stewards_day_and_the_councils_approval(live_server, browser_page):
    world = build_world()
    demo_users()
    page, base = browser_page, live_server.url

    log_in(page, base, "steward_customers", screenshot="login")
    assert page.locator("#queue-match .big").inner_text() == "3"  # what waits for her
    _review_the_match_queue(page, world)
    _resolve_acmes_city_until_a_date(page, base, world)
    _unmerge_stark_then_merge_it_again(page, base, world)
    _look_round_exceptions_search_and_home(page)
    log_out(page)

    log_in(page, base, "council")
    _the_council_approves_the_merge_asked_for(page, world)


def _review_the_match_queue(page, world) -> None:
    """By keyboard: the first card (Stark, best score) has focus and "a" accepts it; "j" moves
    past Globex to Wayne, "r" rejects it; Globex, both with contracts, asks the council."""
    page.click("nav >> text=Match review")
    page.wait_for_selector(".candidate.current")
    shoot(page, "match-review")
    page.keyboard.press("a")
    page.wait_for_selector(f"#cand-{world.stark_candidate.pk}.decided")
    assert "Accepted" in page.inner_text(f"#cand-{world.stark_candidate.pk}")
    page.keyboard.press("j")
    assert page.get_attribute(".candidate.current", "id") == f"cand-{world.wayne_candidate.pk}"
    page.keyboard.press("r")
    page.wait_for_selector(f"#cand-{world.wayne_candidate.pk}.decided")
    assert MatchCandidate.objects.get(pk=world.wayne_candidate.pk).status == "rejected"
    page.click(f"#cand-{world.globex_candidate.pk} button.ok")
    page.wait_for_selector(f"#cand-{world.globex_candidate.pk} .note")
    assert "council" in page.inner_text(f"#cand-{world.globex_candidate.pk} .note")
    assert Customer.objects.get(pk=world.stark_ns.id).record_status == "merged"


def _resolve_acmes_city_until_a_date(page, base, world) -> None:
    """Conflict resolution: Acme's city takes Salesforce's value until a date."""
    page.goto(f"{base}/golden/{world.acme.id}/")
    shoot(page, "golden-record")
    page.click("#attr-city >> text=Resolve")
    page.check("input[name=choice][value='src:0']")
    page.check("input[name=mode][value=until_date]")
    until = (timezone.now() + timedelta(days=60)).date().isoformat()
    page.fill("input[name=until]", until)
    page.fill("textarea[name=reason]", "Registered seat per Handelsregister")
    shoot(page, "resolve")
    page.click("button.primary")
    page.wait_for_selector("#attr-city .badge.warn")
    override = AttributeOverride.objects.get(golden_id=world.acme.id, attribute="city", is_active=True)
    assert override.mode == "until_date" and override.until.date().isoformat() == until


def _unmerge_stark_then_merge_it_again(page, base, world) -> None:
    """Unmerge the Stark records the accept merged, then merge them again from the survivor's
    page, finding the duplicate by name in the htmx picker."""
    page.goto(f"{base}/golden/{world.stark_ns.id}/")
    page.fill("#merge input[name=reason]", "two legal entities after all")
    page.click("#merge button.no")
    page.wait_for_selector(".msg.success")
    assert Customer.objects.get(pk=world.stark_ns.id).record_status == "active"
    page.goto(f"{base}/golden/{world.stark_sf.id}/")
    page.fill("#merge-find", "Stark Industrie")
    page.click(f"#merge-picker [data-value='{world.stark_ns.id}']")
    assert page.input_value("#merged-id") == world.stark_ns.id
    page.fill("#merge input[name=reason]", "same company: Handelsregister HRB 5555")
    page.click("#merge button.ok")
    page.wait_for_selector(".msg.success")
    assert Customer.objects.get(pk=world.stark_ns.id).merged_into == world.stark_sf.id
    shoot(page, "golden-record-merged")


def _look_round_exceptions_search_and_home(page) -> None:
    page.click("nav >> text=Exceptions")
    shoot(page, "exceptions")
    page.fill("#global-search", "Globex")
    page.press("#global-search", "Enter")
    page.wait_for_selector("table.grid")
    shoot(page, "search")
    page.click("nav >> text=Home")
    shoot(page, "home")


def _the_council_approves_the_merge_asked_for(page, world) -> None:
    page.click("nav >> text=Council")
    request = ChangeRequest.objects.get()
    shoot(page, "council")
    page.fill(f"#request-{request.pk} input[name=comment]", "ERP invoices checked")
    page.click(f"#request-{request.pk} button.ok")
    page.wait_for_selector(".msg.success")
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by.username == "council"
    assert Customer.objects.get(pk=world.globex_ns.id).merged_into == world.globex_sf.id


def test_a_steward_of_another_domain_gets_403(live_server, browser_page):
    world = build_world()
    demo_users()
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_projects")
    response = page.goto(f"{base}/golden/{world.acme.id}/")
    assert response.status == 403
    assert "not allowed" in page.inner_text("h1")
    shoot(page, "forbidden", full_page=False)
    assert page.goto(f"{base}/golden/{world.project.id}/").status == 200


def test_keyboard_claim_select_and_bulk_reject(live_server, browser_page):
    world = build_world()
    demo_users()
    page, base = browser_page, live_server.url
    log_in(page, base, "steward_customers")
    page.goto(base + "/review/")
    page.wait_for_selector(".candidate.current")
    page.keyboard.press("c")  # claim the focused card (Stark)
    page.wait_for_selector(f"#cand-{world.stark_candidate.pk} .note")
    assert MatchCandidate.objects.get(pk=world.stark_candidate.pk).assigned_to.username == "steward_customers"
    page.click(f"#cand-{world.globex_candidate.pk} header")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("x")
    assert page.inner_text("#selected-count") == "2"
    page.click("#bulk-form button.no")
    page.wait_for_selector(".msg.success")
    assert "Rejected 2 candidates" in page.inner_text(".messages")
    statuses = dict(MatchCandidate.objects.values_list("pk", "status"))
    assert statuses[world.globex_candidate.pk] == statuses[world.wayne_candidate.pk] == "rejected"
    assert statuses[world.stark_candidate.pk] == "open"
