from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("stewardship.urls")),
    path("", include("mdm.api.urls")),
    path("", include("connectors.urls")),
    path("", include("orchestration.urls")),
    path("", include("quality.urls")),
    path("", include("operations.urls")),
    path("", include("staffing.urls")),
]
