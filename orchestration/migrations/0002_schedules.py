"""The default schedules as django-celery-beat periodic tasks (editable in the admin afterwards)."""

from django.db import migrations


def create(apps, schema_editor):
    from orchestration.tasks import schedules_ensure

    schedules_ensure(apps)


def remove(apps, schema_editor):
    from orchestration.tasks import POLL_SCHEDULE, TICK_SCHEDULE

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[TICK_SCHEDULE, POLL_SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orchestration", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
