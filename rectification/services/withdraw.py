"""Withdrawing (撤销（作废）) and restoring official records: rounds, problems, tasks,
petitions and evidence (issue 15, item 6; accounts.withdrawal).

The rules (README, 撤销与恢复):
- only the inspection office whose region holds the record, or the administrator, withdraws
  or restores; leaders and units are refused (NotAllowed), a record outside the office's
  region is NotFound;
- a reason is required (InvalidInput, nothing changed); a task may be withdrawn in any
  status, 已销号 included (a task created in error may have been closed in error too);
- withdrawing a round withdraws its live problems, tasks and petitions; a problem, its live
  tasks; each with the same reason and time, and an event for each object;
- restoring brings back the record and what was withdrawn with it (the same time), not what
  had been withdrawn on its own before; a task, a problem or a petition is not restored while
  the record it belongs to is withdrawn;
- nothing is deleted: rows, events and files stay; the default managers and the scope leave
  withdrawn rows out of every list, count, job and export.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Model

from accounts import clock, events
from accounts.errors import InvalidInput, InvalidState, NotAllowed, NotFound
from accounts.events import EventVerb
from accounts.models import User
from accounts.scope import sees_withdrawn
from inspections.models import InspectionEvent, InspectionRound, Petition, Problem
from rectification import tally
from rectification.models import Attachment, Event, PetitionAttachment, Task

REASON_MAX = 1000


def _check_actor(actor: User) -> None:
    if not sees_withdrawn(actor):
        raise NotAllowed("只有环督办或系统管理员可以撤销或恢复记录")


def _reason(reason) -> str:
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput("请填写撤销理由", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"撤销理由不能超过{REASON_MAX}字", field="reason")
    return reason


def _load(model: type[Model], obj, actor: User, what: str, *, withdrawn: bool):
    """The record, re-read and locked through the actor's scope (withdrawn rows included);
    InvalidState unless it is withdrawn (restore) or live (withdraw)."""
    _check_actor(actor)
    pk = obj.pk if isinstance(obj, Model) else obj
    qs = model.all_objects.all().visible_to(actor, withdrawn=True)
    found = qs.select_for_update(of=("self",)).filter(pk=pk).first()
    if found is None:
        raise NotFound(f"{what}不存在或不在您的权限范围内")
    if withdrawn and found.withdrawn_at is None:
        raise InvalidState(f"该{what}未撤销")
    if not withdrawn and found.withdrawn_at is not None:
        raise InvalidState(f"该{what}已撤销")
    return found


def _set(qs, **values) -> int:
    try:
        with transaction.atomic():
            return qs.update(**values)
    except IntegrityError:
        # A live row took the code (or 序号) of the one being restored.
        raise InvalidState("编号或序号已被其他记录使用，不能恢复，请先修改冲突的记录") from None


def _withdraw(qs, actor: User, reason: str, now: datetime, **extra) -> int:
    return _set(
        qs.filter(withdrawn_at__isnull=True),
        withdrawn_at=now,
        withdrawn_by=actor,
        withdrawal_reason=reason,
        **extra,
    )


def _restore(qs, at: datetime, **extra) -> int:
    return _set(
        qs.filter(withdrawn_at=at),
        withdrawn_at=None,
        withdrawn_by=None,
        withdrawal_reason="",
        **extra,
    )


def _task_events(tasks: Iterable[Task], verb: EventVerb, actor: User, note: str) -> None:
    events.record_many(
        Event,
        (
            {
                "target": t,
                "task": t,
                "verb": verb,
                "actor": actor,
                "note": note,
                "from_status": t.status,
                "to_status": t.status,
            }
            for t in tasks
        ),
    )


def _inspection_events(objs: Iterable[Model], verb: EventVerb, actor: User, note: str) -> None:
    events.record_many(
        InspectionEvent,
        ({"target": o, "verb": verb, "actor": actor, "note": note} for o in objs),
    )


def _cascade_tasks(qs, actor: User, reason: str, now: datetime, note: str) -> None:
    """Withdraw the live tasks of `qs` (with an event each) and recount their tally cells."""
    tasks = list(qs.filter(withdrawn_at__isnull=True).only("pk", "status", "region_id", "round_id"))
    _withdraw(
        Task.all_objects.filter(pk__in=[t.pk for t in tasks]),
        actor,
        reason,
        now,
        version=F("version") + 1,
        updated_at=now,
    )
    _task_events(tasks, EventVerb.WITHDRAW, actor, note)
    tally.recount(*tasks)


def _uncascade_tasks(qs, actor: User, at: datetime, now: datetime, note: str) -> None:
    tasks = list(qs.filter(withdrawn_at=at).only("pk", "status", "region_id", "round_id"))
    _restore(
        Task.all_objects.filter(pk__in=[t.pk for t in tasks]),
        at,
        version=F("version") + 1,
        updated_at=now,
    )
    _task_events(tasks, EventVerb.RESTORE, actor, note)
    tally.recount(*tasks)


def _refuse_while_withdrawn(model: type[Model], pk: int, message: str) -> None:
    """InvalidState(message) while the record `pk` (a parent) is withdrawn."""
    if model.all_objects.filter(pk=pk, withdrawn_at__isnull=False).exists():
        raise InvalidState(message)


def _restore_note(obj) -> str:
    return f"恢复（原撤销理由：{obj.withdrawal_reason}）"


def _note(reason: str, parent: str = "") -> str:
    return f"随{parent}撤销：{reason}" if parent else f"撤销理由：{reason}"


# Tasks ---------------------------------------------------------------------------------------


@transaction.atomic
def task_withdraw(*, task: Task | int, actor: User, reason: str) -> Task:
    """Withdraw one task (any status), with its evidence hidden along with it."""
    reason = _reason(reason)
    task = _load(Task, task, actor, "任务", withdrawn=False)
    _cascade_tasks(Task.all_objects.filter(pk=task.pk), actor, reason, clock.now(), _note(reason))
    return Task.all_objects.get(pk=task.pk)


@transaction.atomic
def task_restore(*, task: Task | int, actor: User) -> Task:
    task = _load(Task, task, actor, "任务", withdrawn=True)
    _refuse_while_withdrawn(Problem, task.problem_id, "该任务所属的问题已撤销，请先恢复问题")
    now = clock.now()
    _uncascade_tasks(
        Task.all_objects.filter(pk=task.pk),
        actor,
        task.withdrawn_at,
        now,
        _restore_note(task),
    )
    return Task.all_objects.get(pk=task.pk)


# Problems ------------------------------------------------------------------------------------


@transaction.atomic
def problem_withdraw(*, problem: Problem | int, actor: User, reason: str) -> Problem:
    """Withdraw a problem (项) and its live tasks."""
    reason = _reason(reason)
    problem = _load(Problem, problem, actor, "问题", withdrawn=False)
    now = clock.now()
    _withdraw(Problem.all_objects.filter(pk=problem.pk), actor, reason, now)
    _inspection_events([problem], EventVerb.PROBLEM_WITHDRAW, actor, _note(reason))
    _cascade_tasks(
        Task.all_objects.filter(problem=problem), actor, reason, now, _note(reason, "问题")
    )
    return Problem.all_objects.get(pk=problem.pk)


@transaction.atomic
def problem_restore(*, problem: Problem | int, actor: User) -> Problem:
    problem = _load(Problem, problem, actor, "问题", withdrawn=True)
    _refuse_while_withdrawn(
        InspectionRound, problem.round_id, "该问题所属的督察轮次已撤销，请先恢复督察轮次"
    )
    at, now = problem.withdrawn_at, clock.now()
    note = _restore_note(problem)
    _restore(Problem.all_objects.filter(pk=problem.pk), at)
    _inspection_events([problem], EventVerb.PROBLEM_RESTORE, actor, note)
    _uncascade_tasks(Task.all_objects.filter(problem=problem), actor, at, now, note)
    return Problem.all_objects.get(pk=problem.pk)


# Rounds --------------------------------------------------------------------------------------


@transaction.atomic
def round_withdraw(*, round_: InspectionRound | int, actor: User, reason: str) -> InspectionRound:
    """Withdraw a round with its live problems, tasks and petitions."""
    reason = _reason(reason)
    round_ = _load(InspectionRound, round_, actor, "督察轮次", withdrawn=False)
    now = clock.now()
    problems = list(Problem.all_objects.filter(round=round_, withdrawn_at__isnull=True))
    petitions = list(Petition.all_objects.filter(round=round_, withdrawn_at__isnull=True))
    _withdraw(InspectionRound.all_objects.filter(pk=round_.pk), actor, reason, now)
    _withdraw(Problem.all_objects.filter(round=round_), actor, reason, now)
    _withdraw(Petition.all_objects.filter(round=round_), actor, reason, now)
    _inspection_events([round_], EventVerb.ROUND_WITHDRAW, actor, _note(reason))
    _inspection_events(problems, EventVerb.PROBLEM_WITHDRAW, actor, _note(reason, "督察轮次"))
    _inspection_events(petitions, EventVerb.PETITION_WITHDRAW, actor, _note(reason, "督察轮次"))
    _cascade_tasks(
        Task.all_objects.filter(round=round_), actor, reason, now, _note(reason, "督察轮次")
    )
    return InspectionRound.all_objects.get(pk=round_.pk)


@transaction.atomic
def round_restore(*, round_: InspectionRound | int, actor: User) -> InspectionRound:
    round_ = _load(InspectionRound, round_, actor, "督察轮次", withdrawn=True)
    at, now = round_.withdrawn_at, clock.now()
    note = _restore_note(round_)
    problems = list(Problem.all_objects.filter(round=round_, withdrawn_at=at))
    petitions = list(Petition.all_objects.filter(round=round_, withdrawn_at=at))
    _restore(InspectionRound.all_objects.filter(pk=round_.pk), at)
    _restore(Problem.all_objects.filter(round=round_), at)
    _restore(Petition.all_objects.filter(round=round_), at)
    _inspection_events([round_], EventVerb.ROUND_RESTORE, actor, note)
    _inspection_events(problems, EventVerb.PROBLEM_RESTORE, actor, note)
    _inspection_events(petitions, EventVerb.PETITION_RESTORE, actor, note)
    _uncascade_tasks(Task.all_objects.filter(round=round_), actor, at, now, note)
    return InspectionRound.all_objects.get(pk=round_.pk)


# Petitions -----------------------------------------------------------------------------------


@transaction.atomic
def petition_withdraw(*, petition: Petition | int, actor: User, reason: str) -> Petition:
    """Withdraw a petition (信访件). Tasks converted from it are tasks of their own and stay."""
    reason = _reason(reason)
    petition = _load(Petition, petition, actor, "信访件", withdrawn=False)
    _withdraw(Petition.all_objects.filter(pk=petition.pk), actor, reason, clock.now())
    _inspection_events([petition], EventVerb.PETITION_WITHDRAW, actor, _note(reason))
    return Petition.all_objects.get(pk=petition.pk)


@transaction.atomic
def petition_restore(*, petition: Petition | int, actor: User) -> Petition:
    petition = _load(Petition, petition, actor, "信访件", withdrawn=True)
    _refuse_while_withdrawn(
        InspectionRound, petition.round_id, "该信访件所属的督察轮次已撤销，请先恢复督察轮次"
    )
    note = _restore_note(petition)
    _restore(Petition.all_objects.filter(pk=petition.pk), petition.withdrawn_at)
    _inspection_events([petition], EventVerb.PETITION_RESTORE, actor, note)
    return Petition.all_objects.get(pk=petition.pk)


# Evidence ------------------------------------------------------------------------------------


@transaction.atomic
def attachment_withdraw(*, attachment: Attachment | int, actor: User, reason: str) -> Attachment:
    """Hide a task's evidence file from its pages, archive and public photos; the file stays."""
    reason = _reason(reason)
    attachment = _load(Attachment, attachment, actor, "佐证材料", withdrawn=False)
    _withdraw(Attachment.all_objects.filter(pk=attachment.pk), actor, reason, clock.now())
    task = Task.all_objects.get(pk=attachment.task_id)
    events.record(
        Event,
        task=task,
        target=attachment,
        verb=EventVerb.EVIDENCE_WITHDRAW,
        actor=actor,
        note=f"撤销材料“{attachment}”：{reason}",
    )
    return Attachment.all_objects.get(pk=attachment.pk)


