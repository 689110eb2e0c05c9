from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations (dashboard and metrics)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Operations contributes its own figures the way every other app does.
        from operations.health import health_figures, reconciliation_figures
        from operations.kpis import kpi_figures
        from operations.registry import register_figures

        register_figures("operations.health", health_figures, scoped=True)
        # Every system's and domain's reconciliation at once: not shown to a scoped viewer.
        register_figures("operations.reconciliation", reconciliation_figures)
        register_figures("operations.kpis", kpi_figures, scoped=True)
