from django.db import models
from django.utils.translation import gettext_lazy as _


class TaskStatus(models.TextChoices):
    NOT_STARTED = "NOT_STARTED", _("尚未启动")
    IN_PROGRESS = "IN_PROGRESS", _("整改中")
    APPLIED = "APPLIED", _("申请销号")
    IN_REVIEW = "IN_REVIEW", _("验收中")
    PUBLICIZING = "PUBLICIZING", _("公示中")
    CLOSED = "CLOSED", _("已销号")


# Statuses in which the responsible units are still doing the work; a task in one of them
# past its deadline is overdue (逾期).
WORKING_STATUSES = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS)
# Statuses in which a close-out is under way (申请销号 → 验收 → 公示).
CLOSING_STATUSES = (TaskStatus.APPLIED, TaskStatus.IN_REVIEW, TaskStatus.PUBLICIZING)
OPEN_STATUSES = (*WORKING_STATUSES, *CLOSING_STATUSES)


class ScheduleStatus(models.TextChoices):
    BEHIND = "BEHIND", _("未达到序时进度")
    ON = "ON", _("达到序时进度")
    AHEAD = "AHEAD", _("超过序时进度")
    NA = "NA", _("不适用")


class SiteType(models.TextChoices):
    OUTFALL = "OUTFALL", _("入河排污口")
    SEWAGE_PLANT = "SEWAGE_PLANT", _("污水处理厂")
    PIPE_NETWORK = "PIPE_NETWORK", _("管网")
    CONSTRUCTION = "CONSTRUCTION", _("建筑工地")
    ROAD = "ROAD", _("道路")
    CATERING = "CATERING", _("餐饮")
    NOISE = "NOISE", _("噪声源")
    SOLID_WASTE = "SOLID_WASTE", _("固废堆场")
    RESERVE = "RESERVE", _("自然保护区")
    WATER_SOURCE = "WATER_SOURCE", _("饮用水水源地")
    PARK = "PARK", _("工业园区")
    LANDFILL = "LANDFILL", _("垃圾填埋场")
    ILLEGAL_BUILDING = "ILLEGAL_BUILDING", _("违法建设")
    INSTITUTIONAL = "INSTITUTIONAL", _("制度机制")
    OTHER = "OTHER", _("其他")


class AssignmentRole(models.TextChoices):
    LEAD = "LEAD", _("牵头单位")
    COOP = "COOP", _("配合单位")
    TERRITORIAL = "TERRITORIAL", _("责任单位（属地）")
    SECTOR = "SECTOR", _("行业主管部门")


# Roles whose unit answers for the task: it may apply for close-out and ask for an extension.
RESPONSIBLE_ROLES = (AssignmentRole.LEAD, AssignmentRole.TERRITORIAL)


class PeriodKind(models.TextChoices):
    MONTHLY = "MONTHLY", _("月报")
    QUARTERLY = "QUARTERLY", _("季报")


class AttachmentKind(models.TextChoices):
    BEFORE = "BEFORE", _("整改前")
    DURING = "DURING", _("整改中")
    AFTER = "AFTER", _("整改后")
    VIDEO = "VIDEO", _("视频")
    MONITORING = "MONITORING", _("监测报告")
    ACCEPTANCE = "ACCEPTANCE", _("验收意见")
    MINUTES = "MINUTES", _("会议纪要")
    NOTICE = "NOTICE", _("文件")
    PENALTY = "PENALTY", _("处罚决定书")
    DEMOLITION = "DEMOLITION", _("拆除文书")
    COMPLETION = "COMPLETION", _("竣工验收")
    PUBLICITY = "PUBLICITY", _("公示截图")
    OTHER = "OTHER", _("其他")


class ExtensionStatus(models.TextChoices):
    PENDING = "PENDING", _("待审批")
    APPROVED = "APPROVED", _("已批准")
    REJECTED = "REJECTED", _("未批准")


class ReportReviewStatus(models.TextChoices):
    PENDING = "PENDING", _("待审阅")
    REVIEWED = "REVIEWED", _("已审阅")
    RETURNED = "RETURNED", _("退回补充")


