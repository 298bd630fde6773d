"""warning_raise: the office's manual warning (黄牌 for a failed acceptance, 上级批评 …)."""

from datetime import date

import pytest

from accounts.errors import InvalidInput, InvalidState, NotAllowed
from rectification import services, tally
from rectification.choices import WarningLevel, WarningReason
from rectification.jobs import warning_sweep
from rectification.models import Event, Notification, Task, Warning
from tests.services.snapshot import assert_db_unchanged

pytestmark = pytest.mark.django_db


def test_the_office_raises_a_yellow_that_the_sweep_keeps(world):
    # given an open task on schedule
    # when the office gives it a 黄牌 for a failed acceptance
    warning = services.warning_raise(
        task=world.task,
        actor=world.office,
        level=WarningLevel.YELLOW,
        reason=WarningReason.RETURNED,
        note="仅完成主体工程，市级验收退回",
    )
    # then a manual Warning row of the business date, the task yellow, one event, the unit told
    assert (warning.auto, warning.issued_by, warning.day) == (
        False,
        world.office,
        date(2020, 2, 15),
    )
    assert warning.unit == world.dc_gov
    assert Task.objects.get(pk=world.task.pk).warning_level == WarningLevel.YELLOW
    event = Event.objects.get(task=world.task, verb="warning")
    assert event.actor == world.office and "验收退回" not in event.note[:2]
    assert "仅完成主体工程" in event.note
    told = set(
        Notification.objects.filter(kind="warning").values_list("recipient__username", flat=True)
    )
    assert told == {"dc_reporter", "dc_head"}
    # and the next night's sweep keeps the colour (an unresolved manual warning)
    warning_sweep.run(date(2020, 2, 16))
    assert Task.objects.get(pk=world.task.pk).warning_level == WarningLevel.YELLOW


def test_a_manual_warning_never_lowers_the_colour(world):
    # given a task that is red by the rules (overdue)
    Task.objects.filter(pk=world.task.pk).update(
        deadline=date(2020, 1, 31),
        original_deadline=date(2020, 1, 31),
        warning_level=WarningLevel.RED,
    )
    tally.recount(world.task)
    services.warning_raise(
        task=world.task, actor=world.office, level=WarningLevel.YELLOW, reason="RETURNED"
    )
    assert Task.objects.get(pk=world.task.pk).warning_level == WarningLevel.RED


@pytest.mark.parametrize(
    ("who", "level", "reason", "error", "phrase"),
    [
        ("reporter", "YELLOW", "RETURNED", NotAllowed, "环督办"),
        ("unit_head", "RED", "MEDIA", NotAllowed, "环督办"),
        ("office", "BLUE", "RETURNED", InvalidInput, "黄牌或红灯"),
        ("office", "YELLOW", "BOGUS", InvalidInput, "预警原因"),
    ],
)
def test_refusals_change_nothing(world, who, level, reason, error, phrase):
    with assert_db_unchanged(error, phrase):
        services.warning_raise(
            task=world.task, actor=getattr(world, who), level=level, reason=reason
        )


def test_the_same_reason_twice_a_day_is_refused(world):
    services.warning_raise(
        task=world.task, actor=world.office, level="YELLOW", reason="UPPER_CRITICISM"
    )
    with assert_db_unchanged(InvalidState, "同一原因"):
        services.warning_raise(
            task=world.task, actor=world.office, level="RED", reason="UPPER_CRITICISM"
        )
    assert Warning.objects.filter(task=world.task).count() == 1
