"""Point-level tasks (点位) and everything that happens to them until close-out (销号)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.clock import ClockDateTimeField
from accounts.events import TASK_VERBS, EventVerb
from accounts.models import Person, Region, Unit
from accounts.scope import ScopedQuerySet
from accounts.withdrawal import Withdrawable, live_manager, withdrawal_fields
from inspections.choices import DeadlineType
from inspections.models import InspectionRound, Petition, Problem
from rectification.choices import (
    ACTIVE_CLOSEOUT_STATUSES,
    OPEN_STATUSES,
    AccountabilityForm,
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    JobRunStatus,
    LookBackMethod,
    LookBackResult,
    NoticeResult,
    NotificationChannel,
    NotificationKind,
    NotificationStatus,
    PeriodKind,
    PublicObjectionStatus,
    ReportReviewStatus,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    SavedFilterPage,
    ScheduleStatus,
    SiteType,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)

USER = settings.AUTH_USER_MODEL


class TaskQuerySet(ScopedQuerySet):
    """visible_to(user) by accounts.scope.SCOPE["rectification.Task"]."""

    def open(self) -> "TaskQuerySet":
        return self.filter(status__in=OPEN_STATUSES)


class Task(Withdrawable, models.Model):
    """A point-level task (点位) or a non-point measure: the unit of 销号."""

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="tasks",
        # Always problem.round; kept on the task because round is the most common list filter.
    )
    problem = models.ForeignKey(
        Problem, verbose_name=_("问题（项）"), on_delete=models.PROTECT, related_name="tasks"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("任务编号"), max_length=32)
    name = models.CharField(_("点位/任务名称"), max_length=300)
    is_point = models.BooleanField(_("点位类"), default=True)
    site_type = models.CharField(
        _("点位类型"), max_length=16, choices=SiteType.choices, default=SiteType.OTHER
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("所在区县"),
        on_delete=models.PROTECT,
        related_name="tasks",
        help_text=_("点位所在区县；市级制度类任务为市"),
    )
    address = models.CharField(_("位置描述"), max_length=300, blank=True)
    water_body = models.CharField(_("受纳水体"), max_length=64, blank=True)
    outfall_code = models.CharField(_("排口编号"), max_length=64, blank=True)
    lat = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    crs = models.CharField(_("坐标系"), max_length=16, default="CGCS2000")
    goal = models.TextField(_("整改目标"), blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    deadline_type = models.CharField(
        _("时限类型"), max_length=16, choices=DeadlineType.choices, default=DeadlineType.DATED
    )
    is_ongoing = models.BooleanField(_("长期坚持"), default=False)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    # The deadline as first set; an approved extension changes `deadline` only, and
    # statistics of on-time completion count against this one.
    original_deadline = models.DateField(_("原定时限"), null=True, blank=True)
    # Approved extensions (已延期 n 次), kept by the extension services for lists and exports.
    # (db_default on the columns added by issue 11: the benchmark's bulk loader names columns.)
    extension_count = models.PositiveSmallIntegerField(_("延期次数"), default=0, db_default=0)
    status = models.CharField(
        _("整改状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    schedule_status = models.CharField(
        _("序时状态"), max_length=8, choices=ScheduleStatus.choices, default=ScheduleStatus.NA
    )
    progress_pct = models.PositiveSmallIntegerField(_("完成比例"), default=0)
    # The current warning colour, kept by the warnings job and the services.
    warning_level = models.CharField(
        _("预警"), max_length=8, choices=WarningLevel.choices, default=WarningLevel.NONE
    )
    # Always the unit of the task's single LEAD assignment; denormalized for rankings and the
    # (region, lead_unit) index. Written only by rectification.services.
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("牵头单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    leader = models.ForeignKey(
        Person,
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    petitions = models.ManyToManyField(
        Petition, verbose_name=_("关联信访件"), blank=True, related_name="tasks"
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("重启次数"), default=0)
    # Optimistic lock: every service write bumps it; a form or API write carrying an older
    # version is refused (StaleVersion, HTTP 412 in the API) instead of overwriting.
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = ClockDateTimeField(_("更新时间"), auto_now=True)

    # Withdrawn (撤销) with a reason instead of deleted: accounts.withdrawal.
    withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()

    objects = live_manager(TaskQuerySet)
    all_objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改任务（点位）")
        verbose_name_plural = _("整改任务（点位）")
        ordering = ["round_id", "problem__seq", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "code"],
                # A withdrawn row keeps its code; a live one may take it again.
                condition=Q(withdrawn_at__isnull=True),
                name="task_unique_code",
            ),
            models.UniqueConstraint(
                fields=["problem", "seq"],
                # A withdrawn row keeps its code; a live one may take it again.
                condition=Q(withdrawn_at__isnull=True),
                name="task_unique_seq",
            ),
            models.CheckConstraint(
                condition=Q(status__in=TaskStatus.values), name="task_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(schedule_status__in=ScheduleStatus.values),
                name="task_schedule_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(warning_level__in=WarningLevel.values), name="task_warning_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(site_type__in=SiteType.values), name="task_site_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(deadline_type__in=DeadlineType.values), name="task_deadline_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(progress_pct__lte=100), name="task_progress_pct_range"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(deadline__isnull=True)
                | Q(deadline__gte=models.F("start_date")),
                name="task_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=Q(status=TaskStatus.CLOSED, closed_at__isnull=False)
                | (~Q(status=TaskStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="task_closed_at_iff_closed",
            ),
        ]
        indexes = [
            # County/region scope + status filter, ordered by deadline (task lists, keyset).
            models.Index(
                fields=["region", "status", "deadline", "id"], name="task_region_status_dl"
            ),
            # Whole-scope status filter ordered by deadline (admin/province lists, sweeps).
            models.Index(fields=["status", "deadline", "id"], name="task_status_deadline"),
            # Per-unit counts inside a county (dashboard ranking).
            models.Index(fields=["region", "lead_unit"], name="task_region_lead_unit"),
            # The rounds a region's users see (accounts.scope: a round holding a task of
            # theirs): one probe per (region, round) instead of reading each round's tasks.
            models.Index(fields=["region", "round"], name="task_region_round"),
            # Round filter and per-round totals.
            models.Index(fields=["round", "status"], name="task_round_status"),
            # Overdue sweep over open tasks by unit; PostgreSQL keeps id in the index.
            models.Index(
                fields=["lead_unit", "deadline"],
                name="task_open_lead_deadline",
                include=["id"],
                condition=Q(status__in=OPEN_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_extended(self) -> bool:
        return bool(
            self.original_deadline and self.deadline and self.deadline != self.original_deadline
        )


class Assignment(models.Model):
    """A unit's part in a task or a problem: lead, cooperating, territorial or sector unit."""

    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("问题"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=16, choices=AssignmentRole.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    duty = models.CharField(_("职责"), max_length=300, blank=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        ordering = ["sort", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(task__isnull=False, problem__isnull=True)
                | Q(task__isnull=True, problem__isnull=False),
                name="assignment_task_xor_problem",
            ),
            models.CheckConstraint(
                condition=Q(role__in=AssignmentRole.values), name="assignment_role_valid"
            ),
            models.UniqueConstraint(
                fields=["task", "unit", "role"],
                condition=Q(task__isnull=False),
                name="assignment_unique_task_unit_role",
            ),
            models.UniqueConstraint(
                fields=["problem", "unit", "role"],
                condition=Q(problem__isnull=False),
                name="assignment_unique_problem_unit_role",
            ),
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(role=AssignmentRole.LEAD, task__isnull=False),
                name="assignment_one_lead_per_task",
            ),
        ]
        indexes = [
            # Scope of reporters: "tasks my unit is assigned to" (EXISTS on unit, task).
            models.Index(fields=["unit", "task"], name="assignment_unit_task"),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()}"