class CloseoutStatus(models.TextChoices):
    SUBMITTED = "SUBMITTED", _("待自验")  # 县级自验 or 部门自验: closeout_rules.self_check_label
    SELF_CHECKED = "SELF_CHECKED", _("验收中")
    ACCEPTED = "ACCEPTED", _("公示中")
    APPROVED = "APPROVED", _("已销号")
    RETURNED = "RETURNED", _("已退回")


ACTIVE_CLOSEOUT_STATUSES = (
    CloseoutStatus.SUBMITTED,
    CloseoutStatus.SELF_CHECKED,
    CloseoutStatus.ACCEPTED,
)


class ReviewLevel(models.TextChoices):
    COUNTY = "COUNTY", _("县级/部门自验")  # by the lead unit: closeout_rules.review_level_label
    CITY = "CITY", _("市级验收")
    SECTOR = "SECTOR", _("行业部门认定")
    PROVINCIAL = "PROVINCIAL", _("省级验收")


class ReviewMethod(models.TextChoices):
    ONSITE = "ONSITE", _("现场核查")
    DOCS = "DOCS", _("资料审查")
    BOTH = "BOTH", _("现场核查+资料审查")


class ReviewResult(models.TextChoices):
    PASS = "PASS", _("通过")
    FAIL = "FAIL", _("不通过")
    CONDITIONAL = "CONDITIONAL", _("有条件通过")


class NoticeResult(models.TextChoices):
    PENDING = "PENDING", _("公示中")
    NO_OBJECTION = "NO_OBJECTION", _("无异议")
    REJECTED = "REJECTED", _("异议不成立")
    UPHELD = "UPHELD", _("异议成立")


class ObjectionChannel(models.TextChoices):
    """How an objection to a 公示 reached the office (not stored: written into the notice)."""

    PHONE = "PHONE", _("来电")
    LETTER = "LETTER", _("来信")
    VISIT = "VISIT", _("来访")
    ONLINE = "ONLINE", _("网上提交")  # the public form on /public/ (PublicObjection)
    OTHER = "OTHER", _("其他")


class PublicObjectionStatus(models.TextChoices):
    PENDING = "PENDING", _("待核查")
    UPHELD = "UPHELD", _("异议成立")
    REJECTED = "REJECTED", _("异议不成立")


class WarningLevel(models.TextChoices):
    NONE = "NONE", _("无")
    BLUE = "BLUE", _("蓝签")
    YELLOW = "YELLOW", _("黄牌")
    RED = "RED", _("红灯")


class WarningReason(models.TextChoices):
    ON_SCHEDULE = "ON_SCHEDULE", _("按序时推进")
    DUE_SOON = "DUE_SOON", _("临近时限")
    OVERDUE = "OVERDUE", _("逾期未完成")
    BEHIND = "BEHIND", _("未达到序时进度")
    NO_REPORT = "NO_REPORT", _("未按时报送进展")
    RETURNED = "RETURNED", _("验收退回")
    UPPER_CRITICISM = "UPPER_CRITICISM", _("上级批评")
    MEDIA = "MEDIA", _("媒体曝光")
    COMPLAINTS = "COMPLAINTS", _("群众反复投诉")
    REBOUND = "REBOUND", _("问题反弹")


# The reasons the office may give a warning by hand (services.warning_raise); the others are
# the sweep's own findings.
MANUAL_REASONS = (
    WarningReason.UPPER_CRITICISM,
    WarningReason.MEDIA,
    WarningReason.COMPLAINTS,
    WarningReason.RETURNED,
    WarningReason.REBOUND,
)


class SupervisionKind(models.TextChoices):
    REMINDER = "REMINDER", _("提醒函")
    LETTER = "LETTER", _("督办函")
    LISTED = "LISTED", _("挂牌督办")
    INTERVIEW = "INTERVIEW", _("约谈")
    CIRCULAR = "CIRCULAR", _("通报")
    REFERRAL = "REFERRAL", _("移交问责")


class SupervisionStatus(models.TextChoices):
    PROPOSED = "PROPOSED", _("拟发（待签发）")
    ISSUED = "ISSUED", _("已签发")
    REPLIED = "REPLIED", _("已回复")
    CLOSED = "CLOSED", _("已办结")
    DISMISSED = "DISMISSED", _("不予签发")


class AccountabilityForm(models.TextChoices):
    ADMONITION = "ADMONITION", _("诫勉谈话")
    CRITICISM = "CRITICISM", _("通报批评")
    PARTY_WARNING = "PARTY_WARNING", _("党内警告")
    GOV_WARNING = "GOV_WARNING", _("政务警告")
    DEMERIT = "DEMERIT", _("政务记过")
    OTHER = "OTHER", _("其他")


