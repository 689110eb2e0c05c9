from django.urls import path

from staffing import api, views

app_name = "staffing"

urlpatterns = [
    path("staffing/", views.staffing, name="staffing"),
    path("api/v1/staffing/forecast/", api.ForecastView.as_view(), name="forecast"),
]
