"""Teaching the model and previewing a threshold change in a real browser (Debian's Chromium):
the council answers the uncertain-pairs queue by keyboard, reads the model's quality, previews
stricter thresholds and asks for them; another member approves. Screenshots for docs/console.md."""

import os

import pytest

from matching.model_store import domain_model
from matching.models import LabelRequest, MatchDecision, RulePreview
from mdm.demo_data import demo_records
from mdm.services.ingest import source_records_ingest, source_records_load_finished
from stewardship.models import ChangeRequest
from tests.stewardship.browser.test_console_flow import log_in, log_out, shoot
from tests.stewardship.scenario import demo_users

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _exact_key_matcher():
    """Questions come from what the configured matcher makes of the demo's customers (overrides
    the package's fixture)."""


def load_customers(companies: int = 150) -> None:
    records = demo_records(seed=7, customers=companies)
    for system in ("netsuite", "salesforce"):
        source_records_ingest(system=system, domain="customer", records=records[(system, "customer")])
        source_records_load_finished("customer")


def test_the_council_teaches_the_model_and_previews_a_stricter_threshold(live_server, browser_page):
    load_customers()
    demo_users()
    page, base = browser_page, live_server.url
    log_in(page, base, "council")
    _answer_the_uncertain_pairs_by_keyboard(page)

    # The model's quality: thresholds, weights, and what the answers say so far.
    page.goto(f"{base}/matching/customer/")
    assert page.is_visible("#weights") and "%" in page.inner_text("#upper")
    shoot(page, "model-quality")
    request = _preview_a_stricter_threshold_and_ask_for_it(page)
    log_out(page)

    # Another council member approves it: the thresholds apply and the domain is re-matched.
    log_in(page, base, "council2")
    page.click("nav >> text=Council")
    assert "set the match thresholds" in page.inner_text(f"#request-{request.pk}")
    page.fill(f"#request-{request.pk} input[name=comment]", "agreed")
    page.click(f"#request-{request.pk} button.ok")
    page.wait_for_selector(".msg.success")
    model = domain_model("customer")
    assert (model.upper, model.lower) == (0.999, 0.4)


def _answer_the_uncertain_pairs_by_keyboard(page) -> None:
    """The customer model has no labels yet, so the page offers the queue: s the same, n not the
    same, u can't tell; focus moves on to the next open question."""
    page.click("nav >> text=Matching")
    page.click("#model-customer >> text=Details")
    assert page.is_visible("#no-labels")
    page.click("text=Ask me about pairs")
    page.wait_for_selector(".question.current")
    assert LabelRequest.objects.filter(answer="").count() >= 3
    shoot(page, "teach-queue", full_page=False)
    first = page.get_attribute(".question.current", "id")
    page.keyboard.press("s")
    page.wait_for_selector(f"#{first}.decided")
    second = page.get_attribute(".question.current", "id")
    assert second != first
    page.keyboard.press("u")
    page.wait_for_selector(f"#{second}.decided")
    assert "the model gave" in page.inner_text(f"#{first}")
    answers = list(LabelRequest.objects.exclude(answer="").values_list("answer", flat=True))
    assert sorted(answers) == ["same", "unsure"]
    third = page.get_attribute(".question.current", "id")
    page.click(f"#{third} button.no")
    page.wait_for_selector(f"#{third}.decided")
    assert MatchDecision.objects.filter(verdict="not_match").exists()


def _preview_a_stricter_threshold_and_ask_for_it(page):
    page.click("text=Preview a threshold change")
    page.fill("input[name=upper]", "0.999")
    page.fill("input[name=lower]", "0.4")
    page.click("#preview-form button.primary")
    page.wait_for_selector("#preview-figures")
    preview = RulePreview.objects.get()
    assert preview.status == "done" and page.inner_text("#merges") == str(preview.result["merges"])
    shoot(page, "rule-preview")
    page.fill("#apply-form textarea[name=reason]", "audit: links at 90-99.9 % were often two firms")
    page.click("#apply-form button.primary")
    page.wait_for_selector(".msg")
    request = ChangeRequest.objects.get()
    assert "council" in page.inner_text(".messages") and request.payload["action"] == "match_rules"
    return request
