"""API: plan import (preview → commit), the blank template and the ledger export.

The same pipeline, scope and FilterSet as the pages. Refusals are 400 with a Chinese
`detail` and row-level `errors`; a file imported before is 409; non-office users get 403.
"""

import django_filters
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scope import is_office
from exchange.ledger import ledger_file
from exchange.models import ImportJob
from exchange.plan_import import jobs
from exchange.plan_import.errors import AlreadyImported, ImportRefused
from exchange.plan_import.pipeline import (
    commit_staged,
    preview_upload,
    read_upload,
    staged_rows,
    target_from_data,
)
from exchange.plan_import.template import template_bytes
from exchange.views import XLSX, ledger_title_region
from inspections.choices import RoundKind, RoundLevel
from inspections.models import ImportBatch
from rectification.filtersets import TaskFilterSet
from rectification.models import Task


class XlsxRenderer(BaseRenderer):
    media_type = XLSX
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 行号")
    column = serializers.CharField(help_text="文件中的列名")
    message = serializers.CharField()
    text = serializers.CharField(help_text="完整的中文提示")


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True, required=False)


class TargetSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[("existing", "已有轮次"), ("new", "新建轮次"), ("file", "按文件中的督察轮次")],
        default="existing",
    )
    round = serializers.IntegerField(required=False, help_text="mode=existing：督察轮次 id")
    code = serializers.CharField(required=False, help_text="mode=new：新轮次代码")
    name = serializers.CharField(required=False, help_text="mode=new：新轮次名称")
    kind = serializers.ChoiceField(choices=RoundKind.choices, required=False)
    level = serializers.ChoiceField(choices=RoundLevel.choices, required=False)
    region = serializers.IntegerField(required=False, help_text="mode=new：被督察地区 id")


class PreviewRequestSerializer(TargetSerializer):
    file = serializers.FileField(help_text=".xlsx，不超过 10 MB、20000 行")


class CommitRequestSerializer(TargetSerializer):
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="预览返回的文件指纹")
    file_name = serializers.CharField(required=False, max_length=255)


class CountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    rounds = serializers.IntegerField()
    aspects = serializers.IntegerField()
    categories = serializers.IntegerField()
    problems = serializers.IntegerField()
    tasks = serializers.IntegerField()
    assignments = serializers.IntegerField()


class PreviewTaskSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    deadline_type = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    is_ongoing = serializers.BooleanField()
    lead_unit = serializers.CharField()
    units = serializers.ListField(child=serializers.CharField())


class PreviewProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    round = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    aspect = serializers.CharField(allow_blank=True)
    category = serializers.CharField(allow_blank=True)
    new = serializers.BooleanField()
    tasks = PreviewTaskSerializer(many=True)


class PreviewSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    file_name = serializers.CharField()
    sheet = serializers.CharField()
    headline = serializers.CharField(help_text="“N方面N类N项”")
    counts = CountsSerializer()
    rounds = serializers.ListField(child=serializers.DictField())
    ignored_headers = serializers.ListField(child=serializers.CharField())
    warnings = serializers.ListField(child=serializers.CharField())
    problems = PreviewProblemSerializer(many=True)


class ImportBatchSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.display_name")

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "sha256",
            "file_name",
            "round",
            "created_by",
            "created_at",
            "row_count",
            "task_count",
            "summary",
        ]


class ImportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="后台导入任务 id：GET /api/v1/imports/{id}/")
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)
    status_label = serializers.CharField(help_text="排队中 / 导入中 / 已完成 / 失败")
    phase = serializers.CharField(help_text="导入中：check（校验文件）或 write（写入）")
    phase_label = serializers.CharField()
    file_name = serializers.CharField()
    rows = serializers.IntegerField(help_text="数据行数")
    done = serializers.IntegerField(help_text="已写入的任务数")
    total = serializers.IntegerField(help_text="要写入的任务数（校验完成后才知道）")
    percent = serializers.IntegerField()
    finished = serializers.BooleanField()
    error = serializers.CharField(allow_blank=True, help_text="失败原因（中文）")
    errors = RowErrorSerializer(many=True)
    created_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    batch = serializers.IntegerField(allow_null=True, help_text="已完成：导入批次 id")
    headline = serializers.CharField(allow_blank=True)
    task_count = serializers.IntegerField(allow_null=True)


