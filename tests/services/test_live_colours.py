"""Live colours and 序时 (issue #11, item 6): every service that changes a task leaves the
task's colour (warning_level) and 序时 status (schedule_status) exactly where the nightly
sweep would put them that day, so no page shows a colour the last change has made stale.

The equality test walks the task through the lifecycle with the real services at several
business dates and, after every call, runs the nightly sweep for that day in a savepoint
(rolled back) and compares. The defect tests below it each failed on the code before live
colours (a closed task kept 黄牌, a task returned past its deadline was 蓝签 and 不适用, a
100 % report left 黄牌 beside 超过序时进度, the dashboard showed 逾期 2 beside 红灯 1).
"""

from datetime import date, timedelta

import pytest
from django.db import transaction

from accounts import clock
from rectification import services, tally
from rectification.choices import ScheduleStatus, TaskStatus, WarningLevel
from rectification.jobs import warning_sweep
from rectification.models import CloseoutApplication, Extension, Milestone, Task
from rectification.selectors import task_totals
from rectification.services import CLOSEOUT_CHECKLIST, UnitRole


class _Rollback(Exception):
    pass


def sweep_says(task: Task, on: date) -> tuple[str, str]:
    """(schedule_status, warning_level) the nightly sweep of `on` gives the task; nothing the
    sweep writes is kept."""
    answer = None
    try:
        with transaction.atomic():
            warning_sweep.run(on)
            answer = tuple(
                Task.objects.filter(pk=task.pk).values_list("schedule_status", "warning_level")[0]
            )
            raise _Rollback
    except _Rollback:
        pass
    return answer


def stored(task: Task) -> tuple[str, str]:
    return tuple(Task.objects.filter(pk=task.pk).values_list("schedule_status", "warning_level")[0])


def assert_live(task: Task, step: str) -> None:
    today = clock.today()
    assert stored(task) == sweep_says(task, today), f"after {step} on {today}"


# ---------------------------------------------------------------------------------------------
# The lifecycle matrix: each story is a list of (day offset, step name, call(world, ctx)).


def _report(pct):
    def step(w, ctx):
        last = Task.objects.values_list("progress_pct", flat=True).get(pk=w.task.pk)
        services.task_report_progress(
            task=w.task,
            actor=w.reporter,
            progress_text=f"完成{pct}%",
            progress_pct=pct,
            # a fall needs its reason (task_report_progress)
            falling_reason="验收退回后重新核定工程量" if pct < last else "",
        )

    return step


def _apply(w, ctx):
    ctx["app"] = services.task_apply_closeout(
        task=w.task,
        actor=w.reporter,
        summary="已完成",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=ctx["before_after"](),
    )


def _self_check(passed):
    def step(w, ctx):
        services.closeout_self_check(
            application=ctx["app"], actor=w.unit_head, passed=passed, opinion="县级自验意见"
        )
        if not passed:
            ctx.pop("app")

    return step


def _accept(w, ctx):
    today = clock.today()
    services.closeout_accept(
        application=ctx["app"],
        actor=w.office,
        opinion="市级验收合格",
        notice_start=today,
        notice_end=today + timedelta(days=10),
        contact_phone="0000-12345678",
    )


def _return(w, ctx):
    services.closeout_return(application=ctx["app"], actor=w.office, reason="仅完成主体工程")


def _close(w, ctx):
    services.closeout_close(application=ctx["app"], actor=w.office, doc_no="示环督办销〔2020〕1号")


def _lookback(w, ctx):
    today = clock.today()
    services.task_record_lookback(
        task=w.task,
        actor=w.office,
        check_date=today,
        method="ONSITE",
        result="REBOUND",
        findings="排口复现污水",
        new_deadline=today + timedelta(days=3),
    )


def _extension(w, ctx):
    task = Task.objects.get(pk=w.task.pk)
    new_deadline = max(task.deadline, clock.today()) + timedelta(days=60)
    if task.deadline < clock.today():
        # past the deadline only the office decides (逾期后延期)
        services.extension_grant_overdue(
            task=task, actor=w.office, new_deadline=new_deadline, reason="疫情影响，经研究同意"
        )
        return
    ext = services.task_request_extension(
        task=task, actor=w.reporter, requested_deadline=new_deadline, reason="疫情影响"
    )
    services.extension_decide(extension=ext, actor=w.office, approve=True, note="同意")


def _milestones(w, ctx):
    today = clock.today()
    ms = services.milestone_add(
        task=w.task, actor=w.office, name="主体工程", planned_date=today - timedelta(1), weight=3
    )
    services.milestone_add(
        task=w.task, actor=w.office, name="设备调试", planned_date=today + timedelta(30)
    )
    ctx["milestone"] = ms


def _milestone_edit(w, ctx):
    services.milestone_edit(milestone=ctx["milestone"], actor=w.office, weight=1)


def _milestone_done(w, ctx):
    services.milestone_complete(milestone=ctx["milestone"], actor=w.office)


