"""Choices of the exchange app's own tables."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchiveStatus(models.TextChoices):
    PENDING = "PENDING", _("排队中")
    RUNNING = "RUNNING", _("生成中")
    DONE = "DONE", _("已生成")
    FAILED = "FAILED", _("生成失败")


ACTIVE_ARCHIVE_STATUSES = (ArchiveStatus.PENDING, ArchiveStatus.RUNNING)
