from django.apps import AppConfig
from django.db.models.signals import post_migrate


class QualityConfig(AppConfig):
    name = "quality"
    verbose_name = "Data quality"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mdm.configuration import batch_configuration_reader
        from mdm.signals import golden_records_changed
        from operations.registry import Section, register_figures, register_section
        from quality import selectors
        from quality.seed import seed_rules_after_migrate
        from quality.services import BATCH_RULES, active_rules, golden_changed_receiver

        post_migrate.connect(seed_rules_after_migrate, sender=self)
        golden_records_changed.connect(golden_changed_receiver, dispatch_uid="quality.evaluate")
        batch_configuration_reader(BATCH_RULES, lambda _domain: active_rules())
        register_figures("quality", selectors.figures, scoped=True)
        register_section(Section(key="quality", title="Data quality", template="quality/dashboard_section.html",
                                 context=selectors.dashboard_context, order=40))
