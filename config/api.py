"""The API's one router: every /api/v1/ endpoint of every app is registered here.

config sits above the apps, so this is the one place that may import all of them."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from exchange import api as exchange_views
from exchange import archive_api, audit_views
from exchange.documents.routes import API_URLS as document_urls
from inspections.api import views as inspection_views
from rectification.api import views

router = DefaultRouter()
router.include_root_view = False
router.register("rounds", inspection_views.RoundViewSet, basename="round")
router.register("aspects", inspection_views.AspectViewSet, basename="aspect")
router.register("categories", inspection_views.CategoryViewSet, basename="category")
router.register("problems", inspection_views.ProblemViewSet, basename="problem")
router.register("petitions", inspection_views.PetitionViewSet, basename="petition")
router.register("tasks", views.TaskViewSet, basename="task")
router.register("assignments", views.AssignmentViewSet, basename="assignment")
router.register("progress-reports", views.ProgressReportViewSet, basename="progress-report")
router.register("attachments", views.AttachmentViewSet, basename="attachment")
router.register("extensions", views.ExtensionViewSet, basename="extension")
router.register("closeouts", views.CloseoutViewSet, basename="closeout")
router.register("closeout-reviews", views.CloseoutReviewViewSet, basename="closeout-review")
router.register("public-objections", views.PublicObjectionViewSet, basename="public-objection")
router.register("warnings", views.WarningViewSet, basename="warning")
router.register("notifications", views.NotificationViewSet, basename="notification")
router.register(
    "supervision-notices", views.SupervisionNoticeViewSet, basename="supervision-notice"
)

# The spreadsheet endpoints are plain views (uploads and file downloads), not viewsets.
spreadsheet_urls = [
    path("imports/", exchange_views.ImportBatchListView.as_view(), name="import-list"),
    path("imports/<int:pk>/", exchange_views.ImportJobView.as_view(), name="import-job"),
    path("imports/preview/", exchange_views.ImportPreviewView.as_view(), name="import-preview"),
    path("imports/commit/", exchange_views.ImportCommitView.as_view(), name="import-commit"),
    path(
        "imports/unit-alias/",
        exchange_views.ImportUnitAliasView.as_view(),
        name="import-unit-alias",
    ),
    path(
        "imports/units/", exchange_views.ImportUnitCreateView.as_view(), name="import-unit-create"
    ),
    path("imports/template/", exchange_views.ImportTemplateView.as_view(), name="import-template"),
    path("ledger/", exchange_views.LedgerExportView.as_view(), name="ledger-export"),
    path(
        "petitions/<str:pk>/evidence/",
        views.PetitionEvidenceView.as_view(),
        name="petition-evidence",
    ),
    path(
        "petitions/<str:pk>/convert/", views.PetitionConvertView.as_view(), name="petition-convert"
    ),
    *(
        path(
            f"{prefix}/<str:pk>/{verb}/",
            view.as_view(kind=kind),
            name=f"{kind}-{verb}",
        )
        for prefix, kind in (
            ("rounds", "round"),
            ("problems", "problem"),
            ("petitions", "petition"),
        )
        for verb, view in (("withdraw", views.WithdrawView), ("restore", views.RestoreView))
    ),
    path("events/", audit_views.AuditEventsView.as_view(), name="audit-events"),
    path("archives/", archive_api.ArchiveJobCreateView.as_view(), name="archive-create"),
    path("archives/<int:pk>/", archive_api.ArchiveJobDetailView.as_view(), name="archive-detail"),
]

app_name = "api"
urlpatterns = spreadsheet_urls + document_urls + router.urls
