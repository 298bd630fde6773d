"""序时进度: how far a task should be by now, and whether it is behind, on or ahead.

Expected progress is the elapsed share of start → deadline, or, when the task has milestones,
the weight share of milestones planned by today. Actual progress is the reported percentage,
or the weight share of milestones done. More than SCHEDULE_TOLERANCE_PCT points below
expectation is BEHIND, more than that above is AHEAD.

Both shares are whole percentages rounded by Python's round(), halves to the even neighbour
(12.5 → 12, 37.5 → 38), and the verdict compares these displayed numbers: a page showing
"expected 50, actual 40" with a tolerance of 10 says ON, never BEHIND. The nightly warnings
sweep (rectification.jobs.warning_sweep) computes the same integers in SQL, whose ROUND would
take halves away from zero, with integer arithmetic that rounds halves to even; its tests
compare the two task by task.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

from rectification.choices import WORKING_STATUSES, ScheduleStatus, WarningLevel, WarningReason


@dataclass(frozen=True)
class MilestonePlan:
    planned_date: date
    weight: int
    done_date: date | None


@dataclass(frozen=True)
class ScheduleVerdict:
    expected_pct: int | None
    actual_pct: int
    status: ScheduleStatus


def evaluate(
    *,
    status: str,
    start_date: date | None,
    deadline: date | None,
    progress_pct: int,
    today: date,
    milestones: Iterable[MilestonePlan] = (),
    tolerance: int | None = None,
) -> ScheduleVerdict:
    """The 序时 verdict for one task on `today`. Pure: no queries."""
    tolerance = settings.SCHEDULE_TOLERANCE_PCT if tolerance is None else tolerance
    if status not in WORKING_STATUSES:
        return ScheduleVerdict(None, progress_pct, ScheduleStatus.NA)

    plans = list(milestones)
    total_weight = sum(m.weight for m in plans)
    if total_weight:
        expected = round(
            100 * sum(m.weight for m in plans if m.planned_date <= today) / total_weight
        )
        actual = round(
            100
            * sum(m.weight for m in plans if m.done_date and m.done_date <= today)
            / total_weight
        )
    elif start_date and deadline:
        span = (deadline - start_date).days
        elapsed = (today - start_date).days
        if span <= 0:
            expected = 100 if elapsed >= 0 else 0
        else:
            expected = round(100 * min(max(elapsed, 0), span) / span)
        actual = progress_pct
    else:
        return ScheduleVerdict(None, progress_pct, ScheduleStatus.NA)

    if actual < expected - tolerance:
        verdict = ScheduleStatus.BEHIND
    elif actual > expected + tolerance:
        verdict = ScheduleStatus.AHEAD
    else:
        verdict = ScheduleStatus.ON
    return ScheduleVerdict(expected, actual, verdict)


# The colour (蓝签/黄牌/红灯, docs/domain.md §1.4). The nightly sweep
# (rectification.jobs.warning_sweep) applies the same rule in SQL to every open task, the
# services (rectification.services.base.refresh_schedule) to one task after each change.
# Unresolved manual warnings whose reason is one of these are red whatever their level.
FLAG_REASONS = (WarningReason.UPPER_CRITICISM, WarningReason.MEDIA)


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
    original_deadline: date | None = None,
) -> Colour:
    """The colour of one task on `on`. Pure. `manual`: unresolved manual warnings, reason→level.

    Overdue (red) is judged against the ORIGINAL deadline, as the statistics count it
    (selectors.overdue_q): an approved extension moves the working deadline, which 临期 and 序时
    follow, but never turns an overdue task's red light off."""
    manual = manual or {}
    working = status in WORKING_STATUSES
    red, yellow = [], []
    judged_by = original_deadline or deadline
    if working and judged_by and judged_by < on:
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
