"""Services on a task itself: progress reports, evidence, extensions, milestones, creation,
unit assignment and editable fields."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F, Max

from accounts import clock, events
from accounts.choices import Role
from accounts.errors import (
    InvalidInput,
    InvalidState,
    NotAllowed,
    NotFound,
    ServiceError,
    StaleVersion,
    database_refusal,
)
from accounts.events import EventVerb
from accounts.models import Person, Region, Unit, User
from inspections.choices import DeadlineType
from inspections.models import Problem
from rectification import tally
from rectification.choices import (
    AssignmentRole,
    ExtensionStatus,
    NotificationKind,
    PeriodKind,
    ReportReviewStatus,
    SiteType,
    TaskStatus,
)
from rectification.lifecycle import MOVES, refusal
from rectification.models import (
    Assignment,
    Attachment,
    Event,
    Extension,
    Milestone,
    ProgressReport,
    ProgressReportRevision,
    ReportingPeriod,
    Task,
)
from rectification.services.base import (
    EvidenceFile,
    _bump_version,
    _check_actor,
    _check_version,
    _load_visible_task,
    _move_task,
    _office_users_for,
    _save_evidence,
    _task_url,
    _unit_users,
    new_task_colour,
    notify,
    period_for,
    refresh_schedule,
)

# Reporter and unit-head actions
REPORT_FIELDS = (
    "unit_id",
    "progress_text",
    "progress_pct",
    "difficulties",
    "next_steps",
    "invest_wan",
    "falling_reason",
    "review_status",
    "review_note",
    "submitted_by_id",
    "submitted_at",
)


def suggests_closeout(task: Task) -> bool:
    """A report reached 100 % on a task still being worked on, with no application yet: the
    reporter is asked whether to apply for close-out (the page offers it, the API hints it)."""
    return task.progress_pct == 100 and task.status == TaskStatus.IN_PROGRESS


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
    falling_reason: str = "",
    files: Sequence[EvidenceFile] = (),
    expected_version: int | None = None,
) -> ProgressReport:
    """A unit reports monthly progress (本月进展), optionally with evidence files.

    One report per task per month: a second report in the same month amends the first (its
    earlier version is kept as a ProgressReportRevision). Progress lower than the last
    report's needs an explanation (falling_reason)."""
    task = _load_visible_task(task, actor, for_update=True)
    move = MOVES["report"]
    _check_actor(actor, task, move)
    # Before the content checks: a fall is judged against the version the reporter saw.
    _check_version(task, expected_version)
    if not progress_text or not progress_text.strip():
        raise InvalidInput("请填写本月进展", field="progress_text")
    if not isinstance(progress_pct, int) or not 0 <= progress_pct <= 100:
        raise InvalidInput("完成比例必须是 0 到 100 之间的整数", field="progress_pct")
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能报送进展")
    falling_reason = (falling_reason or "").strip()
    if progress_pct < task.progress_pct and not falling_reason:
        raise InvalidInput(
            f"完成比例（{progress_pct}%）低于上次报送的 {task.progress_pct}%："
            "进度回落必须填写回落原因",
            field="falling_reason",
        )
    if progress_pct >= task.progress_pct:
        falling_reason = ""
    today = clock.today()
    period = period_for(today)
    existing = (
        ProgressReport.objects.select_for_update(of=("self",))
        .filter(task=task, period=period)
        .first()
    )
    first_report = task.status == TaskStatus.NOT_STARTED
    if first_report:
        task = _move_task(
            task,
            move,
            actor,
            expected_version=expected_version,
            note=f"首次报送进展，完成{progress_pct}%",
            progress_pct=progress_pct,
            recolour=False,
        )
    else:
        task = _bump_version(
            task, expected_version=expected_version, recolour=False, progress_pct=progress_pct
        )
    values = {
        "unit_id": actor.unit_id,
        "progress_text": progress_text.strip(),
        "progress_pct": progress_pct,
        "schedule_status": task.schedule_status,
        "difficulties": difficulties.strip(),
        "next_steps": next_steps.strip(),
        "invest_wan": invest_wan,
        "falling_reason": falling_reason,
        "submitted_by": actor,
        "submitted_at": clock.now(),
    }
    amended = {
        name: getattr(existing, name)
        for name in REPORT_FIELDS
        if existing is not None and name in values and name not in ("unit_id", "submitted_at")
    }
    report = _save_report(task, period, existing, values)
    _save_evidence(task=task, actor=actor, files=files, report=report)
    # Recoloured once the month's report exists (a late report clears NO_REPORT at once).
    refresh_schedule(task, today=today)
    if report.schedule_status != task.schedule_status:
        ProgressReport.objects.filter(pk=report.pk).update(schedule_status=task.schedule_status)
        report.schedule_status = task.schedule_status
    if existing is not None:
        events.record(
            Event,
            task=task,
            target=report,
            verb=EventVerb.REPORT_AMEND,
            actor=actor,
            from_status=task.status,
            to_status=task.status,
            note=f"{period.code} 修改为完成{progress_pct}%（第{report.revision_count}次修改）"
            + (f"；回落原因：{falling_reason}" if falling_reason else ""),
            changes=events.changes(amended, {name: getattr(report, name) for name in amended}),
        )
    elif not first_report:
        events.record(
            Event,
            task=task,
            target=report,
            verb=EventVerb.REPORT,
            actor=actor,
            from_status=task.status,
            to_status=task.status,
            note=f"{period.code} 完成{progress_pct}%"
            + (f"；回落原因：{falling_reason}" if falling_reason else ""),
        )
    return report


