"""Daily reminders (08:00): due in 7, 3 and 1 days, and overdue.

Who: the reporters and unit heads of every lead, cooperating and territorial unit of the task
(in-app, plus mail when they have an address, plus the unit's group robot if it has one).
Once a task has been overdue for settings.ESCALATE_AFTER_OVERDUE_DAYS days or more, the
offices whose region holds the task and the users linked to the task's leader in charge
(User.person) are told as well.

Set-based: each kind of reminder (due_7, due_3, due_1, overdue, escalation) is one
INSERT … SELECT (services.notify_select) joining the day's tasks with their audience
(recipients.unit_audience_sql, recipients.overseers_sql), so a run is the same six
statements and flat memory whatever the number of tasks, and no row passes through Python.
Titles and bodies are the templates below, spelled in SQL by rectification.jobs.sql. Overdue
tasks are reminded every day they stay overdue: the key (kind, task, day, user, channel)
allows one row per day, and no more, so a run that died half way is simply run again.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db.models import Q

from accounts import clock
from rectification.choices import WORKING_STATUSES, NotificationChannel, NotificationKind
from rectification.jobs import recipients, sql
from rectification.models import Assignment
from rectification.services import notify_select

REMIND_DAYS_BEFORE = (7, 3, 1)

DUE_TITLE = "【临期提醒】{code} {name} 距整改时限还有{days}天"
DUE_BODY = "整改时限为{deadline}。请抓紧推进整改，按时报送进展和佐证材料。"
OVERDUE_TITLE = "【逾期提醒】{code} {name} 已逾期{days}天"
OVERDUE_BODY = (
    "整改时限为{deadline}，现已逾期{days}天。请尽快完成整改；确需延期的，请按程序申请延期。"
)
ESCALATION_TITLE = "【逾期督办】{code} {name} 已逾期{days}天（牵头单位：{unit}）"
ESCALATION_BODY = "整改时限为{deadline}，已逾期{days}天，超过{limit}天，请督促牵头单位限期完成。"


@dataclass(frozen=True)
class ReminderRun:
    day: date
    units: int  # units with a task due or overdue today
    unit_rows: int  # rows written for those units' members and robots (0 on a second run)
    escalation_rows: int  # rows written for the offices and leaders in charge


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
            task__withdrawn_at__isnull=True,  # (a join skips Task's default manager)
        )
        .order_by("unit_id")
        .values_list("unit_id", flat=True)
        .distinct()
    )


def _working(deadline: str) -> str:
    """Working tasks t, not withdrawn, whose deadline matches (`deadline`: a condition on
    t.deadline)."""
    return f"t.status IN ({sql.listed(WORKING_STATUSES)}) AND t.withdrawn_at IS NULL AND {deadline}"


def _remind_units(
    on: date, kind: NotificationKind, compare: str, when: date, days: str, title: str, body: str
) -> int:
    """One kind of reminder to the told units' members and robots, for the working tasks with
    `t.deadline <compare> when`; `days` is the SQL of the day count in the wording."""
    params: dict[str, object] = {
        "kind": kind.value,
        "on": sql.day(on),
        "when": sql.day(when),
        "iso_day": on.isoformat(),
    }
    fields = {
        "code": "d.code",
        "name": "d.name",
        "days": days,
        "deadline": sql.date_cn("d.deadline"),
    }
    title_sql = sql.text(title, params, **fields)
    body_sql = sql.text(body, params, **fields)
    # A unit that holds two roles in a task hears of it once (DISTINCT unit, task).
    tasks = (
        "SELECT DISTINCT a.unit_id, t.id, t.code, t.name, t.deadline "
        "FROM rectification_task t JOIN rectification_assignment a ON a.task_id = t.id "
        f"WHERE {_working(f't.deadline {compare} %(when)s')} "
        f"AND a.role IN ({sql.listed(recipients.TOLD_ROLES)})"
    )
    select = (
        "SELECT told.user_id AS recipient_id, %(kind)s AS kind, d.id AS task_id, "
        f"{title_sql} AS title, {body_sql} AS body, "
        # The robot's row carries no link (recipients.robot_message), the members' do.
        f"CASE WHEN told.channel = '{NotificationChannel.WEBHOOK.value}' THEN '' "
        "ELSE '/tasks/' || d.id || '/' END AS url, "
        "told.channel AS channel, %(kind)s || ':' || d.id || ':' || %(iso_day)s || told.via AS key "
        f"FROM ({tasks}) d JOIN ({recipients.unit_audience_sql()}) told "
        "ON told.unit_id = d.unit_id"
    )
    return notify_select(select, params)


def remind_units(on: date | None = None) -> int:
    """Today's due and overdue reminders to the units' members and robots: one statement per
    kind. Returns the rows written."""
    on = on or clock.today()
    written = 0
    for n in REMIND_DAYS_BEFORE:
        due = on + timedelta(days=n)
        kind = NotificationKind(f"reminder_due_{n}")
        written += _remind_units(on, kind, "=", due, str(n), DUE_TITLE, DUE_BODY)
    overdue = sql.days_between("%(on)s", "d.deadline")
    return written + _remind_units(
        on, NotificationKind.REMINDER_OVERDUE, "<", on, overdue, OVERDUE_TITLE, OVERDUE_BODY
    )


def escalate(on: date | None = None) -> int:
    """Tell the office and the leader in charge about tasks overdue N days or more. Returns
    the rows written."""
    on = on or clock.today()
    limit = int(settings.ESCALATE_AFTER_OVERDUE_DAYS)
    params: dict[str, object] = {
        "on": sql.day(on),
        "iso_day": on.isoformat(),
        "threshold": sql.day(on - timedelta(days=limit)),
        "unknown_unit": "未明确",
        "kind": NotificationKind.REMINDER_ESCALATION.value,
    }
    fields = {
        "code": "t.code",
        "name": "t.name",
        "days": sql.days_between("%(on)s", "t.deadline"),
        "deadline": sql.date_cn("t.deadline"),
        "unit": "COALESCE(NULLIF(lead_unit.short_name, ''), NULLIF(lead_unit.name, ''), "
        "%(unknown_unit)s)",
        "limit": str(limit),
    }
    title_sql = sql.text(ESCALATION_TITLE, params, **fields)
    body_sql = sql.text(ESCALATION_BODY, params, **fields)
    overseers = recipients.overseers_sql(_working("t.deadline <= %(threshold)s"))
    select = (
        "SELECT u.id AS recipient_id, %(kind)s AS kind, t.id AS task_id, "
        f"{title_sql} AS title, {body_sql} AS body, '/tasks/' || t.id || '/' AS url, "
        "ch.channel AS channel, %(kind)s || ':' || t.id || ':' || %(iso_day)s AS key "
        f"FROM ({overseers}) told "
        "JOIN rectification_task t ON t.id = told.task_id "
        "LEFT JOIN accounts_unit lead_unit ON lead_unit.id = t.lead_unit_id "
        f"JOIN accounts_user u ON u.id = told.user_id JOIN {recipients.channels_sql('u')}"
    )
    return notify_select(select, params)


def run(on: date | None = None) -> ReminderRun:
    """All of today's reminders (run_job, the Celery task, tests, the embedded demo worker)."""
    on = on or clock.today()
    units = len(units_due(on))
    return ReminderRun(on, units, remind_units(on), escalate(on))
