"""The default schedules as django-celery-beat periodic tasks (editable in the admin afterwards)."""

from django.db import migrations


def create(apps, schema_editor):
    from connectors.tasks import schedules_ensure

    schedules_ensure(apps)


def remove(apps, schema_editor):
    from connectors.tasks import NIGHTLY_SCHEDULE, OUTBOX_SCHEDULE, SYNC_SCHEDULES

    names = [OUTBOX_SCHEDULE, NIGHTLY_SCHEDULE, *(name for name, _, _ in SYNC_SCHEDULES)]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("connectors", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
