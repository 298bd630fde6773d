"""API views for tasks and everything that hangs off them.

Thin by design (docs/style.md §9): every read starts from `Model.objects.visible_to(user)` (so a
row outside the user's scope is a 404), every write calls one function in
rectification.services, and lifecycle moves are `POST …/{id}/<action>/`. Service errors are
turned into HTTP statuses by rectification.api.exceptions.

Optimistic concurrency: task responses carry `ETag: W/"task-<id>-v<version>"`; a write sent
with `If-Match` passes that version to the service, which refuses a stale one (412) before
changing anything.
"""

import re

from django.db.models import Prefetch
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_errors import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, errors
from accounts.errors import InvalidInput, NotAllowed, NotFound
from accounts.ids import parse_id
from accounts.models import Region, Unit
from accounts.scope import ScopedViewMixin
from inspections.models import Petition, Problem
from rectification import services
from rectification.api import serializers as s
from rectification.api.exceptions import PreconditionFailed
from rectification.api.pagination import TaskKeysetPagination
from rectification.filtersets import (
    AssignmentFilterSet,
    AttachmentFilterSet,
    CloseoutFilterSet,
    CloseoutReviewFilterSet,
    ExtensionFilterSet,
    NotificationFilterSet,
    ProgressReportFilterSet,
    PublicObjectionFilterSet,
    SupervisionNoticeFilterSet,
    TaskFilterSet,
    WarningFilterSet,
)
from rectification.lifecycle import MOVES, refusal
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Extension,
    Notification,
    ProgressReport,
    PublicObjection,
    SupervisionNotice,
    Task,
    Warning,
)
from rectification.uploads import download_name

# ---------------------------------------------------------------------------------------------
# Documentation helpers (the error schema is shared with inspections.api: accounts.api_errors)

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='任务的 ETag（如 W/"task-12-v3"）。版本不符时返回 412 且不做任何更改；不传则不检查。',
)
ETAG = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=True,
    description='任务当前版本，如 W/"task-12-v3"；写操作时放入 If-Match',
)

# ---------------------------------------------------------------------------------------------
# ETag / If-Match

_ETAG_RE = re.compile(r'^\s*(?:W/)?"?task-(\d+)-v(\d+)"?\s*$')


def task_etag(task_id: int, version: int) -> str:
    return f'W/"task-{task_id}-v{version}"'


def expected_version(request, task_id: int) -> int | None:
    """The task version the client's If-Match names; None when it sent none (or "*").

    An If-Match naming another task or unreadable is a failed precondition, like a stale one.
    """
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    match = _ETAG_RE.match(raw)
    if not match or int(match.group(1)) != task_id:
        raise PreconditionFailed("If-Match 与该任务不符，请重新获取任务后再提交")
    return int(match.group(2))


def _with_etag(response: Response, task_id: int) -> Response:
    version = Task.objects.filter(pk=task_id).values_list("version", flat=True).first()
    if version is not None:
        response["ETag"] = task_etag(task_id, version)
    return response


def _units_from(data: list[dict]) -> list[services.UnitRole]:
    ids = {entry["unit"] for entry in data}
    found = Unit.objects.in_bulk(ids)
    missing = sorted(ids - set(found))
    if missing:
        raise InvalidInput(f"单位不存在：{missing[0]}", field="units")
    return [
        services.UnitRole(unit=found[e["unit"]], role=e["role"], duty=e.get("duty", ""))
        for e in data
    ]


# ---------------------------------------------------------------------------------------------
# Tasks


