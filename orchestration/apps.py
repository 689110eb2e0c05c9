from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    name = "orchestration"
    verbose_name = "Orchestration (opportunity to project to invoice)"
    default_auto_field = "django.db.models.BigAutoField"
