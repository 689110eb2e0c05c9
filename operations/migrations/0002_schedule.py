"""The KPI snapshot as a django-celery-beat periodic task, every 15 minutes (editable in the admin)."""

from django.db import migrations


def create(apps, schema_editor):
    from operations.tasks import schedule_ensure

    schedule_ensure(apps)


def remove(apps, schema_editor):
    from operations.tasks import KPI_SNAPSHOT_SCHEDULE

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=KPI_SNAPSHOT_SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("operations", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
