from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = "Staffing"

    def ready(self) -> None:
        from mdm.signals import golden_records_changed
        from staffing import dashboard
        from staffing.services import resources_changed_receiver

        dashboard.register()
        golden_records_changed.connect(resources_changed_receiver, dispatch_uid="staffing.resources_changed")
