"""The audit vocabulary: every EventVerb is written by a real change, exactly once, and the
event tables and the notifications refuse anything outside their declared vocabulary.

The first test is parametrised over the enum itself: a verb added without a change that
writes it here fails.
"""

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts import clock
from accounts.events import INSPECTION_VERBS, TASK_VERBS, EventVerb
from inspections import petition_lifecycle, petition_services
from inspections import services as inspection_services
from inspections.choices import PetitionChannel, PetitionStatus, RoundStatus
from inspections.models import InspectionEvent
from rectification import lifecycle, services
from rectification.choices import (
    AssignmentRole,
    NotificationKind,
    SupervisionKind,
    SupervisionStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import warning_sweep
from rectification.models import Event, Notification, SupervisionNotice, Task, Warning
from rectification.services import UnitRole
from tests.services.petition_flow import MOVER, call_move, make_petition

DAY = date(2020, 2, 15)


def _notice(w):
    return services.supervision_notice_create(
        actor=w.office,
        kind=SupervisionKind.REMINDER,
        title="关于加快清溪河排口整治的提醒函",
        target_unit=w.dc_gov,
        tasks=[w.task],
    )


def _milestone(w):
    return services.milestone_add(
        task=w.task, actor=w.office, name="完成截污", planned_date=date(2020, 4, 30)
    )


def _lookback(w, result):
    return services.task_record_lookback(
        task=w.task,
        actor=w.office,
        check_date=DAY,
        method="ONSITE",
        result=result,
        findings="现场核查",
        new_deadline=date(2020, 4, 30),
    )


def _two_yellows(w) -> None:
    """world.task yellow today with two different yellow reasons this month."""
    for reason, day in ((WarningReason.BEHIND, date(2020, 2, 3)), (WarningReason.DUE_SOON, DAY)):
        Warning.objects.create(
            task=w.task, unit=w.dc_gov, level=WarningLevel.YELLOW, reason=reason, day=day, auto=True
        )
    Warning.objects.create(
        task=w.task,
        unit=w.dc_gov,
        level=WarningLevel.YELLOW,
        reason=WarningReason.RETURNED,
        day=DAY,
        auto=False,
    )


def _overdue_after_a_sweep(w) -> None:
    """Both tasks coloured by a first sweep; then world.task's deadline passes."""
    warning_sweep.run(DAY)
    Task.objects.filter(pk=w.task.pk).update(
        deadline=date(2020, 1, 31), original_deadline=date(2020, 1, 31)
    )


def _proposed_letter(w) -> SupervisionNotice:
    notice = SupervisionNotice.objects.create(
        kind=SupervisionKind.LETTER,
        title="关于SD-4-1整改工作的督办函（拟）",
        target_unit=w.dc_gov,
        status=SupervisionStatus.PROPOSED,
        auto_key=f"letter:{w.task.pk}:2020-02",
    )
    notice.tasks.set([w.task])
    return notice


def _change(verb: EventVerb, w, flow) -> Callable[[], object]:
    """Bring the world to where the change can be made; return the change itself."""
    office, reporter, head = w.office, w.reporter, w.unit_head
    task = w.task
    match verb:
        case EventVerb.REPORT:
            return lambda: flow.to(task, "IN_PROGRESS")
        case EventVerb.APPLY:
            return lambda: flow.to(task, "APPLIED")
        case EventVerb.SELF_CHECK_PASS:
            return lambda: flow.to(task, "IN_REVIEW")
        case EventVerb.ACCEPT:
            app = flow.to(task, "IN_REVIEW")
            return lambda: services.closeout_accept(
                application=app,
                actor=office,
                opinion="市级验收合格",
                notice_start=DAY,
                notice_end=date(2020, 2, 21),
                contact_phone="0999-12369",
            )
        case EventVerb.NOTICE_OBJECTION:
            app = flow.to(task, "PUBLICIZING")
            return lambda: services.notice_objection_record(
                application=app,
                actor=office,
                channel="LETTER",
                content="排口夜间仍有污水",
                upheld=False,
                handling="现场核查未发现直排",
                received_on=date(2020, 2, 14),
            )
        case EventVerb.CLOSE:
            return lambda: flow.to(task, "CLOSED")
        case EventVerb.SELF_CHECK_RETURN:
            app = flow.to(task, "APPLIED")
            return lambda: services.closeout_self_check(
                application=app, actor=head, passed=False, opinion="佐证材料不全"
            )
        case EventVerb.RETURN:
            app = flow.to(task, "IN_REVIEW")
            return lambda: services.closeout_return(
                application=app, actor=office, reason="现场仍有污水直排"
            )
        case EventVerb.REOPEN:
            flow.to(task, "CLOSED")
            return lambda: _lookback(w, "REBOUND")
        case EventVerb.LOOKBACK:
            flow.to(task, "CLOSED")
            return lambda: _lookback(w, "CONSOLIDATED")
        case EventVerb.REVIEW:
            app = flow.to(task, "IN_REVIEW")
            return lambda: services.closeout_record_review(
                application=app, actor=office, level="CITY", result="PASS", opinion="合格"
            )
        case EventVerb.CREATE:
            return lambda: services.task_create(
                problem=w.problem,
                actor=office,
                code="SD-4-9",
                name="9#排口",
                region=w.dongcheng,
                units=[UnitRole(w.dc_gov, AssignmentRole.LEAD)],
                deadline=date(2020, 12, 31),
            )
        case EventVerb.ASSIGN:
            return lambda: services.task_set_units(
                task=task, actor=office, units=[UnitRole(w.dc_gov, AssignmentRole.LEAD)]
            )
        case EventVerb.EDIT:
            return lambda: services.task_update(task=task, actor=office, name="1#排口（更正）")
        case EventVerb.EVIDENCE:
            return lambda: services.task_add_evidence(
                task=task, actor=reporter, files=flow.before_after()
            )
        case EventVerb.EXTENSION_REQUEST:
            return lambda: services.task_request_extension(
                task=task, actor=reporter, requested_deadline=date(2020, 9, 30), reason="疫情"
            )
        case EventVerb.EXTENSION_APPROVE | EventVerb.EXTENSION_REJECT:
            ext = services.task_request_extension(
                task=task, actor=reporter, requested_deadline=date(2020, 9, 30), reason="疫情"
            )
            approve = verb == EventVerb.EXTENSION_APPROVE
            return lambda: services.extension_decide(
                extension=ext, actor=office, approve=approve, note="理由见附件"
            )
        case EventVerb.EXTENSION_OVERDUE:
            flow.to(task, "IN_PROGRESS")
            Task.objects.filter(pk=task.pk).update(
                deadline=date(2020, 1, 31), original_deadline=date(2020, 1, 31)
            )
            return lambda: services.extension_grant_overdue(
                task=task, actor=office, new_deadline=date(2020, 6, 30), reason="疫情停工"
            )
        case EventVerb.REPORT_AMEND:
            flow.to(task, "IN_PROGRESS")  # reported this month already
            return lambda: services.task_report_progress(
                task=task, actor=reporter, progress_text="补充本月进展", progress_pct=90
            )
        case EventVerb.REPORT_REVIEW | EventVerb.REPORT_RETURN:
            flow.to(task, "IN_PROGRESS")
            report = task.reports.get()
            returned = verb == EventVerb.REPORT_RETURN
            return lambda: services.report_review(
                report=report, actor=office, returned=returned, note="请补充现场照片"
            )
        case EventVerb.RECHECK:
            flow.to(task, "CLOSED")
            Task.objects.filter(pk=task.pk).update(is_ongoing=True)
            return lambda: services.task_report_recheck(
                task=task, actor=reporter, progress_text="长效机制运行正常"
            )
        case EventVerb.MILESTONE_ADD:
            return lambda: _milestone(w)
        case EventVerb.MILESTONE_EDIT:
            ms = _milestone(w)
            return lambda: services.milestone_edit(milestone=ms, actor=office, weight=3)
        case EventVerb.MILESTONE:
            ms = _milestone(w)
            return lambda: services.milestone_complete(milestone=ms, actor=reporter)
        case EventVerb.WARNING:
            _overdue_after_a_sweep(w)
            return lambda: warning_sweep.run(DAY)
        case EventVerb.SUPERVISION_PROPOSE:
            _two_yellows(w)
            return lambda: warning_sweep.run(DAY)
        case EventVerb.SUPERVISION:
            return lambda: _notice(w)
        case EventVerb.SUPERVISION_ISSUE:
            letter = _proposed_letter(w)
            return lambda: services.supervision_notice_issue(
                notice=letter, actor=office, doc_no="示环督办〔2020〕1号"
            )
        case EventVerb.SUPERVISION_REPLY:
            notice = _notice(w)
            return lambda: services.supervision_notice_reply(
                notice=notice, actor=reporter, reply_text="已完成截污"
            )
        case EventVerb.SUPERVISION_DISMISS:
            letter = _proposed_letter(w)
            return lambda: services.supervision_notice_dismiss(
                notice=letter, actor=office, reason="已约谈，不再另发督办函"
            )
        case EventVerb.WARNING_CLEAR:
            warning = services.warning_raise(
                task=task, actor=office, level=WarningLevel.YELLOW, reason=WarningReason.MEDIA
            )
            return lambda: services.warning_clear(
                warning=warning, actor=office, reason="媒体报道已核实整改"
            )
        case EventVerb.REMIND:
            return lambda: services.task_remind(task=task, actor=office, message="请加快进度")
        case EventVerb.SUPERVISION_CLOSE:
            notice = _notice(w)
            services.supervision_notice_reply(notice=notice, actor=reporter, reply_text="已完成")
            return lambda: services.supervision_notice_close(notice=notice, actor=office)
        case EventVerb.ROUND_CREATE:
            return lambda: inspection_services.round_create(
                actor=office,
                code="SD2021",
                name="第三轮省级生态环境保护例行督察",
                kind="PROV_ROUTINE",
                level="PROVINCIAL",
                region=w.city,
            )
        case EventVerb.ROUND_EDIT:
            return lambda: inspection_services.round_update(
                actor=office, round_=w.round, team_name="省第二生态环境保护督察组"
            )
        case EventVerb.ROUND_STATUS:
            return lambda: inspection_services.round_update(
                actor=office, round_=w.round, status=RoundStatus.COMPLETED
            )
        case EventVerb.FEEDBACK_TREE:
            return lambda: inspection_services.category_update(
                actor=office, category=w.category, title="城镇生活污水治理不到位"
            )
        case EventVerb.PROBLEM_CREATE:
            return lambda: inspection_services.problem_create(
                actor=office,
                round_=w.round,
                category=w.category,
                seq=2,
                code="5",
                title="工业园区污水处理厂超标排放",
                deadline=date(2020, 12, 31),
            )
        case EventVerb.PROBLEM_EDIT:
            return lambda: inspection_services.problem_update(
                actor=office, problem=w.problem, deadline=date(2020, 10, 31)
            )
        case EventVerb.PETITION_RECEIVE:
            return lambda: petition_services.petition_receive(
                actor=office,
                round_=w.round,
                accept_no="SD2019-XF-099",
                batch_no=3,
                channel=PetitionChannel.LETTER,
                region=w.dongcheng,
                content="洗车场污水排入雨水管",
                received_at=date(2020, 2, 10),
            )
        case EventVerb.PETITION_OVERDUE:
            make_petition(w, PetitionStatus.HANDLING, due_date=date(2020, 2, 10))
            return lambda: petition_services.petition_overdue_sweep(DAY)
        # Withdrawal (撤销) and restoring of official records (services.withdraw)
        case EventVerb.WITHDRAW:
            return lambda: services.task_withdraw(task=w.task, actor=office, reason="误录")
        case EventVerb.RESTORE:
            services.task_withdraw(task=w.task, actor=office, reason="误录")
            return lambda: services.task_restore(task=w.task, actor=office)
        case EventVerb.EVIDENCE_WITHDRAW | EventVerb.EVIDENCE_RESTORE:
            (attachment,) = services.task_add_evidence(
                task=w.task, actor=w.reporter, files=flow.before_after()[:1]
            )
            if verb == EventVerb.EVIDENCE_WITHDRAW:
                return lambda: services.attachment_withdraw(
                    attachment=attachment, actor=office, reason="传错"
                )
            services.attachment_withdraw(attachment=attachment, actor=office, reason="传错")
            return lambda: services.attachment_restore(attachment=attachment, actor=office)
        case EventVerb.PETITION_WITHDRAW:
            petition = make_petition(w, PetitionStatus.HANDLING)
            return lambda: services.petition_withdraw(
                petition=petition, actor=office, reason="重复"
            )
        case EventVerb.PETITION_RESTORE:
            petition = make_petition(w, PetitionStatus.HANDLING)
            services.petition_withdraw(petition=petition, actor=office, reason="重复")
            return lambda: services.petition_restore(petition=petition, actor=office)
        case EventVerb.PETITION_EVIDENCE_WITHDRAW | EventVerb.PETITION_EVIDENCE_RESTORE:
            petition = make_petition(w, PetitionStatus.HANDLING)
            (attachment,) = services.petition_add_evidence(
                actor=office, petition=petition, files=[flow.before_after()[0].file]
            )
            if verb == EventVerb.PETITION_EVIDENCE_WITHDRAW:
                return lambda: services.petition_attachment_withdraw(
                    attachment=attachment, actor=office, reason="传错"
                )
            services.petition_attachment_withdraw(
                attachment=attachment, actor=office, reason="传错"
            )
            return lambda: services.petition_attachment_restore(attachment=attachment, actor=office)
        case EventVerb.ROUND_WITHDRAW:
            return lambda: services.round_withdraw(round_=w.round, actor=office, reason="重复")
        case EventVerb.ROUND_RESTORE:
            services.round_withdraw(round_=w.round, actor=office, reason="重复")
            return lambda: services.round_restore(round_=w.round, actor=office)
        case EventVerb.PROBLEM_WITHDRAW:
            return lambda: services.problem_withdraw(problem=w.problem, actor=office, reason="重复")
        case EventVerb.PROBLEM_RESTORE:
            services.problem_withdraw(problem=w.problem, actor=office, reason="重复")
            return lambda: services.problem_restore(problem=w.problem, actor=office)
        case EventVerb.UNIT_ALIAS:
            return lambda: inspection_services.unit_alias_add(
                actor=office, unit=w.housing, alias="市建设局"
            )
        case EventVerb.UNIT_CREATE:
            return lambda: inspection_services.unit_create(
                actor=office, name="示范市应急管理局", kind="DEPT", region=w.city
            )
    if verb in petition_lifecycle.MOVES:
        move = petition_lifecycle.MOVES[verb]
        petition = make_petition(w, sorted(move.sources)[0], reported_by=office)
        actor = getattr(w, MOVER.get(verb, "office"))
        return lambda: call_move(w, verb, petition, actor)
    raise AssertionError(f"no change writes {verb!r}: add one here")


def _counts(verb: EventVerb) -> int:
    table = InspectionEvent if verb in INSPECTION_VERBS else Event
    return table.objects.filter(verb=verb).count()


@pytest.mark.parametrize("verb", list(EventVerb), ids=lambda v: v.value)
def test_each_kind_of_change_writes_exactly_one_event_of_its_verb(world, flow, verb):
    # given the world brought to where the change can be made
    change = _change(verb, world, flow)
    before = _counts(verb)

    # when the change is made
    with clock.travel(clock.at(DAY, 10, 30)):
        change()

    # then exactly one event of that verb was written, stamped by the clock
    assert _counts(verb) == before + 1
    table = InspectionEvent if verb in INSPECTION_VERBS else Event
    event = table.objects.filter(verb=verb).order_by("-id").first()
    assert timezone.localtime(event.created_at).date() == DAY
    assert event.get_verb_display() == verb.label


def test_the_two_tables_share_the_vocabulary_without_overlap():
    assert set(TASK_VERBS) | set(INSPECTION_VERBS) == set(EventVerb.values)
    assert not set(TASK_VERBS) & set(INSPECTION_VERBS)


def test_lifecycle_moves_are_verbs_with_the_same_label():
    for move in lifecycle.MOVES.values():
        if move.target is not None:
            # a status move is written as an event of its own verb
            assert move.verb in EventVerb.values
        if move.verb in EventVerb.values:
            assert move.label == EventVerb(move.verb).label


def _task_event(world, verb: str):
    return Event(
        task=world.task,
        target_type=ContentType.objects.get_for_model(Task),
        target_id=world.task.pk,
        verb=verb,
        created_at=clock.now(),
    )


@pytest.mark.parametrize("verb", ["made_up", EventVerb.ROUND_STATUS.value])
def test_task_event_table_refuses_a_verb_outside_its_vocabulary(world, verb):
    with pytest.raises(IntegrityError), transaction.atomic():
        _task_event(world, verb).save()
    assert not Event.objects.filter(verb=verb).exists()


@pytest.mark.parametrize("verb", ["made_up", EventVerb.CLOSE.value])
def test_inspection_event_table_refuses_a_verb_outside_its_vocabulary(world, verb):
    with pytest.raises(IntegrityError), transaction.atomic():
        InspectionEvent.objects.create(
            target_type=ContentType.objects.get_for_model(world.round),
            target_id=world.round.pk,
            verb=verb,
            created_at=clock.now(),
        )
    assert not InspectionEvent.objects.filter(verb=verb).exists()


def test_notification_refuses_an_undeclared_kind(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.create(
            recipient=world.reporter, kind="made_up", title="测试", unique_key="made-up"
        )
    assert not Notification.objects.filter(kind="made_up").exists()


def test_the_services_refuse_an_undeclared_kind_before_writing(world):
    with pytest.raises(ValueError):
        services.notify(recipients=[world.reporter], kind="made_up", title="测试", key="x")
    assert not Notification.objects.exists()
    assert NotificationKind.REPORT_CHASE in NotificationKind.values


def test_an_edit_event_names_each_changed_field_with_its_old_and_new_value(world):
    # given a problem due at the end of 2020
    office = world.office
    inspection_services.problem_update(
        actor=office, problem=world.problem, deadline=date(2020, 12, 31)
    )
    before = InspectionEvent.objects.filter(verb=EventVerb.PROBLEM_EDIT).count()
    # when the office moves the deadline and leaves the title as it is
    with clock.travel(clock.at(DAY, 11)):
        inspection_services.problem_update(
            actor=office,
            problem=world.problem,
            deadline=date(2020, 10, 31),
            title=world.problem.title,
        )
        # and saves the same values again
        inspection_services.problem_update(
            actor=office, problem=world.problem, deadline=date(2020, 10, 31)
        )
    # then one event names the deadline with both values, and the no-op wrote nothing
    events = InspectionEvent.objects.filter(verb=EventVerb.PROBLEM_EDIT).order_by("id")
    assert events.count() == before + 1
    note = events.last().note
    assert "2020-12-31 → 2020-10-31" in note
    assert "具体问题" not in note
