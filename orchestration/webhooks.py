"""Domain events for downstream consumers: published once per key, delivered to every active
subscription that wants the type, signed as inbound events are checked
(`X-Concord-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + raw body>`): the time is
signed with the body, so a consumer can refuse a captured delivery replayed later.

Delivery keeps the outbox's reliability rules and reuses its settings and back-off
(connectors.delivery): at least once; race-safe claims by conditional UPDATE with a lease; a 2xx
is delivered, 408/429/5xx and network errors back off with jitter (Retry-After honoured), other
4xx are dead at once; after CONCORD_OUTBOX_MAX_ATTEMPTS a delivery is dead until replayed.
Consumers deduplicate by the X-Concord-Delivery header (one id per event and subscription).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import requests
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from connectors.delivery import backoff_seconds, lease_seconds, max_attempts
from connectors.events import SIGNATURE_HEADER, signature_header
from mdm.correlation import current_correlation_id
from orchestration.models import DeliveryStatus, DomainEvent, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)
TIMEOUT = 10.0
RETRYABLE = {408, 429}


def domain_event_publish(*, event_type: str, key: str, payload: dict[str, Any]) -> DomainEvent:
    """Record the event (once per key) and a delivery for each subscription that wants it."""
    event = DomainEvent.objects.filter(key=key).first()
    if event is None:
        try:
            with transaction.atomic():
                event = DomainEvent.objects.create(event_type=event_type, key=key, payload=payload,
                                                   correlation_id=current_correlation_id())
        except IntegrityError:
            return DomainEvent.objects.get(key=key)
        subscriptions = [s for s in WebhookSubscription.objects.filter(active=True) if s.wants(event_type)]
        WebhookDelivery.objects.bulk_create([WebhookDelivery(subscription=s, event=event, next_attempt_at=timezone.now())
                                             for s in subscriptions], ignore_conflicts=True)
    return event


def body_of(event: DomainEvent) -> bytes:
    return json.dumps({"id": event.pk, "type": event.event_type, "key": event.key,
                       "created_at": event.created_at.isoformat(), "correlation_id": event.correlation_id,
                       "data": event.payload}, sort_keys=True, default=str).encode()


def _claim(limit: int) -> list[WebhookDelivery]:
    now = timezone.now()
    due = (Q(status=DeliveryStatus.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))) | Q(
        status=DeliveryStatus.DELIVERING, next_attempt_at__lte=now)  # lease ran out: the worker died
    claimed = []
    for row in WebhookDelivery.objects.filter(due, subscription__active=True).order_by("id")[:limit]:
        lease = timezone.now() + timedelta(seconds=lease_seconds())
        won = WebhookDelivery.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts).update(
            status=DeliveryStatus.DELIVERING, attempts=row.attempts + 1, next_attempt_at=lease)
        if won:
            row.status, row.attempts = DeliveryStatus.DELIVERING, row.attempts + 1
            claimed.append(row)
    return claimed


def _finish(row: WebhookDelivery, **values) -> None:
    WebhookDelivery.objects.filter(pk=row.pk, status=DeliveryStatus.DELIVERING, attempts=row.attempts).update(**values)


def webhooks_deliver(*, limit: int = 100, session: requests.Session | None = None) -> dict[str, int]:
    """Claim due deliveries and POST them. Returns counts per outcome."""
    session = session or requests.Session()
    counts = {"delivered": 0, "retried": 0, "dead": 0}
    for row in _claim(limit):
        row = WebhookDelivery.objects.select_related("subscription", "event").get(pk=row.pk)
        body = body_of(row.event)
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature_header(row.subscription.secret, body),
                   "X-Concord-Event": row.event.event_type, "X-Concord-Delivery": str(row.pk),
                   "X-Correlation-ID": row.event.correlation_id or ""}
        status, retry_after, error = None, None, ""
        try:
            response = session.post(row.subscription.url, data=body, headers=headers, timeout=TIMEOUT)
            status = response.status_code
            try:
                retry_after = float(response.headers.get("Retry-After")) if response.headers.get("Retry-After") \
                    else None
            except ValueError:
                retry_after = None
            error = "" if status < 300 else f"HTTP {status}: {response.text[:300]}"
        except requests.RequestException as failure:
            error = f"{type(failure).__name__}: {failure}"[:2000]
        if status is not None and 200 <= status < 300:
            _finish(row, status=DeliveryStatus.DELIVERED, delivered_at=timezone.now(), response_status=status,
                    last_error="", next_attempt_at=None)
            counts["delivered"] += 1
            continue
        retryable = status is None or status >= 500 or status in RETRYABLE
        if retryable and row.attempts < max_attempts():
            when = timezone.now() + timedelta(seconds=backoff_seconds(row.attempts, retry_after))
            _finish(row, status=DeliveryStatus.PENDING, next_attempt_at=when, last_error=error, response_status=status)
            counts["retried"] += 1
        else:
            _finish(row, status=DeliveryStatus.DEAD, next_attempt_at=None, last_error=error, response_status=status)
            counts["dead"] += 1
            log.error("webhook delivery %s of %s to %s is dead after %d attempts: %s", row.pk, row.event.key,
                      row.subscription.url, row.attempts, error)
    return counts


def webhooks_replay(*, ids: list[int]) -> int:
    """Dead deliveries go out again (pending, attempts reset)."""
    return WebhookDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.DEAD).update(
        status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
