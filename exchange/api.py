"""API: plan import (preview → commit), the blank template and the ledger export.

The same pipeline, scope and FilterSet as the pages. Refusals are 400 with a Chinese
`detail` and row-level `errors`; a file imported before is 409; non-office users get 403.

A plan whose problems the round already holds (whatever its bytes) previews with `existing`
and `diff`; committing it as new is 409, committing it with `mode=update` applies the diff.
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

from accounts.api_errors import errors
from accounts.choices import UnitKind
from accounts.errors import NotFound
from accounts.models import Region
from accounts.scope import is_office
from exchange.ledger import ledger_file
from exchange.models import ImportJob
from exchange.plan_import import jobs
from exchange.plan_import.diff import DiffChanged, OverlapsExisting
from exchange.plan_import.errors import AlreadyImported, ImportRefused
from exchange.plan_import.groups import MODES
from exchange.plan_import.options import options_from_api
from exchange.plan_import.pipeline import (
    commit_staged,
    preview_staged,
    preview_upload,
    read_upload,
    staged_rows,
    target_from_data,
    wants_update,
)
from exchange.plan_import.template import template_bytes
from exchange.views import XLSX, ledger_title_region
from inspections import services as inspection_services
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


class UnitSuggestionSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="单位 id（可用于 unit_map 或创建别名）")
    name = serializers.CharField()
    full_name = serializers.CharField()
    reason = serializers.CharField(help_text="机构改革后更名 / 名称包含 / 名称相近")


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 行号")
    column = serializers.CharField(help_text="文件中的列名")
    message = serializers.CharField()
    text = serializers.CharField(help_text="完整的中文提示")
    unit_name = serializers.CharField(required=False, help_text="单位表中没有的单位名称")
    suggestions = UnitSuggestionSerializer(many=True, required=False)


class RefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True, required=False)
    sha256 = serializers.CharField(
        required=False, help_text="文件已暂存：修正单位后可带 unit_map 重新预览（sha256）"
    )


class ImportOptionsSerializer(serializers.Serializer):
    group_mode = serializers.ChoiceField(
        choices=list(MODES.items()),
        required=False,
        help_text="含“各县（市、区）人民政府”等单位组的行的默认处理方式：split 逐县区拆分（默认）、one 合并为一个任务、drop 不纳入",
    )
    group_overrides = serializers.JSONField(
        required=False, help_text="逐行指定处理方式：{行号: split|one|drop}"
    )
    unit_map = serializers.JSONField(
        required=False, help_text="本文件的单位名称对应：{文件中的名称: 单位id}"
    )


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


class PreviewRequestSerializer(TargetSerializer, ImportOptionsSerializer):
    file = serializers.FileField(
        required=False, help_text=".xlsx，不超过 10 MB、20000 行（重新预览已暂存的文件时省略）"
    )
    sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$", required=False, help_text="重新预览已上传的文件（不再上传 file）"
    )
    file_name = serializers.CharField(required=False, max_length=255)


class CommitRequestSerializer(TargetSerializer, ImportOptionsSerializer):
    mode = serializers.ChoiceField(
        choices=[
            ("existing", "已有轮次"),
            ("new", "新建轮次"),
            ("file", "按文件中的督察轮次"),
            ("update", "更新已导入的整改方案（预览返回 existing 时）"),
        ],
        default="existing",
        help_text="update：按预览的 diff 更新已导入的问题和任务（可带 round）",
    )
    sha256 = serializers.RegexField(r"^[0-9a-f]{64}$", help_text="预览返回的文件指纹")
    file_name = serializers.CharField(required=False, max_length=255)
    diff_token = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        required=False,
        help_text="mode=update：预览返回的 diff.token；已导入内容在预览后有变化时拒绝（409）",
    )
    fingerprint = serializers.CharField(
        required=False, help_text="预览返回的 fingerprint：导入结果与预览不同则拒绝"
    )


class CountsSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    rounds = serializers.IntegerField()
    aspects = serializers.IntegerField()
    categories = serializers.IntegerField()
    problems = serializers.IntegerField()
    tasks = serializers.IntegerField()
    assignments = serializers.IntegerField()


class PreviewMilestoneSerializer(serializers.Serializer):
    date = serializers.DateField(help_text="计划完成日期")
    text = serializers.CharField(help_text="节点")


class PreviewWarningSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="Excel 行号")
    column = serializers.CharField(allow_blank=True, help_text="文件中的列名")
    message = serializers.CharField()
    text = serializers.CharField(help_text="完整的中文提示")


class PreviewTaskSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    region = serializers.CharField()
    deadline_type = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    is_ongoing = serializers.BooleanField()
    deadline_label = serializers.CharField(
        help_text="整改时限（如“2022-12-31”“立行立改，长期坚持”）"
    )
    milestones = PreviewMilestoneSerializer(
        many=True, help_text="由分阶段或跨年度时限生成的进度节点（最后一个为最终时限）"
    )
    warnings = serializers.ListField(child=serializers.CharField(), help_text="本行的提示")
    lead_unit = serializers.CharField()
    units = serializers.ListField(child=serializers.CharField())
    deadline_stage = serializers.CharField(
        allow_blank=True, help_text="“整改时限/阶段目标”列的原文（阶段性时限）"
    )
    address = serializers.CharField(allow_blank=True, help_text="位置（乡镇（街道）在前）")


class IgnoredColumnSerializer(serializers.Serializer):
    column = serializers.CharField(help_text="列字母，如“F”")
    header = serializers.CharField(help_text="表头原文，两行表头为“父列/子列”")
    reason = serializers.CharField()


class IgnoredRowSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    text = serializers.CharField()


class PreviewProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    round = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField()
    aspect = serializers.CharField(allow_blank=True)
    category = serializers.CharField(allow_blank=True)
    new = serializers.BooleanField()
    tasks = PreviewTaskSerializer(many=True)


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField(help_text="字段中文名")
    old = serializers.CharField(help_text="已导入的值")
    new = serializers.CharField(help_text="文件中的值")


class DiffCountsSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    changed = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    removed = serializers.IntegerField(help_text="轮次中有、文件中没有（仅列出，不删除）")


class DiffTaskCountsSerializer(DiffCountsSerializer):
    closed_not_updated = serializers.IntegerField(help_text="已销号任务的时限/责任单位变化，未更新")


class DiffAllCountsSerializer(serializers.Serializer):
    problems = DiffCountsSerializer()
    tasks = DiffTaskCountsSerializer()


class DiffProblemSerializer(serializers.Serializer):
    row = serializers.IntegerField(required=False)
    id = serializers.IntegerField(required=False)
    code = serializers.CharField()
    title = serializers.CharField()
    matched_by = serializers.CharField(required=False, help_text="code | title")
    tasks = serializers.IntegerField(required=False)
    changes = FieldChangeSerializer(many=True, required=False)


class DiffTaskSerializer(serializers.Serializer):
    row = serializers.IntegerField(required=False)
    id = serializers.IntegerField(allow_null=True, required=False)
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField(required=False)
    changes = FieldChangeSerializer(many=True, required=False)


class DiffProblemsSerializer(serializers.Serializer):
    added = DiffProblemSerializer(many=True)
    changed = DiffProblemSerializer(many=True)
    removed = DiffProblemSerializer(many=True)


class DiffTasksSerializer(serializers.Serializer):
    added = DiffTaskSerializer(many=True)
    changed = DiffTaskSerializer(many=True)
    closed_not_updated = DiffTaskSerializer(many=True)
    removed = DiffTaskSerializer(many=True)


class DiffSerializer(serializers.Serializer):
    counts = DiffAllCountsSerializer()
    problems = DiffProblemsSerializer()
    tasks = DiffTasksSerializer()
    token = serializers.CharField(help_text="确认更新时作为 diff_token 传回")


class ExistingSerializer(serializers.Serializer):
    rounds = serializers.ListField(child=serializers.DictField())
    problems = serializers.IntegerField(help_text="文件中已导入的问题数")
    tasks = serializers.IntegerField(help_text="文件中已导入的任务数")
    batches = serializers.ListField(child=serializers.DictField(), help_text="该轮次的导入记录")


class GroupUseSerializer(serializers.Serializer):
    phrase = serializers.CharField(help_text="文件中的写法，如“各县（市、区）人民政府”")
    territorial = serializers.BooleanField(help_text="县区单位组（按 mode 展开）")
    members = serializers.ListField(child=serializers.CharField(), help_text="展开后的单位")
    notes = serializers.ListField(child=serializers.CharField())


class PreviewGroupSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    mode = serializers.CharField(help_text="本行采用的处理方式")
    modes_allowed = serializers.ListField(child=serializers.CharField())
    groups = GroupUseSerializer(many=True)


class PreviewSerializer(serializers.Serializer):
    sha256 = serializers.CharField()
    fingerprint = serializers.CharField(help_text="确认导入时原样传回")
    groups = PreviewGroupSerializer(many=True, help_text="含单位组的行及其展开")
    file_name = serializers.CharField()
    sheet = serializers.CharField()
    headline = serializers.CharField(help_text="“N方面N类N项”")
    counts = CountsSerializer()
    rounds = serializers.ListField(child=serializers.DictField())
    ignored_headers = serializers.ListField(
        child=serializers.CharField(), help_text="未识别的列名（ignored_columns 的一部分）"
    )
    ignored_columns = IgnoredColumnSerializer(
        many=True, help_text="不导入的每一列及原因（未识别、不导入、重复、无列名）"
    )
    ignored_rows = IgnoredRowSerializer(
        many=True, help_text="表格下方的注、填报人、审核人、日期等行：已忽略，不作为数据"
    )
    warnings = PreviewWarningSerializer(many=True, help_text="导入时所作的推断，逐行列出")
    problems = PreviewProblemSerializer(many=True)
    existing = ExistingSerializer(
        allow_null=True, help_text="文件中的问题已导入该轮次时：已有的内容；否则为 null"
    )
    diff = DiffSerializer(
        allow_null=True,
        help_text="existing 不为 null 时：新增、修改（逐字段）、未变、轮次中有而文件中没有的问题和任务",
    )


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
    body = {"detail": exc.message, "errors": [e.as_dict() for e in exc.errors]}
    if getattr(exc, "sha256", None):
        body["sha256"] = exc.sha256
    return Response(
        body,
        status=status.HTTP_409_CONFLICT
        if isinstance(exc, AlreadyImported | OverlapsExisting | DiffChanged)
        else 400,
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
                        "deadline_label": t.deadline_label,
                        "milestones": [
                            {"date": m.date, "text": m.text} for m in t.deadline.milestones
                        ],
                        "warnings": t.warnings,
                        "lead_unit": str(t.units[0].unit),
                        "units": [f"{u.unit}（{u.role_label}）" for u in t.units],
                        "deadline_stage": t.deadline_stage,
                        "address": t.address,
                    }
                    for t in p.tasks
                ],
            }
        )
    summary = plan.summary()
    diff = plan.diff if plan.diff is not None and plan.diff.overlaps else None
    groups = [
        {
            "row": g.row,
            "mode": g.mode,
            "modes_allowed": list(g.modes_allowed),
            "groups": [
                {
                    "phrase": u.phrase,
                    "territorial": u.territorial,
                    "members": [str(m.unit) for m in u.members],
                    "notes": u.notes,
                }
                for u in g.uses
            ],
        }
        for g in plan.groups.values()
    ]
    return {
        "sha256": sha256,
        "fingerprint": plan.fingerprint(),
        "groups": groups,
        "file_name": file_name,
        "sheet": plan.sheet_title,
        "headline": plan.headline(),
        "counts": plan.counts(),
        "rounds": summary["rounds"],
        "ignored_headers": plan.ignored_headers,
        "ignored_columns": [c.as_dict() for c in plan.ignored_columns],
        "ignored_rows": [r.as_dict() for r in plan.ignored_rows],
        "warnings": [w.as_dict() for w in plan.row_warnings],
        "problems": problems,
        "existing": diff.existing_summary() if diff else None,
        "diff": diff.as_dict() if diff else None,
    }


_ERRORS = {
    400: OpenApiResponse(RefusalSerializer, description="文件被拒绝或有错误（逐行列出）"),
    403: OpenApiResponse(RefusalSerializer, description="只有环督办可以导入"),
    409: OpenApiResponse(
        RefusalSerializer,
        description="该文件已经导入过；或文件中的问题已导入、需按 mode=update 更新；或预览后已导入内容有变化",
    ),
}


class ImportPreviewView(APIView):
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="imports_preview",
        summary="上传整改方案并预览",
        description="检查文件安全性、识别表头、校验每一行；返回将要创建的方面/类别/问题/任务/责任分工和“N方面N类N项”。不写入任何数据。",
        request={
            "multipart/form-data": PreviewRequestSerializer,
            "application/json": PreviewRequestSerializer,
        },
        responses={200: PreviewSerializer, **_ERRORS},
        tags=["imports"],
    )
    def post(self, request):
        _office_only(request)
        try:
            target = target_from_data(request.data, actor=request.user)
            options = options_from_api(request.data)
            if request.FILES.get("file") is None and request.data.get("sha256"):
                sha256 = str(request.data["sha256"])
                filename = str(request.data.get("file_name") or "")[:255]
                plan = preview_staged(
                    sha256, filename, actor=request.user, target=target, options=options
                )
            else:
                data, filename = read_upload(request.FILES.get("file"))
                sha256, plan = preview_upload(
                    data, filename, actor=request.user, target=target, options=options
                )
        except ImportRefused as exc:
            return _refused(exc)
        return Response(PreviewSerializer(_preview_payload(sha256, filename, plan)).data)


class ImportCommitView(APIView):
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        operation_id="imports_commit",
        summary="确认导入（全部成功或全部不导入）",
        description="按预览确认导入。预览返回 existing（文件中的问题已导入该轮次）时，只能以 mode=update 更新已导入的整改方案（按 diff 新增和修改，不删除；已销号任务的时限和责任单位不更新），否则 409。"
        "不超过 IMPORT_BACKGROUND_ROWS 行（默认 2000）的新方案当场导入（201，导入批次）；"
        "更大的转入后台导入（202，后台导入任务；用 GET /api/v1/imports/{id}/ 查询进度）。",
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
            options = options_from_api(request.data)
            update = wants_update(request.data)
            rows = staged_rows(sha256)
            if not update and jobs.is_big(rows):
                job = jobs.enqueue(
                    sha256,
                    file_name,
                    actor=request.user,
                    target_data={k: request.data.get(k) for k in TargetSerializer().fields},
                    options=options,
                    rows=rows,
                )
                state = ImportJobSerializer(jobs.state(job)).data
                return Response(
                    state, status=202, headers={"Location": f"/api/v1/imports/{job.pk}/"}
                )
            batch, _plan = commit_staged(
                sha256,
                file_name,
                actor=request.user,
                target=target,
                update=update,
                diff_token=body.validated_data.get("diff_token", ""),
                options=options,
            )
        except ImportRefused as exc:
            return _refused(exc)
        return Response(ImportBatchSerializer(batch).data, status=201)


class UnitAliasRequestSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="单位 id（如预览错误中的建议单位）")
    alias = serializers.CharField(max_length=64, help_text="文件中的写法，如“市环保局”")


class UnitCreateRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    short_name = serializers.CharField(max_length=64, required=False, allow_blank=True)
    kind = serializers.ChoiceField(choices=UnitKind.choices)
    region = serializers.IntegerField(help_text="所属区划 id（须在本单位管辖范围内）")


class UnitCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    short_name = serializers.CharField()
    aliases = serializers.ListField(child=serializers.CharField())
    kind = serializers.CharField()
    region = serializers.IntegerField(source="region_id")


def _unit_body(unit) -> dict:
    return UnitCreatedSerializer(
        {
            "id": unit.pk,
            "name": unit.name,
            "short_name": unit.short_name,
            "aliases": unit.alias_list(),
            "kind": unit.kind,
            "region_id": unit.region_id,
        }
    ).data


class ImportUnitAliasView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="imports_unit_alias",
        summary="为单位添加别名（预览中“创建别名”）",
        description="环督办在导入预览中为单位表中没有的名称（如“市环保局”）指定对应单位；只能为本辖区的单位添加，记入操作记录。",
        request=UnitAliasRequestSerializer,
        responses={201: UnitCreatedSerializer, **errors(400, 403, 404)},
        tags=["imports"],
    )
    def post(self, request):
        _office_only(request)
        body = UnitAliasRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        unit = inspection_services.unit_alias_add(
            actor=request.user, unit=body.validated_data["unit"], alias=body.validated_data["alias"]
        )
        return Response(_unit_body(unit), status=201)


class ImportUnitCreateView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="imports_unit_create",
        summary="新建单位（预览中“新建单位”）",
        description="环督办在本辖区内新建计划中出现而单位表中没有的单位，记入操作记录。",
        request=UnitCreateRequestSerializer,
        responses={201: UnitCreatedSerializer, **errors(400, 403, 404)},
        tags=["imports"],
    )
    def post(self, request):
        _office_only(request)
        body = UnitCreateRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        region = Region.objects.filter(pk=data["region"]).first()
        if region is None:
            raise NotFound("该地区不在您的权限范围内")
        unit = inspection_services.unit_create(
            actor=request.user,
            name=data["name"],
            short_name=data.get("short_name", ""),
            kind=data["kind"],
            region=region,
        )
        return Response(_unit_body(unit), status=201)


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