class Milestone(models.Model):
    """A planned stage of a task; with weights they drive 序时进度 instead of elapsed time."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="milestones"
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("节点"), max_length=200)
    planned_date = models.DateField(_("计划完成日期"))
    weight = models.PositiveSmallIntegerField(_("权重"), default=1)
    done_date = models.DateField(_("实际完成日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("进度节点")
        verbose_name_plural = _("进度节点")
        ordering = ["task_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["task", "seq"], name="milestone_unique_seq"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ReportingPeriod(models.Model):
    """A reporting period ("2020-01" monthly, "2020-Q1" quarterly) and its due date."""

    code = models.CharField(_("期别"), max_length=8)
    kind = models.CharField(_("类型"), max_length=16, choices=PeriodKind.choices)
    start_date = models.DateField(_("开始"))
    end_date = models.DateField(_("结束"))
    due_date = models.DateField(_("报送截止"))

    class Meta:
        verbose_name = _("报送期")
        verbose_name_plural = _("报送期")
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="period_unique_code"),
            models.CheckConstraint(
                condition=Q(kind__in=PeriodKind.values), name="period_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.code


class ProgressReport(models.Model):
    """A unit's progress report on a task for a period (本月进展)."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("报送期"), on_delete=models.PROTECT, related_name="reports"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="reports"
    )
    progress_text = models.TextField(_("本月进展"))
    progress_pct = models.PositiveSmallIntegerField(_("完成比例"))
    schedule_status = models.CharField(
        _("序时状态"), max_length=8, choices=ScheduleStatus.choices, default=ScheduleStatus.NA
    )
    difficulties = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步计划"), blank=True)
    invest_wan = models.DecimalField(
        _("完成投资（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="reports"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    # Why progress fell below the previous report's (required when it did).
    falling_reason = models.TextField(_("进度回落说明"), blank=True, db_default="")
    # A second report in the same period amends this one; the earlier versions are kept as
    # ProgressReportRevision rows.
    revision_count = models.PositiveSmallIntegerField(_("修改次数"), default=0, db_default=0)
    review_status = models.CharField(
        _("审阅状态"),
        max_length=16,
        choices=ReportReviewStatus.choices,
        default=ReportReviewStatus.PENDING,
        db_default=ReportReviewStatus.PENDING,
    )
    review_note = models.TextField(_("审阅意见"), blank=True, db_default="")
    reviewed_by = models.ForeignKey(
        USER,
        verbose_name=_("审阅人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审阅时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress_pct__lte=100), name="report_pct_range"),
            # One report per task per period: a second one amends the first.
            models.UniqueConstraint(fields=["task", "period"], name="report_one_per_period"),
            models.CheckConstraint(
                condition=Q(review_status__in=ReportReviewStatus.values),
                name="report_review_status_valid",
            ),
        ]
        indexes = [
            # Task page: the last N reports of a task.
            models.Index(fields=["task", "-submitted_at"], name="report_task_recent"),
            # Monthly chase: which (task, unit) reported in a period.
            models.Index(fields=["period", "task", "unit"], name="report_period_task_unit"),
            # 被退回 (selectors.returned_q), evaluated per task by the task lists' urgent order:
            # a probe of this small index instead of reading every report of the task.
            models.Index(
                fields=["task"],
                name="report_returned_task",
                condition=Q(review_status=ReportReviewStatus.RETURNED),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} {self.period}"


class ProgressReportRevision(models.Model):
    """An earlier version of a progress report, kept when the report was amended."""

    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展报告"),
        on_delete=models.CASCADE,
        related_name="revisions",
    )
    unit = models.ForeignKey(Unit, verbose_name=_("报送单位"), on_delete=models.PROTECT)
    progress_text = models.TextField(_("本月进展"))
    progress_pct = models.PositiveSmallIntegerField(_("完成比例"))
    difficulties = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步计划"), blank=True)
    invest_wan = models.DecimalField(
        _("完成投资（万元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    falling_reason = models.TextField(_("进度回落说明"), blank=True)
    review_status = models.CharField(
        _("审阅状态"), max_length=16, choices=ReportReviewStatus.choices
    )
    review_note = models.TextField(_("审阅意见"), blank=True)
    submitted_by = models.ForeignKey(
        USER, verbose_name=_("填报人"), on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    replaced_at = models.DateTimeField(_("被修改时间"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("进展报告历史版本")
        verbose_name_plural = _("进展报告历史版本")
        ordering = ["report_id", "-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.report} {self.submitted_at:%Y-%m-%d %H:%M}"


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # Stored under a content hash, never the user's file name (which stays in original_name).
    return f"evidence/{instance.sha256[:2]}/{instance.sha256}{instance.extension}"


class Attachment(Withdrawable, models.Model):
    """Evidence (佐证材料) attached to a task, a progress report or a close-out application."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="attachments"
    )
    report = models.ForeignKey(
        ProgressReport,
        verbose_name=_("进展报告"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    closeout = models.ForeignKey(
        "CloseoutApplication",
        verbose_name=_("销号申请"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField(_("类别"), max_length=16, choices=AttachmentKind.choices)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    extension = models.CharField(_("扩展名"), max_length=8)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    taken_at = models.DateField(_("拍摄/形成日期"), null=True, blank=True)
    # Read from a photo's EXIF on upload (uploads.photo_metadata), before any compression.
    photo_taken_at = models.DateTimeField(_("拍摄时间（照片信息）"), null=True, blank=True)
    latitude = models.DecimalField(
        _("拍摄位置纬度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("拍摄位置经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    # Why the photo needs a look (taken long before, or far from the task): services.photo_flags.
    photo_flags = models.CharField(_("照片核实提示"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        USER, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="attachments"
    )
    uploaded_at = ClockDateTimeField(_("上传时间"), auto_now_add=True)

    # Withdrawn (撤销) with a reason instead of deleted: accounts.withdrawal.
    withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()

    objects = live_manager(ScopedQuerySet)
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["kind", "uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AttachmentKind.values), name="attachment_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["task", "kind"], name="attachment_task_kind")]

    def __str__(self) -> str:
        return self.title or self.original_name


class PetitionAttachment(Withdrawable, models.Model):
    """Evidence of a petition's handling (调查核实、处理整改的佐证材料), uploaded by its units or
    the office. Stored like task evidence (under its hash, never web-served: only the
    scope-checked download hands it out)."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("信访件"), on_delete=models.PROTECT, related_name="attachments"
    )
    title = models.CharField(_("标题"), max_length=200, blank=True)
    file = models.FileField(_("文件"), upload_to=attachment_upload_to, max_length=255)
    original_name = models.CharField(_("原文件名"), max_length=255)
    extension = models.CharField(_("扩展名"), max_length=8)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        USER, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = ClockDateTimeField(_("上传时间"), auto_now_add=True)

    # Withdrawn (撤销) with a reason instead of deleted: accounts.withdrawal.
    withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()

    objects = live_manager(ScopedQuerySet)
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("信访件佐证材料")
        verbose_name_plural = _("信访件佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.title or self.original_name


class Extension(models.Model):
    """A request to extend a task's deadline (延期申请) and the office's decision."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="extensions"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("申请单位"), on_delete=models.PROTECT)
    requested_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    previous_deadline = models.DateField(_("原时限"), null=True, blank=True)
    requested_deadline = models.DateField(_("申请延期至"))
    reason = models.TextField(_("延期理由"))
    # 逾期后延期: decided by the office after the deadline had passed (never requested by the
    # unit); such a task still counts as overdue against its original deadline.
    after_deadline = models.BooleanField(_("逾期后延期"), default=False, db_default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_by = models.ForeignKey(
        USER,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    decision_note = models.TextField(_("审批意见"), blank=True)
    created_at = ClockDateTimeField(_("申请时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("延期申请")
        verbose_name_plural = _("延期申请")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ExtensionStatus.values), name="extension_status_valid"
            ),
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status=ExtensionStatus.PENDING),
                name="extension_one_pending_per_task",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} → {self.requested_deadline}"


class CloseoutApplication(models.Model):
    """申请销号: a unit's claim that a task is rectified, carried through the reviews."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="closeouts"
    )
    unit = models.ForeignKey(Unit, verbose_name=_("申请单位"), on_delete=models.PROTECT)
    applied_by = models.ForeignKey(
        USER, verbose_name=_("申请人"), on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField(_("申请时间"))
    # Who passed or returned the self-check; separation of duties keeps them (like the
    # applicant) from accepting, reviewing or closing the same application.
    self_checked_by = models.ForeignKey(
        USER,
        verbose_name=_("自验人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    summary = models.TextField(_("整改完成情况说明"))
    # The five close-out standards (docs/domain.md §1.2): {key: bool}, keys of
    # services/closeouts.py CLOSEOUT_CHECKLIST.
    checklist = models.JSONField(_("销号标准核对"), default=dict)
    status = models.CharField(
        _("状态"), max_length=16, choices=CloseoutStatus.choices, default=CloseoutStatus.SUBMITTED
    )
    return_reason = models.TextField(_("退回意见"), blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    closeout_doc_no = models.CharField(_("销号文号"), max_length=64, blank=True)
    filed_at = models.DateField(_("报上级备案日期"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("销号申请")
        verbose_name_plural = _("销号申请")
        ordering = ["applied_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CloseoutStatus.values), name="closeout_status_valid"
            ),
            models.UniqueConstraint(
                fields=["task"],
                condition=Q(status__in=ACTIVE_CLOSEOUT_STATUSES),
                name="closeout_one_active_per_task",
            ),
        ]
        indexes = [models.Index(fields=["status", "applied_at"], name="closeout_queue")]

    def __str__(self) -> str:
        return f"{self.task.code} 销号申请"


class CloseoutReview(models.Model):
    """One acceptance step of a close-out: county self-check, city, sector or provincial."""

    application = models.ForeignKey(
        CloseoutApplication,
        verbose_name=_("销号申请"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    level = models.CharField(_("验收层级"), max_length=16, choices=ReviewLevel.choices)
    unit = models.ForeignKey(
        Unit, verbose_name=_("验收单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    reviewer = models.ForeignKey(
        USER,
        verbose_name=_("验收人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewers = models.CharField(_("验收人员"), max_length=200, blank=True)
    method = models.CharField(
        _("验收方式"), max_length=8, choices=ReviewMethod.choices, default=ReviewMethod.BOTH
    )
    planned_date = models.DateField(_("预计验收日期"), null=True, blank=True)
    actual_date = models.DateField(_("实际验收日期"), null=True, blank=True)
    result = models.CharField(_("验收结论"), max_length=16, choices=ReviewResult.choices)
    opinion = models.TextField(_("验收意见"), blank=True)
    # 省级复核 recorded by the city office on receipt of the province's document: its number,
    # date and scan (closeout_rules.provincial_review_refusal). A provincial office recording
    # in its own name needs none of them.
    document_no = models.CharField(_("复核文件文号"), max_length=64, blank=True)
    document_date = models.DateField(_("复核文件日期"), null=True, blank=True)
    document = models.ForeignKey(
        "Attachment",
        verbose_name=_("复核文件"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = ClockDateTimeField(_("记录时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("验收记录")
        verbose_name_plural = _("验收记录")
        ordering = ["application_id", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=ReviewLevel.values), name="review_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(result__in=ReviewResult.values), name="review_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.get_result_display()}"


class PublicNotice(models.Model):
    """公示 of a close-out before it is final: period, channel, objections and outcome."""

    application = models.OneToOneField(
        CloseoutApplication,
        verbose_name=_("销号申请"),
        on_delete=models.PROTECT,
        related_name="notice",
    )
    channel = models.CharField(_("公示渠道"), max_length=100, default="市政府网站")
    url = models.URLField(_("公示链接"), blank=True, max_length=500)
    start_date = models.DateField(_("公示开始"))
    end_date = models.DateField(_("公示结束"))
    contact_phone = models.CharField(_("异议联系电话"), max_length=32, blank=True)
    objections = models.PositiveSmallIntegerField(_("异议件数"), default=0)
    objection_note = models.TextField(_("异议处理情况"), blank=True)
    result = models.CharField(
        _("公示结果"), max_length=16, choices=NoticeResult.choices, default=NoticeResult.PENDING
    )
    concluded_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("公示")
        verbose_name_plural = _("公示")
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="notice_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(result__in=NoticeResult.values), name="notice_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application.task.code} 公示"


class PublicObjection(models.Model):
    """An objection a citizen submitted on the public notice page during a 公示 (网上异议).

    Pending until the office records the outcome of its check (notice_objection_record with
    this row); only the office and leaders see it, never the units, never the public."""

    notice = models.ForeignKey(
        PublicNotice,
        verbose_name=_("公示"),
        on_delete=models.PROTECT,
        related_name="public_objections",
    )
    name = models.CharField(_("姓名"), max_length=32, blank=True)
    phone = models.CharField(_("联系电话"), max_length=32)
    content = models.TextField(_("异议内容"))
    submitted_at = ClockDateTimeField(_("提交时间"), auto_now_add=True)
    # HMAC-SHA256 of the submitter's IP address keyed with SECRET_KEY: what the per-address rate
    # limit counts on (services.objections); the address itself is not stored.
    source = models.CharField(_("来源标识"), max_length=64, editable=False)
    status = models.CharField(
        _("核查状态"),
        max_length=16,
        choices=PublicObjectionStatus.choices,
        default=PublicObjectionStatus.PENDING,
    )
    handled_by = models.ForeignKey(
        USER,
        verbose_name=_("核查登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("核查登记时间"), null=True, blank=True)
    handling = models.TextField(_("核查处理意见"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("网上公示异议")
        verbose_name_plural = _("网上公示异议")
        ordering = ["submitted_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=PublicObjectionStatus.values),
                name="public_objection_status_valid",
            ),
        ]
        indexes = [
            # the per-address rate limit: this source's submissions in the last hour
            models.Index(fields=["source", "submitted_at"], name="public_objection_source"),
            # the per-notice rate limit and the office's pending list of a notice
            models.Index(fields=["notice", "submitted_at"], name="public_objection_notice"),
        ]

    def __str__(self) -> str:
        return f"{self.notice} 网上异议"


class Warning(models.Model):
    """A warning (蓝签/黄牌/红灯) on a task, recorded per day by the job or issued by the office."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="warnings"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("责任单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    level = models.CharField(_("预警等级"), max_length=8, choices=WarningLevel.choices)
    reason = models.CharField(_("预警原因"), max_length=16, choices=WarningReason.choices)
    day = models.DateField(_("预警日期"))
    auto = models.BooleanField(_("系统生成"), default=True)
    issued_by = models.ForeignKey(
        USER,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("说明"), blank=True)
    resolved_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    # A manual warning is cleared by the office with a reason (services.warning_clear), or
    # when its task is closed; from then on the sweep no longer counts it.
    resolved_by = models.ForeignKey(
        USER,
        verbose_name=_("解除人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resolve_note = models.TextField(_("解除理由"), blank=True)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=WarningLevel.values), name="warning_level_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=WarningReason.values), name="warning_reason_valid"
            ),
            # The daily job records at most one warning per task, reason and day.
            models.UniqueConstraint(
                fields=["task", "reason", "day"],
                condition=Q(auto=True),
                name="warning_unique_auto_per_day",
            ),
        ]
        indexes = [models.Index(fields=["level", "day"], name="warning_level_day")]

    def __str__(self) -> str:
        return f"{self.get_level_display()} {self.task.code}"


class SupervisionNotice(models.Model):
    """提醒函 / 督办函 / 挂牌督办 / 约谈 / 通报 issued by the office to a unit."""

    kind = models.CharField(_("类型"), max_length=16, choices=SupervisionKind.choices)
    doc_no = models.CharField(_("文号"), max_length=64, blank=True)
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"), blank=True)
    target_unit = models.ForeignKey(
        Unit, verbose_name=_("督办对象"), on_delete=models.PROTECT, related_name="supervisions"
    )
    tasks = models.ManyToManyField(
        Task, verbose_name=_("涉及任务"), blank=True, related_name="supervisions"
    )
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=SupervisionStatus.choices,
        default=SupervisionStatus.ISSUED,
    )
    issued_on = models.DateField(_("签发日期"), null=True, blank=True)
    reply_due = models.DateField(_("回复期限"), null=True, blank=True)
    reply_text = models.TextField(_("回复内容"), blank=True)
    replied_at = models.DateTimeField(_("回复时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        USER,
        verbose_name=_("签发人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The leader in charge (task.leader, else problem.leader) for a 约谈 the warnings job
    # proposes on a red card (docs/domain.md [S12]).
    leader = models.ForeignKey(
        "accounts.Person",
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dismissed_reason = models.TextField(_("不予签发理由"), blank=True)
    # Set only on notices a job proposes ("letter:<task id>:<YYYY-MM>", "interview:<task
    # id>:<YYYY-MM>"): a second run of the warnings job, or two beats at once, cannot propose
    # the same 督办函 or 约谈 twice.
    auto_key = models.CharField(_("系统去重键"), max_length=64, null=True, blank=True, unique=True)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("督办")
        verbose_name_plural = _("督办")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=SupervisionKind.values), name="supervision_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=SupervisionStatus.values), name="supervision_status_valid"
            ),
        ]
        indexes = [
            # 待处理预警与督办建议, counted in the office's navigation on every page: the few
            # proposals waiting, not a scan of every notice (the sweep proposes up to one 约谈
            # per red task a month: 100,000 a month at 1,000,000 tasks).
            models.Index(
                fields=["target_unit"],
                name="notice_proposed_unit",
                condition=Q(status=SupervisionStatus.PROPOSED),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AccountabilityRecord(models.Model):
    """问责: a person held to account over a round or a task."""

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accountability_records",
    )
    person_name = models.CharField(_("被问责人"), max_length=64)
    unit_name = models.CharField(_("单位"), max_length=128)
    position = models.CharField(_("职务"), max_length=128, blank=True)
    form = models.CharField(_("问责方式"), max_length=16, choices=AccountabilityForm.choices)
    reason = models.TextField(_("问责事由"))
    decided_on = models.DateField(_("决定日期"))
    decided_by = models.ForeignKey(
        Unit,
        verbose_name=_("决定机关"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问责记录")
        verbose_name_plural = _("问责记录")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(form__in=AccountabilityForm.values), name="accountability_form_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} {self.get_form_display()}"


class LookBackCheck(models.Model):
    """回头看: a later check of a closed task; a rebound reopens it."""

    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.PROTECT, related_name="lookbacks"
    )
    closeout = models.ForeignKey(
        CloseoutApplication,
        verbose_name=_("被检查的销号"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lookbacks",
    )
    check_date = models.DateField(_("检查日期"))
    unit = models.ForeignKey(
        Unit, verbose_name=_("检查单位"), null=True, blank=True, on_delete=models.PROTECT
    )
    method = models.CharField(_("检查方式"), max_length=16, choices=LookBackMethod.choices)
    result = models.CharField(_("检查结论"), max_length=16, choices=LookBackResult.choices)
    findings = models.TextField(_("发现问题"), blank=True)
    reopened = models.BooleanField(_("已重启整改"), default=False)
    created_by = models.ForeignKey(
        USER,
        verbose_name=_("记录人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("回头看")
        verbose_name_plural = _("回头看")
        ordering = ["-check_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(method__in=LookBackMethod.values), name="lookback_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(result__in=LookBackResult.values), name="lookback_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.code} {self.get_result_display()}"


class Event(models.Model):
    """Append-only log: who did what to which object, from which status to which, and why.

    The timeline on a task page and the closed-per-month trend are read from these rows.
    Written only through accounts.events (record / record_select); the verbs are
    accounts.events.EventVerb. Events about rounds and petitions are in
    inspections.InspectionEvent (docs/adr/0003-event-log.md).
    """

    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    target_type = models.ForeignKey(
        ContentType, verbose_name=_("对象类型"), on_delete=models.PROTECT, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(_("对象编号"))
    target = GenericForeignKey("target_type", "target_id")
    verb = models.CharField(_("动作"), max_length=32, choices=EventVerb.choices)
    from_status = models.CharField(_("原状态"), max_length=16, blank=True)
    to_status = models.CharField(_("新状态"), max_length=16, blank=True)
    note = models.TextField(_("说明"), blank=True)
    actor = models.ForeignKey(
        USER,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="events",
    )
    created_at = models.DateTimeField(_("时间"))
    # An edit's old and new values, {field: [old, new]} (accounts.events.changes); covered by
    # the seal's hash like every other column.
    changes = models.JSONField(
        _("修改内容"),
        default=dict,
        blank=True,
        db_default=Value({}, output_field=models.JSONField()),
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Task timeline.
            models.Index(fields=["task", "created_at"], name="event_task_time"),
            # Closed-per-month trend: verb=close within a time range.
            models.Index(fields=["verb", "created_at"], name="event_verb_time"),
        ]
        constraints = [
            # Rounds' and petitions' verbs belong to inspections.InspectionEvent.
            models.CheckConstraint(condition=Q(verb__in=TASK_VERBS), name="event_verb_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_verb_display()}"


class Notification(models.Model):
    """A message to a user, written by services and jobs, delivered by the delivery job."""

    recipient = models.ForeignKey(
        USER, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=32, choices=NotificationKind.choices)
    task = models.ForeignKey(
        Task,
        verbose_name=_("任务"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    channel = models.CharField(
        _("渠道"),
        max_length=8,
        choices=NotificationChannel.choices,
        default=NotificationChannel.INAPP,
    )
    # (kind, task, recipient, channel, day) or similar: a second run of a job cannot send twice.
    unique_key = models.CharField(_("去重键"), max_length=200, unique=True)
    status = models.CharField(
        _("发送状态"),
        max_length=8,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    last_error = models.TextField(_("错误"), blank=True)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=NotificationKind.values), name="notification_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(channel__in=NotificationChannel.values),
                name="notification_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=NotificationStatus.values), name="notification_status_valid"
            ),
        ]
        indexes = [
            # Header badge: unread in-app notifications of a user.
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # Delivery job: pending rows due for an attempt.
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
        ]

    def __str__(self) -> str:
        return self.title


class DispatchReport(models.Model):
    """月调度通报: a region's figures for one month, frozen on the 1st of the next month.

    `figures` is the whole report as JSON (headline, per round, per county, the unit ranking,
    the overdue and red lists, the deltas against the previous month); the page and the Excel
    workbook are rendered from it, so a report never changes after it is made.
    """

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.PROTECT, related_name="dispatch_reports"
    )
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    as_of = models.DateField(_("截至日期"))
    figures = models.JSONField(_("数据快照"), default=dict)
    generated_at = ClockDateTimeField(_("生成时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("月调度通报")
        verbose_name_plural = _("月调度通报")
        ordering = ["-month", "region_id"]
        constraints = [
            # One report per region and month: a retried or doubled job makes no second one.
            models.UniqueConstraint(fields=["region", "month"], name="dispatch_unique_month"),
        ]

    def __str__(self) -> str:
        return f"{self.region} {self.month:%Y年%m月}调度通报"


class DailyTally(models.Model):
    """The day's task figures per (region, round, lead unit): the dashboard's summary table.

    A cell holds the TaskTotals buckets (rectification.selectors) of the tasks of one region,
    round and lead unit as of `day` (overdue depends on the day). rectification.tally builds a
    day's rows in one INSERT … SELECT (the nightly warning sweep, or the first dashboard of
    the day) and the services recount the cells of the tasks they change, in the same
    transaction, so the figures equal a recount of the task table at any moment (tested).
    At 1,000,000 tasks a province has some tens of thousands of cells: the dashboard sums
    those instead of aggregating the task table four times.
    """

    day = models.DateField(_("日期"))
    region = models.ForeignKey(Region, verbose_name=_("地区"), on_delete=models.CASCADE)
    round = models.ForeignKey(InspectionRound, verbose_name=_("督察轮次"), on_delete=models.CASCADE)
    lead_unit = models.ForeignKey(
        Unit, verbose_name=_("牵头单位"), on_delete=models.CASCADE, null=True
    )
    total = models.PositiveIntegerField(_("任务数"), default=0)
    closed = models.PositiveIntegerField(_("已销号"), default=0)
    publicizing = models.PositiveIntegerField(_("公示中"), default=0)
    in_review = models.PositiveIntegerField(_("验收中"), default=0)
    in_progress = models.PositiveIntegerField(_("整改中"), default=0)
    not_started = models.PositiveIntegerField(_("尚未启动"), default=0)
    reopened = models.PositiveIntegerField(_("重启整改"), default=0)
    overdue = models.PositiveIntegerField(_("逾期"), default=0)
    behind = models.PositiveIntegerField(_("未达序时"), default=0)
    red = models.PositiveIntegerField(_("红灯"), default=0)
    yellow = models.PositiveIntegerField(_("黄牌"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日汇总")
        verbose_name_plural = _("每日汇总")
        indexes = [
            # A cell's recount after a service's write: WHERE region = r AND round = o (every
            # built day); the dashboard reads a whole day, a few thousand rows, in any order.
            models.Index(fields=["region", "round", "day"], name="tally_region_round_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}/{self.round_id}/{self.lead_unit_id}"


class TallyDay(models.Model):
    """Marks a day whose DailyTally rows are complete (written in the build's transaction)."""

    day = models.DateField(_("日期"), primary_key=True)
    built_at = ClockDateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("每日汇总批次")
        verbose_name_plural = _("每日汇总批次")

    def __str__(self) -> str:
        return str(self.day)


class TallyTrend(models.Model):
    """Close-outs per month (Asia/Shanghai) of one (region, round) in the 12 months up to
    `day`: the dashboard's trend, kept with DailyTally by rectification.tally (a flow of
    "close" events, so a task closed twice counts twice)."""

    day = models.DateField(_("日期"))
    region = models.ForeignKey(Region, verbose_name=_("地区"), on_delete=models.CASCADE)
    round = models.ForeignKey(InspectionRound, verbose_name=_("督察轮次"), on_delete=models.CASCADE)
    month = models.DateField(_("月份"))
    closes = models.PositiveIntegerField(_("销号次数"), default=0)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("每日汇总（销号趋势）")
        verbose_name_plural = _("每日汇总（销号趋势）")
        indexes = [
            # A cell's recount: WHERE region = r AND round = o (every built day).
            models.Index(fields=["region", "round"], name="tally_trend_region_round"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.region_id}/{self.round_id} {self.month:%Y-%m}"


class JobRun(models.Model):
    """A scheduled job's run for one business period: the ledger the catch-up reads.

    One row per (job, period): `period` is the business day ("2020-02-15") of a daily job or
    the month ("2020-02") of a monthly one (the dispatch job of period 2020-02 runs on the 1st
    and reports on January). The row is also the run's claim (rectification.jobs.runs): it is
    inserted RUNNING by whoever starts the run, so two catch-ups, a beat and a catch-up, or two
    beats never run one period twice at once; a RUNNING row older than the broker's visibility
    timeout belonged to a worker that died and may be taken over, and so may a FAILED one.
    """

    job = models.CharField(_("任务"), max_length=40)
    period = models.CharField(_("周期"), max_length=10, help_text=_("日任务为日期，月任务为年月"))
    status = models.CharField(
        _("状态"), max_length=10, choices=JobRunStatus.choices, default=JobRunStatus.RUNNING
    )
    claimed_by = models.CharField(
        _("执行者"), max_length=100, blank=True, help_text=_("Celery 任务编号或命令")
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=1)
    started_at = models.DateTimeField(_("开始时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    summary = models.JSONField(_("结果摘要"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("定时任务运行记录")
        verbose_name_plural = _("定时任务运行记录")
        ordering = ["-started_at"]
        constraints = [
            # The claim: one run per job and period, whoever asks for it.
            models.UniqueConstraint(fields=["job", "period"], name="jobrun_unique_period"),
            models.CheckConstraint(
                condition=Q(status__in=JobRunStatus.values), name="jobrun_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.period} {self.get_status_display()}"


class SavedFilter(models.Model):
    """A user's named filter of a list (保存的筛选): only the list's query string.

    Opening it is opening the list with that query, so the list's scope still applies: a
    saved filter can never show more than its owner would see without it."""

    # A user's own convenience, not an official record: it goes with its user.
    user = models.ForeignKey(
        USER, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="saved_filters"
    )
    page = models.CharField(
        _("列表"),
        max_length=32,
        choices=SavedFilterPage.choices,
        default=SavedFilterPage.TASK_LIST,
    )
    name = models.CharField(_("名称"), max_length=40)
    # The filters in the list's one encoding (filtersets.encode_filter_data): blanks dropped.
    query = models.CharField(_("筛选条件"), max_length=2000, blank=True)
    created_at = ClockDateTimeField(_("保存时间"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("保存的筛选")
        verbose_name_plural = _("保存的筛选")
        ordering = ["name", "id"]
        constraints = [
            # The unique index also serves the list's dropdown (user, page) and the count
            # against the per-user cap.
            models.UniqueConstraint(
                fields=["user", "page", "name"], name="saved_filter_unique_name"
            ),
            models.CheckConstraint(
                condition=Q(page__in=SavedFilterPage.values), name="saved_filter_page_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name
