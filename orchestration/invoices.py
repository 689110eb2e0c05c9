"""Invoice status from the ERP back to the CRM account, event-driven.

The ERP posts an invoice change (NetSuite webhook at /api/v1/events/netsuite/, object_type
"invoice"); connectors.events hands it here. The invoice's customer is found through the hub
(the ERP customer's source record, or the golden id the ERP customer carries as external id);
the newest status per invoice is kept, and the CRM account gets it through the outbox: the golden
customer's values with the invoice fields added, on the account the CRM contributed.
An invoice whose customer the hub does not know is kept, blocked, with the reason.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from mdm.choices import OutboxStatus
from mdm.correlation import correlation
from mdm.models import Customer, OutboxMessage, SourceRecord
from mdm.services.outbox import outbound_payload
from mdm.timestamps import moment_or_none
from orchestration.models import InvoiceStatus
from orchestration.outbound import message_ensure

log = logging.getLogger(__name__)
GOLDEN_CUSTOMER = re.compile(r"^CUS-[0-9A-Z]{10}$")


_parse_moment = moment_or_none


def _customer_of(system: str, entity: str) -> str | None:
    golden = (SourceRecord.objects.filter(system__name=system, domain="customer", source_id=entity,
                                          xref__isnull=False).values_list("xref__golden_id", flat=True).first())
    if golden:
        return golden
    # A customer the hub wrote to the ERP carries its golden id as external id; the invoice names
    # it by internal id, which the delivery answered.
    return (OutboxMessage.objects.filter(system__name=system, domain="customer", external_id=entity,
                                         status=OutboxStatus.DELIVERED)
            .order_by("-id").values_list("golden_id", flat=True).first())


def invoice_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Checked invoice fields of a webhook record; raises ValueError naming what is wrong."""
    errors = []
    for name in ("id", "entity", "status"):
        if record.get(name) in (None, ""):
            errors.append(f"{name} is required")
    if errors:
        raise ValueError("invoice: " + "; ".join(errors))
    return {"invoice_id": str(record["id"]), "entity": str(record["entity"]), "status": str(record["status"])[:40],
            "number": str(record.get("tranid") or "")[:60], "total": str(record.get("total") or "")[:40],
            "currency": str(record.get("currency") or "")[:3], "trandate": str(record.get("trandate") or "")[:10]}


@transaction.atomic
def invoice_status_receive(*, system: str, record: dict[str, Any], reported_at: datetime | None,
                           crm: str = "salesforce", correlation_id: str = "") -> InvoiceStatus:
    """Keep the invoice's newest status and send it to the CRM account (older news is ignored)."""
    values = invoice_fields(record)
    reported_at = reported_at or timezone.now()
    with correlation(correlation_id or None) as cid:
        row = InvoiceStatus.objects.select_for_update().filter(system=system, invoice_id=values["invoice_id"]).first()
        if row is not None and row.reported_at > reported_at:
            return row  # an older event arriving late: the newer status stays
        if row is None:
            row = InvoiceStatus(system=system, invoice_id=values["invoice_id"])
        customer_id = _customer_of(system, values["entity"])
        invoiced_on = None
        try:
            invoiced_on = datetime.fromisoformat(values["trandate"]).date() if values["trandate"] else None
        except ValueError:
            invoiced_on = None
        row.number, row.status, row.total, row.currency = (values["number"], values["status"], values["total"],
                                                           values["currency"])
        row.invoiced_on, row.reported_at, row.correlation_id = invoiced_on, reported_at, cid
        row.customer_id = customer_id or ""
        row.blocked_reason = "" if customer_id else (
            f"{system} customer {values['entity']} is not known to the hub: no golden customer to update")
        row.save()
        if customer_id:
            row.outbox_message_id = invoice_status_send(row=row, crm=crm).pk
            row.save(update_fields=["outbox_message_id"])
        else:
            log.warning("invoice %s of %s blocked: %s", values["invoice_id"], system, row.blocked_reason)
    return row


def invoice_status_send(*, row: InvoiceStatus, crm: str, again: str = "") -> OutboxMessage:
    """The outbox message that writes the invoice status to the CRM account of its customer."""
    customer = Customer.objects.get(pk=row.customer_id)
    payload = outbound_payload(customer)
    payload["attributes"].update({"last_invoice_number": row.number or row.invoice_id,
                                  "last_invoice_status": row.status, "last_invoice_total": row.total or None,
                                  "last_invoice_date": row.invoiced_on.isoformat() if row.invoiced_on else None})
    stamp = row.reported_at.strftime("%Y%m%dT%H%M%S")
    key = f"{crm}:{customer.id}:invoice:{row.system}:{row.invoice_id}:{stamp}{again}"[:120]
    return message_ensure(system=crm, domain="customer", golden_id=customer.id, key=key, payload=payload)


def invoice_statuses_resend(*, crm: str = "salesforce") -> int:
    """An invoice message skipped because a newer customer revision overtook it (that revision does
    not carry the invoice fields) is written again."""
    count = 0
    for row in InvoiceStatus.objects.filter(outbox_message_id__isnull=False).exclude(customer_id=""):
        message = OutboxMessage.objects.filter(pk=row.outbox_message_id, status=OutboxStatus.DELIVERED,
                                               last_error__startswith="superseded").first()
        if message is None:
            continue
        again = f":again{message.pk}"
        row.outbox_message_id = invoice_status_send(row=row, crm=crm, again=again).pk
        row.save(update_fields=["outbox_message_id"])
        count += 1
    return count


def invoice_event_receive(*, system: str, event, correlation_id: str) -> None:
    """connectors.events hands invoice webhooks here (a deletion changes no status)."""
    if event.change_type == "DELETE":
        return
    invoice_status_receive(system=system, record=event.fields, reported_at=_parse_moment(event.raw.get("occurred_at")),
                           correlation_id=correlation_id)
