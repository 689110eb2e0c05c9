from django.urls import path

from quality import views
from quality.api import views as api

app_name = "quality"

urlpatterns = [
    path("quality/", views.violations, name="violations"),
    path("quality/bulk/", views.violations_bulk, name="bulk"),
    path("quality/<int:violation_id>/reassign/", views.violation_reassign, name="reassign"),
    path("quality/<int:violation_id>/<str:verb>/", views.violation_close, name="close"),
    path("api/v1/quality/violations/", api.ViolationList.as_view(), name="api-violations"),
    path("api/v1/quality/scores/", api.ScoreList.as_view(), name="api-scores"),
]
