"""The browser workflow's last gaps: 完成节点, 上传佐证材料, 登记验收意见, 督办事项 (reply,
签发, 办结), and the rule that a reopened task needs new 整改后 evidence before 申请销号."""

from datetime import date

import pytest
from django.urls import reverse

from accounts import clock
from accounts.errors import InvalidInput
from rectification import services
from rectification.choices import (
    CloseoutStatus,
    ReviewLevel,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
)
from rectification.models import (
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Milestone,
    Notification,
    SupervisionNotice,
    Task,
)
from rectification.services import CLOSEOUT_CHECKLIST, EvidenceFile
from tests.factories import TaskFactory, provincial_document

PERSONAS = ["reporter", "unit_head", "coop_reporter", "outsider", "office", "leader"]
OFFICE_ONLY = [403, 403, 403, 403, 200, 403]


def _statuses(world, login, url, method="get", data=None):
    got = []
    for persona in PERSONAS:
        client = login(getattr(world, persona))
        response = getattr(client, method)(url, data or {})
        got.append(response.status_code)
    return got


# ---------------------------------------------------------------------------------------------
# Lifecycle steps through the real services


def _report(world, task=None):
    services.task_report_progress(
        task=task or world.task, actor=world.reporter, progress_text="管网铺设过半", progress_pct=60
    )


def _apply(world, files):
    return services.task_apply_closeout(
        task=world.task,
        actor=world.reporter,
        summary="排口已封堵，污水接入市政管网",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=files,
    )


def _in_review(world, before_after) -> CloseoutApplication:
    _report(world)
    app = _apply(world, before_after())
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="县级自验合格"
    )
    return app


def _publicizing(world, before_after) -> CloseoutApplication:
    app = _in_review(world, before_after)
    with clock.travel(clock.at(date(2020, 2, 8), 10)):  # accepted on the notice's first day
        services.closeout_accept(
            application=app,
            actor=world.office,
            opinion="市级验收合格",
            notice_start=date(2020, 2, 8),
            notice_end=date(2020, 2, 14),
            contact_phone="0999-12369",
        )
    return app


def _reopened(world, before_after) -> Task:
    """Closed with before/after photos, then a 回头看 finds a rebound and reopens it."""
    app = _publicizing(world, before_after)
    services.closeout_close(application=app, actor=world.office, doc_no="示环督办销〔2020〕1号")
    services.task_record_lookback(
        task=world.task,
        actor=world.office,
        check_date=date(2020, 2, 15),
        method="UNANNOUNCED",
        result="REBOUND",
        findings="夜间排口又有污水流出",
        new_deadline=date(2020, 3, 31),
    )
    return Task.objects.get(pk=world.task.pk)


def _task_page(client, task) -> str:
    return client.get(reverse("task_detail", args=[task.pk])).content.decode()


# ---------------------------------------------------------------------------------------------
# 完成节点


@pytest.fixture
def milestone(world):
    return Milestone.objects.create(
        task=world.task, seq=1, name="截污管网完工", planned_date=date(2020, 3, 31)
    )


def test_complete_button_shows_for_the_responsible_unit_and_the_office(world, login, milestone):
    shown = {
        persona: 'data-testid="milestone-complete"'
        in _task_page(login(getattr(world, persona)), world.task)
        for persona in ["reporter", "unit_head", "coop_reporter", "office", "leader"]
    }
    assert shown == {
        "reporter": True,
        "unit_head": True,
        "coop_reporter": False,  # cooperating units report, they do not sign off stages
        "office": True,
        "leader": False,
    }


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("reporter", 302),
        ("unit_head", 302),
        ("coop_reporter", 403),
        ("outsider", 404),
        ("office", 302),
        ("leader", 403),
    ],
)
def test_milestone_complete_by_persona(world, login, milestone, persona, expected):
    # given an open stage of the 东城区 task
    version = Task.objects.get(pk=world.task.pk).version
    # when the persona presses 完成节点
    response = login(getattr(world, persona)).post(
        reverse("milestone_complete", args=[milestone.pk])
    )
    # then only the responsible unit and the office get it done, today, with an event
    assert response.status_code == expected
    milestone.refresh_from_db()
    task = Task.objects.get(pk=world.task.pk)
    if expected == 302:
        assert response["Location"] == reverse("task_detail", args=[world.task.pk])
        assert milestone.done_date == date(2020, 2, 15)
        assert task.version == version + 1
        event = Event.objects.get(task=world.task, verb="milestone")
        assert event.actor == getattr(world, persona)
        assert "截污管网完工" in event.note
    else:
        assert milestone.done_date is None
        assert task.version == version
        assert not Event.objects.filter(task=world.task, verb="milestone").exists()


