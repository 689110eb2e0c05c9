from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from mdm.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("resources", views.ResourceViewSet, basename="resource")

urlpatterns = [
    path("api/v1/", include(router.urls)),
    path("api/v1/lookup/<slug:system>/<str:object_type>/<path:source_id>/", views.LookupView.as_view(),
         name="lookup"),
    path("api/v1/xrefs/", views.CrossReferenceList.as_view(), name="xref-list"),
    path("api/v1/source-records/<slug:domain>/", views.SourceRecordIngest.as_view(), name="source-record-ingest"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
