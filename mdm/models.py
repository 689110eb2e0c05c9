"""The hub's data: systems, source records, golden records, cross-references, overrides,
quarantine and the outbox. Services in mdm.services are the only writers."""

from __future__ import annotations

import secrets
import time

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from mdm.choices import (
    Domain,
    GoldenStatus,
    OutboxStatus,
    OverrideMode,
    QuarantineStatus,
    RuleKind,
    SystemKind,
)
from mdm.lineage import lineage_unpack

_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


# The first two of an id's ten characters follow the clock: a tick of 4 seconds, wrapping after
# 1,024 ticks (68 minutes). Ids issued together then sit together in every index keyed by golden id
# (the record's own, history, cross-references, blocking keys, outbox), so a bulk load writes to a
# few index pages instead of to random places all over them; with fully random ids the pages a
# batch dirtied grew with the hub and ingestion slowed by a third between 10,000 and 100,000
# records held. The other 40 bits are random; over a hub's life all ticks fill alike, so ids are as
# unlikely to collide as 50 random bits, and ingestion checks a batch's new ids anyway
# (`unused_golden_ids`).
_TICK_SECONDS = 4
_TICKS = 1024


def new_golden_id(prefix: str, now: float | None = None) -> str:
    tick = int((time.time() if now is None else now) // _TICK_SECONDS) % _TICKS
    bits = tick << 40 | secrets.randbits(40)  # one system-random draw, not ten
    return prefix + "-" + "".join(_ID_ALPHABET[(bits >> shift) & 31] for shift in range(45, -5, -5))


class SourceSystem(models.Model):
    """A system that says things about customers, contracts or projects."""

    name = models.SlugField(max_length=40, unique=True)
    display_name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=SystemKind.choices)
    is_active = models.BooleanField(default=True)
    sync_back_domains = models.JSONField(default=list, blank=True,
                                         help_text="Domains whose golden records are written back to this system.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name or self.name


class SurvivorshipRule(models.Model):
    """How one attribute of a domain is decided. attribute '*' is the domain's default."""

    domain = models.CharField(max_length=10, choices=Domain.choices)
    attribute = models.CharField(max_length=40, default="*")
    rule = models.CharField(max_length=10, choices=RuleKind.choices, default=RuleKind.TRUST)
    trust_order = models.JSONField(default=list, blank=True, help_text="System names, most trusted first.")
    policy_version = models.PositiveIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        unique_together = [("domain", "attribute")]
        ordering = ["domain", "attribute"]

    def __str__(self) -> str:
        return f"{self.domain}.{self.attribute}: {self.rule}"


class SourceRecord(models.Model):
    """What one system currently says about one object: the newest version we hold."""

    # Found by system through the source_record_key constraint, which leads with it.
    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="source_records", db_index=False)
    domain = models.CharField(max_length=10, choices=Domain.choices)
    object_type = models.CharField(max_length=60)
    source_id = models.CharField(max_length=120)
    payload = models.JSONField(default=dict)
    canonical = models.JSONField(default=dict, help_text="Standardized canonical values.")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    source_version = models.CharField(max_length=80, blank=True)
    content_hash = models.CharField(max_length=40)
    received_at = models.DateTimeField()
    is_deleted = models.BooleanField(default=False)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["system", "object_type", "source_id"], name="source_record_key"),
        ]
        # The source id leads (lookups select on it); a leading system or domain column matches
        # every row and misleads the planner after a bulk load.
        indexes = [models.Index(fields=["source_id", "system", "domain"], name="source_record_by_source_id")]

    def __str__(self) -> str:
        return f"{self.system.name}:{self.object_type}:{self.source_id}"


class SourceRecordVersion(models.Model):
    """Earlier versions of a source record: those a newer one replaced (applied) and older ones
    that arrived after a newer one (never applied). The current version lives on SourceRecord."""

    source_record = models.ForeignKey(SourceRecord, on_delete=models.CASCADE, related_name="versions")
    content_hash = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    canonical = models.JSONField(default=dict)
    source_updated_at = models.DateTimeField(null=True, blank=True)
    source_version = models.CharField(max_length=80, blank=True)
    received_at = models.DateTimeField()
    applied = models.BooleanField(default=True, help_text="False: older than the version already held.")
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source_record", "content_hash"], name="source_record_version_once"),
        ]
        ordering = ["-source_updated_at", "-id"]


