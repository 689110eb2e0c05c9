"""The Business Central connector: pulls customers, sales orders (contracts) and projects in
(lastModifiedDateTime, id) order; pushes golden records as idempotent upserts; reads sales
invoices (orchestration's invoice statuses) and time registration entries.

Watermark: ``<lastModifiedDateTime ISO 8601 UTC with milliseconds>|<id>`` of the last entity of
a page. The next read filters ``lastModifiedDateTime gt t or (lastModifiedDateTime eq t and id
gt <id>)`` ordered by both, and pages with the service's own `@odata.nextLink`: entities sharing
a timestamp across a page boundary are neither skipped nor read twice.

Upserts find what Concord wrote before by the golden id it stamped (customers: `number`; sales
orders and projects: `externalDocumentNumber`), or the entity Business Central contributed
(delivery's `_source_ids`); otherwise they create. A re-delivered message therefore finds its
entity and changes nothing. An update sends the entity's ETag in If-Match; when another user
changed it meanwhile (412) the entity is read again and the update tried once more.

Timesheet billing summaries (staffing) become general journal lines of one journal batch
(`timesheet_journal`, created when missing), each found again before anything is POSTed by the
digest of the summary's key it carries in `externalDocumentNumber` and `documentNumber`
(mapping.summary_document_number), or, once finance posted the batch, on the G/L entries: a summary
delivered again, after a crash between the POST and the outbox's acknowledgement, or replayed later,
finds its line and writes nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import Connector, ConnectorError, Page, UpsertResult, register
from connectors.dynamics import mapping
from connectors.dynamics.client import BusinessCentralClient, entity_path, odata_string
from mdm.records import IncomingRecord

log = logging.getLogger(__name__)

MAX_PAGE_SIZE = 20_000  # the API's own page cap
KEY_FIELDS = {mapping.CUSTOMERS: "number", mapping.SALES_ORDERS: "externalDocumentNumber",
              mapping.PROJECTS: "externalDocumentNumber"}
ENTITY_CHANGED = "Request_EntityChanged"
SAME_KEY = "Internal_EntityWithSameKeyExists"
# What the hub subscribes to: the golden domains' entity sets that notify, and sales invoices
# (invoice statuses for orchestration). Projects send no notifications: they are pulled.
WEBHOOK_SETS = (mapping.CUSTOMERS, mapping.SALES_ORDERS, mapping.SALES_INVOICES)
RENEW_WITHIN = timedelta(days=1)  # subscriptions live three days
# The general journal batch timesheet summaries go to, unless the connection names another
# (credentials `timesheet_journal`; a batch name is Code[10]).
TIMESHEET_JOURNAL, JOURNAL_CODE_LENGTH = "CONCORD", 10
NOT_FOUND = ("BadRequest_NotFound", "Internal_RecordNotFound")
# A referenced record the hub knows in Business Central: (domain, golden id) -> Business Central id.
ReferenceResolver = Callable[[str, str], str | None]


def watermark_format(stamp: datetime, record_id: str) -> str:
    stamp = stamp.astimezone(UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z|{record_id}"


def watermark_parse(watermark: str) -> tuple[datetime, str]:
    stamp_text, _, record_id = watermark.partition("|")
    stamp = mapping.parse_timestamp(stamp_text)
    if stamp is None:
        raise ConnectorError(f"unreadable Business Central watermark {watermark!r}", retryable=False,
                             code="watermark")
    return stamp, record_id


def filter_after(watermark: str | None) -> str:
    """The $filter that reads what changed after a watermark ('' reads everything)."""
    if not watermark:
        return ""
    stamp, record_id = watermark_parse(watermark)
    literal = watermark_format(stamp, "").rstrip("|")
    if not record_id:
        return f"lastModifiedDateTime gt {literal}"
    return (f"lastModifiedDateTime gt {literal} or (lastModifiedDateTime eq {literal} and id gt "
            f"{record_id})")


def hub_reference(domain: str, golden_id: str) -> str | None:
    """Business Central's id of a golden record, as the hub knows it: the entity Business Central
    contributed, or the id a delivery of it answered."""
    from mdm.choices import OutboxStatus
    from mdm.models import OutboxMessage, SourceRecord

    contributed = (SourceRecord.objects.filter(system__name=DynamicsConnector.system, domain=domain,
                                               xref__golden_id=golden_id, is_deleted=False)
                   .order_by("id").values_list("source_id", flat=True).first())
    if contributed:
        return contributed
    return (OutboxMessage.objects.filter(system__name=DynamicsConnector.system, domain=domain, golden_id=golden_id,
                                         status=OutboxStatus.DELIVERED).exclude(external_id="")
            .order_by("-id").values_list("external_id", flat=True).first())


@register
class DynamicsConnector(Connector):
    system = "dynamics"
    object_types = {"customer": [mapping.CUSTOMERS], "contract": [mapping.SALES_ORDERS],
                    "project": [mapping.PROJECTS]}
    pushes = frozenset(mapping.FROM_GOLDEN) | {"timesheet"}  # golden records, and billing summaries

    def __init__(self, *, client: BusinessCentralClient | None = None,
                 reference_resolver: ReferenceResolver | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.client = client or BusinessCentralClient(self.base_url, credentials=self.credentials,
                                                      timeout=self.timeout)
        self.reference_resolver = reference_resolver or hub_reference
        self._company: dict[str, Any] | None = None

    # -- the company (one legal entity) -----------------------------------------------------
    @property
    def company(self) -> dict[str, Any]:
        """The company named by credentials `company` (its id or its name); the only one if unnamed."""
        if self._company is None:
            wanted = str(self.credentials.get("company") or "").strip()
            companies = self.client.companies()
            found = [c for c in companies if wanted and wanted.lower() in (str(c.get("id")).lower(),
                                                                           str(c.get("name")).lower())]
            if not wanted and len(companies) == 1:
                found = companies
            if len(found) != 1:
                names = ", ".join(str(c.get("name")) for c in companies) or "none"
                raise ConnectorError(f"Business Central company {wanted or '(unnamed)'} not found among: {names} "
                                     "(CONCORD_DYNAMICS_COMPANY)", retryable=False, code="config")
            self._company = {"id": str(found[0]["id"]).lower(), "name": found[0].get("name")}
        return self._company

    def path(self, entity_set: str, record_id: str | None = None) -> str:
        return entity_path(self.company["id"], entity_set, record_id)

    # -- pull -------------------------------------------------------------------------------
    def pull(self, *, domain: str, object_type: str, watermark: str | None) -> Iterator[Page]:
        if object_type not in mapping.TO_RECORD:
            raise ConnectorError(f"Business Central connector does not pull {object_type}", retryable=False,
                                 code="unsupported")
        params = {"$orderby": "lastModifiedDateTime,id", "$select": ",".join(mapping.SELECT[object_type])}
        if watermark:
            params["$filter"] = filter_after(watermark)
        last_stamp: datetime | None = None
        for entities in self.client.pages(self.path(object_type), params=params,
                                          page_size=max(1, min(self.page_size, MAX_PAGE_SIZE))):
            if not entities:
                continue
            page = self.page_of(domain, object_type, entities)
            if page.next_watermark:
                stamp, _ = watermark_parse(page.next_watermark)
                if last_stamp is not None and stamp < last_stamp:
                    raise ConnectorError("Business Central returned entities out of lastModifiedDateTime order",
                                         retryable=False, code="order")
                last_stamp = stamp
            yield page

    def page_of(self, domain: str, object_type: str, entities: list[Any]) -> Page:
        records, rejects = [], []
        last: tuple[datetime, str] | None = None
        for raw in entities:
            record, reason = mapping.to_record(object_type, raw, self.company)
            if record is None:
                rejects.append((raw if isinstance(raw, dict) else {"value": raw}, reason))
                continue
            if record.source_updated_at is not None:
                last = (record.source_updated_at, record.source_id)  # the service's order is the watermark's
            records.append(record)
        return Page(domain=domain, object_type=object_type, records=records, rejects=rejects,
                    next_watermark=watermark_format(*last) if last else None)

    def map_record(self, *, object_type: str, payload: dict[str, Any]) -> IncomingRecord:
        """One entity (e.g. read for a webhook notification) as the pull would map it."""
        record, reason = mapping.to_record(object_type, payload, self.company)
        if record is None:
            raise ValueError(reason)
        return record

    def entity_get(self, entity_set: str, record_id: str) -> dict[str, Any] | None:
        """One entity of the company by id; None when it does not exist (any more)."""
        return self._get_or_none(self.path(entity_set, record_id))

    def _get_or_none(self, path: str) -> dict[str, Any] | None:
        try:
            return self.client.get(path)
        except ConnectorError as error:
            if error.code in NOT_FOUND:
                return None
            raise

    def time_entries(self, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Time registration entries changed since `since` (all without), as plain values."""
        params = {"$orderby": "lastModfiedDateTime,id"}
        if since is not None:
            params["$filter"] = f"lastModfiedDateTime gt {watermark_format(since, '').rstrip('|')}"
        for entities in self.client.pages(self.path(mapping.TIME_ENTRIES), params=params,
                                          page_size=max(1, min(self.page_size, MAX_PAGE_SIZE))):
            yield from (mapping.time_entry(raw) for raw in entities if isinstance(raw, dict))

    # -- webhooks ---------------------------------------------------------------------------
    def subscriptions_ensure(self, *, notification_url: str, client_state: str,
                             entity_sets: tuple[str, ...] = WEBHOOK_SETS, renew_within: timedelta = RENEW_WITHIN
                             ) -> dict[str, str]:
        """One live subscription per entity set to `notification_url`: created when missing,
        renewed (PATCH, which repeats the handshake) when it runs out within `renew_within`.
        Business Central calls the URL during this call: the hub must be serving it. Returns
        what was done per entity set (created, renewed, kept)."""
        if not client_state:
            raise ConnectorError("subscribing needs a client state: set CONCORD_DYNAMICS_WEBHOOK_SECRET",
                                 retryable=False, code="config")
        held = self.client.get("subscriptions").get("value") or []
        done = {}
        for entity_set in entity_sets:
            resource = f"api/v2.0/companies({self.company['id']})/{entity_set}"
            mine = next((s for s in held if s.get("notificationUrl") == notification_url
                         and str(s.get("resource", "")).lstrip("/").lower() == resource.lower()), None)
            if mine is None:
                self.client.create("subscriptions", {"notificationUrl": notification_url, "resource": f"/{resource}",
                                                     "clientState": client_state})
                done[entity_set] = "created"
                continue
            expires = mapping.parse_timestamp(mine.get("expirationDateTime"))
            if expires is None or expires - datetime.now(UTC) < renew_within or mine.get("clientState") != client_state:
                self.client.update(f"subscriptions('{mine['subscriptionId']}')",
                                   {"notificationUrl": notification_url, "clientState": client_state},
                                   etag=mine["@odata.etag"])
                done[entity_set] = "renewed"
            else:
                done[entity_set] = "kept"
        return done

    # -- push -------------------------------------------------------------------------------
    def push(self, *, domain: str, golden_id: str, attributes: dict[str, Any], idempotency_key: str,
             correlation_id: str) -> UpsertResult:
        if domain == "timesheet":
            return self.summary_push(attributes)
        if domain not in mapping.FROM_GOLDEN:
            raise ConnectorError(f"Business Central takes no {domain} records", retryable=False, code="unsupported")
        entity_set, to_fields = mapping.FROM_GOLDEN[domain]
        fields = {**to_fields(attributes), **self._references(domain, attributes)}
        held = self._held(entity_set, golden_id, attributes)
        if held is None:
            created = self._create(entity_set, domain, golden_id, fields, attributes)
            if created is not None:
                return UpsertResult(external_id=str(created["id"]).lower(), created=True)
            held = self._held(entity_set, golden_id, attributes)  # created meanwhile: update it
            if held is None:
                raise ConnectorError(f"Business Central refused a second {entity_set} numbered {golden_id} but "
                                     "shows none", retryable=True, code=SAME_KEY)
        entity = self._update(entity_set, held, fields)
        if domain == "contract":
            self._contract_value(entity, attributes)
        return UpsertResult(external_id=str(entity["id"]).lower(), created=False)

    def _references(self, domain: str, attributes: dict[str, Any]) -> dict[str, Any]:
        """Business Central ids of the customer (and contract) a record belongs to."""
        wanted = {"contract": [("customer", "customer", "customerId")],
                  "project": [("customer", "customer", "billToCustomerId"),
                              ("contract", "contract", "salesOrderId")]}.get(domain, [])
        fields = {}
        for attribute, ref_domain, field in wanted:
            golden = attributes.get(attribute)
            if not golden:
                continue
            bc_id = self.reference_resolver(ref_domain, str(golden)) or self._found_id(ref_domain, str(golden))
            if bc_id is None:
                # The record it refers to has not been delivered yet: a later attempt can succeed.
                raise ConnectorError(f"Business Central has no {ref_domain} {golden} yet", retryable=True,
                                     retry_after=60.0, code="REFERENCE_NOT_FOUND")
            fields[field] = bc_id
        return fields

    def _found_id(self, domain: str, golden_id: str) -> str | None:
        entity_set = mapping.FROM_GOLDEN[domain][0]
        found = self._find(entity_set, golden_id)
        return str(found["id"]).lower() if found else None

    def _find(self, entity_set: str, golden_id: str) -> dict[str, Any] | None:
        key = KEY_FIELDS[entity_set]
        body = self.client.request("GET", self.path(entity_set),
                                   params={"$filter": f"{key} eq {odata_string(golden_id)}", "$top": "1"}).json()
        values = body.get("value") or []
        return values[0] if values else None

    def _held(self, entity_set: str, golden_id: str, attributes: dict[str, Any]) -> dict[str, Any] | None:
        """The entity this golden record already is in Business Central, if any."""
        for own in attributes.get("_source_ids") or []:
            entity = self.entity_get(entity_set, str(own))
            if entity is not None:
                return entity
        return self._find(entity_set, golden_id)

    def _create(self, entity_set: str, domain: str, golden_id: str, fields: dict[str, Any],
                attributes: dict[str, Any]) -> dict[str, Any] | None:
        """POST a new entity carrying the golden id; None when one with that key exists already
        (an earlier attempt whose answer was lost)."""
        body = {**fields, KEY_FIELDS[entity_set]: golden_id}
        if domain == "project" and attributes.get("code") and len(str(attributes["code"])) <= mapping.NUMBER_LENGTH:
            body["number"] = str(attributes["code"])
        if domain == "contract" and mapping.contract_line(attributes):
            body["salesOrderLines"] = [mapping.contract_line(attributes)]
        if domain == "customer" and len(golden_id) > mapping.NUMBER_LENGTH:
            raise ConnectorError(f"golden id {golden_id} is longer than a Business Central number", retryable=False,
                                 code="config")
        try:
            return self.client.create(self.path(entity_set), body)
        except ConnectorError as error:
            if error.code != SAME_KEY:
                raise
            if domain == "project" and "number" in body and self._find(entity_set, golden_id) is None:
                # The project code is taken by another project: let Business Central number it.
                return self.client.create(self.path(entity_set), {k: v for k, v in body.items() if k != "number"})
            return None

    def _update(self, entity_set: str, entity: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
        return self._patch(lambda entity_id: self.path(entity_set, entity_id), entity, fields, what=entity_set)

    def _patch(self, path_of: Callable[[str], str], entity: dict[str, Any], fields: dict[str, Any], *,
               what: str) -> dict[str, Any]:
        """PATCH the fields that differ, with the entity's ETag; on 412 read it again, once."""
        for attempt in range(2):
            changed = {k: v for k, v in fields.items() if entity.get(k) != v}
            if not changed:
                return entity
            try:
                return self.client.update(path_of(entity["id"]), changed, etag=entity["@odata.etag"])
            except ConnectorError as error:
                if error.code != ENTITY_CHANGED or attempt:
                    raise
                log.info("Business Central %s %s changed meanwhile: read again", what, entity["id"])
                fresh = self._get_or_none(path_of(entity["id"]))
                if fresh is None:
                    raise ConnectorError(f"Business Central {what} {entity['id']} was deleted meanwhile",
                                         retryable=True, code="BadRequest_NotFound") from error
                entity = fresh
        return entity

    # -- timesheet billing summaries --------------------------------------------------------
    def summary_push(self, attributes: dict[str, Any]) -> UpsertResult:
        """A billing summary or adjustment as one line of the timesheet journal: looked for by its
        document number first (`$filter` on externalDocumentNumber; once the batch is posted, on
        the G/L entries' documentNumber), POSTed only when missing from both, PATCHed (with its
        ETag) only where it differs from what the summary says."""
        account = str(self.credentials.get("timesheet_account") or "").strip()
        if not account:
            raise ConnectorError("Business Central needs the G/L account timesheet summaries are posted to "
                                 "(CONCORD_DYNAMICS_TIMESHEET_ACCOUNT)", retryable=False, code="config")
        try:
            fields = mapping.time_summary_to_journal_line(attributes, account=account)
        except (KeyError, ValueError) as error:
            raise ConnectorError(f"an unusable timesheet summary: {error}", retryable=False, code="invalid") from error
        lines = f"{self.path(mapping.JOURNALS, self.timesheet_journal()['id'])}/{mapping.JOURNAL_LINES}"
        held = self._first(lines, f"externalDocumentNumber eq {odata_string(fields['externalDocumentNumber'])}")
        if held is None:
            # Posted by finance since: the line left the journal, its document number is on the G/L entries.
            number = odata_string(fields["documentNumber"])
            posted = self._first(self.path(mapping.GL_ENTRIES), f"documentNumber eq {number}")
            if posted is not None:
                return UpsertResult(external_id=str(posted["id"]).lower(), created=False)
            created = self.client.create(lines, fields)
            return UpsertResult(external_id=str(created["id"]).lower(), created=True)
        line = self._patch(lambda line_id: f"{lines}({line_id})", held, fields, what=mapping.JOURNAL_LINES)
        return UpsertResult(external_id=str(line["id"]).lower(), created=False)

    def timesheet_journal(self) -> dict[str, Any]:
        """The general journal batch summaries go to (credentials `timesheet_journal`, else
        CONCORD), created when missing — with credentials `timesheet_balancing_account` as its
        balancing account, where set. Read on every push: a batch deleted meanwhile is made again."""
        code = (str(self.credentials.get("timesheet_journal") or "").strip() or TIMESHEET_JOURNAL).upper()
        if len(code) > JOURNAL_CODE_LENGTH:
            raise ConnectorError(f"a Business Central journal batch is named in at most {JOURNAL_CODE_LENGTH} "
                                 f"characters, not {code!r} (CONCORD_DYNAMICS_TIMESHEET_JOURNAL)", retryable=False,
                                 code="config")
        found = self._first(self.path(mapping.JOURNALS), f"code eq {odata_string(code)}")
        if found is not None:
            return found
        body = {"code": code, "displayName": "Concord timesheet billing summaries"}
        balancing = str(self.credentials.get("timesheet_balancing_account") or "").strip()
        if balancing:
            body["balancingAccountNumber"] = balancing
        try:
            return self.client.create(self.path(mapping.JOURNALS), body)
        except ConnectorError as error:
            if error.code != SAME_KEY:
                raise
        found = self._first(self.path(mapping.JOURNALS), f"code eq {odata_string(code)}")  # made meanwhile
        if found is None:
            raise ConnectorError(f"Business Central refused a journal {code} but shows none", retryable=True,
                                 code=SAME_KEY)
        return found

    def _first(self, path: str, where: str) -> dict[str, Any] | None:
        values = self.client.request("GET", path, params={"$filter": where, "$top": "1"}).json().get("value") or []
        return values[0] if values else None

    def _contract_value(self, order: dict[str, Any], attributes: dict[str, Any]) -> None:
        """Totals are computed from lines: the contract's value lives on the order's one line."""
        line = mapping.contract_line(attributes)
        if line is None or _same_amount(order.get("totalAmountExcludingTax"), line["unitPrice"]):
            return
        lines_path = f"{self.path(mapping.SALES_ORDERS, order['id'])}/salesOrderLines"
        lines = self.client.get(lines_path).get("value") or []
        if not lines:
            self.client.create(lines_path, line)
        elif len(lines) == 1:
            self.client.update(f"{lines_path}({lines[0]['id']})", {"quantity": 1, "unitPrice": line["unitPrice"]},
                               etag=lines[0]["@odata.etag"])
        else:  # finance split the order into lines of its own: its lines are not ours to rewrite
            log.warning("Business Central sales order %s has %d lines: its value is left as finance set it",
                        order.get("number"), len(lines))


def _same_amount(a: Any, b: Any) -> bool:
    try:
        return round(float(a), 2) == round(float(b), 2)
    except (TypeError, ValueError):
        return False
