from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save


class MdmConfig(AppConfig):
    name = "mdm"
    verbose_name = "Master data hub"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        from mdm.db import lookups
        from mdm.permissions import forget_on_change
        from mdm.policy import seed_policy_after_migrate

        lookups.register()

        post_migrate.connect(seed_policy_after_migrate, sender=self)
        # Remembered permissions and scopes are forgotten as soon as they change (the scope model
        # is the console's: named lazily, mdm imports no other app).
        post_save.connect(forget_on_change, sender="stewardship.StewardScope", dispatch_uid="mdm.scope.saved")
        post_delete.connect(forget_on_change, sender="stewardship.StewardScope", dispatch_uid="mdm.scope.deleted")
        m2m_changed.connect(forget_on_change, sender=get_user_model().groups.through, dispatch_uid="mdm.groups")
