"""The event log, extensions, reopening and two reviewers racing."""

from datetime import date

from accounts import clock
from accounts.errors import StaleVersion
from rectification import services
from rectification.choices import CloseoutStatus, TaskStatus
from rectification.models import Event, LookBackCheck, PublicNotice
from tests.factories import UserFactory
from tests.services.snapshot import assert_db_unchanged


def test_whole_story_has_one_event_per_move_naming_actor_and_statuses(world, flow):
    # given a task walked from report to closed by the people who may do each step
    flow.to(world.task, "CLOSED")
    # then the timeline reads move by move, each with its actor and statuses
    rows = list(
        Event.objects.filter(task=world.task)
        .order_by("id")
        .values_list("verb", "actor__username", "from_status", "to_status")
    )
    assert rows == [
        ("report", "dc_reporter", "NOT_STARTED", "IN_PROGRESS"),
        ("apply", "dc_reporter", "IN_PROGRESS", "APPLIED"),
        ("self_check_pass", "dc_head", "APPLIED", "IN_REVIEW"),
        ("accept", "office", "IN_REVIEW", "PUBLICIZING"),
        ("close", "office", "PUBLICIZING", "CLOSED"),
    ]
    world.task.refresh_from_db()
    assert world.task.version == 6
    assert world.task.progress_pct == 100
    assert world.task.closed_at is not None


def test_approved_extension_moves_deadline_and_keeps_the_original(world, flow):
    # given a task due 2020-06-30 with a pending extension to 2020-09-30
    flow.to(world.task, "IN_PROGRESS")
    ext = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2020, 9, 30), reason="疫情"
    )
    # when the office approves it
    services.extension_decide(extension=ext, actor=world.office, approve=True)
    # then the working deadline changes, the original stays, and the task counts as extended
    world.task.refresh_from_db()
    ext.refresh_from_db()
    assert world.task.deadline == date(2020, 9, 30)
    assert world.task.original_deadline == date(2020, 6, 30)
    assert world.task.is_extended
    assert ext.status == "APPROVED" and ext.previous_deadline == date(2020, 6, 30)
    # and a second extension keeps the first original deadline
    ext2 = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2020, 12, 31), reason="再延"
    )
    services.extension_decide(extension=ext2, actor=world.office, approve=True)
    world.task.refresh_from_db()
    assert world.task.deadline == date(2020, 12, 31)
    assert world.task.original_deadline == date(2020, 6, 30)


def test_rejected_extension_keeps_the_deadline(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    ext = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2020, 9, 30), reason="疫情"
    )
    services.extension_decide(extension=ext, actor=world.office, approve=False, note="理由不足")
    world.task.refresh_from_db()
    assert world.task.deadline == date(2020, 6, 30)
    assert not world.task.is_extended


def test_reopen_links_the_check_to_the_approved_closeout_and_counts(world, flow, before_after):
    # given a closed task
    first = flow.to(world.task, "CLOSED")
    # when a look-back finds a rebound
    check = services.task_record_lookback(
        task=world.task,
        actor=world.office,
        check_date=date(2020, 2, 15),
        method="UNANNOUNCED",
        result="REBOUND",
        findings="夜间偷排",
        new_deadline=date(2020, 3, 31),
    )
    # then the check points at the approved application, and the task works again
    assert check.closeout == first and first.status == CloseoutStatus.APPROVED
    assert check.reopened
    world.task.refresh_from_db()
    assert world.task.status == TaskStatus.IN_PROGRESS
    assert world.task.reopen_count == 1
    assert world.task.closed_at is None
    assert (world.task.start_date, world.task.deadline) == (date(2020, 2, 15), date(2020, 3, 31))
    assert world.task.progress_pct == 0
    event = Event.objects.filter(task=world.task).order_by("-id").first()
    assert (event.verb, event.from_status, event.to_status) == ("reopen", "CLOSED", "IN_PROGRESS")
    assert event.target == check
    # and the lead unit is told
    assert world.reporter.notifications.filter(kind="reopened").exists()

    # when it is closed again and rebounds again
    second = services.task_apply_closeout(
        task=world.task,
        actor=world.reporter,
        summary="再次整改完成",
        checklist=dict.fromkeys(services.CLOSEOUT_CHECKLIST, True),
        files=before_after()[1:],  # after a rebound only a new 整改后 photo counts
    )
    services.closeout_self_check(
        application=second, actor=world.unit_head, passed=True, opinion="合格"
    )
    services.closeout_accept(
        application=second,
        actor=world.office,
        opinion="合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 21),
        contact_phone="0999-12369",
    )
    # closed after the notice, and looked back at the same day
    with clock.travel(clock.at(date(2020, 2, 24))):
        services.closeout_close(application=second, actor=world.office)
        check2 = services.task_record_lookback(
            task=world.task,
            actor=world.office,
            check_date=date(2020, 2, 24),
            method="ONSITE",
            result="REBOUND",
            findings="又反弹",
            new_deadline=date(2020, 4, 30),
        )
    # then the second check links the latest approval and the count is 2
    assert check2.closeout == second
    world.task.refresh_from_db()
    assert world.task.reopen_count == 2
    assert LookBackCheck.objects.filter(task=world.task).count() == 2


