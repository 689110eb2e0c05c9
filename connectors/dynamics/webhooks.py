"""Business Central webhook notifications: the hub's side of its subscriptions.

Business Central signs nothing. Creating or renewing a subscription, it calls the notification
URL with `?validationToken=...` and expects the token back as plain text with 200 (the
handshake). Each notification then carries the subscription's `clientState`, a secret chosen
when subscribing: here the connection's webhook secret (CONCORD_DYNAMICS_WEBHOOK_SECRET),
compared in constant time; one wrong or missing clientState refuses the whole body and writes
nothing.

A notification names what changed, not how: `resource` is the entity's path, `changeType` one
of created / updated / deleted, or `collection` (more than 1,000 changes in the delay window:
the filter in `resource` selects them). So for each one the entity is read again through the
connector and ingested as the pull would map it; a deletion marks the held source record
deleted; a collection queues an incremental sync of its domain. Entity sets no golden domain
holds but another app acts on (sales invoices: orchestration's invoice status) go to that app's
registered handler. Each notification is stored once per (subscription, entity, change,
timestamp): Business Central retries for 36 hours on 408, 429 and 5xx, so a repeated one is
accepted and ignored, and when Business Central cannot be read back (down, throttled) the
answer is 503 and nothing is kept: the retry brings it again.
"""

from __future__ import annotations

import hmac
import logging
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from connectors.base import Connector, ConnectorError
from connectors.dynamics import mapping
from connectors.events import EventPayloadError, ParsedEvent, SignatureError, event_handler, inbound_event_keep
from connectors.models import EventStatus, connection_for, connection_settings
from mdm.bounded_json import JSONTooDeep, json_loads_bounded
from mdm.correlation import correlation
from mdm.models import SourceRecord, SourceSystem
from mdm.records import IncomingRecord, IngestSummary
from mdm.services.ingest import source_records_ingest
from mdm.services.quarantine import rejects_quarantine

log = logging.getLogger(__name__)

SYSTEM = "dynamics"
CHANGE_TYPES = {"created", "updated", "deleted", "collection"}
MAX_NOTIFICATIONS = 1000
_RESOURCE = re.compile(r"^/?api/v2\.0/companies\((?P<company>[0-9a-fA-F-]{36})\)/(?P<set>[A-Za-z]+)"
                       r"(?:\((?P<id>[0-9a-fA-F-]{36})\))?(?:\?.*)?$")


@dataclass
class Notification:
    key: str
    subscription_id: str
    company_id: str
    entity_set: str
    record_id: str | None
    change_type: str
    modified_at: str
    raw: dict[str, Any]


@dataclass
class NotificationsResult:
    accepted: int = 0
    duplicates: int = 0
    gone: int = 0  # created or updated, but deleted again before we read it: its deletion follows
    unreadable: int = 0
    syncs_queued: int = 0
    summary: IngestSummary = field(default_factory=IngestSummary)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "gone": self.gone,
                "unreadable": self.unreadable, "syncs_queued": self.syncs_queued, "ingest": self.summary.as_dict()}


def client_state_verify(notifications: list[dict[str, Any]]) -> None:
    secret = connection_settings(SYSTEM)["webhook_secret"]
    if not secret:
        raise SignatureError(f"no webhook secret is configured for {SYSTEM}")
    for item in notifications:
        state = item.get("clientState") if isinstance(item, dict) else None
        if not isinstance(state, str) or not hmac.compare_digest(state.encode(), secret.encode()):
            raise SignatureError("missing or wrong clientState")


