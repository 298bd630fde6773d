"""Page forms. They validate input shape only; every write goes through rectification.services,
whose InvalidInput errors the views attach back onto these forms."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import Region, Unit
from inspections.choices import PetitionOutcome, VerifyResult
from inspections.models import Problem
from inspections.workdays import CalendarMissing
from rectification import services
from rectification.choices import (
    AttachmentKind,
    LookBackMethod,
    LookBackResult,
    ObjectionChannel,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    SupervisionKind,
)
from rectification.services import CLOSEOUT_CHECKLIST

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class CameraInput(MultipleFileInput):
    """A file input that opens the phone's rear camera (拍照); the normal picker beside it
    stays for documents and photos taken earlier."""

    def __init__(self, attrs=None):
        super().__init__({"accept": "image/*", "capture": "environment", **(attrs or {})})


def camera_field(label=None) -> MultipleFileField:
    return MultipleFileField(
        label=label or _("拍照"),
        required=False,
        widget=CameraInput(),
        help_text=_("在手机上直接打开相机拍照；照片的拍摄时间和位置会一并保存"),
    )


FILES_HELP = _("可一次选择多个文件：图片、PDF、Office 文档或 MP4 视频")


class VersionedForm(forms.Form):
    """Carries the task version the page was rendered with (optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ProgressReportForm(VersionedForm):
    progress_text = forms.CharField(label=_("本月进展"), widget=forms.Textarea(attrs={"rows": 4}))
    progress_pct = forms.IntegerField(label=_("完成比例（%）"), min_value=0, max_value=100)
    difficulties = forms.CharField(
        label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(
        label=_("下步计划"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    falling_reason = forms.CharField(
        label=_("进度回落原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("完成比例低于上次报送时必须填写（例如验收退回后按实际核减）"),
    )
    evidence_kind = forms.ChoiceField(
        label=_("材料类别"), choices=AttachmentKind.choices, initial=AttachmentKind.DURING
    )
    photos = camera_field()
    files = MultipleFileField(label=_("佐证材料"), required=False, help_text=FILES_HELP)


class RecheckForm(VersionedForm):
    progress_text = forms.CharField(
        label=_("本季度复查情况"), widget=forms.Textarea(attrs={"rows": 4})
    )
    photos = camera_field()
    files = MultipleFileField(label=_("佐证材料"), required=False, help_text=FILES_HELP)


class ReportReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("reviewed", "已审阅"), ("returned", "退回补充")])
    note = forms.CharField(label=_("审阅意见"), required=False, max_length=1000)


class OverdueExtensionForm(VersionedForm):
    new_deadline = forms.DateField(label=_("延期至"), widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("逾期后延期理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("任务已超过整改时限；统计中仍按原定时限计为逾期"),
    )


class ExtensionForm(forms.Form):
    requested_deadline = forms.DateField(label=_("申请延期至"), widget=DATE_WIDGET)
    reason = forms.CharField(label=_("延期理由"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseoutForm(VersionedForm):
    summary = forms.CharField(label=_("整改完成情况说明"), widget=forms.Textarea(attrs={"rows": 4}))
    before_photos = camera_field(_("拍照（整改前）"))
    before_files = MultipleFileField(label=_("整改前照片/材料"), required=False)
    after_photos = camera_field(_("拍照（整改后）"))
    after_files = MultipleFileField(label=_("整改后照片/材料"), required=False)
    other_kind = forms.ChoiceField(
        label=_("其他佐证的类别"),
        choices=[
            (kind, label)
            for kind, label in AttachmentKind.choices
            if kind not in (AttachmentKind.BEFORE, AttachmentKind.AFTER)
        ],
        initial=AttachmentKind.OTHER,
        required=False,
        help_text=_("监测报告、处罚决定书、拆除文书等，按点位类型的要求选择"),
    )
    other_files = MultipleFileField(label=_("其他佐证（监测报告、竣工验收等）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in CLOSEOUT_CHECKLIST.items():
            self.fields[f"check_{key}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"check_{key}")) for key in CLOSEOUT_CHECKLIST}

    def checklist_fields(self):
        return [self[f"check_{key}"] for key in CLOSEOUT_CHECKLIST]


class SelfCheckForm(VersionedForm):
    # No default: the head must choose (a pass is never one click away).
    decision = forms.ChoiceField(
        label=_("自验结论"),
        choices=[("pass", _("自验通过")), ("return", _("退回"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择自验结论：通过或退回")},
    )
    opinion = forms.CharField(
        label=_("自验意见/退回理由"), widget=forms.Textarea(attrs={"rows": 3})
    )


class AcceptForm(VersionedForm):
    opinion = forms.CharField(label=_("验收意见"), widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.ChoiceField(
        label=_("验收层级"),
        choices=[
            (ReviewLevel.CITY, ReviewLevel.CITY.label),
        ],
        initial=ReviewLevel.CITY,
    )
    notice_start = forms.DateField(
        label=_("公示开始"), widget=DATE_WIDGET, help_text=_("验收当天或之后")
    )
    notice_end = forms.DateField(label=_("公示结束"), widget=DATE_WIDGET)
    # Required by the service (closeouts._check_notice), whose refusal names the rule.
    contact_phone = forms.CharField(
        label=_("异议联系电话"),
        max_length=32,
        required=False,
        help_text=_("必填：在公示页面公布，受理群众异议"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The notice rules live in the service (closeouts._check_notice); the form only
        # starts from a notice that satisfies them.
        today = clock.today()
        minimum = services.closeouts.notice_min_working_days()
        self.fields["notice_start"].initial = today
        self.fields["notice_end"].help_text = _("公示期不少于%(n)d个工作日") % {"n": minimum}
        try:
            self.fields["notice_end"].initial = services.notice_earliest_end(today)
        except CalendarMissing:
            self.fields["notice_end"].initial = None


class ReturnForm(VersionedForm):
    reason = forms.CharField(label=_("退回理由"), widget=forms.Textarea(attrs={"rows": 3}))
    objection_upheld = forms.BooleanField(label=_("公示异议成立"), required=False)

    def __init__(self, *args, publicised: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not publicised:
            # An application that was never publicised cannot be returned on an objection.
            del self.fields["objection_upheld"]


class ObjectionForm(VersionedForm):
    # An objection submitted on /public/ and still pending (services.pending_objections): its
    # channel, date and content are taken from it; the fields below are then left empty.
    public_objection = forms.TypedChoiceField(
        label=_("网上异议（待核查）"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.RadioSelect,
    )
    # Not required here: the service asks for them unless a 网上异议 is chosen.
    channel = forms.ChoiceField(
        label=_("异议来源"), choices=ObjectionChannel.choices, required=False
    )
    received_on = forms.DateField(label=_("收到日期"), widget=DATE_WIDGET, required=False)
    content = forms.CharField(
        label=_("异议内容"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    upheld = forms.TypedChoiceField(
        label=_("核查结论"),
        choices=[("", "——请选择——"), ("1", _("异议成立（退回申请）")), ("0", _("异议不成立"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )
    handling = forms.CharField(label=_("核查处理意见"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, pending=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["public_objection"]
        if not pending:
            del self.fields["public_objection"]
            return
        field.choices = [("", "（登记电话、来信、来访等其他途径收到的异议）")] + [
            (
                o.pk,
                f"{timezone.localtime(o.submitted_at):%Y-%m-%d %H:%M} "
                f"{o.name or '匿名'} {o.phone}：{o.content}",
            )
            for o in pending
        ]


class PublicObjectionForm(forms.Form):
    """The public's objection form on /public/ (services.public_objection_submit checks it)."""

    # Not required here: the service asks for phone and text, in its own words.
    name = forms.CharField(label=_("姓名（选填）"), required=False, max_length=32)
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=32)
    content = forms.CharField(
        label=_("异议内容"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("请写明发现的问题、地点和时间；您的姓名和电话仅用于核查，不会公开"),
    )


class CloseForm(VersionedForm):
    objections = forms.IntegerField(label=_("异议件数"), min_value=0, initial=0)
    objection_note = forms.CharField(
        label=_("异议处理情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    doc_no = forms.CharField(label=_("销号文号"), required=False, max_length=64)


class LookBackForm(VersionedForm):
    check_date = forms.DateField(label=_("检查日期"), widget=DATE_WIDGET)
    method = forms.ChoiceField(label=_("检查方式"), choices=LookBackMethod.choices)
    result = forms.ChoiceField(label=_("检查结论"), choices=LookBackResult.choices)
    findings = forms.CharField(
        label=_("发现问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    new_deadline = forms.DateField(
        label=_("重启整改新时限"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("结论为“反弹”时必填"),
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("批准")), ("reject", _("不批准"))])
    note = forms.CharField(label=_("审批意见"), required=False, max_length=500)
    # An approval is sent twice: first from the queue (which shows the confirmation page),
    # then from that page with confirm=1.
    confirm = forms.BooleanField(required=False)


class SupervisionForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=SupervisionKind.choices)
    doc_no = forms.CharField(label=_("文号"), required=False, max_length=64)
    title = forms.CharField(label=_("标题"), max_length=200)
    content = forms.CharField(
        label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    target_unit = forms.ModelChoiceField(label=_("督办对象"), queryset=Unit.objects.none())
    reply_due = forms.DateField(
        label=_("回复期限"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("督办函、挂牌督办留空时按签发后若干个工作日自动计算"),
    )
    task = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["target_unit"].queryset = units


class PetitionAssignForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label=_("承办单位（牵头）"), queryset=Unit.objects.none())
    cooperating_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    assigned_on = forms.DateField(
        label=_("交办日期"), required=False, widget=DATE_WIDGET, help_text=_("留空为今天")
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["lead_unit"].queryset = units
            self.fields["cooperating_units"].queryset = units


class PetitionReportForm(forms.Form):
    verify_result = forms.ChoiceField(label=_("调查核实结果"), choices=VerifyResult.choices)
    findings = forms.CharField(label=_("调查核实情况"), widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label=_("处理和整改情况"), widget=forms.Textarea(attrs={"rows": 3}))
    ordered_count = forms.IntegerField(label=_("责令整改（家）"), min_value=0, initial=0)
    penalty_count = forms.IntegerField(label=_("立案处罚（件）"), min_value=0, initial=0)
    fine_wan = forms.DecimalField(
        label=_("罚款（万元）"), min_value=0, max_digits=12, decimal_places=2, initial=0
    )
    accountable_count = forms.IntegerField(label=_("问责（人）"), min_value=0, initial=0)
    accountability = forms.CharField(
        label=_("问责情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    outcome = forms.ChoiceField(label=_("拟办结方式"), choices=PetitionOutcome.choices)


class PetitionReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("意见或理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PetitionEvidenceForm(forms.Form):
    files = forms.FileField(label=_("佐证材料（照片、文书、监测报告）"))
    title = forms.CharField(label=_("说明"), max_length=200, required=False)


class PetitionPublishForm(forms.Form):
    published_at = forms.DateField(label=_("公开日期"), widget=DATE_WIDGET)
    publish_url = forms.URLField(label=_("公开链接"), required=False, assume_scheme="https")


class PetitionConvertForm(forms.Form):
    problem = forms.ModelChoiceField(label=_("归入问题"), queryset=Problem.objects.none())
    code = forms.CharField(label=_("任务编号"), max_length=32)
    name = forms.CharField(label=_("点位/任务名称"), max_length=300)
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET)
    measures = forms.CharField(
        label=_("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, problems=None, **kwargs):
        super().__init__(*args, **kwargs)
        if problems is not None:
            self.fields["problem"].queryset = problems


class TaskUnitsForm(forms.Form):
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    coop_units = forms.ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        if units is not None:
            self.fields["lead_unit"].queryset = units
            self.fields["coop_units"].queryset = units


class TaskCreateForm(TaskUnitsForm):
    code = forms.CharField(label=_("任务编号"), max_length=32)
    name = forms.CharField(label=_("点位/任务名称"), max_length=300)
    region = forms.ModelChoiceField(label=_("所在区县"), queryset=Region.objects.none())
    deadline = forms.DateField(label=_("整改时限"), widget=DATE_WIDGET)
    goal = forms.CharField(
        label=_("整改目标"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    measures = forms.CharField(
        label=_("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    address = forms.CharField(label=_("位置描述"), required=False, max_length=300)
    lat = forms.DecimalField(label=_("纬度"), required=False, max_digits=9, decimal_places=6)
    lng = forms.DecimalField(label=_("经度"), required=False, max_digits=9, decimal_places=6)

    field_order = [
        "code",
        "name",
        "region",
        "lead_unit",
        "coop_units",
        "deadline",
        "goal",
        "measures",
        "address",
        "lat",
        "lng",
    ]

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions is not None:
            self.fields["region"].queryset = regions


class EvidenceForm(VersionedForm):
    kind = forms.ChoiceField(
        label=_("材料类别"), choices=AttachmentKind.choices, initial=AttachmentKind.AFTER
    )
    photos = camera_field()
    # Not required by the form: a photo taken with the camera is enough (the service refuses
    # an upload with neither).
    files = MultipleFileField(label=_("佐证材料"), required=False, help_text=FILES_HELP)


# Reviews made outside this system and recorded by the office (closeout_record_review).
# What the office records; 行业部门认定 is the sector department's own form (SectorReviewForm).
RECORDED_REVIEW_LEVELS = [
    (ReviewLevel.PROVINCIAL, "省级复核（省级环督办登记，或市级环督办凭省级复核文件登记）"),
    (ReviewLevel.CITY, ReviewLevel.CITY.label),
]


class ReviewRecordForm(forms.Form):
    level = forms.ChoiceField(
        label=_("验收层级"), choices=RECORDED_REVIEW_LEVELS, initial=ReviewLevel.PROVINCIAL
    )
    result = forms.ChoiceField(label=_("验收结论"), choices=ReviewResult.choices)
    method = forms.ChoiceField(
        label=_("验收方式"), choices=ReviewMethod.choices, initial=ReviewMethod.BOTH
    )
    actual_date = forms.DateField(label=_("验收日期"), widget=DATE_WIDGET)
    reviewers = forms.CharField(label=_("验收人员"), required=False, max_length=200)
    opinion = forms.CharField(label=_("验收意见"), widget=forms.Textarea(attrs={"rows": 3}))
    # Required by the service when a city office records a 省级复核 (closeout_rules).
    document_no = forms.CharField(
        label=_("省级复核文件文号"),
        required=False,
        max_length=64,
        help_text=_("市级环督办凭省级复核文件登记时必填，如“X环督办函〔2020〕12号”"),
    )
    document_date = forms.DateField(label=_("省级复核文件日期"), required=False, widget=DATE_WIDGET)
    document = forms.FileField(
        label=_("省级复核文件扫描件（PDF）"),
        required=False,
        help_text=_("市级环督办凭省级复核文件登记时必传；省级环督办本单位账号登记时可不传"),
    )


class SupervisionReplyForm(forms.Form):
    # Not required here: the service refuses an empty reply, after its scope and role checks.
    reply_text = forms.CharField(
        label=_("回复内容"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("写明已采取的整改措施、完成时间和责任人"),
    )


class SupervisionIssueForm(forms.Form):
    doc_no = forms.CharField(label=_("文号"), max_length=64)
    issued_on = forms.DateField(label=_("签发日期"), widget=DATE_WIDGET)
    reply_due = forms.DateField(
        label=_("回复期限"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("督办函、挂牌督办留空时按签发后若干个工作日自动计算"),
    )


class WarningRaiseForm(forms.Form):
    """The office's 黄牌/红灯 by hand (上级批评, 媒体曝光, 群众反复投诉 …)."""

    level = forms.ChoiceField(
        label=_("预警等级"),
        choices=[("", "—— 请选择 ——"), ("YELLOW", _("黄牌")), ("RED", _("红灯"))],
    )
    reason = forms.ChoiceField(label=_("预警原因"))
    note = forms.CharField(
        label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        from rectification.choices import MANUAL_REASONS

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—— 请选择 ——")] + [
            (r.value, r.label) for r in MANUAL_REASONS
        ]


class ReasonForm(forms.Form):
    """A decision that needs only its reason: clearing a warning, declining a proposal."""

    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class MilestoneForm(forms.Form):
    """A stage of a task's plan (the office's milestone page): add, or correct an open one."""

    name = forms.CharField(label=_("节点"), max_length=200)
    planned_date = forms.DateField(label=_("计划完成日期"), widget=DATE_WIDGET)
    weight = forms.IntegerField(label=_("权重"), min_value=1, max_value=100, initial=1)


FORM_FIELDS_MILESTONE = ("name", "planned_date", "weight")


class SectorReviewForm(forms.Form):
    """行业部门认定, entered by the sector department's own unit head."""

    result = forms.ChoiceField(
        label=_("认定结论"),
        choices=ReviewResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择认定结论")},
    )
    method = forms.ChoiceField(
        label=_("认定方式"), choices=ReviewMethod.choices, initial=ReviewMethod.BOTH
    )
    actual_date = forms.DateField(label=_("认定日期"), widget=DATE_WIDGET)
    reviewers = forms.CharField(label=_("认定人员"), required=False, max_length=200)
    opinion = forms.CharField(label=_("认定意见"), widget=forms.Textarea(attrs={"rows": 3}))
