"""The daily quality check (django-celery-beat schedule `quality check, daily`)."""

from __future__ import annotations

from celery import shared_task

CHECK_SCHEDULE = "quality check, daily"


@shared_task(name="quality.check")
def check(domain: str | None = None) -> dict:
    from quality.services import quality_check

    summary = quality_check(domain=domain)
    return {name: {"evaluated": r.evaluated, "failing": r.failing, "opened": r.opened, "closed": r.closed}
            for name, r in summary.domains.items()}


def schedule_ensure(apps=None) -> None:
    """Create the daily schedule when missing; a row edited in the admin is left alone.
    `apps` is a migration's app registry (or Django's)."""
    if apps is None:
        from django.apps import apps
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    # After the nightly full sync (02:30 UTC), so the snapshot scores what the sync brought.
    daily, _ = crontab_model.objects.get_or_create(minute="30", hour="4", day_of_week="*", day_of_month="*",
                                                   month_of_year="*", timezone="UTC")
    task_model.objects.get_or_create(name=CHECK_SCHEDULE, defaults={"task": "quality.check", "crontab": daily})
