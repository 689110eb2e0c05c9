"""Inbound change events: systems tell us what changed instead of waiting for the next pull.

Two shapes are accepted at POST /api/v1/events/<system>/, one event or a list:
- Salesforce Change Data Capture: {"data": {"payload": {"ChangeEventHeader": {...}, <changed fields>}}};
- a simple webhook: {"event_id": ..., "object_type": ..., "record": {<the whole record>}}.

The raw body is signed with the system's webhook secret, its time with it (Stripe's scheme):
`X-Concord-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>`. A request signed
longer ago than CONCORD_EVENTS_SIGNATURE_TOLERANCE_SECONDS (5 minutes) is refused, so a captured
one cannot be replayed once its event keys have left the dedup table. A bad or stale signature or
a bad payload writes nothing. Good events are stored once per event key
(a duplicate is accepted and ignored) and ingested in the same request: the sender learns about a
failure right away and retries (Salesforce relays and webhooks do), and no queue sits between an
accepted event and the hub.

An event caused by our own write (changeOrigin contains client=concord) is stored and not ingested:
it cannot start a write loop, and the next pull reconciles whatever it carried.

Order does not matter. A webhook carries the whole record with its source timestamp, and ingestion
keeps the newest. A CDC update carries only the changed fields: they are folded into the record's change state
(connectors.models.ChangeState) under last-writer-wins by commit timestamp, per field, so any arrival
order, duplicates included, converges on the same record; the fold is what gets ingested.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from connectors.base import Connector
from connectors.models import ChangeState, EventStatus, InboundEvent, connection_for, connection_settings
from mdm.bounded_json import JSONTooDeep, json_loads_bounded
from mdm.correlation import correlation
from mdm.models import SourceRecord, SourceSystem
from mdm.records import IncomingRecord, IngestSummary
from mdm.services.ingest import source_records_ingest
from mdm.services.quarantine import rejects_quarantine

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Concord-Signature"
ECHO_MARKER = "client=concord"  # our connectors send it (Sforce-Call-Options: client=concord, ...)
ECHO_NOTE = "echo of our own write: stored, not ingested"
FIELD_TIMES = "_concord_field_times"  # per-field commit times kept in the held payload (CDC merge)
CHANGE_TYPES = {"CREATE", "UPDATE", "DELETE", "UNDELETE"}
MAX_EVENTS = 1000


class SignatureError(Exception):
    pass


class EventPayloadError(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass
class ParsedEvent:
    key: str
    object_type: str
    domain: str
    change_type: str  # CREATE / UPDATE / DELETE / UNDELETE / GAP_... ; webhooks: UPSERT
    record_ids: list[str]
    fields: dict[str, Any]
    committed_at: datetime | None
    origin: str
    raw: dict[str, Any]

    @property
    def is_echo(self) -> bool:
        return ECHO_MARKER in self.origin


@dataclass
class EventsResult:
    accepted: int = 0
    duplicates: int = 0
    echoes: int = 0
    unreadable: int = 0  # accepted, but the connector could not map them: quarantined
    summary: IngestSummary = field(default_factory=IngestSummary)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "echoes": self.echoes,
                "unreadable": self.unreadable, "ingest": self.summary.as_dict()}


def signature_of(secret: str, body: bytes) -> str:
    """The untimed signature, `sha256=<hex HMAC-SHA256 of the body>`, accepted inbound only where
    CONCORD_EVENTS_ACCEPT_UNTIMED_SIGNATURES allows it (systems signing the old way)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _timed_digest(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    """`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>." + body>` (Stripe's scheme): the time is
    signed with the body, so a captured request is refused once it is older than the tolerance."""
    moment = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={moment},v1={_timed_digest(secret, moment, body)}"


def _signature_parts(header: str) -> tuple[int | None, list[str]]:
    """(t, [v1 digests]) of a timed signature; (None, []) when it is not one."""
    stamp, digests = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            stamp = int(value)
        elif name == "v1" and value:
            digests.append(value)  # several while a secret is being rotated
    return (stamp, digests) if stamp is not None and digests else (None, [])


def signature_verify(*, system: str, body: bytes, header: str | None, now: float | None = None) -> None:
    """Accept `t=...,v1=...` signed with the system's secret within the tolerance
    (CONCORD_EVENTS_SIGNATURE_TOLERANCE_SECONDS, either way, for clocks that disagree a little);
    an untimed `sha256=...` only while CONCORD_EVENTS_ACCEPT_UNTIMED_SIGNATURES says so."""
    secret = connection_settings(system)["webhook_secret"]
    if not secret:
        raise SignatureError(f"no webhook secret is configured for {system}")
    header = (header or "").strip()
    if header.startswith("sha256=") and settings.CONCORD_EVENTS_ACCEPT_UNTIMED_SIGNATURES:
        if hmac.compare_digest(signature_of(secret, body), header):
            return
        raise SignatureError(f"wrong {SIGNATURE_HEADER}")
    stamp, digests = _signature_parts(header)
    if stamp is None:
        raise SignatureError(f"missing or unreadable {SIGNATURE_HEADER}: sign as t=<unix seconds>,v1=<hex "
                             "HMAC-SHA256 of \"<t>.\" followed by the body>")
    age = (time.time() if now is None else now) - stamp
    tolerance = settings.CONCORD_EVENTS_SIGNATURE_TOLERANCE_SECONDS
    if abs(age) > tolerance:
        when = f"{age:.0f} s ago" if age > 0 else f"{-age:.0f} s ahead of this server's clock"
        raise SignatureError(f"{SIGNATURE_HEADER} was signed {when}, outside the {tolerance} s tolerance: "
                             "a replayed or long-delayed request (or a clock far off)")
    expected = _timed_digest(secret, stamp, body)
    if not any(hmac.compare_digest(expected, digest) for digest in digests):
        raise SignatureError(f"wrong {SIGNATURE_HEADER}")


# Object types that are no golden data but that another room acts on (orchestration: Salesforce
# opportunities reaching Closed Won, NetSuite invoice statuses): (system, object type) -> handler,
# called as handler(event=ParsedEvent, correlation_id=str) inside the receiving transaction.
_event_handlers: dict[tuple[str, str], Callable[..., Any]] = {}
HANDLED = "handled"  # the pseudo-domain of such events


def event_handler_register(system: str, object_type: str, handler: Callable[..., Any]) -> None:
    _event_handlers[(system, object_type)] = handler


def event_handler(system: str, object_type: str) -> Callable[..., Any] | None:
    """The handler another app registered for (system, object type), if any."""
    return _event_handlers.get((system, object_type))


def _domain_of(connector: Connector, object_type: str) -> str | None:
    if (connector.system, object_type) in _event_handlers:
        return HANDLED
    return next((domain for domain, types in connector.object_types.items() if object_type in types), None)


def _parse_one(connector: Connector, index: int, item: Any) -> tuple[ParsedEvent | None, list[str]]:
    where = f"event {index}"
    if not isinstance(item, dict):
        return None, [f"{where}: must be an object"]
    if "data" in item:
        payload = (item.get("data") or {}).get("payload") if isinstance(item.get("data"), dict) else None
        if not isinstance(payload, dict) or not isinstance(payload.get("ChangeEventHeader"), dict):
            return None, [f"{where}: data.payload.ChangeEventHeader is missing"]
        header = payload["ChangeEventHeader"]
        errors = []
        entity = header.get("entityName")
        if not isinstance(entity, str) or not entity:
            errors.append(f"{where}: entityName must be a non-empty string")
        ids = header.get("recordIds")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i.strip() for i in ids):
            errors.append(f"{where}: recordIds must be a non-empty list of ids")
        change = header.get("changeType")
        if not isinstance(change, str) or not (change in CHANGE_TYPES or change.startswith("GAP_")):
            errors.append(f"{where}: changeType must be one of {sorted(CHANGE_TYPES)} or GAP_*")
        stamp = header.get("commitTimestamp")
        if isinstance(stamp, bool) or not isinstance(stamp, int):
            errors.append(f"{where}: commitTimestamp must be epoch milliseconds")
        if not isinstance(header.get("transactionKey"), str) or not header.get("transactionKey"):
            errors.append(f"{where}: transactionKey must be a non-empty string")
        if isinstance(header.get("sequenceNumber"), bool) or not isinstance(header.get("sequenceNumber"), int):
            errors.append(f"{where}: sequenceNumber must be an integer")
        domain = _domain_of(connector, entity) if isinstance(entity, str) else None
        if isinstance(entity, str) and entity and domain is None:
            errors.append(f"{where}: {connector.system} does not sync {entity!r}")
        if errors:
            return None, errors
        fields = {k: v for k, v in payload.items() if k != "ChangeEventHeader"}
        return ParsedEvent(
            key=f"{header['transactionKey']}:{header['sequenceNumber']}"[:200], object_type=entity, domain=domain,
            change_type=change, record_ids=[i.strip() for i in ids], fields=fields,
            committed_at=datetime.fromtimestamp(stamp / 1000, tz=UTC), origin=str(header.get("changeOrigin") or ""),
            raw=item), []
    errors = []
    event_id, object_type, record = item.get("event_id"), item.get("object_type"), item.get("record")
    if not isinstance(event_id, (str, int)) or isinstance(event_id, bool) or not str(event_id).strip():
        errors.append(f"{where}: event_id is required")
    if not isinstance(object_type, str) or not object_type:
        errors.append(f"{where}: object_type is required")
    elif _domain_of(connector, object_type) is None:
        errors.append(f"{where}: {connector.system} does not sync {object_type!r}")
    if not isinstance(record, dict):
        errors.append(f"{where}: record must be an object")
    if errors:
        return None, errors
    return ParsedEvent(key=str(event_id)[:200], object_type=object_type, domain=_domain_of(connector, object_type),
                       change_type="DELETE" if item.get("deleted") is True else "UPSERT", record_ids=[],
                       fields=record, committed_at=None, origin=str(item.get("origin") or ""), raw=item), []


