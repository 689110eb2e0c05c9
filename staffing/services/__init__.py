"""Staffing's services: allocations and the utilization forecast (near-real-time), timesheets
summarised for billing (batches), margin snapshots (scheduled)."""

from staffing.services.allocations import (
                                           allocations_pull,
                                           forecast_recompute,
                                           leavers_check,
                                           project_team,
                                           project_team_send,
                                           resources_changed_receiver,
)
from staffing.services.margins import margin_snapshots_take
from staffing.services.timesheets import billing_summaries_send, timesheet_lines_pull, unbilled_hours

__all__ = ["allocations_pull", "billing_summaries_send", "forecast_recompute", "leavers_check",
           "margin_snapshots_take", "project_team", "project_team_send", "resources_changed_receiver",
           "timesheet_lines_pull", "unbilled_hours"]
