"""Downloads of the generated documents: pages under /documents/ and the same documents under
/api/v1/documents/ (token or session). Each finds its rows through the scope functions first:
outside the reader's scope is a 404, a role the document is not for is a 403."""

from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.views import APIView

from accounts.scope import Reach, get_visible_or_404, is_office, scope_of
from exchange.documents import builders
from exchange.documents.docx import docx_bytes
from exchange.documents.model import Document
from exchange.documents.pdf import pdf_bytes
from inspections.models import InspectionRound, Petition
from rectification.choices import CloseoutStatus, TaskStatus
from rectification.models import SupervisionNotice, Task
from rectification.views.dispatch import readable_report

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"
FORMATS = {"docx": (DOCX, docx_bytes), "pdf": (PDF, pdf_bytes)}
# Tasks whose 销号审批表 can be printed: accepted (公示中) or closed.
CLOSEOUT_TASK_STATUSES = (TaskStatus.PUBLICIZING, TaskStatus.CLOSED)
CLOSEOUT_APPLICATION_STATUSES = (CloseoutStatus.ACCEPTED, CloseoutStatus.APPROVED)


def file_response(document: Document, ext: str) -> HttpResponse:
    if ext not in FORMATS:
        raise Http404("不支持的文件格式")
    content_type, render = FORMATS[ext]
    response = HttpResponse(render(document), content_type=content_type)
    name = f"{document.file_name}.{ext}"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{document.slug}.{ext}\"; filename*=UTF-8''{quote(name)}"
    )
    return response


# ---------------------------------------------------------------------------------------------
# Finding each document's rows in the reader's scope


def _require_region_reader(user) -> None:
    """Offices, leaders and administrators: the round-wide documents."""
    if scope_of(user).reach not in (Reach.REGION, Reach.ALL):
        raise PermissionDenied("该文件仅供环督办和领导下载")


def supervision(request, pk: int) -> Document:
    # Units never see a proposed (拟发) letter nor another unit's: the scope table says so.
    notice = get_visible_or_404(
        SupervisionNotice.objects.select_related(
            "target_unit__region", "issued_by__unit", "leader"
        ),
        request.user,
        pk=pk,
    )
    return builders.supervision_document(notice)


def closeout(request, task_id: int) -> Document:
    task = get_visible_or_404(Task.objects.select_related("region"), request.user, pk=task_id)
    application = builders.closeout_application(task)
    if (
        task.status not in CLOSEOUT_TASK_STATUSES
        or application is None
        or application.status not in CLOSEOUT_APPLICATION_STATUSES
    ):
        raise Http404("该任务尚未通过验收，没有销号审批表")
    return builders.closeout_document(task, application)


def dispatch(request, pk: int) -> Document:
    return builders.dispatch_document(readable_report(request, pk))


def _round(request, pk: int) -> InspectionRound:
    _require_region_reader(request.user)
    return get_visible_or_404(InspectionRound.objects.select_related("region"), request.user, pk=pk)


def round_progress(request, pk: int) -> Document:
    return builders.progress_document(_round(request, pk), request.user)


def round_report(request, pk: int) -> Document:
    return builders.round_report_document(_round(request, pk), request.user)


def petitions(request, round_id: int, batch: int) -> Document:
    if not (is_office(request.user) or scope_of(request.user).reach is Reach.ALL):
        raise PermissionDenied("边督边改公开情况一览表由环督办出具")
    round_ = get_visible_or_404(InspectionRound, request.user, pk=round_id)
    rows = list(
        Petition.objects.visible_to(request.user)
        .filter(round=round_, batch_no=batch)
        .select_related("region")
        .order_by("accept_no")
    )
    if not rows:
        raise Http404("该批次没有信访件")
    return builders.petitions_document(round_, batch, rows)


FINDERS = {
    "supervision": supervision,
    "closeout": closeout,
    "dispatch": dispatch,
    "round_progress": round_progress,
    "round_report": round_report,
    "petitions": petitions,
}


# ---------------------------------------------------------------------------------------------
# Pages


def page(kind: str):
    finder = FINDERS[kind]

    @login_required
    def view(request, ext: str, **kwargs):
        if ext not in FORMATS:
            raise Http404("不支持的文件格式")
        return file_response(finder(request, **kwargs), ext)

    view.__name__ = f"document_{kind}"
    return view


# ---------------------------------------------------------------------------------------------
# API


class _BinaryRenderer(BaseRenderer):
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class DocxRenderer(_BinaryRenderer):
    media_type = DOCX
    format = "docx"


class PdfRenderer(_BinaryRenderer):
    media_type = PDF
    format = "pdf"


class _DocumentView(APIView):
    kind = ""
    renderer_classes = [JSONRenderer, DocxRenderer, PdfRenderer]

    def handle_exception(self, exc):
        # Refusals are JSON ({"detail": "中文说明"}) whatever file type was asked for.
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response

    def document(self, request, ext: str, **kwargs):
        if ext not in FORMATS:
            raise Http404("不支持的文件格式")
        return file_response(FINDERS[self.kind](request, **kwargs), ext)


def api_view(kind: str, summary: str):
    @extend_schema(
        operation_id=f"document_{kind}",
        summary=summary,
        description="下载 Word（ext=docx）或 PDF（ext=pdf）；权限范围与对应页面相同（范围外 404）。",
        responses={
            (200, DOCX): OpenApiTypes.BINARY,
            (200, PDF): OpenApiTypes.BINARY,
            403: OpenApiResponse(description="无权下载"),
            404: OpenApiResponse(description="不存在或不在权限范围内"),
        },
        tags=["documents"],
    )
    def get(self, request, ext: str, **kwargs):
        return self.document(request, ext, **kwargs)

    name = "".join(part.title() for part in kind.split("_")) + "DocumentView"
    return type(name, (_DocumentView,), {"kind": kind, "get": get}).as_view()
