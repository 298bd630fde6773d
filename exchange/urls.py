"""Pages: the plan import under /imports/, the ledger and dispatch workbooks (the API's
endpoints are registered with the one router, config/api.py)."""

from django.urls import path

from exchange import views
from exchange.documents.routes import PAGE_URLS

urlpatterns = [
    path("imports/", views.plan_import, name="plan_import"),
    path("imports/commit/", views.plan_import_commit, name="plan_import_commit"),
    path("imports/repreview/", views.plan_import_repreview, name="plan_import_repreview"),
    path("imports/unit-alias/", views.plan_import_unit_alias, name="plan_import_unit_alias"),
    path("imports/unit-create/", views.plan_import_unit_create, name="plan_import_unit_create"),
    path("imports/jobs/<int:pk>/", views.plan_import_job, name="plan_import_job"),
    path("imports/template.xlsx", views.plan_import_template, name="plan_import_template"),
    path("imports/ledger.xlsx", views.ledger_export, name="ledger_export"),
    path("dispatch/<int:pk>/xlsx/", views.dispatch_xlsx, name="dispatch_xlsx"),
    *PAGE_URLS,
]