def events_parse(connector: Connector, body: bytes) -> list[ParsedEvent]:
    """Parse and check a request body; any problem refuses the whole body with every reason."""
    try:
        data = json_loads_bounded(body, max_depth=settings.CONCORD_API_MAX_JSON_DEPTH)
    except JSONTooDeep as error:
        raise EventPayloadError([f"body is {error}"]) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise EventPayloadError([f"body is not JSON: {error}"]) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise EventPayloadError(["no events"])
    if len(items) > MAX_EVENTS:
        raise EventPayloadError([f"at most {MAX_EVENTS} events per request"])
    parsed, reasons = [], []
    for index, item in enumerate(items):
        event, errors = _parse_one(connector, index, item)
        reasons.extend(errors)
        if event:
            parsed.append(event)
    if reasons:
        raise EventPayloadError(reasons)
    return parsed


def _map(connector: Connector, object_type: str, payload: dict[str, Any]) -> IncomingRecord:
    """The connector's own mapping of one raw record (the same one its pull uses)."""
    for name in ("record_from_event", "map_record"):
        mapper = getattr(connector, name, None)
        if mapper:
            return mapper(object_type=object_type, payload=payload)
    raise NotImplementedError(f"the {connector.system} connector cannot map event payloads")


DELETED = "__deleted"