def _parse_one(index: int, item: Any) -> tuple[Notification | None, list[str]]:
    where = f"notification {index}"
    if not isinstance(item, dict):
        return None, [f"{where}: must be an object"]
    errors = []
    for name in ("subscriptionId", "resource", "changeType", "lastModifiedDateTime"):
        if not isinstance(item.get(name), str) or not item[name].strip():
            errors.append(f"{where}: {name} must be a non-empty string")
    if errors:
        return None, errors
    if item["changeType"] not in CHANGE_TYPES:
        errors.append(f"{where}: changeType must be one of {sorted(CHANGE_TYPES)}")
    match = _RESOURCE.match(item["resource"])
    if match is None:
        errors.append(f"{where}: resource is not a companies(<id>)/<entity set> path")
    elif (match["id"] is None) != (item["changeType"] == "collection"):
        errors.append(f"{where}: a {item['changeType']} notification names "
                      f"{'a collection' if item['changeType'] == 'collection' else 'one entity'}")
    if errors:
        return None, errors
    record_id = match["id"].lower() if match["id"] else None
    key = f"{item['subscriptionId']}:{match['set']}:{record_id or 'collection'}:{item['changeType']}:" \
          f"{item['lastModifiedDateTime']}"
    return Notification(key=key[:200], subscription_id=item["subscriptionId"], company_id=match["company"].lower(),
                        entity_set=match["set"], record_id=record_id, change_type=item["changeType"],
                        modified_at=item["lastModifiedDateTime"], raw=item), []


def notifications_parse(body: bytes) -> list[dict[str, Any]]:
    """The body's notifications, checked for shape (not yet for their clientState)."""
    try:
        data = json_loads_bounded(body, max_depth=settings.CONCORD_API_MAX_JSON_DEPTH)
    except JSONTooDeep as error:
        raise EventPayloadError([f"body is {error}"]) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise EventPayloadError([f"body is not JSON: {error}"]) from None
    items = data.get("value") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise EventPayloadError(['the body must be {"value": [notifications]}'])
    if len(items) > MAX_NOTIFICATIONS:
        raise EventPayloadError([f"at most {MAX_NOTIFICATIONS} notifications per request"])
    return items


def _domain_of(connector: Connector, entity_set: str) -> str | None:
    return next((domain for domain, sets in connector.object_types.items() if entity_set in sets), None)


def notifications_receive(*, body: bytes, connector: Connector | None = None) -> NotificationsResult:
    """Verify, store and act on a body of notifications. Raises SignatureError or
    EventPayloadError before writing anything; ConnectorError (retryable) when Business Central
    could not be read back, with nothing kept."""
    items = notifications_parse(body)
    client_state_verify(items)
    parsed, reasons = [], []
    for index, item in enumerate(items):
        notification, errors = _parse_one(index, item)
        reasons.extend(errors)
        if notification:
            parsed.append(notification)
    if reasons:
        raise EventPayloadError(reasons)
    connector = connector or connection_for(SYSTEM)
    source = SourceSystem.objects.get(name=SYSTEM)
    result = NotificationsResult()
    with correlation() as cid, transaction.atomic():
        for notification in parsed:
            row = inbound_event_keep(system=source, key=notification.key, object_type=notification.entity_set,
                                     change_type=notification.change_type, payload=notification.raw,
                                     correlation_id=cid)
            if row is None:
                result.duplicates += 1
                continue
            result.accepted += 1
            status, error = _act(connector, source, notification, result, cid)
            row.status, row.error, row.processed_at = status, error[:2000], timezone.now()
            row.save(update_fields=["status", "error", "processed_at"])
    return result


def _act(connector: Connector, source: SourceSystem, notification: Notification, result: NotificationsResult,
         cid: str) -> tuple[str, str]:
    """Do what one notification asks; (event status, note)."""
    if notification.company_id != connector.company["id"]:
        result.unreadable += 1
        return EventStatus.FAILED, f"company {notification.company_id} is not the connected company"
    handler = event_handler(SYSTEM, notification.entity_set)
    domain = _domain_of(connector, notification.entity_set)
    if handler is None and domain is None:
        result.unreadable += 1
        return EventStatus.FAILED, f"{SYSTEM} does not sync {notification.entity_set!r}"
    if notification.change_type == "collection":
        if domain is not None:
            _sync_on_commit(domain)
            result.syncs_queued += 1
        return EventStatus.PROCESSED, "collection: an incremental sync reads the changes"
    if notification.change_type == "deleted":
        if domain is not None:
            _deleted(source, domain, notification, result, cid)
        return EventStatus.PROCESSED, ""
    entity = connector.entity_get(notification.entity_set, notification.record_id)
    if entity is None:
        result.gone += 1
        return EventStatus.PROCESSED, "deleted before it could be read"
    if handler is not None:
        return _handled(handler, connector, notification, entity, cid, result)
    try:
        with transaction.atomic():
            records = [connector.map_record(object_type=notification.entity_set, payload=entity)]
            result.summary.merge(source_records_ingest(system=SYSTEM, domain=domain, records=records,
                                                       correlation_id=cid))
    except ValueError as error:
        reason = f"unreadable {notification.entity_set} entity: {error}"
        rejects_quarantine(system=source, domain=domain, object_type=notification.entity_set,
                           rejects=[(entity, reason)], correlation_id=cid)
        result.unreadable += 1
        return EventStatus.FAILED, reason
    return EventStatus.PROCESSED, ""


