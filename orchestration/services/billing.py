"""Billing schedules: written once per contract version to the billing system; change orders
(an amended contract) write the new version's schedule; delivered schedules are settled."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from mdm.correlation import correlation
from mdm.models import Contract, OutboxMessage
from mdm.services.golden import golden_values
from orchestration import machine, rules
from orchestration.models import BillingSchedule, Flow
from orchestration.outbound import delivery_of, message_ensure
from orchestration.services.common import flow_event, policy


def schedule_external_id(contract_id: str) -> str:
    return f"{contract_id}-billing"


def billing_schedule_send(*, contract: Contract, service_line: str, system: str,
                          current_policy: dict[str, Any], status: str = "active"):
    """Write the billing schedule of the contract's current version to `system` (once per version):
    (schedule row, outbox message)."""
    values = golden_values(contract)
    schedule = rules.billing_schedule(values, service_line=service_line, policy=current_policy)
    row, _ = BillingSchedule.objects.get_or_create(
        contract_id=contract.id, version=contract.version, system=system,
        defaults={"external_id": schedule_external_id(contract.id), "schedule": schedule})
    suffix = "" if status == "active" else f":{status}"
    payload = {"golden_id": row.external_id, "domain": "billing", "revision": contract.version,
               "record_status": "active", "attributes": {"contract": contract.id, "version": contract.version,
                                                         "schedule": row.schedule, "status": status}}
    message = message_ensure(system=system, domain="billing", golden_id=row.external_id, payload=payload,
                             key=f"{system}:{contract.id}:billing:v{contract.version}{suffix}")
    if row.outbox_message_id is None and status == "active":
        BillingSchedule.objects.filter(pk=row.pk).update(outbox_message_id=message.pk)
    return row, message


def change_orders_apply(*, contracts: list[Contract]) -> int:
    """Contracts amended after their flow wrote the billing schedule: write the new version's
    schedule (earlier versions' rows stay). Runs in the transaction that raised the version."""
    if not contracts:
        return 0
    by_id = {c.id: c for c in contracts}
    flows = list(Flow.objects.filter(contract_id__in=list(by_id), steps__name=machine.BILLING,
                                     steps__state=machine.DONE))
    if not flows:
        return 0
    current_policy = policy()
    written = 0
    for flow in flows:
        contract = by_id[flow.contract_id]
        latest = (BillingSchedule.objects.filter(contract_id=contract.id).order_by("-version")
                  .values_list("version", "system").first())
        if latest is None or latest[0] >= contract.version:
            continue
        with correlation(flow.correlation_id):
            row, message = billing_schedule_send(contract=contract, service_line=flow.opportunity["service_line"],
                                                 system=latest[1], current_policy=current_policy)
        flow_event(flow, "change_order", f"contract {contract.id} amended to version {contract.version}: billing "
                                     f"schedule v{row.version} sent (message {message.pk})", step=machine.BILLING)
        written += 1
    return written


def billing_schedules_settle() -> int:
    """Mark schedules whose outbox message was delivered (change orders are not flow steps)."""
    settled = 0
    for row in BillingSchedule.objects.filter(delivered_at__isnull=True, outbox_message_id__isnull=False):
        message = OutboxMessage.objects.filter(pk=row.outbox_message_id).first()
        if message is not None and delivery_of(message).state == "delivered":
            settled += BillingSchedule.objects.filter(pk=row.pk, delivered_at__isnull=True).update(
                delivered_at=timezone.now())
    return settled

