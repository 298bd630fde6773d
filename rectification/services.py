"""Every write to a task and what hangs off it.

Each service takes keyword arguments, checks the actor's scope and role and the object's
state, changes rows inside one transaction, writes an Event, and returns the main object.
Illegal calls raise an accounts.errors.ServiceError subclass with a Chinese message and
leave the database unchanged. Pages, the API, admin actions, jobs and the importer call these.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import islice

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone

from accounts import clock
from accounts.choices import Role
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound, StaleVersion
from accounts.models import Person, Region, Unit, User
from accounts.scope import is_office, is_unit_member
from inspections.choices import DeadlineType
from inspections.models import Problem
from rectification import schedule
from rectification.choices import (
    RESPONSIBLE_ROLES,
    WORKING_STATUSES,
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    LookBackMethod,
    LookBackResult,
    NoticeResult,
    NotificationChannel,
    PeriodKind,
    ReviewLevel,
    ReviewMethod,
    ReviewResult,
    SiteType,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
)
from rectification.lifecycle import MOVES, Actor, Move
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Extension,
    LookBackCheck,
    Milestone,
    Notification,
    ProgressReport,
    PublicNotice,
    ReportingPeriod,
    SupervisionNotice,
    Task,
)
from rectification.uploads import check_upload

# The five close-out standards (DOMAIN.md §1.2, [S8]); an application must confirm each.
CLOSEOUT_CHECKLIST: dict[str, str] = {
    "measures_done": "整改方案确定的措施已全部完成",
    "violations_punished": "涉及的违法违规行为已依法查处",
    "meets_standards": "整改结果符合法律法规和技术规范要求",
    "similar_fixed": "已举一反三，同类问题一并整改",
    "long_term_mechanism": "已落实源头整治并建立长效机制",
}


@dataclass(frozen=True)
class EvidenceFile:
    file: UploadedFile
    kind: str
    title: str = ""


# ---------------------------------------------------------------------------------------------
# Shared checks


def _load_visible_task(task: Task | int, actor: User, *, for_update: bool = False) -> Task:
    """The task, re-read inside the transaction through the actor's scope (else NotFound)."""
    task_id = task.pk if isinstance(task, Task) else task
    qs = Task.objects.visible_to(actor).select_related("round", "problem")
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = qs.filter(pk=task_id).first()
    if found is None:
        raise NotFound("任务不存在或不在您的权限范围内")
    return found


def _unit_roles(actor: User, task: Task) -> set[str]:
    if not is_unit_member(actor):
        return set()
    return set(
        Assignment.objects.filter(task=task, unit_id=actor.unit_id).values_list("role", flat=True)
    )


def _check_actor(actor: User, task: Task, who: Actor, *, applicant_unit_id: int | None = None):
    if who is Actor.OFFICE:
        if not is_office(actor):
            raise NotAllowed("只有环督办可以执行此操作")
        return
    if not is_unit_member(actor):
        raise NotAllowed("只有责任单位的填报员或审核人可以执行此操作")
    if who is Actor.APPLICANT_HEAD:
        if actor.role != Role.UNIT_HEAD or actor.unit_id != applicant_unit_id:
            raise NotAllowed("只有申请单位的审核人可以进行县级自验")
        return
    roles = _unit_roles(actor, task)
    if who is Actor.ASSIGNED_UNIT and not roles:
        raise NotAllowed("您的单位不是该任务的责任单位")
    if who is Actor.RESPONSIBLE_UNIT and not roles.intersection(RESPONSIBLE_ROLES):
        raise NotAllowed("只有牵头单位或属地责任单位可以执行此操作")


def _check_version(task: Task, expected_version: int | None) -> None:
    if expected_version is not None and task.version != expected_version:
        raise StaleVersion("该任务已被他人修改，请刷新页面后重试（您的修改未保存）")