class CrossReference(models.Model):
    """Which golden record a source record contributes to."""

    source_record = models.OneToOneField(SourceRecord, on_delete=models.CASCADE, related_name="xref")
    domain = models.CharField(max_length=10, choices=Domain.choices)
    golden_id = models.CharField(max_length=24, db_index=True)
    linked_by = models.CharField(max_length=80, help_text="The rule, model or steward that made the link.")
    score = models.FloatField(null=True, blank=True)
    linked_at = models.DateTimeField(auto_now=True)
    original_golden_id = models.CharField(max_length=24, blank=True,
                                          help_text="The golden record this source first created or joined.")
    history = HistoricalRecords(no_db_index=["golden_id", "source_record"])  # read by id and time only

    def __str__(self) -> str:
        return f"{self.source_record_id} -> {self.golden_id}"


# A golden record's history is read by record (id) and time, never searched by attribute: the
# indexes the live table is searched by (status, tax id, number, references) are left off its
# history, where each cost every bulk-loaded row another index entry for no reader. The matcher's
# keys are its own bookkeeping, not the record's history.
HISTORY_UNINDEXED = ["record_status", "merged_into"]
HISTORY_EXCLUDED = ["match_key", "alt_match_key"]


class GoldenRecord(models.Model):
    """Shared shape of every golden record: a stable id, a status, lineage and a revision."""

    ID_PREFIX = "GLD"
    domain: str = ""

    id = models.CharField(max_length=24, primary_key=True, editable=False)
    record_status = models.CharField(max_length=10, choices=GoldenStatus.choices, default=GoldenStatus.ACTIVE,
                                     db_index=True, help_text="The record's life in the hub (merged, retired).")
    merged_into = models.CharField(max_length=24, blank=True, db_index=True)
    lineage = models.JSONField(default=dict, blank=True,
                               help_text="Per attribute: system, source record, rule and time that gave the value "
                                         "(packed: read it through lineage_entries / mdm.lineage.lineage_unpack).")
    revision = models.PositiveIntegerField(default=1, help_text="Raised on every change; keys outbound messages.")
    match_key = models.CharField(max_length=255, blank=True, db_index=True)
    alt_match_key = models.CharField(max_length=255, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.id:
            self.id = new_golden_id(self.ID_PREFIX)
        super().save(*args, **kwargs)

    @property
    def lineage_entries(self) -> dict[str, dict]:
        """The lineage of each attribute: value, rule, system, source record, source id, when."""
        return lineage_unpack(self.lineage)


class Customer(GoldenRecord):
    """The golden record of a customer."""

    ID_PREFIX = "CUS"
    domain = Domain.CUSTOMER

    name = models.CharField(max_length=255)
    trading_name = models.CharField(max_length=255, blank=True, help_text="The name it trades under (DBA, t/a), "
                                    "where a system keeps it apart from the legal name.")
    tax_id = models.CharField(max_length=40, blank=True, db_index=True)
    country = models.CharField(max_length=2, blank=True)
    city = models.CharField(max_length=120, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    address_line1 = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=100, blank=True, help_text="E.164; several numbers separated by ' / '.")
    email = models.CharField(max_length=254, blank=True)
    website = models.CharField(max_length=255, blank=True)
    industry = models.CharField(max_length=120, blank=True)
    legal_entity = models.CharField(max_length=120, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    payment_terms = models.CharField(max_length=60, blank=True)
    credit_status = models.CharField(max_length=12, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    history = HistoricalRecords(excluded_fields=HISTORY_EXCLUDED, no_db_index=[*HISTORY_UNINDEXED, "tax_id", "parent"])

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"], name="customer_name")]
        permissions = [("approve_customer", "Can approve governed customer changes")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Contract(GoldenRecord):
    """The golden record of a contract; `version` rises with every amendment."""

    ID_PREFIX = "CTR"
    domain = Domain.CONTRACT

    number = models.CharField(max_length=60, db_index=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="contracts")
    title = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=12, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    total_value = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    billing_type = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords(excluded_fields=HISTORY_EXCLUDED, no_db_index=[*HISTORY_UNINDEXED, "number", "customer"])

    class Meta:
        ordering = ["number", "id"]
        permissions = [("approve_contract", "Can approve governed contract changes")]

    def __str__(self) -> str:
        return f"{self.number} ({self.id})"



class Project(GoldenRecord):
    """The golden record of a project."""

    ID_PREFIX = "PRJ"
    domain = Domain.PROJECT

    code = models.CharField(max_length=60, blank=True, db_index=True)
    name = models.CharField(max_length=255, blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="projects")
    contract = models.ForeignKey(Contract, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="projects")
    status = models.CharField(max_length=12, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    project_manager = models.CharField(max_length=120, blank=True)
    service_line = models.CharField(max_length=120, blank=True)
    billing_type = models.CharField(max_length=20, blank=True)
    budget = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords(excluded_fields=HISTORY_EXCLUDED,
                                no_db_index=[*HISTORY_UNINDEXED, "code", "customer", "contract"])

    class Meta:
        ordering = ["code", "name", "id"]
        permissions = [("approve_project", "Can approve governed project changes")]

    def __str__(self) -> str:
        return f"{self.code or self.name} ({self.id})"


class Resource(GoldenRecord):
    """The golden record of a person who delivers work, employee or contractor (HR and PSA)."""

    ID_PREFIX = "RES"
    domain = Domain.RESOURCE

    name = models.CharField(max_length=255)
    email = models.CharField(max_length=254, blank=True, db_index=True)
    employee_number = models.CharField(max_length=40, blank=True, db_index=True)
    kind = models.CharField(max_length=12, blank=True, help_text="employee or contractor")
    role = models.CharField(max_length=120, blank=True)
    team = models.CharField(max_length=120, blank=True)
    service_line = models.CharField(max_length=120, blank=True)
    legal_entity = models.CharField(max_length=120, blank=True)
    employment_status = models.CharField(max_length=12, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    cost_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    bill_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    capacity_hours = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True,
                                         help_text="Hours a week the person can deliver.")
    history = HistoricalRecords(excluded_fields=HISTORY_EXCLUDED,
                                no_db_index=[*HISTORY_UNINDEXED, "email", "employee_number"])

    class Meta:
        ordering = ["name", "id"]
        permissions = [("approve_resource", "Can approve governed resource changes")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


GOLDEN_MODELS: dict[str, type[GoldenRecord]] = {
    Domain.CUSTOMER: Customer, Domain.CONTRACT: Contract, Domain.PROJECT: Project, Domain.RESOURCE: Resource,
}


def golden_model(domain: str) -> type[GoldenRecord]:
    try:
        return GOLDEN_MODELS[domain]
    except KeyError:
        raise LookupError(f"unknown domain {domain!r}; expected one of {', '.join(GOLDEN_MODELS)}") from None


def domain_of_golden_id(golden_id: str) -> str:
    prefix = golden_id.split("-", 1)[0]
    for domain, model in GOLDEN_MODELS.items():
        if model.ID_PREFIX == prefix:
            return domain
    raise LookupError(f"{golden_id!r} is not a golden id")


class AttributeOverride(models.Model):
    """A steward's value for one golden attribute, beating survivorship while it lives."""

    domain = models.CharField(max_length=10, choices=Domain.choices)
    golden_id = models.CharField(max_length=24, db_index=True)
    attribute = models.CharField(max_length=40)
    value = models.JSONField(null=True)
    mode = models.CharField(max_length=20, choices=OverrideMode.choices, default=OverrideMode.PINNED)
    until = models.DateTimeField(null=True, blank=True)
    source_fingerprint = models.CharField(max_length=16, blank=True)
    reason = models.TextField()
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["golden_id", "attribute"], condition=models.Q(is_active=True),
                                    name="one_live_override_per_attribute"),
        ]


class QuarantinedRecord(models.Model):
    """A source record that could not be used, with why; a steward fixes and replays it."""

    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="quarantine")
    domain = models.CharField(max_length=10, choices=Domain.choices)
    object_type = models.CharField(max_length=60, blank=True)
    source_id = models.CharField(max_length=120, blank=True)
    payload = models.JSONField(default=dict)
    canonical = models.JSONField(default=dict, help_text="The canonical input as received (before standardizing).")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    source_version = models.CharField(max_length=80, blank=True)
    errors = models.JSONField(default=dict)
    reason = models.TextField()
    content_hash = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=QuarantineStatus.choices, default=QuarantineStatus.OPEN,
                              db_index=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The same bad delivery twice is one open entry, not two.
            models.UniqueConstraint(fields=["system", "content_hash"], condition=models.Q(status="open"),
                                    name="quarantine_open_once"),
        ]


class MergeEvent(models.Model):
    """Two golden records made one, and everything needed to undo it."""

    domain = models.CharField(max_length=10, choices=Domain.choices)
    survivor_id = models.CharField(max_length=24, db_index=True)
    merged_id = models.CharField(max_length=24, db_index=True)
    moved_xrefs = models.JSONField(default=list, help_text="Cross-reference ids moved to the survivor.")
    repointed = models.JSONField(default=dict, help_text="Related rows re-pointed: {'model.field': [ids]}.")
    reason = models.TextField()
    acting_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class OutboxPayload(models.Model):
    """The document a golden-record revision sends, shared by its messages to each system: an
    initial load writes a message per subscribed system (three) for every golden record, and the
    server parsed and stored the same JSON three times."""

    # "<golden id>:r<revision>", as the messages' idempotency keys name it: known before writing,
    # so a message can name its document without reading an id back.
    revision = models.CharField(primary_key=True, max_length=40)
    payload = models.JSONField(default=dict)


class OutboxMessage(models.Model):
    """A golden-record change to write back to a system, written in the same transaction as the
    change. Delivered in order per golden record; `idempotency_key` makes re-delivery harmless.
    What it sends is `document`: the shared payload of its golden revision, or its own `payload`
    (messages written one at a time, e.g. by the opportunity-to-project flow)."""

    # Found by system together with a status (outbox_status_system, outbox_replayed); an index on
    # the system alone would cost each message an entry and serve no query.
    # No foreign-key constraints in the database on `system` and `shared`: a load writes three
    # messages per golden record, and the server's check of both references for each was two
    # fifths of the messages' COPY. outbox_enqueue writes a message's document in the same
    # transaction and names only registered systems; PROTECT still holds for deletes through Django.
    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="outbox", db_index=False,
                               db_constraint=False)
    domain = models.CharField(max_length=10, choices=Domain.choices)
    golden_id = models.CharField(max_length=24)  # indexed by outbox_by_golden record, with its system
    operation = models.CharField(max_length=10, default="upsert")
    payload = models.JSONField(default=dict)
    shared = models.ForeignKey(OutboxPayload, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_index=False, db_constraint=False)  # read from the message, never the other way
    idempotency_key = models.CharField(max_length=120, unique=True)
    correlation_id = models.CharField(max_length=64, blank=True, db_index=True)
    status = models.CharField(max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    replays = models.PositiveIntegerField(default=0)  # times a steward sent it again after it died
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due"),
                   # messages per system and status, for /metrics and the dashboard
                   models.Index(fields=["status", "system"], name="outbox_status_system"),
                   models.Index(fields=["system"], condition=models.Q(replays__gt=0), name="outbox_replayed"),
                   # What went out lately: per system for the dashboard, per domain for the batch sync
                   # class's latency. An entry per delivery, none at a load's COPY of pending messages.
                   models.Index(fields=["delivered_at", "system", "domain"],
                                condition=models.Q(status="delivered"), name="outbox_delivered"),
                   # A golden record's messages to a system in order: "is an earlier revision still on
                   # its way?", asked for every claim (without it, a freshly loaded outbox made claims
                   # quadratic), the echo check, and a record's messages in the console. One index for
                   # all of them: an initial load writes three messages per golden record.
                   models.Index(fields=["golden_id", "system", "id"], name="outbox_by_golden_record")]

    @property
    def document(self) -> dict:
        """What this message sends: its golden revision's shared payload, else its own."""
        return self.shared.payload if self.shared_id else self.payload
