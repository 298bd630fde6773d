"""Status buckets, problem roll-ups and the round headline, computed from the data."""

from datetime import date

import pytest

from inspections.models import Problem
from rectification.choices import ScheduleStatus, TaskStatus, WarningLevel
from rectification.models import Task
from rectification.selectors import (
    ProblemStatus,
    problem_rollup_label,
    problem_status,
    problems_with_rollup,
    round_headline,
    task_totals,
    totals_by_round,
)
from tests.factories import (
    AspectFactory,
    CategoryFactory,
    ProblemFactory,
    RoundFactory,
    TaskFactory,
)

TODAY = date(2020, 2, 15)


def _task(problem, status, *, deadline=date(2020, 6, 30), **extra):
    closed = {"closed_at": "2020-01-01T00:00:00+08:00"} if status == TaskStatus.CLOSED else {}
    return TaskFactory(problem=problem, status=status, deadline=deadline, **closed, **extra)


@pytest.fixture
def mixed(world):
    """One task per bucket (and a long-term task with no deadline) in a fresh round."""
    problem = ProblemFactory(round=RoundFactory(code="MIX", region=world.city))
    _task(problem, TaskStatus.CLOSED, warning_level=WarningLevel.RED)  # closed: red not counted
    _task(problem, TaskStatus.PUBLICIZING)
    _task(problem, TaskStatus.APPLIED)
    _task(problem, TaskStatus.IN_REVIEW, warning_level=WarningLevel.YELLOW)
    _task(problem, TaskStatus.NOT_STARTED)
    _task(problem, TaskStatus.IN_PROGRESS, schedule_status=ScheduleStatus.BEHIND)
    _task(problem, TaskStatus.IN_PROGRESS, reopen_count=1, warning_level=WarningLevel.YELLOW)
    _task(
        problem,
        TaskStatus.IN_PROGRESS,
        deadline=date(2020, 1, 31),
        schedule_status=ScheduleStatus.BEHIND,
        warning_level=WarningLevel.RED,
    )  # overdue
    _task(problem, TaskStatus.NOT_STARTED, deadline=date(2020, 2, 14))  # overdue
    _task(
        problem, TaskStatus.IN_PROGRESS, deadline=None, deadline_type="ONGOING", is_ongoing=True
    )  # long-term: never overdue
    _task(problem, TaskStatus.IN_PROGRESS, deadline=TODAY)  # due today: not yet overdue
    return Task.objects.filter(problem=problem)


def test_task_totals_buckets_partition_the_total(mixed):
    # when the totals are computed on 2020-02-15
    totals = task_totals(mixed, today=TODAY)
    # then the buckets add up to the total, and each holds what it says
    assert totals.total == 11
    assert (
        totals.closed + totals.publicizing + totals.in_review + totals.in_progress + totals.overdue
        == totals.total
    )
    assert (totals.closed, totals.publicizing, totals.in_review) == (1, 1, 2)
    assert (totals.in_progress, totals.overdue) == (5, 2)
    assert totals.not_started == 2  # one on time, one overdue
    assert totals.reopened == 1
    assert totals.behind == 1  # the overdue BEHIND task counts as overdue, not behind
    # an overdue task is red even where its stored colour is stale (the NOT_STARTED one)
    assert (totals.red, totals.yellow) == (2, 2)
    assert totals.red >= totals.overdue
    assert totals.completion_rate == round(100 / 11, 1)
    assert totals.on_schedule_rate == round(100 * (7 - 1 - 2) / 7, 1)


def test_totals_by_round_match_task_totals(world, mixed):
    all_tasks = Task.objects.all()
    by_round = totals_by_round(all_tasks, today=TODAY)
    assert by_round[mixed.first().round_id] == task_totals(mixed, today=TODAY)
    assert by_round[world.round.pk].total == 2
    assert sum(t.total for t in by_round.values()) == task_totals(all_tasks, today=TODAY).total


def test_totals_of_nothing(world):
    totals = task_totals(Task.objects.none(), today=TODAY)
    assert totals.total == 0 and totals.completion_rate == 0.0 and totals.on_schedule_rate == 100.0


def test_totals_respect_scope(world, mixed):
    # a reporter's dashboard counts only the tasks their unit is assigned to
    totals = task_totals(Task.objects.visible_to(world.reporter), today=TODAY)
    assert totals.total == 1


@pytest.mark.parametrize(
    ("statuses", "label", "status"),
    [
        ([], "已销号 0/0", ProblemStatus.EMPTY),
        (["CLOSED", "CLOSED"], "已销号 2/2", ProblemStatus.CLOSED),
        (["CLOSED", "PUBLICIZING", "APPLIED"], "已销号 1/3", ProblemStatus.CLOSING),
        (["CLOSED", "IN_PROGRESS", "NOT_STARTED"], "已销号 1/3", ProblemStatus.IN_PROGRESS),
        (["NOT_STARTED", "NOT_STARTED"], "已销号 0/2", ProblemStatus.NOT_STARTED),
        (["IN_REVIEW", "NOT_STARTED"], "已销号 0/2", ProblemStatus.IN_PROGRESS),
    ],
)
def test_problem_rollup(world, statuses, label, status):
    # given a problem with tasks in these statuses
    problem = ProblemFactory(round=world.round, seq=50)
    for s in statuses:
        _task(problem, s)
    # when it is read with the roll-up, then the label and status follow from its tasks
    annotated = problems_with_rollup(Problem.objects.filter(pk=problem.pk), user=world.admin).get()
    assert problem_rollup_label(annotated) == label
    assert problem_status(annotated) == status


def test_problem_rollup_is_one_query_for_a_list(world, django_assert_num_queries):
    for seq in range(3):
        problem = ProblemFactory(round=world.round, seq=60 + seq)
        _task(problem, TaskStatus.CLOSED)
        _task(problem, TaskStatus.IN_PROGRESS)
    with django_assert_num_queries(1):
        labels = [
            problem_rollup_label(p)
            for p in problems_with_rollup(
                Problem.objects.filter(round=world.round), user=world.admin
            )
        ]
    assert labels == ["已销号 0/2", "已销号 1/2", "已销号 1/2", "已销号 1/2"]


def test_round_headline_counts_the_tree(world):
    # given 2 aspects, 3 categories and 4 problems
    round_ = RoundFactory(code="TREE", region=world.city)
    first, second = AspectFactory(round=round_, seq=1), AspectFactory(round=round_, seq=2)
    c1 = CategoryFactory(aspect=first, seq=1)
    c2 = CategoryFactory(aspect=first, seq=2)
    c3 = CategoryFactory(aspect=second, seq=3)
    for seq, category in enumerate((c1, c2, c3, c3), start=1):
        ProblemFactory(round=round_, category=category, seq=seq)
    # and another round's tree that must not count
    CategoryFactory(aspect__round=RoundFactory(code="OTHER", region=world.city))
    # then the headline reads 2方面3类4项
    assert str(round_headline(round_)) == "2方面3类4项"


def test_round_headline_without_aspects_counts_items(world):
    round_ = RoundFactory(code="FILM", region=world.city)
    ProblemFactory(round=round_, seq=1)
    ProblemFactory(round=round_, seq=2)
    assert str(round_headline(round_)) == "2项"
