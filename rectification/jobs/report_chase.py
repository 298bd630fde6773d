"""Monthly progress-report chase (进展报送催报), daily at 18:00.

In the settings.MONTHLY_REPORT_CHASE_DAYS days before the month's cutoff day
(settings.MONTHLY_REPORT_CUTOFF_DAY), the lead and territorial units of every task still being
worked on that has no progress report for the month are reminded — once per task, unit user
and month (the key carries the period, not the day, so a missed evening is caught up the next
day without a second reminder). On the cutoff day itself (evening: the report was due by the
end of that day) the task gets a YELLOW auto Warning with reason NO_REPORT, its colour turns
at least yellow, and the units are told the report is now late.

长期坚持 tasks closed by stage (阶段性销号) stay watched: in the settings.MONTHLY_REPORT_CHASE_DAYS
days up to a quarter's last day, the units assigned to every such task closed before the quarter
began and with no re-check report (a QUARTERLY ProgressReport, services.task_report_recheck) for
the quarter are reminded — once per task, unit user and quarter.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from accounts import clock, events
from accounts.events import EventVerb
from rectification import tally
from rectification.choices import (
    RESPONSIBLE_ROLES,
    WORKING_STATUSES,
    NotificationKind,
    PeriodKind,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import periods, recipients, sql
from rectification.models import Assignment, Event, ProgressReport, Task, Warning
from rectification.services import notify_many

CHUNK = 2000


@dataclass(frozen=True)
class ChaseRun:
    day: date
    phase: str  # "chase", "cutoff" or "idle"
    tasks: int
    rows: int
    rechecks: int = 0  # re-check reminders written (长期坚持)


def missing(on: date):
    """(task id, code, name, lead unit id, unit id) per responsible unit of each working task
    with no monthly report for `on`'s month, started by the cutoff."""
    cutoff = periods.report_cutoff(on)
    reported = ProgressReport.objects.filter(
        task_id=OuterRef("task_id"),
        period__kind=PeriodKind.MONTHLY,
        period__code=on.strftime("%Y-%m"),
    )
    return (
        Assignment.objects.filter(
            Q(task__start_date__isnull=True) | Q(task__start_date__lte=cutoff),
            ~Exists(reported),
            role__in=RESPONSIBLE_ROLES,
            task__status__in=WORKING_STATUSES,
        )
        .order_by("task_id", "unit_id")
        .values_list("task_id", "task__code", "task__name", "task__lead_unit_id", "unit_id")
        .distinct()
    )


def quarter_of(on: date) -> tuple[str, date, date]:
    """(code "2020-Q1", first day, last day) of `on`'s quarter (services.period_for's rule)."""
    quarter = (on.month - 1) // 3
    start = date(on.year, 3 * quarter + 1, 1)
    end = periods.month_end(date(on.year, 3 * quarter + 3, 1))
    return f"{on.year}-Q{quarter + 1}", start, end


def recheck_missing(on: date):
    """(task id, code, name, unit id) per unit assigned to each 长期坚持 task closed by stage
    before `on`'s quarter began, with no re-check report for the quarter."""
    code, start, _end = quarter_of(on)
    reported = ProgressReport.objects.filter(
        task_id=OuterRef("task_id"), period__kind=PeriodKind.QUARTERLY, period__code=code
    )
    return (
        Assignment.objects.filter(
            ~Exists(reported),
            task__status=TaskStatus.CLOSED,
            task__is_ongoing=True,
            task__closed_at__lt=periods.local_midnight(start),
        )
        .order_by("task_id", "unit_id")
        .values_list("task_id", "task__code", "task__name", "unit_id")
        .distinct()
    )


def _chase_rechecks(on: date) -> int:
    """Remind the units of 长期坚持 tasks whose quarterly re-check is missing; notifications
    written."""
    code, _start, end = quarter_of(on)
    if not end - timedelta(days=settings.MONTHLY_REPORT_CHASE_DAYS) <= on <= end:
        return 0
    rows = list(recheck_missing(on).iterator(chunk_size=CHUNK))
    members = recipients.unit_members({r[3] for r in rows})
    kind = NotificationKind.RECHECK_CHASE

    def messages():
        for task_id, task_code, name, unit_id in rows:
            yield from recipients.messages_for(
                members.get(unit_id, []),
                kind=kind,
                key=f"{kind.value}:{task_id}:{code}",
                title=f"【阶段复查提醒】{task_code} {name}（长期坚持）{code}复查情况尚未报送",
                body=f"该任务已阶段性销号，请于{end:%m月%d日}前报送本季度复查情况及佐证材料。",
                task_id=task_id,
                url=f"/tasks/{task_id}/",
            )

    return notify_many(messages())