def test_completing_a_done_milestone_is_refused_and_changes_nothing(world, login, milestone):
    # given a stage already done on 2020-02-10
    Milestone.objects.filter(pk=milestone.pk).update(done_date=date(2020, 2, 10))
    version = Task.objects.get(pk=world.task.pk).version
    client = login(world.reporter)
    # when it is pressed again
    response = client.post(reverse("milestone_complete", args=[milestone.pk]), follow=True)
    # then the page says so and nothing moved
    assert "该节点已完成" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.done_date == date(2020, 2, 10)
    assert Task.objects.get(pk=world.task.pk).version == version
    assert not Event.objects.filter(verb="milestone").exists()
    # and the done stage has no button any more
    assert 'data-testid="milestone-complete"' not in response.content.decode()


def test_milestone_complete_is_post_only(world, login, milestone):
    assert (
        login(world.reporter).get(reverse("milestone_complete", args=[milestone.pk])).status_code
        == 405
    )


# ---------------------------------------------------------------------------------------------
# 上传佐证材料


def test_evidence_page_by_persona(world, login):
    url = reverse("task_evidence", args=[world.task.pk])
    assert _statuses(world, login, url) == [200, 200, 200, 404, 200, 403]


def test_upload_form_sits_on_the_task_page_for_assigned_units_and_office(world, login):
    form = 'data-testid="evidence-upload"'
    assert form in _task_page(login(world.reporter), world.task)
    assert form in _task_page(login(world.coop_reporter), world.task)
    assert form in _task_page(login(world.office), world.task)
    assert form not in _task_page(login(world.leader), world.task)


def test_reporter_uploads_several_after_photos_from_the_task_page(world, login, png_file):
    # given the task page's upload form
    client = login(world.reporter)
    task = Task.objects.get(pk=world.task.pk)
    # when two 整改后 photos are sent with the kind chosen
    response = client.post(
        reverse("task_evidence", args=[task.pk]),
        {
            "version": task.version,
            "kind": "AFTER",
            "files": [png_file("after-1.png"), png_file("after-2.png", (0, 0, 200))],
        },
    )
    # then both are stored under that kind, with an event, and the gallery shows them
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[task.pk])
    saved = Attachment.objects.filter(task=task).order_by("id")
    assert [(a.kind, a.original_name, a.uploaded_by_id) for a in saved] == [
        ("AFTER", "after-1.png", world.reporter.pk),
        ("AFTER", "after-2.png", world.reporter.pk),
    ]
    assert Event.objects.filter(task=task, verb="evidence", actor=world.reporter).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "已上传 2 份佐证材料" in page
    assert page.count('class="evidence-thumb"') == 2


