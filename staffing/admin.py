from django.contrib import admin

from staffing.models import Allocation, ForecastWeek


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ("system", "source_id", "resource", "project", "start_date", "end_date", "share", "removed",
                    "received_at")
    list_filter = ("system", "removed")
    search_fields = ("source_id", "resource__name", "project__code")
    readonly_fields = [f.name for f in Allocation._meta.fields]


@admin.register(ForecastWeek)
class ForecastWeekAdmin(admin.ModelAdmin):
    list_display = ("resource", "week", "allocated_hours", "capacity_hours")
    list_filter = ("week",)
