from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from stewardship.models import ChangeRequest, SavedView, StewardScope


@admin.register(StewardScope)
class StewardScopeAdmin(admin.ModelAdmin):
    list_display = ("user", "domain", "countries")
    list_filter = ("domain",)


@admin.register(ChangeRequest)
class ChangeRequestAdmin(SimpleHistoryAdmin):
    list_display = ("id", "kind", "domain", "golden_id", "status", "requested_by", "decided_by", "created_at")
    list_filter = ("status", "kind", "domain")
    readonly_fields = ("requested_by", "decided_by", "decided_at")


@admin.register(SavedView)
class SavedViewAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "domain", "created_at")
    list_filter = ("domain",)
    search_fields = ("name", "user__username")
