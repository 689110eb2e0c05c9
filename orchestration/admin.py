from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from orchestration.models import BillingSchedule, DomainEvent, Flow, InvoiceStatus, WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ("name", "url", "event_types", "active")


@admin.register(Flow)
class FlowAdmin(SimpleHistoryAdmin):
    list_display = ("pk", "crm_system", "opportunity_id", "state", "current_step", "updated_at")
    list_filter = ("state",)
    readonly_fields = [f.name for f in Flow._meta.fields]


admin.site.register([BillingSchedule, DomainEvent, InvoiceStatus, WebhookDelivery])
