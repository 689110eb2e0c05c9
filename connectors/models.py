"""Connector configuration and bookkeeping: how to reach each system, how far we have read it,
what each sync run did, and the change events systems pushed to us.

Golden data lives in mdm; nothing here is business data.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from typing import Any

from django.db import models

from connectors.base import Connector, connector_class, registered_systems
from mdm.models import SourceSystem

# Connector packages the registry is filled from (each registers itself on import).
CONNECTOR_PACKAGES = ("connectors.salesforce", "connectors.netsuite", "connectors.tryton", "connectors.csv",
                      "connectors.dynamics", "connectors.bamboohr")


class SyncKind(models.TextChoices):
    INCREMENTAL = "incremental", "Incremental (since the watermark)"
    FULL = "full", "Full reconciliation"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class EventStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"


class Connection(models.Model):
    """How to reach one system. Environment variables CONCORD_<SYSTEM>_URL, _USERNAME, _PASSWORD,
    _CLIENT_ID, _CLIENT_SECRET, _TOKEN, _CERTIFICATE_ID, _PRIVATE_KEY, _PRIVATE_KEY_PATH, _TENANT,
    _ENVIRONMENT, _COMPANY, _TOKEN_URL, _TIMESHEET_JOURNAL, _TIMESHEET_ACCOUNT, _TIMESHEET_BALANCING_ACCOUNT,
    _WEBHOOK_SECRET override what is stored here."""

    system = models.OneToOneField(SourceSystem, on_delete=models.CASCADE, related_name="connection")
    base_url = models.CharField(max_length=255, blank=True)
    credentials = models.JSONField(default=dict, blank=True,
                                   help_text="e.g. {\"username\": ..., \"password\": ...}; env vars win.")
    webhook_secret = models.CharField(max_length=255, blank=True,
                                      help_text="HMAC-SHA256 key of X-Concord-Signature on inbound events.")
    page_size = models.PositiveIntegerField(default=200)
    concurrency = models.PositiveSmallIntegerField(default=1)
    timeout = models.FloatField(default=30.0, help_text="Seconds per HTTP call.")
    enabled = models.BooleanField(default=True, help_text="Scheduled syncs and deliveries run only when enabled.")

    def __str__(self) -> str:
        return f"connection to {self.system.name}"


CREDENTIAL_ENV = ("username", "password", "client_id", "client_secret", "token", "database", "security_token",
                   # NetSuite's M2M login: the certificate's id and private key (PEM text or a file)
                   "certificate_id", "private_key", "private_key_path",
                   # Business Central: the Entra ID tenant, the environment, the company (id or name)
                   # and, for a simulator or a sovereign cloud, the token endpoint; where timesheet
                   # summaries are posted (journal batch, G/L account, the batch's balancing account)
                   "tenant", "environment", "company", "token_url", "timesheet_journal", "timesheet_account",
                   "timesheet_balancing_account")


def _env(system: str, name: str) -> str | None:
    value = os.environ.get(f"CONCORD_{system.upper().replace('-', '_')}_{name.upper()}")
    return value if value not in (None, "") else None


def load_connectors() -> None:
    """Import every connector package present so the registry knows them (plus any modules named
    in CONCORD_CONNECTOR_MODULES, comma-separated: connectors living outside this package)."""
    extra = [m.strip() for m in os.environ.get("CONCORD_CONNECTOR_MODULES", "").split(",") if m.strip()]
    for package in (*CONNECTOR_PACKAGES, *extra):
        try:
            importlib.import_module(package)
        except ModuleNotFoundError as error:
            if error.name != package:
                raise


def connection_settings(system: str) -> dict[str, Any]:
    """The stored connection of `system`, with environment variables laid over it."""
    return _settings_of(system, Connection.objects.filter(system__name=system).first())


def _settings_of(system: str, row: Connection | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "base_url": row.base_url if row else "",
        "credentials": dict(row.credentials or {}) if row else {},
        "page_size": row.page_size if row else 200,
        "concurrency": row.concurrency if row else 1,
        "timeout": row.timeout if row else 30.0,
        "webhook_secret": row.webhook_secret if row else "",
        "enabled": row.enabled if row else True,
    }
    values["base_url"] = _env(system, "url") or values["base_url"]
    values["webhook_secret"] = _env(system, "webhook_secret") or values["webhook_secret"]
    for name in CREDENTIAL_ENV:
        if _env(system, name):
            values["credentials"][name] = _env(system, name)
    for name, cast in (("page_size", int), ("concurrency", int), ("timeout", float)):
        if _env(system, name):
            values[name] = cast(_env(system, name))
    return values


def is_connected(system: str) -> bool:
    """Whether the hub may talk to `system`: its connection is enabled and has a URL (in the
    embedded demo no system has one, so nothing is pulled and outbound messages wait)."""
    return _connected(connection_settings(system))


def _connected(values: dict[str, Any]) -> bool:
    return bool(values["enabled"] and values["base_url"])


def systems_not_connected(names: Iterable[str] | None = None) -> set[str]:
    """Of `names` (default: every system), those the hub cannot write to now: no connector for
    them (the "psa" placeholder), or a connection without a URL or disabled. Their outbox
    messages are held. One query for the connections, however many systems."""
    load_connectors()
    registered = set(registered_systems())
    names = list(SourceSystem.objects.values_list("name", flat=True) if names is None else names)
    rows = {row.system.name: row for row in Connection.objects.select_related("system")}
    return {name for name in names if name not in registered or not _connected(_settings_of(name, rows.get(name)))}


def connection_for(system: str) -> Connector:
    """A ready connector for `system`, configured from its Connection and the environment."""
    if not SourceSystem.objects.filter(name=system).exists():
        known = ", ".join(SourceSystem.objects.values_list("name", flat=True)) or "none"
        raise LookupError(f"unknown system {system!r}; known systems: {known}")
    load_connectors()
    cls = connector_class(system)
    values = connection_settings(system)
    return cls(base_url=values["base_url"], credentials=values["credentials"], page_size=values["page_size"],
               concurrency=values["concurrency"], timeout=values["timeout"])


class Watermark(models.Model):
    """How far one object type of one system has been read: stored only after the page it ends is
    committed, so a crash re-reads and never skips."""

    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="watermarks")
    object_type = models.CharField(max_length=60)
    value = models.CharField(max_length=120, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "object_type"], name="watermark_once")]
        ordering = ["system", "object_type"]

    def __str__(self) -> str:
        return f"{self.system.name}:{self.object_type} @ {self.value or '-'}"


class SyncRun(models.Model):
    """One pull of one domain from one system, with what it did per object type. A run whose
    worker died is found out by the next run of its system and domain and marked failed
    (connectors/runs.py)."""

    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="sync_runs")
    domain = models.CharField(max_length=10)
    kind = models.CharField(max_length=12, choices=SyncKind.choices, default=SyncKind.INCREMENTAL)
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING, db_index=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True, help_text="Per object type: created, updated, ...")
    pages = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, blank=True, db_index=True)
    task_id = models.CharField(max_length=64, blank=True, db_index=True,
                               help_text="The Celery task that ran it (a task delivered again keeps its id).")
    heartbeat_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Its last sign of life: when it started, then each page.")

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} sync of {self.system.name} {self.domain} ({self.status})"


class InboundEvent(models.Model):
    """A change event a system pushed to us. `event_key` (e.g. transactionKey:sequenceNumber) is
    unique per system: the same event delivered twice is stored and ingested once."""

    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="inbound_events")
    event_key = models.CharField(max_length=200)
    object_type = models.CharField(max_length=60, blank=True)
    change_type = models.CharField(max_length=20, blank=True)
    change_origin = models.CharField(max_length=255, blank=True)
    is_echo = models.BooleanField(default=False, help_text="Caused by our own write back to the system.")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=EventStatus.choices, default=EventStatus.RECEIVED,
                              db_index=True)
    error = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "event_key"], name="inbound_event_once")]
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.system.name} event {self.event_key}"


class ChangeState(models.Model):
    """What the change events of one source record add up to: each field with the commit time
    that set it (last writer wins). Events carrying only changed fields (Salesforce CDC updates)
    fold into this in any order, duplicates included, and give the same record."""

    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="+")
    object_type = models.CharField(max_length=60)
    source_id = models.CharField(max_length=120)
    values = models.JSONField(default=dict)
    times = models.JSONField(default=dict, help_text="Field -> epoch milliseconds of the commit that set it.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "object_type", "source_id"],
                                               name="change_state_once")]


class ReconciliationRun(models.Model):
    """One comparison of what a system holds of one domain with what the hub would have it hold
    (connectors/reconcile.py): golden records missing there, records there the hub does not know,
    records whose values differ from what the hub would push; with the first ids of each."""

    system = models.ForeignKey(SourceSystem, on_delete=models.CASCADE, related_name="reconciliation_runs")
    domain = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    repair = models.BooleanField(default=False, help_text="Whether what is missing or differs was sent again.")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expected = models.PositiveIntegerField(default=0, help_text="Golden records the system subscribes to.")
    held = models.PositiveIntegerField(default=0, help_text="Records read from the system.")
    missing = models.PositiveIntegerField(default=0)
    extra = models.PositiveIntegerField(default=0)
    differing = models.PositiveIntegerField(default=0)
    resent = models.PositiveIntegerField(default=0, help_text="Messages written to send them again (repair).")
    details = models.JSONField(default=dict, blank=True,
                               help_text="The first ids of each kind: missing, extra, differing (with fields).")
    error = models.TextField(blank=True)
    correlation_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["system", "domain", "-started_at"], name="reconciliation_latest")]

    def __str__(self) -> str:
        return (f"reconciliation of {self.system.name} {self.domain}: missing {self.missing}, "
                f"extra {self.extra}, differing {self.differing} ({self.status})")
