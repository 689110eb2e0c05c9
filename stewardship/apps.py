from django.apps import AppConfig


class StewardshipConfig(AppConfig):
    name = "stewardship"
    default_auto_field = "django.db.models.BigAutoField"
