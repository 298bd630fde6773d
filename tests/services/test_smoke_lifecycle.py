"""The happy path through the whole lifecycle, as one story."""

from datetime import date

from accounts import clock
from rectification import services
from rectification.choices import CloseoutStatus, TaskStatus
from rectification.models import Event
from rectification.services import CLOSEOUT_CHECKLIST


def test_task_goes_from_report_to_closed_and_back(world, before_after):
    # given a not-started task of 东城区
    task = world.task
    # when the reporter reports and applies
    services.task_report_progress(
        task=task, actor=world.reporter, progress_text="截污管网完工", progress_pct=100
    )
    app = services.task_apply_closeout(
        task=task,
        actor=world.reporter,
        summary="已完成",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="自验合格"
    )
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 21),
        contact_phone="0999-12369",
    )
    # and closes the day after the notice's last day
    with clock.travel(clock.at(date(2020, 2, 22))):
        services.closeout_close(application=app, actor=world.office)
    # then it is closed, with an event per move
    task.refresh_from_db()
    app.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    assert app.status == CloseoutStatus.APPROVED
    verbs = list(
        Event.objects.filter(task=task).order_by("created_at", "id").values_list("verb", flat=True)
    )
    assert verbs == ["report", "apply", "self_check_pass", "accept", "close"]
    # and a rebound reopens it
    services.task_record_lookback(
        task=task,
        actor=world.office,
        check_date=date(2020, 2, 15),
        method="ONSITE",
        result="REBOUND",
        findings="排口复现污水",
        new_deadline=date(2020, 3, 31),
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.reopen_count == 1
    assert task.closed_at is None
