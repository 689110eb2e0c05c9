"""Flows (one per closed-won opportunity) with their steps and every transition; the billing
schedules they write, per contract version; invoice statuses from the ERP; domain events and the
webhook subscriptions that receive them."""

from __future__ import annotations

from django.db import models
from simple_history.models import HistoricalRecords

from orchestration import machine


class Flow(models.Model):
    """Opportunity -> project -> billing: one per (CRM system, opportunity), carrying one
    correlation id from the closed-won event to the last outbound write."""

    crm_system = models.CharField(max_length=40)
    opportunity_id = models.CharField(max_length=120)
    opportunity_name = models.CharField(max_length=255, blank=True)
    correlation_id = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=20, choices=[(s, s) for s in machine.FLOW_STATES],
                             default=machine.FLOW_RUNNING, db_index=True)
    current_step = models.CharField(max_length=30, blank=True)
    opportunity = models.JSONField(default=dict, blank=True, help_text="The opportunity as last read from the CRM.")
    customer_id = models.CharField(max_length=24, blank=True, db_index=True)
    contract_id = models.CharField(max_length=24, blank=True, db_index=True)
    project_id = models.CharField(max_length=24, blank=True, db_index=True)
    closed_won_at = models.DateTimeField(null=True, blank=True, help_text="When the CRM said Closed Won.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["crm_system", "opportunity_id"], name="one_flow_per_opportunity")]
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"flow {self.pk} {self.crm_system}:{self.opportunity_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in machine.OPEN_FLOW_STATES


class FlowStep(models.Model):
    """One step of a flow: its state, how often it ran, what it produced (golden ids, outbox
    messages, external ids) and its last error."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=30)
    position = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=12, choices=[(s, s) for s in machine.STEP_STATES], default=machine.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    outcome = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    waiting_for = models.CharField(max_length=20, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "name"], name="one_step_per_flow")]
        ordering = ["flow", "position"]

    def __str__(self) -> str:
        return f"{self.flow_id}:{self.name} ({self.state})"

    @property
    def label(self) -> str:
        return machine.STEP_LABELS.get(self.name, self.name)


class FlowEvent(models.Model):
    """The flow's log: every transition and action, with who or what caused it."""

    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="events")
    step = models.CharField(max_length=30, blank=True)
    kind = models.CharField(max_length=30)  # started, step_done, step_failed, replayed, change_order, ...
    message = models.TextField(blank=True)
    actor = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class BillingSchedule(models.Model):
    """The billing schedule of one version of a golden contract, as written to the ERP. Earlier
    versions stay: a change order adds a row, it never edits one."""

    contract_id = models.CharField(max_length=24, db_index=True)
    version = models.PositiveIntegerField()
    external_id = models.CharField(max_length=40, help_text="The schedule's key in the ERP (one per contract).")
    schedule = models.JSONField(default=dict)
    system = models.CharField(max_length=40)
    outbox_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contract_id", "version", "system"],
                                               name="one_schedule_per_contract_version")]
        ordering = ["contract_id", "-version"]

    def __str__(self) -> str:
        return f"billing schedule of {self.contract_id} v{self.version}"


class InvoiceStatus(models.Model):
    """The newest status the ERP reported for one invoice, and whether the CRM account has it."""

    system = models.CharField(max_length=40)
    invoice_id = models.CharField(max_length=120)
    number = models.CharField(max_length=60, blank=True)
    customer_id = models.CharField(max_length=24, blank=True, db_index=True)
    status = models.CharField(max_length=40)
    total = models.CharField(max_length=40, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    invoiced_on = models.DateField(null=True, blank=True)
    reported_at = models.DateTimeField(help_text="When the ERP said so (its event time).")
    received_at = models.DateTimeField(auto_now=True)
    blocked_reason = models.TextField(blank=True, help_text="Why it cannot reach the CRM (e.g. unknown customer).")
    outbox_message_id = models.BigIntegerField(null=True, blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "invoice_id"], name="one_status_per_invoice")]
        ordering = ["-reported_at", "-id"]


class DomainEvent(models.Model):
    """Something downstream consumers may act on (e.g. `project.activated`), published once per key."""

    event_type = models.CharField(max_length=60, db_index=True)
    key = models.CharField(max_length=200, unique=True, help_text="Publishing the same key again adds nothing.")
    payload = models.JSONField(default=dict)
    correlation_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.key}"


class WebhookSubscription(models.Model):
    """A consumer's URL and the event types it wants; payloads are signed with its secret
    (X-Concord-Signature: sha256=<hex HMAC-SHA256 of the body>)."""

    name = models.CharField(max_length=80)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=255)
    event_types = models.JSONField(default=list, help_text='e.g. ["project.activated"]; ["*"] for every type.')
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event_type: str) -> bool:
        return "*" in self.event_types or event_type in self.event_types


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead"


class WebhookDelivery(models.Model):
    """One event to one subscription, delivered at least once with the outbox's reliability rules
    (race-safe claims with a lease, back-off with jitter, dead letters, replay)."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(DomainEvent, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_subscriber")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_due")]
        ordering = ["id"]
