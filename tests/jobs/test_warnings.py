"""Daily warnings: 序时 status, blue/yellow/red, the day's Warning rows, two yellows → 督办函."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from accounts import chain
from accounts.events import EventVerb
from rectification.choices import (
    ScheduleStatus,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import warning_sweep
from rectification.models import Event, Notification, SupervisionNotice, Task, Warning
from tests.factories import TaskFactory
from tests.jobs.conftest import put

ON = date(2020, 2, 15)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def colour(task):
    task.refresh_from_db()
    return task.warning_level


def reasons(task, day=ON):
    return set(Warning.objects.filter(task=task, day=day).values_list("level", "reason"))


def test_on_schedule_is_blue_and_leaves_no_row(jobs_world):
    # given a task 57% through its time span and 60% done
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    warning_sweep.run(ON)
    assert colour(jobs_world.task) == WarningLevel.BLUE
    assert jobs_world.task.schedule_status == ScheduleStatus.ON
    assert reasons(jobs_world.task) == set()  # blue is a level, not a row per day


def test_behind_schedule_is_yellow(jobs_world):
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=20)
    warning_sweep.run(ON)
    assert colour(jobs_world.task) == WarningLevel.YELLOW
    assert jobs_world.task.schedule_status == ScheduleStatus.BEHIND
    assert reasons(jobs_world.task) == {("YELLOW", "BEHIND")}


@pytest.mark.parametrize(("days", "expected"), [(5, "YELLOW"), (6, "BLUE"), (0, "YELLOW")])
def test_due_within_n_days_is_yellow(jobs_world, settings, days, expected):
    settings.WARNING_DUE_SOON_DAYS = 5
    put(
        jobs_world.task,
        status=TaskStatus.IN_PROGRESS,
        progress_pct=95,
        deadline=ON + timedelta(days=days),
    )
    warning_sweep.run(ON)
    assert colour(jobs_world.task) == expected


def test_overdue_is_red_with_overdue_reason_only(jobs_world):
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=50, deadline=ON - timedelta(1))
    warning_sweep.run(ON)
    assert colour(jobs_world.task) == WarningLevel.RED
    assert reasons(jobs_world.task) == {("RED", "OVERDUE")}


@pytest.mark.parametrize("reason", [WarningReason.UPPER_CRITICISM, WarningReason.MEDIA])
def test_flagged_from_above_is_red_until_resolved(jobs_world, reason):
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    flag = Warning.objects.create(
        task=jobs_world.task,
        level=WarningLevel.YELLOW,
        reason=reason,
        day=ON - timedelta(10),
        auto=False,
        issued_by=jobs_world.office,
    )
    warning_sweep.run(ON)
    assert colour(jobs_world.task) == WarningLevel.RED
    assert ("RED", reason) in reasons(jobs_world.task)
    Warning.objects.filter(pk=flag.pk).update(resolved_at=datetime(2020, 2, 16, tzinfo=SHANGHAI))
    warning_sweep.run(ON + timedelta(1))
    assert colour(jobs_world.task) == WarningLevel.BLUE


def test_a_closing_task_is_blue_and_a_closed_one_loses_its_colour(jobs_world):
    put(
        jobs_world.task,
        status=TaskStatus.IN_REVIEW,
        progress_pct=100,
        deadline=ON - timedelta(30),
        warning_level=WarningLevel.RED,
    )
    put(
        jobs_world.other_task,
        status=TaskStatus.CLOSED,
        progress_pct=100,
        closed_at=datetime(2020, 1, 5, tzinfo=SHANGHAI),
        warning_level=WarningLevel.YELLOW,
    )
    warning_sweep.run(ON)
    assert colour(jobs_world.task) == WarningLevel.BLUE  # not overdue while in acceptance
    assert colour(jobs_world.other_task) == WarningLevel.NONE


@pytest.mark.parametrize(("day", "missing"), [(25, False), (26, True), (29, True)])
def test_missing_monthly_report_is_yellow_after_the_cutoff(jobs_world, settings, day, missing):
    settings.MONTHLY_REPORT_CUTOFF_DAY = 25
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=62)
    on = date(2020, 2, day)
    warning_sweep.run(on)
    assert (("YELLOW", "NO_REPORT") in reasons(jobs_world.task, on)) is missing


def test_a_report_this_month_clears_no_report(jobs_world, settings):
    from rectification.services import task_report_progress

    settings.MONTHLY_REPORT_CUTOFF_DAY = 25
    settings.TRACKER_TODAY = date(2020, 2, 10)
    task_report_progress(
        task=jobs_world.task, actor=jobs_world.reporter, progress_text="管网施工", progress_pct=70
    )
    warning_sweep.run(date(2020, 2, 26))
    assert ("YELLOW", "NO_REPORT") not in reasons(jobs_world.task, date(2020, 2, 26))


def test_the_day_turns_at_midnight_asia_shanghai(jobs_world, settings):
    # given a task due 2020-02-20 and no pinned business date
    settings.TRACKER_TODAY = None
    settings.WARNING_DUE_SOON_DAYS = 5
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=97, deadline=date(2020, 2, 20))
    with time_machine.travel(datetime(2020, 2, 14, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        warning_sweep.run()
    assert colour(jobs_world.task) == WarningLevel.BLUE  # 6 days left
    with time_machine.travel(datetime(2020, 2, 15, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        warning_sweep.run()
    assert colour(jobs_world.task) == WarningLevel.YELLOW
    assert reasons(jobs_world.task, date(2020, 2, 15)) == {("YELLOW", "DUE_SOON")}
    with time_machine.travel(datetime(2020, 2, 20, 23, 59, 59, tzinfo=SHANGHAI), tick=False):
        warning_sweep.run()
    assert colour(jobs_world.task) == WarningLevel.YELLOW  # due today: not yet overdue
    with time_machine.travel(datetime(2020, 2, 21, 0, 0, 0, tzinfo=SHANGHAI), tick=False):
        warning_sweep.run()
    assert colour(jobs_world.task) == WarningLevel.RED


def test_running_twice_writes_the_same_rows(jobs_world):
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=20)
    put(jobs_world.other_task, deadline=ON - timedelta(3))
    first = warning_sweep.run(ON)
    rows = list(Warning.objects.order_by("id").values_list("task_id", "level", "reason", "day"))
    second = warning_sweep.run(ON)
    assert (
        list(Warning.objects.order_by("id").values_list("task_id", "level", "reason", "day"))
        == rows
    )
    assert (first.yellow, first.red) == (second.yellow, second.red) == (1, 1)


def test_second_yellow_reason_in_a_month_proposes_one_letter(jobs_world, settings):
    settings.MONTHLY_REPORT_CUTOFF_DAY = 25
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=20)
    put(jobs_world.other_task, status=TaskStatus.IN_PROGRESS, progress_pct=70)
    # given: behind schedule all month: one yellow reason, no letter
    warning_sweep.run(date(2020, 2, 10))
    warning_sweep.run(date(2020, 2, 11))
    assert not SupervisionNotice.objects.exists()
    # when its monthly report is also missing after the cutoff: the second yellow
    warning_sweep.run(date(2020, 2, 26))
    warning_sweep.run(date(2020, 2, 27))
    # then one proposed 督办函 to the lead unit, for the office to issue
    letter = SupervisionNotice.objects.get()
    assert (letter.kind, letter.status, letter.target_unit) == (
        SupervisionKind.LETTER,
        SupervisionStatus.PROPOSED,
        jobs_world.dc_gov,
    )
    assert list(letter.tasks.all()) == [jobs_world.task]
    assert letter.auto_key == f"letter:{jobs_world.task.pk}:2020-02"
    assert "未达到序时进度" in letter.content and "未按时报送进展" in letter.content
    assert Notification.objects.filter(kind="letter_proposed", recipient=jobs_world.office).exists()
    # and a new month starts a new count
    warning_sweep.run(date(2020, 3, 2))
    assert SupervisionNotice.objects.count() == 1


def test_office_manual_yellow_plus_behind_proposes_a_letter(jobs_world):
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=20)
    Warning.objects.create(
        task=jobs_world.task,
        level=WarningLevel.YELLOW,
        reason=WarningReason.RETURNED,
        day=date(2020, 2, 3),
        auto=False,
    )
    warning_sweep.run(ON)
    warning_sweep.run(ON)
    assert SupervisionNotice.objects.filter(status=SupervisionStatus.PROPOSED).count() == 1
    assert colour(jobs_world.task) == WarningLevel.YELLOW


@pytest.mark.tally_stale  # the tally's rebuild is left out of this count (pinned elsewhere)
def test_query_count_is_flat_in_the_number_of_tasks(
    jobs_world, django_assert_max_num_queries, monkeypatch
):
    from rectification import tally

    monkeypatch.setattr(tally, "rebuild_built", lambda also=None: None)
    for n in range(60):
        TaskFactory(
            problem=jobs_world.problem,
            code=f"Y-{n}",
            region=jobs_world.dongcheng,
            lead=jobs_world.dc_gov,
            status=TaskStatus.IN_PROGRESS,
            progress_pct=n,
        )
    # savepoint, the day's table and its index, warnings insert, the letters' table, letters
    # insert, links insert, the events insert (every colour change and letter), tasks update,
    # closed reset, notifications insert, 2 drops, counts, release
    # (tests/jobs/test_warning_sweep_sql.py: the same count at two sizes); and the sealing
    # of the new events in the hash chain (accounts.chain.seal_statements); on PostgreSQL the
    # statistics of the day's table and of the warnings, before the letters' self-join
    analyze = 2 if connection.vendor == "postgresql" else 0
    with django_assert_max_num_queries(15 + chain.seal_statements(connection.vendor) + analyze):
        result = warning_sweep.run(ON)
    assert result.evaluated == 62
    assert Event.objects.filter(verb=EventVerb.WARNING).count() == 62
    assert Task.objects.filter(warning_level=WarningLevel.NONE).count() == 0


# ---------------------------------------------------------------------------------------------
# The demo city

DEMO_COLOURS_ON_SNAPSHOT = {
    # (code): colour on 2020-02-15
    "SD-3": "BLUE",
    "SD-4-3": "BLUE",
    # office's 黄牌 after the failed acceptance; red because the extension was granted after
    # its 2019-12-31 deadline and overdue counts against the original deadline
    "SD-5-1": "RED",
    "SD-5-2": "YELLOW",  # behind (疫情)
    "SD-11-2": "RED",  # overdue since 2019-12-31, 红牌
    "SD-12-1": "BLUE",
    "SD-9-1": "BLUE",  # in acceptance
    "SD-7-2": "BLUE",  # in public notice
    "JSP-1-05": "YELLOW",  # behind
    "JSP-2-01": "YELLOW",  # behind, due before the flood season
    "JSP-1-03": "BLUE",
    "SD-1": "NONE",  # closed
}


def test_demo_city_colours_on_the_snapshot_day(demo_city):
    warning_sweep.run(date(2020, 2, 15))
    levels = dict(Task.objects.values_list("code", "warning_level"))
    assert {code: levels[code] for code in DEMO_COLOURS_ON_SNAPSHOT} == DEMO_COLOURS_ON_SNAPSHOT