def test_office_uploads_a_monitoring_report(world, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile(
        "监测报告.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
    )
    task = Task.objects.get(pk=world.task.pk)
    response = login(world.office).post(
        reverse("task_evidence", args=[task.pk]),
        {"version": task.version, "kind": "MONITORING", "files": [pdf]},
    )
    assert response.status_code == 302
    assert Attachment.objects.get(task=task).kind == "MONITORING"


def test_stale_upload_is_refused_and_saves_nothing(world, login, png_file):
    # given a form rendered at version 1, then a report bumps the version
    stale = Task.objects.get(pk=world.task.pk).version
    _report(world)
    _report(world)
    # when the old form is posted
    response = login(world.reporter).post(
        reverse("task_evidence", args=[world.task.pk]),
        {"version": stale, "kind": "AFTER", "files": [png_file()]},
    )
    # then it is refused with the refresh message and no file is kept
    assert response.status_code == 409
    assert "该任务已被他人修改，请刷新页面后重试" in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_without_files_is_refused(world, login):
    task = Task.objects.get(pk=world.task.pk)
    response = login(world.reporter).post(
        reverse("task_evidence", args=[task.pk]), {"version": task.version, "kind": "AFTER"}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()
    assert not Event.objects.filter(verb="evidence").exists()


def test_closed_task_takes_no_more_evidence(world, login, png_file, before_after):
    # given a closed task
    app = _publicizing(world, before_after)
    services.closeout_close(application=app, actor=world.office)
    task = Task.objects.get(pk=world.task.pk)
    before = Attachment.objects.count()
    client = login(world.reporter)
    # then the task page offers no upload, and a post is refused
    assert 'data-testid="evidence-upload"' not in _task_page(client, task)
    response = client.post(
        reverse("task_evidence", args=[task.pk]),
        {"version": task.version, "kind": "AFTER", "files": [png_file()]},
    )
    assert response.status_code == 409
    assert "任务已销号，不能再补充材料" in response.content.decode()
    assert Attachment.objects.count() == before


def test_outsider_and_leader_cannot_post_evidence(world, login, png_file):
    task = Task.objects.get(pk=world.task.pk)
    url = reverse("task_evidence", args=[task.pk])
    data = {"version": task.version, "kind": "AFTER"}
    assert login(world.outsider).post(url, {**data, "files": [png_file()]}).status_code == 404
    assert login(world.leader).post(url, {**data, "files": [png_file()]}).status_code == 403
    assert not Attachment.objects.exists()


# ---------------------------------------------------------------------------------------------
# 登记验收意见 (a review made elsewhere)


def _review_data(**extra):
    data = {
        "level": "PROVINCIAL",
        "result": "PASS",
        "method": "ONSITE",
        "actual_date": "2020-02-12",
        "reviewers": "省督察办 赵某、钱某",
        "opinion": "省级现场核查，整改到位",
        # the city office records it on receipt of the province's document
        **provincial_document(on=date(2020, 2, 12)),
    }
    data.update(extra)
    return data


def test_review_page_is_office_only(world, login, before_after):
    app = _in_review(world, before_after)
    assert _statuses(world, login, reverse("closeout_review", args=[app.pk])) == OFFICE_ONLY


def test_review_link_on_queue_and_task_page(world, login, before_after):
    app = _in_review(world, before_after)
    office = login(world.office)
    link = reverse("closeout_review", args=[app.pk])
    assert link in office.get(reverse("review_queue")).content.decode()
    assert link in _task_page(office, world.task)
    assert link not in _task_page(login(world.reporter), world.task)


def _accept_data(task, **extra):
    # A notice that starts after the acceptance day and spans a full working week.
    data = {
        "version": task.version,
        "opinion": "市级验收合格",
        "level": "CITY",
        "notice_start": "2020-02-17",
        "notice_end": "2020-02-23",
        "contact_phone": "0999-12369",
    }
    data.update(extra)
    return data


def test_provincial_review_recorded_on_the_page_lets_the_task_reach_notice(
    world, login, before_after
):
    # given a round that needs 省级复核 and an application in review
    world.round.requires_provincial_review = True
    world.round.save(update_fields=["requires_provincial_review"])
    app = _in_review(world, before_after)
    office = login(world.office)
    task = Task.objects.get(pk=world.task.pk)
    # when the acceptance is tried without it, it is refused, naming the chain
    accept = office.post(reverse("closeout_accept", args=[app.pk]), _accept_data(task))
    assert accept.status_code == 409
    assert "验收链未完成" in accept.content.decode()
    assert "尚缺省级复核" in accept.content.decode()
    # when the office records the provincial review on receipt of the province's document
    response = office.post(reverse("closeout_review", args=[app.pk]), _review_data())
    # then it is stored as given, with an event, and the task did not move
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[task.pk])
    review = CloseoutReview.objects.get(application=app, level=ReviewLevel.PROVINCIAL)
    assert (review.result, review.method, review.actual_date, review.reviewers) == (
        "PASS",
        "ONSITE",
        date(2020, 2, 12),
        "省督察办 赵某、钱某",
    )
    assert review.opinion == "省级现场核查，整改到位"
    assert review.reviewer == world.office
    assert (review.document_no, review.document_date) == (
        "示环督办函〔2020〕12号",
        date(2020, 2, 12),
    )
    assert review.document.kind == "NOTICE"
    assert review.document.extension == ".pdf"
    assert Event.objects.filter(task=task, verb="review", actor=world.office).count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_REVIEW
    page = office.get(response["Location"]).content.decode()
    assert "已登记省级验收意见：通过" in page
    assert "依据省级复核文件 示环督办函〔2020〕12号（2020-02-12）" in page
    assert reverse("attachment_download", args=[review.document.pk]) in page
    # and now the acceptance starts the notice
    accept = office.post(reverse("closeout_accept", args=[app.pk]), _accept_data(task))
    assert accept.status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.PUBLICIZING


def test_the_office_page_does_not_offer_the_sector_review(world, login, before_after):
    # 行业部门认定 is the sector department's own record: the office's form does not offer it
    app = _in_review(world, before_after)
    page = login(world.office).get(reverse("closeout_review", args=[app.pk])).content.decode()
    assert 'value="SECTOR"' not in page
    assert 'value="PROVINCIAL"' in page


def test_review_on_a_submitted_application_is_refused(world, login, before_after):
    # given an application still waiting for 县级自验
    _report(world)
    app = _apply(world, before_after())
    reviews = CloseoutReview.objects.count()
    # when the office tries to record a review
    response = login(world.office).post(reverse("closeout_review", args=[app.pk]), _review_data())
    # then it is refused and nothing is written
    assert response.status_code == 409
    assert "只能为验收中或公示中的申请登记验收意见" in response.content.decode()
    assert CloseoutReview.objects.count() == reviews
    assert not Event.objects.filter(verb="review").exists()


def test_review_needs_an_opinion(world, login, before_after):
    app = _in_review(world, before_after)
    response = login(world.office).post(
        reverse("closeout_review", args=[app.pk]), _review_data(opinion="")
    )
    assert response.status_code == 400
    assert not CloseoutReview.objects.filter(level="PROVINCIAL").exists()


def test_county_level_cannot_be_recorded_by_the_office(world, login, before_after):
    app = _in_review(world, before_after)
    response = login(world.office).post(
        reverse("closeout_review", args=[app.pk]), _review_data(level="COUNTY")
    )
    assert response.status_code == 400
    assert CloseoutReview.objects.filter(application=app).count() == 1  # the self-check only


# ---------------------------------------------------------------------------------------------
# 督办事项


def _notice(
    world,
    *,
    status=SupervisionStatus.ISSUED,
    unit=None,
    task=None,
    title="关于加快清溪河排口整改的督办函",
):
    if status == SupervisionStatus.PROPOSED:
        notice = SupervisionNotice.objects.create(
            kind=SupervisionKind.LETTER,
            status=SupervisionStatus.PROPOSED,
            title=title,
            content="两次黄牌，建议发督办函",
            target_unit=unit or world.dc_gov,
        )
        notice.tasks.add(task or world.task)
        return notice
    return services.supervision_notice_create(
        actor=world.office,
        kind=SupervisionKind.LETTER,
        title=title,
        target_unit=unit or world.dc_gov,
        content="请于2月底前书面回复整改措施",
        doc_no="示环督办函〔2020〕3号",
        reply_due=date(2020, 2, 28),
        tasks=[task or world.task],
    )


def test_inbox_by_persona(world, login):
    _notice(world)
    assert _statuses(world, login, reverse("supervision_inbox")) == [200, 200, 200, 200, 403, 403]


def test_inbox_shows_only_notices_to_the_users_unit(world, login):
    _notice(world)
    _notice(world, unit=world.xc_gov, task=world.other_task, title="关于西城区3#排口的督办函")
    mine = login(world.reporter).get(reverse("supervision_inbox")).content.decode()
    assert "关于加快清溪河排口整改的督办函" in mine
    assert "关于西城区3#排口的督办函" not in mine
    assert "示环督办函〔2020〕3号" in mine
    assert 'data-testid="reply-form"' in mine
    theirs = login(world.outsider).get(reverse("supervision_inbox")).content.decode()
    assert "关于西城区3#排口的督办函" in theirs
    assert "关于加快清溪河排口整改的督办函" not in theirs
    # a department cooperating on the same task is not the addressee
    assert (
        "督办函"
        not in login(world.coop_reporter).get(reverse("supervision_inbox")).content.decode()
    )


def test_unit_does_not_see_a_proposed_letter(world, login):
    notice = _notice(world, status=SupervisionStatus.PROPOSED, title="拟发的督办函")
    body = login(world.reporter).get(reverse("supervision_inbox")).content.decode()
    assert "拟发的督办函" not in body
    response = login(world.reporter).post(
        reverse("supervision_reply", args=[notice.pk]), {"reply_text": "收到"}
    )
    assert response.status_code == 404
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.PROPOSED and notice.reply_text == ""


def test_nav_has_supervision_for_units_only(world, login):
    link = f'href="{reverse("supervision_inbox")}"'
    assert link in login(world.reporter).get(reverse("task_list")).content.decode()
    assert link in login(world.unit_head).get(reverse("task_list")).content.decode()
    assert link not in login(world.office).get(reverse("task_list")).content.decode()
    assert link not in login(world.leader).get(reverse("task_list")).content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("reporter", 302),
        ("unit_head", 302),
        ("coop_reporter", 404),
        ("outsider", 404),
        ("office", 403),
        ("leader", 403),
    ],
)
def test_reply_by_persona(world, login, persona, expected):
    notice = _notice(world)
    response = login(getattr(world, persona)).post(
        reverse("supervision_reply", args=[notice.pk]), {"reply_text": "已完成截污，月底前复核"}
    )
    assert response.status_code == expected
    notice.refresh_from_db()
    if expected == 302:
        assert notice.status == SupervisionStatus.REPLIED
    else:
        assert notice.status == SupervisionStatus.ISSUED
        assert notice.reply_text == "" and notice.replied_at is None


