"""The staffing page: the utilization forecast against capacity per person, team and service line
over the coming weeks, for the people the viewer may see; and, for a viewer of projects, each
project's margin with its trend and the hours not billed yet."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from mdm.permissions import can, require
from staffing.selectors import project_margins, unbilled_hours, utilization_forecast


@login_required
def staffing(request):
    require(request.user, "view", "resource")
    found = utilization_forecast(request.user)
    weeks = found["weeks"]
    tables = [(title, [(row, row.cells(weeks)) for row in found[kind]])
              for kind, title in (("service_line", "Service line"), ("team", "Team"), ("person", "Person"))]
    margins = project_margins(request.user) if can(request.user, "view", "project") else None
    return render(request, "staffing/staffing.html", {
        "weeks": weeks, "tables": tables, "margins": margins,
        "unbilled_hours": unbilled_hours(request.user) if margins is not None else None})
