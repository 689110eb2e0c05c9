"""The dashboard counts what its viewer may see: a steward of DE, NL and FR customers counts her
open match candidates, quarantine and dead letters, and her quality scores; the council, who sees
everything, gets the numbers /metrics exposes. /metrics stays a machine endpoint."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mdm.choices import OutboxStatus
from mdm.models import Customer, OutboxMessage
from operations.models import KpiSample
from operations.registry import collect_all
from tests.stewardship.scenario import build_world, demo_users

pytestmark = pytest.mark.django_db
URL = reverse("operations:dashboard")


@pytest.fixture
def world(settings):
    settings.CONCORD_MATCHER = "mdm.matchers.ExactKeyMatcher"
    return build_world()


@pytest.fixture
def users(db):
    return demo_users()


def _page(client, user):
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    return response


def _open_candidates(response) -> int:
    return sum(total for kind, _owner, _ages, total in response.context["exception_rows"] if kind == "match_review")


def test_a_country_steward_counts_only_her_countries(client, world, users):
    OutboxMessage.objects.create(system=world.dead.system, domain="customer", golden_id=world.umbrella_sf.id,
                                 status=OutboxStatus.DEAD, idempotency_key="gb-dead")
    steward = _page(client, users["steward_customers"])
    assert _open_candidates(steward) == 3  # Stark, Wayne, Globex; not Umbrella (GB)
    dead = {row.system: row.values["dead"] for row in steward.context["health_rows"]}
    assert dead[world.dead.system.name] == "1"
    assert "customers in DE, FR, NL" in steward.content.decode()
    assert not {"events_in", "records_24h"} & {key for row in steward.context["health_rows"]
                                               for key, value in row.values.items() if value != "–"}

    council = _page(client, users["council"])
    assert _open_candidates(council) == 4
    assert {row.system: row.values["dead"] for row in council.context["health_rows"]}[world.dead.system.name] == "2"
    assert "cover your scope" not in council.content.decode()


def test_a_country_steward_sees_what_went_out_for_her_countries_only(client, world, users):
    for key, golden in (("de", world.acme), ("gb", world.umbrella_sf)):
        OutboxMessage.objects.create(system=world.dead.system, domain="customer", golden_id=golden.id,
                                     status=OutboxStatus.DELIVERED, delivered_at=timezone.now(),
                                     idempotency_key=f"out-{key}")
    delivered = {row.system: row.values["out"]
                 for row in _page(client, users["steward_customers"]).context["health_rows"]}
    assert delivered[world.dead.system.name] == "1"  # the German customer's, not the British one's
    council = {row.system: row.values["out"] for row in _page(client, users["council"]).context["health_rows"]}
    assert council[world.dead.system.name] == "2"


def test_quality_scores_on_the_dashboard_cover_the_viewers_records(client, world, users):
    html = _page(client, users["steward_customers"]).content.decode()
    visible = Customer.objects.filter(country__in=["DE", "NL", "FR"], record_status="active").count()
    assert f"of {visible}</span>" in html
    figures = {f.name: f for f in collect_all(viewer=users["steward_customers"]).figures}
    assert [labels["domain"] for labels, _ in figures["concord_quality_score"].samples] == ["customer"]


def test_charts_show_a_project_steward_only_project_series(client, world, users):
    now = timezone.now()
    for domain in ("customer", "project"):
        KpiSample.objects.create(name="concord_auto_match_rate", series=f"domain={domain}", labels={"domain": domain},
                                 value=0.5, taken_at=now - timedelta(hours=1))
    charts = _page(client, users["steward_projects"]).context["charts"]
    labels = {line.label for chart in charts if chart.name == "concord_auto_match_rate" for line in chart.lines}
    assert labels == {"project"}


def test_metrics_still_answer_the_machine_not_a_session(client, world, users, settings):
    settings.CONCORD_METRICS_TOKEN = "scrape-token"
    client.force_login(users["admin"])
    assert client.get(reverse("operations:metrics")).status_code == 401
    scraped = client.get(reverse("operations:metrics"), HTTP_AUTHORIZATION="Bearer scrape-token")
    assert scraped.status_code == 200 and b"concord_open_exceptions" in scraped.content