def test_reporter_replies_and_the_office_is_told(world, login):
    # given a 督办函 to 东城区政府 about the 东城区 task
    notice = _notice(world)
    client = login(world.reporter)
    # when the reporter replies from 督办事项
    response = client.post(
        reverse("supervision_reply", args=[notice.pk]),
        {"reply_text": "已完成1#排口截污，2月25日前完成复核"},
    )
    # then the notice is replied, with the time, an event on the task and a note to the office
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision_inbox")
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.REPLIED
    assert notice.reply_text == "已完成1#排口截污，2月25日前完成复核"
    assert notice.replied_at is not None
    event = Event.objects.get(task=world.task, verb="supervision_reply")
    assert (event.actor, event.from_status, event.to_status) == (
        world.reporter,
        "ISSUED",
        "REPLIED",
    )
    told = Notification.objects.filter(kind="supervision_replied")
    assert [n.recipient for n in told] == [world.office]
    page = client.get(response["Location"]).content.decode()
    assert "已回复，环督办将收到通知" in page
    assert 'data-testid="notice-reply"' in page
    assert 'data-testid="reply-form"' not in page
    # and the office list shows the reply with the 办结 button
    office_page = login(world.office).get(reverse("supervision_list")).content.decode()
    assert "已完成1#排口截污" in office_page
    assert reverse("supervision_close", args=[notice.pk]) in office_page


