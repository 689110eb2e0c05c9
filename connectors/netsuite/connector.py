"""The NetSuite connector: pulls customers, sales orders (contracts) and jobs (projects) with
SuiteQL in (lastmodifieddate, id) order; pushes golden records back by upsert on externalId.

Watermark: ``<lastmodifieddate ISO 8601 UTC>|<internal id>`` of the last row of a page, e.g.
``2026-06-01T10:15:00Z|1042``. Each page is its own keyset query, ``lastmodifieddate > t OR
(lastmodifieddate = t AND id > n)`` with offset 0, so:
  - the 100,000-row offset cap of SuiteQL is never reached, however many rows changed;
  - a row modified while we read moves behind the watermark and is read later, instead of
    shifting an unread row out of an offset window (offset paging would skip that row);
  - rows sharing a timestamp across a page boundary are neither skipped nor read twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from connectors.base import Connector, ConnectorError, HeldRecord, Page, UpsertResult, register
from connectors.netsuite import mapping
from connectors.netsuite.client import NetSuiteClient
from mdm.records import IncomingRecord

COLUMNS = {
    mapping.CUSTOMER: ["id", "lastmodifieddate", "entityid", "companyname", "email", "phone", "url", "vatregnumber",
                       "billaddr1", "billcity", "billzip", "billcountry", "category", "currency", "terms",
                       "creditholdoverride", "subsidiary", "parent", "isinactive", "externalid"],
    mapping.SALES_ORDER: ["id", "lastmodifieddate", "tranid", "entity", "memo", "status", "startdate", "enddate",
                          "total", "currency", "custbody_billing_type", "externalid"],
    mapping.JOB: ["id", "lastmodifieddate", "entityid", "companyname", "parent", "custentity_sales_order",
                  "entitystatus", "startdate", "projectedenddate", "projectmanager", "custentity_service_line",
                  "jobbillingtype", "custentity_budget", "externalid"],
}
MAX_LIMIT = 1000
# What a push writes as a reference, and the table it points into (reconciliation reads it back
# as the externalId of the row it points at); what it writes by name ({"refName": ...}).
REFERENCE_TABLES = {"parent": "customer", "entity": "customer", "custentity_sales_order": "salesorder"}
NAMED_COLUMNS = {"currency", "terms"}
# Dates come formatted by the user's preference (M/D/YYYY, D.M.YYYY ...) unless asked for: ask for
# ISO, so the hub never has to guess whether 3/1/2026 is March or January.
ISO_DATE = "TO_CHAR({0}, 'YYYY-MM-DD') AS {0}"
DATE_COLUMNS = {"startdate", "enddate", "projectedenddate"}


def select_list(object_type: str) -> str:
    return ", ".join(ISO_DATE.format(c) if c in DATE_COLUMNS else c for c in COLUMNS[object_type])


def watermark_format(stamp: datetime, record_id: str) -> str:
    return f"{stamp.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}|{record_id}"


def watermark_parse(watermark: str) -> tuple[datetime, int | None]:
    stamp_text, _, record_id = watermark.partition("|")
    stamp = mapping.parse_timestamp(stamp_text)
    if stamp is None or (record_id and not record_id.isdigit()):
        raise ConnectorError(f"unreadable NetSuite watermark {watermark!r}", retryable=False, code="watermark")
    return stamp, int(record_id) if record_id else None


def suiteql_after(object_type: str, after: tuple[datetime, int | None] | None) -> str:
    table = mapping.TABLES[object_type]
    where = ""
    if after:
        stamp, record_id = after
        literal = f"TO_TIMESTAMP('{stamp.astimezone(UTC).strftime('%Y-%m-%d %H:%M:%S')}', 'YYYY-MM-DD HH24:MI:SS')"
        where = (f" WHERE lastmodifieddate > {literal} OR (lastmodifieddate = {literal} AND id > {record_id})"
                 if record_id is not None else f" WHERE lastmodifieddate > {literal}")
    return f"SELECT {select_list(object_type)} FROM {table}{where} ORDER BY lastmodifieddate, id"


@register
class NetSuiteConnector(Connector):
    system = "netsuite"
    object_types = {"customer": [mapping.CUSTOMER], "contract": [mapping.SALES_ORDER], "project": [mapping.JOB]}
    pushes = frozenset(mapping.FROM_GOLDEN)

    def __init__(self, *, client: NetSuiteClient | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.client = client or NetSuiteClient(self.base_url, credentials=self.credentials,
                                               concurrency=self.concurrency, timeout=self.timeout)

    # -- pull -------------------------------------------------------------------------------
    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        if object_type not in mapping.TO_RECORD:
            raise ConnectorError(f"NetSuite connector does not pull {object_type}", retryable=False,
                                 code="unsupported")
        after = watermark_parse(watermark) if watermark else None
        limit = max(1, min(self.page_size, MAX_LIMIT))
        while True:
            body = self.client.suiteql(suiteql_after(object_type, after), limit=limit, offset=0)
            items = body.get("items") or []
            if not items:
                return
            page = self.page_of(domain, object_type, items)
            yield page
            if not body.get("hasMore"):
                return
            if page.next_watermark is None:
                raise ConnectorError(f"NetSuite {object_type} page without a readable (lastmodifieddate, id): "
                                     "cannot continue safely", retryable=False, code="watermark")
            next_after = watermark_parse(page.next_watermark)
            if after is not None and after[1] is not None and next_after <= after:
                raise ConnectorError("NetSuite returned rows out of (lastmodifieddate, id) order", retryable=False,
                                     code="order")
            after = next_after

    def page_of(self, domain: str, object_type: str, items: list[Any]) -> Page:
        records, rejects = [], []
        last: tuple[datetime, int] | None = None
        for raw in items:
            record, reason = mapping.to_record(object_type, raw)
            if record is None:
                rejects.append((raw if isinstance(raw, dict) else {"value": raw}, reason))
                continue
            if record.source_updated_at is not None and record.source_id.isdigit():
                key = (record.source_updated_at, int(record.source_id))
                last = max(last, key) if last else key
            records.append(record)
        return Page(domain=domain, object_type=object_type, records=records, rejects=rejects,
                    next_watermark=watermark_format(last[0], str(last[1])) if last else None)

    def map_record(self, *, object_type: str, payload: dict[str, Any]) -> IncomingRecord:
        """One raw record (e.g. a webhook's record) as the pull would map it."""
        record, reason = mapping.to_record(object_type, payload)
        if record is None:
            raise ValueError(reason)
        return record

    def deleted_since(self, *, domain: str, object_type: str, since: datetime) -> list[str]:
        """Ids of `object_type` deleted since `since`, from the deletedrecord table (keyset pages)."""
        table = mapping.TABLES.get(object_type, object_type)
        literal = since.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        after = f"deleteddate >= TO_TIMESTAMP('{literal}', 'YYYY-MM-DD HH24:MI:SS')"
        ids: list[str] = []
        while True:
            q = (f"SELECT id, recordid, deleteddate FROM deletedrecord WHERE recordtype = '{table}' AND ({after}) "
                 "ORDER BY deleteddate, id")
            body = self.client.suiteql(q, limit=max(1, min(self.page_size, MAX_LIMIT)), offset=0)
            items = body.get("items") or []
            ids.extend(str(item["recordid"]) for item in items if item.get("recordid"))
            if not body.get("hasMore") or not items:
                return ids
            last = items[-1]
            stamp = mapping.parse_timestamp(last.get("deleteddate"))
            if stamp is None or not str(last.get("id", "")).isdigit():
                raise ConnectorError("deletedrecord rows without a readable (deleteddate, id)", retryable=False,
                                     code="watermark")
            moment = f"TO_TIMESTAMP('{stamp.strftime('%Y-%m-%d %H:%M:%S')}', 'YYYY-MM-DD HH24:MI:SS')"
            after = f"deleteddate > {moment} OR (deleteddate = {moment} AND id > {int(last['id'])})"

    # -- push -------------------------------------------------------------------------------
    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        """Upsert by externalId. A golden record NetSuite itself contributed (delivery passes the
        internal ids in `_source_ids`) is written to that record, stamping externalId on it,
        rather than to a new twin."""
        if domain not in mapping.FROM_GOLDEN:
            raise ConnectorError(f"NetSuite takes no {domain} records", retryable=False, code="unsupported")
        record_type, to_fields = mapping.FROM_GOLDEN[domain]
        fields = to_fields(attributes)
        external_id = mapping.external_id_of(domain, golden_id, attributes)
        own = [str(i) for i in attributes.get("_source_ids") or [] if str(i).isdigit()]
        try:
            if own:
                try:
                    internal_id = self.client.update(record_type, own[0], {**fields, "externalId": str(golden_id)},
                                                     idempotency_key=idempotency_key)
                    return UpsertResult(external_id=internal_id or own[0], created=False)
                except ConnectorError as error:
                    # Deleted in NetSuite since, or a twin already carries the golden id: write by golden id.
                    if error.code not in ("NONEXISTENT_ID", "DUP_RCRD"):
                        raise
            internal_id = self.client.upsert(record_type, external_id, fields, idempotency_key=idempotency_key)
        except ConnectorError as error:
            if error.code == "INVALID_KEY_OR_REF" and "externalId" in str(error):
                # The record it refers to has not been delivered yet: a later attempt can succeed.
                raise ConnectorError(str(error), retryable=True, retry_after=60.0, code="REFERENCE_NOT_FOUND") \
                    from error
            raise
        # NetSuite answers an upsert with 204 either way: whether it created the record is not said.
        return UpsertResult(external_id=internal_id, created=False)

    # -- reconciliation ---------------------------------------------------------------------
    def outbound_fields(self, *, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """The push's fields (mapping.FROM_GOLDEN), keyed by their SuiteQL column (NetSuite's
        field names lowercased)."""
        if domain not in mapping.FROM_GOLDEN:
            raise ConnectorError(f"NetSuite takes no {domain} records", retryable=False, code="unsupported")
        _record_type, to_fields = mapping.FROM_GOLDEN[domain]
        return {name.lower(): value for name, value in to_fields(attributes).items()}

    def read_all(self, *, domain: str) -> Iterator[HeldRecord]:
        """Every row of the domain's table (SuiteQL keyset pages by id), references read back as
        the externalId of the row they point at."""
        if domain not in self.object_types:
            raise ConnectorError(f"NetSuite holds no {domain} records", retryable=False, code="unsupported")
        (record_type,) = self.object_types[domain]
        external_ids = {table: self._external_ids(table) for table in
                        {REFERENCE_TABLES[c] for c in COLUMNS[record_type] if c in REFERENCE_TABLES}}
        for row in self._rows(mapping.TABLES[record_type], select_list(record_type)):
            fields: dict[str, Any] = {}
            for column, value in row.items():
                if column in REFERENCE_TABLES:
                    value = {"externalId": external_ids[REFERENCE_TABLES[column]].get(str(value))} if value else None
                elif column in NAMED_COLUMNS and value is not None:
                    value = {"refName": value}
                fields[column] = value
            yield HeldRecord(source_id=str(row["id"]), golden_id=row.get("externalid") or None, fields=fields)

    def _rows(self, table: str, columns: str) -> Iterator[dict[str, Any]]:
        after = 0
        while True:
            body = self.client.suiteql(f"SELECT {columns} FROM {table} WHERE id > {after} ORDER BY id",
                                       limit=max(1, min(self.page_size, MAX_LIMIT)), offset=0)
            items = body.get("items") or []
            for item in items:
                yield {k: v for k, v in item.items() if k != "links"}
            if not body.get("hasMore") or not items:
                return
            last = str(items[-1].get("id", ""))
            if not last.isdigit() or int(last) <= after:
                raise ConnectorError(f"NetSuite {table} rows out of id order", retryable=False, code="order")
            after = int(last)

    def _external_ids(self, table: str) -> dict[str, str | None]:
        """Internal id -> externalId of every row of `table`."""
        return {str(row["id"]): row.get("externalid") or None for row in self._rows(table, "id, externalid")}
