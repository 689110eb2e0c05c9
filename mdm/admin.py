"""Django admin: configuration only (systems, survivorship rules). Stewards use the console."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from mdm.models import OutboxMessage, SourceSystem, SurvivorshipRule


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    list_display = ("name", "display_name", "kind", "is_active", "sync_back_domains")
    list_filter = ("kind", "is_active")


@admin.register(SurvivorshipRule)
class SurvivorshipRuleAdmin(SimpleHistoryAdmin):
    list_display = ("domain", "attribute", "rule", "trust_order", "policy_version")
    list_filter = ("domain", "rule")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "system", "domain", "golden_id", "status", "attempts", "next_attempt_at", "created_at")
    list_filter = ("status", "system", "domain")
    search_fields = ("golden_id", "idempotency_key", "correlation_id")
    readonly_fields = [*(f.name for f in OutboxMessage._meta.fields), "document"]
