from django.urls import path

from quality import views

app_name = "quality"

urlpatterns = [
    path("quality/", views.violations, name="violations"),
    path("quality/<int:violation_id>/reassign/", views.violation_reassign, name="reassign"),
    path("quality/<int:violation_id>/<str:verb>/", views.violation_close, name="close"),
]
