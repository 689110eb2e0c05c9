"""Reading the CRM for a flow: the opportunity, its account and its contract, by id, through the
CRM's connector (Salesforce). Records come back as the connector's pull maps them, so what the
flow ingests is what a sync would have ingested."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import ConnectorError
from connectors.models import connection_for
from connectors.salesforce import mapping
from mdm.records import IncomingRecord


def _client(system: str):
    connector = connection_for(system)
    client = getattr(connector, "client", None)
    if client is None or not hasattr(client, "data_path"):
        raise ConnectorError(f"flows read opportunities from Salesforce; {system} is not supported as the CRM",
                             retryable=False, code="unsupported")
    return connector, client


def record_get(system: str, object_name: str, record_id: str) -> dict[str, Any]:
    _, client = _client(system)
    return client.request("GET", f"{client.data_path}/sobjects/{object_name}/{record_id}").json()


def opportunity_read(system: str, opportunity_id: str) -> dict[str, Any]:
    """The opportunity as plain JSON values (won, stage, amount, service line, ...)."""
    raw = record_get(system, mapping.OPPORTUNITY, opportunity_id)
    summary = mapping.opportunity_summary(raw)
    stamp = summary.pop("source_updated_at", None)
    summary["source_updated_at"] = stamp.isoformat() if stamp else None
    return summary


def account_record(system: str, account_id: str) -> IncomingRecord:
    record, reason = mapping.to_record(mapping.ACCOUNT, record_get(system, mapping.ACCOUNT, account_id))
    if record is None:
        raise ConnectorError(f"account {account_id}: {reason}", retryable=False, code="unreadable")
    return record


def contract_record(system: str, contract_id: str) -> IncomingRecord:
    record, reason = mapping.to_record(mapping.CONTRACT, record_get(system, mapping.CONTRACT, contract_id))
    if record is None:
        raise ConnectorError(f"contract {contract_id}: {reason}", retryable=False, code="unreadable")
    return record


def won_opportunities(system: str, watermark: str | None) -> Iterator[tuple[dict[str, Any], str]]:
    """Opportunities changed after `watermark`, each with the watermark that ends at it."""
    from connectors.salesforce.connector import watermark_format

    connector, _ = _client(system)
    for summary in connector.opportunities(watermark=watermark, won_only=False):
        stamp = summary.pop("source_updated_at", None)
        summary["source_updated_at"] = stamp.isoformat() if stamp else None
        yield summary, watermark_format(stamp, summary["source_id"]) if stamp else watermark