def _handled(handler, connector: Connector, notification: Notification, entity: dict[str, Any], cid: str,
             result: NotificationsResult) -> tuple[str, str]:
    fields = mapping.invoice_status_fields(entity) if notification.entity_set == mapping.SALES_INVOICES else entity
    event = ParsedEvent(key=notification.key, object_type=notification.entity_set, domain="handled",
                        change_type="UPSERT", record_ids=[notification.record_id], fields=fields,
                        committed_at=mapping.parse_timestamp(entity.get("lastModifiedDateTime")), origin="",
                        raw={**notification.raw, "occurred_at": entity.get("lastModifiedDateTime")})
    try:
        with transaction.atomic():
            handler(event=event, correlation_id=cid)
    except ValueError as error:  # the handler refused the entity: kept, failed, with why
        result.unreadable += 1
        return EventStatus.FAILED, f"{type(error).__name__}: {error}"
    return EventStatus.PROCESSED, ""


def _deleted(source: SourceSystem, domain: str, notification: Notification, result: NotificationsResult,
             cid: str) -> None:
    held = SourceRecord.objects.filter(system=source, object_type=notification.entity_set,
                                       source_id=notification.record_id, is_deleted=False).first()
    if held is None:
        return  # never seen, or already deleted
    now = timezone.now()
    record = IncomingRecord(source_id=held.source_id, object_type=held.object_type, canonical=dict(held.canonical),
                            payload=dict(held.payload), source_version=f"deleted:{notification.modified_at}",
                            deleted=True,
                            source_updated_at=max(now, held.source_updated_at) if held.source_updated_at else now)
    result.summary.merge(source_records_ingest(system=SYSTEM, domain=domain, records=[record], correlation_id=cid))


def _sync_on_commit(domain: str) -> None:
    from connectors.tasks import sync_system

    transaction.on_commit(lambda: sync_system.delay(SYSTEM, domain))


# --- HTTP entry point -------------------------------------------------------------------------

def notifications_view(request):
    """POST /api/v1/events/dynamics/: the handshake (`?validationToken=`), or notifications."""
    from django.http import HttpResponse, JsonResponse

    token = request.GET.get("validationToken")
    if token is not None:
        # The handshake proves only that this URL answers: echo the token, as plain text.
        return HttpResponse(token[:1024], content_type="text/plain; charset=utf-8", status=200)
    if request.method != "POST":
        return JsonResponse({"detail": "POST Business Central notifications here"}, status=405)
    if not SourceSystem.objects.filter(name=SYSTEM).exists():
        return JsonResponse({"detail": f"unknown system {SYSTEM!r}"}, status=404)
    try:
        result = notifications_receive(body=request.body)
    except SignatureError as error:
        return JsonResponse({"detail": str(error)}, status=401)
    except EventPayloadError as error:
        return JsonResponse({"detail": "bad notifications; nothing was stored", "reasons": error.reasons}, status=400)
    except ConnectorError as error:
        # Business Central could not be read back: 503 makes it send these again later.
        log.warning("Business Central notifications not taken: %s", error)
        return JsonResponse({"detail": f"Business Central could not be read: {error}"},
                            status=503 if error.retryable else 502)
    return JsonResponse(result.as_dict(), status=200)
