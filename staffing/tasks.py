"""Celery tasks: the short-interval allocation pull, the daily timesheet billing batch and the
daily margin snapshots (CELERY_BEAT_SCHEDULE in config/settings.py)."""

from celery import shared_task

from connectors.models import is_connected
from staffing.policy import staffing_policy
from staffing.services import allocations_pull, billing_summaries_send, margin_snapshots_take, timesheet_lines_pull


@shared_task(name="staffing.allocations_pull", ignore_result=True)
def allocations_pull_task() -> dict:
    system = staffing_policy()["psa"]
    if not is_connected(system):
        return {"skipped": f"{system} is not connected"}
    summary = allocations_pull(system=system)
    return {"changed": len(summary.changed), "removed": len(summary.removed)}


@shared_task(name="staffing.timesheets_bill", ignore_result=True)
def timesheets_bill_task() -> dict:
    """The batch: the PSA's timesheet lines since the last pull, then the approved weeks' summaries."""
    system = staffing_policy()["psa"]
    if not is_connected(system):
        return {"skipped": f"{system} is not connected"}
    pulled = timesheet_lines_pull(system=system)
    summaries = billing_summaries_send()
    return {"lines": len(pulled.changed), "removed": len(pulled.removed), "summaries": len(summaries)}


@shared_task(name="staffing.margin_snapshots", ignore_result=True)
def margin_snapshots_task() -> dict:
    return {"snapshots": len(margin_snapshots_take())}
