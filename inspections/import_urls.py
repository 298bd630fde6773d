"""Pages under /imports/ and the API under /api/v1/imports/ and /api/v1/ledger/."""

from django.urls import path

from inspections import import_api, import_views

urlpatterns = [
    path("imports/", import_views.plan_import, name="plan_import"),
    path("imports/commit/", import_views.plan_import_commit, name="plan_import_commit"),
    path("imports/template.xlsx", import_views.plan_import_template, name="plan_import_template"),
    path("imports/ledger.xlsx", import_views.ledger_export, name="ledger_export"),
    path("api/v1/imports/", import_api.ImportBatchListView.as_view(), name="api_import_list"),
    path(
        "api/v1/imports/preview/", import_api.ImportPreviewView.as_view(), name="api_import_preview"
    ),
    path("api/v1/imports/commit/", import_api.ImportCommitView.as_view(), name="api_import_commit"),
    path(
        "api/v1/imports/template/",
        import_api.ImportTemplateView.as_view(),
        name="api_import_template",
    ),
    path("api/v1/ledger/", import_api.LedgerExportView.as_view(), name="api_ledger_export"),
]
