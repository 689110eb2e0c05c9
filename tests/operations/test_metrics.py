"""/metrics: the registered figures in Prometheus text format (parsed back with prometheus_client's
own parser), and who may read them."""

import pytest
from django.contrib.auth.models import User
from prometheus_client.parser import text_string_to_metric_families

from mdm.choices import OutboxStatus
from mdm.models import OutboxMessage
from operations.registry import Figure, register_figures

pytestmark = pytest.mark.django_db
URL = "/metrics"


def parsed(response) -> dict:
    """{family name: {frozenset(labels): value}} (counters under their name without _total)."""
    families = {}
    for family in text_string_to_metric_families(response.content.decode()):
        families[family.name] = {frozenset(s.labels.items()): s.value for s in family.samples}
    return families


def test_it_exposes_every_figure_with_names_labels_and_values(client, crm):
    for status in (OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.DEAD):
        OutboxMessage.objects.create(system=crm, domain="customer", golden_id="CUS-1", status=status,
                                     idempotency_key=f"k{OutboxMessage.objects.count()}")
    register_figures("test.orchestration", lambda: [
        Figure("concord_opportunities_waiting", "Closed-won opportunities waiting for a project.",
               samples=[({"age": "over_2d"}, 3.0)]),
        Figure("concord_projects_activated", "Projects activated.", kind="counter", samples=[({}, 12.0)]),
    ])

    response = client.get(URL)  # the test client comes from 127.0.0.1 and no token is set

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    families = parsed(response)
    assert families["concord_outbox_messages"][frozenset({"system": "opscrm", "status": "pending"}.items())] == 2
    assert families["concord_outbox_messages"][frozenset({"system": "opscrm", "status": "dead"}.items())] == 1
    assert families["concord_opportunities_waiting"] == {frozenset({"age": "over_2d"}.items()): 3}
    assert families["concord_projects_activated"] == {frozenset(): 12}
    assert "concord_projects_activated_total 12.0" in response.content.decode()
    assert "# TYPE concord_outbox_messages gauge" in response.content.decode()
    assert families["concord_figures_failed"] == {}
    for name in ("concord_auto_match_rate", "concord_steward_decisions_24h", "concord_watermark_lag_seconds",
                 "concord_inbound_events", "concord_outbox_delivery_latency_seconds", "concord_open_exceptions"):
        assert name in families


def test_a_failing_collector_is_named_and_the_others_still_show(client, crm):
    def broken():
        raise RuntimeError("orchestration table missing")

    register_figures("test.broken", broken)
    register_figures("test.badname", lambda: [Figure("opportunities waiting", "no prefix, a space")])

    families = parsed(client.get(URL))

    assert families["concord_figures_failed"] == {frozenset({"source": "test.broken"}.items()): 1,
                                                  frozenset({"source": "test.badname"}.items()): 1}
    assert frozenset({"system": "opscrm", "status": "pending"}.items()) in families["concord_outbox_messages"]


def test_a_figure_name_given_twice_fails_the_second_collector(client, crm):
    register_figures("test.twice", lambda: [Figure("concord_outbox_messages", "again")])
    families = parsed(client.get(URL))
    assert families["concord_figures_failed"] == {frozenset({"source": "test.twice"}.items()): 1}


# --- who may scrape ----------------------------------------------------------------------------

def test_with_a_token_only_the_bearer_of_it_may_scrape(client, settings, db):
    settings.CONCORD_METRICS_TOKEN = "s3cret-token"
    staff = User.objects.create_user("ops", password="pw", is_staff=True)

    missing = client.get(URL)
    assert missing.status_code == 401 and missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get(URL, HTTP_AUTHORIZATION="Basic czNjcmV0LXRva2Vu").status_code == 401
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    client.force_login(staff)
    assert client.get(URL).status_code == 401  # a session is no token


def test_without_a_token_localhost_and_staff_sessions_may_scrape(client, settings, alice, db):
    settings.CONCORD_METRICS_TOKEN = ""
    staff = User.objects.create_user("ops", password="pw", is_staff=True)

    assert client.get(URL).status_code == 200  # 127.0.0.1, directly
    assert client.get(URL, REMOTE_ADDR="::1").status_code == 200
    assert client.get(URL, REMOTE_ADDR="10.1.2.3").status_code == 403
    assert client.get(URL, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403  # through a local proxy
    client.force_login(alice)  # a steward, not staff
    assert client.get(URL, REMOTE_ADDR="10.1.2.3").status_code == 403
    client.force_login(staff)
    assert client.get(URL, REMOTE_ADDR="10.1.2.3").status_code == 200


def test_it_only_answers_get(client, db):
    assert client.post(URL).status_code == 405