def _office_only(request) -> None:
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以导入整改方案")


def _refused(exc: ImportRefused) -> Response:
    return Response(
        {"detail": exc.message, "errors": [e.as_dict() for e in exc.errors]},
        status=status.HTTP_409_CONFLICT if isinstance(exc, AlreadyImported) else 400,
    )


def _preview_payload(sha256: str, file_name: str, plan) -> dict:
    problems = []
    for p in plan.problems.values():
        category = p.category
        problems.append(
            {
                "row": p.row,
                "round": next(r.name for r in plan.rounds.values() if r.key == p.round_key),
                "code": p.code,
                "title": p.title,
                "aspect": category.aspect.title if category else "",
                "category": category.title if category else "",
                "new": p.existing is None,
                "tasks": [
                    {
                        "row": t.row,
                        "code": t.code,
                        "name": t.name,
                        "region": t.region.name,
                        "deadline_type": t.deadline.deadline_type,
                        "deadline": t.deadline.deadline,
                        "is_ongoing": t.deadline.is_ongoing,
                        "lead_unit": str(t.units[0].unit),
                        "units": [f"{u.unit}（{u.role_label}）" for u in t.units],
                    }
                    for t in p.tasks
                ],
            }
        )
    summary = plan.summary()
    return {
        "sha256": sha256,
        "file_name": file_name,
        "sheet": plan.sheet_title,
        "headline": plan.headline(),
        "counts": plan.counts(),
        "rounds": summary["rounds"],
        "ignored_headers": plan.ignored_headers,
        "warnings": plan.warnings,
        "problems": problems,
    }


_ERRORS = {
    400: OpenApiResponse(RefusalSerializer, description="文件被拒绝或有错误（逐行列出）"),
    403: OpenApiResponse(RefusalSerializer, description="只有环督办可以导入"),
    409: OpenApiResponse(RefusalSerializer, description="该文件已经导入过"),
}


class ImportPreviewView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_preview",
        summary="上传整改方案并预览",
        description="检查文件安全性、识别表头、校验每一行；返回将要创建的方面/类别/问题/任务/责任分工和“N方面N类N项”。不写入任何数据。",
        request={"multipart/form-data": PreviewRequestSerializer},
        responses={200: PreviewSerializer, **_ERRORS},
        tags=["imports"],
    )
    def post(self, request):
        _office_only(request)
        try:
            data, filename = read_upload(request.FILES.get("file"))
            target = target_from_data(request.data, actor=request.user)
            sha256, plan = preview_upload(data, filename, actor=request.user, target=target)
        except ImportRefused as exc:
            return _refused(exc)
        return Response(PreviewSerializer(_preview_payload(sha256, filename, plan)).data)


class ImportCommitView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_commit",
        summary="确认导入（全部成功或全部不导入）",
        description="不超过 IMPORT_BACKGROUND_ROWS 行（默认 2000）的文件当场导入（201，导入批次）；"
        "更大的文件转入后台导入（202，后台导入任务；用 GET /api/v1/imports/{id}/ 查询进度）。",
        request=CommitRequestSerializer,
        responses={201: ImportBatchSerializer, 202: ImportJobSerializer, **_ERRORS},
        tags=["imports"],
    )
    def post(self, request):
        _office_only(request)
        body = CommitRequestSerializer(data=request.data)
        if not body.is_valid():
            return Response(
                {
                    "detail": "请求参数无效",
                    "errors": [
                        {
                            "row": None,
                            "column": k,
                            "message": "；".join(map(str, v)),
                            "text": f"{k}：{'；'.join(map(str, v))}",
                        }
                        for k, v in body.errors.items()
                    ],
                },
                status=400,
            )
        sha256 = body.validated_data["sha256"]
        file_name = body.validated_data.get("file_name", "")
        try:
            target = target_from_data(request.data, actor=request.user)
            rows = staged_rows(sha256)
            if jobs.is_big(rows):
                job = jobs.enqueue(
                    sha256,
                    file_name,
                    actor=request.user,
                    target_data={k: request.data.get(k) for k in TargetSerializer().fields},
                    rows=rows,
                )
                state = ImportJobSerializer(jobs.state(job)).data
                return Response(
                    state, status=202, headers={"Location": f"/api/v1/imports/{job.pk}/"}
                )
            batch, _plan = commit_staged(sha256, file_name, actor=request.user, target=target)
        except ImportRefused as exc:
            return _refused(exc)
        return Response(ImportBatchSerializer(batch).data, status=201)


