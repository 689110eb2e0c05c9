"""Celery task: the periodic KPI snapshot (scheduled every 15 minutes by migration 0002)."""

from __future__ import annotations

from celery import shared_task

KPI_SNAPSHOT_SCHEDULE = "operations: KPI snapshot"


@shared_task(name="operations.kpi_snapshot")
def kpi_snapshot() -> dict:
    from operations.timeseries import kpi_snapshot_take

    return kpi_snapshot_take().as_dict()


def schedule_ensure(apps=None) -> None:
    """Create the snapshot's periodic task when missing (a row edited in the admin is left alone).
    `apps` is a migration's app registry (or Django's)."""
    if apps is None:
        from django.apps import apps
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_15m, _ = interval_model.objects.get_or_create(every=15, period="minutes")
    task_model.objects.get_or_create(name=KPI_SNAPSHOT_SCHEDULE, defaults={
        "task": "operations.kpi_snapshot", "interval": every_15m, "expire_seconds": 15 * 60})
