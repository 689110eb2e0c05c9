from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MdmConfig(AppConfig):
    name = "mdm"
    verbose_name = "Master data hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mdm import lookups
        from mdm.policy import seed_policy_after_migrate

        lookups.register()

        post_migrate.connect(seed_policy_after_migrate, sender=self)
