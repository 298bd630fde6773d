"""Documents built from the data: each function takes rows the caller has already found in
the reader's scope (and, for lists, the reader, so that every list goes through
`visible_to`) and returns a `Document` (exchange/documents/model.py)."""

from django.db.models import Prefetch
from django.utils import timezone

from accounts import clock
from accounts.choices import UnitKind
from accounts.models import Unit
from exchange.documents.model import (
    Document,
    Fields,
    Heading,
    Paragraph,
    Signatures,
    Table,
    cn_date,
)
from exchange.documents.narrative import dispatch_narrative
from inspections.choices import PetitionStatus
from inspections.models import InspectionRound, Petition
from rectification import closeout_rules
from rectification.choices import (
    AssignmentRole,
    CloseoutStatus,
    ReviewLevel,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
)
from rectification.dispatch_layout import report_title
from rectification.models import (
    AccountabilityRecord,
    Assignment,
    CloseoutApplication,
    DispatchReport,
    ProgressReport,
    SupervisionNotice,
    Task,
)
from rectification.selectors import overdue_q, round_headline, task_totals

DASH = "—"


def office_for(region) -> Unit | None:
    """The inspection office (环督办) of the region or of the nearest region above it."""
    offices = Unit.objects.filter(kind=UnitKind.COORD_OFFICE, is_active=True).select_related(
        "region"
    )
    best = None
    for unit in offices:
        if region.path.startswith(unit.region.path) and (
            best is None or len(unit.region.path) > len(best.region.path)
        ):
            best = unit
    return best


def issuer_of(region) -> str:
    office = office_for(region)
    return office.name if office is not None else f"{region.name}生态环境保护督察整改工作办公室"


def _d(day) -> str:
    return day.isoformat() if day else DASH


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------------
# 督办函 / 约谈通知


def supervision_document(notice: SupervisionNotice) -> Document:
    """The letter of a supervision notice: 督办函, 约谈通知, or the kind's own name."""
    unit = notice.target_unit
    issuer_unit = notice.issued_by.unit if notice.issued_by and notice.issued_by.unit else None
    issuer = issuer_unit.name if issuer_unit else issuer_of(unit.region)
    interview = notice.kind == SupervisionKind.INTERVIEW
    kind_name = "约谈通知" if interview else str(SupervisionKind(notice.kind).label)
    tasks = list(notice.tasks.select_related("problem", "lead_unit", "round").order_by("code"))
    blocks: list = [Paragraph(line) for line in _lines(notice.content)]
    if not blocks:
        blocks.append(
            Paragraph(f"现就{notice.title}有关事项{'通知' if interview else '函告'}如下。")
        )
    if tasks:
        blocks.append(
            Paragraph("涉及整改任务如下：" if not interview else "约谈涉及整改任务如下：")
        )
        blocks.append(
            Table(
                ("任务编号", "点位/任务名称", "牵头单位", "整改时限", "整改状态", "完成比例"),
                tuple(
                    (
                        t.code,
                        t.name,
                        t.lead_unit.display_name if t.lead_unit else DASH,
                        "长期坚持" if t.is_ongoing else _d(t.original_deadline or t.deadline),
                        str(TaskStatus(t.status).label),
                        f"{t.progress_pct}%",
                    )
                    for t in tasks
                ),
                widths=(12, 34, 16, 13, 11, 10),
            )
        )
    if interview:
        leader = notice.leader
        if leader is not None:
            who = f"{leader.name}（{leader.title}）" if leader.title else leader.name
            blocks.append(Paragraph(f"约谈对象：{unit.name}{who}。"))
        else:
            blocks.append(Paragraph(f"约谈对象：{unit.name}主要负责同志。"))
        blocks.append(
            Paragraph(
                "请被约谈单位提前准备书面汇报材料，说明问题整改进展、存在困难和下步措施，"
                "约谈时间、地点另行通知。"
            )
        )
    if notice.reply_due:
        blocks.append(
            Paragraph(f"请于{cn_date(notice.reply_due)}前将整改落实情况书面回复{issuer}。")
        )
    if notice.reply_text:
        blocks.append(Heading("附：回复情况", level=2))
        replied = cn_date(_local_date(notice.replied_at))
        blocks.append(Paragraph(f"{unit.name}于{replied}回复：{notice.reply_text}"))
    title = notice.title
    if not title.endswith(kind_name) and interview:
        title = f"{title}的通知"
    draft = notice.status == SupervisionStatus.PROPOSED
    return Document(
        slug=f"supervision-{notice.pk}",
        title=title,
        issuer=issuer,
        doc_no=notice.doc_no,
        draft_note="拟发（未签发）" if draft else "",
        recipients=unit.name,
        blocks=blocks,
        signer=issuer,
        signed_on=notice.issued_on,
    )


