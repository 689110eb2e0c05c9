"""Celery tasks: the short-interval allocation pull (CELERY_BEAT_SCHEDULE in config/settings.py)."""

from celery import shared_task

from connectors.models import is_connected
from staffing.policy import staffing_policy
from staffing.services import allocations_pull


@shared_task(name="staffing.allocations_pull", ignore_result=True)
def allocations_pull_task() -> dict:
    system = staffing_policy()["psa"]
    if not is_connected(system):
        return {"skipped": f"{system} is not connected"}
    summary = allocations_pull(system=system)
    return {"changed": len(summary.changed), "removed": len(summary.removed)}
