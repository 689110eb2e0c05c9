"""The default schedules, as django-celery-beat periodic tasks (editable in the admin afterwards).

Each sync task fans out over the enabled systems at run time, so adding a system or disabling a
connection needs no schedule change."""

import json

from django.db import migrations

OUTBOX = "connectors: deliver outbox"
SYNCS = [("connectors: sync customers", "customer", 5), ("connectors: sync contracts", "contract", 10),
         ("connectors: sync projects", "project", 10)]
NIGHTLY = "connectors: nightly full reconciliation"


def create(apps, schema_editor):
    Interval = apps.get_model("django_celery_beat", "IntervalSchedule")
    Crontab = apps.get_model("django_celery_beat", "CrontabSchedule")
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    every_5s, _ = Interval.objects.get_or_create(every=5, period="seconds")
    Task.objects.get_or_create(name=OUTBOX, defaults={"task": "connectors.deliver_outbox", "interval": every_5s})
    for name, domain, minutes in SYNCS:
        interval, _ = Interval.objects.get_or_create(every=minutes, period="minutes")
        Task.objects.get_or_create(name=name, defaults={"task": "connectors.sync_all", "interval": interval,
                                                        "kwargs": json.dumps({"domain": domain})})
    nightly, _ = Crontab.objects.get_or_create(minute="30", hour="2", day_of_week="*", day_of_month="*",
                                               month_of_year="*", timezone="UTC")
    Task.objects.get_or_create(name=NIGHTLY, defaults={"task": "connectors.sync_all", "crontab": nightly,
                                                       "kwargs": json.dumps({"full": True})})


def remove(apps, schema_editor):
    Task = apps.get_model("django_celery_beat", "PeriodicTask")
    Task.objects.filter(name__in=[OUTBOX, NIGHTLY, *(name for name, _, _ in SYNCS)]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
