"""The Celery app: settings under the CELERY_ namespace, tasks found in each app's tasks.py."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("concord")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def _freeze_inherited_objects(**kwargs) -> None:
    """What a worker process inherits at fork (Django, the apps, their modules) stays out of its
    garbage collections: they would walk it again and again, and touch (copy) its shared pages."""
    gc.freeze()
