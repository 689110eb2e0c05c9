"""The operations dashboard in a real browser: a steward opens it from the nav, reads the health
table and a chart drawn from snapshots, switches the range, and the htmx refresh keeps it live."""

import os
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage, SourceSystem
from operations.models import KpiSample

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = (Path(__file__).resolve().parents[3] / "docs" / "screenshots"
         if os.environ.get("CONCORD_UPDATE_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "concord-screenshots")


def test_a_steward_reads_the_operations_dashboard(live_server, browser_page):
    page = browser_page
    steward = User.objects.create_user("olga", password="olga-pw")
    steward.groups.add(Group.objects.get(name="steward"))
    crm = SourceSystem.objects.create(name="opscrm", display_name="Ops CRM", kind="crm")
    for n, status in enumerate([OutboxStatus.DELIVERED, OutboxStatus.DEAD, OutboxStatus.PENDING]):
        OutboxMessage.objects.create(system=crm, domain="customer", golden_id="CUS-1", status=status,
                                     idempotency_key=f"b{n}", delivered_at=timezone.now()
                                     if status == OutboxStatus.DELIVERED else None)
    now = timezone.now()
    for hours in range(0, 48, 2):
        KpiSample.objects.create(name="concord_auto_match_rate", series="domain=customer",
                                 labels={"domain": "customer"}, value=0.6 + hours / 200,
                                 taken_at=now - timedelta(hours=hours))

    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", "olga")
    page.fill("input[name=password]", "olga-pw")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")
    page.click("nav >> text=Operations")
    page.wait_for_url("**/operations/")

    row = page.locator('tr[data-system="opscrm"]')
    assert row.locator('td[data-column="dead"]').inner_text() == "1"
    assert "alert" in row.locator('td[data-column="dead"]').get_attribute("class")
    assert row.locator('td[data-column="pending"]').inner_text() == "1"
    chart = page.locator("#chart-concord_auto_match_rate")
    assert chart.locator("svg polyline").count() == 1
    week_points = len(chart.locator("polyline").get_attribute("points").split())
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "operations-dashboard.png"), full_page=True)

    page.click("text=1 day")
    page.wait_for_url("**/operations/?days=1")
    day_points = len(page.locator("#chart-concord_auto_match_rate polyline").get_attribute("points").split())
    assert day_points < week_points

    # The body refreshes itself: a new dead letter shows without reloading the page.
    OutboxMessage.objects.create(system=crm, domain="customer", golden_id="CUS-2", status=OutboxStatus.DEAD,
                                 idempotency_key="b-late")
    page.evaluate("htmx.trigger('#ops-body', 'ops-refresh')")  # the poll's own request, without the 30 s wait
    page.wait_for_function(
        "document.querySelector('tr[data-system=\"opscrm\"] td[data-column=\"dead\"]').innerText === '2'")
