from functools import partial

from django.apps import AppConfig


class OrchestrationConfig(AppConfig):
    name = "orchestration"
    verbose_name = "Orchestration (opportunity to project to invoice)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from connectors.events import event_handler_register
        from mdm.signals import golden_records_changed
        from orchestration import dashboard, invoices
        from orchestration.services import closed_won, common, council
        from stewardship.extensions import CouncilAction, council_action_register

        # Closed-won opportunities and invoice statuses arrive as change events of object types
        # the hub does not hold as golden data; billing schedules coming back are our own writes.
        event_handler_register("salesforce", "Opportunity", partial(closed_won.opportunity_event_receive,
                                                                   system="salesforce"))
        event_handler_register("netsuite", "invoice", partial(invoices.invoice_event_receive, system="netsuite"))
        event_handler_register("netsuite", "billingSchedule", lambda **_: None)
        event_handler_register("dynamics", "salesInvoices", partial(invoices.invoice_event_receive, system="dynamics"))
        for action in (common.ACTION_NEW_CUSTOMER, common.ACTION_EXCEPTION):
            council_action_register(CouncilAction(action=action, apply=council.council_approved,
                                                  reject=council.council_rejected, summary=council.council_summary))
        golden_records_changed.connect(_contracts_changed, dispatch_uid="orchestration.change_orders")
        dashboard.register()


def _contracts_changed(sender, *, domain, changed, records, **kwargs) -> None:
    """Change orders: an amended contract (version raised) gets its new billing schedule."""
    if domain != "contract" or not changed:
        return
    from orchestration.services.billing import change_orders_apply

    wanted = set(changed)
    change_orders_apply(contracts=[record for record in records if record.id in wanted])
