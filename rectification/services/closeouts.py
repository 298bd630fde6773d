"""Close-out (销号): application, county self-check, city/sector acceptance and public
notice, return, external reviews, closing, and the 回头看 that may reopen a task."""

from collections.abc import Sequence
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts import clock, events
from accounts.choices import Role
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound, StaleVersion
from accounts.events import EventVerb
from accounts.models import Unit, User
from inspections import workdays
from rectification import closeout_rules
from rectification.choices import (
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    LookBackMethod,
    LookBackResult,
    NoticeResult,
    NotificationKind,
    ObjectionChannel,
    PublicObjectionStatus,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    WarningLevel,
    WarningReason,
)
from rectification.lifecycle import MOVES
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    LookBackCheck,
    PublicNotice,
    PublicObjection,
    Task,
    Warning,
)
from rectification.services.base import (
    EvidenceFile,
    _check_actor,
    _check_version,
    _load_visible_task,
    _move_task,
    _office_users_for,
    _save_evidence,
    _task_url,
    _unit_users,
    notify,
)
from rectification.services.objections import pending_objections
from rectification.services.supervision import issue_warning
from rectification.uploads import check_upload

# The five close-out standards (docs/domain.md §1.2, [S8]); an application must confirm each.
CLOSEOUT_CHECKLIST: dict[str, str] = {
    "measures_done": "整改方案确定的措施已全部完成",
    "violations_punished": "涉及的违法违规行为已依法查处",
    "meets_standards": "整改结果符合法律法规和技术规范要求",
    "similar_fixed": "已举一反三，同类问题一并整改",
    "long_term_mechanism": "已落实源头整治并建立长效机制",
}


def _evidence_kinds(task: Task) -> set[str]:
    return set(Attachment.objects.filter(task=task).values_list("kind", flat=True))


def _lead_unit(task: Task):
    """The task's lead unit with its region (the self-check's label reads it)."""
    if task.lead_unit_id is None:
        return None
    return Unit.objects.select_related("region").get(pk=task.lead_unit_id)


def _sector_units(task: Task) -> list:
    return closeout_rules.sector_units_of(
        Assignment.objects.filter(task=task, role=AssignmentRole.SECTOR).select_related("unit")
    )


def _check_chain(app: CloseoutApplication, task: Task, *, before: str) -> None:
    """The round's acceptance chain: every required step passed, recorded by the unit that
    owns it (closeout_rules.acceptance_chain). `before`: "accept" (the office's 市级验收 is the
    move being made) or "close"."""
    sector_units = _sector_units(task)
    reviews = list(
        CloseoutReview.objects.filter(application=app).select_related("unit__region").order_by("id")
    )
    missing = closeout_rules.missing_steps(
        task.round, sector_units, reviews, skip_city=before == "accept"
    )
    if missing:
        chain = closeout_rules.chain_text(closeout_rules.acceptance_chain(task.round, sector_units))
        lacking = "、".join(
            f"{step.label}（须由{step.who}登记通过）"
            if step.level == ReviewLevel.SECTOR
            else step.label
            for step in missing
        )
        action = "验收通过并公示" if before == "accept" else "销号"
        raise InvalidState(f"验收链未完成：本轮督察要求 {chain}，尚缺{lacking}，不能{action}")


def _check_evidence(task: Task, kinds: set[str], *, at: str) -> None:
    """The evidence the task's site type requires (closeout_rules.REQUIRED_EVIDENCE)."""
    missing = closeout_rules.missing_evidence(task.site_type, kinds)
    if not missing:
        return
    message = closeout_rules.evidence_message(task.site_type, missing)
    if at == "apply":
        raise InvalidInput(f"申请销号需要上传{message}", field="files")
    raise InvalidState(f"佐证材料不全，不能验收通过并公示：尚缺{message}")


