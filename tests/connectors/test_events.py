"""The inbound events endpoint: signed, validated before anything is written, idempotent per
event, order-independent, and our own writes coming back do not start a loop."""

import json
import time

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.delivery import outbox_deliver
from connectors.events import signature_header, signature_of
from connectors.models import Connection, InboundEvent
from mdm.models import Customer, OutboxMessage, QuarantinedRecord, SourceRecord

pytestmark = pytest.mark.django_db
SECRET = "webhook-secret"
URL = "/api/v1/events/fakecrm/"
MS = 1_780_000_000_000  # a commit time, epoch milliseconds


@pytest.fixture
def signed(fakecrm, remote, client):
    Connection.objects.create(system=fakecrm, webhook_secret=SECRET)

    def post(body, signature=None):
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {} if signature is False else {"HTTP_X_CONCORD_SIGNATURE": signature or signature_header(SECRET, raw)}
        return client.post(URL, data=raw, content_type="application/json", **headers)

    return post


def cdc(record_id, change="UPDATE", at=0, seq=1, tx=None, origin="com/salesforce/api/rest/61.0", **fields):
    header = {"entityName": "Account", "recordIds": [record_id], "changeType": change,
              "commitTimestamp": MS + at, "transactionKey": tx or f"tx-{record_id}-{at}", "sequenceNumber": seq,
              "changeOrigin": origin}
    return {"data": {"payload": {"ChangeEventHeader": header, **fields}}}


def golden_of(source_id):
    return Customer.objects.get(id=SourceRecord.objects.get(source_id=source_id).xref.golden_id)


def test_a_create_event_lands_as_a_golden_record(signed):
    response = signed(cdc("001A", "CREATE", name="Acme GmbH", country="DE", city="Berlin"))
    assert response.status_code == 200, response.content
    assert response.json()["accepted"] == 1
    assert golden_of("001A").city == "Berlin"
    assert InboundEvent.objects.get().status == "processed"


def test_an_update_event_carries_only_changed_fields_and_keeps_the_rest(signed):
    signed(cdc("001A", "CREATE", at=0, name="Acme GmbH", country="DE", city="Berlin"))
    signed(cdc("001A", "UPDATE", at=1000, city="Hamburg"))
    golden = golden_of("001A")
    assert (golden.name, golden.country, golden.city) == ("Acme GmbH", "DE", "Hamburg")


def test_a_list_of_events_and_a_duplicate_event_is_accepted_and_ignored(signed):
    events = [cdc("001A", "CREATE", name="Acme", country="DE"), cdc("001B", "CREATE", name="Beta", country="FR")]
    assert signed(events).json()["accepted"] == 2
    again = signed(events[:1]).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert InboundEvent.objects.count() == 2 and Customer.objects.count() == 2


def test_a_simple_webhook_with_the_whole_record(signed):
    body = {"event_id": "evt-1", "object_type": "Account",
            "record": {"Id": "W1", "name": "Webhook Co", "country": "NL", "modified": "2026-06-01T10:00:00+00:00"}}
    assert signed(body).status_code == 200
    assert golden_of("W1").country == "NL"


def test_a_delete_event_retires_an_orphan_golden_record(signed):
    signed(cdc("001A", "CREATE", at=0, name="Acme", country="DE"))
    signed(cdc("001A", "DELETE", at=1000))
    assert SourceRecord.objects.get().is_deleted and golden_of("001A").record_status == "retired"


@pytest.mark.parametrize("signature", [False, "sha256=deadbeef", "md5=whatever"])
def test_a_missing_or_wrong_signature_is_401_and_nothing_is_written(signed, signature):
    response = signed(cdc("001A", "CREATE", name="Acme", country="DE"), signature=signature)
    assert response.status_code == 401
    assert not InboundEvent.objects.exists() and not SourceRecord.objects.exists()


