"""The operations dashboard in a real browser: a steward opens it from the nav, reads the health
table and the charts uPlot draws from the snapshots (many points, a handful, a single one, none),
switches the range, the htmx refresh keeps it live and redraws the charts, and at 1440 and 1024
pixels wide every table fits its panel."""

import math
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

# CONCORD_UPDATE_SCREENSHOTS=1 writes the pictures docs/operations.md shows; otherwise a temp folder.
SHOTS = (Path(__file__).resolve().parents[3] / "docs" / "screenshots"
         if os.environ.get("CONCORD_UPDATE_SCREENSHOTS") == "1"
         else Path(tempfile.gettempdir()) / "concord-screenshots")

# Did the library draw this chart's lines or markers? Count the canvas pixels in its first series'
# colour (the key's colour, which charts.js gives the series).
SERIES_PIXELS = """(figure) => {
  const canvas = figure.querySelector('.ops-plot canvas');
  const key = figure.querySelector('.keys [data-series="0"]');
  if (!canvas || !key) return 0;
  const [r, g, b] = getComputedStyle(key).color.match(/\\d+/g).map(Number);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    if (pixels[i + 3] > 200 && Math.abs(pixels[i] - r) < 12 && Math.abs(pixels[i + 1] - g) < 12
        && Math.abs(pixels[i + 2] - b) < 12) n++;
  }
  return n;
}"""

# Everything that is wider than where it sits: the page, an element sticking out of its panel, a
# table wider than its container unless that container is a scroll wrapper.
OVERFLOWS = """() => {
  const found = [];
  const root = document.documentElement;
  if (root.scrollWidth > window.innerWidth) found.push(`page ${root.scrollWidth} > ${window.innerWidth}`);
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
                       (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  document.querySelectorAll('#ops-body .panel').forEach((panel) => {
    const edge = panel.getBoundingClientRect();
    panel.querySelectorAll('*').forEach((el) => {
      const wrapper = el.parentElement && el.parentElement.closest('.scroll');
      if (wrapper && panel.contains(wrapper)) return;  // inside a scroll wrapper: may be wide
      const box = el.getBoundingClientRect();
      if (box.width && (box.right > edge.right + 1 || box.left < edge.left - 1)) {
        found.push(`${name(el)} in ${name(panel)}: ${Math.round(box.left)}..${Math.round(box.right)} ` +
                   `outside ${Math.round(edge.left)}..${Math.round(edge.right)}`);
      }
    });
  });
  document.querySelectorAll('#ops-body table').forEach((table) => {
    const container = table.parentElement;
    if (table.scrollWidth > container.clientWidth + 1 && !container.classList.contains('scroll')) {
      found.push(`table in ${name(container)}: ${table.scrollWidth} > ${container.clientWidth}`);
    }
  });
  return found;
}"""

HEALTH_FITS = """() => {
  const wrapper = document.querySelector('#system-health .scroll');
  return [wrapper.querySelector('table').scrollWidth, wrapper.clientWidth];
}"""


def _sample(name: str, labels: dict, value: float, at) -> None:
    series = ",".join(f"{k}={labels[k]}" for k in sorted(labels))
    KpiSample.objects.create(name=name, series=series, labels=labels, value=value, taken_at=at)


def _daily(k: int, *, base: float) -> float:
    """Decisions at snapshot k (15 minutes apart, backwards): busier by day than by night."""
    return float(round(base + 5 * math.sin(2 * math.pi * k / 96)))


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", f"{username}-pw")
    page.click("button[type=submit]")
    page.wait_for_url(live_server.url + "/")


def _steward(username: str) -> User:
    steward = User.objects.create_user(username, password=f"{username}-pw")
    steward.groups.add(Group.objects.get(name="steward"))
    return steward


def _chart_data_lengths(page, name: str) -> list[int]:
    return page.evaluate(f"JSON.parse(document.getElementById('chart-data-{name}').textContent)"
                         ".series.map(s => s.values.length)")


