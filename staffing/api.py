"""GET /api/v1/staffing/forecast/: the utilization forecast as JSON, scoped like every API read."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from mdm.permissions import API, require
from staffing.selectors import utilization_forecast


class ForecastView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=dict)
    def get(self, request):
        require(request.user, "view", "resource", surface=API)
        found = utilization_forecast(request.user, surface=API)
        weeks = found["weeks"]

        def rows(kind):
            return [{"key": row.key, "label": row.label,
                     "weeks": [{"week": week.isoformat(), "allocated_hours": str(cell["allocated"]),
                                "capacity_hours": str(cell["capacity"]), "utilization": cell["utilization"]}
                               for week, cell in zip(weeks, row.cells(weeks), strict=True)]}
                    for row in found[kind]]

        return Response({"weeks": [w.isoformat() for w in weeks],
                         **{kind: rows(kind) for kind in ("person", "team", "service_line")}})
