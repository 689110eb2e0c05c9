from django.contrib import admin

from connectors.models import Connection, InboundEvent, ReconciliationRun, SyncRun, Watermark


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("system", "base_url", "enabled", "page_size", "concurrency", "timeout")
    list_filter = ("enabled",)


@admin.register(Watermark)
class WatermarkAdmin(admin.ModelAdmin):
    list_display = ("system", "object_type", "value", "updated_at")
    list_filter = ("system",)


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ("id", "system", "domain", "kind", "status", "started_at", "heartbeat_at", "finished_at", "pages")
    list_filter = ("system", "kind", "status")
    readonly_fields = [f.name for f in SyncRun._meta.fields]


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(admin.ModelAdmin):
    list_display = ("id", "system", "domain", "status", "missing", "extra", "differing", "resent", "started_at",
                    "finished_at")
    list_filter = ("system", "domain", "status", "repair")
    readonly_fields = [f.name for f in ReconciliationRun._meta.fields]


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("id", "system", "event_key", "object_type", "change_type", "is_echo", "status", "received_at")
    list_filter = ("system", "status", "is_echo")
    search_fields = ("event_key", "correlation_id")
    readonly_fields = [f.name for f in InboundEvent._meta.fields]