def test_a_request_signed_outside_the_tolerance_is_401_and_nothing_is_written(signed):
    body = json.dumps(cdc("001A", "CREATE", name="Acme", country="DE")).encode()
    for skew in (-301, 301):  # captured five minutes ago, or from a clock far ahead
        response = signed(body, signature=signature_header(SECRET, body, timestamp=int(time.time()) + skew))
        assert response.status_code == 401 and "tolerance" in response.json()["detail"]
    assert not InboundEvent.objects.exists() and not SourceRecord.objects.exists()


def test_a_captured_request_cannot_be_replayed_once_its_key_left_the_dedup_table(signed):
    body = json.dumps(cdc("001A", "CREATE", name="Acme", country="DE")).encode()
    captured = signature_header(SECRET, body, timestamp=int(time.time()) - 600)  # sent, and seen, 10 min ago
    InboundEvent.objects.all().delete()  # its event key is forgotten
    assert signed(body, signature=captured).status_code == 401
    assert not InboundEvent.objects.exists()


def test_the_signed_time_cannot_be_moved_and_a_rotated_secret_may_sign_alongside(signed):
    body = json.dumps(cdc("001A", "CREATE", name="Acme", country="DE")).encode()
    now = int(time.time())
    old = signature_header(SECRET, body, timestamp=now - 600)
    moved = f"t={now},{old.split(',')[1]}"  # a fresh time on a stale digest
    assert signed(body, signature=moved).status_code == 401
    rotating = signature_header("the-next-secret", body, timestamp=now) + "," + \
        signature_header(SECRET, body, timestamp=now).split(",")[1]
    assert signed(body, signature=rotating).status_code == 200


def test_an_untimed_signature_is_refused_unless_the_setting_takes_it(signed, settings):
    body = json.dumps(cdc("001A", "CREATE", name="Acme", country="DE")).encode()
    response = signed(body, signature=signature_of(SECRET, body))
    assert response.status_code == 401 and "t=<unix seconds>" in response.json()["detail"]
    settings.CONCORD_EVENTS_ACCEPT_UNTIMED_SIGNATURES = True
    assert signed(body, signature=signature_of("wrong", body)).status_code == 401
    assert signed(body, signature=signature_of(SECRET, body)).status_code == 200


def test_without_a_configured_secret_every_event_is_refused(fakecrm, remote, client):
    body = json.dumps(cdc("001A", "CREATE", name="Acme")).encode()
    response = client.post(URL, data=body, content_type="application/json",
                           HTTP_X_CONCORD_SIGNATURE=signature_of("", body))
    assert response.status_code == 401


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "not JSON"),
    ({"data": {"payload": {}}}, "ChangeEventHeader"),
    (cdc("", "CREATE", name="x"), "recordIds"),
    (cdc("001A", "MERGE", name="x"), "changeType"),
    ({"data": {"payload": {"ChangeEventHeader": {"entityName": "Account", "recordIds": ["1"], "changeType": "CREATE",
                                                 "commitTimestamp": "yesterday", "transactionKey": "t",
                                                 "sequenceNumber": 1}}}}, "commitTimestamp"),
    ({"event_id": "e", "object_type": "Opportunity", "record": {}}, "does not sync"),
    ({"event_id": "e", "object_type": "Account", "record": "nope"}, "record must be an object"),
])
def test_a_bad_payload_is_400_with_reasons_and_nothing_is_written(signed, body, reason):
    good = cdc("001Z", "CREATE", name="Fine", country="DE")
    payload = body if isinstance(body, bytes) else json.dumps([good, body]).encode()
    response = signed(payload)
    assert response.status_code == 400
    assert reason in json.dumps(response.json()["reasons"])
    assert not InboundEvent.objects.exists() and not SourceRecord.objects.exists()


@pytest.mark.parametrize("depth", [100, 50_000])
def test_a_body_nested_too_deep_is_400_not_a_crash(signed, depth):
    response = signed(b"[" * depth + b"]" * depth)
    assert response.status_code == 400
    assert response.json()["reasons"] == ["body is JSON nested deeper than 64 levels"]
    assert not InboundEvent.objects.exists()