# The tasks that turn yellow on the cutoff day: those given today's NO_REPORT warning that
# are not yellow or red yet. The colour-change events and the UPDATE use the same condition.
_TURNING = f"""
FROM rectification_task t
WHERE t.withdrawn_at IS NULL AND t.warning_level IN ({sql.listed([WarningLevel.NONE, WarningLevel.BLUE])})
AND EXISTS (
    SELECT 1 FROM rectification_warning w
    WHERE w.task_id = t.id AND w.day = %(day)s AND w.auto
    AND w.reason = {sql.listed([WarningReason.NO_REPORT])}
)"""


def _turn_yellow(on: date) -> int:
    """Set-based: one event per task whose colour changes (accounts.events.record_select),
    then one UPDATE of those tasks. Returns the number of tasks."""
    params: dict[str, object] = {
        "day": sql.day(on),
        "verb": EventVerb.WARNING.value,
        "yellow": WarningLevel.YELLOW.value,
        "note": f"{WarningReason.NO_REPORT.label}（截至{on:%m月%d日}）",
    }
    events.record_select(
        Event,
        f"SELECT t.id AS task_id, {events.target_sql(Task)}, t.id AS target_id, "
        "%(verb)s AS verb, t.warning_level AS from_status, %(yellow)s AS to_status, "
        f"%(note)s AS note {_TURNING}",
        params,
        columns=("task_id", "from_status", "to_status", "note"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE rectification_task SET warning_level = %(yellow)s "
            f"WHERE id IN (SELECT t.id {_TURNING})",
            params,
        )
        return cursor.rowcount


def run(on: date | None = None) -> ChaseRun:
    on = on or clock.today()
    rechecks = _chase_rechecks(on)
    cutoff = periods.report_cutoff(on)
    window_start = cutoff - timedelta(days=settings.MONTHLY_REPORT_CHASE_DAYS)
    if window_start <= on < cutoff:
        phase = "chase"
    elif on == cutoff:
        phase = "cutoff"
    else:
        return ChaseRun(on, "idle", 0, 0, rechecks)
    rows = list(missing(on).iterator(chunk_size=CHUNK))
    task_ids = sorted({r[0] for r in rows})
    if phase == "cutoff":
        with transaction.atomic():
            Warning.objects.bulk_create(
                [
                    Warning(
                        task_id=task_id,
                        unit_id=lead_unit_id,
                        level=WarningLevel.YELLOW,
                        reason=WarningReason.NO_REPORT,
                        day=on,
                        auto=True,
                        note=f"截至{on:%m月%d日}未报送{on:%Y年%m月}进展",
                    )
                    for task_id, lead_unit_id in {(r[0], r[3]) for r in rows}
                ],
                ignore_conflicts=True,
            )
            _turn_yellow(on)
            # Many tasks changed colour at once: rebuild the dashboard tally's built days
            # rather than recount their cells one by one.
            tally.rebuild_built()
    members = recipients.unit_members({r[4] for r in rows})
    robots = recipients.robot_senders({r[4] for r in rows})
    period = f"{on:%Y年%m月}"

    def messages():
        for task_id, code, name, _lead, unit_id in rows:
            if phase == "chase":
                kind = NotificationKind.REPORT_CHASE
                title = f"【进展报送提醒】{code} {name} {period}进展尚未报送"
                body = f"请于{cutoff:%m月%d日}前报送{period}整改进展及佐证材料。"
            else:
                kind = NotificationKind.REPORT_MISSING
                title = f"【未按时报送】{code} {name} {period}进展逾期未报送，已亮黄牌"
                body = f"{period}进展应于{cutoff:%m月%d日}前报送，请立即补报。"
            key = f"{kind.value}:{task_id}:{on:%Y-%m}"
            url = f"/tasks/{task_id}/"
            yield from recipients.messages_for(
                members.get(unit_id, []),
                kind=kind,
                key=key,
                title=title,
                body=body,
                task_id=task_id,
                url=url,
            )
            if unit_id in robots:
                yield recipients.robot_message(
                    robots[unit_id], unit_id, kind=kind, key=key, title=title, body=body
                )

    return ChaseRun(on, phase, len(task_ids), notify_many(messages()), rechecks)
