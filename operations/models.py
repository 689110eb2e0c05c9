"""The KPI time series: every 15 minutes the figures marked for charting are snapshotted here, so
the dashboard can draw them over days and weeks (Prometheus keeps its own history of /metrics)."""

from django.db import models


class KpiSample(models.Model):
    """One value of one figure's series (a label set) at one snapshot time."""

    name = models.CharField(max_length=200, help_text="The figure's Prometheus name.")
    series = models.CharField(max_length=500, blank=True, help_text="Its labels as k=v,k=v (sorted): one line.")
    labels = models.JSONField(default=dict)
    value = models.FloatField()
    taken_at = models.DateTimeField(help_text="The snapshot slot (start of its 15 minutes).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "series", "taken_at"], name="kpi_sample_once")]
        indexes = [models.Index(fields=["name", "taken_at"], name="kpi_sample_by_name_time"),
                   models.Index(fields=["taken_at"], name="kpi_sample_by_time")]
        ordering = ["name", "series", "taken_at"]

    def __str__(self) -> str:
        return f"{self.name}{{{self.series}}} = {self.value} @ {self.taken_at:%Y-%m-%d %H:%M}"