# ---------------------------------------------------------------------------------------------
# 月调度通报


def dispatch_document(report: DispatchReport) -> Document:
    f = report.figures
    blocks: list = []
    for section in dispatch_narrative(f):
        blocks.append(Heading(section.title))
        blocks += [Paragraph(text) for text in section.paragraphs]
    units = f.get("units") or []
    if units:
        blocks.append(
            Table(
                (
                    "排名",
                    "牵头单位",
                    "任务数",
                    "已销号",
                    "完成率(%)",
                    "逾期",
                    "本月红灯",
                    "本月黄牌",
                ),
                tuple(
                    (
                        str(u["rank"]),
                        u["name"],
                        str(u["total"]),
                        str(u["closed"]),
                        f"{u['completion_rate']:g}",
                        str(u["overdue"]),
                        str(u["red"]),
                        str(u["yellow"]),
                    )
                    for u in units
                ),
                widths=(7, 25, 10, 10, 12, 8, 10, 10),
                caption="附表：牵头单位整改进度排名",
            )
        )
    region = report.region
    return Document(
        slug=f"dispatch-{report.month:%Y-%m}",
        title=report_title(report),
        issuer=issuer_of(region),
        doc_no=f"第{report.month.month}期（{report.month.year}年）",
        recipients="各县（市、区）人民政府，市直有关部门",
        blocks=blocks,
        signer=issuer_of(region),
        signed_on=_local_date(report.generated_at) or clock.today(),
    )


# ---------------------------------------------------------------------------------------------
# 销号审批表


def closeout_application(task: Task) -> CloseoutApplication | None:
    """The application the form is about: the approved one, else the latest not returned."""
    apps = task.closeouts.exclude(status=CloseoutStatus.RETURNED).order_by("-applied_at", "-id")
    return apps.filter(status=CloseoutStatus.APPROVED).first() or apps.first()


def _units(assignments, role) -> str:
    return "、".join(a.unit.display_name for a in assignments if a.role == role) or DASH


