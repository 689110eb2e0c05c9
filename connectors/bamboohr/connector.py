"""The BambooHR connector: reads the employees changed since a watermark (BambooHR's
`/employees/changed?since=`, whose answer says how far it looked: `latest`) and each one's fields,
as resources. HR is read, never written: the hub writes nothing back to BambooHR."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.bamboohr import mapping
from connectors.bamboohr.client import BambooHRClient
from connectors.base import Connector, ConnectorError, HeldRecord, Page, UpsertResult, register

EPOCH = "1970-01-01T00:00:00Z"


@register
class BambooHRConnector(Connector):
    system = "bamboohr"
    object_types = {"resource": [mapping.EMPLOYEE]}

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.client = BambooHRClient(self.base_url, company=self.credentials.get("company", "concord"),
                                     api_key=self.credentials.get("token", ""), timeout=self.timeout)

    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        changed = self.client.changed_since(watermark or EPOCH)
        ids = sorted(changed.get("employees") or {}, key=lambda i: (len(i), i))
        latest = changed.get("latest") or watermark
        if not ids:
            yield Page(domain=domain, object_type=object_type, records=[], next_watermark=latest)
        for start in range(0, len(ids), self.page_size):
            chunk = ids[start:start + self.page_size]
            records, rejects, deleted = [], [], []
            for employee_id in chunk:
                if (changed["employees"][employee_id] or {}).get("action") == "Deleted":
                    deleted.append(employee_id)
                    continue
                row = self.client.employee(employee_id)
                try:
                    records.append(mapping.employee_to_record(row))
                except (KeyError, TypeError, ValueError) as error:
                    rejects.append((row, f"unreadable employee: {error}"))
            last = start + self.page_size >= len(ids)
            # The watermark moves only with the last page: a sync that stops half way reads again.
            yield Page(domain=domain, object_type=object_type, records=records, rejects=rejects,
                       deleted_source_ids=deleted, next_watermark=latest if last else watermark)

    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        raise ConnectorError("BambooHR is read, not written, by the hub", retryable=False, code="unsupported")

    def read_all(self, *, domain: str) -> Iterator[HeldRecord]:
        for row in self.client.directory().get("employees", []):
            yield HeldRecord(source_id=str(row["id"]), golden_id=None,
                             fields={"name": row.get("displayName"), "email": row.get("workEmail")})

    def outbound_fields(self, *, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        return {"name": attributes.get("name"), "email": attributes.get("email")}
