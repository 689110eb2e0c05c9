from django.apps import AppConfig


class StewardshipConfig(AppConfig):
    name = "stewardship"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from stewardship import match_rules

        # A threshold change the council approves is applied through the council-action registry.
        match_rules.register()