def _set_units(w, ctx):
    services.task_set_units(
        task=w.task,
        actor=w.office,
        units=[UnitRole(w.dc_gov, "LEAD"), UnitRole(w.housing, "COOP")],
    )


def _edit(w, ctx):
    services.task_update(task=w.task, actor=w.office, measures="截污纳管")


def _raise(level, reason):
    def step(w, ctx):
        ctx["warning"] = services.warning_raise(
            task=w.task, actor=w.office, level=level, reason=reason, note="手动预警"
        )

    return step


STORIES = {
    "report-apply-return": [
        (0, "report 10%", _report(10)),
        (0, "report 100%", _report(100)),
        (0, "apply", _apply),
        (0, "self-check return", _self_check(False)),
        (1, "apply again", _apply),
        (1, "self-check pass", _self_check(True)),
        (2, "accept", _accept),
        (3, "return", _return),
        (3, "report 90%", _report(90)),
    ],
    "close-and-reopen": [
        (0, "report 50%", _report(50)),
        (0, "apply", _apply),
        (0, "self-check pass", _self_check(True)),
        (0, "accept", _accept),
        (12, "close", _close),
        (13, "look-back rebound", _lookback),
        (20, "report after reopen", _report(20)),
    ],
    "plan-changes": [
        (0, "report 30%", _report(30)),
        (0, "milestones added", _milestones),
        (1, "milestone edited", _milestone_edit),
        (2, "milestone done", _milestone_done),
        (2, "units set", _set_units),
        (3, "task edited", _edit),
        (4, "extension approved", _extension),
    ],
    "manual-warnings": [
        (0, "yellow raised", _raise(WarningLevel.YELLOW, "RETURNED")),
        (0, "report 100%", _report(100)),
        (1, "media raised", _raise(WarningLevel.YELLOW, "MEDIA")),
    ],
}

# Before the report cutoff; after it (report missing); due within WARNING_DUE_SOON_DAYS;
# past the deadline (2020-06-30).
DATES = [date(2020, 2, 15), date(2020, 3, 26), date(2020, 6, 26), date(2020, 8, 10)]


@pytest.mark.parametrize("story", list(STORIES))
@pytest.mark.parametrize("start", DATES, ids=[f"{d:%m-%d}" for d in DATES])
def test_every_service_leaves_the_colour_the_sweep_would_compute(world, before_after, story, start):
    # given the task on `start`, coloured by that night's sweep
    ctx = {"before_after": before_after}
    with clock.travel(start):
        warning_sweep.run(start)
    for offset, step, call in STORIES[story]:
        # when a service changes it
        with clock.travel(start + timedelta(days=offset)):
            call(world, ctx)
            # then its colour and 序时 status are the sweep's for that day
            assert_live(world.task, step)


# ---------------------------------------------------------------------------------------------
# The stale colours the issue lists, each failing on the code before live colours.


def _to_review(world, before_after) -> CloseoutApplication:
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="完工", progress_pct=100
    )
    app = services.task_apply_closeout(
        task=world.task,
        actor=world.reporter,
        summary="已完成",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="自验合格"
    )
    return app


def test_a_closed_task_has_no_colour_at_once(world, before_after):
    # given a task with the office's 黄牌, accepted and publicised
    app = _to_review(world, before_after)
    services.warning_raise(
        task=world.task, actor=world.office, level=WarningLevel.YELLOW, reason="UPPER_CRITICISM"
    )
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 25),
        contact_phone="0000-12345678",
    )
    assert stored(world.task)[1] == WarningLevel.RED
    # when it is closed after its notice
    with clock.travel(date(2020, 2, 27)):
        services.closeout_close(application=app, actor=world.office)
    # then it has no colour and is not judged, before any sweep runs
    assert stored(world.task) == (ScheduleStatus.NA, WarningLevel.NONE)


def test_a_task_returned_past_its_deadline_is_red_and_behind_at_once(world, before_after):
    # given an application in review for a task whose deadline was 2019-12-31
    Task.objects.filter(pk=world.task.pk).update(
        deadline=date(2019, 12, 31), original_deadline=date(2019, 12, 31)
    )
    app = _to_review(world, before_after)
    assert stored(world.task) == (ScheduleStatus.NA, WarningLevel.BLUE)
    # when the office returns it, 46 days past the deadline
    services.closeout_return(application=app, actor=world.office, reason="仅完成主体工程")
    # then the task is 整改中, red (overdue) and judged again, at once
    task = Task.objects.get(pk=world.task.pk)
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.warning_level == WarningLevel.RED
    assert task.schedule_status != ScheduleStatus.NA


def test_a_full_report_does_not_leave_a_yellow_card_beside_ahead_of_schedule(world):
    # given a task behind schedule, yellow since last night's sweep
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="开工", progress_pct=10
    )
    warning_sweep.run(date(2020, 2, 15))
    assert stored(world.task) == (ScheduleStatus.BEHIND, WarningLevel.YELLOW)
    # when the unit reports 100 %
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="完工", progress_pct=100
    )
    # then it is ahead of schedule and blue, not 黄牌 beside 超过序时进度
    assert stored(world.task) == (ScheduleStatus.AHEAD, WarningLevel.BLUE)


