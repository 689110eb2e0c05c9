"""The staffing page: the utilization forecast against capacity per person, team and service line
over the coming weeks, for the people the viewer may see."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from mdm.permissions import require
from staffing.selectors import utilization_forecast


@login_required
def staffing(request):
    require(request.user, "view", "resource")
    found = utilization_forecast(request.user)
    weeks = found["weeks"]
    tables = [(title, [(row, row.cells(weeks)) for row in found[kind]])
              for kind, title in (("service_line", "Service line"), ("team", "Team"), ("person", "Person"))]
    return render(request, "staffing/staffing.html", {"weeks": weeks, "tables": tables})