@transaction.atomic
def attachment_restore(*, attachment: Attachment | int, actor: User) -> Attachment:
    attachment = _load(Attachment, attachment, actor, "佐证材料", withdrawn=True)
    task = Task.all_objects.get(pk=attachment.task_id)
    if task.withdrawn_at is not None:
        raise InvalidState("该材料所属的任务已撤销，请先恢复任务")
    _restore(Attachment.all_objects.filter(pk=attachment.pk), attachment.withdrawn_at)
    events.record(
        Event,
        task=task,
        target=attachment,
        verb=EventVerb.EVIDENCE_RESTORE,
        actor=actor,
        note=f"恢复材料“{attachment}”（原撤销理由：{attachment.withdrawal_reason}）",
    )
    return Attachment.all_objects.get(pk=attachment.pk)


@transaction.atomic
def petition_attachment_withdraw(
    *, attachment: PetitionAttachment | int, actor: User, reason: str
) -> PetitionAttachment:
    reason = _reason(reason)
    attachment = _load(PetitionAttachment, attachment, actor, "佐证材料", withdrawn=False)
    _withdraw(PetitionAttachment.all_objects.filter(pk=attachment.pk), actor, reason, clock.now())
    petition = Petition.all_objects.get(pk=attachment.petition_id)
    _inspection_events(
        [petition], EventVerb.PETITION_EVIDENCE_WITHDRAW, actor, f"撤销材料“{attachment}”：{reason}"
    )
    return PetitionAttachment.all_objects.get(pk=attachment.pk)