def test_a_steward_reads_the_operations_dashboard(live_server, browser_page):
    page = browser_page
    _steward("olga")
    crm = SourceSystem.objects.create(name="opscrm", display_name="Ops CRM", kind="crm")
    for n, status in enumerate([OutboxStatus.DELIVERED, OutboxStatus.DEAD, OutboxStatus.PENDING]):
        OutboxMessage.objects.create(system=crm, domain="customer", golden_id="CUS-1", status=status,
                                     idempotency_key=f"b{n}", delivered_at=timezone.now()
                                     if status == OutboxStatus.DELIVERED else None)
    now = timezone.now()
    for hours in range(0, 48, 2):
        _sample("concord_auto_match_rate", {"domain": "customer"}, 0.6 + hours / 200, now - timedelta(hours=hours))

    _log_in(page, live_server, "olga")
    page.click("nav >> text=Operations")
    page.wait_for_url("**/operations/")

    row = page.locator('tr[data-system="opscrm"]')
    assert row.locator('td[data-column="dead"]').inner_text() == "1"
    assert "alert" in row.locator('td[data-column="dead"]').get_attribute("class")
    assert row.locator('td[data-column="pending"]').inner_text() == "1"
    chart = page.locator("#chart-concord_auto_match_rate")
    chart.locator(".ops-plot[data-drawn] canvas").wait_for()
    assert page.evaluate(SERIES_PIXELS, chart.element_handle()) > 0
    assert chart.locator(".keys b").inner_text() == "60%"
    # Under the cursor the key reads that snapshot's value and time; off the chart, the last again.
    over = chart.locator(".u-over")
    box = over.bounding_box()
    over.hover(position={"x": 3, "y": box["height"] / 2})
    page.wait_for_function("document.querySelector('#chart-concord_auto_match_rate .ops-at').textContent !== ''")
    assert chart.locator(".keys b").inner_text() == "83%"  # the oldest, 46 hours ago
    page.mouse.move(0, 0)
    page.wait_for_function("document.querySelector('#chart-concord_auto_match_rate .keys b').textContent === '60%'")
    week_points = _chart_data_lengths(page, "concord_auto_match_rate")[0]

    page.click("text=1 day")
    page.wait_for_url("**/operations/?days=1")
    assert _chart_data_lengths(page, "concord_auto_match_rate")[0] < week_points

    # The body refreshes itself: a new dead letter shows without reloading the page, and the
    # charts of the new body are drawn again.
    OutboxMessage.objects.create(system=crm, domain="customer", golden_id="CUS-2", status=OutboxStatus.DEAD,
                                 idempotency_key="b-late")
    page.evaluate("document.querySelector('#chart-concord_auto_match_rate').dataset.old = 'yes'")
    page.evaluate("htmx.trigger('#ops-body', 'ops-refresh')")  # the poll's own request, without the 30 s wait
    page.wait_for_function(
        "document.querySelector('tr[data-system=\"opscrm\"] td[data-column=\"dead\"]').innerText === '2'")
    page.locator("#chart-concord_auto_match_rate .ops-plot[data-drawn] canvas").wait_for()
    assert page.evaluate("document.querySelector('#chart-concord_auto_match_rate').dataset.old") is None
    assert page.locator(".ops-plot canvas").count() == 1  # the swapped-out chart is gone, not doubled
    assert page.evaluate(SERIES_PIXELS, page.locator("#chart-concord_auto_match_rate").element_handle()) > 0


@pytest.mark.parametrize("width, height", [(1440, 900), (1024, 768)])
def test_charts_read_with_few_points_and_many_and_tables_fit(live_server, browser_page, width, height):
    page = browser_page
    page.set_viewport_size({"width": width, "height": height})
    _steward("olga")
    now = timezone.now()
    for name in ("business_central_production", "salesforce_emea_sandbox", "netsuite_uk", "psa_staffing"):
        system = SourceSystem.objects.create(name=name, display_name=name.replace("_", " ").title(), kind="erp")
        for n, status in enumerate([OutboxStatus.DELIVERED, OutboxStatus.DEAD, OutboxStatus.PENDING] * 4):
            OutboxMessage.objects.create(system=system, domain="customer", golden_id=f"CUS-{n}", status=status,
                                         idempotency_key=f"{name}-{n}", delivered_at=now - timedelta(seconds=n * 97)
                                         if status == OutboxStatus.DELIVERED else None)
    KpiSample.objects.bulk_create([  # many points: the whole week, a snapshot every 15 minutes
        KpiSample(name="concord_steward_decisions_24h", series=f"kind=match,steward={steward}",
                  labels={"steward": steward, "kind": "match"}, value=_daily(k, base=6 + 5 * n),
                  taken_at=now - timedelta(minutes=15 * k))
        for n, steward in enumerate(("olga", "pieter", "rosa")) for k in range(7 * 24 * 4)])
    for hours in range(0, 10, 2):  # a few points, the last ten hours of a week
        _sample("concord_auto_match_rate", {"domain": "customer"}, 0.55 + hours / 50, now - timedelta(hours=hours))
        _sample("concord_auto_match_rate", {"domain": "project"}, 0.35 + hours / 80, now - timedelta(hours=hours))
    _sample("concord_outbox_delivery_latency_seconds", {"system": "netsuite_uk", "quantile": "0.5"}, 42.0,
            now - timedelta(minutes=10))  # a single point

    _log_in(page, live_server, "olga")
    page.goto(live_server.url + "/operations/")

    for name in ("concord_steward_decisions_24h", "concord_auto_match_rate", "concord_outbox_delivery_latency_seconds"):
        chart = page.locator(f"#chart-{name}")
        chart.locator(".ops-plot[data-drawn] canvas").wait_for()
        assert chart.locator(".ops-nojs").count() == 0
        assert page.evaluate(SERIES_PIXELS, chart.element_handle()) > 0, f"{name}: nothing drawn"
    lone = page.locator("#chart-concord_outbox_delivery_latency_seconds")
    assert "One snapshot so far" in lone.locator(".ops-note").inner_text()
    assert lone.locator(".keys b").inner_text() == "42.0 s"
    assert "the chart fills as snapshots accumulate" in page.locator("#chart-concord_auto_match_rate .ops-note").inner_text()
    assert page.locator("#chart-concord_steward_decisions_24h .ops-note").count() == 0  # the week is full
    empty = page.locator("#chart-concord_exception_resolution_seconds")
    assert "No snapshots in the last 7 days yet" in empty.inner_text() and empty.locator("canvas").count() == 0

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"operations-{width}.png"), full_page=True)
    assert page.evaluate(OVERFLOWS) == []
    table, wrapper = page.evaluate(HEALTH_FITS)
    assert table <= wrapper, f"the health table needs {table} px, its panel gives {wrapper}"
    # The navigation keeps one line, and the search box room to type in.
    tops = page.evaluate("[...document.querySelectorAll('.topbar nav a')].map(a => a.getBoundingClientRect().top)")
    assert len(set(tops)) == 1, f"the navigation wraps at {width} px"
    assert page.evaluate("document.querySelector('#global-search').getBoundingClientRect().width") >= 120