def _stamp(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def lww_merge(values: dict[str, Any], times: dict[str, int], more: dict[str, Any],
              at_ms: int | dict[str, int]) -> None:
    """Fold fields into (values, times), in place: per field the later commit wins, ties broken by
    value. Commutative, associative and idempotent, so arrival order and duplicates do not matter."""
    for name, value in more.items():
        when = at_ms[name] if isinstance(at_ms, dict) else at_ms
        held = times.get(name)
        if held is None or when > held or (when == held and _stamp(value) > _stamp(values.get(name))):
            values[name], times[name] = value, when


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _change_state_fold(source: SourceSystem, event: ParsedEvent, record_id: str) -> ChangeState:
    """Fold one event (and what a pull last said) into the record's change state, under a row lock."""
    state, _ = ChangeState.objects.select_for_update().get_or_create(
        system=source, object_type=event.object_type, source_id=record_id)
    held = SourceRecord.objects.filter(system=source, object_type=event.object_type, source_id=record_id).first()
    if held is not None and held.source_updated_at:
        payload = {k: v for k, v in held.payload.items() if k != FIELD_TIMES}
        times = held.payload.get(FIELD_TIMES) or {}
        base = _ms(held.source_updated_at)
        lww_merge(state.values, state.times, payload, {k: times.get(k, base) for k in payload})
    at = _ms(event.committed_at)
    if event.change_type in ("DELETE", "UNDELETE"):
        lww_merge(state.values, state.times, {DELETED: event.change_type == "DELETE"}, at)
    else:
        lww_merge(state.values, state.times, {"Id": record_id, **event.fields}, at)
    state.save()
    return state


def _records_of(connector: Connector, source: SourceSystem, event: ParsedEvent) -> list[IncomingRecord]:
    if event.change_type.startswith("GAP_"):
        return []  # the event stream lost changes: the next incremental pull picks them up
    if event.change_type == "UPSERT":
        return [_map(connector, event.object_type, event.fields)]
    if not event.record_ids:  # a webhook deletion: the record as it was, flagged deleted
        return _webhook_deletion(connector, source, event)
    records = []
    for record_id in event.record_ids:
        state = _change_state_fold(source, event, record_id)
        fields = {k: v for k, v in state.values.items() if k != DELETED}
        if len(fields) <= 1 and state.values.get(DELETED):
            continue  # a deletion of something we never saw: nothing to delete yet
        mapped = _map(connector, event.object_type, fields)
        times = {k: v for k, v in state.times.items()}
        newest = max(times.values())
        records.append(dataclasses.replace(
            mapped, payload={**fields, FIELD_TIMES: {k: v for k, v in times.items() if k != DELETED}},
            source_updated_at=datetime.fromtimestamp(newest / 1000, tz=UTC),
            source_version=f"{sum(times.values()):020d}", deleted=bool(state.values.get(DELETED))))
    return records


def _webhook_deletion(connector: Connector, source: SourceSystem, event: ParsedEvent) -> list[IncomingRecord]:
    try:
        source_id = _map(connector, event.object_type, event.fields).source_id
    except Exception:  # noqa: BLE001 - a deletion may carry little more than the id
        source_id = next((str(event.fields[k]) for k in ("id", "Id", "internalId") if event.fields.get(k)), "")
    held = SourceRecord.objects.filter(system=source, object_type=event.object_type, source_id=source_id,
                                       is_deleted=False).first()
    if held is None:
        return []  # never seen, or already deleted
    now = timezone.now()
    return [IncomingRecord(source_id=held.source_id, object_type=held.object_type, canonical=dict(held.canonical),
                           payload=dict(held.payload), source_version=held.source_version, deleted=True,
                           source_updated_at=max(now, held.source_updated_at) if held.source_updated_at else now)]


def inbound_event_keep(*, system: SourceSystem, key: str, object_type: str, change_type: str,
                       payload: Any, correlation_id: str, **flags: Any) -> InboundEvent | None:
    """Store an arriving event once, by its key: None when the key was stored before (a
    re-delivery, which the caller counts and skips). Every receiver of events goes through here."""
    try:
        with transaction.atomic():
            return InboundEvent.objects.create(system=system, event_key=key, object_type=object_type[:60],
                                               change_type=change_type[:20], payload=payload,
                                               correlation_id=correlation_id, **flags)
    except IntegrityError:
        return None


def events_receive(*, system: str, body: bytes, signature: str | None,
                   connector: Connector | None = None) -> EventsResult:
    """Verify, parse, store and ingest a body of change events. Raises SignatureError or
    EventPayloadError before writing anything."""
    signature_verify(system=system, body=body, header=signature)
    connector = connector or connection_for(system)
    events = events_parse(connector, body)
    source = SourceSystem.objects.get(name=system)
    result = EventsResult()
    with correlation() as cid, transaction.atomic():
        for event in events:
            row = inbound_event_keep(system=source, key=event.key, object_type=event.object_type,
                                     change_type=event.change_type, payload=event.raw, correlation_id=cid,
                                     change_origin=event.origin[:255], is_echo=event.is_echo)
            if row is None:
                result.duplicates += 1
                continue
            result.accepted += 1
            if event.is_echo:
                # Our own write coming back: it tells the hub nothing it does not know, and its
                # values (possibly of an older revision) carry a newer timestamp than a user's
                # edit they may have overtaken. Kept for the record, never ingested: no loop.
                result.echoes += 1
                row.status, row.processed_at, row.error = EventStatus.PROCESSED, timezone.now(), ECHO_NOTE
                row.save(update_fields=["status", "processed_at", "error"])
                continue
            if event.domain == HANDLED:
                try:
                    with transaction.atomic():
                        _event_handlers[(system, event.object_type)](event=event, correlation_id=cid)
                    row.status, row.error = EventStatus.PROCESSED, ""
                except ValueError as error:  # the handler refused the payload: kept, failed, with why
                    row.status, row.error = EventStatus.FAILED, f"{type(error).__name__}: {error}"[:2000]
                    result.unreadable += 1
                row.processed_at = timezone.now()
                row.save(update_fields=["status", "processed_at", "error"])
                continue
            try:
                with transaction.atomic():
                    records = _records_of(connector, source, event)
            except Exception as error:  # noqa: BLE001 - the connector could not read it: quarantine, go on
                reason = f"unreadable {event.object_type} event: {type(error).__name__}: {error}"[:2000]
                rejects_quarantine(system=source, domain=event.domain, object_type=event.object_type,
                                   rejects=[(event.raw, reason)], correlation_id=cid)
                result.unreadable += 1
                row.status, row.processed_at, row.error = EventStatus.FAILED, timezone.now(), reason
                row.save(update_fields=["status", "processed_at", "error"])
                continue
            if records:
                result.summary.merge(source_records_ingest(system=system, domain=event.domain, records=records,
                                                           correlation_id=cid))
            row.status, row.processed_at = EventStatus.PROCESSED, timezone.now()
            row.save(update_fields=["status", "processed_at"])
    return result


def inbound_event_process(*, event_id: int, connector: Connector | None = None) -> str:
    """Ingest a stored event again (one that failed, or after a fix to the mapping)."""
    row = InboundEvent.objects.select_related("system").get(pk=event_id)
    connector = connector or connection_for(row.system.name)
    event, errors = _parse_one(connector, 0, row.payload)
    if errors:
        InboundEvent.objects.filter(pk=row.pk).update(status=EventStatus.FAILED, error="; ".join(errors))
        return EventStatus.FAILED
    with correlation(row.correlation_id or None) as cid, transaction.atomic():
        if event.domain == HANDLED:
            _event_handlers[(row.system.name, event.object_type)](event=event, correlation_id=cid)
            InboundEvent.objects.filter(pk=row.pk).update(status=EventStatus.PROCESSED, processed_at=timezone.now(),
                                                          error="")
            return EventStatus.PROCESSED
        records = _records_of(connector, row.system, event)
        if records:
            source_records_ingest(system=row.system.name, domain=event.domain, records=records, correlation_id=cid)
        InboundEvent.objects.filter(pk=row.pk).update(status=EventStatus.PROCESSED, processed_at=timezone.now(),
                                                      error="")
    return EventStatus.PROCESSED


# --- HTTP entry point -------------------------------------------------------------------------

def _json(status: int, body: dict[str, Any]):
    from django.http import JsonResponse

    return JsonResponse(body, status=status)


def events_view(request, system: str):
    """POST /api/v1/events/<system>/: verify the signature, then hand the body to events_receive."""
    if request.method != "POST":
        return _json(405, {"detail": "POST change events here"})
    if not SourceSystem.objects.filter(name=system).exists():
        return _json(404, {"detail": f"unknown system {system!r}"})
    try:
        result = events_receive(system=system, body=request.body, signature=request.headers.get(SIGNATURE_HEADER))
    except SignatureError as error:
        return _json(401, {"detail": str(error)})
    except EventPayloadError as error:
        return _json(400, {"detail": "bad events; nothing was stored", "reasons": error.reasons})
    except LookupError as error:  # no connector registered for this system
        return _json(404, {"detail": str(error)})
    return _json(200, result.as_dict())
