"""Daily warnings (蓝签/黄牌/红灯, DOMAIN.md §1.4): 序时 status and colour of every open task.

For each open task, on day `on`:
- RED    overdue (still being worked on, deadline passed), or flagged from above: an unresolved
         manual warning (auto=False) with reason UPPER_CRITICISM or MEDIA;
- YELLOW behind schedule (rectification.schedule), due within settings.WARNING_DUE_SOON_DAYS
         days, or its monthly progress report missing after the cutoff day (NO_REPORT);
         an unresolved manual warning keeps at least its own colour (the office's 黄牌 for a
         failed acceptance is not wiped by the next night's run);
- BLUE   otherwise.

Task.schedule_status and Task.warning_level are written back with one UPDATE per value and
chunk. The day's warnings are recorded as auto Warning rows, one per (task, reason, day), for
YELLOW and RED only: blue is kept only as the task's level, not as a row per task per day,
so the table grows with the problems, not with the ledger. Closed tasks lose their colour.

Two yellows: a task that collects a second *different* yellow reason within a calendar month
(e.g. behind schedule, then its monthly report missing; or the office's manual 黄牌 plus
behind schedule) gets a proposed 督办函 (SupervisionNotice kind LETTER, status PROPOSED) for
the office to issue, at most one per task and month (SupervisionNotice.auto_key).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import islice

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count

from accounts import clock
from accounts.choices import Role
from rectification import schedule
from rectification.choices import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    PeriodKind,
    ScheduleStatus,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import periods, recipients
from rectification.models import Milestone, ProgressReport, SupervisionNotice, Task, Warning
from rectification.services import notify_many

CHUNK = 2000
FLAG_REASONS = (WarningReason.UPPER_CRITICISM, WarningReason.MEDIA)
_RANK = {WarningLevel.NONE: 0, WarningLevel.BLUE: 1, WarningLevel.YELLOW: 2, WarningLevel.RED: 3}


@dataclass(frozen=True)
class SweepRun:
    day: date
    evaluated: int
    blue: int
    yellow: int
    red: int
    warnings: int
    letters: int


@dataclass(frozen=True)
class Colour:
    level: str
    reasons: tuple[str, ...]  # the reasons behind `level` (only those of that colour)


def decide(
    *,
    status: str,
    deadline: date | None,
    verdict: str,
    on: date,
    report_missing: bool,
    manual: dict[str, str] | None = None,
) -> Colour:
    """The colour of one task on `on`. Pure. `manual`: unresolved manual warnings, reason→level."""
    manual = manual or {}
    working = status in WORKING_STATUSES
    red, yellow = [], []
    if working and deadline and deadline < on:
        red.append(WarningReason.OVERDUE)
    for reason, level in manual.items():
        if reason in FLAG_REASONS or level == WarningLevel.RED:
            red.append(reason)
        elif level == WarningLevel.YELLOW:
            yellow.append(reason)
    if verdict == ScheduleStatus.BEHIND:
        yellow.append(WarningReason.BEHIND)
    if working and deadline and on <= deadline <= on + timedelta(settings.WARNING_DUE_SOON_DAYS):
        yellow.append(WarningReason.DUE_SOON)
    if working and report_missing:
        yellow.append(WarningReason.NO_REPORT)
    if red:
        return Colour(WarningLevel.RED, tuple(red))
    if yellow:
        return Colour(WarningLevel.YELLOW, tuple(yellow))
    return Colour(WarningLevel.BLUE, ())


def _manual_warnings() -> dict[int, dict[str, str]]:
    """Unresolved manual warnings: task id → {reason: level} (a short list by nature)."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    rows = Warning.objects.filter(auto=False, resolved_at__isnull=True).values_list(
        "task_id", "reason", "level"
    )
    for task_id, reason, level in rows.iterator(chunk_size=CHUNK):
        if _RANK.get(level, 0) > _RANK.get(found[task_id].get(reason), 0):
            found[task_id][reason] = level
    return found


def reported_task_ids(task_ids: list[int], day: date) -> set[int]:
    """Of these tasks, those with a monthly progress report for `day`'s month."""
    return set(
        ProgressReport.objects.filter(
            task_id__in=task_ids,
            period__kind=PeriodKind.MONTHLY,
            period__code=day.strftime("%Y-%m"),
        ).values_list("task_id", flat=True)
    )


