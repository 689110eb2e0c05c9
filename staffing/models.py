"""Staffing: who is allocated to which project, when and for what share of their time (as the PSA
says), and the utilization forecast worked out from it, per person and week."""

from django.db import models

from mdm.models import Project, Resource


class Allocation(models.Model):
    """One PSA allocation, kept as the PSA last said it, with the golden records it names."""

    system = models.CharField(max_length=40)
    source_id = models.CharField(max_length=120)
    employee_source_id = models.CharField(max_length=120)
    work_source_id = models.CharField(max_length=120)
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.SET_NULL, related_name="allocations")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="allocations")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    share = models.DecimalField(max_digits=5, decimal_places=4, help_text="Share of the person's time, 0–1.")
    removed = models.BooleanField(default=False, help_text="Gone from the PSA.")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now=True, help_text="When the hub last heard of it.")
    sync_latency_seconds = models.FloatField(null=True, blank=True,
                                             help_text="From the PSA's change to the hub holding it.")

    class Meta:
        ordering = ["system", "source_id"]
        constraints = [models.UniqueConstraint(fields=["system", "source_id"], name="allocation_once")]

    def __str__(self) -> str:
        return f"{self.system}:{self.source_id}"


class ForecastWeek(models.Model):
    """One person's allocated hours in one coming week, against their capacity."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="forecast_weeks")
    week = models.DateField(help_text="The Monday of the week.")
    allocated_hours = models.DecimalField(max_digits=7, decimal_places=2)
    capacity_hours = models.DecimalField(max_digits=7, decimal_places=2)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["resource", "week"]
        constraints = [models.UniqueConstraint(fields=["resource", "week"], name="forecast_week_once")]
