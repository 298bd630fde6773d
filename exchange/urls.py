"""Pages: the plan import under /imports/, the ledger and dispatch workbooks, the archive
bundles (一案一档) (the API's endpoints are registered with the one router, config/api.py)."""

from django.urls import path

from accounts.replicas import replica_read
from exchange import archive_views, audit_views, views
from exchange.documents.routes import PAGE_URLS

urlpatterns = [
    path("imports/", views.plan_import, name="plan_import"),
    path("imports/commit/", views.plan_import_commit, name="plan_import_commit"),
    path("imports/repreview/", views.plan_import_repreview, name="plan_import_repreview"),
    path("imports/unit-alias/", views.plan_import_unit_alias, name="plan_import_unit_alias"),
    path("imports/unit-create/", views.plan_import_unit_create, name="plan_import_unit_create"),
    path("imports/jobs/<int:pk>/", views.plan_import_job, name="plan_import_job"),
    path("imports/petitions/", views.petition_import, name="petition_import"),
    path("imports/petitions/commit/", views.petition_import_commit, name="petition_import_commit"),
    path("imports/template.xlsx", views.plan_import_template, name="plan_import_template"),
    path("imports/ledger.xlsx", replica_read(views.ledger_export), name="ledger_export"),
    path("dispatch/<int:pk>/xlsx/", replica_read(views.dispatch_xlsx), name="dispatch_xlsx"),
    path("problems/<int:pk>/archive.zip", archive_views.problem_archive, name="problem_archive"),
    path("rounds/<int:pk>/archives/", archive_views.round_archives, name="round_archives"),
    path(
        "rounds/<int:pk>/archives/new/",
        archive_views.round_archive_request,
        name="round_archive_request",
    ),
    path("archives/<int:pk>/", archive_views.archive_job_detail, name="archive_job_detail"),
    path(
        "archives/<int:pk>/download/",
        archive_views.archive_job_download,
        name="archive_job_download",
    ),
    path("audit/", audit_views.audit_page, name="audit"),
    path("audit/events.csv", audit_views.audit_csv, name="audit_csv"),
    path("audit/events.xlsx", audit_views.audit_xlsx, name="audit_xlsx"),
    *PAGE_URLS,
]