def _move_task(
    task: Task,
    move: Move,
    actor: User,
    *,
    expected_version: int | None,
    note: str = "",
    target: Model | None = None,
    **changes,
) -> Task:
    """Carry out a lifecycle move as a conditional update, then write its Event.

    The UPDATE … WHERE status IN (sources) [AND version = expected] makes two concurrent
    reviewers unable to both win: the loser's row count is 0 and it gets a clear error.
    """
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能{move.label}")
    _check_version(task, expected_version)
    filters = {"pk": task.pk, "status__in": move.sources, "version": task.version}
    changed = Task.objects.filter(**filters).update(
        status=move.target, version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if changed != 1:
        raise StaleVersion("该任务刚刚被他人处理，请刷新页面后重试（您的操作未保存）")
    from_status = task.status
    task.refresh_from_db()
    record_event(
        task=task,
        target=target or task,
        verb=move.verb,
        actor=actor,
        from_status=from_status,
        to_status=move.target,
        note=note,
    )
    return task


def _bump_version(task: Task, *, expected_version: int | None, **changes) -> Task:
    """A non-status change to a task, under the same optimistic lock."""
    _check_version(task, expected_version)
    changed = Task.objects.filter(pk=task.pk, version=task.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes
    )
    if changed != 1:
        raise StaleVersion("该任务刚刚被他人修改，请刷新页面后重试（您的修改未保存）")
    task.refresh_from_db()
    return task


def record_event(
    *,
    task: Task | None,
    target: Model,
    verb: str,
    actor: User | None,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
) -> Event:
    return Event.objects.create(
        task=task,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        verb=verb,
        from_status=from_status,
        to_status=to_status,
        note=note,
        actor=actor,
        created_at=timezone.now(),
    )


def notify(
    *,
    recipients: Iterable[User],
    kind: str,
    title: str,
    body: str = "",
    task: Task | None = None,
    key: str,
    url: str = "",
    channels: Sequence[str] = (NotificationChannel.INAPP,),
) -> int:
    """Write notification rows for the delivery job. `key` makes repeats no-ops.

    Web requests only write rows here; they never talk to the broker.
    """
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            task=task,
            title=title,
            body=body,
            url=url,
            channel=channel,
            unique_key=f"{key}:{user.pk}:{channel}"[:200],
        )
        for user in recipients
        for channel in channels
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


@dataclass(frozen=True)
class Message:
    """One notification row by ids, for jobs that notify thousands of users at once."""

    recipient_id: int
    kind: str
    title: str
    key: str
    channel: str = NotificationChannel.INAPP
    task_id: int | None = None
    body: str = ""
    url: str = ""


def notify_many(messages: Iterable[Message], *, batch_size: int = 1000) -> int:
    """The set-based sibling of notify(): same unique key (`key:recipient:channel`), rows
    built from ids (no User or Task instances), inserted in batches; repeats are no-ops.

    Returns the number of rows offered (inserted or already there)."""
    rows = (
        Notification(
            recipient_id=m.recipient_id,
            kind=m.kind,
            task_id=m.task_id,
            title=m.title[:200],
            body=m.body,
            url=m.url,
            channel=m.channel,
            unique_key=f"{m.key}:{m.recipient_id}:{m.channel}"[:200],
        )
        for m in messages
    )
    offered = 0
    while batch := list(islice(rows, batch_size)):
        Notification.objects.bulk_create(batch, ignore_conflicts=True)
        offered += len(batch)
    return offered


def _task_url(task: Task) -> str:
    return f"/tasks/{task.pk}/"


def _unit_users(unit_id: int, roles: Sequence[str]) -> list[User]:
    return list(User.objects.filter(unit_id=unit_id, role__in=roles, is_active=True))


def _office_users_for(task: Task) -> list[User]:
    """Office users whose region subtree holds the task's region."""
    ancestors = [c for c in task.region.path.split("/") if c]
    return list(
        User.objects.filter(role=Role.OFFICE, is_active=True, unit__region__code__in=ancestors)
    )