def test_second_reply_is_refused_and_keeps_the_first(world, login):
    notice = _notice(world)
    services.supervision_notice_reply(notice=notice, actor=world.unit_head, reply_text="第一次回复")
    response = login(world.reporter).post(
        reverse("supervision_reply", args=[notice.pk]), {"reply_text": "第二次回复"}
    )
    assert response.status_code == 409
    assert "不能回复" in response.content.decode()
    notice.refresh_from_db()
    assert notice.reply_text == "第一次回复"
    assert Event.objects.filter(verb="supervision_reply").count() == 1


def test_empty_reply_is_refused(world, login):
    notice = _notice(world)
    response = login(world.reporter).post(
        reverse("supervision_reply", args=[notice.pk]), {"reply_text": "  "}
    )
    assert response.status_code == 400
    assert "请填写回复内容" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.ISSUED


@pytest.mark.parametrize("rows", [1, 6])
def test_inbox_query_count_does_not_grow(world, login, django_assert_num_queries, rows):
    for i in range(rows):
        task = TaskFactory(
            problem=world.problem,
            code=f"SD-4-S{i}",
            name=f"督办点位{i}",
            region=world.dongcheng,
            lead=world.dc_gov,
        )
        _notice(world, task=task, title=f"督办函{i}")
    client = login(world.reporter)
    # session, user, header badge, notices, their tasks
    with django_assert_num_queries(5):
        response = client.get(reverse("supervision_inbox"))
    body = response.content.decode()
    assert body.count('data-testid="notice-card"') == rows
    assert body.count('data-testid="reply-form"') == rows