def closeout_document(task: Task, application: CloseoutApplication) -> Document:
    task = Task.objects.select_related("round", "problem", "region", "lead_unit__region").get(
        pk=task.pk
    )
    assignments = list(task.assignments.select_related("unit"))
    evidence = list(task.attachments.order_by("kind", "uploaded_at", "id"))
    reviews = list(
        application.reviews.select_related("unit", "reviewer").order_by("created_at", "id")
    )
    notice = getattr(application, "notice", None)
    applied = cn_date(_local_date(application.applied_at))
    blocks: list = [
        Fields(
            (
                ("督察轮次", task.round.name),
                ("反馈问题", f"{task.problem.code} {task.problem.title}"),
                ("整改任务", f"{task.code} {task.name}"),
                ("所在区县", task.region.name),
                ("牵头单位", task.lead_unit.name if task.lead_unit else DASH),
                ("配合单位", _units(assignments, AssignmentRole.COOP)),
                ("整改目标", task.goal or task.problem.goal or DASH),
                ("整改措施", task.measures or task.problem.measures or DASH),
                (
                    "整改时限",
                    "长期坚持"
                    if task.is_ongoing
                    else _d(task.original_deadline or task.deadline)
                    + (f"（延期至{_d(task.deadline)}）" if task.extension_count else ""),
                ),
                ("整改完成情况", application.summary),
                (
                    "申请单位",
                    f"{application.unit.name}，{application.applied_by.display_name}，{applied}申请",
                ),
            ),
            caption="一、基本情况",
        ),
        Table(
            ("序号", "类别", "材料名称", "形成日期", "上传日期"),
            tuple(
                (
                    str(i),
                    a.get_kind_display(),
                    a.title or a.original_name,
                    _d(a.taken_at),
                    _d(_local_date(a.uploaded_at)),
                )
                for i, a in enumerate(evidence, start=1)
            )
            or (("", "", "（无）", "", ""),),
            widths=(7, 14, 49, 15, 15),
            caption="二、佐证材料清单",
        ),
    ]
    opinions = []
    for r in reviews:
        who = r.reviewers or (r.reviewer.display_name if r.reviewer else "")
        when = r.actual_date or _local_date(r.created_at)
        text = f"{r.get_result_display()}。{r.opinion}".rstrip("。") + "。"
        if r.document_no:
            text += f"（依据{r.document_no}"
            text += f"，{cn_date(r.document_date)}）" if r.document_date else "）"
        opinions.append(
            (
                closeout_rules.review_level_label(r.level, task.lead_unit),
                f"{text}\n{r.unit.name if r.unit else ''} {who} {cn_date(when)}".strip(),
            )
        )
    if not opinions:
        opinions.append(("验收意见", "（尚无）"))
    blocks.append(Fields(tuple(opinions), caption="三、自验、认定与验收意见"))
    if notice is not None:
        notice_rows = [
            ("公示渠道", notice.channel + (f"（{notice.url}）" if notice.url else "")),
            ("公示期", f"{cn_date(notice.start_date)}至{cn_date(notice.end_date)}"),
            ("异议电话", notice.contact_phone or DASH),
            (
                "异议情况",
                f"收到异议{notice.objections}件。{notice.objection_note}".strip()
                + f"\n公示结果：{notice.get_result_display()}",
            ),
        ]
    else:
        notice_rows = [("公示情况", "（尚未公示）")]
    blocks.append(Fields(tuple(notice_rows), caption="四、公示情况"))
    closed = _local_date(application.closed_at)
    blocks.append(
        Fields(
            (
                ("销号文号", application.closeout_doc_no or DASH),
                ("销号日期", cn_date(closed) if closed else "（尚未销号）"),
            ),
            caption="五、销号",
        )
    )
    signers = [closeout_rules.self_check_label(task.lead_unit) + "单位"]
    if task.round.requires_sector_review and any(
        a.role == AssignmentRole.SECTOR for a in assignments
    ):
        signers.append("行业主管部门")
    signers.append("市级验收单位")
    if task.round.requires_provincial_review or any(
        r.level == ReviewLevel.PROVINCIAL for r in reviews
    ):
        signers.append("省级复核单位")
    blocks.append(Signatures(tuple(signers)))
    return Document(
        slug=f"closeout-{task.code}",
        title=f"整改任务销号审批表（{task.code}）",
        issuer=issuer_of(task.region),
        doc_no=application.closeout_doc_no,
        blocks=blocks,
    )


# ---------------------------------------------------------------------------------------------
# 整改进展情况表 and 整改落实情况报告 of a round


def _completion(t: Task, today) -> str:
    status = str(TaskStatus(t.status).label)
    if t.status == TaskStatus.CLOSED:
        return f"已完成（{status}，{_d(_local_date(t.closed_at))}）"
    if t.status in (TaskStatus.PUBLICIZING, TaskStatus.APPLIED, TaskStatus.IN_REVIEW):
        return f"基本完成（{status}）"
    deadline = t.original_deadline or t.deadline
    if deadline and deadline < today:
        return f"逾期未完成（{t.progress_pct}%）"
    return f"正在推进（{t.progress_pct}%）"