def test_consolidated_lookback_keeps_the_task_closed(world, flow):
    app = flow.to(world.task, "CLOSED")
    check = services.task_record_lookback(
        task=world.task,
        actor=world.office,
        check_date=date(2020, 2, 15),
        method="DRONE",
        result="CONSOLIDATED",
    )
    world.task.refresh_from_db()
    assert world.task.status == TaskStatus.CLOSED and world.task.reopen_count == 0
    assert check.closeout == app and not check.reopened


def test_two_office_users_accepting_at_once_only_one_wins(world, flow):
    # given an application in review and two office users who loaded the same page
    app = flow.to(world.task, "IN_REVIEW")
    second_office = UserFactory(username="office2", role="OFFICE", unit=world.office_unit)
    version = world.task.version

    def accept(actor):
        return services.closeout_accept(
            application=app.pk,
            actor=actor,
            opinion="合格",
            notice_start=date(2020, 2, 15),
            notice_end=date(2020, 2, 21),
            contact_phone="0999-12369",
            expected_version=version,
        )

    # when both submit with the version they loaded
    accept(world.office)
    with assert_db_unchanged(raises=StaleVersion, phrase="请刷新页面后重试"):
        accept(second_office)
    # then exactly one acceptance, one notice and one event exist
    assert Event.objects.filter(task=world.task, verb="accept").count() == 1
    assert PublicNotice.objects.filter(application=app).count() == 1
    assert Event.objects.get(task=world.task, verb="accept").actor == world.office


def test_stale_version_on_same_status_is_refused(world, flow):
    # given two reporters who loaded the in-progress task at the same version
    flow.to(world.task, "IN_PROGRESS")
    version = world.task.version
    services.task_report_progress(
        task=world.task,
        actor=world.reporter,
        progress_text="完成70%",
        progress_pct=70,
        expected_version=version,
    )
    # when the second submits with the old version, then it is refused
    with assert_db_unchanged(raises=StaleVersion, phrase="已被他人修改"):
        services.task_report_progress(
            task=world.task,
            actor=world.coop_reporter,
            progress_text="配合完成",
            progress_pct=40,
            expected_version=version,
        )
    world.task.refresh_from_db()
    assert world.task.progress_pct == 70


def test_returned_notice_records_the_upheld_objection(world, flow):
    # given an application under public notice
    app = flow.to(world.task, "PUBLICIZING")
    # when an objection is upheld
    services.closeout_return(
        application=app, actor=world.office, reason="群众反映仍有异味", objection_upheld=True
    )
    # then the notice says so and the application is returned to the unit
    notice = PublicNotice.objects.get(application=app)
    app.refresh_from_db()
    assert notice.result == "UPHELD" and notice.objection_note == "群众反映仍有异味"
    assert app.status == CloseoutStatus.RETURNED and app.return_reason == "群众反映仍有异味"
    assert world.reporter.notifications.filter(kind="closeout_returned").exists()