def test_a_well_formed_event_with_a_bad_record_is_quarantined_with_its_reason(signed):
    response = signed([cdc("001A", "CREATE", name="Acme", country="DE"),
                       cdc("001B", "CREATE", name="Bad", country="DE", credit_status="purple")])
    assert response.status_code == 200
    assert Customer.objects.count() == 1
    assert "credit_status" in QuarantinedRecord.objects.get(source_id="001B").reason


def test_our_own_write_coming_back_as_an_event_does_not_loop(signed, connector, remote, settings):
    """Push a golden record, let the system echo it back (changeOrigin client=concord) with a newer
    commit time, ingest it, deliver again: the loop stops without a second write."""
    signed(cdc("001A", "CREATE", at=0, name="Acme", country="DE", city="Berlin"))
    for round_ in range(3):
        outbox_deliver(connectors={"fakecrm": connector})
        pushed = list(remote.effects().values())[-1]
        echo = cdc("001A", "UPDATE", at=10_000 * (round_ + 1), origin="com/salesforce/api/rest/61.0;client=concord",
                   name=pushed["name"], city=pushed["city"], country=pushed["country"])
        assert signed(echo).json()["echoes"] == 1
    outbox_deliver(connectors={"fakecrm": connector})
    assert len(remote.effects()) == 1  # one write in effect, ever
    assert not OutboxMessage.objects.filter(status__in=["pending", "delivering"]).exists()
    assert InboundEvent.objects.filter(is_echo=True).count() == 3


# --- order does not matter -------------------------------------------------------------------

FIELDS = {"name": ["Acme", "Acme GmbH", "ACME Group"], "city": ["Berlin", "Hamburg", "Munich"],
          "email": ["a@acme.test", "info@acme.test"]}


def _history():
    """Two records: a create, then updates touching a few fields each, in commit order."""
    events = []
    for record_id in ("001A", "001B"):
        events.append(cdc(record_id, "CREATE", at=0, name="Acme " + record_id, country="DE", city="Berlin"))
        for step in range(1, 5):
            name = list(FIELDS)[step % 3]
            changed = {name: FIELDS[name][step % len(FIELDS[name])]}
            if step == 3:
                changed["city"] = "Cologne"
            events.append(cdc(record_id, "UPDATE", at=step * 1000, **changed))
    return events


def _final_goldens(post, events):
    with transaction.atomic():
        for event in events:
            assert post(event).status_code == 200
        result = {sid: (g.name, g.city, g.email, g.country) for sid in ("001A", "001B")
                  for g in [golden_of(sid)]}
        transaction.set_rollback(True)
    return result


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_arrival_order_with_duplicates_gives_the_in_order_golden_records(signed, data):
    events = _history()
    expected = _final_goldens(signed, events)
    shuffled = data.draw(st.permutations(events))
    duplicates = data.draw(st.lists(st.sampled_from(events), max_size=4))
    assert _final_goldens(signed, [*shuffled, *duplicates]) == expected


def test_a_webhook_deletion_retires_what_the_record_contributed(signed):
    record_ = {"Id": "W1", "name": "Webhook Co", "country": "NL", "modified": "2026-06-01T10:00:00+00:00"}
    signed({"event_id": "evt-1", "object_type": "Account", "record": record_})
    signed({"event_id": "evt-2", "object_type": "Account", "record": record_, "deleted": True})
    assert SourceRecord.objects.get().is_deleted and golden_of("W1").record_status == "retired"


def test_an_event_the_connector_cannot_read_is_quarantined_and_the_rest_lands(signed, monkeypatch):
    from tests.connectors.conftest import FakeConnector

    real = FakeConnector.map_record

    def picky(self, *, object_type, payload):
        if payload.get("name") == "boom":
            raise KeyError("BillingAddress")
        return real(self, object_type=object_type, payload=payload)

    monkeypatch.setattr(FakeConnector, "map_record", picky)
    response = signed([cdc("001A", "CREATE", name="Acme", country="DE"), cdc("001B", "CREATE", name="boom")])
    assert response.status_code == 200 and response.json()["unreadable"] == 1
    assert Customer.objects.count() == 1
    assert "BillingAddress" in QuarantinedRecord.objects.get().reason
    assert InboundEvent.objects.get(event_key__startswith="tx-001B").status == "failed"
