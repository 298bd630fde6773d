from django.urls import path

from rectification import dashboard_views

urlpatterns = [
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("public/", dashboard_views.public_notices, name="public_notices"),
]
