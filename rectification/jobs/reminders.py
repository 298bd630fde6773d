"""Daily reminders (08:00): due in 7, 3 and 1 days, and overdue.

Who: the reporters and unit heads of every lead, cooperating and territorial unit of the task
(in-app, plus mail when they have an address, plus the unit's group robot if it has one).
Once a task has been overdue for settings.ESCALATE_AFTER_OVERDUE_DAYS days or more, the
offices whose region holds the task and the users linked to the task's leader in charge
(User.person) are told as well.

Fan-out is per unit (PERF.md: "fan out per unit, not per task"): `units_due()` lists the units
with something to hear today and `remind_unit()` writes one unit's rows; the Celery task sends
one message per unit, `run()` loops in-process. Overdue tasks are reminded every day they stay
overdue: the key (kind, task, day, user, channel) allows one row per day, and no more.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain

from django.conf import settings
from django.db.models import Q

from accounts import clock
from accounts.choices import Role
from rectification.choices import WORKING_STATUSES
from rectification.jobs import recipients
from rectification.models import Assignment, Task
from rectification.services import notify_many

REMIND_DAYS_BEFORE = (7, 3, 1)
CHUNK = 2000


@dataclass(frozen=True)
class ReminderRun:
    day: date
    units: int
    unit_rows: int
    escalation_rows: int


def _due_q(on: date, prefix: str = "") -> Q:
    dates = [on + timedelta(days=d) for d in REMIND_DAYS_BEFORE]
    return Q(**{f"{prefix}deadline__in": dates}) | Q(**{f"{prefix}deadline__lt": on})


def units_due(on: date | None = None) -> list[int]:
    """Units assigned to a working task that is due in 7/3/1 days or overdue on `on`."""
    on = on or clock.today()
    return list(
        Assignment.objects.filter(
            _due_q(on, "task__"),
            role__in=recipients.TOLD_ROLES,
            task__status__in=WORKING_STATUSES,
        )
        .order_by("unit_id")
        .values_list("unit_id", flat=True)
        .distinct()
    )


def _wording(code: str, name: str, deadline: date, on: date) -> tuple[str, str, str]:
    days = (deadline - on).days
    if days < 0:
        return (
            "overdue",
            f"【逾期提醒】{code} {name} 已逾期{-days}天",
            f"整改时限为{deadline:%Y年%m月%d日}，现已逾期{-days}天。"
            "请尽快完成整改；确需延期的，请按程序申请延期。",
        )
    return (
        f"due_{days}",
        f"【临期提醒】{code} {name} 距整改时限还有{days}天",
        f"整改时限为{deadline:%Y年%m月%d日}。请抓紧推进整改，按时报送进展和佐证材料。",
    )


def remind_unit(unit_id: int, on: date | None = None) -> int:
    """Write today's reminders for one unit's due and overdue tasks. Returns rows offered."""
    on = on or clock.today()
    tasks = (
        Assignment.objects.filter(
            _due_q(on, "task__"),
            unit_id=unit_id,
            role__in=recipients.TOLD_ROLES,
            task__status__in=WORKING_STATUSES,
        )
        .order_by("task_id")
        .values_list("task_id", "task__code", "task__name", "task__deadline")
        .distinct()
    )
    members = recipients.unit_members([unit_id]).get(unit_id, [])
    robot = recipients.robot_senders([unit_id]).get(unit_id)

    def messages():
        for task_id, code, name, deadline in tasks.iterator(chunk_size=CHUNK):
            kind, title, body = _wording(code, name, deadline, on)
            kind = f"reminder_{kind}"
            key = f"{kind}:{task_id}:{on.isoformat()}"
            url = f"/tasks/{task_id}/"
            yield from recipients.messages_for(
                members, kind=kind, key=key, title=title, body=body, task_id=task_id, url=url
            )
            if robot:
                yield recipients.robot_message(
                    robot, unit_id, kind=kind, key=key, title=title, body=body, task_id=task_id
                )

    return notify_many(messages())


def escalate(on: date | None = None) -> int:
    """Tell the office and the leader in charge about tasks overdue N days or more."""
    on = on or clock.today()
    threshold = on - timedelta(days=settings.ESCALATE_AFTER_OVERDUE_DAYS)
    rows = (
        Task.objects.filter(status__in=WORKING_STATUSES, deadline__lte=threshold)
        .order_by("id")
        .values_list(
            "id",
            "code",
            "name",
            "deadline",
            "region__path",
            "leader_id",
            "lead_unit__short_name",
            "lead_unit__name",
        )
    )
    offices = recipients.regional_users([Role.OFFICE])

    def messages():
        batch: list[tuple] = []
        for row in chain(rows.iterator(chunk_size=CHUNK), [None]):
            if row is not None:
                batch.append(row)
                if len(batch) < CHUNK:
                    continue
            leaders = recipients.leader_users({r[5] for r in batch if r[5]})
            for task_id, code, name, deadline, path, leader_id, short, full in batch:
                days = (on - deadline).days
                unit = short or full or "未明确"
                title = f"【逾期督办】{code} {name} 已逾期{days}天（牵头单位：{unit}）"
                body = (
                    f"整改时限为{deadline:%Y年%m月%d日}，已逾期{days}天，"
                    f"超过{settings.ESCALATE_AFTER_OVERDUE_DAYS}天，请督促牵头单位限期完成。"
                )
                told = recipients.covering(offices, path) + leaders.get(leader_id, [])
                yield from recipients.messages_for(
                    dict(told).items(),  # a user who is both office and leader: once
                    kind="reminder_escalation",
                    key=f"reminder_escalation:{task_id}:{on.isoformat()}",
                    title=title,
                    body=body,
                    task_id=task_id,
                    url=f"/tasks/{task_id}/",
                )
            batch = []

    return notify_many(messages())


def run(on: date | None = None) -> ReminderRun:
    """All of today's reminders, in-process (run_job, tests, the embedded demo worker)."""
    on = on or clock.today()
    units = units_due(on)
    unit_rows = sum(remind_unit(unit_id, on) for unit_id in units)
    return ReminderRun(on, len(units), unit_rows, escalate(on))