def refresh_schedule(task: Task, *, today: date | None = None) -> Task:
    """Recompute and store the task's 序时 status (no version bump: derived data)."""
    today = today or clock.today()
    milestones = [
        schedule.MilestonePlan(m.planned_date, m.weight, m.done_date) for m in task.milestones.all()
    ]
    verdict = schedule.evaluate(
        status=task.status,
        start_date=task.start_date,
        deadline=task.deadline,
        progress_pct=task.progress_pct,
        today=today,
        milestones=milestones,
    )
    if verdict.status != task.schedule_status:
        Task.objects.filter(pk=task.pk).update(schedule_status=verdict.status)
        task.schedule_status = verdict.status
    return task


def period_for(day: date, kind: str = PeriodKind.MONTHLY) -> ReportingPeriod:
    """The reporting period containing `day`, created on first use."""
    from django.conf import settings

    if kind != PeriodKind.MONTHLY:
        raise InvalidInput("目前只支持按月报送")
    start = day.replace(day=1)
    next_month = (start.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    end = next_month - timezone.timedelta(days=1)
    cutoff = min(settings.MONTHLY_REPORT_CUTOFF_DAY, end.day)
    period, _ = ReportingPeriod.objects.get_or_create(
        kind=kind,
        code=start.strftime("%Y-%m"),
        defaults={"start_date": start, "end_date": end, "due_date": start.replace(day=cutoff)},
    )
    return period


def _save_evidence(
    *,
    task: Task,
    actor: User,
    files: Sequence[EvidenceFile],
    report: ProgressReport | None = None,
    closeout: CloseoutApplication | None = None,
) -> list[Attachment]:
    checked = [(item, check_upload(item.file)) for item in files]  # all checked before any save
    saved = []
    for item, info in checked:
        if item.kind not in AttachmentKind.values:
            raise InvalidInput(f"未知的材料类别：{item.kind}", field="files")
        attachment = Attachment(
            task=task,
            report=report,
            closeout=closeout,
            kind=item.kind,
            title=item.title[:200],
            original_name=(item.file.name or "file")[:255],
            extension=info.extension,
            content_type=info.content_type,
            size=info.size,
            sha256=info.sha256,
            uploaded_by=actor,
        )
        attachment.file.save(f"upload{info.extension}", item.file, save=False)
        attachment.save()
        saved.append(attachment)
    return saved


# ---------------------------------------------------------------------------------------------
# Reporter and unit-head actions


@transaction.atomic
def task_report_progress(
    *,
    task: Task | int,
    actor: User,
    progress_text: str,
    progress_pct: int,
    difficulties: str = "",
    next_steps: str = "",
    invest_wan: Decimal | None = None,
    files: Sequence[EvidenceFile] = (),
    expected_version: int | None = None,
) -> ProgressReport:
    """A unit reports monthly progress (本月进展), optionally with evidence files."""
    task = _load_visible_task(task, actor, for_update=True)
    move = MOVES["report"]
    _check_actor(actor, task, move.actor)
    if not progress_text or not progress_text.strip():
        raise InvalidInput("请填写本月进展", field="progress_text")
    if not isinstance(progress_pct, int) or not 0 <= progress_pct <= 100:
        raise InvalidInput("完成比例必须是 0 到 100 之间的整数", field="progress_pct")
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能报送进展")
    today = clock.today()
    period = period_for(today)
    first_report = task.status == TaskStatus.NOT_STARTED
    if first_report:
        task = _move_task(
            task,
            move,
            actor,
            expected_version=expected_version,
            note=f"首次报送进展，完成{progress_pct}%",
            progress_pct=progress_pct,
        )
    else:
        task = _bump_version(task, expected_version=expected_version, progress_pct=progress_pct)
    task = refresh_schedule(task, today=today)
    report = ProgressReport.objects.create(
        task=task,
        period=period,
        unit_id=actor.unit_id,
        progress_text=progress_text.strip(),
        progress_pct=progress_pct,
        schedule_status=task.schedule_status,
        difficulties=difficulties.strip(),
        next_steps=next_steps.strip(),
        invest_wan=invest_wan,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    _save_evidence(task=task, actor=actor, files=files, report=report)
    if not first_report:
        record_event(
            task=task,
            target=report,
            verb="report",
            actor=actor,
            from_status=task.status,
            to_status=task.status,
            note=f"{period.code} 完成{progress_pct}%",
        )
    return report


@transaction.atomic
def task_add_evidence(
    *,
    task: Task | int,
    actor: User,
    files: Sequence[EvidenceFile],
    expected_version: int | None = None,
) -> list[Attachment]:
    """Attach evidence to a task outside a report (e.g. 整改前 photos)."""
    task = _load_visible_task(task, actor)
    if not (is_office(actor) or _unit_roles(actor, task)):
        raise NotAllowed("您的单位不是该任务的责任单位")
    _check_version(task, expected_version)
    if task.status == TaskStatus.CLOSED:
        raise InvalidState("任务已销号，不能再补充材料")
    if not files:
        raise InvalidInput("请选择要上传的文件", field="files")
    saved = _save_evidence(task=task, actor=actor, files=files)
    record_event(
        task=task,
        target=task,
        verb="evidence",
        actor=actor,
        note="、".join(f"{a.get_kind_display()}：{a.original_name}" for a in saved)[:500],
    )
    return saved


@transaction.atomic
def task_request_extension(
    *,
    task: Task | int,
    actor: User,
    requested_deadline: date,
    reason: str,
    expected_version: int | None = None,
) -> Extension:
    """The responsible unit asks for a later deadline (延期申请)."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, Actor.RESPONSIBLE_UNIT)
    _check_version(task, expected_version)
    if task.status not in WORKING_STATUSES:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能申请延期")
    if not reason or not reason.strip():
        raise InvalidInput("请填写延期理由", field="reason")
    if task.deadline and requested_deadline <= task.deadline:
        raise InvalidInput(
            f"申请的时限必须晚于现时限 {task.deadline:%Y-%m-%d}", field="requested_deadline"
        )
    if task.start_date and requested_deadline < task.start_date:
        raise InvalidInput("申请的时限不能早于开始日期", field="requested_deadline")
    if requested_deadline <= clock.today():
        # An overdue task must not be "extended" to a date that has already passed.
        raise InvalidInput("申请的时限必须晚于今天", field="requested_deadline")
    if Extension.objects.filter(task=task, status=ExtensionStatus.PENDING).exists():
        raise InvalidState("该任务已有待审批的延期申请")
    extension = Extension.objects.create(
        task=task,
        unit_id=actor.unit_id,
        requested_by=actor,
        previous_deadline=task.deadline,
        requested_deadline=requested_deadline,
        reason=reason.strip(),
    )
    record_event(
        task=task,
        target=extension,
        verb="extension_request",
        actor=actor,
        note=f"申请延期至 {requested_deadline:%Y-%m-%d}：{reason.strip()}",
    )
    notify(
        recipients=_office_users_for(task),
        kind="extension_request",
        task=task,
        title=f"{task.code} 申请延期",
        body=reason.strip(),
        url=_task_url(task),
        key=f"extension_request:{extension.pk}",
    )
    return extension


@transaction.atomic
def extension_decide(
    *,
    extension: Extension | int,
    actor: User,
    approve: bool,
    note: str = "",
) -> Extension:
    """The office approves (changing the working deadline) or rejects an extension."""
    ext_id = extension.pk if isinstance(extension, Extension) else extension
    ext = Extension.objects.select_for_update(of=("self",)).filter(pk=ext_id).first()
    if ext is None:
        raise NotFound("延期申请不存在")
    task = _load_visible_task(ext.task_id, actor, for_update=True)
    _check_actor(actor, task, Actor.OFFICE)
    if ext.status != ExtensionStatus.PENDING:
        raise InvalidState("该延期申请已经审批过")
    if not approve and not note.strip():
        raise InvalidInput("不批准时请填写理由", field="note")
    changed = Extension.objects.filter(pk=ext.pk, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED,
        decided_by=actor,
        decided_at=timezone.now(),
        decision_note=note.strip(),
    )
    if changed != 1:
        raise StaleVersion("该延期申请刚刚被他人审批")
    ext.refresh_from_db()
    if approve:
        changes = {"deadline": ext.requested_deadline}
        if task.original_deadline is None:
            changes["original_deadline"] = task.deadline
        task = _bump_version(task, expected_version=None, **changes)
        refresh_schedule(task)
    verb = "extension_approve" if approve else "extension_reject"
    record_event(
        task=task,
        target=ext,
        verb=verb,
        actor=actor,
        note=f"{ext.requested_deadline:%Y-%m-%d} {note}".strip(),
    )
    notify(
        recipients=[ext.requested_by],
        kind=verb,
        task=task,
        title=f"{task.code} 延期申请{'已批准' if approve else '未批准'}",
        body=note,
        url=_task_url(task),
        key=f"{verb}:{ext.pk}",
    )
    return ext


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
    _check_actor(actor, task, move.actor)
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
            Event.objects.filter(task=task, verb="reopen")
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
        applied_at=timezone.now(),
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
        kind="closeout_applied",
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
    _check_actor(actor, task, move.actor, applicant_unit_id=app.unit_id)
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
            returned_at=timezone.now(),
        )
    _move_task(
        task, move, actor, expected_version=expected_version, target=app, note=opinion.strip()
    )
    if passed:
        notify(
            recipients=_office_users_for(task),
            kind="closeout_self_checked",
            task=task,
            title=f"{task.code} 县级自验通过，待市级验收",
            url=_task_url(task),
            key=f"closeout_self_checked:{app.pk}",
        )
    else:
        notify(
            recipients=[app.applied_by],
            kind="closeout_returned",
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
    _check_actor(actor, task, move.actor)
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
    _check_actor(actor, task, move.actor)
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
            concluded_at=timezone.now(),
        )
    _set_application_status(
        app,
        app.status,
        status=CloseoutStatus.RETURNED,
        return_reason=reason.strip(),
        returned_at=timezone.now(),
    )
    _move_task(
        task, move, actor, expected_version=expected_version, target=app, note=reason.strip()
    )
    notify(
        recipients=[app.applied_by],
        kind="closeout_returned",
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
    _check_actor(actor, task, Actor.OFFICE)
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
    record_event(
        task=task,
        target=review,
        verb="review",
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
    _check_actor(actor, task, move.actor)
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
    now = timezone.now()
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
        kind="closed",
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
    _check_actor(actor, task, Actor.OFFICE)
    _check_version(task, expected_version)
    if task.status != TaskStatus.CLOSED:
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
        refresh_schedule(task)
        if task.lead_unit_id:
            notify(
                recipients=_unit_users(task.lead_unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
                kind="reopened",
                task=task,
                title=f"{task.code} 回头看发现反弹，重启整改",
                body=findings.strip(),
                url=_task_url(task),
                key=f"reopened:{check.pk}",
            )
    else:
        record_event(
            task=task,
            target=check,
            verb="lookback",
            actor=actor,
            note=f"{check.get_result_display()} {findings.strip()}".strip(),
        )
    return check


@transaction.atomic
def milestone_complete(
    *,
    milestone: Milestone | int,
    actor: User,
    done_date: date | None = None,
) -> Milestone:
    """Mark a stage done (long-term tasks close by stage: 阶段性完成)."""
    ms_id = milestone.pk if isinstance(milestone, Milestone) else milestone
    task_id = Milestone.objects.filter(pk=ms_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise NotFound("进度节点不存在")
    task = _load_visible_task(task_id, actor, for_update=True)
    if not is_office(actor):
        _check_actor(actor, task, Actor.RESPONSIBLE_UNIT)
    ms = Milestone.objects.get(pk=ms_id)
    if ms.done_date:
        raise InvalidState("该节点已完成")
    done_date = done_date or clock.today()
    if done_date > clock.today():
        raise InvalidInput("完成日期不能晚于今天", field="done_date")
    Milestone.objects.filter(pk=ms.pk).update(done_date=done_date)
    ms.refresh_from_db()
    task = _bump_version(task, expected_version=None)
    refresh_schedule(task)
    record_event(
        task=task,
        target=ms,
        verb="milestone",
        actor=actor,
        note=f"{ms.name}（{done_date:%Y-%m-%d}）",
    )
    return ms


# ---------------------------------------------------------------------------------------------
# Office: tasks and assignments


@dataclass(frozen=True)
class UnitRole:
    unit: Unit
    role: str
    person: Person | None = None
    duty: str = ""


def _check_office_for_region(actor: User, region: Region) -> None:
    from accounts.scope import sees_region

    if not is_office(actor):
        raise NotAllowed("只有环督办可以执行此操作")
    if not sees_region(actor, region.pk):
        raise NotFound("该地区不在您的权限范围内")


def _write_assignments(task: Task, units: Sequence[UnitRole]) -> None:
    leads = [u for u in units if u.role == AssignmentRole.LEAD]
    if len(leads) != 1:
        raise InvalidInput("每个任务必须有且只有一个牵头单位", field="lead_unit")
    seen = set()
    for entry in units:
        if entry.role not in AssignmentRole.values:
            raise InvalidInput(f"未知的责任角色：{entry.role}", field="units")
        if (entry.unit.pk, entry.role) in seen:
            raise InvalidInput(f"单位“{entry.unit}”重复填写", field="units")
        seen.add((entry.unit.pk, entry.role))
    Assignment.objects.filter(task=task).delete()
    Assignment.objects.bulk_create(
        Assignment(task=task, unit=e.unit, role=e.role, person=e.person, duty=e.duty, sort=i)
        for i, e in enumerate(units)
    )
    Task.objects.filter(pk=task.pk).update(lead_unit=leads[0].unit)
    task.lead_unit = leads[0].unit


@transaction.atomic
def task_create(
    *,
    problem: Problem,
    actor: User | None,
    code: str,
    name: str,
    region: Region,
    units: Sequence[UnitRole],
    deadline: date | None,
    start_date: date | None = None,
    deadline_type: str = DeadlineType.DATED,
    is_ongoing: bool = False,
    is_point: bool = True,
    site_type: str = SiteType.OTHER,
    goal: str = "",
    measures: str = "",
    address: str = "",
    water_body: str = "",
    outfall_code: str = "",
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    leader: Person | None = None,
    seq: int | None = None,
    check_actor: bool = True,
) -> Task:
    """Add a task (点位) to a problem with its units. Office only (the importer passes the
    office actor; the demo loader and data migrations pass check_actor=False)."""
    if check_actor:
        _check_office_for_region(actor, region)
    if not name or not name.strip():
        raise InvalidInput("请填写点位/任务名称", field="name")
    if not code or not code.strip():
        raise InvalidInput("请填写任务编号", field="code")
    start_date = start_date or problem.round.plan_issued_on
    if deadline and start_date and deadline < start_date:
        raise InvalidInput("整改时限不能早于开始日期", field="deadline")
    if deadline is None and deadline_type == DeadlineType.DATED:
        raise InvalidInput("限期整改的任务必须填写整改时限", field="deadline")
    # Checked here, not left to the CheckConstraints: their IntegrityError would be reported
    # below as a duplicate code.
    if deadline_type not in DeadlineType.values:
        raise InvalidInput("请选择时限类型", field="deadline_type")
    if site_type not in SiteType.values:
        raise InvalidInput("请选择点位类型", field="site_type")
    if Task.objects.filter(round_id=problem.round_id, code=code.strip()).exists():
        raise InvalidInput(f"任务编号“{code}”在本轮督察中已存在", field="code")
    if seq is None:
        seq = (
            Task.objects.filter(problem=problem)
            .order_by("-seq")
            .values_list("seq", flat=True)
            .first()
            or 0
        ) + 1
    try:
        with transaction.atomic():
            task = Task.objects.create(
                round_id=problem.round_id,
                problem=problem,
                seq=seq,
                code=code.strip(),
                name=name.strip(),
                is_point=is_point,
                site_type=site_type,
                region=region,
                address=address,
                water_body=water_body,
                outfall_code=outfall_code,
                lat=lat,
                lng=lng,
                goal=goal,
                measures=measures,
                deadline_type=deadline_type,
                is_ongoing=is_ongoing or deadline_type == DeadlineType.ONGOING,
                start_date=start_date,
                deadline=deadline,
                original_deadline=deadline,
                leader=leader or problem.leader,
            )
    except IntegrityError as exc:
        raise InvalidInput(f"任务编号“{code}”或序号重复") from exc
    _write_assignments(task, units)
    refresh_schedule(task)
    record_event(
        task=task, target=task, verb="create", actor=actor, to_status=task.status, note=name.strip()
    )
    return task


@transaction.atomic
def task_set_units(
    *,
    task: Task | int,
    actor: User,
    units: Sequence[UnitRole],
    expected_version: int | None = None,
) -> Task:
    """Assign or change the units and people of a task (office only)."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, Actor.OFFICE)
    if task.status == TaskStatus.CLOSED:
        raise InvalidState("任务已销号，不能调整责任分工")
    task = _bump_version(task, expected_version=expected_version)
    _write_assignments(task, units)
    summary = "；".join(f"{AssignmentRole(u.role).label}：{u.unit}" for u in units)
    record_event(task=task, target=task, verb="assign", actor=actor, note=summary)
    return task


# ---------------------------------------------------------------------------------------------
# Office: supervision notices and petitions; everyone: notifications


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

    if not is_office(actor):
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
        record_event(
            task=task,
            target=notice,
            verb="supervision",
            actor=actor,
            note=f"{notice.get_kind_display()}：{notice.title}",
        )
    notify(
        recipients=_unit_users(target_unit.pk, [Role.REPORTER, Role.UNIT_HEAD]),
        kind="supervision",
        title=f"{notice.get_kind_display()}：{notice.title}",
        body=notice.content[:500],
        key=f"supervision:{notice.pk}",
    )
    return notice


def _office_users_for_region(region: Region) -> list[User]:
    """Office users whose region subtree holds `region`."""
    ancestors = [c for c in region.path.split("/") if c]
    return list(
        User.objects.filter(role=Role.OFFICE, is_active=True, unit__region__code__in=ancestors)
    )


def _load_visible_notice(notice: SupervisionNotice | int, actor: User) -> SupervisionNotice:
    """The notice, locked, through the actor's scope. A unit never sees a letter that is
    only proposed (拟发): to it, that letter does not exist yet."""
    notice_id = notice.pk if isinstance(notice, SupervisionNotice) else notice
    found = (
        SupervisionNotice.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("target_unit__region")
        .filter(pk=notice_id)
        .first()
    )
    if found is None or (is_unit_member(actor) and found.status == SupervisionStatus.PROPOSED):
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
        record_event(
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
        reply_due=reply_due or notice.reply_due,
        issued_by=actor,
    )
    _notice_events(
        notice,
        verb="supervision_issue",
        actor=actor,
        from_status=SupervisionStatus.PROPOSED,
        note=f"{notice.get_kind_display()}（{notice.doc_no}）：{notice.title}",
    )
    notify(
        recipients=_unit_users(notice.target_unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
        kind="supervision",
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
        replied_at=timezone.now(),
    )
    _notice_events(
        notice,
        verb="supervision_reply",
        actor=actor,
        from_status=SupervisionStatus.ISSUED,
        note=f"{notice.title}：{notice.reply_text}",
    )
    notify(
        recipients=_office_users_for_region(notice.target_unit.region),
        kind="supervision_replied",
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
        verb="supervision_close",
        actor=actor,
        from_status=SupervisionStatus.REPLIED,
        note=notice.title,
    )
    return notice


@transaction.atomic
def petition_update(
    *,
    petition,
    actor: User,
    verify_result: str,
    findings: str,
    handling: str,
    status: str,
    published_at: date | None = None,
    publish_url: str = "",
):
    """The office records a petition's verification, handling result, status and publication."""
    from inspections.choices import PetitionStatus, VerifyResult
    from inspections.models import Petition

    pet_id = petition.pk if isinstance(petition, Petition) else petition
    found = Petition.objects.visible_to(actor).select_for_update(of=("self",)).filter(pk=pet_id)
    pet = found.first()
    if pet is None:
        raise NotFound("信访件不存在或不在您的权限范围内")
    if not is_office(actor):
        raise NotAllowed("只有环督办可以更新信访件办理情况")
    if verify_result and verify_result not in VerifyResult.values:
        raise InvalidInput("请选择核实情况", field="verify_result")
    if status not in PetitionStatus.values:
        raise InvalidInput("请选择办理状态", field="status")
    done = (PetitionStatus.STAGE_DONE, PetitionStatus.DONE, PetitionStatus.CLOSED)
    if status in done and not handling.strip():
        raise InvalidInput("办结前请填写处理整改情况", field="handling")
    if published_at is not None and published_at > clock.today():
        raise InvalidInput("公开日期不能晚于今天", field="published_at")
    Petition.objects.filter(pk=pet.pk).update(
        verify_result=verify_result,
        findings=findings.strip(),
        handling=handling.strip(),
        status=status,
        published_at=published_at,
        publish_url=publish_url.strip(),
    )
    pet.refresh_from_db()
    return pet


def notification_mark_read(*, actor: User, notification_id: int | None = None) -> int:
    """Mark one of the actor's notifications read, or all of them when no id is given.

    Returns the number of rows changed; someone else's notification is NotFound."""
    mine = Notification.objects.filter(recipient_id=actor.pk)
    if notification_id is not None:
        if not mine.filter(pk=notification_id).exists():
            raise NotFound("通知不存在")
        mine = mine.filter(pk=notification_id)
    return mine.filter(read_at__isnull=True).update(read_at=timezone.now())


# Fields of a task the office may edit directly (not status, units, deadline: those have
# their own moves: lifecycle services, task_set_units, extensions).
TASK_EDITABLE_FIELDS = (
    "name",
    "site_type",
    "address",
    "water_body",
    "outfall_code",
    "lat",
    "lng",
    "goal",
    "measures",
)


@transaction.atomic
def task_update(
    *,
    task: Task | int,
    actor: User,
    expected_version: int | None = None,
    **changes,
) -> Task:
    """The office corrects a task's descriptive fields, under the optimistic lock."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, Actor.OFFICE)
    _check_version(task, expected_version)
    unknown = set(changes) - set(TASK_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput("不能直接修改的字段：" + "、".join(sorted(unknown)))
    if "name" in changes:
        if not changes["name"] or not str(changes["name"]).strip():
            raise InvalidInput("请填写点位/任务名称", field="name")
        changes["name"] = changes["name"].strip()
    if "site_type" in changes and changes["site_type"] not in SiteType.values:
        raise InvalidInput("请选择点位类型", field="site_type")
    if not changes:
        return task
    task = _bump_version(task, expected_version=expected_version, **changes)
    record_event(
        task=task,
        target=task,
        verb="edit",
        actor=actor,
        note="修改：" + "、".join(str(Task._meta.get_field(f).verbose_name) for f in changes),
    )
    return task
