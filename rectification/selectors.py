"""Reads that are more than one queryset call: roll-ups, headline figures, status buckets.

Every function takes an already scoped queryset (or a user) so that a unit never counts
another unit's tasks.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery

from accounts import clock
from accounts.scope import Reach, scope_of
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Problem
from rectification.choices import (
    CLOSING_STATUSES,
    WORKING_STATUSES,
    CloseoutStatus,
    PeriodKind,
    ReportReviewStatus,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.models import CloseoutApplication, ProgressReport, Task


def tasks_hidden_from(user, tasks: QuerySet[Task]) -> QuerySet[Task]:
    """The tasks of `tasks` outside `user`'s scope: one correlated EXISTS per task, so it
    reads only the tasks of `tasks` (a problem's, a round's), never the whole scope. Empty
    means the user sees them all (who may take a problem's or a round's archive bundle)."""
    return tasks.exclude(Exists(Task.objects.visible_to(user).filter(pk=OuterRef("pk"))))


def standing_warnings(warnings: QuerySet) -> QuerySet:
    """The warnings that stand today, for the 预警 list and the task page: the office's manual
    ones not cleared, and the reasons behind each task's colour from the last sweep where that
    colour is still the task's (a service may have changed it since); never a closed task's."""
    from rectification.models import Warning

    last_sweep = Warning.objects.filter(auto=True).order_by("-day").values("day")[:1]
    return (
        warnings.filter(resolved_at__isnull=True)
        .exclude(task__status=TaskStatus.CLOSED)
        .filter(Q(auto=False) | Q(day=Subquery(last_sweep), level=F("task__warning_level")))
    )


def colour_q(levels, today: date) -> Q:
    """Tasks shown in these colours on `today`: an open overdue task is red whatever colour is
    stored (the dashboard's 红灯 bucket and the task list's 预警 filter read this)."""
    overdue = overdue_q(today)
    q = Q(warning_level__in=levels) & ~overdue
    if WarningLevel.RED in levels:
        q |= overdue | Q(warning_level=WarningLevel.RED)
    return q


def overdue_q(today: date) -> Q:
    """Overdue in statistics (dashboard, tally, 月调度, rankings, the task list's 已逾期 filter):
    still being worked on and past its ORIGINAL deadline (docs/design.md §3). An approved
    extension moves the working deadline (reminders, 序时) but never hides the overdue; such a
    task is shown as 已延期. A reopened task's original deadline is the one set at reopening.
    Long-term tasks with no deadline are never overdue."""
    return Q(status__in=WORKING_STATUSES) & (
        Q(original_deadline__lt=today) | Q(original_deadline__isnull=True, deadline__lt=today)
    )


@dataclass(frozen=True)
class TaskTotals:
    """Status buckets as the dashboard and the dispatch report name them.

    Buckets partition the tasks: closed + publicizing + in_review + in_progress + overdue
    == total (in_progress counts NOT_STARTED too, not_started and reopened are subsets).
    """

    total: int
    closed: int
    publicizing: int
    in_review: int
    in_progress: int
    not_started: int
    reopened: int
    overdue: int
    behind: int
    red: int
    yellow: int

    @property
    def completion_rate(self) -> float:
        return round(100 * self.closed / self.total, 1) if self.total else 0.0

    @property
    def on_schedule_rate(self) -> float:
        """Share of working tasks (整改中 + 逾期) that are neither behind nor overdue."""
        working = self.in_progress + self.overdue
        if not working:
            return 100.0
        return round(100 * (working - self.behind - self.overdue) / working, 1)


def bucket_counts(today: date) -> dict[str, Count]:
    """The TaskTotals buckets as Count expressions, for aggregate() or annotate(): the one
    definition shared by the live roll-ups and the dashboard's DailyTally."""
    overdue = overdue_q(today)
    working = Q(status__in=WORKING_STATUSES)
    not_closed = ~Q(status=TaskStatus.CLOSED)
    return {
        "total": Count("*"),
        "closed": Count("pk", filter=Q(status=TaskStatus.CLOSED)),
        "publicizing": Count("pk", filter=Q(status=TaskStatus.PUBLICIZING)),
        "in_review": Count("pk", filter=Q(status__in=[TaskStatus.APPLIED, TaskStatus.IN_REVIEW])),
        "in_progress": Count("pk", filter=working & ~overdue),
        "not_started": Count("pk", filter=Q(status=TaskStatus.NOT_STARTED)),
        "reopened": Count("pk", filter=working & Q(reopen_count__gt=0)),
        "overdue": Count("pk", filter=overdue),
        "behind": Count("pk", filter=working & ~overdue & Q(schedule_status=ScheduleStatus.BEHIND)),
        # An overdue task is red (docs/domain.md §1.4): counted as 红灯 whatever colour the
        # last sweep stored (the day may have turned since), so 逾期 never exceeds 红灯 for the
        # same tasks, and never as 黄牌. The task list's warning_level filter says the same.
        "red": Count("pk", filter=(Q(warning_level=WarningLevel.RED) | overdue) & not_closed),
        "yellow": Count("pk", filter=Q(warning_level=WarningLevel.YELLOW) & not_closed & ~overdue),
    }


def task_totals(tasks: QuerySet[Task], *, today: date | None = None) -> TaskTotals:
    """One aggregate query over an already scoped task queryset."""
    figures = tasks.order_by().aggregate(**bucket_counts(today or clock.today()))
    return TaskTotals(**figures)


def totals_by_round(tasks: QuerySet[Task], *, today: date | None = None) -> dict[int, TaskTotals]:
    """TaskTotals per round id, in one grouped query."""
    rows = tasks.order_by().values("round_id").annotate(**bucket_counts(today or clock.today()))
    return {row.pop("round_id"): TaskTotals(**row) for row in rows}


@dataclass(frozen=True)
class Headline:
    aspects: int
    categories: int
    problems: int

    def __str__(self) -> str:
        if self.aspects:
            return f"{self.aspects}方面{self.categories}类{self.problems}项"
        return f"{self.problems}项"


def round_headline(round_: InspectionRound) -> Headline:
    """ "3方面7类12项", computed from the round's feedback tree, never typed in."""
    return Headline(
        aspects=FeedbackAspect.objects.filter(round=round_).count(),
        categories=FeedbackCategory.objects.filter(aspect__round=round_).count(),
        problems=Problem.objects.filter(round=round_).count(),
    )


class ProblemStatus:
    """A problem's rolled-up status label, from its tasks."""

    CLOSED = "已销号"
    CLOSING = "销号中"
    IN_PROGRESS = "整改中"
    NOT_STARTED = "尚未启动"
    EMPTY = "未分解"


def problems_with_rollup(problems: QuerySet[Problem], *, user) -> QuerySet[Problem]:
    """Annotate task_total, task_closed and task_closing (one grouped query with the list),
    counting only the tasks `user` sees: a county office's "已销号 1/3" is its county's."""
    seen = (
        Q(tasks__withdrawn_at__isnull=True)  # a join skips the default manager
        if scope_of(user).reach is Reach.ALL
        else Q(tasks__in=visible_task_ids(user))
    )
    return problems.annotate(
        task_total=Count("tasks", filter=seen, distinct=True),
        task_closed=Count("tasks", filter=seen & Q(tasks__status=TaskStatus.CLOSED), distinct=True),
        task_closing=Count(
            "tasks", filter=seen & Q(tasks__status__in=CLOSING_STATUSES), distinct=True
        ),
        task_started=Count(
            "tasks", filter=seen & ~Q(tasks__status=TaskStatus.NOT_STARTED), distinct=True
        ),
    )


def visible_task_ids(user) -> QuerySet:
    """The ids of the tasks `user` sees, as a subquery (never a list of literal ids)."""
    return Task.objects.visible_to(user).order_by().values("pk")


def problem_status(problem: Problem) -> str:
    """Needs a problem annotated by problems_with_rollup()."""
    if not problem.task_total:
        return ProblemStatus.EMPTY
    if problem.task_closed == problem.task_total:
        return ProblemStatus.CLOSED
    if problem.task_closed + problem.task_closing == problem.task_total:
        return ProblemStatus.CLOSING
    if problem.task_started:
        return ProblemStatus.IN_PROGRESS
    return ProblemStatus.NOT_STARTED


def problem_rollup_label(problem: Problem) -> str:
    """ "已销号 3/5"."""
    return f"已销号 {problem.task_closed}/{problem.task_total}"


def unreported_q(today: date) -> Q:
    """本月未报: a task still being worked on, started by `today`, with no monthly progress
    report for `today`'s month (the monthly chase's rule, jobs.report_chase.missing)."""
    reported = ProgressReport.objects.filter(
        task_id=OuterRef("pk"), period__kind=PeriodKind.MONTHLY, period__code=f"{today:%Y-%m}"
    )
    return (
        Q(status__in=WORKING_STATUSES)
        & (Q(start_date__isnull=True) | Q(start_date__lte=today))
        & ~Exists(reported)
    )


def due_soon_q(today: date, days: int) -> Q:
    """即将到期: still being worked on, deadline within `days` days (the list's due_within)."""
    return Q(
        status__in=WORKING_STATUSES,
        deadline__gte=today,
        deadline__lte=today + timedelta(days=days),
    )


def returned_q() -> Q:
    """被退回: a task whose last close-out application was returned and that is back in the
    units' hands, or whose progress report the office returned for more (退回补充) and the
    unit has not amended yet."""
    last_application = CloseoutApplication.objects.filter(task_id=OuterRef(OuterRef("pk")))
    last_returned = CloseoutApplication.objects.filter(
        task_id=OuterRef("pk"),
        status=CloseoutStatus.RETURNED,
        pk=Subquery(last_application.order_by("-id").values("pk")[:1]),
    )
    report_returned = ProgressReport.objects.filter(
        task_id=OuterRef("pk"), review_status=ReportReviewStatus.RETURNED
    )
    return Q(status__in=WORKING_STATUSES) & Exists(last_returned) | ~Q(
        status=TaskStatus.CLOSED
    ) & Exists(report_returned)


# ---------------------------------------------------------------------------------------------
# Counting a filtered list (the API's total, the task list's per-status counts)

# Up to this many rows a list's counts are exact; above it, PostgreSQL's planner estimates
# them (docs/performance.md: never count a large set per request).
COUNT_CAP = 10_000


def count_capped(queryset: QuerySet, cap: int | None = None) -> tuple[int, bool]:
    """(count, exact): exact up to `cap` rows, else the planner's estimate on PostgreSQL.

    Counting stops after cap + 1 rows (COUNT over a LIMITed subquery), so a large set costs
    what `cap` rows cost. Other databases (small deployments, tests) count exactly."""
    cap = COUNT_CAP if cap is None else cap
    base = queryset.order_by()
    counted = base[: cap + 1].count()
    if counted <= cap or connections[base.db].vendor != "postgresql":
        return (counted if counted <= cap else base.count()), True
    return max(_planner_rows(base), cap + 1), False


def status_counts_capped(
    queryset: QuerySet[Task], cap: int | None = None
) -> tuple[dict[str, int], bool]:
    """({status: count}, exact) of a filtered task list: one grouped COUNT over at most
    cap + 1 of its rows. Above `cap` on PostgreSQL each status's count is the planner's
    estimate (as the API's total is), so a province-wide list never counts 1,000,000 rows."""
    cap = COUNT_CAP if cap is None else cap
    base = queryset.order_by()
    try:
        inner, params = base.values("status")[: cap + 1].query.sql_with_params()
    except EmptyResultSet:  # .none(): a filter the form refused
        return {}, True
    with connections[base.db].cursor() as cursor:
        cursor.execute(f"SELECT s.status, COUNT(*) FROM ({inner}) s GROUP BY s.status", params)
        counted = dict(cursor.fetchall())
    if sum(counted.values()) <= cap:
        return counted, True
    if connections[base.db].vendor != "postgresql":
        return dict(base.values_list("status").annotate(n=Count("*")).order_by()), True
    estimates = {}
    for status in TaskStatus.values:
        subset = base.filter(status=status)
        # The planner says at least 1 for an empty set: keep zero where the sample saw none
        # and the estimate is small.
        rows = _planner_rows(subset)
        if status in counted or rows > 1:
            estimates[status] = max(rows, counted.get(status, 0))
    return estimates, False


def _planner_rows(queryset: QuerySet) -> int:
    plan = json.loads(queryset.values("pk").explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])
