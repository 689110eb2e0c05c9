"""The Salesforce connector: pulls Accounts, Contracts and Project__c records in SystemModstamp
order, pushes golden records back by upsert on the external id Concord_Id__c — in batches of up to 200 with
the composite collection upsert (PATCH /composite/sobjects/<SObject>/Concord_Id__c, allOrNone false).

Watermark: ``<SystemModstamp as ISO 8601 UTC with milliseconds>|<Id>`` of the last record of a
page, e.g. ``2026-06-01T10:15:00.000Z|001Dn0000000042AAE``. (SystemModstamp, Id) is unique and
totally ordered, so the next read asks for ``SystemModstamp > t OR (SystemModstamp = t AND
Id > id)``: records sharing a stamp across a page boundary are neither skipped nor read twice.
The pull uses queryAll, so records deleted since the watermark come back (IsDeleted = true) in
the same ordered stream and are reported as `deleted_source_ids`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Connector, ConnectorError, HeldRecord, Page, PushItem, PushOutcome, UpsertResult, register
from connectors.salesforce import mapping
from connectors.salesforce.client import RETRYABLE_CODES, SalesforceClient
from mdm.records import IncomingRecord

FIELDS = {
    mapping.ACCOUNT: ["Id", "IsDeleted", "SystemModstamp", "Name", "ParentId", "BillingStreet", "BillingCity",
                      "BillingPostalCode", "BillingCountry", "Phone", "Website", "Industry", "CurrencyIsoCode",
                      "Tax_Id__c", "Legal_Entity__c", "Email__c", "Payment_Terms__c", "Credit_Status__c"],
    mapping.CONTRACT: ["Id", "IsDeleted", "SystemModstamp", "ContractNumber", "Name", "AccountId", "Status",
                       "StartDate", "EndDate", "CurrencyIsoCode", "Total_Value__c", "Billing_Type__c"],
    mapping.PROJECT: ["Id", "IsDeleted", "SystemModstamp", "Name", "Project_Code__c", "Account__c", "Contract__c",
                      "Status__c", "Start_Date__c", "End_Date__c", "Project_Manager__c", "Service_Line__c",
                      "Billing_Type__c", "Budget__c"],
    mapping.OPPORTUNITY: ["Id", "IsDeleted", "SystemModstamp", "Name", "AccountId", "StageName", "Amount",
                          "CloseDate", "IsWon", "CurrencyIsoCode", "Billing_Type__c", "Service_Line__c", "ContractId"],
}
# What reconciliation reads: the pulled fields, the golden id we stamp, what only a push writes.
RECONCILE_FIELDS = {
    object_type: [*fields, mapping.EXTERNAL_ID] for object_type, fields in FIELDS.items()
    if object_type != mapping.OPPORTUNITY}
RECONCILE_FIELDS[mapping.ACCOUNT] += ["Last_Invoice_Number__c", "Last_Invoice_Status__c", "Last_Invoice_Total__c",
                                      "Last_Invoice_Date__c"]
# A push's relationship fields: (the id field holding it, the object it points into).
REFERENCES = {
    mapping.ACCOUNT: {"Parent": ("ParentId", mapping.ACCOUNT)},
    mapping.CONTRACT: {"Account": ("AccountId", mapping.ACCOUNT)},
    mapping.PROJECT: {"Account__r": ("Account__c", mapping.ACCOUNT), "Contract__r": ("Contract__c", mapping.CONTRACT)},
}
COLLECTION_SIZE = 200  # records per composite collection upsert, the API's limit
DELETED_WINDOW = timedelta(days=29)  # getDeleted looks back 30 days at most


def watermark_format(stamp: datetime, record_id: str) -> str:
    return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z|{record_id}"


def watermark_parse(watermark: str) -> tuple[datetime, str]:
    stamp_text, _, record_id = watermark.partition("|")
    stamp = mapping.parse_timestamp(stamp_text)
    if stamp is None:
        raise ConnectorError(f"unreadable Salesforce watermark {watermark!r}", retryable=False, code="watermark")
    return stamp, record_id


def soql_datetime(stamp: datetime) -> str:
    stamp = stamp.astimezone(UTC)
    if stamp.microsecond:
        return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def soql_after(object_type: str, watermark: str | None, fields: list[str] | None = None) -> str:
    """The SOQL that reads `object_type` after a watermark, in watermark order."""
    where = ""
    if watermark:
        stamp, record_id = watermark_parse(watermark)
        literal = soql_datetime(stamp)
        escaped = record_id.replace("\\", "\\\\").replace("'", "\\'")
        where = (f" WHERE SystemModstamp > {literal} OR (SystemModstamp = {literal} AND Id > '{escaped}')"
                 if record_id else f" WHERE SystemModstamp > {literal}")
    return f"SELECT {', '.join(fields or FIELDS[object_type])} FROM {object_type}{where} ORDER BY SystemModstamp, Id"


@register
class SalesforceConnector(Connector):
    system = "salesforce"
    object_types = {"customer": [mapping.ACCOUNT], "contract": [mapping.CONTRACT], "project": [mapping.PROJECT]}
    external_id_field = mapping.EXTERNAL_ID

    def __init__(self, *, client: SalesforceClient | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.client = client or SalesforceClient(self.base_url, credentials=self.credentials, timeout=self.timeout)

    # -- pull -------------------------------------------------------------------------------
    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        if object_type not in mapping.TO_RECORD:
            raise ConnectorError(f"Salesforce connector does not pull {object_type}", retryable=False,
                                 code="unsupported")
        soql = soql_after(object_type, watermark)
        for batch in self.client.query(soql, batch_size=self.page_size, include_deleted=True):
            if not batch:
                continue
            yield self.page_of(domain, object_type, batch)

    def page_of(self, domain: str, object_type: str, batch: list[Any]) -> Page:
        records, deleted, rejects = [], [], []
        last: tuple[datetime, str] | None = None
        for raw in batch:
            record, reason = mapping.to_record(object_type, raw)
            if record is None:
                rejects.append((raw if isinstance(raw, dict) else {"value": raw}, reason))
                continue
            if record.source_updated_at is not None:
                last = max(last, (record.source_updated_at, record.source_id)) if last else (
                    record.source_updated_at, record.source_id)
            if record.deleted:
                deleted.append(record.source_id)
            else:
                records.append(record)
        return Page(domain=domain, object_type=object_type, records=records, deleted_source_ids=deleted,
                    rejects=rejects, next_watermark=watermark_format(*last) if last else None)

    def map_record(self, *, object_type: str, payload: dict[str, Any]) -> IncomingRecord:
        """One raw record (e.g. a change event's merged fields) as the pull would map it."""
        record, reason = mapping.to_record(object_type, payload)
        if record is None:
            raise ValueError(reason)
        return record

    def opportunities(self, *, watermark: str | None = None, won_only: bool = True) -> Iterator[dict[str, Any]]:
        """Opportunities after a watermark as plain dicts (Closed Won only by default)."""
        for batch in self.client.query(soql_after(mapping.OPPORTUNITY, watermark), batch_size=self.page_size):
            for raw in batch:
                summary = mapping.opportunity_summary(raw)
                if summary["won"] or not won_only:
                    yield summary

    def deleted_since(self, *, domain: str, object_type: str, since: datetime) -> list[str]:
        now = datetime.now(UTC)
        start = max(since, now - DELETED_WINDOW)
        if start >= now:
            return []
        body = self.client.deleted(object_type, start, now)
        return [str(item["id"]) for item in body.get("deletedRecords") or [] if item.get("id")]

    # -- push -------------------------------------------------------------------------------
    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        """Upsert by Concord_Id__c. A golden record Salesforce itself contributed (delivery passes
        the Salesforce ids in `_source_ids`) is written to that record, stamping Concord_Id__c on
        it, rather than to a new twin."""
        if domain not in mapping.FROM_GOLDEN:
            raise ConnectorError(f"Salesforce takes no {domain} records", retryable=False, code="unsupported")
        object_type, to_fields = mapping.FROM_GOLDEN[domain]
        fields = to_fields(attributes)
        own = [str(i) for i in attributes.get("_source_ids") or [] if i]
        try:
            if own:
                try:
                    record_id, _ = self.client.upsert(object_type, "Id", own[0],
                                                      {**fields, self.external_id_field: str(golden_id)},
                                                      idempotency_key=idempotency_key)
                    return UpsertResult(external_id=record_id, created=False)
                except ConnectorError as error:
                    # Deleted in Salesforce since, or a twin already carries the golden id: write by golden id.
                    if error.code not in ("NOT_FOUND", "ENTITY_IS_DELETED", "DUPLICATE_VALUE"):
                        raise
            record_id, created = self.client.upsert(object_type, self.external_id_field, str(golden_id), fields,
                                                    idempotency_key=idempotency_key)
        except ConnectorError as error:
            if error.code == "INVALID_FIELD" and "Foreign key external ID" in str(error):
                # The record it refers to has not been delivered yet: a later attempt can succeed.
                raise ConnectorError(str(error), retryable=True, retry_after=60.0, code="REFERENCE_NOT_FOUND") \
                    from error
            raise
        return UpsertResult(external_id=record_id, created=created)

    push_batch_size = COLLECTION_SIZE

    def push_many(self, *, domain: str, items: list[PushItem]) -> list[PushOutcome]:
        """Upsert by Concord_Id__c, up to 200 records a call (composite collection upsert, allOrNone
        false: each record succeeds or fails alone). A record Salesforce contributed is written by
        its own Id, which a collection upsert does not accept ("only external ids"): those go one
        by one through `push`."""
        if domain not in mapping.FROM_GOLDEN:
            error = ConnectorError(f"Salesforce takes no {domain} records", retryable=False, code="unsupported")
            return [error] * len(items)
        object_type, to_fields = mapping.FROM_GOLDEN[domain]
        outcomes: dict[int, PushOutcome] = {}
        by_golden_id = []
        for index, item in enumerate(items):
            if any(item.attributes.get("_source_ids") or []):
                outcomes[index] = super().push_many(domain=domain, items=[item])[0]
            else:
                by_golden_id.append(index)
        for start in range(0, len(by_golden_id), COLLECTION_SIZE):
            chunk = by_golden_id[start:start + COLLECTION_SIZE]
            records = [{**to_fields(items[i].attributes), self.external_id_field: str(items[i].golden_id)}
                       for i in chunk]
            keys = ",".join(items[i].idempotency_key for i in chunk if items[i].idempotency_key)
            try:
                results = self.client.upsert_many(object_type, self.external_id_field, records,
                                                  idempotency_key=keys)
            except ConnectorError as error:  # the call itself failed (throttled, down): every record did
                results = [error] * len(chunk)
            if not isinstance(results, list) or len(results) != len(chunk):
                results = [ConnectorError(f"Salesforce answered a collection upsert of {len(chunk)} records with "
                                          f"{len(results) if isinstance(results, list) else 'no list'}",
                                          retryable=True, code="BAD_RESPONSE")] * len(chunk)
            for index, result in zip(chunk, results, strict=True):
                outcomes[index] = collection_outcome(result)
        return [outcomes[index] for index in range(len(items))]


    # -- reconciliation ---------------------------------------------------------------------
    def outbound_fields(self, *, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """The push's fields (mapping.FROM_GOLDEN), relationships as {Concord_Id__c: golden id}."""
        if domain not in mapping.FROM_GOLDEN:
            raise ConnectorError(f"Salesforce takes no {domain} records", retryable=False, code="unsupported")
        return mapping.FROM_GOLDEN[domain][1](attributes)

    def read_all(self, *, domain: str) -> Iterator[HeldRecord]:
        """Every live record of the domain's object (SOQL query, not queryAll), its lookups read
        back as the Concord_Id__c of the record they point at."""
        if domain not in mapping.FROM_GOLDEN:
            raise ConnectorError(f"Salesforce holds no {domain} records", retryable=False, code="unsupported")
        object_type = mapping.FROM_GOLDEN[domain][0]
        references = REFERENCES.get(object_type, {})
        golden_ids = {target: self._golden_ids(target) for _field, target in references.values()}
        soql = f"SELECT {', '.join(RECONCILE_FIELDS[object_type])} FROM {object_type} ORDER BY Id"
        for batch in self.client.query(soql, batch_size=self.page_size):
            for row in batch:
                fields = {k: v for k, v in row.items() if k != "attributes"}
                for name, (id_field, target) in references.items():
                    held = fields.pop(id_field, None)
                    fields[name] = {self.external_id_field: golden_ids[target].get(held)} if held else None
                yield HeldRecord(source_id=str(row["Id"]), golden_id=row.get(self.external_id_field) or None,
                                 fields=fields)

    def _golden_ids(self, object_type: str) -> dict[str, str | None]:
        """Salesforce Id -> Concord_Id__c of every live record of `object_type`."""
        soql = f"SELECT Id, {self.external_id_field} FROM {object_type} ORDER BY Id"
        return {row["Id"]: row.get(self.external_id_field) or None
                for batch in self.client.query(soql, batch_size=self.page_size) for row in batch}


def collection_outcome(result: dict[str, Any] | Exception) -> PushOutcome:
    """One record's entry of a collection upsert answer as an UpsertResult or a ConnectorError
    (retryable as the single upsert's would be: throttling, lock contention, a reference not yet
    delivered)."""
    if isinstance(result, Exception):
        return result
    if result.get("success") and result.get("id"):
        return UpsertResult(external_id=str(result["id"]), created=bool(result.get("created")))
    errors = result.get("errors") or [{}]
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str(first.get("statusCode") or first.get("errorCode") or "UNKNOWN_EXCEPTION")
    message = "; ".join(f"{e.get('statusCode') or e.get('errorCode')}: {e.get('message')}"
                        for e in errors if isinstance(e, dict))
    if code == "INVALID_FIELD" and "Foreign key external ID" in message:
        # The record it refers to has not been delivered yet: a later attempt can succeed.
        return ConnectorError(f"Salesforce: {message}", retryable=True, retry_after=60.0, code="REFERENCE_NOT_FOUND")
    return ConnectorError(f"Salesforce: {message}", retryable=code in RETRYABLE_CODES, code=code)
