from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("rectification.api.urls")),
    path("", include("accounts.urls")),
    path("", include("inspections.urls")),
    path("", include("rectification.dashboard_urls")),
    path("", include("rectification.urls")),
]