@extend_schema_view(
    list=extend_schema(
        summary="任务（点位）列表",
        description="按时限、编号排序的游标分页；count 为筛选后的总数。筛选参数与任务列表页相同。",
        responses={200: s.TaskListSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="任务详情",
        responses={200: s.TaskDetailSerializer, **READ_ERRORS},
        parameters=[ETAG],
    ),
)
class TaskViewSet(ScopedViewMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Task.objects.all()
    filterset_class = TaskFilterSet
    pagination_class = TaskKeysetPagination
    serializer_class = s.TaskDetailSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.action == "list":
            return qs  # bare: the paginator counts it, then joins the display columns
        return qs.select_related("round", "problem", "region", "lead_unit").prefetch_related(
            Prefetch("assignments", queryset=Assignment.objects.select_related("unit"))
        )

    def list(self, request, *args, **kwargs):
        base = self.filter_queryset(self.get_queryset())
        rows = self.paginator.paginate_queryset(
            base, request, view=self, columns=s.TASK_LIST_COLUMNS
        )
        serializer = s.TaskListSerializer()
        return self.paginator.get_paginated_response(
            [serializer.to_representation(r) for r in rows]
        )

    def retrieve(self, request, *args, **kwargs):
        task = self.get_object()
        response = Response(s.TaskDetailSerializer(task, context={"request": request}).data)
        response["ETag"] = task_etag(task.pk, task.version)
        return response

    def _detail(self, task_id: int, code: int = status.HTTP_200_OK) -> Response:
        task = self.get_queryset().get(pk=task_id)
        detail = s.TaskDetailSerializer(task, context={"request": self.request})
        response = Response(detail.data, status=code)
        response["ETag"] = task_etag(task.pk, task.version)
        return response

    @extend_schema(
        summary="新建任务（环督办）",
        request=s.TaskCreateInput,
        responses={201: s.TaskDetailSerializer, **errors(400, 401, 403, 404)},
        parameters=[ETAG],
    )
    def create(self, request, *args, **kwargs):
        data = self._input(s.TaskCreateInput)
        problem = Problem.objects.visible_to(request.user).filter(pk=data["problem"]).first()
        if problem is None:
            raise InvalidInput("问题不存在或不在您的权限范围内", field="problem")
        region = Region.objects.filter(pk=data["region"]).first()
        if region is None:
            raise InvalidInput("地区不存在", field="region")
        task = services.task_create(
            problem=problem,
            actor=request.user,
            code=data["code"],
            name=data["name"],
            region=region,
            units=_units_from(data["units"]),
            deadline=data["deadline"],
            start_date=data["start_date"],
            deadline_type=data["deadline_type"],
            is_point=data["is_point"],
            site_type=data["site_type"],
            goal=data["goal"],
            measures=data["measures"],
            address=data["address"],
        )
        return self._detail(task.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改任务描述信息（环督办）",
        request=s.TaskUpdateInput,
        responses={200: s.TaskDetailSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    def partial_update(self, request, *args, **kwargs):
        task = self.get_object()
        data = self._input(s.TaskUpdateInput, partial=True)
        services.task_update(
            task=task.pk,
            actor=request.user,
            expected_version=expected_version(request, task.pk),
            **data,
        )
        return self._detail(task.pk)

    def _input(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _task_id(self) -> int:
        """The id of a visible task (404 otherwise), without loading the whole row."""
        pk = self.kwargs["pk"]
        found = (
            Task.objects.visible_to(self.request.user).filter(pk=pk).values_list("pk", flat=True)
        )
        task_id = found.first()
        if task_id is None:
            raise NotFound("任务不存在或不在您的权限范围内")
        return task_id

    @extend_schema(
        summary="报送进展（责任单位）",
        description="JSON，或 multipart/form-data 以同时上传佐证材料（files 可多个）。",
        request={
            "application/json": s.ReportProgressInput,
            "multipart/form-data": s.ReportProgressInput,
        },
        responses={
            201: s.ReportSubmittedSerializer,
            200: s.ReportSubmittedSerializer,
            **WRITE_ERRORS,
        },
        parameters=[IF_MATCH, ETAG],
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def report(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.ReportProgressInput)
        report = services.task_report_progress(
            task=task_id,
            actor=request.user,
            progress_text=data["progress_text"],
            progress_pct=data["progress_pct"],
            difficulties=data["difficulties"],
            next_steps=data["next_steps"],
            invest_wan=data["invest_wan"],
            falling_reason=data["falling_reason"],
            files=[services.EvidenceFile(f, data["file_kind"]) for f in data["files"]],
            expected_version=expected_version(request, task_id),
        )
        # One report a month: an amendment answers 200 (the same row), a new report 201.
        code = 200 if report.revision_count else 201
        data = s.ReportSubmittedSerializer(report, context={"task": report.task}).data
        return _with_etag(Response(data, status=code), task_id)

    @extend_schema(
        summary="批量提醒（环督办）：向每项任务的牵头单位发送催办提醒（每天一次），返回每项结果",
        request=s.BatchRemindInput,
        responses={200: s.BatchResultSerializer, **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="batch-remind")
    def batch_remind(self, request):
        serializer = s.BatchRemindInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.tasks_remind_batch(
            actor=request.user, ids=data["ids"], message=data["message"]
        )
        return Response(s.batch_result_data(result))

    @extend_schema(
        summary="上传佐证材料",
        request={"multipart/form-data": s.EvidenceInput},
        responses={201: s.AttachmentSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def evidence(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.EvidenceInput)
        saved = services.task_add_evidence(
            task=task_id,
            actor=request.user,
            files=[services.EvidenceFile(data["file"], data["kind"], data["title"])],
            expected_version=expected_version(request, task_id),
        )
        return Response(s.AttachmentSerializer(saved[0]).data, status=201)

    @extend_schema(
        summary="逾期后延期（环督办，须说明理由）",
        request=s.OverdueExtensionInput,
        responses={201: s.ExtensionSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="extension-overdue")
    def extension_overdue(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.OverdueExtensionInput)
        extension = services.extension_grant_overdue(
            task=task_id,
            actor=request.user,
            new_deadline=data["new_deadline"],
            reason=data["reason"],
            expected_version=expected_version(request, task_id),
        )
        return _with_etag(Response(s.ExtensionSerializer(extension).data, status=201), task_id)

    @extend_schema(
        summary="申请延期（牵头或属地单位）",
        request=s.ExtensionRequestInput,
        responses={201: s.ExtensionSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], url_path="request-extension")
    def request_extension(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.ExtensionRequestInput)
        extension = services.task_request_extension(
            task=task_id,
            actor=request.user,
            requested_deadline=data["requested_deadline"],
            reason=data["reason"],
            expected_version=expected_version(request, task_id),
        )
        return Response(s.ExtensionSerializer(extension).data, status=201)

    @extend_schema(
        summary="申请销号（牵头或属地单位）",
        description="需已上传整改前、整改后佐证材料，并逐项确认五项销号标准。",
        request=s.ApplyCloseoutInput,
        responses={201: s.CloseoutSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], url_path="apply-closeout")
    def apply_closeout(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.ApplyCloseoutInput)
        app = services.task_apply_closeout(
            task=task_id,
            actor=request.user,
            summary=data["summary"],
            checklist=data["checklist"],
            expected_version=expected_version(request, task_id),
        )
        return _with_etag(Response(s.CloseoutSerializer(app).data, status=201), task_id)

    @extend_schema(
        summary="调整责任单位（环督办）",
        request=s.SetUnitsInput,
        responses={200: s.TaskDetailSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], url_path="set-units")
    def set_units(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.SetUnitsInput)
        services.task_set_units(
            task=task_id,
            actor=request.user,
            units=_units_from(data["units"]),
            expected_version=expected_version(request, task_id),
        )
        return self._detail(task_id)

    @extend_schema(
        summary="长期坚持阶段复查（阶段性销号后按季度报送，责任单位）",
        request=s.RecheckInput,
        responses={201: s.ProgressReportSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"])
    def recheck(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.RecheckInput)
        report = services.task_report_recheck(
            task=task_id,
            actor=request.user,
            progress_text=data["progress_text"],
            expected_version=expected_version(request, task_id),
        )
        return _with_etag(Response(s.ProgressReportSerializer(report).data, status=201), task_id)

    @extend_schema(
        summary="回头看（环督办）；反弹或部分反弹则重启整改",
        request=s.LookBackInput,
        responses={201: s.LookBackSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def lookback(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.LookBackInput)
        check = services.task_record_lookback(
            task=task_id,
            actor=request.user,
            check_date=data["check_date"],
            method=data["method"],
            result=data["result"],
            findings=data["findings"],
            new_deadline=data["new_deadline"],
            expected_version=expected_version(request, task_id),
        )
        return _with_etag(Response(s.LookBackSerializer(check).data, status=201), task_id)

    @extend_schema(
        summary="手动预警：亮黄牌或红灯（环督办）",
        request=s.WarningRaiseInput,
        responses={201: s.WarningSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def warning(self, request, pk=None):
        task_id = self._task_id()
        data = self._input(s.WarningRaiseInput)
        warning = services.warning_raise(task=task_id, actor=request.user, **data)
        return _with_etag(Response(s.WarningSerializer(warning).data, status=201), task_id)

    @extend_schema(
        summary="撤销（作废）任务（环督办、系统管理员；须填写理由）",
        request=s.ReasonInput,
        responses={200: s.WithdrawalSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        data = self._input(s.ReasonInput)
        task = services.task_withdraw(task=self._task_id(), actor=request.user, **data)
        return Response(s.WithdrawalSerializer(task).data)

    @extend_schema(
        summary="恢复已撤销的任务（环督办、系统管理员）",
        request=None,
        responses={200: s.TaskDetailSerializer, **WRITE_ERRORS},
        parameters=[ETAG],
    )
    @action(detail=True, methods=["post"])
    def restore(self, request, pk=None):
        # A withdrawn task is outside every list: the service finds it in the actor's scope.
        if not str(pk).isdigit():
            raise NotFound("任务不存在或不在您的权限范围内")
        task = services.task_restore(task=int(pk), actor=request.user)
        return self._detail(task.pk)


# ---------------------------------------------------------------------------------------------
# Read-only lists hanging off tasks


def _read_only_schema(name: str, serializer):
    return extend_schema_view(
        list=extend_schema(
            summary=f"{name}列表", responses={200: serializer(many=True), **LIST_ERRORS}
        ),
        retrieve=extend_schema(summary=f"{name}详情", responses={200: serializer, **READ_ERRORS}),
    )


@_read_only_schema("责任分工", s.AssignmentSerializer)
class AssignmentViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Assignment.objects.select_related("unit")
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilterSet


@_read_only_schema("进展报告", s.ProgressReportSerializer)
class ProgressReportViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = ProgressReport.objects.select_related("period", "unit")
    serializer_class = s.ProgressReportSerializer
    filterset_class = ProgressReportFilterSet

    @extend_schema(
        summary="审阅进展报告：已审阅或退回补充（环督办）",
        request=s.ReportReviewInput,
        responses={200: s.ProgressReportSerializer, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        report = self.get_object()
        serializer = s.ReportReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        reviewed = services.report_review(
            report=report.pk,
            actor=request.user,
            returned=serializer.validated_data["returned"],
            note=serializer.validated_data["note"],
        )
        return Response(s.ProgressReportSerializer(reviewed).data)


@_read_only_schema("佐证材料", s.AttachmentSerializer)
class AttachmentViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Attachment.objects.all()
    serializer_class = s.AttachmentSerializer
    filterset_class = AttachmentFilterSet

    @extend_schema(
        summary="下载佐证材料文件",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="文件内容（Content-Disposition: attachment）"
            ),
            **READ_ERRORS,
        },
    )
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        attachment = self.get_object()
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise NotFound("文件已丢失，请联系管理员") from None
        # Always a download, named and typed by the type the upload check found (never the
        # uploaded name's extension), so an uploaded file cannot act as a page of this site.
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=download_name(attachment.original_name, attachment.extension),
            content_type=attachment.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


@_read_only_schema("延期申请", s.ExtensionSerializer)
class ExtensionViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Extension.objects.all()
    serializer_class = s.ExtensionSerializer
    filterset_class = ExtensionFilterSet

    @extend_schema(
        summary="审批延期申请（环督办）",
        request=s.ExtensionDecideInput,
        responses={200: s.ExtensionSerializer, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        extension = self.get_object()
        serializer = s.ExtensionDecideInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = services.extension_decide(
            extension=extension.pk,
            actor=request.user,
            approve=serializer.validated_data["approve"],
            note=serializer.validated_data["note"],
        )
        return _with_etag(Response(s.ExtensionSerializer(decided).data), decided.task_id)

    @extend_schema(
        summary="批量审批延期申请（环督办）：逐项审批，返回每项结果",
        request=s.BatchExtensionDecideInput,
        responses={200: s.BatchResultSerializer, **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="batch-decide")
    def batch_decide(self, request):
        serializer = s.BatchExtensionDecideInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.extensions_decide_batch(
            actor=request.user, ids=data["ids"], approve=data["approve"], opinion=data["opinion"]
        )
        return Response(s.batch_result_data(result))


@_read_only_schema("销号申请", s.CloseoutSerializer)
class CloseoutViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """Close-out applications and their review steps; each step moves the task."""

    queryset = CloseoutApplication.objects.select_related("notice").prefetch_related("reviews")
    serializer_class = s.CloseoutSerializer
    filterset_class = CloseoutFilterSet

    def _run(self, input_class, service, code=status.HTTP_200_OK, **extra):
        app = (
            CloseoutApplication.objects.visible_to(self.request.user)
            .filter(pk=self.kwargs["pk"])
            .values("pk", "task_id")
            .first()
        )
        if app is None:
            raise NotFound("销号申请不存在或不在您的权限范围内")
        serializer = input_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        service(
            application=app["pk"],
            actor=self.request.user,
            expected_version=expected_version(self.request, app["task_id"]),
            **serializer.validated_data,
            **extra,
        )
        fresh = self.get_queryset().get(pk=app["pk"])
        return _with_etag(Response(s.CloseoutSerializer(fresh).data, status=code), app["task_id"])

    @extend_schema(
        summary="县级自验/部门自验：通过或退回（牵头单位审核人，申请人本人除外）",
        request=s.SelfCheckInput,
        responses={200: s.CloseoutSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], url_path="self-check")
    def self_check(self, request, pk=None):
        return self._run(s.SelfCheckInput, services.closeout_self_check)

    @extend_schema(
        summary="批量自验通过（牵头单位审核人）：逐项自验，申请人本人的申请不予处理，返回每项结果",
        request=s.BatchSelfCheckInput,
        responses={200: s.BatchResultSerializer, **errors(400, 401, 403)},
    )
    @action(detail=False, methods=["post"], url_path="batch-self-check")
    def batch_self_check(self, request):
        serializer = s.BatchSelfCheckInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = services.closeouts_self_check_batch(
            actor=request.user, ids=data["ids"], opinion=data["opinion"]
        )
        return Response(s.batch_result_data(result))

    @extend_schema(
        summary="验收通过并开始公示（环督办）",
        request=s.AcceptInput,
        responses={200: s.CloseoutSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._run(s.AcceptInput, services.closeout_accept)

    @extend_schema(
        summary="验收退回（环督办）",
        request=s.ReturnInput,
        responses={200: s.CloseoutSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._run(s.ReturnInput, services.closeout_return)

    @extend_schema(
        summary="销号（环督办，公示期满后）",
        request=s.CloseInput,
        responses={200: s.CloseoutSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._run(s.CloseInput, services.closeout_close)

    @extend_schema(
        summary="登记公示异议（环督办，公示期内收到的来电、来信）；异议成立则退回申请",
        request=s.ObjectionInput,
        responses={200: s.CloseoutSerializer, **WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def objection(self, request, pk=None):
        return self._run(s.ObjectionInput, services.notice_objection_record)

    @extend_schema(
        summary="登记验收意见：省级复核（省级环督办，或市级环督办凭省级复核文件）、"
        "行业部门认定（该任务的行业主管部门）",
        description="市级环督办登记省级复核须以 multipart/form-data 提交 document_no、"
        "document_date 和 document（PDF 扫描件）。",
        request={
            "application/json": s.RecordReviewInput,
            "multipart/form-data": s.RecordReviewInput,
        },
        responses={201: s.CloseoutReviewSerializer, **errors(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def review(self, request, pk=None):
        app = self.get_object()
        serializer = s.RecordReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        review = services.closeout_record_review(
            application=app.pk, actor=request.user, **serializer.validated_data
        )
        return Response(s.CloseoutReviewSerializer(review).data, status=201)


@_read_only_schema("验收记录", s.CloseoutReviewSerializer)
class CloseoutReviewViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = CloseoutReview.objects.all()
    serializer_class = s.CloseoutReviewSerializer
    filterset_class = CloseoutReviewFilterSet


@_read_only_schema("网上公示异议", s.PublicObjectionSerializer)
class PublicObjectionViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """Objections submitted on /public/; the office records its check through
    closeouts/{id}/objection/ with `public_objection`."""

    queryset = PublicObjection.objects.select_related("notice")
    serializer_class = s.PublicObjectionSerializer
    filterset_class = PublicObjectionFilterSet


@_read_only_schema("预警", s.WarningSerializer)
class WarningViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = Warning.objects.select_related("task")
    serializer_class = s.WarningSerializer
    filterset_class = WarningFilterSet

    @extend_schema(
        summary="解除手动预警（环督办，须填写理由）",
        request=s.ReasonInput,
        responses={200: s.WarningSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        found = self.get_queryset().filter(pk=pk).values_list("pk", flat=True).first()
        if found is None:
            raise NotFound("预警不存在或不在您的权限范围内")
        serializer = s.ReasonInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        warning = services.warning_clear(
            warning=found, actor=request.user, reason=serializer.validated_data["reason"]
        )
        return Response(s.WarningSerializer(warning).data)


@_read_only_schema("我的通知", s.NotificationSerializer)
class NotificationViewSet(ScopedViewMixin, viewsets.ReadOnlyModelViewSet):
    """The user's own notifications only (anyone else's is a 404)."""

    queryset = Notification.objects.all()
    serializer_class = s.NotificationSerializer
    filterset_class = NotificationFilterSet
    # Marking one's own notifications read is not a change to the ledger: leaders may.
    leader_may_write = True

    @extend_schema(
        summary="标记为已读",
        request=None,
        responses={200: s.MarkedReadSerializer, **errors(401, 404)},
    )
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        try:
            notification_id = int(pk)
        except (TypeError, ValueError):
            raise NotFound("通知不存在") from None
        marked = services.notification_mark_read(
            actor=request.user, notification_id=notification_id
        )
        return Response({"marked": marked})

    @extend_schema(
        summary="全部标记为已读",
        request=None,
        responses={200: s.MarkedReadSerializer, **errors(401)},
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        return Response({"marked": services.notification_mark_read(actor=request.user)})


@extend_schema_view(
    list=extend_schema(
        summary="督办（提醒函、督办函、约谈等）列表",
        responses={200: s.SupervisionNoticeSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="督办详情", responses={200: s.SupervisionNoticeSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="发督办（环督办）",
        request=s.SupervisionNoticeInput,
        responses={201: s.SupervisionNoticeSerializer, **errors(400, 401, 403, 404)},
    ),
)
class SupervisionNoticeViewSet(
    ScopedViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    queryset = SupervisionNotice.objects.select_related("target_unit").prefetch_related("tasks")
    serializer_class = s.SupervisionNoticeSerializer
    filterset_class = SupervisionNoticeFilterSet

    def create(self, request, *args, **kwargs):
        # Who may issue 督办 is the service's rule (lifecycle MOVES["supervision"]): anyone
        # else is refused (403) before what they sent is read.
        if refusal(request.user, MOVES["supervision"]) is not None:
            raise NotAllowed("只有环督办可以发督办")
        serializer = s.SupervisionNoticeInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        target = Unit.objects.filter(pk=data.pop("target_unit")).first()
        if target is None:
            raise InvalidInput("督办对象单位不存在", field="target_unit")
        task_ids = data.pop("tasks")
        tasks = list(Task.objects.filter(pk__in=task_ids))
        if len(tasks) != len(set(task_ids)):
            raise NotFound("任务不存在或不在您的权限范围内")
        notice = services.supervision_notice_create(
            actor=request.user, target_unit=target, tasks=tasks, **data
        )
        fresh = self.get_queryset().get(pk=notice.pk)
        return Response(s.SupervisionNoticeSerializer(fresh).data, status=201)

    def _decide(self, service, input_class):
        found = self.get_queryset().filter(pk=self.kwargs["pk"]).values_list("pk", flat=True)
        if found.first() is None:
            raise NotFound("督办事项不存在或不在您的权限范围内")
        serializer = input_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        service(notice=found.first(), actor=self.request.user, **serializer.validated_data)
        fresh = self.get_queryset().get(pk=self.kwargs["pk"])
        return Response(s.SupervisionNoticeSerializer(fresh).data)

    @extend_schema(
        summary="签发拟发的督办函或约谈（环督办）",
        request=s.SupervisionIssueInput,
        responses={200: s.SupervisionNoticeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        return self._decide(services.supervision_notice_issue, s.SupervisionIssueInput)

    @extend_schema(
        summary="不予签发拟发的督办函或约谈（环督办，须填写理由）",
        request=s.ReasonInput,
        responses={200: s.SupervisionNoticeSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        return self._decide(services.supervision_notice_dismiss, s.ReasonInput)


# ---------------------------------------------------------------------------------------------
# A petition's evidence and its conversion to a task: rectification services (the petition
# moves themselves are inspections' PetitionViewSet), under the same /petitions/{id}/ path.


def _visible_petition(request, pk: str) -> Petition:
    # any path segment reaches here, so that a bad id is the API's JSON 404, not a page
    petition = (
        Petition.objects.visible_to(request.user).filter(pk=parse_id(pk)).first()
        if parse_id(pk) is not None
        else None
    )
    if petition is None:
        raise NotFound("信访件不存在或不在您的权限范围内")
    return petition


class PetitionEvidenceView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="上传信访件佐证材料（承办、配合单位或环督办）",
        request={"multipart/form-data": s.PetitionEvidenceInput},
        responses={201: s.PetitionAttachmentSerializer(many=True), **WRITE_ERRORS},
    )
    def post(self, request, pk: str):
        petition = _visible_petition(request, pk)
        body = s.PetitionEvidenceInput(data=request.data)
        body.is_valid(raise_exception=True)
        saved = services.petition_add_evidence(
            actor=request.user,
            petition=petition,
            files=[body.validated_data["file"]],
            title=body.validated_data["title"],
        )
        return Response(s.PetitionAttachmentSerializer(saved, many=True).data, status=201)


class PetitionConvertView(APIView):
    @extend_schema(
        summary="信访件转为整改任务（环督办）",
        request=s.PetitionConvertInput,
        responses={201: s.PetitionConvertedSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: str):
        petition = _visible_petition(request, pk)
        body = s.PetitionConvertInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        data["problem"] = (
            Problem.objects.visible_to(request.user).filter(pk=data["problem"]).first()
        )
        task = services.petition_convert_to_task(actor=request.user, petition=petition, **data)
        return Response(s.PetitionConvertedSerializer(task).data, status=201)


# 撤销（作废） and 恢复 of rounds, problems and petitions (tasks: TaskViewSet.withdraw/restore),
# through rectification.services.withdraw. A withdrawn record is in no list or detail of the
# API; the service finds it in the actor's scope.
_WITHDRAWABLE = {
    "round": (services.round_withdraw, services.round_restore, "round_", "督察轮次"),
    "problem": (services.problem_withdraw, services.problem_restore, "problem", "问题"),
    "petition": (services.petition_withdraw, services.petition_restore, "petition", "信访件"),
}


def _record_id(pk: str, what: str) -> int:
    if not str(pk).isdigit():
        raise NotFound(f"{what}不存在或不在您的权限范围内")
    return int(pk)


class WithdrawView(APIView):
    kind = ""

    @extend_schema(
        summary="撤销（作废）（环督办、系统管理员；须填写理由；轮次连同其问题、任务、信访件）",
        request=s.ReasonInput,
        responses={200: s.WithdrawalSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: str):
        withdraw, _restore, keyword, what = _WITHDRAWABLE[self.kind]
        body = s.ReasonInput(data=request.data)
        body.is_valid(raise_exception=True)
        obj = withdraw(
            actor=request.user,
            reason=body.validated_data["reason"],
            **{keyword: _record_id(pk, what)},
        )
        return Response(s.WithdrawalSerializer(obj).data)


class RestoreView(APIView):
    kind = ""

    @extend_schema(
        summary="恢复已撤销的记录（环督办、系统管理员）",
        request=None,
        responses={200: s.RestoredSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: str):
        _withdraw, restore, keyword, what = _WITHDRAWABLE[self.kind]
        obj = restore(actor=request.user, **{keyword: _record_id(pk, what)})
        return Response(s.RestoredSerializer(obj).data)
