"""Domain events reach their subscribers signed, once per subscription, with the outbox's retry rules."""

import json

import pytest

from connectors.events import signature_header
from orchestration.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from orchestration.webhooks import domain_event_publish, webhooks_deliver, webhooks_replay
from tests.http_receiver import RecordingEndpoint

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def consumer(settings):
    settings.CONCORD_OUTBOX_BACKOFF_BASE = 0.0
    settings.CONCORD_OUTBOX_MAX_ATTEMPTS = 3
    made = []

    def make(statuses=()):
        made.append(RecordingEndpoint("/hook", statuses))
        return made[-1]

    yield make
    for endpoint in made:
        endpoint.close()


def test_signed_delivery_retries_then_succeeds_and_publishing_twice_sends_once(consumer):
    target = consumer([503])
    WebhookSubscription.objects.create(name="billing-bi", url=target.url, secret="s3cret",
                                       event_types=["project.activated"])
    WebhookSubscription.objects.create(name="other", url=target.url, secret="x", event_types=["contract.amended"])
    event = domain_event_publish(event_type="project.activated", key="flow:1:project.activated",
                                 payload={"project": {"golden_id": "PRJ-0000000001"}})
    domain_event_publish(event_type="project.activated", key="flow:1:project.activated", payload={})
    assert WebhookDelivery.objects.count() == 1

    assert webhooks_deliver() == {"delivered": 0, "retried": 1, "dead": 0}
    assert webhooks_deliver() == {"delivered": 1, "retried": 0, "dead": 0}
    headers, body = target.received[-1]
    signed_at = int(headers["X-Concord-Signature"].split(",")[0].removeprefix("t="))
    assert headers["X-Concord-Signature"] == signature_header("s3cret", body, timestamp=signed_at)
    assert headers["X-Concord-Event"] == "project.activated"
    assert json.loads(body)["data"]["project"]["golden_id"] == "PRJ-0000000001"
    assert json.loads(body)["id"] == event.pk
    assert webhooks_deliver() == {"delivered": 0, "retried": 0, "dead": 0}


def test_a_refusing_consumer_is_dead_at_once_and_replay_sends_again(consumer):
    target = consumer([410])
    WebhookSubscription.objects.create(name="gone", url=target.url, secret="s", event_types=["*"])
    domain_event_publish(event_type="project.activated", key="k-1", payload={})
    assert webhooks_deliver()["dead"] == 1
    row = WebhookDelivery.objects.get()
    assert row.status == DeliveryStatus.DEAD and row.response_status == 410
    assert webhooks_replay(ids=[row.pk]) == 1
    assert webhooks_deliver()["delivered"] == 1
