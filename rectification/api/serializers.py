"""Serializers for tasks and everything that hangs off them.

Read serializers describe rows; input serializers are small and only validate shapes: the
rules (who, when, which state) are in rectification.services, which the views call.
The task list does not use a ModelSerializer at all: see TaskListSerializer.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts import clock
from inspections.choices import DeadlineType
from rectification import lifecycle, services
from rectification.choices import (
    ACTIVE_CLOSEOUT_STATUSES,
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    LookBackMethod,
    LookBackResult,
    ObjectionChannel,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    ScheduleStatus,
    SiteType,
    SupervisionKind,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Extension,
    LookBackCheck,
    Notification,
    ProgressReport,
    PublicNotice,
    PublicObjection,
    SupervisionNotice,
    Task,
    Warning,
)
from rectification.services import CLOSEOUT_CHECKLIST, TASK_EDITABLE_FIELDS

# ---------------------------------------------------------------------------------------------
# Tasks

# Columns of the task list: one query, the display names joined in (docs/performance.md: no model
# instances, no per-row relation following on the hot list).
TASK_LIST_COLUMNS = (
    "id",
    "code",
    "name",
    "round_id",
    "round__code",
    "problem_id",
    "problem__code",
    "region_id",
    "region__name",
    "lead_unit_id",
    "lead_unit__name",
    "lead_unit__short_name",
    "status",
    "schedule_status",
    "warning_level",
    "progress_pct",
    "deadline",
    "original_deadline",
    "extension_count",
    "is_ongoing",
    "reopen_count",
    "version",
)


class TaskListSerializer(serializers.Serializer):
    """One row of the task list, built from a `.values()` dict.

    The fields declare the schema; to_representation builds the dict directly because DRF's
    per-field machinery costs more than the query on a 50-row page (docs/performance.md, ≤2.5× raw SQL).
    """

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    round = serializers.IntegerField()
    round_code = serializers.CharField()
    problem = serializers.IntegerField()
    problem_code = serializers.CharField()
    region = serializers.IntegerField()
    region_name = serializers.CharField()
    lead_unit = serializers.IntegerField(allow_null=True)
    lead_unit_name = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    status_display = serializers.CharField()
    schedule_status = serializers.ChoiceField(choices=ScheduleStatus.choices)
    schedule_status_display = serializers.CharField()
    warning_level = serializers.ChoiceField(choices=WarningLevel.choices)
    progress_pct = serializers.IntegerField()
    deadline = serializers.DateField(allow_null=True)
    original_deadline = serializers.DateField(allow_null=True)
    is_extended = serializers.BooleanField()
    extension_count = serializers.IntegerField(help_text="已延期次数")
    is_ongoing = serializers.BooleanField()
    reopen_count = serializers.IntegerField()
    version = serializers.IntegerField()

    _STATUS = {k: str(v) for k, v in TaskStatus.choices}
    _SCHEDULE = {k: str(v) for k, v in ScheduleStatus.choices}

    def to_representation(self, row):
        deadline = row["deadline"]
        original = row["original_deadline"]
        return {
            "id": row["id"],
            "code": row["code"],
            "name": row["name"],
            "round": row["round_id"],
            "round_code": row["round__code"],
            "problem": row["problem_id"],
            "problem_code": row["problem__code"],
            "region": row["region_id"],
            "region_name": row["region__name"],
            "lead_unit": row["lead_unit_id"],
            "lead_unit_name": row["lead_unit__short_name"] or row["lead_unit__name"],
            "status": row["status"],
            "status_display": self._STATUS.get(row["status"], row["status"]),
            "schedule_status": row["schedule_status"],
            "schedule_status_display": self._SCHEDULE.get(
                row["schedule_status"], row["schedule_status"]
            ),
            "warning_level": row["warning_level"],
            "progress_pct": row["progress_pct"],
            "deadline": deadline.isoformat() if deadline else None,
            "original_deadline": original.isoformat() if original else None,
            "is_extended": bool(original and deadline and original != deadline),
            "extension_count": row["extension_count"],
            "is_ongoing": row["is_ongoing"],
            "reopen_count": row["reopen_count"],
            "version": row["version"],
        }


class AssignmentSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.display_name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "task", "unit", "unit_name", "role", "role_display", "person", "duty"]
        read_only_fields = fields


class TaskDetailSerializer(serializers.ModelSerializer):
    round_code = serializers.CharField(source="round.code", read_only=True)
    problem_code = serializers.CharField(source="problem.code", read_only=True)
    problem_title = serializers.CharField(source="problem.title", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    lead_unit_name = serializers.CharField(
        source="lead_unit.display_name", read_only=True, allow_null=True, default=None
    )
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    schedule_status_display = serializers.CharField(
        source="get_schedule_status_display", read_only=True
    )
    is_extended = serializers.BooleanField(read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)
    allowed_moves = serializers.SerializerMethodField(
        help_text="当前用户现在可对该任务执行的操作（与任务页按钮相同）"
    )

    class Meta:
        model = Task
        fields = [
            "id",
            "round",
            "round_code",
            "problem",
            "problem_code",
            "problem_title",
            "seq",
            "code",
            "name",
            "is_point",
            "site_type",
            "region",
            "region_name",
            "address",
            "water_body",
            "outfall_code",
            "lat",
            "lng",
            "crs",
            "goal",
            "measures",
            "deadline_type",
            "is_ongoing",
            "start_date",
            "deadline",
            "original_deadline",
            "is_extended",
            "extension_count",
            "status",
            "status_display",
            "schedule_status",
            "schedule_status_display",
            "progress_pct",
            "warning_level",
            "lead_unit",
            "lead_unit_name",
            "leader",
            "closed_at",
            "reopen_count",
            "version",
            "allowed_moves",
            "created_at",
            "updated_at",
            "assignments",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(choices=list(lifecycle.MOVES)))
    )
    def get_allowed_moves(self, task: Task) -> list[str]:
        """lifecycle.allowed_moves() for the requesting user: the same answer as the task page's
        buttons and the services' checks (the API's actions refuse the rest)."""
        request = self.context.get("request")
        if request is None:
            return []
        user = request.user
        application = None
        if lifecycle.needs_applicant(user, task.status):
            application = (
                CloseoutApplication.objects.filter(task=task, status__in=ACTIVE_CLOSEOUT_STATUSES)
                .only("unit_id", "applied_by_id", "self_checked_by_id")
                .first()
            )
        allowed = lifecycle.allowed_moves(
            user,
            task.status,
            unit_roles=lifecycle.unit_roles_in(user, task.assignments.all()),
            application=application,
        )
        if allowed & {"close", "notice_objection"}:
            # The notice's dates narrow these two, as on the task page: 销号 only after the
            # notice has ended, objections only once it has started.
            notice = PublicNotice.objects.filter(
                application__task=task, application__status=CloseoutStatus.ACCEPTED
            ).first()
            today = clock.today()
            if services.notice_close_refusal(notice, today) is not None:
                allowed -= {"close"}
            if notice is None or notice.start_date > today:
                allowed -= {"notice_objection"}
        # The deadline narrows the extension moves and 长期坚持 the re-check, as the task
        # page's buttons do (views.tasks.task_actions): the services refuse the rest.
        past_deadline = bool(task.deadline and task.deadline < clock.today())
        allowed -= {"extension_request"} if past_deadline else {"extension_overdue"}
        if not task.is_ongoing:
            allowed -= {"recheck"}
        return [verb for verb in lifecycle.MOVES if verb in allowed]


class UnitRoleInput(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=AssignmentRole.choices)
    duty = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TaskCreateInput(serializers.Serializer):
    problem = serializers.IntegerField(min_value=1)
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=300)
    region = serializers.IntegerField(min_value=1)
    units = UnitRoleInput(many=True, help_text="责任单位：必须恰好有一个牵头单位（LEAD）")
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    deadline_type = serializers.ChoiceField(
        choices=DeadlineType.choices, default=DeadlineType.DATED
    )
    is_point = serializers.BooleanField(default=True)
    site_type = serializers.ChoiceField(choices=SiteType.choices, default=SiteType.OTHER)
    goal = serializers.CharField(required=False, allow_blank=True, default="")
    measures = serializers.CharField(required=False, allow_blank=True, default="")
    address = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TaskUpdateInput(serializers.ModelSerializer):
    """PATCH: the descriptive fields the office may correct (TASK_EDITABLE_FIELDS)."""

    class Meta:
        model = Task
        fields = list(TASK_EDITABLE_FIELDS)
        extra_kwargs = {f: {"required": False} for f in TASK_EDITABLE_FIELDS}


class SetUnitsInput(serializers.Serializer):
    units = UnitRoleInput(many=True, help_text="责任单位：必须恰好有一个牵头单位（LEAD）")


class ReportProgressInput(serializers.Serializer):
    progress_text = serializers.CharField(help_text="本月进展")
    progress_pct = serializers.IntegerField(min_value=0, max_value=100)
    difficulties = serializers.CharField(required=False, allow_blank=True, default="")
    next_steps = serializers.CharField(required=False, allow_blank=True, default="")
    invest_wan = serializers.DecimalField(
        max_digits=12, decimal_places=2, required=False, allow_null=True, default=None
    )
    falling_reason = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="完成比例低于上次报送时必填"
    )
    files = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="佐证材料（可多个）"
    )
    file_kind = serializers.ChoiceField(
        choices=AttachmentKind.choices, default=AttachmentKind.DURING, help_text="佐证材料类别"
    )


class EvidenceInput(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.ChoiceField(choices=AttachmentKind.choices)
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ExtensionRequestInput(serializers.Serializer):
    requested_deadline = serializers.DateField()
    reason = serializers.CharField()


class ApplyCloseoutInput(serializers.Serializer):
    summary = serializers.CharField(help_text="整改完成情况说明")
    checklist = serializers.DictField(
        child=serializers.BooleanField(),
        help_text="五项销号标准逐项确认："
        + "；".join(f"{k}={v}" for k, v in CLOSEOUT_CHECKLIST.items()),
    )


class LookBackInput(serializers.Serializer):
    check_date = serializers.DateField()
    method = serializers.ChoiceField(choices=LookBackMethod.choices)
    result = serializers.ChoiceField(choices=LookBackResult.choices)
    findings = serializers.CharField(required=False, allow_blank=True, default="")
    new_deadline = serializers.DateField(required=False, allow_null=True, default=None)


# ---------------------------------------------------------------------------------------------
# Things that hang off a task


class ProgressReportSerializer(serializers.ModelSerializer):
    period_code = serializers.CharField(source="period.code", read_only=True)
    unit_name = serializers.CharField(source="unit.display_name", read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "period",
            "period_code",
            "unit",
            "unit_name",
            "progress_text",
            "progress_pct",
            "schedule_status",
            "difficulties",
            "next_steps",
            "invest_wan",
            "falling_reason",
            "submitted_by",
            "submitted_at",
            "revision_count",
            "review_status",
            "review_note",
            "reviewed_by",
            "reviewed_at",
        ]
        read_only_fields = fields


class ReportSubmittedSerializer(ProgressReportSerializer):
    """The report just saved, with what the reporter is asked next."""

    closeout_hint = serializers.SerializerMethodField(
        help_text="完成比例达到 100% 且尚未申请销号时为提示语：是否申请销号；否则为 null"
    )

    class Meta(ProgressReportSerializer.Meta):
        fields = [*ProgressReportSerializer.Meta.fields, "closeout_hint"]
        read_only_fields = fields

    def get_closeout_hint(self, report) -> str | None:
        task = self.context["task"]
        if task is not None and services.suggests_closeout(task):
            return "完成比例已达 100%，是否申请销号？（POST /api/v1/tasks/{id}/apply-closeout/）"
        return None


class ReportReviewInput(serializers.Serializer):
    returned = serializers.BooleanField(default=False, help_text="true：退回补充；false：已审阅")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class RecheckInput(serializers.Serializer):
    progress_text = serializers.CharField(help_text="本季度复查情况")


class OverdueExtensionInput(serializers.Serializer):
    new_deadline = serializers.DateField()
    reason = serializers.CharField()


class AttachmentSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Attachment
        fields = [
            "id",
            "task",
            "report",
            "closeout",
            "kind",
            "kind_display",
            "title",
            "original_name",
            "extension",
            "content_type",
            "size",
            "sha256",
            "taken_at",
            "photo_taken_at",
            "latitude",
            "longitude",
            "photo_flags",
            "uploaded_by",
            "uploaded_at",
        ]
        read_only_fields = fields


class ExtensionSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Extension
        fields = [
            "id",
            "task",
            "unit",
            "requested_by",
            "previous_deadline",
            "requested_deadline",
            "reason",
            "after_deadline",
            "status",
            "status_display",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = fields


class ExtensionDecideInput(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PublicNoticeSerializer(serializers.ModelSerializer):
    url = serializers.CharField(read_only=True)  # may be blank, so not format "uri"

    class Meta:
        model = PublicNotice
        fields = [
            "id",
            "channel",
            "url",
            "start_date",
            "end_date",
            "contact_phone",
            "objections",
            "objection_note",
            "result",
            "concluded_at",
        ]
        read_only_fields = fields


class PublicObjectionSerializer(serializers.ModelSerializer):
    """A 网上异议 as the office sees it (never the units: accounts.scope)."""

    application = serializers.IntegerField(source="notice.application_id", read_only=True)

    class Meta:
        model = PublicObjection
        fields = [
            "id",
            "notice",
            "application",
            "name",
            "phone",
            "content",
            "submitted_at",
            "status",
            "handled_by",
            "handled_at",
            "handling",
        ]
        read_only_fields = fields


class CloseoutReviewSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    result_display = serializers.CharField(source="get_result_display", read_only=True)

    class Meta:
        model = CloseoutReview
        fields = [
            "id",
            "application",
            "level",
            "level_display",
            "unit",
            "reviewer",
            "reviewers",
            "method",
            "planned_date",
            "actual_date",
            "result",
            "result_display",
            "opinion",
            "document_no",
            "document_date",
            "document",
            "created_at",
        ]
        read_only_fields = fields


class CloseoutSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    reviews = CloseoutReviewSerializer(many=True, read_only=True)
    notice = PublicNoticeSerializer(read_only=True, allow_null=True, default=None)

    class Meta:
        model = CloseoutApplication
        fields = [
            "id",
            "task",
            "unit",
            "applied_by",
            "applied_at",
            "summary",
            "checklist",
            "status",
            "status_display",
            "return_reason",
            "returned_at",
            "closed_at",
            "closeout_doc_no",
            "filed_at",
            "reviews",
            "notice",
        ]
        read_only_fields = fields


class SelfCheckInput(serializers.Serializer):
    passed = serializers.BooleanField(help_text="true=自验通过（县级自验/部门自验），false=退回")
    opinion = serializers.CharField()


class AcceptInput(serializers.Serializer):
    opinion = serializers.CharField()
    level = serializers.ChoiceField(
        choices=ReviewLevel.choices,
        default=ReviewLevel.CITY,
        help_text="市级验收（环督办的验收；行业部门认定由行业主管部门通过 review 登记）",
    )
    notice_start = serializers.DateField()
    notice_end = serializers.DateField()
    channel = serializers.CharField(required=False, default="市政府网站", max_length=100)
    url = serializers.URLField(required=False, allow_blank=True, default="", max_length=500)
    contact_phone = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=32
    )
    reviewers = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    method = serializers.ChoiceField(choices=ReviewMethod.choices, default=ReviewMethod.BOTH)


class ReturnInput(serializers.Serializer):
    reason = serializers.CharField()
    level = serializers.ChoiceField(
        choices=ReviewLevel.choices,
        default=ReviewLevel.CITY,
        help_text="市级验收、行业部门认定或省级验收",
    )
    objection_upheld = serializers.BooleanField(default=False, help_text="公示期异议成立")


class ObjectionInput(serializers.Serializer):
    public_objection = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="网上异议的 id（公示页面提交、待核查）：来源、日期和内容取自该异议",
    )
    channel = serializers.ChoiceField(
        choices=ObjectionChannel.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="异议来源：来电、来信、来访或其他（登记网上异议时不填）",
    )
    content = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="异议内容（登记网上异议时不填）"
    )
    upheld = serializers.BooleanField(help_text="核查结论：true=异议成立（退回申请），false=不成立")
    handling = serializers.CharField(help_text="核查处理意见")
    received_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="收到日期（默认今天，须在公示期内）",
    )


class RecordReviewInput(serializers.Serializer):
    level = serializers.ChoiceField(
        choices=ReviewLevel.choices,
        help_text="市级验收（环督办）；省级复核（省级环督办，或市级环督办凭省级复核文件）；"
        "行业部门认定（仅限该任务的行业主管部门单位审核人）",
    )
    result = serializers.ChoiceField(choices=ReviewResult.choices)
    opinion = serializers.CharField()
    actual_date = serializers.DateField(required=False, allow_null=True, default=None)
    reviewers = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    method = serializers.ChoiceField(choices=ReviewMethod.choices, default=ReviewMethod.BOTH)
    # 省级复核 by a city office: the province's document (multipart/form-data for the scan).
    document_no = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=64, help_text="省级复核文件文号"
    )
    document_date = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="省级复核文件日期"
    )
    document = serializers.FileField(
        required=False, allow_null=True, default=None, help_text="省级复核文件扫描件（PDF）"
    )


class CloseInput(serializers.Serializer):
    objections = serializers.IntegerField(min_value=0, max_value=32767, default=0)
    objection_note = serializers.CharField(required=False, allow_blank=True, default="")
    doc_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    filed_at = serializers.DateField(required=False, allow_null=True, default=None)


class LookBackSerializer(serializers.ModelSerializer):
    class Meta:
        model = LookBackCheck
        fields = [
            "id",
            "task",
            "closeout",
            "check_date",
            "unit",
            "method",
            "result",
            "findings",
            "reopened",
            "created_by",
        ]
        read_only_fields = fields


class WarningSerializer(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display", read_only=True)
    reason_display = serializers.CharField(source="get_reason_display", read_only=True)
    task_code = serializers.CharField(source="task.code", read_only=True)

    class Meta:
        model = Warning
        fields = [
            "id",
            "task",
            "task_code",
            "unit",
            "level",
            "level_display",
            "reason",
            "reason_display",
            "day",
            "auto",
            "issued_by",
            "note",
            "resolved_at",
            "resolved_by",
            "resolve_note",
            "created_at",
        ]
        read_only_fields = fields


class WarningRaiseInput(serializers.Serializer):
    level = serializers.ChoiceField(choices=["YELLOW", "RED"], help_text="黄牌或红灯")
    reason = serializers.ChoiceField(
        choices=WarningReason.choices, help_text="上级批评、媒体曝光、群众反复投诉、验收退回 …"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="理由（必填）")


class WithdrawalSerializer(serializers.Serializer):
    """A withdrawn (撤销) record: which, when, by whom, why."""

    id = serializers.IntegerField()
    withdrawn_at = serializers.DateTimeField()
    withdrawn_by = serializers.IntegerField(source="withdrawn_by_id")
    withdrawal_reason = serializers.CharField()


class RestoredSerializer(serializers.Serializer):
    """A restored record: back in every list."""

    id = serializers.IntegerField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


class SupervisionIssueInput(serializers.Serializer):
    doc_no = serializers.CharField(allow_blank=True)
    issued_on = serializers.DateField(required=False, allow_null=True, default=None)
    reply_due = serializers.DateField(required=False, allow_null=True, default=None)


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "task",
            "title",
            "body",
            "url",
            "channel",
            "status",
            "created_at",
            "sent_at",
            "read_at",
        ]
        read_only_fields = fields


class MarkedReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标记为已读的通知数")


class SupervisionNoticeSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    target_unit_name = serializers.CharField(source="target_unit.display_name", read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SupervisionNotice
        fields = [
            "id",
            "kind",
            "kind_display",
            "doc_no",
            "title",
            "content",
            "target_unit",
            "target_unit_name",
            "tasks",
            "status",
            "status_display",
            "issued_on",
            "reply_due",
            "reply_text",
            "replied_at",
            "issued_by",
            "leader",
            "dismissed_reason",
            "created_at",
        ]
        read_only_fields = fields


class SupervisionNoticeInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SupervisionKind.choices)
    title = serializers.CharField(max_length=200)
    target_unit = serializers.IntegerField(min_value=1)
    content = serializers.CharField(required=False, allow_blank=True, default="")
    doc_no = serializers.CharField(required=False, allow_blank=True, default="", max_length=64)
    reply_due = serializers.DateField(required=False, allow_null=True, default=None)
    tasks = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, default=list
    )


class PetitionEvidenceInput(serializers.Serializer):
    file = serializers.FileField(help_text="照片或文件（与任务佐证材料同样的检查）")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class PetitionAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    petition = serializers.IntegerField(source="petition_id")
    title = serializers.CharField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class PetitionConvertInput(serializers.Serializer):
    problem = serializers.IntegerField(help_text="该信访件所属督察轮次中的问题 id")
    code = serializers.CharField(max_length=32, help_text="新任务（点位）编号")
    name = serializers.CharField(max_length=300, help_text="新任务（点位）名称")
    deadline = serializers.DateField(help_text="整改时限")
    measures = serializers.CharField(required=False, allow_blank=True, default="")


class PetitionConvertedSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="pk")
    code = serializers.CharField()
    name = serializers.CharField()
    status = serializers.CharField()


# ---------------------------------------------------------------------------------------------
# Batch actions (services.batch): ids and one opinion in, one result per item out


class BatchIdsInput(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        allow_empty=False,
        help_text="要处理的对象 ID，一次最多 200 个",
    )


class BatchSelfCheckInput(BatchIdsInput):
    opinion = serializers.CharField(max_length=500, help_text="自验意见（全部共用，必填）")


class BatchExtensionDecideInput(BatchIdsInput):
    approve = serializers.BooleanField(help_text="true=批量批准，false=批量不批准")
    opinion = serializers.CharField(max_length=500, help_text="审批意见（全部共用，必填）")


class BatchRemindInput(BatchIdsInput):
    message = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default="", help_text="提醒内容（可选）"
    )


class BatchItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField(help_text="任务编号；不在权限范围内的对象为“ID <id>”")
    ok = serializers.BooleanField()
    reason = serializers.CharField(help_text="未处理的原因（已处理时为空）")


class BatchResultSerializer(serializers.Serializer):
    done = serializers.IntegerField(help_text="已处理的项数")
    refused = serializers.IntegerField(help_text="未处理的项数")
    summary = serializers.CharField(help_text="已处理 N 项；M 项未处理：<编号>：<原因>")
    items = BatchItemSerializer(many=True)


def batch_result_data(result) -> dict:
    return BatchResultSerializer(
        {
            "done": len(result.done),
            "refused": len(result.refused),
            "summary": result.summary(),
            "items": result.items,
        }
    ).data