def test_issue_page_is_office_only(world, login):
    notice = _notice(world, status=SupervisionStatus.PROPOSED)
    assert _statuses(world, login, reverse("supervision_issue", args=[notice.pk])) == OFFICE_ONLY


def test_office_issues_a_proposed_letter(world, login):
    # given a letter the warnings job proposed
    notice = _notice(world, status=SupervisionStatus.PROPOSED)
    office = login(world.office)
    assert (
        reverse("supervision_issue", args=[notice.pk])
        in office.get(reverse("supervision_list")).content.decode()
    )
    # when the office signs it with a 文号
    response = office.post(
        reverse("supervision_issue", args=[notice.pk]),
        {"doc_no": "示环督办函〔2020〕5号", "issued_on": "2020-02-15", "reply_due": "2020-02-29"},
    )
    # then it is issued, the unit is told and sees it, and the task's timeline has it
    assert response.status_code == 302
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.ISSUED
    assert (notice.doc_no, notice.issued_on, notice.reply_due) == (
        "示环督办函〔2020〕5号",
        date(2020, 2, 15),
        date(2020, 2, 29),
    )
    assert notice.issued_by == world.office
    told = set(
        Notification.objects.filter(kind="supervision").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"dc_reporter", "dc_head"}
    assert Event.objects.filter(task=world.task, verb="supervision_issue").count() == 1
    assert (
        "示环督办函〔2020〕5号"
        in login(world.reporter).get(reverse("supervision_inbox")).content.decode()
    )


def test_issuing_needs_a_doc_no_and_an_issued_letter_cannot_be_issued_again(world, login):
    proposed = _notice(world, status=SupervisionStatus.PROPOSED)
    office = login(world.office)
    response = office.post(
        reverse("supervision_issue", args=[proposed.pk]), {"doc_no": " ", "issued_on": "2020-02-15"}
    )
    assert response.status_code == 400
    proposed.refresh_from_db()
    assert proposed.status == SupervisionStatus.PROPOSED
    issued = _notice(world, title="已签发的督办函")
    response = office.post(
        reverse("supervision_issue", args=[issued.pk]),
        {"doc_no": "另一个文号", "issued_on": "2020-02-15"},
    )
    assert response.status_code == 409
    assert "不能签发" in response.content.decode()
    issued.refresh_from_db()
    assert issued.doc_no == "示环督办函〔2020〕3号"
    assert not Event.objects.filter(verb="supervision_issue").exists()


def test_office_closes_a_replied_notice(world, login):
    notice = _notice(world)
    services.supervision_notice_reply(notice=notice, actor=world.reporter, reply_text="已整改")
    response = login(world.office).post(reverse("supervision_close", args=[notice.pk]), follow=True)
    assert response.status_code == 200
    assert "已办结" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.CLOSED
    event = Event.objects.get(task=world.task, verb="supervision_close")
    assert (event.from_status, event.to_status) == ("REPLIED", "CLOSED")


def test_an_unreplied_notice_cannot_be_closed(world, login):
    notice = _notice(world)
    response = login(world.office).post(reverse("supervision_close", args=[notice.pk]), follow=True)
    assert "只有已回复的督办可以办结" in response.content.decode()
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.ISSUED
    assert not Event.objects.filter(verb="supervision_close").exists()


