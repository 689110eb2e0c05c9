from django.urls import path

from orchestration import api, views

app_name = "orchestration"

urlpatterns = [
    path("flows/", views.flows, name="flows"),
    path("flows/bulk/", views.flows_bulk, name="flows_bulk"),
    path("flows/<int:flow_id>/", views.flow, name="flow"),
    path("flows/<int:flow_id>/replay/", views.flow_replay, name="flow_replay"),
    path("flows/<int:flow_id>/cancel/", views.flow_cancel, name="flow_cancel"),
    path("api/v1/validate/order", api.OrderValidationView.as_view(), name="validate-order"),
]
