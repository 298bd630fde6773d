"""Close-out (销号): application, county self-check, city/sector acceptance and public
notice, return, external reviews, closing, and the 回头看 that may reopen a task."""

from collections.abc import Sequence
from datetime import date

from django.db import transaction
from django.db.models import F

from accounts import clock, events
from accounts.choices import Role
from accounts.errors import InvalidInput, InvalidState, NotFound, StaleVersion
from accounts.events import EventVerb
from accounts.models import User
from rectification.choices import (
    AttachmentKind,
    CloseoutStatus,
    LookBackMethod,
    LookBackResult,
    NoticeResult,
    NotificationKind,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    WarningLevel,
    WarningReason,
)
from rectification.lifecycle import MOVES
from rectification.models import (
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    LookBackCheck,
    PublicNotice,
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
from rectification.services.supervision import issue_warning

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
    kinds = _evidence_kinds(task) | {f.kind for f in files}
    lacking = [
        label
        for kind, label in ((AttachmentKind.BEFORE, "整改前"), (AttachmentKind.AFTER, "整改后"))
        if kind not in kinds
    ]
    if lacking:
        raise InvalidInput(
            "申请销号需要上传" + "和".join(lacking) + "的佐证材料（照片或文件）", field="files"
        )
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
    notify(
        recipients=_unit_users(actor.unit_id, [Role.UNIT_HEAD]),
        kind=NotificationKind.CLOSEOUT_APPLIED,
        task=task,
        title=f"{task.code} 申请销号，待县级自验",
        url=_task_url(task),
        key=f"closeout_applied:{application.pk}",
    )
    return application


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
    """县级自验 by the applying unit's head: pass it up to the office, or return it."""
    app, task = _load_application(application, actor)
    move = MOVES["self_check_pass" if passed else "self_check_return"]
    _check_actor(actor, task, move, application=app)
    _check_version(task, expected_version)  # a stale page gets "refresh", not a state error
    if app.status != CloseoutStatus.SUBMITTED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能进行县级自验")
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
        _set_application_status(app, CloseoutStatus.SUBMITTED, status=CloseoutStatus.SELF_CHECKED)
    else:
        _set_application_status(
            app,
            CloseoutStatus.SUBMITTED,
            status=CloseoutStatus.RETURNED,
            return_reason=opinion.strip(),
            returned_at=clock.now(),
        )
    _move_task(
        task, move, actor, expected_version=expected_version, target=app, note=opinion.strip()
    )
    if passed:
        notify(
            recipients=_office_users_for(task),
            kind=NotificationKind.CLOSEOUT_SELF_CHECKED,
            task=task,
            title=f"{task.code} 县级自验通过，待市级验收",
            url=_task_url(task),
            key=f"closeout_self_checked:{app.pk}",
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


def _required_levels(task: Task) -> set[str]:
    levels = {ReviewLevel.COUNTY}
    if task.round.requires_provincial_review:
        levels.add(ReviewLevel.PROVINCIAL)
    return levels


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
    """The office (city or sector acceptance) passes the application and starts 公示."""
    app, task = _load_application(application, actor)
    move = MOVES["accept"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if app.status != CloseoutStatus.SELF_CHECKED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能验收通过")
    if level not in (ReviewLevel.CITY, ReviewLevel.SECTOR):
        raise InvalidInput("验收层级必须是市级验收或行业部门认定", field="level")
    if method not in ReviewMethod.values:
        raise InvalidInput("请选择验收方式", field="method")
    if not opinion or not opinion.strip():
        raise InvalidInput("请填写验收意见", field="opinion")
    if notice_end < notice_start:
        raise InvalidInput("公示结束日期不能早于开始日期", field="notice_end")
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
        contact_phone=contact_phone,
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
        PublicNotice.objects.filter(application=app).update(
            result=NoticeResult.UPHELD if objection_upheld else NoticeResult.PENDING,
            objection_note=reason.strip() if objection_upheld else "",
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
) -> CloseoutReview:
    """The office records an acceptance made elsewhere (省级验收, 行业部门认定) without a move."""
    app, task = _load_application(application, actor)
    _check_actor(actor, task, MOVES["review"])
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
    )
    events.record(
        Event,
        task=task,
        target=review,
        verb=EventVerb.REVIEW,
        actor=actor,
        note=f"{review.get_level_display()}：{review.get_result_display()} {opinion}",
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
    """销号: after a notice period without an upheld objection and the required reviews."""
    app, task = _load_application(application, actor)
    move = MOVES["close"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if app.status != CloseoutStatus.ACCEPTED:
        raise InvalidState(f"该申请当前为“{app.get_status_display()}”，不能销号")
    notice = PublicNotice.objects.filter(application=app).first()
    today = clock.today()
    if notice is None:
        raise InvalidState("尚未公示，不能销号")
    if notice.end_date > today:
        raise InvalidState(f"公示期至 {notice.end_date:%Y-%m-%d} 结束，公示期满后方可销号")
    if objections and not objection_note.strip():
        raise InvalidInput("有异议时请填写异议处理情况", field="objection_note")
    passed = set(
        CloseoutReview.objects.filter(application=app, result=ReviewResult.PASS).values_list(
            "level", flat=True
        )
    )
    if not passed.intersection({ReviewLevel.CITY, ReviewLevel.SECTOR}):
        raise InvalidState("缺少市级验收或行业部门认定意见")
    missing = [ReviewLevel(level).label for level in _required_levels(task) - passed]
    if missing:
        raise InvalidState("缺少验收意见：" + "、".join(str(m) for m in missing))
    kinds = _evidence_kinds(task)
    if AttachmentKind.BEFORE not in kinds or AttachmentKind.AFTER not in kinds:
        raise InvalidState("缺少整改前或整改后的佐证材料")
    now = clock.now()
    PublicNotice.objects.filter(pk=notice.pk).update(
        objections=objections,
        objection_note=objection_note.strip(),
        result=NoticeResult.REJECTED if objections else NoticeResult.NO_OBJECTION,
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
        note=f"销号{('，' + doc_no.strip()) if doc_no.strip() else ''}",
        closed_at=now,
        progress_pct=100,
        schedule_status="NA",
    )
    notify(
        recipients=[app.applied_by],
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
    rebound = result == LookBackResult.REBOUND
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
            note=f"回头看发现反弹（{closed_on}销号）：{findings.strip()}",
            closed_at=None,
            reopen_count=F("reopen_count") + 1,
            start_date=check_date,
            deadline=new_deadline,
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
