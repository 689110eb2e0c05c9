"""Closed-won from the CRM: change events and pulls since a watermark each start a flow (once)."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime

from connectors.models import Watermark, is_connected
from mdm.models import SourceSystem
from orchestration import crm
from orchestration.services.common import policy
from orchestration.services.flows import flow_start


def opportunity_event_receive(*, system: str, event, correlation_id: str) -> int:
    """A CRM change event about opportunities (connectors.events hands it over): each one now
    Closed Won starts its flow (once)."""
    fields = event.fields or {}
    won = fields.get("StageName") == "Closed Won" or fields.get("IsWon") is True
    if event.change_type not in ("CREATE", "UPDATE", "UPSERT") or not won:
        return 0
    ids = event.record_ids or [str(fields.get("Id") or "")]
    started = 0
    for opportunity_id in filter(None, ids):
        _, created = flow_start(crm_system=system, opportunity_id=opportunity_id,
                                closed_won_at=event.committed_at, correlation_id=correlation_id,
                                actor="CRM change event")
        started += created
    return started


def closed_won_poll(*, crm_system: str | None = None) -> dict[str, int]:
    """Pull opportunities changed since the last poll from the CRM; start a flow for each one
    Closed Won. The first poll only notes where the CRM stands (config: first_pull_starts_at_latest)."""
    current_policy = policy()
    crm_system = crm_system or current_policy["crm"]
    if not is_connected(crm_system):
        return {"skipped": 1}
    system = SourceSystem.objects.get(name=crm_system)
    mark = Watermark.objects.filter(system=system, object_type="Opportunity").first()
    quiet = mark is None and current_policy.get("first_pull_starts_at_latest", True)
    start = mark.value if mark else None
    watermark, seen, started = start, 0, 0
    for summary, reached in crm.won_opportunities(crm_system, start):
        seen, watermark = seen + 1, reached
        if summary["won"] and not quiet:
            _, created = flow_start(crm_system=crm_system, opportunity_id=summary["source_id"],
                                    closed_won_at=parse_datetime(summary.get("source_updated_at") or ""),
                                    actor="CRM pull")
            started += created
    if watermark:
        Watermark.objects.update_or_create(system=system, object_type="Opportunity", defaults={"value": watermark})
    return {"seen": seen, "started": started}

