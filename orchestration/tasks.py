"""Celery tasks: thin wrappers over orchestration.services (and their default schedules)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="orchestration.advance_flow")
def advance_flow(flow_id: int) -> str | None:
    from orchestration.services.flows import flow_advance

    return flow_advance(flow_id)


@shared_task(name="orchestration.tick")
def tick() -> dict:
    """Every few seconds: open flows learn what the outbox delivered, change-order schedules
    settle, overtaken invoice statuses go again, domain events go to their webhooks."""
    from orchestration.invoices import invoice_statuses_resend
    from orchestration.services.billing import billing_schedules_settle
    from orchestration.services.flows import flows_advance
    from orchestration.webhooks import webhooks_deliver

    return {"flows": flows_advance(), "schedules_settled": billing_schedules_settle(),
            "invoices_resent": invoice_statuses_resend(), "webhooks": webhooks_deliver()}


@shared_task(name="orchestration.poll_closed_won")
def poll_closed_won() -> dict:
    from orchestration.services.closed_won import closed_won_poll

    return closed_won_poll()


TICK_SCHEDULE = "orchestration: advance flows and deliver webhooks"
POLL_SCHEDULE = "orchestration: pull closed-won opportunities"


def schedules_ensure(apps) -> None:
    """The default periodic tasks (kept when edited in the admin)."""
    interval_model = apps.get_model("django_celery_beat", "IntervalSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5s, _ = interval_model.objects.get_or_create(every=5, period="seconds")
    every_30s, _ = interval_model.objects.get_or_create(every=30, period="seconds")
    task_model.objects.get_or_create(name=TICK_SCHEDULE, defaults={"task": "orchestration.tick", "interval": every_5s,
                                                                   "expire_seconds": 30})
    task_model.objects.get_or_create(name=POLL_SCHEDULE, defaults={"task": "orchestration.poll_closed_won",
                                                                   "interval": every_30s, "expire_seconds": 60})
