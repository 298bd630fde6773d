"""The background plan import: one row per big plan committed by the Celery job.

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
from inspections.models import ImportBatch


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
