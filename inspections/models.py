"""Inspection rounds, their feedback tree (方面 / 类 / 项) and petitions (信访件)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _

from accounts.clock import ClockDateTimeField
from accounts.events import INSPECTION_VERBS, EventVerb
from accounts.models import Person, Region, Unit
from accounts.scope import ScopedQuerySet
from accounts.withdrawal import Withdrawable, live_manager, withdrawal_fields
from inspections.choices import (
    PETITION_OPEN_STATUSES,
    DeadlineType,
    PetitionChannel,
    PetitionOutcome,
    PetitionStatus,
    PollutionType,
    ProblemSource,
    RoundKind,
    RoundLevel,
    RoundStatus,
    VerifyResult,
)


class InspectionRound(Withdrawable, models.Model):
    """One inspection round: central/provincial routine, 回头看, Yangtze film, self-check …"""

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    level = models.CharField(_("层级"), max_length=16, choices=RoundLevel.choices)
    kind = models.CharField(_("类型"), max_length=24, choices=RoundKind.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("被督察地区"), on_delete=models.PROTECT, related_name="rounds"
    )
    batch_label = models.CharField(_("批次"), max_length=64, blank=True)
    team_name = models.CharField(_("督察组"), max_length=128, blank=True)
    parent_round = models.ForeignKey(
        "self",
        verbose_name=_("原督察轮次（回头看）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="lookback_rounds",
    )
    stay_start = models.DateField(_("进驻开始"), null=True, blank=True)
    stay_end = models.DateField(_("进驻结束"), null=True, blank=True)
    hotline = models.CharField(_("值班电话"), max_length=64, blank=True)
    mailbox = models.CharField(_("邮政信箱"), max_length=128, blank=True)
    feedback_date = models.DateField(_("反馈日期"), null=True, blank=True)
    feedback_doc_no = models.CharField(_("反馈文号"), max_length=64, blank=True)
    plan_doc_no = models.CharField(_("整改方案文号"), max_length=64, blank=True)
    plan_issued_on = models.DateField(_("方案印发日期"), null=True, blank=True)
    report_due = models.DateField(_("整改报告报送期限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.RECTIFYING
    )
    # The round's acceptance chain (docs/domain.md §1.2, [S7][S8]): after the self-check, a
    # close-out reaches 公示 only when each required step is recorded, as passed, by the unit
    # that owns it; the office's acceptance (市级验收) is always a step.
    # 行业部门认定: by the sector department assigned to the task (when one is), on its own account.
    requires_sector_review = models.BooleanField(
        _("需行业部门认定"),
        default=True,
        help_text=_("任务指定了行业主管部门时，须由该部门登记认定意见"),
    )
    # 省级复核: recorded by the office on receipt of the province's document (or by a provincial
    # office). Provincial and central rounds require it unless the office says otherwise
    # (inspections.services.provincial_review_by_default).
    requires_provincial_review = models.BooleanField(_("需省级验收"), default=False)
    sort = models.PositiveIntegerField(_("排序"), default=0)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)

    # Withdrawn (撤销) with a reason instead of deleted: accounts.withdrawal.
    withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()

    objects = live_manager(ScopedQuerySet)
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("督察轮次")
        verbose_name_plural = _("督察轮次")
        ordering = ["sort", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=RoundLevel.values), name="round_level_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=RoundKind.values), name="round_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=RoundStatus.values), name="round_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(stay_start__isnull=True)
                | Q(stay_end__isnull=True)
                | Q(stay_end__gte=models.F("stay_start")),
                name="round_stay_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FeedbackAspect(models.Model):
    """方面: the top level of a round's feedback ("一、贯彻落实…不到位")."""

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="aspects",
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("标题"), max_length=300)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("反馈方面")
        verbose_name_plural = _("反馈方面")
        ordering = ["round_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["round", "seq"], name="aspect_unique_seq"),
        ]

    def __str__(self) -> str:
        return self.title


class FeedbackCategory(models.Model):
    """类: the middle level of the feedback tree, numbered across the round (1…7)."""

    aspect = models.ForeignKey(
        FeedbackAspect,
        verbose_name=_("方面"),
        on_delete=models.PROTECT,
        related_name="categories",
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("标题"), max_length=300)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("反馈类别")
        verbose_name_plural = _("反馈类别")
        ordering = ["aspect__round_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["aspect", "seq"], name="category_unique_seq"),
        ]

    def __str__(self) -> str:
        return self.title


