"""Supervision notices (提醒函/督办函/约谈 …) and notification read state."""

from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.db import transaction

from accounts import clock, events
from accounts.choices import Role
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound, StaleVersion
from accounts.events import EventVerb
from accounts.models import Region, Unit, User
from accounts.scope import is_office, is_unit_member
from inspections import workdays
from rectification.choices import (
    WORKING_STATUSES,
    NotificationChannel,
    NotificationKind,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.lifecycle import MOVES, refusal
from rectification.models import (
    Event,
    Notification,
    SupervisionNotice,
    Task,
    Warning,
)
from rectification.services.base import (
    _check_actor,
    _load_visible_task,
    _task_url,
    _unit_users,
    notify,
    refresh_schedule,
)

# Severity of the colours, for "a manual warning never lowers a task's colour".
_SEVERITY = {
    WarningLevel.NONE: 0,
    WarningLevel.BLUE: 1,
    WarningLevel.YELLOW: 2,
    WarningLevel.RED: 3,
}


# Kinds answered in writing within SUPERVISION_REPLY_WORKING_DAYS working days when the
# office types no date (限N个工作日书面回复).
REPLY_IN_WORKING_DAYS = (SupervisionKind.LETTER, SupervisionKind.LISTED)


def supervision_reply_due(kind: str, issued_on: date) -> date | None:
    """The default reply deadline of a notice of `kind` issued on `issued_on`: N working days
    after it (inspections.workdays) for a 督办函 / 挂牌督办, none for the other kinds."""
    if kind not in REPLY_IN_WORKING_DAYS:
        return None
    return workdays.add(issued_on, settings.SUPERVISION_REPLY_WORKING_DAYS)


# Office: supervision notices; everyone: notifications
@transaction.atomic
def supervision_notice_create(
    *,
    actor: User,
    kind: str,
    title: str,
    target_unit: Unit,
    content: str = "",
    doc_no: str = "",
    reply_due: date | None = None,
    tasks: Sequence[Task] = (),
) -> SupervisionNotice:
    """The office issues a 提醒函/督办函/约谈 … to a unit, optionally about some tasks."""
    from accounts.scope import sees_region

    if refusal(actor, MOVES["supervision"]) is not None:
        raise NotAllowed("只有环督办可以发督办")
    if not sees_region(actor, target_unit.region_id):
        raise NotFound("督办对象不在您的权限范围内")
    if kind not in SupervisionKind.values:
        raise InvalidInput("请选择督办类型", field="kind")
    if not title or not title.strip():
        raise InvalidInput("请填写标题", field="title")
    today = clock.today()
    if reply_due is not None and reply_due < today:
        raise InvalidInput("回复期限不能早于今天", field="reply_due")
    if reply_due is None:
        reply_due = supervision_reply_due(kind, today)
    task_ids = [t.pk for t in tasks]
    visible = set(
        Task.objects.visible_to(actor).filter(pk__in=task_ids).values_list("pk", flat=True)
    )
    if len(visible) != len(set(task_ids)):
        raise NotFound("任务不存在或不在您的权限范围内")
    notice = SupervisionNotice.objects.create(
        kind=kind,
        doc_no=doc_no.strip(),
        title=title.strip(),
        content=content.strip(),
        target_unit=target_unit,
        status=SupervisionStatus.ISSUED,
        issued_on=today,
        reply_due=reply_due,
        issued_by=actor,
    )
    if task_ids:
        notice.tasks.set(task_ids)
    for task in Task.objects.filter(pk__in=task_ids):
        events.record(
            Event,
            task=task,
            target=notice,
            verb=EventVerb.SUPERVISION,
            actor=actor,
            note=f"{notice.get_kind_display()}：{notice.title}",
        )
    notify(
        recipients=_unit_users(target_unit.pk, [Role.REPORTER, Role.UNIT_HEAD]),
        kind=NotificationKind.SUPERVISION,
        title=f"{notice.get_kind_display()}：{notice.title}",
        body=notice.content[:500],
        url="/supervision/inbox/",
        key=f"supervision:{notice.pk}",
    )
    return notice


@transaction.atomic
def warning_raise(
    *,
    task: Task | int,
    actor: User,
    level: str,
    reason: str,
    note: str = "",
) -> Warning:
    """The office issues a warning by hand (上级批评, 媒体曝光, 群众反复投诉 …): a Warning row
    for today (auto=False), the task recoloured at once (an unresolved manual warning keeps at
    least its colour, in the services and the nightly sweep alike), an event, and the task's
    units told. It stands until the office clears it (warning_clear) or the task is closed."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, MOVES["warning"])
    if level not in (WarningLevel.YELLOW, WarningLevel.RED):
        raise InvalidInput("手动预警只能是黄牌或红灯", field="level")
    if reason not in WarningReason.values:
        raise InvalidInput("请选择预警原因", field="reason")
    if task.status == TaskStatus.CLOSED:
        raise InvalidState("任务已销号，不能预警")
    return issue_warning(task=task, actor=actor, level=level, reason=reason, note=note)


def issue_warning(*, task: Task, actor: User, level: str, reason: str, note: str = "") -> Warning:
    """A manual warning on a task already loaded, locked and checked by the caller
    (warning_raise; closeout_return's yellow card for a failed acceptance)."""
    today = clock.today()
    if Warning.objects.filter(task=task, reason=reason, day=today, auto=False).exists():
        # (the task row is locked by the caller: two clicks cannot both pass this check)
        raise InvalidState("今天已就同一原因对该任务预警")
    warning = Warning.objects.create(
        task=task,
        unit_id=task.lead_unit_id,
        level=level,
        reason=reason,
        day=today,
        auto=False,
        issued_by=actor,
        note=note.strip(),
    )
    refresh_schedule(task)
    events.record(
        Event,
        task=task,
        target=warning,
        verb=EventVerb.WARNING,
        actor=actor,
        note=f"{warning.get_level_display()}：{note.strip() or warning.get_reason_display()}",
    )
    if task.lead_unit_id:
        notify(
            recipients=_unit_users(task.lead_unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
            kind=NotificationKind.WARNING,
            task=task,
            title=f"{task.code} {warning.get_level_display()}：{warning.get_reason_display()}",
            body=note.strip(),
            url=_task_url(task),
            key=f"warning:{warning.pk}",
        )
    return warning


@transaction.atomic
def warning_clear(*, warning: Warning | int, actor: User, reason: str) -> Warning:
    """The office clears a manual warning with a reason (解除预警): from now on neither the
    services nor the nightly sweep count it, and the task is recoloured at once. The day's
    rows the sweep wrote stay as the record of what was shown that day."""
    warning_id = warning.pk if isinstance(warning, Warning) else warning
    task_id = Warning.objects.filter(pk=warning_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise NotFound("预警不存在")
    task = _load_visible_task(task_id, actor, for_update=True)
    _check_actor(actor, task, MOVES["warning"])
    found = Warning.objects.get(pk=warning_id)
    if found.auto:
        raise InvalidState("系统按日研判的预警不能手动解除：整改到位后次日自动消除")
    if found.resolved_at is not None:
        raise InvalidState("该预警已经解除")
    if not reason or not reason.strip():
        raise InvalidInput("请填写解除理由", field="reason")
    changed = Warning.objects.filter(pk=found.pk, resolved_at__isnull=True).update(
        resolved_at=clock.now(), resolved_by=actor, resolve_note=reason.strip()
    )
    if changed != 1:
        raise StaleVersion("该预警刚刚被他人解除，请刷新页面")
    found.refresh_from_db()
    refresh_schedule(task)
    events.record(
        Event,
        task=task,
        target=found,
        verb=EventVerb.WARNING_CLEAR,
        actor=actor,
        from_status=found.level,
        to_status=task.warning_level,
        note=f"解除{found.get_level_display()}（{found.get_reason_display()}）：{reason.strip()}",
    )
    return found


def _office_users_for_region(region: Region) -> list[User]:
    """Office users whose region subtree holds `region`."""
    ancestors = [c for c in region.path.split("/") if c]
    return list(
        User.objects.filter(role=Role.OFFICE, is_active=True, unit__region__code__in=ancestors)
    )


def _load_visible_notice(notice: SupervisionNotice | int, actor: User) -> SupervisionNotice:
    """The notice, locked, through the actor's scope. A unit never sees a letter that is
    only proposed (拟发): to it, that letter does not exist yet (accounts.scope.SCOPE)."""
    notice_id = notice.pk if isinstance(notice, SupervisionNotice) else notice
    found = (
        SupervisionNotice.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("target_unit__region")
        .filter(pk=notice_id)
        .first()
    )
    if found is None:
        raise NotFound("督办事项不存在或不在您的权限范围内")
    return found


def _move_notice(notice: SupervisionNotice, from_status: str, **changes) -> None:
    changed = SupervisionNotice.objects.filter(pk=notice.pk, status=from_status).update(**changes)
    if changed != 1:
        raise StaleVersion("该督办事项刚刚被他人处理，请刷新页面后重试")
    notice.refresh_from_db()


def _notice_events(
    notice: SupervisionNotice, *, verb: str, actor: User, from_status: str, note: str
) -> None:
    for task in notice.tasks.all():
        events.record(
            Event,
            task=task,
            target=notice,
            verb=verb,
            actor=actor,
            from_status=from_status,
            to_status=notice.status,
            note=note[:500],
        )


@transaction.atomic
def supervision_notice_issue(
    *,
    notice: SupervisionNotice | int,
    actor: User,
    doc_no: str,
    issued_on: date | None = None,
    reply_due: date | None = None,
) -> SupervisionNotice:
    """The office signs a proposed letter (拟发 → 已签发) and the target unit is told."""
    notice = _load_visible_notice(notice, actor)
    if not is_office(actor):
        raise NotAllowed("只有环督办可以签发督办")
    if notice.status != SupervisionStatus.PROPOSED:
        raise InvalidState(f"该督办当前为“{notice.get_status_display()}”，不能签发")
    if not doc_no or not doc_no.strip():
        raise InvalidInput("请填写文号", field="doc_no")
    today = clock.today()
    issued_on = issued_on or today
    if issued_on > today:
        raise InvalidInput("签发日期不能晚于今天", field="issued_on")
    if reply_due is not None and reply_due < issued_on:
        raise InvalidInput("回复期限不能早于签发日期", field="reply_due")
    _move_notice(
        notice,
        SupervisionStatus.PROPOSED,
        status=SupervisionStatus.ISSUED,
        doc_no=doc_no.strip(),
        issued_on=issued_on,
        reply_due=reply_due or notice.reply_due or supervision_reply_due(notice.kind, issued_on),
        issued_by=actor,
    )
    _notice_events(
        notice,
        verb=EventVerb.SUPERVISION_ISSUE,
        actor=actor,
        from_status=SupervisionStatus.PROPOSED,
        note=f"{notice.get_kind_display()}（{notice.doc_no}）：{notice.title}",
    )
    notify(
        recipients=_unit_users(notice.target_unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
        kind=NotificationKind.SUPERVISION,
        title=f"{notice.get_kind_display()}：{notice.title}",
        body=notice.content[:500],
        url="/supervision/inbox/",
        key=f"supervision:{notice.pk}",
    )
    return notice


@transaction.atomic
def supervision_notice_reply(
    *,
    notice: SupervisionNotice | int,
    actor: User,
    reply_text: str,
) -> SupervisionNotice:
    """The target unit answers a notice in writing (已签发 → 已回复); the office is told."""
    notice = _load_visible_notice(notice, actor)
    if not is_unit_member(actor) or actor.unit_id != notice.target_unit_id:
        raise NotAllowed("只有督办对象单位的填报员或审核人可以回复")
    if notice.status != SupervisionStatus.ISSUED:
        raise InvalidState(f"该督办当前为“{notice.get_status_display()}”，不能回复")
    if not reply_text or not reply_text.strip():
        raise InvalidInput("请填写回复内容", field="reply_text")
    _move_notice(
        notice,
        SupervisionStatus.ISSUED,
        status=SupervisionStatus.REPLIED,
        reply_text=reply_text.strip(),
        replied_at=clock.now(),
    )
    _notice_events(
        notice,
        verb=EventVerb.SUPERVISION_REPLY,
        actor=actor,
        from_status=SupervisionStatus.ISSUED,
        note=f"{notice.title}：{notice.reply_text}",
    )
    notify(
        recipients=_office_users_for_region(notice.target_unit.region),
        kind=NotificationKind.SUPERVISION_REPLIED,
        title=f"{notice.target_unit.display_name} 已回复：{notice.title}",
        body=notice.reply_text[:500],
        url="/supervision/",
        key=f"supervision_replied:{notice.pk}",
    )
    return notice


@transaction.atomic
def supervision_notice_close(
    *,
    notice: SupervisionNotice | int,
    actor: User,
) -> SupervisionNotice:
    """The office accepts a unit's reply and closes the notice (已回复 → 已办结)."""
    notice = _load_visible_notice(notice, actor)
    if not is_office(actor):
        raise NotAllowed("只有环督办可以办结督办")
    if notice.status != SupervisionStatus.REPLIED:
        raise InvalidState(f"该督办当前为“{notice.get_status_display()}”，只有已回复的督办可以办结")
    _move_notice(notice, SupervisionStatus.REPLIED, status=SupervisionStatus.CLOSED)
    _notice_events(
        notice,
        verb=EventVerb.SUPERVISION_CLOSE,
        actor=actor,
        from_status=SupervisionStatus.REPLIED,
        note=notice.title,
    )
    return notice


@transaction.atomic
def supervision_notice_dismiss(
    *,
    notice: SupervisionNotice | int,
    actor: User,
    reason: str,
) -> SupervisionNotice:
    """The office declines a proposal of the warnings job (拟发 → 不予签发), with a reason.
    The proposal's key stays taken, so the job proposes nothing more for that task and month."""
    notice = _load_visible_notice(notice, actor)
    if not is_office(actor):
        raise NotAllowed("只有环督办可以处理拟发的督办")
    if notice.status != SupervisionStatus.PROPOSED:
        raise InvalidState(
            f"该督办当前为“{notice.get_status_display()}”，只有拟发的督办可以不予签发"
        )
    if not reason or not reason.strip():
        raise InvalidInput("请填写不予签发的理由", field="reason")
    _move_notice(
        notice,
        SupervisionStatus.PROPOSED,
        status=SupervisionStatus.DISMISSED,
        dismissed_reason=reason.strip(),
    )
    _notice_events(
        notice,
        verb=EventVerb.SUPERVISION_DISMISS,
        actor=actor,
        from_status=SupervisionStatus.PROPOSED,
        note=f"{notice.get_kind_display()}不予签发：{reason.strip()}",
    )
    return notice


def notification_mark_read(*, actor: User, notification_id: int | None = None) -> int:
    """Mark one of the actor's notifications read, or all of them when no id is given.

    Returns the number of rows changed; someone else's notification is NotFound."""
    mine = Notification.objects.visible_to(actor)
    if notification_id is not None:
        if not mine.filter(pk=notification_id).exists():
            raise NotFound("通知不存在")
        mine = mine.filter(pk=notification_id)
    return mine.filter(read_at__isnull=True).update(read_at=clock.now())


# ---------------------------------------------------------------------------------------------
# 催办提醒: the office reminds a task's lead unit by hand (the 批量提醒 of the warning list)

REMIND_TITLE = "【催办提醒】{code} {name}"
REMIND_MESSAGE_MAX = 500
REMIND_BODY = "环督办提醒：请抓紧推进整改，按时报送进展和佐证材料。"


@transaction.atomic
def task_remind(*, task: Task | int, actor: User, message: str = "") -> Task:
    """The office reminds the task's lead unit (牵头单位): its active reporters and unit heads
    hear of it in the app (and by mail when they have an address), its group robot once.

    Like the daily reminder job, one reminder per unit, task and day: the key carries the
    day, so a second reminder the same day is refused (InvalidState) and writes nothing.
    Written as a REMIND event on the task, with the message."""
    if not is_office(actor):
        raise NotAllowed("只有环督办可以发送催办提醒")
    task = _load_visible_task(task, actor, for_update=True)
    if task.status not in WORKING_STATUSES:
        raise InvalidState(f"任务当前为“{task.get_status_display()}”，无需催办")
    if task.lead_unit_id is None:
        raise InvalidState("任务尚未明确牵头单位，无法提醒")
    message = (message or "").strip()
    if len(message) > REMIND_MESSAGE_MAX:
        raise InvalidInput(f"提醒内容不能超过{REMIND_MESSAGE_MAX}字", field="message")
    members = _unit_users(task.lead_unit_id, [Role.REPORTER, Role.UNIT_HEAD])
    if not members:
        raise InvalidState("牵头单位没有可接收提醒的账号")
    day = clock.today()
    key = f"{NotificationKind.REMINDER_MANUAL.value}:{task.pk}:{day.isoformat()}"
    title = REMIND_TITLE.format(code=task.code, name=task.name)[:200]
    deadline = f"整改时限为{task.deadline:%Y年%m月%d日}。" if task.deadline else ""
    body = f"{message or REMIND_BODY}{'' if message else deadline}"
    # The task row is locked (select_for_update): two offices reminding at once are serialised,
    # and the second finds the first's rows.
    if Notification.objects.filter(task=task, unique_key__startswith=f"{key}:").exists():
        raise InvalidState(f"今日（{day:%Y-%m-%d}）已提醒过牵头单位，请勿重复提醒")
    notify(
        recipients=members,
        kind=NotificationKind.REMINDER_MANUAL,
        task=task,
        title=title,
        body=body,
        url=_task_url(task),
        key=key,
    )
    unit = task.lead_unit
    if unit.is_active and unit.webhook_url:
        # The robot posts once per unit, through its lowest-id active member (recipients.
        # robot_senders); its row carries no link, as the job's robot rows.
        notify(
            recipients=[min(members, key=lambda user: user.pk)],
            kind=NotificationKind.REMINDER_MANUAL,
            task=task,
            title=title,
            body=body,
            key=f"{key}:unit{unit.pk}",
            channels=[NotificationChannel.WEBHOOK],
        )
    events.record(
        Event,
        task=task,
        target=task,
        verb=EventVerb.REMIND,
        actor=actor,
        note=f"提醒{unit.display_name}" + (f"：{message}" if message else ""),
    )
    return task
