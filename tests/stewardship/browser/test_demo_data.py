"""The README's demo data in a real browser: what a steward and the council do on their first day."""

import os
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from matching.models import MatchCandidate
from mdm.models import AttributeOverride, Contract, CrossReference, Customer
from stewardship.models import ChangeRequest
from tests.stewardship.browser.test_console_flow import log_in, log_out, shoot

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
REGION = ("DE", "NL", "FR")  # steward_customers' countries in the demo


@pytest.fixture(autouse=True)
def _exact_key_matcher():
    """The demo as the README runs it: with the configured matcher (overrides the package's fixture)."""


def in_region(candidate) -> bool:
    return Customer.objects.filter(pk__in=[candidate.golden_id_a, candidate.golden_id_b],
                                   country__in=REGION).count() == 2


def both_have_contracts(candidate) -> bool:
    return all(Contract.objects.filter(customer_id=g).exists() for g in (candidate.golden_id_a, candidate.golden_id_b))


def test_the_demo_data_through_a_stewards_and_the_councils_day(live_server, browser_page):
    call_command("load_demo", stdout=StringIO())
    page, base = browser_page, live_server.url
    candidates = [c for c in MatchCandidate.objects.filter(status="open") if in_region(c)]
    accepted, rejected = candidates[0], candidates[1]
    twice_sourced = next(c for c in Customer.objects.filter(country="DE")
                         if CrossReference.objects.filter(golden_id=c.id).count() == 2)

    log_in(page, base, "steward_customers")
    _accept_one_pair_and_reject_another(page, base, accepted, rejected)
    _resolve_a_conflict_until_a_date(page, base, twice_sourced)
    _ask_for_a_new_tax_id(page, base, twice_sourced)
    log_out(page)

    log_in(page, base, "council")
    _the_council_approves_everything_pending(page, twice_sourced, accepted)
    log_out(page)

    log_in(page, base, "steward_customers")
    merged = Customer.objects.get(pk=accepted.golden_id_b)
    _undo_the_merge(page, base, merged)
    _merge_again_with_the_picker(page, base, accepted, merged)
    log_out(page)

    log_in(page, base, "steward_projects")  # a project steward may not open a customer
    assert page.goto(f"{base}/golden/{twice_sourced.id}/").status == 403


def _accept_one_pair_and_reject_another(page, base, accepted, rejected) -> None:
    page.goto(base + "/review/")
    page.wait_for_selector(f"#cand-{accepted.pk}")
    shoot(page, "demo-review")
    page.click(f"#cand-{accepted.pk} button.ok")
    page.wait_for_selector(f"#cand-{accepted.pk}.decided, #cand-{accepted.pk} .note")
    page.click(f"#cand-{rejected.pk} button.no")
    page.wait_for_selector(f"#cand-{rejected.pk}.decided")
    assert MatchCandidate.objects.get(pk=rejected.pk).status == "rejected"
    if not both_have_contracts(accepted):  # merged at once; otherwise the council decides
        merged = Customer.objects.get(pk=accepted.golden_id_b)
        assert (merged.record_status, merged.merged_into) == ("merged", accepted.golden_id_a)


def _resolve_a_conflict_until_a_date(page, base, customer) -> None:
    """A conflict between Salesforce and NetSuite, resolved with a value that lives until a date."""
    page.goto(f"{base}/golden/{customer.id}/")
    page.click("#attr-phone >> text=Resolve")
    page.check("input[name=choice][value='src:0']")
    page.check("input[name=mode][value=until_date]")
    until = (timezone.now() + timedelta(days=30)).date().isoformat()
    page.fill("input[name=until]", until)
    page.fill("textarea[name=reason]", "Switchboard number confirmed by phone")
    page.click("button.primary")
    page.wait_for_selector("#attr-phone .badge.warn")
    override = AttributeOverride.objects.get(golden_id=customer.id, attribute="phone", is_active=True)
    assert override.mode == "until_date" and override.until.date().isoformat() == until


def _ask_for_a_new_tax_id(page, base, customer) -> None:
    """A new tax id is governed: it waits for the council."""
    page.goto(f"{base}/golden/{customer.id}/")
    page.click("#attr-tax_id >> text=Resolve")
    page.check("input[name=choice][value=__new__]")
    page.fill("#new-value", "DE 811 907 980")
    page.check("input[name=mode][value=pinned]")
    page.fill("textarea[name=reason]", "VAT registration after the 2026 restructuring")
    page.click("button.primary")
    page.wait_for_selector(".msg")
    assert ChangeRequest.objects.filter(status="pending", golden_id=customer.id).exists()


def _the_council_approves_everything_pending(page, customer, accepted) -> None:
    """Whoever asked could not have approved it themselves."""
    page.click("nav >> text=Council")
    for request in ChangeRequest.objects.filter(status="pending"):
        page.fill(f"#request-{request.pk} input[name=comment]", "Checked against the register")
        page.click(f"#request-{request.pk} button.ok")
        page.wait_for_selector(".msg.success")
    assert not ChangeRequest.objects.filter(status="pending").exists()
    assert Customer.objects.get(pk=customer.id).tax_id == "811907980"
    merged = Customer.objects.get(pk=accepted.golden_id_b)
    assert (merged.record_status, merged.merged_into) == ("merged", accepted.golden_id_a)


def _undo_the_merge(page, base, merged) -> None:
    """A merge the council approved is the council's to undo too."""
    page.goto(f"{base}/golden/{merged.id}/")
    page.fill("#merge input[name=reason]", "two legal entities after all")
    page.click("#merge button.no")
    if ChangeRequest.objects.filter(status="approved", payload__action="merge").exists():
        page.wait_for_selector(".msg.info")
        assert Customer.objects.get(pk=merged.id).record_status == "merged"
        log_out(page)
        log_in(page, base, "council")
        page.click("nav >> text=Council")
        request = ChangeRequest.objects.get(status="pending", payload__action="unmerge")
        page.fill(f"#request-{request.pk} input[name=comment]", "Two registrations, two firms")
        page.click(f"#request-{request.pk} button.ok")
        page.wait_for_selector(".msg.success")
        log_out(page)
        log_in(page, base, "steward_customers")
    else:
        page.wait_for_selector(".msg.success")
    assert Customer.objects.get(pk=merged.id).record_status == "active"


def _merge_again_with_the_picker(page, base, accepted, merged) -> None:
    """From the survivor's page; with contracts on both sides the policy asks the council again."""
    page.goto(f"{base}/golden/{accepted.golden_id_a}/")
    page.fill("#merge-find", merged.name[:12])
    page.click(f"#merge-picker [data-value='{merged.id}']")
    page.fill("#merge input[name=reason]", "same company after all: one VAT registration")
    page.click("#merge button.ok")
    page.wait_for_selector(".msg")
    if both_have_contracts(accepted):
        assert ChangeRequest.objects.filter(status="pending", golden_id=accepted.golden_id_a).exists()
    else:
        assert Customer.objects.get(pk=merged.id).merged_into == accepted.golden_id_a