class ImportBatchListView(APIView):
    @extend_schema(
        operation_id="imports_list",
        summary="本单位的导入记录",
        responses={200: ImportBatchSerializer(many=True), 403: _ERRORS[403]},
        tags=["imports"],
    )
    def get(self, request):
        _office_only(request)
        batches = ImportBatch.objects.filter(
            created_by__unit_id=request.user.unit_id
        ).select_related("created_by")[:100]
        return Response(ImportBatchSerializer(batches, many=True).data)


class ImportJobView(APIView):
    @extend_schema(
        operation_id="imports_job",
        summary="后台导入任务的状态和进度",
        description="状态（排队中/导入中/已完成/失败）、已写入/总任务数、失败原因。"
        "只有提交人所在辖区的环督办和领导可以查看，其他人 404。",
        responses={200: ImportJobSerializer, 404: OpenApiResponse(RefusalSerializer)},
        tags=["imports"],
    )
    def get(self, request, pk: int):
        job = get_object_or_404(
            ImportJob.objects.visible_to(request.user).select_related("created_by", "batch"),
            pk=pk,
        )
        return Response(ImportJobSerializer(jobs.state(job)).data)


class ImportTemplateView(APIView):
    renderer_classes = [XlsxRenderer, JSONRenderer]

    @extend_schema(
        operation_id="imports_template",
        summary="下载空白导入模板",
        responses={(200, XLSX): OpenApiTypes.BINARY},
        tags=["imports"],
    )
    def get(self, request):
        response = HttpResponse(template_bytes(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="template.xlsx"'
        return response


def _filter_parameters() -> list[OpenApiParameter]:
    params = []
    for name, f in TaskFilterSet.base_filters.items():
        if isinstance(f, django_filters.MultipleChoiceFilter):
            params.append(
                OpenApiParameter(
                    name, str, many=True, enum=[c[0] for c in f.extra["choices"]], explode=True
                )
            )
        elif isinstance(f, django_filters.NumberFilter):
            params.append(OpenApiParameter(name, int))
        elif isinstance(f, django_filters.DateFilter):
            params.append(OpenApiParameter(name, OpenApiTypes.DATE))
        elif isinstance(f, django_filters.BooleanFilter):
            params.append(OpenApiParameter(name, bool))
        else:
            params.append(OpenApiParameter(name, str))
    return params


class LedgerExportView(APIView):
    renderer_classes = [XlsxRenderer, JSONRenderer]

    @extend_schema(
        operation_id="ledger_export",
        summary="导出整改台账（Excel）",
        description="与任务列表相同的筛选参数和权限范围；一行一个任务，按问题分组合并单元格，附“汇总”工作表。",
        parameters=_filter_parameters(),
        responses={
            (200, XLSX): OpenApiTypes.BINARY,
            (400, "application/json"): OpenApiResponse(
                RefusalSerializer, description="筛选条件无效"
            ),
        },
        tags=["ledger"],
    )
    def get(self, request):
        filterset = TaskFilterSet(
            request.query_params, queryset=Task.objects.visible_to(request.user)
        )
        if not filterset.is_valid():
            # A plain JSON response: the negotiated renderer may be the xlsx one.
            return JsonResponse(
                {
                    "detail": "筛选条件无效",
                    "errors": [
                        {
                            "row": None,
                            "column": k,
                            "message": "；".join(v),
                            "text": f"{k}：{'；'.join(v)}",
                        }
                        for k, v in filterset.errors.items()
                    ],
                },
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        handle = ledger_file(filterset.qs, title_region=ledger_title_region(request.user))
        return FileResponse(handle, as_attachment=True, filename="ledger.xlsx", content_type=XLSX)
