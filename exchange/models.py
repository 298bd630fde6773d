"""The exchange app's background jobs: a big plan's import (ImportJob) and a round's
一案一档 archive bundle (ArchiveJob).

The background plan import: one row per big plan committed by the Celery job.

The data a job writes is one transaction (exchange.plan_import.committer); this row lives
outside it, so the office sees 排队中 → 导入中 → 已完成 / 失败 and, on failure, the reason.
While the transaction runs, its progress (tasks written so far) is kept in the `progress`
cache (exchange.plan_import.jobs), which another process can read while the data is not yet
committed.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.clock import ClockDateTimeField
from accounts.models import Region
from accounts.scope import ScopedQuerySet
from exchange.choices import ACTIVE_ARCHIVE_STATUSES, ArchiveStatus
from inspections.models import ImportBatch, InspectionRound


class ImportJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "QUEUED", _("排队中")
        RUNNING = "RUNNING", _("导入中")
        DONE = "DONE", _("已完成")
        FAILED = "FAILED", _("失败")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    status = models.CharField(
        _("状态"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    # Not unique: a failed job may be submitted again. At most one job per file is queued or
    # running (constraint below); a committed file is refused by ImportBatch's unique sha256.
    sha256 = models.CharField(_("文件指纹（SHA-256）"), max_length=64)
    file_name = models.CharField(_("文件名"), max_length=255)
    # The import target as the form or the API sent it (mode, round, code, name, kind, level,
    # region), checked again by the job as the submitting user.
    target = models.JSONField(_("导入目标"), default=dict)
    region = models.ForeignKey(
        Region,
        verbose_name=_("所属地区"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("提交人单位所在地区：同一辖区的环督办可查看"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        related_name="import_jobs",
    )
    created_at = ClockDateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    total = models.PositiveIntegerField(_("任务总数"), default=0)
    done = models.PositiveIntegerField(_("已写入任务数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    errors = models.JSONField(_("逐行错误"), default=list, blank=True)
    batch = models.OneToOneField(
        ImportBatch,
        verbose_name=_("导入批次"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="job",
    )
    # Names this job's progress in the shared cache (ids repeat across test databases).
    token = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台导入任务")
        verbose_name_plural = _("后台导入任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sha256"],
                condition=Q(status__in=["QUEUED", "RUNNING"]),
                name="importjob_one_active_per_file",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["QUEUED", "RUNNING", "DONE", "FAILED"]),
                name="importjob_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ArchiveJob(models.Model):
    """One request by the office for a round's archive bundle (一案一档), and its file.

    The page writes the row (PENDING); the `archives` job claims it with a conditional
    update (PENDING → RUNNING), writes the zip under MEDIA_ROOT/archives/ with progress in
    done_items / total_items, and ends DONE with the file or FAILED with the reason. The
    file is handed out only by the scope-checking download view.
    """

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="archive_jobs",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ArchiveStatus.choices, default=ArchiveStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="archive_jobs",
    )
    created_at = ClockDateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    # Moved on with the progress; a RUNNING job whose worker died stops moving it.
    heartbeat_at = models.DateTimeField(_("最近进度时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_items = models.PositiveIntegerField(_("已完成项"), default=0)
    total_items = models.PositiveIntegerField(_("总项数"), default=0)
    # Relative to MEDIA_ROOT (archives/…); written by the job, never uploaded.
    file = models.FileField(_("档案文件"), max_length=255, blank=True)
    file_name = models.CharField(_("下载文件名"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    file_count = models.PositiveIntegerField(_("文件数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("档案生成任务")
        verbose_name_plural = _("档案生成任务")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ArchiveStatus.values), name="archive_job_status_valid"
            ),
            # Asking again while a bundle of the round is on its way returns that one.
            models.UniqueConstraint(
                fields=["round"],
                condition=Q(status__in=["PENDING", "RUNNING"]),
                name="archive_job_one_active_per_round",
            ),
        ]
        indexes = [
            # The sweep: pending and running jobs, oldest first.
            models.Index(fields=["status", "created_at"], name="archive_job_status_time"),
        ]

    def __str__(self) -> str:
        return f"{self.round} 一案一档（{self.get_status_display()}）"

    @property
    def percent(self) -> int:
        if self.status == ArchiveStatus.DONE:
            return 100
        if not self.total_items:
            return 0
        return min(99, self.done_items * 100 // self.total_items)

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_ARCHIVE_STATUSES