class Problem(Withdrawable, models.Model):
    """项: one feedback item (or film/self-check/petition problem), broken into tasks (点位)."""

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="problems",
    )
    category = models.ForeignKey(
        FeedbackCategory,
        verbose_name=_("类别"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    seq = models.PositiveSmallIntegerField(_("序号"))
    code = models.CharField(_("问题编号"), max_length=32)
    title = models.CharField(_("具体问题"), max_length=500)
    original_text = models.TextField(_("督察原文"), blank=True)
    goal = models.TextField(_("整改目标"), blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    deadline_type = models.CharField(
        _("时限类型"), max_length=16, choices=DeadlineType.choices, default=DeadlineType.DATED
    )
    deadline = models.DateField(_("整改时限"), null=True, blank=True)
    source = models.CharField(
        _("问题来源"),
        max_length=16,
        choices=ProblemSource.choices,
        default=ProblemSource.FEEDBACK,
    )
    leader = models.ForeignKey(
        Person,
        verbose_name=_("责任领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_problems",
    )
    is_key = models.BooleanField(_("重点问题"), default=False)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)

    # Withdrawn (撤销) with a reason instead of deleted: accounts.withdrawal.
    withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()

    objects = live_manager(ScopedQuerySet)
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("问题（项）")
        verbose_name_plural = _("问题（项）")
        ordering = ["round_id", "seq"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "seq"],
                # A withdrawn row keeps its code; a live one may take it again.
                condition=Q(withdrawn_at__isnull=True),
                name="problem_unique_seq",
            ),
            models.UniqueConstraint(
                fields=["round", "code"],
                # A withdrawn row keeps its code; a live one may take it again.
                condition=Q(withdrawn_at__isnull=True),
                name="problem_unique_code",
            ),
            models.CheckConstraint(
                condition=Q(deadline_type__in=DeadlineType.values),
                name="problem_deadline_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=ProblemSource.values), name="problem_source_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Petition(Withdrawable, models.Model):
    """信访件: a complaint received by the inspectors and transferred for handling (边督边改)."""

    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    batch_no = models.PositiveSmallIntegerField(_("交办批次"))
    accept_no = models.CharField(_("受理编号"), max_length=64, unique=True)
    channel = models.CharField(_("来源方式"), max_length=16, choices=PetitionChannel.choices)
    is_key = models.BooleanField(_("重点交办件"), default=False)
    received_at = models.DateField(_("受理日期"), null=True, blank=True)
    assigned_at = models.DateField(_("交办日期"), null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("行政区域"), on_delete=models.PROTECT, related_name="petitions"
    )
    address = models.CharField(_("地址"), max_length=300, blank=True)
    content = models.TextField(_("反映内容"))
    # A short list of PollutionType codes; petitions are few (dozens per round), so a JSON
    # list is simpler than a join table and filters fine in Python.
    pollution_types = models.JSONField(_("污染类型"), default=list, blank=True)
    complained_object = models.CharField(_("被投诉对象"), max_length=200, blank=True)
    # The petitioner's personal data: shown to the inspection office only, never to units
    # nor on the public page, never exported (PETITIONER_FIELDS).
    petitioner_name = models.CharField(_("信访人姓名"), max_length=64, blank=True)
    petitioner_phone = models.CharField(_("信访人联系方式"), max_length=64, blank=True)
    # 重复件: the first petition about the same object at the same place (same region).
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("重复件首件"),
        null=True,
        blank=True,
        # A first petition is an official record: it is never deleted under its repeats.
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    # The lead unit (牵头承办); empty until the office hands the petition over (交办).
    handling_unit = models.ForeignKey(
        Unit,
        verbose_name=_("承办单位"),
        on_delete=models.PROTECT,
        related_name="petitions",
        null=True,
        blank=True,
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name=_("配合单位"), blank=True, related_name="cooperating_petitions"
    )
    due_date = models.DateField(_("办理期限"), null=True, blank=True)
    verify_result = models.CharField(
        _("核实情况"), max_length=16, choices=VerifyResult.choices, blank=True
    )
    findings = models.TextField(_("调查核实情况"), blank=True)
    handling = models.TextField(_("处理整改情况"), blank=True)
    accountability = models.TextField(_("问责情况"), blank=True)
    ordered_count = models.PositiveIntegerField(_("责令整改（家）"), default=0)
    penalty_count = models.PositiveIntegerField(_("立案处罚（件）"), default=0)
    fine_wan = models.DecimalField(_("罚款（万元）"), max_digits=12, decimal_places=2, default=0)
    accountable_count = models.PositiveIntegerField(_("问责（人）"), default=0)
    outcome = models.CharField(
        _("拟办结方式"), max_length=16, choices=PetitionOutcome.choices, blank=True
    )
    status = models.CharField(
        _("办理状态"),
        max_length=16,
        choices=PetitionStatus.choices,
        default=PetitionStatus.ASSIGNED,
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上报人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reported_on = models.DateField(_("办理结果上报日期"), null=True, blank=True)
    self_checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("单位审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    finished_on = models.DateField(_("办结日期"), null=True, blank=True)
    # Set by the warnings job the first day the petition is overdue (one 逾期预警 each).
    overdue_warned_on = models.DateField(_("逾期预警日期"), null=True, blank=True)
    published_at = models.DateField(_("公开日期"), null=True, blank=True)
    publish_url = models.URLField(_("公开链接"), blank=True, max_length=500)
    created_at = ClockDateTimeField(_("创建时间"), auto_now_add=True)

    # Withdrawn (撤销) with a reason instead of deleted: accounts.withdrawal.
    withdrawn_at, withdrawn_by, withdrawal_reason = withdrawal_fields()

    objects = live_manager(ScopedQuerySet)
    all_objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("信访件")
        verbose_name_plural = _("信访件")
        ordering = ["round_id", "batch_no", "accept_no"]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=PetitionChannel.values), name="petition_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=PetitionStatus.values), name="petition_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(verify_result__in=[*VerifyResult.values, ""]),
                name="petition_verify_valid",
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=[*PetitionOutcome.values, ""]),
                name="petition_outcome_valid",
            ),
            # Handed over (交办) means a lead unit.
            models.CheckConstraint(
                condition=Q(status="RECEIVED") | Q(handling_unit__isnull=False),
                name="petition_assigned_has_unit",
            ),
        ]
        indexes = [
            # The reminders and the warnings job: open petitions by due date.
            models.Index(fields=["status", "due_date"], name="petition_status_due"),
        ]

    def __str__(self) -> str:
        return self.accept_no

    def is_overdue(self, on) -> bool:
        """逾期 on `on` (as petition_services.overdue_q, for one loaded row)."""
        if not self.due_date or self.status not in PETITION_OPEN_STATUSES:
            return False
        if self.status in ("REPORTED", "CHECKED"):
            return bool(self.reported_on and self.reported_on > self.due_date)
        return self.due_date < on

    def pollution_type_labels(self) -> list[str]:
        labels = dict(PollutionType.choices)
        return [str(labels.get(code, code)) for code in self.pollution_types]


class Holiday(models.Model):
    """A day whose working status differs from Mon–Fri (holidays and 调休 workdays)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("节假日")
        verbose_name_plural = _("节假日")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class ImportBatch(models.Model):
    """One committed Excel import of a rectification plan.

    The file's sha256 is unique, so the same file cannot be imported twice; `summary` keeps
    what the import created (counts, headline) for the import history page.
    """

    sha256 = models.CharField(_("文件指纹（SHA-256）"), max_length=64, unique=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    round = models.ForeignKey(
        InspectionRound,
        verbose_name=_("督察轮次"),
        null=True,
        blank=True,
        # Null when one file filled several rounds (the ledger round trip); see summary.
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    created_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("导入人"),
        on_delete=models.PROTECT,
        related_name="import_batches",
    )
    created_at = ClockDateTimeField(_("导入时间"), auto_now_add=True)
    row_count = models.PositiveIntegerField(_("数据行数"), default=0)
    task_count = models.PositiveIntegerField(_("新建任务数"), default=0)
    summary = models.JSONField(_("导入摘要"), default=dict, blank=True)

    class Meta:
        verbose_name = _("计划导入批次")
        verbose_name_plural = _("计划导入批次")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name}（{self.created_at:%Y-%m-%d %H:%M}）"


class InspectionEvent(models.Model):
    """Append-only log of changes to rounds and petitions: who, when, which object, which
    verb (accounts.events.EventVerb), from which status to which, and why.

    The same columns as rectification.Event without the task: inspections cannot refer to
    tasks (docs/adr/0003-event-log.md). Written only through accounts.events.record.
    """

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
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="inspection_events",
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

    class Meta:
        verbose_name = _("督察操作记录")
        verbose_name_plural = _("督察操作记录")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verb__in=INSPECTION_VERBS), name="inspection_event_verb_valid"
            ),
        ]
        indexes = [
            # A round's or a petition's history.
            models.Index(
                fields=["target_type", "target_id", "created_at"], name="inspection_event_target"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_verb_display()}"
