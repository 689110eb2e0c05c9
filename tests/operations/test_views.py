"""The dashboard: who may open it, what it shows (sections other apps register, the health table,
exceptions, charts from snapshots), bad input, and the htmx refresh fragment."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage
from operations.models import KpiSample
from operations.registry import Section, register_section

pytestmark = pytest.mark.django_db
URL = reverse("operations:dashboard")


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["nobody", "carol"])  # no role; the integration role (API only)
def test_people_without_a_console_role_are_refused(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])  # steward, auditor, council
def test_console_staff_see_the_dashboard(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert b"Technical health per system" in response.content and b'href="/operations/"' in response.content


def test_it_renders_the_sections_other_apps_register(client, alice, test_templates):
    register_section(Section(key="orchestration", title="Opportunities waiting for a project",
                             template="ops_test/section.html", order=10,
                             context=lambda request: {"waiting": 4, "viewer": request.user.username}))

    def broken(request):
        raise LookupError("no such flow")

    register_section(Section(key="billing", title="Billing schedules", template="ops_test/section.html",
                             context=broken, order=20))
    client.force_login(alice)
    html = client.get(URL).content.decode()

    assert "Opportunities waiting for a project" in html
    assert 'Closed-won opportunities waiting: <b>4</b> for alice' in html
    assert "This section could not be shown: LookupError: no such flow" in html
    assert html.index('id="section-orchestration"') < html.index('id="section-billing"')


def test_the_health_table_shows_the_metrics_numbers_per_system(client, alice, crm):
    for status in (OutboxStatus.DEAD, OutboxStatus.DEAD, OutboxStatus.PENDING, OutboxStatus.HELD):
        OutboxMessage.objects.create(system=crm, domain="customer", golden_id="CUS-1", status=status,
                                     idempotency_key=f"k{OutboxMessage.objects.count()}")
    client.force_login(alice)
    html = client.get(URL).content.decode()
    row = html[html.index('data-system="opscrm"'):]
    row = row[:row.index("</tr>")]
    assert '<td data-column="dead" class="alert">2</td>' in row
    assert '<td data-column="pending">1</td>' in row
    assert '<td data-column="held">1</td>' in row
    assert '<span class="muted not-connected">not connected</span>' in row  # no connector for it


def test_the_health_table_shows_what_the_last_reconciliation_found(client, alice, crm):
    from connectors.models import ReconciliationRun

    for domain, missing in (("customer", 3), ("contract", 2)):
        ReconciliationRun.objects.create(system=crm, domain=domain, status="succeeded", missing=missing, extra=5)
    client.force_login(alice)
    html = client.get(URL).content.decode()
    row = html[html.index('data-system="opscrm"'):]
    row = row[:row.index("</tr>")]
    assert '<td data-column="missing_there" class="alert">5</td>' in row
    assert '<td data-column="unknown_there">10</td>' in row
    assert '<td data-column="differing_there">0</td>' in row


def _chart(html: str, name: str) -> str:
    chart = html[html.index(f'id="chart-{name}"'):]
    return chart[:chart.index("</figure>")]


def _chart_data(html: str, name: str) -> dict:
    """The data the page hands the browser for one chart (json_script)."""
    start = html.index(f'id="chart-data-{name}" type="application/json">')
    return json.loads(html[html.index(">", start) + 1:html.index("</script>", start)])


def test_charts_are_handed_to_the_browser_from_the_snapshots_in_the_chosen_range(client, alice):
    now = timezone.now()
    for hours, value in ((30, 0.5), (3, 0.6), (1, 0.8)):
        KpiSample.objects.create(name="concord_auto_match_rate", series="domain=customer",
                                 labels={"domain": "customer"}, value=value, taken_at=now - timedelta(hours=hours))
    client.force_login(alice)

    html = client.get(URL + "?days=1").content.decode()
    chart = _chart(html, "concord_auto_match_rate")
    assert 'data-chart="chart-data-concord_auto_match_rate"' in chart
    data = _chart_data(html, "concord_auto_match_rate")
    assert [s["values"] for s in data["series"]] == [[0.6, 0.8]]  # the sample 30 hours ago is outside the last day
    assert data["markers"] and data["y_ticks"][-1] == [1.0, "100%"]
    assert "customer <b>80%</b>" in chart  # the key: the last value, also without JavaScript
    assert "2 snapshots, the latest values below (the chart needs JavaScript)." in chart  # till the script draws
    assert "2 snapshots, the first at" in chart  # the axis is fitted to their 3 hours, and the chart says why

    week = client.get(URL + "?days=7").content.decode()
    assert [len(s["values"]) for s in _chart_data(week, "concord_auto_match_rate")["series"]] == [3]


def test_a_chart_without_snapshots_says_so(client, alice):
    client.force_login(alice)
    chart = _chart(client.get(URL).content.decode(), "concord_auto_match_rate")
    assert "No snapshots in the last 7 days yet" in chart and "data-chart=" not in chart


def test_the_dashboard_loads_the_chart_library_from_our_own_static_files(client, alice):
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert '<script src="/static/vendor/uplot/uPlot.iife.min.js" defer>' in html
    assert '<script src="/static/js/charts.js" defer>' in html
    assert "://" not in "".join(line for line in html.splitlines() if "<script" in line or "stylesheet" in line)


@pytest.mark.parametrize("days", ["2", "abc", "-1", "365"])
def test_a_range_we_do_not_offer_is_a_400(client, alice, days):
    client.force_login(alice)
    response = client.get(URL + f"?days={days}")
    assert response.status_code == 400 and b"days must be one of 1, 7, 30" in response.content


def test_htmx_refresh_gets_the_body_fragment_only(client, alice):
    client.force_login(alice)
    response = client.get(URL + "?days=7", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="ops-body"') and "<html" not in html
    assert 'hx-trigger="every 30s, ops-refresh"' in html and "days=7" in html


def test_the_health_table_groups_its_columns_under_headings(client, alice):
    from operations.dashboard import HEALTH_COLUMNS, health_header

    grouped = [key for _, columns in health_header() for key, _ in columns]
    assert grouped == [key for key, *_ in HEALTH_COLUMNS]  # every column once, in order
    client.force_login(alice)
    html = client.get(URL).content.decode()
    assert '<th colspan="7" class="group">Messages out</th>' in html
    assert '<th data-column="dead">dead letters</th>' in html