class LookBackMethod(models.TextChoices):
    ONSITE = "ONSITE", _("现场检查")
    UNANNOUNCED = "UNANNOUNCED", _("暗查暗访")
    DRONE = "DRONE", _("无人机巡查")
    DOCS = "DOCS", _("资料核查")


class LookBackResult(models.TextChoices):
    CONSOLIDATED = "CONSOLIDATED", _("巩固")
    PARTIAL = "PARTIAL", _("部分反弹")
    REBOUND = "REBOUND", _("反弹")


class NotificationChannel(models.TextChoices):
    INAPP = "INAPP", _("站内")
    MAIL = "MAIL", _("邮件")
    WEBHOOK = "WEBHOOK", _("群机器人")


class NotificationStatus(models.TextChoices):
    PENDING = "PENDING", _("待发送")
    SENT = "SENT", _("已发送")
    FAILED = "FAILED", _("发送失败")


class NotificationKind(models.TextChoices):
    """What a notification is about; the delivery job and the inbox treat them alike."""

    # Close-out and extensions (services)
    CLOSEOUT_APPLIED = "closeout_applied", _("销号申请待自验")
    CLOSEOUT_SELF_CHECKED = "closeout_self_checked", _("销号申请待验收")
    # To the applicant: the step they wait on is done.
    SELF_CHECK_PASSED = "self_check_passed", _("自验已通过")
    NOTICE_STARTED = "notice_started", _("验收通过，公示中")
    CLOSEOUT_RETURNED = "closeout_returned", _("销号申请被退回")
    PUBLIC_OBJECTION = "public_objection", _("公示收到网上异议")
    CLOSED = "closed", _("任务已销号")
    REOPENED = "reopened", _("任务重启整改")
    EXTENSION_REQUEST = "extension_request", _("延期申请待审批")
    EXTENSION_APPROVE = "extension_approve", _("延期已批准")
    EXTENSION_REJECT = "extension_reject", _("延期未批准")
    REPORT_RETURNED = "report_returned", _("进展报告退回补充")
    RECHECK_CHASE = "recheck_chase", _("长期坚持阶段复查提醒")
    # Supervision
    SUPERVISION = "supervision", _("督办")
    SUPERVISION_REPLIED = "supervision_replied", _("督办已回复")
    LETTER_PROPOSED = "letter_proposed", _("拟发督办函")
    INTERVIEW_PROPOSED = "interview_proposed", _("拟约谈")
    WARNING = "warning", _("预警")
    # Jobs
    REMINDER_DUE_7 = "reminder_due_7", _("7天后到期")
    REMINDER_DUE_3 = "reminder_due_3", _("3天后到期")
    REMINDER_DUE_1 = "reminder_due_1", _("1天后到期")
    REMINDER_OVERDUE = "reminder_overdue", _("已逾期")
    REMINDER_ESCALATION = "reminder_escalation", _("逾期上报")
    REPORT_CHASE = "report_chase", _("进展报送提醒")
    REPORT_MISSING = "report_missing", _("进展逾期未报送")
    PETITION_DUE = "petition_due", _("信访件临期")
    PETITION_OVERDUE = "petition_overdue", _("信访件逾期")
    DISPATCH_REPORT = "dispatch_report", _("月调度通报")
    # The office's 批量提醒 (services.task_remind), once per unit, task and day.
    REMINDER_MANUAL = "reminder_manual", _("环督办催办提醒")
    # Petitions: the receiving units hear of a 交办 (services.petitions.notify_petition_assigned).
    PETITION_ASSIGNED = "petition_assigned", _("信访件已交办")
    # The daily check of the event log's hash chain (rectification.jobs.audit) failed.
    AUDIT_BROKEN = "audit_broken", _("操作记录校验失败")


class JobRunStatus(models.TextChoices):
    RUNNING = "RUNNING", _("运行中")
    DONE = "DONE", _("已完成")
    FAILED = "FAILED", _("失败")


class SavedFilterPage(models.TextChoices):
    """The lists a user can save a filter of (SavedFilter.page): the view's URL name."""

    TASK_LIST = "task_list", _("任务列表")
