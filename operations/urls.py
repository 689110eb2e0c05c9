from django.urls import path

from operations import views

app_name = "operations"

urlpatterns = [
    path("operations/", views.dashboard, name="dashboard"),
    path("metrics", views.metrics, name="metrics"),
]