@transaction.atomic
def petition_attachment_restore(
    *, attachment: PetitionAttachment | int, actor: User
) -> PetitionAttachment:
    attachment = _load(PetitionAttachment, attachment, actor, "佐证材料", withdrawn=True)
    petition = Petition.all_objects.get(pk=attachment.petition_id)
    if petition.withdrawn_at is not None:
        raise InvalidState("该材料所属的信访件已撤销，请先恢复信访件")
    _restore(PetitionAttachment.all_objects.filter(pk=attachment.pk), attachment.withdrawn_at)
    _inspection_events(
        [petition],
        EventVerb.PETITION_EVIDENCE_RESTORE,
        actor,
        f"恢复材料“{attachment}”（原撤销理由：{attachment.withdrawal_reason}）",
    )
    return PetitionAttachment.all_objects.get(pk=attachment.pk)


def withdrawn_in_scope(actor: User) -> dict[str, list]:
    """The 已撤销 list of the office (its region) or the administrator: each kind's withdrawn
    records, newest first. Nothing for anyone else."""
    if not sees_withdrawn(actor):
        return {}
    kinds = {
        "rounds": InspectionRound,
        "problems": Problem,
        "tasks": Task,
        "petitions": Petition,
        "attachments": Attachment,
        "petition_attachments": PetitionAttachment,
    }
    out = {}
    for key, model in kinds.items():
        qs = model.all_objects.filter(withdrawn_at__isnull=False).visible_to(actor, withdrawn=True)
        out[key] = list(qs.select_related("withdrawn_by").order_by("-withdrawn_at", "-pk")[:500])
    return out