def round_tasks(round_: InspectionRound, user):
    latest = ProgressReport.objects.order_by("task_id", "-period__end_date", "-id")
    return (
        Task.objects.visible_to(user)
        .filter(round=round_)
        .select_related("problem", "lead_unit")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("unit").order_by("sort", "id"),
            ),
            Prefetch("reports", queryset=latest, to_attr="latest_reports"),
        )
        .order_by("problem__seq", "problem_id", "seq", "id")
    )


def progress_document(round_: InspectionRound, user) -> Document:
    today = clock.today()
    rows = []
    for t in round_tasks(round_, user):
        units = [f"牵头：{t.lead_unit.display_name}"] if t.lead_unit else []
        coop = [a.unit.display_name for a in t.assignments.all() if a.role == AssignmentRole.COOP]
        if coop:
            units.append("配合：" + "、".join(coop))
        report = t.latest_reports[0] if t.latest_reports else None
        rows.append(
            (
                f"{t.problem.code} {t.problem.title}\n（{t.code} {t.name}）",
                t.goal or t.problem.goal or DASH,
                t.measures or t.problem.measures or DASH,
                "\n".join(units) or DASH,
                "长期坚持" if t.is_ongoing else _d(t.original_deadline or t.deadline),
                report.progress_text if report else "（尚未报送）",
                _completion(t, today),
            )
        )
    return Document(
        slug=f"round-{round_.code}-progress",
        title=f"{round_.name}反馈问题整改进展情况表",
        blocks=[
            Paragraph(
                f"填报单位：{issuer_of(round_.region)}　截至日期：{cn_date(today)}", indent=False
            ),
            Table(
                (
                    "反馈问题",
                    "整改目标",
                    "整改措施",
                    "责任单位",
                    "整改时限",
                    "整改进展",
                    "完成情况",
                ),
                tuple(rows),
                widths=(20, 14, 18, 12, 9, 17, 10),
            ),
        ],
        landscape=True,
    )


