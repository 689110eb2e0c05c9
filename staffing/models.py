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


class TimesheetLine(models.Model):
    """One PSA timesheet line, kept as the PSA last said it, with the golden records it names."""

    system = models.CharField(max_length=40)
    source_id = models.CharField(max_length=120)
    employee_source_id = models.CharField(max_length=120)
    work_source_id = models.CharField(max_length=120, blank=True)
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="timesheet_lines")
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="timesheet_lines")
    day = models.DateField()
    hours = models.DecimalField(max_digits=7, decimal_places=2)
    cost_rate = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                    help_text="The PSA's cost per hour on that day, where it keeps one.")
    removed = models.BooleanField(default=False, help_text="Gone from the PSA.")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["system", "source_id"]
        constraints = [models.UniqueConstraint(fields=["system", "source_id"], name="timesheet_line_once")]
        indexes = [models.Index(fields=["project", "day"], name="timesheet_line_project_day")]

    def __str__(self) -> str:
        return f"{self.system}:{self.source_id}"


class BillingSummary(models.Model):
    """A project's week of approved time as sent to the ERP for time-and-materials billing: the
    week's first summary (revision 0), or an adjustment carrying only what changed since."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="billing_summaries")
    week = models.DateField(help_text="The Monday of the week.")
    revision = models.PositiveIntegerField(default=0)
    system = models.CharField(max_length=40, help_text="The ERP it went to.")
    lines = models.JSONField(default=list, help_text="Per person: hours, bill rate and amount (adjustments: deltas).")
    hours = models.DecimalField(max_digits=9, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    outbox_message_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "week", "revision"]
        constraints = [models.UniqueConstraint(fields=["project", "week", "revision"], name="billing_summary_once")]

    @property
    def kind(self) -> str:
        return "summary" if self.revision == 0 else "adjustment"

    def __str__(self) -> str:
        return f"{self.project_id} week of {self.week} ({self.kind} {self.revision})"


class MarginSnapshot(models.Model):
    """A project's margin as it stood on one day: revenue recognized and invoiced against the cost
    of its timesheets at cost rates. Taken on a schedule and kept, so the trend can be read."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="margin_snapshots")
    taken_on = models.DateField()
    hours = models.DecimalField(max_digits=10, decimal_places=2)
    cost = models.DecimalField(max_digits=14, decimal_places=2)
    revenue_recognized = models.DecimalField(max_digits=14, decimal_places=2)
    revenue_invoiced = models.DecimalField(max_digits=14, decimal_places=2)
    margin = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True,
                                 help_text="(recognized − cost) / recognized; empty with nothing recognized.")
    floor = models.DecimalField(max_digits=5, decimal_places=4, null=True, blank=True)
    below_floor = models.BooleanField(default=False)
    taken_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "taken_on"]
        constraints = [models.UniqueConstraint(fields=["project", "taken_on"], name="margin_snapshot_daily")]
