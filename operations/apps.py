from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations (dashboard and metrics)"
    default_auto_field = "django.db.models.BigAutoField"