def round_report_document(round_: InspectionRound, user) -> Document:
    today = clock.today()
    tasks = Task.objects.visible_to(user).filter(round=round_)
    totals = task_totals(tasks, today=today)
    headline = round_headline(round_)
    region = round_.region
    issuer = issuer_of(region)
    overdue = list(
        tasks.filter(overdue_q(today)).select_related("lead_unit").order_by("deadline", "code")
    )
    notices = SupervisionNotice.objects.visible_to(user).filter(tasks__round=round_).distinct()
    issued = notices.exclude(status__in=[SupervisionStatus.PROPOSED, SupervisionStatus.DISMISSED])
    interviews = issued.filter(kind=SupervisionKind.INTERVIEW).count()
    letters = issued.count() - interviews
    accountability = (
        AccountabilityRecord.objects.visible_to(user).filter(round=round_).count()
        + AccountabilityRecord.objects.visible_to(user)
        .filter(task__round=round_)
        .exclude(round=round_)
        .count()
    )
    petitions = Petition.objects.visible_to(user).filter(round=round_)
    done = petitions.filter(status__in=[PetitionStatus.DONE, PetitionStatus.CLOSED]).count()
    feedback = (
        f"{cn_date(round_.feedback_date)}，{round_.team_name or '督察组'}向我市反馈督察意见"
        if round_.feedback_date
        else f"{round_.team_name or '督察组'}向我市反馈督察意见"
    )
    blocks: list = [
        Paragraph(
            f"{feedback}{f'（{round_.feedback_doc_no}）' if round_.feedback_doc_no else ''}，"
            f"指出问题{headline}。我市高度重视，制定整改方案"
            f"{f'（{round_.plan_doc_no}）' if round_.plan_doc_no else ''}，"
            f"将反馈问题细化为{totals.total}项整改任务，逐项明确责任单位、整改措施和整改时限。"
            f"现将整改落实情况报告如下。"
        ),
        Heading("一、整改工作总体情况"),
        Paragraph(
            f"截至{cn_date(today)}，{totals.total}项整改任务中，已完成整改并销号{totals.closed}项，"
            f"完成率{totals.completion_rate:g}%；公示中{totals.publicizing}项，验收中{totals.in_review}项，"
            f"正在推进{totals.in_progress}项，逾期未完成{totals.overdue}项。"
            f"序时进度达标率{totals.on_schedule_rate:g}%。"
        ),
        Heading("二、主要做法和成效"),
        Paragraph(
            f"（一）强化调度督办。按月调度整改进展，对进度滞后的任务发出督办函、提醒函{letters}件，"
            f"开展约谈{interviews}次，问责{accountability}人次。"
        ),
        Paragraph(
            f"（二）推进边督边改。督察期间受理交办信访件{petitions.count()}件，已办结{done}件。"
        ),
        Paragraph("（三）【请补充典型做法和成效】", bold=False),
        Heading("三、存在的问题"),
    ]
    if overdue:
        blocks.append(
            Paragraph(
                f"仍有{len(overdue)}项任务逾期未完成："
                + "；".join(
                    f"{t.code}{t.name}（{t.lead_unit.display_name if t.lead_unit else DASH}，"
                    f"原定{_d(t.original_deadline or t.deadline)}）"
                    for t in overdue
                )
                + "。"
            )
        )
    else:
        blocks.append(Paragraph("目前无逾期未完成的整改任务。"))
    blocks.append(Paragraph("【请补充其他困难和问题】"))
    blocks += [
        Heading("四、下步工作打算"),
        Paragraph(
            f"对尚未完成的{totals.total - totals.closed}项任务，继续实行清单化管理、"
            "销号式推进，确保按期完成；对已完成的任务开展“回头看”，坚决防止问题反弹。"
        ),
        Paragraph("【请补充下步工作安排】"),
        Paragraph("附件：" + f"{round_.name}反馈问题整改进展情况表", indent=True),
    ]
    return Document(
        slug=f"round-{round_.code}-report",
        title=f"关于{round_.name}反馈意见整改落实情况的报告",
        issuer=issuer,
        recipients=round_.team_name or "省生态环境保护督察整改工作领导小组办公室",
        blocks=blocks,
        signer=issuer,
        signed_on=today,
    )


# ---------------------------------------------------------------------------------------------
# 边督边改公开情况一览表


PETITION_HEADERS = (
    "序号",
    "受理编号",
    "交办问题基本情况",
    "行政区域",
    "污染类型",
    "调查核实情况",
    "是否属实",
    "处理和整改情况",
    "责任人被处理情况",
)


def petitions_document(round_: InspectionRound, batch: int, petitions: list[Petition]) -> Document:
    """One batch's 公开情况一览表. Only what the public may read: no petitioner data (the
    model keeps none) and no internal notes."""
    rows = tuple(
        (
            str(i),
            p.accept_no,
            p.content,
            p.region.name,
            "、".join(p.pollution_type_labels()) or DASH,
            p.findings or "（正在调查核实）",
            p.get_verify_result_display() or DASH,
            p.handling or "（正在办理）",
            p.accountability or "无",
        )
        for i, p in enumerate(petitions, start=1)
    )
    return Document(
        slug=f"petitions-{round_.code}-{batch}",
        title=f"{round_.name}第{batch}批交办信访件边督边改公开情况一览表",
        blocks=[
            Paragraph(
                f"填报单位：{issuer_of(round_.region)}　共{len(rows)}件　截至日期：{cn_date(clock.today())}",
                indent=False,
            ),
            Table(PETITION_HEADERS, rows, widths=(5, 11, 20, 8, 8, 16, 7, 16, 9)),
        ],
        landscape=True,
    )