@transaction.atomic
def task_apply_closeout(
    *,
    task: Task | int,
    actor: User,
    summary: str,
    checklist: dict[str, bool],
    files: Sequence[EvidenceFile] = (),
    expected_version: int | None = None,
) -> CloseoutApplication:
    """申请销号: the responsible unit claims the task is rectified.

    Needs a completion statement, all five standards confirmed, and at least one 整改前 and
    one 整改后 piece of evidence (already on the task or uploaded with the application).
    """
    task = _load_visible_task(task, actor, for_update=True)
    move = MOVES["apply"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能申请销号")
    if not summary or not summary.strip():
        raise InvalidInput("请填写整改完成情况说明", field="summary")
    missing = [label for key, label in CLOSEOUT_CHECKLIST.items() if not checklist.get(key)]
    if missing:
        raise InvalidInput("请逐项确认销号标准：" + "；".join(missing), field="checklist")
    if task.reopen_count and not any(f.kind == AttachmentKind.AFTER for f in files):
        # After a rebound (回头看发现反弹) the old 整改后 photos show the state that rebounded;
        # only evidence uploaded since the latest reopen proves the new rectification.
        reopened_at = (
            Event.objects.filter(task=task, verb=EventVerb.REOPEN)
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
        fresh = Attachment.objects.filter(task=task, kind=AttachmentKind.AFTER)
        if reopened_at is not None:
            fresh = fresh.filter(uploaded_at__gt=reopened_at)
        if not fresh.exists():
            raise InvalidInput("重启整改后需上传新的整改后佐证材料", field="files")
    _check_evidence(task, _evidence_kinds(task) | {f.kind for f in files}, at="apply")
    application = CloseoutApplication.objects.create(
        task=task,
        unit_id=actor.unit_id,
        applied_by=actor,
        applied_at=clock.now(),
        summary=summary.strip(),
        checklist={k: bool(checklist.get(k)) for k in CLOSEOUT_CHECKLIST},
    )
    _save_evidence(task=task, actor=actor, files=files, closeout=application)
    _move_task(
        task,
        move,
        actor,
        expected_version=expected_version,
        target=application,
        note=summary.strip()[:500],
    )
    # The self-check belongs to the heads of the lead unit, whichever unit applied.
    lead_unit = _lead_unit(task)
    heads = _unit_users(task.lead_unit_id, [Role.UNIT_HEAD]) if task.lead_unit_id else []
    notify(
        recipients=[head for head in heads if head.pk != actor.pk],
        kind=NotificationKind.CLOSEOUT_APPLIED,
        task=task,
        title=f"{task.code} 申请销号，待{closeout_rules.self_check_label(lead_unit)}",
        url=_task_url(task),
        key=f"closeout_applied:{application.pk}",
    )
    return application


def _applicant_side(app: CloseoutApplication, task: Task) -> list[User]:
    """Who waits on the office's acceptance and 销号: the applicant and the unit heads of the
    applying unit and of the lead unit (who self-checked), each once."""
    people = {app.applied_by_id: app.applied_by}
    for unit_id in dict.fromkeys((app.unit_id, task.lead_unit_id)):
        if unit_id is not None:
            for head in _unit_users(unit_id, [Role.UNIT_HEAD]):
                people.setdefault(head.pk, head)
    return [user for user in people.values() if user.is_active]


def _load_application(application: CloseoutApplication | int, actor: User):
    app_id = application.pk if isinstance(application, CloseoutApplication) else application
    task_id = (
        CloseoutApplication.objects.filter(pk=app_id).values_list("task_id", flat=True).first()
    )
    if task_id is None:
        raise NotFound("销号申请不存在")
    task = _load_visible_task(task_id, actor, for_update=True)
    app = CloseoutApplication.objects.select_for_update().get(pk=app_id)
    return app, task


def _set_application_status(app: CloseoutApplication, from_status: str, **changes) -> None:
    changed = CloseoutApplication.objects.filter(pk=app.pk, status=from_status).update(**changes)
    if changed != 1:
        raise StaleVersion("该销号申请刚刚被他人处理，请刷新页面后重试")
    app.refresh_from_db()


@transaction.atomic
def closeout_self_check(
    *,
    application: CloseoutApplication | int,
    actor: User,
    passed: bool,
    opinion: str,
    expected_version: int | None = None,
) -> CloseoutApplication:
    """县级自验 / 部门自验 by a head of the task's lead unit (never the applicant): pass it up
    to the office, or return it."""
    app, task = _load_application(application, actor)
    move = MOVES["self_check_pass" if passed else "self_check_return"]
    _check_actor(actor, task, move, application=app)
    _check_version(task, expected_version)  # a stale page gets "refresh", not a state error
    label = closeout_rules.self_check_label(_lead_unit(task))
    if app.status != CloseoutStatus.SUBMITTED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能进行{label}")
    if not opinion or not opinion.strip():
        raise InvalidInput("请填写自验意见" if passed else "请填写退回理由", field="opinion")
    CloseoutReview.objects.create(
        application=app,
        level=ReviewLevel.COUNTY,
        unit_id=actor.unit_id,
        reviewer=actor,
        reviewers=actor.display_name,
        actual_date=clock.today(),
        result=ReviewResult.PASS if passed else ReviewResult.FAIL,
        opinion=opinion.strip(),
    )
    if passed:
        _set_application_status(
            app, CloseoutStatus.SUBMITTED, status=CloseoutStatus.SELF_CHECKED, self_checked_by=actor
        )
    else:
        _set_application_status(
            app,
            CloseoutStatus.SUBMITTED,
            status=CloseoutStatus.RETURNED,
            self_checked_by=actor,
            return_reason=opinion.strip(),
            returned_at=clock.now(),
        )
    _move_task(
        task,
        move,
        actor,
        expected_version=expected_version,
        target=app,
        note=f"{label}：{opinion.strip()}",
    )
    if passed:
        notify(
            recipients=[app.applied_by],
            kind=NotificationKind.SELF_CHECK_PASSED,
            task=task,
            title=f"{task.code} {label}已通过，待环督办验收",
            body=opinion.strip(),
            url=_task_url(task),
            key=f"self_check_passed:{app.pk}",
        )
        notify(
            recipients=_office_users_for(task),
            kind=NotificationKind.CLOSEOUT_SELF_CHECKED,
            task=task,
            title=f"{task.code} {label}通过，待验收",
            url=_task_url(task),
            key=f"closeout_self_checked:{app.pk}",
        )
        if task.round.requires_sector_review:
            # The sector department's 认定 is the next step of the chain (closeout_rules).
            for unit in _sector_units(task):
                notify(
                    recipients=_unit_users(unit.pk, [Role.UNIT_HEAD]),
                    kind=NotificationKind.CLOSEOUT_SELF_CHECKED,
                    task=task,
                    title=f"{task.code} {label}通过，待{unit.display_name}行业部门认定",
                    url=_task_url(task),
                    key=f"closeout_sector:{app.pk}:{unit.pk}",
                )
    else:
        notify(
            recipients=[app.applied_by],
            kind=NotificationKind.CLOSEOUT_RETURNED,
            task=task,
            title=f"{task.code} 销号申请被退回",
            body=opinion.strip(),
            url=_task_url(task),
            key=f"closeout_returned:{app.pk}:county",
        )
    return app


def notice_min_working_days() -> int:
    return settings.NOTICE_MIN_WORKING_DAYS


def notice_default_phone(actor: User) -> str:
    """The objection phone the accept form starts with: the office's setting, else the
    phone of the accepting office's own unit."""
    configured = (settings.NOTICE_OBJECTION_PHONE or "").strip()
    if configured:
        return configured
    unit = getattr(actor, "unit", None)
    return (getattr(unit, "phone", "") or "").strip()


def notice_earliest_end(start: date) -> date:
    """The earliest last day of a notice that starts on `start` (NOTICE_MIN_WORKING_DAYS)."""
    return workdays.last_day(start, notice_min_working_days())


def _check_notice(start: date, end: date, contact_phone: str) -> None:
    """公示 rules (docs/design.md §3): it starts on the acceptance day or later, lasts at least
    NOTICE_MIN_WORKING_DAYS working days and names the phone that takes objections."""
    today = clock.today()
    if start < today:
        raise InvalidInput(
            f"公示开始日期不能早于验收当天（{today:%Y-%m-%d}）：公示须在验收通过之日或之后开始",
            field="notice_start",
        )
    minimum = notice_min_working_days()
    length = workdays.between(start, end)
    if length < minimum:
        raise InvalidInput(
            f"公示期不得少于{minimum}个工作日：{start:%Y-%m-%d} 至 {end:%Y-%m-%d} 仅"
            f"{length}个工作日，最早可于 {notice_earliest_end(start):%Y-%m-%d} 结束",
            field="notice_end",
        )
    if not contact_phone or not contact_phone.strip():
        raise InvalidInput("请填写异议联系电话：公示须公布受理异议的电话", field="contact_phone")


def notice_close_refusal(notice: PublicNotice | None, today: date | None = None) -> str | None:
    """Why a close-out in its notice may not be closed today (None: it may). Closing is
    allowed from the day after the notice's last day, never on the last day itself."""
    if notice is None:
        return "尚未公示，不能销号"
    today = today or clock.today()
    if notice.end_date >= today:
        return (
            f"公示期至 {notice.end_date:%Y-%m-%d}（含当天）结束，公示期满后"
            f"（{notice.end_date + timedelta(days=1):%Y-%m-%d} 起）方可销号"
        )
    return None


@transaction.atomic
def closeout_accept(
    *,
    application: CloseoutApplication | int,
    actor: User,
    opinion: str,
    level: str = ReviewLevel.CITY,
    notice_start: date,
    notice_end: date,
    channel: str = "市政府网站",
    url: str = "",
    contact_phone: str = "",
    reviewers: str = "",
    method: str = ReviewMethod.BOTH,
    expected_version: int | None = None,
) -> CloseoutApplication:
    """The office's acceptance (市级验收) passes the application and starts 公示, once every
    other step of the round's acceptance chain is passed by the unit that owns it and the
    evidence the site type requires is on the task. Never by the applicant or self-checker."""
    app, task = _load_application(application, actor)
    move = MOVES["accept"]
    _check_actor(actor, task, move, application=app)
    _check_version(task, expected_version)
    if app.status != CloseoutStatus.SELF_CHECKED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能验收通过")
    if level != ReviewLevel.CITY:
        # The office's acceptance is the 市级验收; a sector department's 认定 is its own record.
        raise InvalidInput(
            "验收通过并公示记录的是环督办的市级验收；行业部门认定须由行业主管部门本单位账号登记",
            field="level",
        )
    if method not in ReviewMethod.values:
        raise InvalidInput("请选择验收方式", field="method")
    if not opinion or not opinion.strip():
        raise InvalidInput("请填写验收意见", field="opinion")
    if notice_end < notice_start:
        raise InvalidInput("公示结束日期不能早于开始日期", field="notice_end")
    _check_notice(notice_start, notice_end, contact_phone)
    _check_chain(app, task, before="accept")
    _check_evidence(task, _evidence_kinds(task), at="accept")
    CloseoutReview.objects.create(
        application=app,
        level=level,
        unit_id=actor.unit_id,
        reviewer=actor,
        reviewers=reviewers or actor.display_name,
        method=method,
        actual_date=clock.today(),
        result=ReviewResult.PASS,
        opinion=opinion.strip(),
    )
    PublicNotice.objects.create(
        application=app,
        channel=channel or "市政府网站",
        url=url,
        start_date=notice_start,
        end_date=notice_end,
        contact_phone=contact_phone.strip(),
    )
    _set_application_status(app, CloseoutStatus.SELF_CHECKED, status=CloseoutStatus.ACCEPTED)
    _move_task(
        task,
        move,
        actor,
        expected_version=expected_version,
        target=app,
        note=f"{opinion.strip()}；公示 {notice_start:%Y-%m-%d} 至 {notice_end:%Y-%m-%d}",
    )
    notify(
        recipients=_applicant_side(app, task),
        kind=NotificationKind.NOTICE_STARTED,
        task=task,
        title=f"{task.code} 验收通过，公示 {notice_start:%Y-%m-%d} 至 {notice_end:%Y-%m-%d}",
        body=opinion.strip(),
        url=_task_url(task),
        key=f"notice_started:{app.pk}",
    )
    return app


@transaction.atomic
def closeout_return(
    *,
    application: CloseoutApplication | int,
    actor: User,
    reason: str,
    level: str = ReviewLevel.CITY,
    objection_upheld: bool = False,
    expected_version: int | None = None,
) -> CloseoutApplication:
    """The office returns an application (验收退回), or an upheld objection ends the notice."""
    app, task = _load_application(application, actor)
    move = MOVES["return"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if app.status not in (CloseoutStatus.SELF_CHECKED, CloseoutStatus.ACCEPTED):
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能退回")
    if level not in (ReviewLevel.CITY, ReviewLevel.SECTOR, ReviewLevel.PROVINCIAL):
        raise InvalidInput("退回的验收层级必须是市级、行业部门或省级验收", field="level")
    if not reason or not reason.strip():
        raise InvalidInput("请填写退回理由", field="reason")
    if objection_upheld and app.status != CloseoutStatus.ACCEPTED:
        raise InvalidInput("该申请尚未公示，不能以“公示异议成立”退回", field="objection_upheld")
    if objection_upheld:
        starts = PublicNotice.objects.filter(application=app).values_list("start_date", flat=True)
        if starts[0] > clock.today():
            raise InvalidInput(
                f"公示尚未开始（{starts[0]:%Y-%m-%d} 起），不能以“公示异议成立”退回",
                field="objection_upheld",
            )
    CloseoutReview.objects.create(
        application=app,
        level=level,
        unit_id=actor.unit_id,
        reviewer=actor,
        reviewers=actor.display_name,
        actual_date=clock.today(),
        result=ReviewResult.FAIL,
        opinion=reason.strip(),
    )
    if app.status == CloseoutStatus.ACCEPTED:
        notice = PublicNotice.objects.get(application=app)
        # Objections recorded during the notice stay on it; an upheld one is added.
        PublicNotice.objects.filter(pk=notice.pk).update(
            result=NoticeResult.UPHELD if objection_upheld else NoticeResult.PENDING,
            objections=notice.objections + (1 if objection_upheld else 0),
            objection_note="\n".join(
                n for n in (notice.objection_note, reason.strip() if objection_upheld else "") if n
            ),
            concluded_at=clock.now(),
        )
    _set_application_status(
        app,
        app.status,
        status=CloseoutStatus.RETURNED,
        return_reason=reason.strip(),
        returned_at=clock.now(),
    )
    _move_task(
        task, move, actor, expected_version=expected_version, target=app, note=reason.strip()
    )
    # A failed acceptance is a 黄牌 (docs/domain.md §5: SD-5-1), until the office clears it.
    if not Warning.objects.filter(
        task=task, reason=WarningReason.RETURNED, day=clock.today(), auto=False
    ).exists():
        issue_warning(
            task=task,
            actor=actor,
            level=WarningLevel.YELLOW,
            reason=WarningReason.RETURNED,
            note=f"验收退回：{reason.strip()}",
        )
    notify(
        recipients=[app.applied_by],
        kind=NotificationKind.CLOSEOUT_RETURNED,
        task=task,
        title=f"{task.code} 销号申请被退回",
        body=reason.strip(),
        url=_task_url(task),
        key=f"closeout_returned:{app.pk}:office",
    )
    return app


@transaction.atomic
def notice_objection_record(
    *,
    application: CloseoutApplication | int,
    actor: User,
    channel: str,
    content: str,
    upheld: bool,
    handling: str,
    received_on: date | None = None,
    public_objection: int | None = None,
    expected_version: int | None = None,
) -> PublicNotice:
    """登记公示异议: the office records an objection received during the notice (a call, a
    letter, a visit, or one submitted on the public page: `public_objection`, whose channel,
    date and content are taken from it) with the outcome of its check. An upheld objection
    returns the application (验收退回, the objection attached) and tells the applicant unit;
    one found groundless is counted on the notice, which runs on."""
    app, task = _load_application(application, actor)
    move = MOVES["notice_objection"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if app.status != CloseoutStatus.ACCEPTED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，只能在公示期间登记异议")
    notice = PublicNotice.objects.select_for_update().get(application=app)
    today = clock.today()
    online = None
    if public_objection:
        online = (
            PublicObjection.objects.select_for_update()
            .filter(pk=public_objection, notice=notice)
            .first()
        )
        if online is None:
            raise InvalidInput("该网上异议不属于本次公示", field="public_objection")
        if online.status != PublicObjectionStatus.PENDING:
            raise InvalidState("该网上异议已登记核查结果")
        # The citizen's words; their name and phone stay with the office (the line below is
        # also the return reason the applicant unit reads).
        channel = ObjectionChannel.ONLINE
        content = online.content
        received_on = timezone.localdate(online.submitted_at)
    received_on = received_on or today
    if channel not in ObjectionChannel.values:
        raise InvalidInput("请选择异议来源（来电、来信、来访或其他）", field="channel")
    if received_on > today:
        raise InvalidInput("收到异议的日期不能晚于今天", field="received_on")
    if not notice.start_date <= received_on <= notice.end_date:
        raise InvalidInput(
            f"公示异议须在公示期内（{notice.start_date:%Y-%m-%d} 至 "
            f"{notice.end_date:%Y-%m-%d}）提出",
            field="received_on",
        )
    if not content or not content.strip():
        raise InvalidInput("请填写异议内容", field="content")
    if not handling or not handling.strip():
        raise InvalidInput("请填写核查处理意见", field="handling")
    verdict = "异议成立" if upheld else "异议不成立"
    line = (
        f"{received_on:%Y-%m-%d} {ObjectionChannel(channel).label}：{content.strip()}"
        f"（核查：{verdict}，{handling.strip()}）"
    )
    if online is not None:
        PublicObjection.objects.filter(pk=online.pk).update(
            status=PublicObjectionStatus.UPHELD if upheld else PublicObjectionStatus.REJECTED,
            handled_by=actor,
            handled_at=clock.now(),
            handling=handling.strip(),
        )
    if not upheld:
        # counted here; an upheld one is counted and attached by the return below
        PublicNotice.objects.filter(pk=notice.pk).update(
            objections=F("objections") + 1,
            objection_note="\n".join(n for n in (notice.objection_note, line) if n),
        )
    events.record(
        Event,
        task=task,
        target=notice,
        verb=EventVerb.NOTICE_OBJECTION,
        actor=actor,
        note=line[:500],
    )
    if upheld:
        closeout_return(
            application=app.pk,
            actor=actor,
            reason=f"公示异议成立：{line}",
            objection_upheld=True,
            expected_version=expected_version,
        )
        notify(
            recipients=_unit_users(app.unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
            kind=NotificationKind.CLOSEOUT_RETURNED,
            task=task,
            title=f"{task.code} 公示异议成立，销号申请被退回",
            body=line,
            url=_task_url(task),
            key=f"closeout_returned:{app.pk}:objection",
        )
    notice.refresh_from_db()
    return notice


def _check_provincial_document(
    document_no: str, document_date: date | None, document
) -> EvidenceFile:
    """The province's document a city office records a 省级复核 on: number, date, PDF scan."""
    rule = "市级环督办凭省级复核文件登记省级复核"
    if not document_no.strip():
        raise InvalidInput(
            f"请填写省级复核文件文号（如“X环督办函〔2020〕12号”）：{rule}", field="document_no"
        )
    if document_date is None:
        raise InvalidInput(f"请填写省级复核文件日期：{rule}", field="document_date")
    if document_date > clock.today():
        raise InvalidInput("省级复核文件日期不能晚于今天", field="document_date")
    if document is None:
        raise InvalidInput(f"请上传省级复核文件扫描件（PDF）：{rule}", field="document")
    if not isinstance(document, EvidenceFile):
        document = EvidenceFile(document, AttachmentKind.NOTICE)
    info = check_upload(document.file)
    if info.extension != ".pdf":
        raise InvalidInput("省级复核文件扫描件须为PDF文件", field="document")
    return EvidenceFile(document.file, AttachmentKind.NOTICE, f"省级复核文件 {document_no.strip()}")


@transaction.atomic
def closeout_record_review(
    *,
    application: CloseoutApplication | int,
    actor: User,
    level: str,
    result: str,
    opinion: str,
    actual_date: date | None = None,
    reviewers: str = "",
    method: str = ReviewMethod.BOTH,
    document_no: str = "",
    document_date: date | None = None,
    document=None,
) -> CloseoutReview:
    """Record an acceptance step without a move: the office records 市级验收; 省级复核 is
    recorded by a provincial office in its own name, or by the city office on receipt of the
    province's document (document_no, document_date and document, a PDF scan, required);
    行业部门认定 is recorded by a head of the sector unit assigned to the task, on its own
    account (the office cannot record it for them)."""
    app, task = _load_application(application, actor)
    move = MOVES["sector_review" if level == ReviewLevel.SECTOR else "review"]
    actor_unit = None
    if level == ReviewLevel.PROVINCIAL:
        # Before the role check: a unit's account is told the 省级复核 rule, not only that
        # the move is the office's.
        if actor.unit_id:
            actor_unit = Unit.objects.select_related("region").get(pk=actor.unit_id)
        refused = closeout_rules.provincial_review_refusal(actor_unit)
        if refused:
            raise NotAllowed(refused)
    _check_actor(actor, task, move, application=app)
    if app.status not in (CloseoutStatus.SELF_CHECKED, CloseoutStatus.ACCEPTED):
        raise InvalidState("只能为验收中或公示中的申请登记验收意见")
    if level not in ReviewLevel.values or level == ReviewLevel.COUNTY:
        raise InvalidInput("请选择市级、行业部门或省级验收", field="level")
    if result not in ReviewResult.values:
        raise InvalidInput("请选择验收结论", field="result")
    if method not in ReviewMethod.values:
        raise InvalidInput("请选择验收方式", field="method")
    if not opinion or not opinion.strip():
        raise InvalidInput("请填写验收意见", field="opinion")
    scan = None
    document_no = (document_no or "").strip()
    if level != ReviewLevel.PROVINCIAL:
        document_no, document_date = "", None
    elif closeout_rules.provincial_needs_document(actor_unit):
        scan = _check_provincial_document(document_no, document_date, document)
    if len(document_no) > 64:
        raise InvalidInput("省级复核文件文号不能超过64个字符", field="document_no")
    saved = _save_evidence(task=task, actor=actor, files=[scan], closeout=app) if scan else []
    review = CloseoutReview.objects.create(
        application=app,
        level=level,
        unit_id=actor.unit_id,
        reviewer=actor,
        reviewers=reviewers,
        method=method,
        actual_date=actual_date or clock.today(),
        result=result,
        opinion=opinion.strip(),
        document_no=document_no,
        document_date=document_date,
        document=saved[0] if saved else None,
    )
    label = closeout_rules.review_level_label(level, None)
    basis = f"（依据 {document_no}）" if document_no else ""
    events.record(
        Event,
        task=task,
        target=review,
        verb=EventVerb.REVIEW,
        actor=actor,
        note=f"{label}：{review.get_result_display()}{basis} {opinion}"[:500],
    )
    return review


@transaction.atomic
def closeout_close(
    *,
    application: CloseoutApplication | int,
    actor: User,
    objections: int = 0,
    objection_note: str = "",
    doc_no: str = "",
    filed_at: date | None = None,
    expected_version: int | None = None,
) -> CloseoutApplication:
    """销号: after a notice period without an upheld objection and the required reviews.
    Never by the applicant or the self-checker."""
    app, task = _load_application(application, actor)
    move = MOVES["close"]
    _check_actor(actor, task, move, application=app)
    _check_version(task, expected_version)
    if app.status != CloseoutStatus.ACCEPTED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能销号")
    notice = PublicNotice.objects.filter(application=app).first()
    refused = notice_close_refusal(notice)
    if refused:
        raise InvalidState(refused)
    if objections and not objection_note.strip():
        raise InvalidInput("有异议时请填写异议处理情况", field="objection_note")
    pending = pending_objections(notice).count()
    if pending:
        raise InvalidState(
            f"公示期间收到的网上异议尚有{pending}件未登记核查结果，请先登记公示异议的核查结果再销号"
        )
    _check_chain(app, task, before="close")
    kinds = _evidence_kinds(task)
    if AttachmentKind.BEFORE not in kinds or AttachmentKind.AFTER not in kinds:
        raise InvalidState("缺少整改前或整改后的佐证材料")
    now = clock.now()
    # Objections recorded during the notice (notice_objection_record) are already counted;
    # those typed here are added to them.
    total = notice.objections + objections
    note = "\n".join(n for n in (notice.objection_note, objection_note.strip()) if n)
    PublicNotice.objects.filter(pk=notice.pk).update(
        objections=total,
        objection_note=note,
        result=NoticeResult.REJECTED if total else NoticeResult.NO_OBJECTION,
        concluded_at=now,
    )
    _set_application_status(
        app,
        CloseoutStatus.ACCEPTED,
        status=CloseoutStatus.APPROVED,
        closed_at=now,
        closeout_doc_no=doc_no.strip(),
        filed_at=filed_at,
    )
    _move_task(
        task,
        move,
        actor,
        expected_version=expected_version,
        target=app,
        # A 长期坚持 task closes by stage (阶段性销号): CLOSED, and watched by its quarterly
        # re-check reports (task_report_recheck, chased by jobs.report_chase).
        note=f"{'阶段性销号（长期坚持，按季度复查）' if task.is_ongoing else '销号'}"
        f"{('，' + doc_no.strip()) if doc_no.strip() else ''}",
        closed_at=now,
        progress_pct=100,
        schedule_status="NA",
    )
    notify(
        recipients=_applicant_side(app, task),
        kind=NotificationKind.CLOSED,
        task=task,
        title=f"{task.code} 已销号",
        url=_task_url(task),
        key=f"closed:{app.pk}",
    )
    return app


@transaction.atomic
def task_record_lookback(
    *,
    task: Task | int,
    actor: User,
    check_date: date,
    method: str,
    result: str,
    findings: str = "",
    new_deadline: date | None = None,
    expected_version: int | None = None,
) -> LookBackCheck:
    """回头看 of a closed task. A rebound reopens it (重启整改) with a new deadline."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, MOVES["lookback"])
    _check_version(task, expected_version)
    if task.status not in MOVES["lookback"].sources:
        raise InvalidState("只能对已销号的任务开展回头看")
    if check_date > clock.today():
        raise InvalidInput("检查日期不能晚于今天", field="check_date")
    if method not in LookBackMethod.values:
        raise InvalidInput("请选择检查方式", field="method")
    if result not in LookBackResult.values:
        raise InvalidInput("请选择检查结论", field="result")
    # A partial rebound (部分反弹) reopens the task like a full one: what rebounded is rectified
    # again, the reopen event pointing at this look-back.
    rebound = result in (LookBackResult.REBOUND, LookBackResult.PARTIAL)
    if rebound and not findings.strip():
        raise InvalidInput("反弹时请写明发现的问题", field="findings")
    if rebound and (new_deadline is None or new_deadline < check_date):
        raise InvalidInput("重启整改需要不早于检查日期的新时限", field="new_deadline")
    closure = (
        CloseoutApplication.objects.filter(task=task, status=CloseoutStatus.APPROVED)
        .order_by("-closed_at")
        .first()
    )
    check = LookBackCheck.objects.create(
        task=task,
        closeout=closure,
        check_date=check_date,
        unit_id=actor.unit_id,
        method=method,
        result=result,
        findings=findings.strip(),
        reopened=rebound,
        created_by=actor,
    )
    if rebound:
        closed_on = f"{closure.closed_at:%Y-%m-%d}" if closure and closure.closed_at else "此前"
        _move_task(
            task,
            MOVES["reopen"],
            actor,
            expected_version=expected_version,
            target=check,
            note=f"回头看发现{LookBackResult(result).label}（{closed_on}销号）：{findings.strip()}",
            closed_at=None,
            reopen_count=F("reopen_count") + 1,
            start_date=check_date,
            deadline=new_deadline,
            # A reopening starts a new round of rectification: its deadline is the one
            # statistics count against (selectors.overdue_q), not the first round's.
            original_deadline=new_deadline,
            progress_pct=0,
        )
        if task.lead_unit_id:
            notify(
                recipients=_unit_users(task.lead_unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
                kind=NotificationKind.REOPENED,
                task=task,
                title=f"{task.code} 回头看发现反弹，重启整改",
                body=findings.strip(),
                url=_task_url(task),
                key=f"reopened:{check.pk}",
            )
    else:
        events.record(
            Event,
            task=task,
            target=check,
            verb=EventVerb.LOOKBACK,
            actor=actor,
            note=f"{check.get_result_display()} {findings.strip()}".strip(),
        )
    return check
