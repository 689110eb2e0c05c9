"""What every part of a flow shares: the policy it runs under, the user that asks the council on
its behalf, its event log, and the golden records it adds to and reads from the hub."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from mdm.models import GoldenRecord, SourceRecord
from mdm.records import IncomingRecord
from mdm.services.ingest import source_records_ingest
from orchestration import rules
from orchestration.models import Flow, FlowEvent

log = logging.getLogger(__name__)

FLOWS_USER = "concord-flows"  # who asks the council on a flow's behalf
CHANGE_KIND = "flow"
ACTION_NEW_CUSTOMER = "flow_new_customer"
ACTION_EXCEPTION = "flow_exception"
# Object types of the source records a flow adds to the hub for its opportunity.
CONTRACT_FROM_OPPORTUNITY = "Opportunity"
PROJECT_FROM_TEMPLATE = "Opportunity:Project"
PROJECT_ACTIVATED = "project.activated"


class FlowError(Exception):
    """A flow action that cannot be done (e.g. replaying a flow that did not fail)."""


def policy() -> dict[str, Any]:
    """config/orchestration.toml, with settings.CONCORD_ORCHESTRATION laid over it (tests, deployments)."""
    values = rules.policy_read()
    values.update(getattr(settings, "CONCORD_ORCHESTRATION", None) or {})
    return values


def flows_user():
    user, _ = get_user_model().objects.get_or_create(username=FLOWS_USER, defaults={"is_active": False})
    return user


def flow_event(flow: Flow, kind: str, message: str = "", *, step: str = "", actor: str = "") -> None:
    FlowEvent.objects.create(flow=flow, kind=kind, message=message[:4000], step=step, actor=actor or "concord")


def flow_states(flow: Flow) -> dict[str, str]:
    return dict(flow.steps.values_list("name", "state"))


def flow_advance_on_commit(flow_id: int) -> None:
    """Advance the flow right after this transaction (the periodic task would, a few seconds later)."""
    # The one import kept inside a function: the task calls the flow engine and the engine queues
    # the task, a real cycle; the task module is only needed once a flow is to advance.
    from orchestration.tasks import advance_flow

    if getattr(settings, "CONCORD_FLOWS_ADVANCE_ON_COMMIT", True):
        transaction.on_commit(lambda: advance_flow.delay(flow_id))


def golden_of(system: str, object_type: str, source_id: str) -> str | None:
    return (SourceRecord.objects.filter(system__name=system, object_type=object_type, source_id=source_id,
                                        xref__isnull=False)
            .values_list("xref__golden_id", flat=True).first())


def golden_survivor(model: type[GoldenRecord], golden_id: str) -> GoldenRecord:
    """The golden record, following merges to the survivor."""
    record = model.objects.get(pk=golden_id)
    seen = {golden_id}
    while record.merged_into and record.merged_into not in seen:
        seen.add(record.merged_into)
        record = model.objects.get(pk=record.merged_into)
    return record


def source_record_ingest_for(flow: Flow, domain: str, record: IncomingRecord) -> str:
    """Ingest one source record for the flow and return the golden record it belongs to."""
    summary = source_records_ingest(system=flow.crm_system, domain=domain, records=[record],
                                    correlation_id=flow.correlation_id,
                                    reason=f"flow {flow.pk}: opportunity {flow.opportunity_id}")
    if summary.quarantined:
        raise ValueError(f"the CRM {record.object_type} {record.source_id} was quarantined: "
                         f"{summary.quarantined[0].reason}")
    golden_id = golden_of(flow.crm_system, record.object_type, record.source_id)
    if golden_id is None:
        raise LookupError(f"the CRM {record.object_type} {record.source_id} has no golden record")
    return golden_id