def test_only_the_office_closes(world, login):
    notice = _notice(world)
    services.supervision_notice_reply(notice=notice, actor=world.reporter, reply_text="已整改")
    url = reverse("supervision_close", args=[notice.pk])
    assert [
        login(getattr(world, p)).post(url).status_code for p in ("reporter", "unit_head", "leader")
    ] == [403, 403, 403]
    notice.refresh_from_db()
    assert notice.status == SupervisionStatus.REPLIED


# ---------------------------------------------------------------------------------------------
# A reopened task needs new 整改后 evidence


def test_reopened_task_needs_after_evidence_newer_than_the_reopen(world, before_after, png_file):
    # given a task closed with before/after photos, then reopened by a rebound
    task = _reopened(world, before_after)
    assert task.status == TaskStatus.IN_PROGRESS and task.reopen_count == 1
    old_after = Attachment.objects.filter(task=task, kind="AFTER").count()
    assert old_after == 1
    # when the unit applies again on the old photos only
    with pytest.raises(InvalidInput) as refused:
        _apply(world, [])
    # then it is refused and nothing changes
    assert refused.value.message == "重启整改后需上传新的整改后佐证材料"
    assert refused.value.field == "files"
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert CloseoutApplication.objects.filter(task=task).count() == 1
    # and a new 整改中 photo is not enough either
    services.task_add_evidence(
        task=task, actor=world.reporter, files=[EvidenceFile(png_file(), "DURING")]
    )
    with pytest.raises(InvalidInput):
        _apply(world, [])
    # when a new 整改后 photo is uploaded after the reopen, the application goes through
    services.task_add_evidence(
        task=task, actor=world.reporter, files=[EvidenceFile(png_file("new.png"), "AFTER")]
    )
    app = _apply(world, [])
    assert app.status == CloseoutStatus.SUBMITTED
    assert Task.objects.get(pk=task.pk).status == TaskStatus.APPLIED


def test_reopened_task_accepts_after_evidence_sent_with_the_application(
    world, before_after, png_file
):
    task = _reopened(world, before_after)
    app = _apply(world, [EvidenceFile(png_file("after-again.png"), "AFTER")])
    assert app.status == CloseoutStatus.SUBMITTED
    assert Attachment.objects.filter(task=task, closeout=app, kind="AFTER").count() == 1


def test_the_second_rebound_needs_evidence_newer_than_the_second_reopen(
    world, before_after, png_file
):
    # given a task reopened, re-closed with fresh photos, and reopened again
    task = _reopened(world, before_after)
    app = _apply(world, [EvidenceFile(png_file("round2.png"), "AFTER")])
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="合格"
    )
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 21),
        contact_phone="0999-12369",
    )
    with clock.travel(clock.at(date(2020, 2, 24))):  # after the notice
        services.closeout_close(application=app, actor=world.office)
        services.task_record_lookback(
            task=task,
            actor=world.office,
            check_date=date(2020, 2, 24),
            method="ONSITE",
            result="REBOUND",
            findings="又反弹",
            new_deadline=date(2020, 4, 30),
        )
    # then the photos from between the two reopens no longer count
    with pytest.raises(InvalidInput, match="重启整改后需上传新的整改后佐证材料"):
        _apply(world, [])


def test_closeout_page_explains_the_rebound_rule(world, login, before_after, png_file):
    task = _reopened(world, before_after)
    data = {
        "version": task.version,
        "summary": "再次整改完成",
        **{f"check_{k}": "on" for k in CLOSEOUT_CHECKLIST},
    }
    response = login(world.reporter).post(reverse("task_closeout", args=[task.pk]), data)
    assert response.status_code == 400
    assert "重启整改后需上传新的整改后佐证材料" in response.content.decode()
    assert CloseoutApplication.objects.filter(task=task).count() == 1


def test_a_task_never_reopened_still_uses_earlier_photos(world, png_file):
    # given before/after photos uploaded while the task was in progress
    _report(world)
    services.task_add_evidence(
        task=world.task,
        actor=world.reporter,
        files=[EvidenceFile(png_file("b.png"), "BEFORE"), EvidenceFile(png_file("a.png"), "AFTER")],
    )
    # then applying without new files is fine
    assert _apply(world, []).status == CloseoutStatus.SUBMITTED