def test_overdue_and_red_never_disagree_on_the_dashboard(world):
    # given a task that fell overdue since the last sweep (stored blue)
    Task.objects.filter(pk=world.task.pk).update(
        deadline=date(2020, 2, 14),
        original_deadline=date(2020, 2, 14),
        warning_level=WarningLevel.BLUE,
        status="IN_PROGRESS",
    )
    tally.recount(world.task)
    # when the totals are counted (live and from the dashboard's tally)
    live = task_totals(Task.objects.all())
    tally.build(clock.today())
    # then every overdue task is among the red ones, and none is yellow
    assert live.overdue == 1
    assert live.red >= live.overdue
    assert tally.verify(clock.today()) == []


def test_an_extension_granted_after_the_deadline_leaves_the_task_red(world):
    # given a task 46 days past its deadline, red on the page and counted overdue
    Task.objects.filter(pk=world.task.pk).update(
        deadline=date(2019, 12, 31), original_deadline=date(2019, 12, 31)
    )
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="进展", progress_pct=50
    )
    assert stored(world.task)[1] == WarningLevel.RED
    # when the office grants a later deadline (逾期后延期)
    services.extension_grant_overdue(
        task=world.task, actor=world.office, new_deadline=date(2020, 9, 30), reason="疫情影响"
    )
    # then the task is still red, as the sweep says, and the dashboard counts it in both
    # 逾期 and 红灯: an extension moves the working deadline, never the overdue
    assert stored(world.task) == sweep_says(world.task, clock.today())
    assert stored(world.task)[1] == WarningLevel.RED
    live = task_totals(Task.objects.filter(pk=world.task.pk))
    assert (live.overdue, live.red) == (1, 1)


def test_an_approved_extension_recolours_the_task(world):
    # given a task due on 2020-02-20
    Task.objects.filter(pk=world.task.pk).update(
        deadline=date(2020, 2, 20), original_deadline=date(2020, 2, 20)
    )
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="进展", progress_pct=50
    )
    assert stored(world.task)[1] == WarningLevel.YELLOW  # due within 5 days
    ext = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2020, 9, 30), reason="疫情"
    )
    # when the office approves a later deadline
    services.extension_decide(extension=ext, actor=world.office, approve=True)
    # then the colour follows at once
    assert Extension.objects.get(pk=ext.pk).status == "APPROVED"
    assert stored(world.task) == sweep_says(world.task, clock.today())
    assert stored(world.task)[1] == WarningLevel.BLUE


def test_milestones_recolour_the_task(world):
    # given a task on schedule
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="进展", progress_pct=60
    )
    assert stored(world.task)[1] == WarningLevel.BLUE
    # when the office plans a stage due yesterday and not done
    services.milestone_add(
        task=world.task, actor=world.office, name="主体工程", planned_date=date(2020, 2, 14)
    )
    # then the task is behind and yellow at once
    assert stored(world.task) == (ScheduleStatus.BEHIND, WarningLevel.YELLOW)
    assert Milestone.objects.filter(task=world.task).count() == 1


def test_the_api_shows_the_live_colour_after_a_report(world):
    # given a task behind schedule, yellow since last night's sweep
    from rest_framework.test import APIClient

    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="开工", progress_pct=10
    )
    warning_sweep.run(date(2020, 2, 15))
    api = APIClient()
    api.force_login(world.reporter)
    # when the unit reports 100 % through the API
    response = api.post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "完工", "progress_pct": 100},
        format="json",
    )
    # (the month's report amended: one report per task per month)
    assert response.status_code == 200, response.content
    # then the task's detail shows it ahead of schedule and blue at once
    detail = api.get(f"/api/v1/tasks/{world.task.pk}/").json()
    assert (detail["schedule_status"], detail["warning_level"]) == ("AHEAD", "BLUE")


def test_the_task_page_shows_no_colour_once_closed(world, before_after, client):
    # given a task with the office's 黄牌 (群众反复投诉), in public notice
    app = _to_review(world, before_after)
    services.warning_raise(
        task=world.task, actor=world.office, level=WarningLevel.YELLOW, reason="COMPLAINTS"
    )
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 25),
        contact_phone="0000-12345678",
    )
    client.force_login(world.office)
    assert "黄牌" in client.get(f"/tasks/{world.task.pk}/").content.decode()
    # when it is closed through its page after the notice
    with clock.travel(date(2020, 2, 27)):
        task = Task.objects.get(pk=world.task.pk)
        response = client.post(
            f"/closeouts/{app.pk}/close/", {"version": task.version, "objections": 0}
        )
        assert response.status_code == 302, response.content.decode()[:1500]
        page = client.get(f"/tasks/{world.task.pk}/").content.decode()
    # then neither its header nor its 预警 card shows a colour (the timeline keeps the history)
    assert stored(world.task) == (ScheduleStatus.NA, WarningLevel.NONE)
    assert "warn-YELLOW" not in page and 'card-header fw-semibold">预警<' not in page