def _chunks(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def run(on: date | None = None) -> SweepRun:
    on = on or clock.today()
    cutoff = periods.report_cutoff(on)
    # The report is due by the end of the cutoff day; the chase job marks it missing on that
    # evening, this (early morning) sweep from the next day to the month's end.
    report_overdue = on > cutoff
    manual = _manual_warnings()
    counts = {WarningLevel.BLUE: 0, WarningLevel.YELLOW: 0, WarningLevel.RED: 0}
    warnings_offered = 0
    yellow_today: list[int] = []
    rows = (
        Task.objects.filter(status__in=OPEN_STATUSES)
        .order_by("id")
        .values_list(
            "id",
            "status",
            "start_date",
            "deadline",
            "progress_pct",
            "schedule_status",
            "warning_level",
            "lead_unit_id",
        )
    )
    for batch in _chunks(rows.iterator(chunk_size=CHUNK), CHUNK):
        ids = [row[0] for row in batch]
        plans = defaultdict(list)
        for task_id, planned, weight, done in Milestone.objects.filter(task_id__in=ids).values_list(
            "task_id", "planned_date", "weight", "done_date"
        ):
            plans[task_id].append(schedule.MilestonePlan(planned, weight, done))
        reported = reported_task_ids(ids, on) if report_overdue else set()
        new_schedule: dict[str, list[int]] = defaultdict(list)
        new_level: dict[str, list[int]] = defaultdict(list)
        warnings: list[Warning] = []
        for task_id, status, start, deadline, pct, old_sched, old_level, unit_id in batch:
            verdict = schedule.evaluate(
                status=status,
                start_date=start,
                deadline=deadline,
                progress_pct=pct,
                today=on,
                milestones=plans.get(task_id, ()),
            ).status
            colour = decide(
                status=status,
                deadline=deadline,
                verdict=verdict,
                on=on,
                report_missing=report_overdue
                and task_id not in reported
                and (start is None or start <= cutoff),
                manual=manual.get(task_id),
            )
            counts[colour.level] += 1
            if verdict != old_sched:
                new_schedule[verdict].append(task_id)
            if colour.level != old_level:
                new_level[colour.level].append(task_id)
            if colour.level == WarningLevel.YELLOW:
                yellow_today.append(task_id)
            warnings.extend(
                Warning(
                    task_id=task_id,
                    unit_id=unit_id,
                    level=colour.level,
                    reason=reason,
                    day=on,
                    auto=True,
                    note="系统按日自动研判",
                )
                # A manual flag's reason is recorded again under auto=True, so that the
                # day's rows list every reason behind the day's colour.
                for reason in colour.reasons
            )
        with transaction.atomic():
            for value, task_ids in new_schedule.items():
                Task.objects.filter(pk__in=task_ids).update(schedule_status=value)
            for value, task_ids in new_level.items():
                Task.objects.filter(pk__in=task_ids).update(warning_level=value)
            Warning.objects.bulk_create(warnings, ignore_conflicts=True)
        warnings_offered += len(warnings)
    Task.objects.filter(status=TaskStatus.CLOSED).exclude(warning_level=WarningLevel.NONE).update(
        warning_level=WarningLevel.NONE
    )
    letters = propose_letters(yellow_today, on)
    return SweepRun(
        on,
        sum(counts.values()),
        counts[WarningLevel.BLUE],
        counts[WarningLevel.YELLOW],
        counts[WarningLevel.RED],
        warnings_offered,
        letters,
    )


def propose_letters(task_ids: list[int], on: date) -> int:
    """Propose a 督办函 for each of these (yellow today) tasks with two yellow reasons this month."""
    start = periods.month_start(on)
    proposed = 0
    for batch in _chunks(task_ids, CHUNK):
        twice = (
            Warning.objects.filter(
                task_id__in=batch, level=WarningLevel.YELLOW, day__gte=start, day__lte=on
            )
            .order_by()
            .values("task_id")
            .annotate(reasons=Count("reason", distinct=True))
            .filter(reasons__gte=2)
            .values_list("task_id", flat=True)
        )
        for task_id in twice:
            proposed += _propose_letter(task_id, on)
    return proposed


def _propose_letter(task_id: int, on: date) -> int:
    key = f"letter:{task_id}:{on:%Y-%m}"
    if SupervisionNotice.objects.filter(auto_key=key).exists():
        return 0
    task = (
        Task.objects.filter(pk=task_id, lead_unit__isnull=False)
        .values("code", "name", "lead_unit_id", "region__path")
        .first()
    )
    if task is None:
        return 0
    reasons = sorted(
        set(
            Warning.objects.filter(
                task_id=task_id,
                level=WarningLevel.YELLOW,
                day__gte=periods.month_start(on),
                day__lte=on,
            ).values_list("reason", flat=True)
        )
    )
    labels = "、".join(str(WarningReason(r).label) for r in reasons)
    try:
        with transaction.atomic():
            notice = SupervisionNotice.objects.create(
                kind=SupervisionKind.LETTER,
                status=SupervisionStatus.PROPOSED,
                title=f"关于{task['code']} {task['name']}整改工作的督办函（拟）",
                content=(
                    f"{task['code']} {task['name']} 于{on:%Y年%m月}两次被亮黄牌（{labels}）。"
                    "建议发督办函，要求牵头单位限期书面回复整改措施和完成时间。"
                ),
                target_unit_id=task["lead_unit_id"],
                auto_key=key,
            )
            notice.tasks.add(task_id)
            offices = recipients.covering(
                recipients.regional_users([Role.OFFICE]), task["region__path"]
            )
            notify_many(
                recipients.messages_for(
                    offices,
                    kind="letter_proposed",
                    key=f"letter_proposed:{notice.pk}",
                    title=f"【拟发督办函】{task['code']} {task['name']} 本月两次黄牌",
                    body=notice.content,
                    task_id=task_id,
                    url=f"/tasks/{task_id}/",
                )
            )
    except IntegrityError:
        return 0  # another run proposed it a moment ago
    return 1
