"""Named choices shared by models, services, API and console."""

from django.db import models


class Domain(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    CONTRACT = "contract", "Contract"
    PROJECT = "project", "Project"
    RESOURCE = "resource", "Resource"


class SystemKind(models.TextChoices):
    CRM = "crm", "CRM"
    ERP = "erp", "ERP"
    PSA = "psa", "PSA"
    HR = "hr", "HR"
    FILE = "file", "File"


class RuleKind(models.TextChoices):
    TRUST = "trust", "Source trust order"
    RECENT = "recent", "Most recent (source timestamp)"
    COMPLETE = "complete", "Most complete source"
    FREQUENT = "frequent", "Most frequent value"


class GoldenStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged into another"
    RETIRED = "retired", "Retired (no sources left)"


class OverrideMode(models.TextChoices):
    PINNED = "pinned", "Pinned until removed"
    UNTIL_SOURCE_CHANGE = "until_source_change", "Until a source changes"
    UNTIL_DATE = "until_date", "Until a date"


class QuarantineStatus(models.TextChoices):
    OPEN = "open", "Open"
    REPLAYED = "replayed", "Replayed"
    DISCARDED = "discarded", "Discarded"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    # The system is not connected (no connector, no URL, or its connection disabled): the message
    # waits without being due, and goes back to pending once the system is connected.
    HELD = "held", "Held (system not connected)"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    DEAD = "dead", "Dead letter"
