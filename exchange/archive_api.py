"""API of the round archive bundles (一案一档): ask for one, poll it.

    POST /api/v1/archives/       {"round": <id>}  → 201 (a new job) or 200 (the one already
                                 pending or running for the round)
    GET  /api/v1/archives/{id}/  status, progress, and when done the file's size, hash and
                                 download URL (the page's scope-checking download)

Office only, within its region and only for a round whose every task it sees; elsewhere 404
(outside the scope) or 403, with the same Chinese messages as the pages.
"""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_errors import errors
from accounts.errors import NotFound
from accounts.scope import is_office
from exchange.archive_jobs import archive_job_request
from exchange.choices import ArchiveStatus
from exchange.models import ArchiveJob


class ArchiveJobSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="0–100")
    round_name = serializers.CharField(source="round.name", read_only=True)
    requested_by = serializers.CharField(source="requested_by.display_name", read_only=True)
    download_url = serializers.SerializerMethodField(help_text="已生成时的下载地址，否则为空")

    class Meta:
        model = ArchiveJob
        fields = [
            "id",
            "round",
            "round_name",
            "status",
            "status_label",
            "percent",
            "done_items",
            "total_items",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "file_name",
            "size",
            "sha256",
            "file_count",
            "error",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ArchiveJob) -> str:
        if job.status != ArchiveStatus.DONE:
            return ""
        return reverse("archive_job_download", args=[job.pk])


class ArchiveRequestSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="督察轮次 id")


def _office_only(request) -> None:
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以生成和查看督察轮次的档案")


class ArchiveJobCreateView(APIView):
    parser_classes = [JSONParser, FormParser]

    @extend_schema(
        operation_id="archives_create",
        summary="生成督察轮次的一案一档（后台任务）",
        description="环督办申请生成整轮档案（zip：档案索引、整改台账、操作记录、文书、全部佐证材料及其 SHA-256）。"
        "该轮次已有排队或生成中的任务时返回该任务（200）。",
        request=ArchiveRequestSerializer,
        responses={
            201: ArchiveJobSerializer,
            200: ArchiveJobSerializer,
            **errors(400, 401, 403, 404),
        },
        tags=["archives"],
    )
    def post(self, request):
        _office_only(request)
        body = ArchiveRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        job, created = archive_job_request(round_=body.validated_data["round"], actor=request.user)
        return Response(ArchiveJobSerializer(job).data, status=201 if created else 200)


class ArchiveJobDetailView(APIView):
    @extend_schema(
        operation_id="archives_retrieve",
        summary="一案一档生成任务的状态和进度",
        responses={200: ArchiveJobSerializer, **errors(401, 403, 404)},
        tags=["archives"],
    )
    def get(self, request, pk: int):
        _office_only(request)
        job = (
            ArchiveJob.objects.visible_to(request.user)
            .select_related("round", "requested_by")
            .filter(pk=pk)
            .first()
        )
        if job is None:
            raise NotFound("没有找到该档案生成任务")
        return Response(ArchiveJobSerializer(job).data)
