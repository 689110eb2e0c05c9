"""The daily quality check as a django-celery-beat periodic task (editable in the admin afterwards)."""

from django.db import migrations


def create(apps, schema_editor):
    from quality.tasks import schedule_ensure

    schedule_ensure(apps)


def remove(apps, schema_editor):
    from quality.tasks import CHECK_SCHEDULE

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=CHECK_SCHEDULE).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("quality", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]
    operations = [migrations.RunPython(create, remove)]
