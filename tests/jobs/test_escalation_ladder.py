"""The escalation ladder (issue #11, item 7; docs/domain.md §1.4, [S12]): two yellow cards in a
calendar month propose a 专函督办, a red card proposes a 约谈 for the leader in charge, a failed
acceptance is a yellow card, the office raises and clears manual warnings with a reason, and
every proposal is a row the office issues or dismisses. Through the services, the pages and
the API; each test failed on the code before the ladder."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from accounts import clock
from rectification import services
from rectification.choices import (
    ScheduleStatus,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.jobs import warning_sweep
from rectification.models import CloseoutApplication, Event, Notification, SupervisionNotice, Task
from rectification.models import Warning as WarningRow
from rectification.services import CLOSEOUT_CHECKLIST
from tests.jobs.conftest import put


def _letters(task):
    return SupervisionNotice.objects.filter(tasks=task, kind=SupervisionKind.LETTER)


def _interviews(task):
    return SupervisionNotice.objects.filter(tasks=task, kind=SupervisionKind.INTERVIEW)


def _api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


# ---------------------------------------------------------------------------------------------
# Two yellow cards → a proposed 专函督办


def test_the_same_yellow_reason_twice_in_a_month_is_two_cards_and_proposes_a_letter(jobs_world):
    w = jobs_world
    put(w.other_task, status=TaskStatus.IN_PROGRESS, progress_pct=70)  # on schedule all along
    # given a task behind schedule on 2 February (a yellow card)
    put(w.task, status=TaskStatus.IN_PROGRESS, progress_pct=20)
    warning_sweep.run(date(2020, 2, 3))
    # that caught up the next day (blue)
    put(w.task, progress_pct=70)
    warning_sweep.run(date(2020, 2, 4))
    assert not _letters(w.task).exists()
    # when it falls behind again on 10 February (a second card, same reason)
    put(w.task, progress_pct=20)
    run = warning_sweep.run(date(2020, 2, 10))
    # then a 专函督办 is proposed to its lead unit, once
    letter = _letters(w.task).get()
    assert (letter.status, letter.target_unit, run.letters) == (
        SupervisionStatus.PROPOSED,
        w.dc_gov,
        1,
    )
    assert "两次被亮黄牌" in letter.content and "专函督办" in letter.content
    warning_sweep.run(date(2020, 2, 11))
    assert _letters(w.task).count() == 1


def test_one_yellow_reason_held_for_days_is_one_card_and_proposes_nothing(jobs_world):
    w = jobs_world
    put(w.task, status=TaskStatus.IN_PROGRESS, progress_pct=20)
    for day in (3, 4, 5, 6):
        warning_sweep.run(date(2020, 2, day))
    assert colour(w.task) == WarningLevel.YELLOW
    assert not _letters(w.task).exists()


def colour(task):
    return Task.objects.get(pk=task.pk).warning_level


# ---------------------------------------------------------------------------------------------
# A red card → a proposed 约谈 for the leader in charge


def test_a_red_card_proposes_an_interview_for_the_leader_in_charge_once_a_month(jobs_world):
    w = jobs_world
    # given a task overdue since 31 January, whose leader in charge is 赵副市长
    put(w.task, status=TaskStatus.IN_PROGRESS, progress_pct=60, deadline=date(2020, 1, 31))
    # when the sweep runs twice in February and once in March
    first = warning_sweep.run(date(2020, 2, 15))
    warning_sweep.run(date(2020, 2, 16))
    # then one 约谈 is proposed for February, to the lead unit, naming the leader
    interview = _interviews(w.task).get()
    assert first.interviews == 1
    assert (interview.status, interview.target_unit, interview.leader) == (
        SupervisionStatus.PROPOSED,
        w.dc_gov,
        w.vice_mayor,
    )
    assert interview.auto_key == f"interview:{w.task.pk}:2020-02"
    assert "约谈" in interview.title and "亮红灯" in interview.content
    assert Notification.objects.filter(kind="interview_proposed", recipient=w.office).exists()
    assert Event.objects.filter(
        task=w.task, verb="supervision_propose", target_id=interview.pk
    ).exists()
    # and units do not see a proposal
    assert not SupervisionNotice.objects.visible_to(w.reporter).filter(pk=interview.pk).exists()
    warning_sweep.run(date(2020, 3, 2))
    assert _interviews(w.task).count() == 2


def test_an_interview_falls_back_to_the_problems_leader(jobs_world):
    w = jobs_world
    w.problem.leader = w.vice_mayor
    w.problem.save(update_fields=["leader"])
    put(w.task, status=TaskStatus.IN_PROGRESS, deadline=date(2020, 1, 31), leader=None)
    warning_sweep.run(date(2020, 2, 15))
    assert _interviews(w.task).get().leader == w.vice_mayor


# ---------------------------------------------------------------------------------------------
# A failed acceptance → a yellow card


def _in_review(w, before_after) -> CloseoutApplication:
    services.task_report_progress(
        task=w.task, actor=w.reporter, progress_text="完工", progress_pct=100
    )
    app = services.task_apply_closeout(
        task=w.task,
        actor=w.reporter,
        summary="已完成",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )
    services.closeout_self_check(application=app, actor=w.unit_head, passed=True, opinion="合格")
    return app


def test_a_failed_acceptance_through_the_api_is_a_yellow_card(jobs_world, before_after):
    w = jobs_world
    app = _in_review(w, before_after)
    # when the office returns the application through the API
    response = _api(w.office).post(
        f"/api/v1/closeouts/{app.pk}/return/", {"reason": "仅完成主体工程"}, format="json"
    )
    assert response.status_code == 200, response.content
    # then the task has the office's yellow card (验收退回), and is yellow at once
    card = WarningRow.objects.get(task=w.task, auto=False)
    assert (card.level, card.reason, card.issued_by, card.resolved_at) == (
        WarningLevel.YELLOW,
        "RETURNED",
        w.office,
        None,
    )
    assert colour(w.task) == WarningLevel.YELLOW
    # and the next night's sweep keeps it, and counts it as a card
    warning_sweep.run(clock.today())
    assert colour(w.task) == WarningLevel.YELLOW


def test_a_failed_acceptance_through_the_page_is_a_yellow_card(jobs_world, before_after, client):
    w = jobs_world
    app = _in_review(w, before_after)
    client.force_login(w.office)
    task = Task.objects.get(pk=w.task.pk)
    response = client.post(
        f"/closeouts/{app.pk}/return/", {"version": task.version, "reason": "辅助设施未完成"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert WarningRow.objects.filter(task=w.task, auto=False, reason="RETURNED").count() == 1
    page = client.get(f"/tasks/{w.task.pk}/").content.decode()
    assert "黄牌" in page


# ---------------------------------------------------------------------------------------------
# Manual warnings raised and cleared by the office, with a reason


def test_the_office_raises_and_clears_a_manual_warning_on_its_page(jobs_world, client):
    w = jobs_world
    put(w.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    client.force_login(w.office)
    # given the task page offers the office its warnings page
    page = client.get(f"/tasks/{w.task.pk}/").content.decode()
    assert f"/tasks/{w.task.pk}/warnings/" in page
    # when the office raises 媒体曝光 there
    response = client.post(
        f"/tasks/{w.task.pk}/warnings/",
        {"level": "YELLOW", "reason": "MEDIA", "note": "媒体报道排口污水直排"},
    )
    assert response.status_code == 302
    # then the task is red at once (媒体曝光 is red whatever the level asked)
    assert colour(w.task) == WarningLevel.RED
    warning = WarningRow.objects.get(task=w.task, auto=False)
    # when it clears it without a reason
    response = client.post(f"/warnings/{warning.pk}/clear/", {"reason": " "}, follow=True)
    # then it is refused, with the rule named, and nothing changes
    assert "请填写解除理由" in response.content.decode()
    assert WarningRow.objects.get(pk=warning.pk).resolved_at is None
    assert colour(w.task) == WarningLevel.RED
    # when it clears it with a reason
    page = client.get(f"/tasks/{w.task.pk}/warnings/").content.decode()
    assert f"/warnings/{warning.pk}/clear/" in page
    response = client.post(f"/warnings/{warning.pk}/clear/", {"reason": "经核实已整改到位"})
    assert response.status_code == 302
    # then the warning is cleared by the office, the task blue again, an event on its timeline
    warning.refresh_from_db()
    assert (warning.resolved_by, warning.resolve_note) == (w.office, "经核实已整改到位")
    assert colour(w.task) == WarningLevel.BLUE
    event = Event.objects.get(task=w.task, verb="warning_clear")
    assert (event.actor, event.from_status, event.to_status) == (w.office, "YELLOW", "BLUE")
    # and the nightly sweep respects it
    warning_sweep.run(clock.today())
    assert colour(w.task) == WarningLevel.BLUE
    assert not WarningRow.objects.filter(task=w.task, reason="MEDIA", auto=True).exists()


def test_a_unit_may_neither_raise_nor_clear_a_warning(jobs_world, client):
    w = jobs_world
    warning = services.warning_raise(
        task=w.task, actor=w.office, level=WarningLevel.RED, reason="UPPER_CRITICISM"
    )
    client.force_login(w.reporter)
    assert client.get(f"/tasks/{w.task.pk}/warnings/").status_code == 403
    assert client.post(f"/warnings/{warning.pk}/clear/", {"reason": "x"}).status_code == 403
    response = _api(w.reporter).post(
        f"/api/v1/warnings/{warning.pk}/clear/", {"reason": "已整改"}, format="json"
    )
    assert response.status_code == 403
    assert "环督办" in response.json()["detail"]
    assert WarningRow.objects.get(pk=warning.pk).resolved_at is None


def test_the_office_raises_and_clears_a_warning_through_the_api(jobs_world):
    w = jobs_world
    put(w.task, status=TaskStatus.IN_PROGRESS, progress_pct=60)
    api = _api(w.office)
    response = api.post(
        f"/api/v1/tasks/{w.task.pk}/warning/",
        {"level": "RED", "reason": "COMPLAINTS", "note": "群众反复投诉油烟"},
        format="json",
    )
    assert response.status_code == 201, response.content
    warning_id = response.json()["id"]
    assert colour(w.task) == WarningLevel.RED
    # a clear without a reason is refused, naming the rule
    response = api.post(f"/api/v1/warnings/{warning_id}/clear/", {"reason": ""}, format="json")
    assert response.status_code == 400 and "解除理由" in response.json()["detail"]
    response = api.post(
        f"/api/v1/warnings/{warning_id}/clear/", {"reason": "回访群众满意"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["resolve_note"] == "回访群众满意"
    assert colour(w.task) == WarningLevel.BLUE
    # an auto row cannot be cleared by hand
    warning_sweep.run(clock.today())
    put(w.task, progress_pct=10)
    warning_sweep.run(date(2020, 2, 16))
    auto = WarningRow.objects.filter(task=w.task, auto=True).first()
    response = api.post(f"/api/v1/warnings/{auto.pk}/clear/", {"reason": "x"}, format="json")
    assert response.status_code == 409


def test_closing_a_task_ends_its_manual_warnings(jobs_world, before_after):
    w = jobs_world
    app = _in_review(w, before_after)
    services.warning_raise(
        task=w.task, actor=w.office, level=WarningLevel.YELLOW, reason="COMPLAINTS"
    )
    services.closeout_accept(
        application=app,
        actor=w.office,
        opinion="合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 25),
        contact_phone="0000-12345678",
    )
    with clock.travel(date(2020, 2, 27)):
        services.closeout_close(application=app, actor=w.office)
    assert not WarningRow.objects.filter(task=w.task, auto=False, resolved_at=None).exists()
    assert Task.objects.get(pk=w.task.pk).schedule_status == ScheduleStatus.NA


# ---------------------------------------------------------------------------------------------
# Every proposal is a row the office issues or dismisses


def _proposed(w) -> SupervisionNotice:
    put(w.task, status=TaskStatus.IN_PROGRESS, deadline=date(2020, 1, 31))
    warning_sweep.run(date(2020, 2, 15))
    return _interviews(w.task).get()


def test_the_office_dismisses_a_proposal_on_the_supervision_page(jobs_world, client):
    w = jobs_world
    proposal = _proposed(w)
    client.force_login(w.office)
    page = client.get("/supervision/").content.decode()
    assert f"/supervision/{proposal.pk}/dismiss/" in page and "不予签发" in page
    # without a reason: refused, nothing changes
    response = client.post(f"/supervision/{proposal.pk}/dismiss/", {"reason": ""}, follow=True)
    assert "请填写不予签发的理由" in response.content.decode()
    assert SupervisionNotice.objects.get(pk=proposal.pk).status == SupervisionStatus.PROPOSED
    # with one: dismissed, an event, and the sweep proposes nothing more this month
    client.post(f"/supervision/{proposal.pk}/dismiss/", {"reason": "已于2月10日约谈"})
    proposal.refresh_from_db()
    assert (proposal.status, proposal.dismissed_reason) == (
        SupervisionStatus.DISMISSED,
        "已于2月10日约谈",
    )
    assert Event.objects.filter(task=w.task, verb="supervision_dismiss", actor=w.office).exists()
    warning_sweep.run(date(2020, 2, 16))
    assert _interviews(w.task).count() == 1
    # and a dismissed proposal can no longer be issued
    response = client.post(
        f"/supervision/{proposal.pk}/issue/",
        {"doc_no": "示环督办〔2020〕9号", "issued_on": "2020-02-15"},
    )
    assert response.status_code == 409


def test_the_office_issues_or_dismisses_a_proposal_through_the_api(jobs_world):
    w = jobs_world
    proposal = _proposed(w)
    api = _api(w.office)
    response = api.post(f"/api/v1/supervision-notices/{proposal.pk}/dismiss/", {}, format="json")
    assert response.status_code == 400
    response = api.post(
        f"/api/v1/supervision-notices/{proposal.pk}/issue/",
        {"doc_no": "示环督办约〔2020〕1号"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == SupervisionStatus.ISSUED
    assert response.json()["leader"] == w.vice_mayor.pk
    response = api.post(
        f"/api/v1/supervision-notices/{proposal.pk}/dismiss/", {"reason": "重复"}, format="json"
    )
    assert response.status_code == 409
    assert "只有拟发的督办可以不予签发" in response.json()["detail"]
    # a unit may not
    reporter = _api(w.reporter)
    response = reporter.post(
        f"/api/v1/supervision-notices/{proposal.pk}/dismiss/", {"reason": "x"}, format="json"
    )
    assert response.status_code in (403, 404)


# ---------------------------------------------------------------------------------------------
# The 预警 list shows what stands today


@pytest.mark.parametrize("closed", [True, False])
def test_the_warning_list_shows_no_closed_task_and_no_stale_colour(jobs_world, client, closed):
    w = jobs_world
    put(w.task, status=TaskStatus.IN_PROGRESS, progress_pct=10)
    warning_sweep.run(date(2020, 2, 15))
    assert WarningRow.objects.filter(task=w.task, reason="BEHIND").exists()
    if closed:
        put(w.task, status=TaskStatus.CLOSED, closed_at=clock.now())
    else:
        services.task_report_progress(
            task=w.task, actor=w.reporter, progress_text="完工", progress_pct=100
        )
    client.force_login(w.office)
    page = client.get("/warnings/").content.decode()
    assert w.task.code not in page
