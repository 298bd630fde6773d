"""Monthly report chase: remind before the cutoff, mark missing on it."""

from datetime import date

import pytest

from accounts.events import EventVerb
from rectification.choices import TaskStatus, WarningLevel
from rectification.jobs import report_chase
from rectification.models import Event, Notification, Warning
from tests.jobs.conftest import put, told


@pytest.fixture
def chase_world(jobs_world, settings):
    settings.MONTHLY_REPORT_CUTOFF_DAY = 25
    settings.MONTHLY_REPORT_CHASE_DAYS = 3
    put(jobs_world.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    put(jobs_world.other_task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    return jobs_world


def test_nothing_before_the_window(chase_world):
    assert report_chase.run(date(2020, 2, 21)).phase == "idle"
    assert not Notification.objects.exists()


def test_lead_units_are_chased_once_in_the_window(chase_world, settings):
    from rectification.services import task_report_progress

    # given 西城区 has reported for February
    settings.TRACKER_TODAY = date(2020, 2, 20)
    task_report_progress(
        task=chase_world.other_task,
        actor=chase_world.outsider,
        progress_text="雨污分流改造",
        progress_pct=65,
    )
    # when the chase runs on the 22nd and again on the 23rd and 24th
    for day in (22, 23, 24):
        assert report_chase.run(date(2020, 2, day)).phase == "chase"
    # then only 东城区政府 (lead of the missing one) was reminded, once; 市住建局 (cooperating) not
    assert told(kind="report_chase") == {
        ("dc_reporter", "report_chase", "INAPP"),
        ("dc_reporter", "report_chase", "MAIL"),
        ("dc_head", "report_chase", "INAPP"),
    }


def test_on_the_cutoff_the_missing_report_is_a_yellow_warning(chase_world):
    result = report_chase.run(date(2020, 2, 25))
    assert (result.phase, result.tasks) == ("cutoff", 2)
    assert set(Warning.objects.values_list("task__code", "level", "reason", "day")) == {
        ("SD-4-1", "YELLOW", "NO_REPORT", date(2020, 2, 25)),
        ("SD-4-2", "YELLOW", "NO_REPORT", date(2020, 2, 25)),
    }
    chase_world.task.refresh_from_db()
    assert chase_world.task.warning_level == WarningLevel.YELLOW
    report_chase.run(date(2020, 2, 25))  # twice: no second row, no second notice
    assert Warning.objects.count() == 2
    assert Notification.objects.filter(kind="report_missing").count() == 4  # 3 东城区 + 1 西城区


def test_cutoff_is_clamped_to_the_month_end(chase_world, settings):
    settings.MONTHLY_REPORT_CUTOFF_DAY = 31
    assert report_chase.run(date(2020, 2, 29)).phase == "cutoff"  # leap year February
    assert report_chase.run(date(2020, 2, 26)).phase == "chase"


def test_on_the_cutoff_each_colour_change_is_one_event(chase_world):
    # given one task already red (it stays red) and one without colour
    put(chase_world.other_task, warning_level=WarningLevel.RED)

    # when the cutoff day's chase runs, twice
    report_chase.run(date(2020, 2, 25))
    report_chase.run(date(2020, 2, 25))

    # then the task that turned yellow has one colour-change event, the red one none
    rows = list(
        Event.objects.filter(verb=EventVerb.WARNING).values_list(
            "task_id", "target_id", "from_status", "to_status", "actor_id"
        )
    )
    task = chase_world.task.pk
    assert rows == [(task, task, WarningLevel.NONE, WarningLevel.YELLOW, None)]
    assert "未按时报送进展" in Event.objects.get(verb=EventVerb.WARNING).note
    chase_world.other_task.refresh_from_db()
    assert chase_world.other_task.warning_level == WarningLevel.RED
