"""The dashboard's daily tally (rectification.tally) equals a recount of the task table.

The world fixture builds the day's tally and an autouse check recounts it after every test
(tests/conftest.py); these tests check it after every single step of a task's life, and that
the check itself catches a tally that fell behind.
"""

from datetime import date

import pytest

from accounts import clock
from rectification import services, tally
from rectification.choices import AssignmentRole, TaskStatus
from rectification.dashboard import dashboard_for
from rectification.models import DailyTally, TallyDay, Task
from rectification.selectors import task_totals
from rectification.services import CLOSEOUT_CHECKLIST, UnitRole
from tests.factories import TaskFactory, UnitFactory


def test_a_build_counts_every_task_once(world):
    TaskFactory(problem=world.problem, region=world.xicheng, lead=world.xc_gov)
    assert tally.build() >= 2
    assert tally.verify() == []
    # the cells add up to the live totals over the whole table
    assert tally.totals_of(DailyTally.objects.filter(day=date(2020, 2, 15))) == task_totals(
        Task.objects.all()
    )


@pytest.mark.tally_stale
def test_verify_catches_a_task_changed_behind_the_services(world):
    Task.objects.filter(pk=world.task.pk).update(status=TaskStatus.IN_PROGRESS)
    problems = tally.verify()
    assert len(problems) == 1
    assert f"({world.dongcheng.pk}, {world.round.pk}, {world.dc_gov.pk})" in problems[0]
    # and a recount of the task's cell puts it right
    tally.recount(world.task)
    assert tally.verify() == []


def test_every_step_of_a_task_keeps_the_tally_a_recount(world, before_after):
    task = world.task
    water = UnitFactory(name="示范市水务局", short_name="市水务局", region=world.city)

    def step(label):
        assert tally.verify() == [], label

    services.task_report_progress(
        task=task, actor=world.reporter, progress_text="截污管网铺设过半", progress_pct=40
    )
    step("report")
    ext = services.task_request_extension(
        task=task, actor=world.reporter, requested_deadline=date(2020, 12, 31), reason="汛期"
    )
    services.extension_decide(extension=ext, actor=world.office, approve=True, note="同意")
    step("extension approved: a new deadline")
    services.task_set_units(
        task=task,
        actor=world.office,
        units=[UnitRole(water, AssignmentRole.LEAD), UnitRole(world.dc_gov, AssignmentRole.COOP)],
    )
    step("lead unit changed: the task moves to another cell")
    services.task_set_units(
        task=task, actor=world.office, units=[UnitRole(world.dc_gov, AssignmentRole.LEAD)]
    )
    step("and back")
    services.task_report_progress(
        task=task, actor=world.reporter, progress_text="完工", progress_pct=100
    )
    app = services.task_apply_closeout(
        task=task,
        actor=world.reporter,
        summary="已完成",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )
    step("applied")
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="合格"
    )
    with clock.travel(clock.at(date(2020, 2, 8), 10)):  # accepted on the notice's first day
        services.closeout_accept(
            application=app,
            actor=world.office,
            opinion="验收合格",
            notice_start=date(2020, 2, 8),
            notice_end=date(2020, 2, 14),
            contact_phone="0999-12369",
        )
    step("publicizing")
    services.closeout_close(application=app, actor=world.office)
    step("closed")
    services.task_record_lookback(
        task=task,
        actor=world.office,
        check_date=date(2020, 2, 15),
        method="ONSITE",
        result="REBOUND",
        findings="排口复现污水",
        new_deadline=date(2020, 3, 31),
    )
    step("reopened")
    created = services.task_create(
        problem=world.problem,
        actor=world.office,
        code="NEW-1",
        name="新增点位",
        region=world.xicheng,
        units=[UnitRole(world.xc_gov, AssignmentRole.LEAD)],
        deadline=date(2020, 1, 31),
    )
    step("created (already overdue)")
    assert Task.objects.get(pk=created.pk).status == TaskStatus.NOT_STARTED


def test_the_dashboard_shows_the_tally_and_builds_a_missing_day(world):
    TallyDay.objects.all().delete()
    DailyTally.objects.all().delete()
    board = dashboard_for(world.leader)
    assert TallyDay.objects.filter(day=date(2020, 2, 15)).exists()
    assert board.totals == task_totals(Task.objects.visible_to(world.leader))
    # a day later the overdue figures move with the date, from that day's own tally
    later = dashboard_for(world.leader, today=date(2021, 1, 1))
    assert later.totals == task_totals(
        Task.objects.visible_to(world.leader), today=date(2021, 1, 1)
    )
    assert later.totals.overdue > board.totals.overdue


def test_old_days_are_dropped(world):
    for day in (date(2020, 2, 10), date(2020, 2, 14), date(2020, 2, 15)):
        tally.build(day)
    assert sorted(TallyDay.objects.values_list("day", flat=True)) == [
        date(2020, 2, 14),
        date(2020, 2, 15),
    ]
    assert not DailyTally.objects.filter(day=date(2020, 2, 10)).exists()


def test_run_job_tally_rebuilds_and_checks_the_day(world):
    from io import StringIO

    from django.core.management import call_command

    TallyDay.objects.all().delete()
    DailyTally.objects.all().delete()
    out = StringIO()
    call_command("run_job", "tally", "--date", "2020-02-15", stdout=out)
    assert "differences=0" in out.getvalue()
    assert TallyDay.objects.filter(day=date(2020, 2, 15)).exists()