def _save_report(
    task: Task, period: ReportingPeriod, existing: ProgressReport | None, values: dict
) -> ProgressReport:
    """The period's one report: created, or `existing` amended with its earlier version kept
    as a revision. An amended report is read again: a 退回补充 is answered by the amendment."""
    if existing is None:
        return ProgressReport.objects.create(task=task, period=period, **values)
    ProgressReportRevision.objects.create(
        report=existing,
        replaced_at=values["submitted_at"],
        **{name: getattr(existing, name) for name in REPORT_FIELDS},
    )
    ProgressReport.objects.filter(pk=existing.pk).update(
        **values,
        revision_count=F("revision_count") + 1,
        review_status=ReportReviewStatus.PENDING,
        reviewed_by=None,
        reviewed_at=None,
    )
    return ProgressReport.objects.get(pk=existing.pk)


@transaction.atomic
def task_report_recheck(
    *,
    task: Task | int,
    actor: User,
    progress_text: str,
    files: Sequence[EvidenceFile] = (),
    expected_version: int | None = None,
) -> ProgressReport:
    """A unit reports the quarterly re-check (阶段复查) of a 长期坚持 task closed by stage: one
    report per quarter (a second one amends it), chased by jobs.report_chase."""
    task = _load_visible_task(task, actor, for_update=True)
    move = MOVES["recheck"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if task.status not in move.sources or not task.is_ongoing:
        raise InvalidState("只有阶段性销号的长期坚持任务需要按季度报送复查情况")
    if not progress_text or not progress_text.strip():
        raise InvalidInput("请填写本季度复查情况", field="progress_text")
    period = period_for(clock.today(), PeriodKind.QUARTERLY)
    task = _bump_version(task, expected_version=expected_version)
    values = {
        "unit_id": actor.unit_id,
        "progress_text": progress_text.strip(),
        "progress_pct": task.progress_pct,
        "schedule_status": task.schedule_status,
        "submitted_by": actor,
        "submitted_at": clock.now(),
    }
    existing = (
        ProgressReport.objects.select_for_update(of=("self",))
        .filter(task=task, period=period)
        .first()
    )
    report = _save_report(task, period, existing, values)
    _save_evidence(task=task, actor=actor, files=files, report=report)
    events.record(
        Event,
        task=task,
        target=report,
        verb=EventVerb.RECHECK,
        actor=actor,
        note=f"{period.code} 阶段复查：{progress_text.strip()}"[:500],
    )
    return report


@transaction.atomic
def report_review(
    *,
    report: ProgressReport | int,
    actor: User,
    returned: bool = False,
    note: str = "",
) -> ProgressReport:
    """The office marks a progress report 已审阅, or 退回补充 with a note (the unit is told)."""
    report_id = report.pk if isinstance(report, ProgressReport) else report
    task_id = ProgressReport.objects.filter(pk=report_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise NotFound("进展报告不存在")
    task = _load_visible_task(task_id, actor, for_update=True)
    _check_actor(actor, task, MOVES["report_review"])
    note = (note or "").strip()
    if returned and not note:
        raise InvalidInput("退回补充时请写明需要补充的内容", field="note")
    current = ProgressReport.objects.select_for_update(of=("self",)).get(pk=report_id)
    if current.review_status != ReportReviewStatus.PENDING:
        raise InvalidState(
            f"该进展报告已{current.get_review_status_display()}，单位修改后才能再次审阅"
        )
    status = ReportReviewStatus.RETURNED if returned else ReportReviewStatus.REVIEWED
    changed = ProgressReport.objects.filter(
        pk=current.pk, review_status=ReportReviewStatus.PENDING
    ).update(review_status=status, review_note=note, reviewed_by=actor, reviewed_at=clock.now())
    if changed != 1:
        raise StaleVersion("该进展报告刚刚被他人审阅")
    current.refresh_from_db()
    events.record(
        Event,
        task=task,
        target=current,
        verb=EventVerb.REPORT_RETURN if returned else EventVerb.REPORT_REVIEW,
        actor=actor,
        note=f"{current.period.code} {status.label}" + (f"：{note}" if note else ""),
    )
    if returned:
        notify(
            recipients=_unit_users(current.unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
            kind=NotificationKind.REPORT_RETURNED,
            task=task,
            title=f"{task.code} {current.period.code} 进展报告退回补充",
            body=note,
            url=_task_url(task),
            key=f"report_returned:{current.pk}:{current.revision_count}",
        )
    return current


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
    _check_actor(actor, task, MOVES["evidence"])
    _check_version(task, expected_version)
    if task.status == TaskStatus.CLOSED:
        raise InvalidState("任务已销号，不能再补充材料")
    if not files:
        raise InvalidInput("请选择要上传的文件", field="files")
    saved = _save_evidence(task=task, actor=actor, files=files)
    events.record(
        Event,
        task=task,
        target=task,
        verb=EventVerb.EVIDENCE,
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
    move = MOVES["extension_request"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能申请延期")
    if task.deadline and clock.today() > task.deadline:
        # An extension is asked for before the deadline; after it, only the office may decide
        # one (逾期后延期, extension_grant_overdue), and the task stays overdue in statistics.
        raise InvalidState(
            f"整改时限 {task.deadline:%Y-%m-%d} 已过，不能再申请延期：延期须在时限届满前申请，"
            "逾期后延期只能由环督办决定并说明理由"
        )
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
    events.record(
        Event,
        task=task,
        target=extension,
        verb=EventVerb.EXTENSION_REQUEST,
        actor=actor,
        note=f"申请延期至 {requested_deadline:%Y-%m-%d}：{reason.strip()}",
    )
    notify(
        recipients=_office_users_for(task),
        kind=NotificationKind.EXTENSION_REQUEST,
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
    _check_actor(actor, task, MOVES["extension_decide"])
    if ext.status != ExtensionStatus.PENDING:
        raise InvalidState("该延期申请已经审批过")
    if not approve and not note.strip():
        raise InvalidInput("不批准时请填写理由", field="note")
    changed = Extension.objects.filter(pk=ext.pk, status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED,
        decided_by=actor,
        decided_at=clock.now(),
        decision_note=note.strip(),
    )
    if changed != 1:
        raise StaleVersion("该延期申请刚刚被他人审批")
    ext.refresh_from_db()
    moved = {}
    if approve:
        moved = events.changes({"deadline": task.deadline}, {"deadline": ext.requested_deadline})
        changes = {"deadline": ext.requested_deadline, "extension_count": F("extension_count") + 1}
        if task.original_deadline is None:
            changes["original_deadline"] = task.deadline
        task = _bump_version(task, expected_version=None, **changes)
    verb = EventVerb.EXTENSION_APPROVE if approve else EventVerb.EXTENSION_REJECT
    events.record(
        Event,
        task=task,
        target=ext,
        verb=verb,
        actor=actor,
        note=f"{ext.requested_deadline:%Y-%m-%d} {note}".strip(),
        changes=moved,
    )
    notify(
        recipients=[ext.requested_by],
        kind=NotificationKind(verb.value),
        task=task,
        title=f"{task.code} 延期申请{'已批准' if approve else '未批准'}",
        body=note,
        url=_task_url(task),
        key=f"{verb.value}:{ext.pk}",
    )
    return ext


@transaction.atomic
def extension_grant_overdue(
    *,
    task: Task | int,
    actor: User,
    new_deadline: date,
    reason: str,
    expected_version: int | None = None,
) -> Extension:
    """逾期后延期: the office sets a later working deadline for a task already past it, with a
    reason. The unit cannot ask for this (task_request_extension refuses after the deadline);
    statistics keep counting the task overdue against its original deadline."""
    task = _load_visible_task(task, actor, for_update=True)
    move = MOVES["extension_overdue"]
    _check_actor(actor, task, move)
    _check_version(task, expected_version)
    if task.status not in move.sources:
        raise InvalidState(f"任务当前状态为“{task.get_status_display()}”，不能延期")
    today = clock.today()
    if not task.deadline or task.deadline >= today:
        raise InvalidState("任务尚未逾期：时限届满前的延期由责任单位申请，不能作逾期后延期")
    if not reason or not reason.strip():
        raise InvalidInput("逾期后延期必须说明理由", field="reason")
    if new_deadline is None or new_deadline <= today:
        raise InvalidInput("新的整改时限必须晚于今天", field="new_deadline")
    if Extension.objects.filter(task=task, status=ExtensionStatus.PENDING).exists():
        raise InvalidState("该任务已有待审批的延期申请，请先审批")
    now = clock.now()
    extension = Extension.objects.create(
        task=task,
        unit_id=task.lead_unit_id or actor.unit_id,
        requested_by=actor,
        previous_deadline=task.deadline,
        requested_deadline=new_deadline,
        reason=reason.strip(),
        after_deadline=True,
        status=ExtensionStatus.APPROVED,
        decided_by=actor,
        decided_at=now,
        decision_note=reason.strip(),
    )
    changes = {"deadline": new_deadline, "extension_count": F("extension_count") + 1}
    if task.original_deadline is None:
        changes["original_deadline"] = task.deadline
    task = _bump_version(task, expected_version=expected_version, **changes)
    refresh_schedule(task)
    events.record(
        Event,
        task=task,
        target=extension,
        verb=EventVerb.EXTENSION_OVERDUE,
        actor=actor,
        note=f"逾期后延期至 {new_deadline:%Y-%m-%d}（原时限 {extension.previous_deadline:%Y-%m-%d}）："
        f"{reason.strip()}",
        changes=events.changes(
            {"deadline": extension.previous_deadline}, {"deadline": new_deadline}
        ),
    )
    if task.lead_unit_id:
        notify(
            recipients=_unit_users(task.lead_unit_id, [Role.REPORTER, Role.UNIT_HEAD]),
            kind=NotificationKind.EXTENSION_APPROVE,
            task=task,
            title=f"{task.code} 逾期后延期至 {new_deadline:%Y-%m-%d}",
            body=reason.strip(),
            url=_task_url(task),
            key=f"extension_overdue:{extension.pk}",
        )
    return extension


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
    _check_actor(actor, task, MOVES["milestone"])
    ms = Milestone.objects.get(pk=ms_id)
    if ms.done_date:
        raise InvalidState("该节点已完成")
    done_date = done_date or clock.today()
    if done_date > clock.today():
        raise InvalidInput("完成日期不能晚于今天", field="done_date")
    Milestone.objects.filter(pk=ms.pk).update(done_date=done_date)
    ms.refresh_from_db()
    task = _bump_version(task, expected_version=None)
    events.record(
        Event,
        task=task,
        target=ms,
        verb=EventVerb.MILESTONE,
        actor=actor,
        note=f"{ms.name}（{done_date:%Y-%m-%d}）",
    )
    return ms


def _load_open_milestone(milestone: Milestone | int, actor: User) -> tuple[Milestone, Task]:
    """The milestone and its task (locked, through the actor's scope), for the office."""
    ms_id = milestone.pk if isinstance(milestone, Milestone) else milestone
    task_id = Milestone.objects.filter(pk=ms_id).values_list("task_id", flat=True).first()
    if task_id is None:
        raise NotFound("进度节点不存在")
    task = _load_visible_task(task_id, actor, for_update=True)
    _check_actor(actor, task, MOVES["edit"])
    return Milestone.objects.get(pk=ms_id), task


def _check_milestone(name: str, planned_date: date | None, weight: int) -> None:
    if not name or not name.strip():
        raise InvalidInput("请填写节点名称", field="name")
    if planned_date is None:
        raise InvalidInput("请填写计划完成日期", field="planned_date")
    if not isinstance(weight, int) or not 1 <= weight <= 100:
        raise InvalidInput("权重必须是 1 到 100 之间的整数", field="weight")


@transaction.atomic
def milestone_add(
    *,
    task: Task | int,
    actor: User,
    name: str,
    planned_date: date,
    weight: int = 1,
) -> Milestone:
    """The office adds a stage to a task's plan (its weight then drives 序时进度)."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, MOVES["edit"])
    if task.status == TaskStatus.CLOSED:
        raise InvalidState("任务已销号，不能调整进度节点")
    _check_milestone(name, planned_date, weight)
    seq = (task.milestones.order_by("-seq").values_list("seq", flat=True).first() or 0) + 1
    ms = Milestone.objects.create(
        task=task, seq=seq, name=name.strip(), planned_date=planned_date, weight=weight
    )
    task = _bump_version(task, expected_version=None)
    events.record(
        Event,
        task=task,
        target=ms,
        verb=EventVerb.MILESTONE_ADD,
        actor=actor,
        note=f"{ms.name}（计划{planned_date:%Y-%m-%d}，权重{weight}）",
    )
    return ms


MILESTONE_EDITABLE = ("name", "planned_date", "weight")


@transaction.atomic
def milestone_edit(*, milestone: Milestone | int, actor: User, **changes) -> Milestone:
    """The office corrects a stage that is not done yet: its name, planned date or weight."""
    ms, task = _load_open_milestone(milestone, actor)
    unknown = set(changes) - set(MILESTONE_EDITABLE)
    if unknown:
        raise InvalidInput("不能修改的字段：" + "、".join(sorted(unknown)))
    if ms.done_date:
        raise InvalidState("该节点已完成，不能修改")
    if task.status == TaskStatus.CLOSED:
        raise InvalidState("任务已销号，不能调整进度节点")
    after = {name: changes.get(name, getattr(ms, name)) for name in MILESTONE_EDITABLE}
    if isinstance(after["name"], str):
        after["name"] = after["name"].strip()
    _check_milestone(after["name"], after["planned_date"], after["weight"])
    edited = [name for name in MILESTONE_EDITABLE if after[name] != getattr(ms, name)]
    if not edited:
        return ms
    before = {name: getattr(ms, name) for name in edited}
    Milestone.objects.filter(pk=ms.pk, done_date__isnull=True).update(
        **{name: after[name] for name in edited}
    )
    ms.refresh_from_db()
    task = _bump_version(task, expected_version=None)
    events.record(
        Event,
        task=task,
        target=ms,
        verb=EventVerb.MILESTONE_EDIT,
        actor=actor,
        note=f"{ms.name}：修改"
        + "、".join(str(Milestone._meta.get_field(f).verbose_name) for f in edited),
        changes=events.changes(before, after),
    )
    return ms


# Office: tasks and assignments
@dataclass(frozen=True)
class UnitRole:
    unit: Unit
    role: str
    person: Person | None = None
    duty: str = ""


def _check_office_for_region(actor: User, region: Region) -> None:
    from accounts.scope import sees_region

    reason = refusal(actor, MOVES["assign"])
    if reason is not None:
        raise NotAllowed(reason)
    if not sees_region(actor, region.pk):
        raise NotFound("该地区不在您的权限范围内")


_ROLES = frozenset(AssignmentRole.values)


def _check_units(units: Sequence[UnitRole], actor: User, *, kept: Collection[int] = ()) -> UnitRole:
    """One lead unit, known roles, no unit twice in one role, every unit in the actor's
    region subtree (a county office assigns its county's units; `kept`: units the task
    already has, which it may keep). Returns the lead."""
    from accounts.scope import sees_region

    leads = [u for u in units if u.role == AssignmentRole.LEAD]
    if len(leads) != 1:
        raise InvalidInput("每个任务必须有且只有一个牵头单位", field="lead_unit")
    seen = set()
    for entry in units:
        if entry.role not in _ROLES:
            raise InvalidInput(f"未知的责任角色：{entry.role}", field="units")
        if (entry.unit.pk, entry.role) in seen:
            raise InvalidInput(f"单位“{entry.unit}”重复填写", field="units")
        seen.add((entry.unit.pk, entry.role))
        # The same rule as the pages' unit choices (Unit.objects.visible_to): the scope's
        # region ids are read once per actor, so a 20,000-task import costs one query.
        if entry.unit.pk not in kept and not sees_region(actor, entry.unit.region_id):
            raise InvalidInput(f"单位“{entry.unit}”不在您的管辖范围内，不能分派任务", field="units")
    return leads[0]


def _write_assignments(
    task: Task, units: Sequence[UnitRole], actor: User, *, kept: Collection[int] | None = None
) -> None:
    if kept is None:
        kept = set(Assignment.objects.filter(task=task).values_list("unit_id", flat=True))
    leads = [_check_units(units, actor, kept=kept)]
    Assignment.objects.filter(task=task).delete()
    Assignment.objects.bulk_create(
        Assignment(task=task, unit=e.unit, role=e.role, person=e.person, duty=e.duty, sort=i)
        for i, e in enumerate(units)
    )
    Task.objects.filter(pk=task.pk).update(lead_unit=leads[0].unit)
    task.lead_unit = leads[0].unit
    tally.recount(task)


# (Enum .values builds a new list on every call: a measurable cost over 20,000 imported tasks.)
_DEADLINE_TYPES = frozenset(DeadlineType.values)
_SITE_TYPES = frozenset(SiteType.values)


def _check_new_task(
    *,
    name: str,
    code: str,
    start_date: date | None,
    deadline: date | None,
    deadline_type: str,
    site_type: str,
) -> None:
    """The field rules of a new task (task_create and tasks_create_bulk)."""
    if not name or not name.strip():
        raise InvalidInput("请填写点位/任务名称", field="name")
    if not code or not code.strip():
        raise InvalidInput("请填写任务编号", field="code")
    if deadline and start_date and deadline < start_date:
        raise InvalidInput("整改时限不能早于开始日期", field="deadline")
    if deadline is None and deadline_type == DeadlineType.DATED:
        raise InvalidInput("限期整改的任务必须填写整改时限", field="deadline")
    # Checked here, not left to the CheckConstraints: their IntegrityError would be reported
    # as a duplicate code.
    if deadline_type not in _DEADLINE_TYPES:
        raise InvalidInput("请选择时限类型", field="deadline_type")
    if site_type not in _SITE_TYPES:
        raise InvalidInput("请选择点位类型", field="site_type")


@transaction.atomic
def task_create(
    *,
    problem: Problem,
    actor: User,
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
) -> Task:
    """Add a task (点位) to a problem with its units. Office only, for a region in its
    subtree (the importer and the demo loader pass the office user)."""
    _check_office_for_region(actor, region)
    start_date = start_date or problem.round.plan_issued_on
    _check_new_task(
        name=name,
        code=code,
        start_date=start_date,
        deadline=deadline,
        deadline_type=deadline_type,
        site_type=site_type,
    )
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
        # Name what actually failed: the code, the sequence number, or another rule.
        if Task.objects.filter(round_id=problem.round_id, code=code.strip()).exists():
            raise InvalidInput(f"任务编号“{code}”在本轮督察中已存在", field="code") from exc
        if Task.objects.filter(problem=problem, seq=seq).exists():
            raise InvalidInput(f"序号{seq}在该问题中已存在", field="seq") from exc
        raise InvalidInput(
            f"保存任务“{name.strip()[:40]}”失败：{database_refusal(exc, Task)}"
        ) from exc
    _write_assignments(task, units, actor, kept=())
    refresh_schedule(task)
    events.record(
        Event,
        task=task,
        target=task,
        verb=EventVerb.CREATE,
        actor=actor,
        to_status=task.status,
        note=name.strip(),
    )
    return task


@dataclass(frozen=True)
class NewTask:
    """One task for tasks_create_bulk: task_create's arguments."""

    problem: Problem
    code: str
    name: str
    region: Region
    units: Sequence[UnitRole]
    deadline: date | None
    start_date: date | None = None
    deadline_type: str = DeadlineType.DATED
    is_ongoing: bool = False
    is_point: bool = True
    site_type: str = SiteType.OTHER
    goal: str = ""
    measures: str = ""
    address: str = ""
    water_body: str = ""
    outfall_code: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    leader: Person | None = None


BULK_BATCH = 1000


@transaction.atomic
def tasks_create_bulk(
    *,
    actor: User,
    tasks: Sequence[NewTask],
    batch_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Task]:
    """task_create for many tasks (the plan import): the same checks, the same rows (task,
    assignments, stored colour, event, tally), written with bulk INSERTs of `batch_size`
    rows. Every task is checked before the first is written; a refusal names the item
    (ServiceError.index) and writes nothing. `progress(done, total)` after each batch."""
    batch_size = batch_size or BULK_BATCH
    today = clock.today()
    seen_regions: set[int] = set()
    round_ids = {t.problem.round_id for t in tasks}
    codes = set(Task.objects.filter(round_id__in=round_ids).values_list("round_id", "code"))
    next_seq: dict[int, int] = {}
    problem_ids = {t.problem.pk for t in tasks}
    for problem_id, seq in (
        Task.objects.filter(problem_id__in=problem_ids)
        .order_by()
        .values("problem_id")
        .annotate(top=Max("seq"))
        .values_list("problem_id", "top")
    ):
        next_seq[problem_id] = seq or 0
    rows: list[tuple[Task, Sequence[UnitRole]]] = []
    for i, new in enumerate(tasks):
        try:
            if new.region.pk not in seen_regions:
                _check_office_for_region(actor, new.region)
                seen_regions.add(new.region.pk)
            start_date = new.start_date or new.problem.round.plan_issued_on
            _check_new_task(
                name=new.name,
                code=new.code,
                start_date=start_date,
                deadline=new.deadline,
                deadline_type=new.deadline_type,
                site_type=new.site_type,
            )
            key = (new.problem.round_id, new.code.strip())
            if key in codes:
                raise InvalidInput(f"任务编号“{new.code}”在本轮督察中已存在", field="code")
            codes.add(key)
            lead = _check_units(new.units, actor)
        except ServiceError as exc:
            exc.index = i
            raise
        seq = next_seq[new.problem.pk] = next_seq.get(new.problem.pk, 0) + 1
        task = Task(
            round_id=new.problem.round_id,
            problem=new.problem,
            seq=seq,
            code=new.code.strip(),
            name=new.name.strip(),
            is_point=new.is_point,
            site_type=new.site_type,
            region=new.region,
            address=new.address,
            water_body=new.water_body,
            outfall_code=new.outfall_code,
            lat=new.lat,
            lng=new.lng,
            goal=new.goal,
            measures=new.measures,
            deadline_type=new.deadline_type,
            is_ongoing=new.is_ongoing or new.deadline_type == DeadlineType.ONGOING,
            start_date=start_date,
            deadline=new.deadline,
            original_deadline=new.deadline,
            leader=new.leader or new.problem.leader,
            lead_unit=lead.unit,
        )
        task.schedule_status, task.warning_level = new_task_colour(task, today=today)
        rows.append((task, new.units))
    created: list[Task] = []
    for start in range(0, len(rows), batch_size):
        chunk = rows[start : start + batch_size]
        batch = Task.objects.bulk_create([task for task, _ in chunk])
        Assignment.objects.bulk_create(
            Assignment(task=task, unit=e.unit, role=e.role, person=e.person, duty=e.duty, sort=j)
            for task, units in zip(batch, (units for _, units in chunk), strict=True)
            for j, e in enumerate(units)
        )
        events.record_many(
            Event,
            (
                {
                    "task": task,
                    "target": task,
                    "verb": EventVerb.CREATE,
                    "actor": actor,
                    "to_status": task.status,
                    "note": task.name,
                }
                for task in batch
            ),
            batch_size=batch_size,
        )
        created.extend(batch)
        if progress is not None:
            progress(len(created), len(rows))
    tally.recount_pairs({(t.region_id, t.round_id) for t in created})
    return created


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
    _check_actor(actor, task, MOVES["assign"])
    if task.status not in MOVES["assign"].sources:
        raise InvalidState("任务已销号，不能调整责任分工")
    task = _bump_version(task, expected_version=expected_version)
    current = [
        UnitRole(a.unit, a.role, a.person, a.duty)
        for a in Assignment.objects.filter(task=task).select_related("unit", "person")
    ]
    _write_assignments(task, units, actor)
    summary = "；".join(f"{AssignmentRole(u.role).label}：{u.unit}" for u in units)
    events.record(
        Event,
        task=task,
        target=task,
        verb=EventVerb.ASSIGN,
        actor=actor,
        note=summary,
        changes=events.changes(
            {"units": describe_units(current)}, {"units": describe_units(units)}
        ),
    )
    return task


def describe_units(units: Sequence[UnitRole]) -> str:
    """ "东城区政府（牵头）、市住建局（配合）": how event notes and the import diff show units."""
    return "、".join(f"{u.unit}（{AssignmentRole(u.role).label}）" for u in units) or "（空）"


def describe_deadline(deadline_type: str, deadline: date | None, is_ongoing: bool) -> str:
    """ "2020-12-31", "立行立改，长期坚持" …: how event notes and the import diff show a deadline."""
    parts = [f"{deadline:%Y-%m-%d}"] if deadline else []
    if deadline_type != DeadlineType.DATED or not deadline:
        parts.append(str(DeadlineType(deadline_type).label))
    if is_ongoing and deadline_type != DeadlineType.ONGOING:
        parts.append("长期坚持")
    return "，".join(parts)


@dataclass(frozen=True)
class PlanDeadline:
    """A deadline as a rectification plan states it (the task's original deadline)."""

    deadline_type: str
    deadline: date | None
    is_ongoing: bool = False


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
    """The office corrects a task's descriptive fields, under the optimistic lock (from its
    pages, the API or the admin site: the same rules everywhere)."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, MOVES["edit"])
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
    before = {name: getattr(task, name) for name in changes}
    task = _bump_version(task, expected_version=expected_version, **changes)
    events.record(
        Event,
        task=task,
        target=task,
        verb=EventVerb.EDIT,
        actor=actor,
        note="修改：" + "、".join(str(Task._meta.get_field(f).verbose_name) for f in changes),
        changes=events.changes(before, changes),
    )
    return task


# What a revised plan may change on a task besides its units and deadline.
PLAN_REVISION_FIELDS = (*TASK_EDITABLE_FIELDS, "region", "leader")


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


@transaction.atomic
def task_apply_plan_revision(
    *,
    task: Task | int,
    actor: User,
    reason: str,
    changes: dict | None = None,
    deadline: PlanDeadline | None = None,
    units: Sequence[UnitRole] | None = None,
    expected_version: int | None = None,
) -> Task:
    """Apply what a revised rectification plan changes on one task, as one step: descriptive
    fields, region and leader (`changes`), the plan's deadline and the units. One EDIT event
    names every change (old → new) after `reason` (e.g. the import batch); status, progress,
    reports and history are not touched.

    The plan's deadline is the task's original deadline; an approved extension stands (the
    working deadline moves only when the new plan deadline is later). A 已销号 task's
    deadline and units are refused, as by the extension and assignment services."""
    task = _load_visible_task(task, actor, for_update=True)
    _check_actor(actor, task, MOVES["edit"])
    _check_version(task, expected_version)
    changes = dict(changes or {})
    unknown = set(changes) - set(PLAN_REVISION_FIELDS)
    if unknown:
        raise InvalidInput("不能按整改方案修改的字段：" + "、".join(sorted(unknown)))
    if "name" in changes:
        changes["name"] = str(changes["name"] or "").strip()
        if not changes["name"]:
            raise InvalidInput("请填写点位/任务名称", field="name")
    if "site_type" in changes and changes["site_type"] not in SiteType.values:
        raise InvalidInput("请选择点位类型", field="site_type")
    if "region" in changes:
        _check_office_for_region(actor, changes["region"])
    notes = [
        f"{Task._meta.get_field(name).verbose_name}：{_shown(getattr(task, name))} → "
        f"{_shown(value)}"
        for name, value in changes.items()
        if getattr(task, name) != value
    ]
    changes = {k: v for k, v in changes.items() if getattr(task, k) != v}
    diff = events.changes({k: getattr(task, k) for k in changes}, changes)
    if (deadline is not None or units is not None) and task.status not in MOVES["assign"].sources:
        raise InvalidState("任务已销号，不能修改整改时限和责任单位")
    if deadline is not None:
        if deadline.deadline_type not in DeadlineType.values:
            raise InvalidInput("请选择时限类型", field="deadline_type")
        if deadline.deadline is None and deadline.deadline_type == DeadlineType.DATED:
            raise InvalidInput("限期整改的任务必须填写整改时限", field="deadline")
        working = deadline.deadline
        if task.extension_count and task.deadline and working and task.deadline > working:
            working = task.deadline  # the approved extension stands
        if working and task.start_date and working < task.start_date:
            raise InvalidInput(
                f"整改时限{working:%Y-%m-%d}不能早于开始日期{task.start_date:%Y-%m-%d}",
                field="deadline",
            )
        is_ongoing = deadline.is_ongoing or deadline.deadline_type == DeadlineType.ONGOING
        old = describe_deadline(task.deadline_type, task.original_deadline, task.is_ongoing)
        new = describe_deadline(deadline.deadline_type, deadline.deadline, is_ongoing)
        if old != new or working != task.deadline:
            notes.append(f"整改时限：{old} → {new}")
            diff["deadline"] = [old, new]
            changes.update(
                deadline_type=deadline.deadline_type,
                original_deadline=deadline.deadline,
                deadline=working,
                is_ongoing=is_ongoing,
            )
    if units is not None:
        current = [
            UnitRole(a.unit, a.role, a.person, a.duty)
            for a in Assignment.objects.filter(task=task).select_related("unit", "person")
        ]
        if current == list(units):
            units = None
        else:
            notes.append(f"责任单位：{describe_units(current)} → {describe_units(units)}")
            diff["units"] = [describe_units(current), describe_units(units)]
            persons = [(str(a.unit), a.person) for a in current if a.person]
            wanted = [(str(u.unit), u.person) for u in units if u.person]
            if persons != wanted:
                notes.append(
                    "责任人："
                    + ("、".join(str(p) for _, p in persons) or "（空）")
                    + " → "
                    + ("、".join(str(p) for _, p in wanted) or "（空）")
                )
    if not changes and units is None:
        return task
    task = _bump_version(task, expected_version=None, **changes)
    if units is not None:
        _write_assignments(task, units, actor, kept={u.unit.pk for u in current})
    events.record(
        Event,
        task=task,
        target=task,
        verb=EventVerb.EDIT,
        actor=actor,
        note=(f"{reason}：" if reason else "") + "；".join(notes),
        changes=diff,
    )
    return task
