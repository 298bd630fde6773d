"""序时进度: expected progress from elapsed time or milestone weights, and the verdict."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rectification.choices import ScheduleStatus, TaskStatus
from rectification.schedule import MilestonePlan, evaluate

START, DEADLINE = date(2020, 1, 1), date(2020, 4, 10)  # a 100-day span: 1 day = 1 point


def verdict(progress, today, *, status=TaskStatus.IN_PROGRESS, start=START, deadline=DEADLINE,
            milestones=(), tolerance=10):  # fmt: skip
    return evaluate(
        status=status,
        start_date=start,
        deadline=deadline,
        progress_pct=progress,
        today=today,
        milestones=milestones,
        tolerance=tolerance,
    )


@pytest.mark.parametrize(
    ("progress", "expected_status"),
    [
        (39, ScheduleStatus.BEHIND),  # 11 points behind
        (40, ScheduleStatus.ON),  # exactly 10 behind is still on schedule
        (50, ScheduleStatus.ON),
        (60, ScheduleStatus.ON),  # exactly 10 ahead is still on schedule
        (61, ScheduleStatus.AHEAD),
    ],
)
def test_elapsed_time_tolerance_boundary(progress, expected_status):
    # given day 50 of 100, so 50% expected
    result = verdict(progress, START + timedelta(days=50))
    assert result.expected_pct == 50
    assert result.status == expected_status


def test_tolerance_comes_from_settings(settings):
    settings.SCHEDULE_TOLERANCE_PCT = 5
    result = evaluate(
        status=TaskStatus.IN_PROGRESS,
        start_date=START,
        deadline=DEADLINE,
        progress_pct=44,
        today=START + timedelta(days=50),
    )
    assert result.status == ScheduleStatus.BEHIND


def test_before_start_expects_nothing():
    result = verdict(0, START - timedelta(days=30))
    assert (result.expected_pct, result.status) == (0, ScheduleStatus.ON)


def test_after_deadline_expects_everything():
    result = verdict(80, DEADLINE + timedelta(days=5))
    assert (result.expected_pct, result.status) == (100, ScheduleStatus.BEHIND)
    assert verdict(95, DEADLINE + timedelta(days=5)).status == ScheduleStatus.ON


def test_zero_length_span():
    # a 立行立改 task starting and due the same day
    day = date(2020, 2, 15)
    assert verdict(0, day, start=day, deadline=day).expected_pct == 100
    assert verdict(0, day - timedelta(days=1), start=day, deadline=day).expected_pct == 0
    assert verdict(100, day, start=day, deadline=day).status == ScheduleStatus.ON


def test_milestones_weight_the_expectation():
    # given three stages weighted 20/30/50, the first two planned by today, only the first done
    today = date(2020, 2, 15)
    plans = [
        MilestonePlan(date(2020, 1, 15), 20, date(2020, 1, 10)),
        MilestonePlan(date(2020, 2, 10), 30, None),
        MilestonePlan(date(2020, 3, 31), 50, None),
    ]
    result = verdict(90, today, milestones=plans)
    # then 50% is expected and 20% is done, whatever the reported percentage says
    assert (result.expected_pct, result.actual_pct, result.status) == (
        50,
        20,
        ScheduleStatus.BEHIND,
    )
    # and when the second stage is done it is on schedule
    plans[1] = MilestonePlan(date(2020, 2, 10), 30, date(2020, 2, 12))
    assert verdict(0, today, milestones=plans).status == ScheduleStatus.ON
    # and a stage marked done after today does not count yet
    plans[2] = MilestonePlan(date(2020, 3, 31), 50, date(2020, 3, 1))
    assert verdict(0, today, milestones=plans).actual_pct == 50


def test_milestones_without_dates_on_the_task():
    plans = [MilestonePlan(date(2020, 1, 15), 1, None)]
    result = verdict(0, date(2020, 2, 15), start=None, deadline=None, milestones=plans)
    assert (result.expected_pct, result.status) == (100, ScheduleStatus.BEHIND)


@pytest.mark.parametrize(
    "status",
    [TaskStatus.APPLIED, TaskStatus.IN_REVIEW, TaskStatus.PUBLICIZING, TaskStatus.CLOSED],
)
def test_closing_and_closed_tasks_are_not_judged(status):
    result = verdict(0, DEADLINE + timedelta(days=100), status=status)
    assert (result.expected_pct, result.status) == (None, ScheduleStatus.NA)


@pytest.mark.parametrize(("start", "deadline"), [(None, DEADLINE), (START, None), (None, None)])
def test_missing_dates_are_not_judged(start, deadline):
    result = verdict(0, date(2020, 2, 15), start=start, deadline=deadline)
    assert (result.expected_pct, result.status) == (None, ScheduleStatus.NA)


def test_not_started_tasks_are_judged():
    assert verdict(0, START + timedelta(days=50), status=TaskStatus.NOT_STARTED).status == (
        ScheduleStatus.BEHIND
    )


days = st.dates(min_value=date(2018, 1, 1), max_value=date(2023, 12, 31))
milestone_plans = st.lists(
    st.builds(MilestonePlan, days, st.integers(min_value=1, max_value=100), st.none() | days),
    max_size=5,
)


@given(
    start=days,
    span=st.integers(min_value=0, max_value=2000),
    today=days,
    later=st.integers(min_value=0, max_value=1000),
    progress=st.integers(min_value=0, max_value=100),
    plans=milestone_plans,
)
def test_expectation_is_a_percentage_and_never_falls_with_time(
    start, span, today, later, progress, plans
):
    deadline = start + timedelta(days=span)
    now = verdict(progress, today, start=start, deadline=deadline, milestones=plans)
    after = verdict(
        progress, today + timedelta(days=later), start=start, deadline=deadline, milestones=plans
    )
    assert 0 <= now.expected_pct <= 100
    assert 0 <= now.actual_pct <= 100
    assert after.expected_pct >= now.expected_pct
    # the same progress can only look worse as time passes
    order = [ScheduleStatus.AHEAD, ScheduleStatus.ON, ScheduleStatus.BEHIND]
    if not plans:
        assert order.index(after.status) >= order.index(now.status)


@pytest.mark.parametrize(("progress", "stored"), [(40, "BEHIND"), (50, "ON"), (70, "AHEAD")])
def test_reported_progress_stores_the_verdict(world, progress, stored):
    # given world.task from 2019-08-20 to 2020-06-30: on 2020-02-15 about 57% is expected
    from rectification import services

    # when the unit reports
    report = services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="施工中", progress_pct=progress
    )
    # then the task and the report carry the verdict
    world.task.refresh_from_db()
    assert world.task.schedule_status == stored
    assert report.schedule_status == stored
