"""Reconciliation: what a system holds, against what the hub would have it hold.

For one system and domain, every record the system holds is read through its connector
(`Connector.read_all`) and put beside the golden records the system subscribes to (policy
`sync_back`; merged ones aside, their survivor stands for them):
- **missing**: golden records no record there stands for;
- **extra**: records there the hub does not know — no golden id of ours on them, no id the system
  answered a delivery with, no source record of the hub's;
- **differing**: records whose values differ from what the hub would push: the latest revision's
  outbox document, as the connector maps it (`Connector.outbound_fields`), field by field.

A record there stands for a golden record by the golden id our pushes wrote on it, else by the id
the system answered when we delivered to it, else by the hub's cross-reference (it contributed the
golden record). Two records standing for one golden record are twins: reported, compared once (the
one carrying the golden id first). `repair` sends what is missing or differs again (a resend per
golden record, mdm's outbox_resend), except what already has a message on its way. Every run is
stored as a ReconciliationRun, with the first ids of each kind, for the dashboard and /metrics.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone

from connectors.base import Connector, HeldRecord
from connectors.delivery import document_attributes
from connectors.models import ReconciliationRun, SyncStatus, connection_for
from mdm.choices import GoldenStatus, OutboxStatus
from mdm.correlation import correlation
from mdm.models import OutboxMessage, OutboxPayload, SourceRecord, SourceSystem, golden_model
from mdm.services.outbox import outbound_payload, outbox_resend

log = logging.getLogger(__name__)
DETAILS = 50  # ids kept per kind on a run
CHUNK = 2000


# --- the comparison (plain data, no database) --------------------------------------------------

def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value if isinstance(value, (bool, int, float, Decimal)) else str(value).strip()


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def same_value(sent: Any, held: Any) -> bool:
    """Whether the system holds what was sent: blank is blank (None or ""), text is compared
    trimmed, a number with what reads as the same number (120000 and "120000.00"), a reference
    ({"externalId": ...}) field by field."""
    sent, held = _plain(sent), _plain(held)
    if isinstance(sent, dict) and isinstance(held, dict):
        return sent.keys() == held.keys() and all(same_value(sent[k], held[k]) for k in sent)
    if _is_number(sent) or _is_number(held):
        a, b = _number(sent), _number(held)
        return a is not None and a == b
    return sent == held


def differing_fields(sent: dict[str, Any], held: dict[str, Any]) -> list[str]:
    """The fields a push writes whose value the system does not hold."""
    return [name for name, value in sent.items() if not same_value(value, held.get(name))]


@dataclass
class Comparison:
    expected: int = 0
    held: int = 0
    missing: list[str] = field(default_factory=list)  # golden ids
    extra: list[str] = field(default_factory=list)  # the system's ids
    differing: list[tuple[str, str, list[str]]] = field(default_factory=list)  # golden id, system id, fields
    twins: list[tuple[str, str]] = field(default_factory=list)  # golden id, the system's id of the twin


@dataclass(frozen=True)
class Known:
    """What the hub knows of a system's records: every golden id of the domain (merged ones too),
    the ids the system answered deliveries with, and its source records, each to a golden id."""

    golden_ids: set[str]
    answered: dict[str, str]
    contributed: dict[str, str]

    def golden_of(self, record: HeldRecord) -> str | None:
        if record.golden_id and record.golden_id in self.golden_ids:
            return record.golden_id
        return self.answered.get(record.source_id) or self.contributed.get(record.source_id)


def compare(*, expected: dict[str, dict[str, Any]], held: Iterable[HeldRecord], known: Known,
            outbound: Callable[[dict[str, Any]], dict[str, Any]]) -> Comparison:
    """Put the records a system holds beside the golden records it should (their attributes, as
    the outbox would send them); `outbound` maps attributes to what a push writes."""
    result = Comparison(expected=len(expected))
    matched: dict[str, HeldRecord] = {}
    for record in held:
        result.held += 1
        golden_id = known.golden_of(record)
        if golden_id is None:
            result.extra.append(record.source_id)
        elif golden_id in expected:
            first = matched.get(golden_id)
            if first is None:
                matched[golden_id] = record
                continue
            stamped = record.golden_id == golden_id and first.golden_id != golden_id
            result.twins.append((golden_id, first.source_id if stamped else record.source_id))
            if stamped:
                matched[golden_id] = record
    for golden_id, attributes in expected.items():
        record = matched.get(golden_id)
        if record is None:
            result.missing.append(golden_id)
            continue
        fields = differing_fields(outbound(attributes), record.fields)
        if fields:
            result.differing.append((golden_id, record.source_id, fields))
    return result


# --- reading the hub's side --------------------------------------------------------------------

def _chunks(items: list, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def expected_attributes(domain: str) -> dict[str, dict[str, Any]]:
    """Each golden record of `domain` (merged ones aside) as the outbox would send its latest
    revision: its shared document, or the payload it would be given now when it has none."""
    model = golden_model(domain)
    rows = list(model.objects.exclude(record_status=GoldenStatus.MERGED).order_by("pk")
                .values_list("pk", "revision"))
    revisions = {f"{golden_id}:r{revision}": golden_id for golden_id, revision in rows}
    documents: dict[str, dict] = {}
    for chunk in _chunks(list(revisions)):
        for revision, payload in OutboxPayload.objects.filter(revision__in=chunk).values_list("revision", "payload"):
            documents[revisions[revision]] = payload
    without = [golden_id for golden_id, _revision in rows if golden_id not in documents]
    for chunk in _chunks(without):
        for record in model.objects.filter(pk__in=chunk):
            documents[record.pk] = outbound_payload(record)
    return {golden_id: document_attributes(documents[golden_id]) for golden_id, _revision in rows}


def known_records(source: SourceSystem, domain: str) -> Known:
    answered = dict(OutboxMessage.objects.filter(system=source, domain=domain, status=OutboxStatus.DELIVERED)
                    .exclude(external_id="").order_by("id").values_list("external_id", "golden_id"))
    contributed = dict(SourceRecord.objects.filter(system=source, domain=domain, is_deleted=False,
                                                   xref__isnull=False).values_list("source_id", "xref__golden_id"))
    return Known(golden_ids=set(golden_model(domain).objects.values_list("pk", flat=True)), answered=answered,
                 contributed=contributed)


def _on_their_way(source: SourceSystem, golden_ids: list[str]) -> set[str]:
    waiting = set()
    for chunk in _chunks(golden_ids):
        waiting.update(OutboxMessage.objects.filter(
            system=source, golden_id__in=chunk, status__in=[OutboxStatus.PENDING, OutboxStatus.DELIVERING, OutboxStatus.HELD])
            .values_list("golden_id", flat=True))
    return waiting


# --- the service -------------------------------------------------------------------------------

def reconcile_domains(system: str, connector: Connector) -> list[str]:
    """The domains of `system` that can be reconciled: those it subscribes to and its connector takes."""
    source = SourceSystem.objects.get(name=system)
    return [domain for domain in source.sync_back_domains if domain in connector.object_types]


def reconciliation_run(*, system: str, domain: str, repair: bool = False, connector: Connector | None = None,
                       progress: Callable[[int], None] | None = None) -> ReconciliationRun:
    """Compare what `system` holds of `domain` with the hub, store the run, and with `repair`
    send again what is missing there or differs. `progress` hears how many records were read."""
    connector = connector or connection_for(system)
    source = SourceSystem.objects.get(name=system)
    if not connector.can_reconcile():
        raise LookupError(f"the {system} connector cannot list what {system} holds: it cannot be reconciled")
    if domain not in reconcile_domains(system, connector):
        raise LookupError(f"{system} does not take golden {domain} records back (policy sync_back: "
                          f"{', '.join(source.sync_back_domains) or 'none'})")
    with correlation() as cid:
        run = ReconciliationRun.objects.create(system=source, domain=domain, repair=repair, correlation_id=cid)
        try:
            comparison = compare(expected=expected_attributes(domain), held=_counted(
                connector.read_all(domain=domain), progress), known=known_records(source, domain),
                outbound=lambda attributes: connector.outbound_fields(domain=domain, attributes=attributes))
            resent = _repair(source, domain, comparison, run) if repair else 0
        except Exception as error:
            run.status, run.finished_at = SyncStatus.FAILED, timezone.now()
            run.error = f"{type(error).__name__}: {error}"[:2000]
            run.save(update_fields=["status", "finished_at", "error"])
            raise
        _record(run, comparison, resent)
    return run


def _counted(records: Iterable[HeldRecord], progress: Callable[[int], None] | None) -> Iterable[HeldRecord]:
    for record in records:
        if progress:
            progress(1)
        yield record


def _repair(source: SourceSystem, domain: str, comparison: Comparison, run: ReconciliationRun) -> int:
    wrong = [*comparison.missing, *(golden_id for golden_id, _id, _fields in comparison.differing)]
    due = sorted(set(wrong) - _on_their_way(source, wrong))
    resent = outbox_resend(system=source, domain=domain, golden_ids=due, tag=f"reconcile{run.pk}")
    log.info("reconciliation of %s %s: %d sent again (%d already on their way)", source.name, domain, resent,
             len(set(wrong)) - len(due))
    return resent


def _record(run: ReconciliationRun, comparison: Comparison, resent: int) -> None:
    run.status, run.finished_at = SyncStatus.SUCCEEDED, timezone.now()
    run.expected, run.held, run.resent = comparison.expected, comparison.held, resent
    run.missing, run.extra, run.differing = (len(comparison.missing), len(comparison.extra),
                                             len(comparison.differing))
    run.details = {
        "missing": comparison.missing[:DETAILS], "extra": comparison.extra[:DETAILS],
        "differing": [{"golden_id": g, "source_id": s, "fields": f[:20]} for g, s, f in comparison.differing[:DETAILS]],
        "twins": [{"golden_id": g, "source_id": s} for g, s in comparison.twins[:DETAILS]],
        "twin_count": len(comparison.twins)}
    run.save()
    log.info("%s", run)
