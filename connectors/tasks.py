"""Celery tasks: thin wrappers that take names and ids and call the connector services.

Every task here is acknowledged late and rejected back to the queue when its worker is lost: a
worker killed mid-task has it delivered again (on Redis once CONCORD_BROKER_VISIBILITY_TIMEOUT
has passed), which is safe because every service here is idempotent (watermarks move only after
commits, outbox claims are conditional updates with a lease). A sync handed out again while its
first delivery still runs (a run longer than the visibility timeout) sees that run alive and
steps aside; one whose worker died marks that run failed and runs.
"""

from __future__ import annotations

from celery import shared_task

from connectors.models import Connection, is_connected, load_connectors
from mdm.models import SourceSystem


@shared_task(name="connectors.sync_system", bind=True, acks_late=True, reject_on_worker_lost=True)
def sync_system(self, system: str, domain: str, full: bool = False, correlation_id: str | None = None) -> dict:
    from connectors.runs import sync_task_running
    from connectors.sync import sync_run

    if Connection.objects.filter(system__name=system, enabled=False).exists():
        return {"skipped": f"connection to {system} is disabled"}
    task_id = self.request.id or ""
    if task_id and sync_task_running(task_id):
        return {"skipped": f"task {task_id} is already running (the broker handed it out again)"}
    return sync_run(system=system, domain=domain, full=full, correlation_id=correlation_id,
                    task_id=task_id).as_dict()


@shared_task(name="connectors.sync_all", acks_late=True, reject_on_worker_lost=True)
def sync_all(domain: str | None = None, full: bool = False) -> int:
    """Queue one sync per enabled system that has a connector (and the domain, when given)."""
    from connectors.base import connector_class

    load_connectors()
    queued = 0
    for name in SourceSystem.objects.filter(is_active=True).values_list("name", flat=True):
        if not is_connected(name):
            continue
        try:
            cls = connector_class(name)
        except LookupError:
            continue
        for each in ([domain] if domain else list(cls.object_types)):
            if each in cls.object_types:
                sync_system.delay(name, each, full)
                queued += 1
    return queued


@shared_task(name="connectors.deliver_outbox", acks_late=True, reject_on_worker_lost=True)
def deliver_outbox(limit: int = 200) -> dict:
    from connectors.delivery import outbox_deliver

    return outbox_deliver(limit=limit).as_dict()


@shared_task(name="connectors.process_event", acks_late=True, reject_on_worker_lost=True)
def process_event(event_id: int) -> str:
    from connectors.events import inbound_event_process

    return inbound_event_process(event_id=event_id)


@shared_task(name="connectors.reconcile_system", acks_late=True, reject_on_worker_lost=True)
def reconcile_system(system: str, domain: str | None = None, repair: bool = False) -> dict:
    """Reconcile the system's domains (or one); what `manage.py reconcile` runs, per domain."""
    from connectors.models import connection_for
    from connectors.reconcile import reconcile_domains, reconciliation_run

    connector = connection_for(system)
    figures = {}
    for each in [domain] if domain else reconcile_domains(system, connector):
        run = reconciliation_run(system=system, domain=each, repair=repair, connector=connector)
        figures[each] = {"missing": run.missing, "extra": run.extra, "differing": run.differing,
                         "resent": run.resent}
    return figures


@shared_task(name="connectors.reconcile_all", acks_late=True, reject_on_worker_lost=True)
def reconcile_all(repair: bool | None = None) -> int:
    """Nightly (config/settings.py CELERY_BEAT_SCHEDULE): queue one reconciliation per connected
    system whose connector can list what it holds; repairs unless CONCORD_RECONCILE_REPAIR is off."""
    from django.conf import settings

    from connectors.base import connector_class

    load_connectors()
    repair = settings.CONCORD_RECONCILE_REPAIR if repair is None else repair
    queued = 0
    for name, domains in SourceSystem.objects.filter(is_active=True).values_list("name", "sync_back_domains"):
        if not domains or not is_connected(name):
            continue
        try:
            if not connector_class(name).can_reconcile():
                continue
        except LookupError:
            continue
        reconcile_system.delay(name, None, repair)
        queued += 1
    return queued


# --- default schedules -------------------------------------------------------------------------

OUTBOX_SCHEDULE = "connectors: deliver outbox"
SYNC_SCHEDULES = [("connectors: sync customers", "customer", 5), ("connectors: sync contracts", "contract", 10),
                  ("connectors: sync projects", "project", 10)]
NIGHTLY_SCHEDULE = "connectors: nightly full reconciliation"


def schedules_ensure(apps=None) -> None:
    """Create the default periodic tasks when missing; rows edited in the admin are left alone.

    Each sync fans out over the enabled systems when it runs, so adding a system or disabling a
    connection needs no schedule change. `apps` is a migration's app registry (or Django's)."""
    import json

    if apps is None:
        from django.apps import apps
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5s, _ = interval_model.objects.get_or_create(every=5, period="seconds")
    # Expiring runs: when workers fall behind, stale ticks are dropped instead of piling up.
    task_model.objects.get_or_create(name=OUTBOX_SCHEDULE, defaults={
        "task": "connectors.deliver_outbox", "interval": every_5s, "expire_seconds": 30})
    for name, domain, minutes in SYNC_SCHEDULES:
        interval, _ = interval_model.objects.get_or_create(every=minutes, period="minutes")
        task_model.objects.get_or_create(name=name, defaults={"task": "connectors.sync_all", "interval": interval,
                                                              "kwargs": json.dumps({"domain": domain}),
                                                              "expire_seconds": minutes * 60})
    nightly, _ = crontab_model.objects.get_or_create(minute="30", hour="2", day_of_week="*", day_of_month="*",
                                                     month_of_year="*", timezone="UTC")
    task_model.objects.get_or_create(name=NIGHTLY_SCHEDULE, defaults={"task": "connectors.sync_all",
                                                                      "crontab": nightly,
                                                                      "kwargs": json.dumps({"full": True})})
