"""Form posts go through the services: reports, stale versions, uploads, close-out, review."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rectification.choices import CloseoutStatus, TaskStatus
from rectification.models import Attachment, CloseoutApplication, ProgressReport, Task
from tests.conftest import _png_bytes


def _report_data(task, **extra):
    data = {
        "version": task.version,
        "progress_text": "完成截污管网铺设300米",
        "progress_pct": 40,
        "difficulties": "",
        "next_steps": "下月完成剩余管网",
        "evidence_kind": "DURING",
    }
    data.update(extra)
    return data


def test_reporter_submits_monthly_report_with_two_photos(world, login, png_file):
    # given the county reporter on a task of their unit
    client = login(world.reporter)
    url = reverse("task_report", args=[world.task.pk])
    # when they post the report with two photos in one file input
    data = _report_data(world.task, files=[png_file("a.png"), png_file("b.png", (0, 0, 255))])
    response = client.post(url, data)
    # then the report and both files are saved and the task moved on
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[world.task.pk])
    report = ProgressReport.objects.get(task=world.task)
    assert report.progress_pct == 40
    assert sorted(
        Attachment.objects.filter(report=report).values_list("original_name", flat=True)
    ) == [
        "a.png",
        "b.png",
    ]
    task = Task.objects.get(pk=world.task.pk)
    assert task.status == TaskStatus.IN_PROGRESS
    assert task.progress_pct == 40
    page = client.get(response["Location"]).content.decode()
    assert "本月进展已报送" in page
    assert "整改中" in page


def test_stale_report_form_is_refused_and_nothing_changes(world, login):
    # given a report form loaded at version 1, then someone else reports first
    client = login(world.reporter)
    url = reverse("task_report", args=[world.task.pk])
    stale = _report_data(world.task)
    assert client.post(url, _report_data(world.task, progress_pct=20)).status_code == 302
    before = Task.objects.get(pk=world.task.pk)
    # when the stale form is posted
    response = client.post(url, {**stale, "progress_pct": 90, "progress_text": "过期的表单"})
    # then it is refused with a clear message and nothing is overwritten
    assert response.status_code == 409
    assert "该任务已被他人修改，请刷新页面后重试" in response.content.decode()
    after = Task.objects.get(pk=world.task.pk)
    assert after.progress_pct == 20 and after.version == before.version
    assert not ProgressReport.objects.filter(progress_text="过期的表单").exists()


def test_missing_fields_show_chinese_errors_next_to_fields(world, login):
    client = login(world.reporter)
    response = client.post(
        reverse("task_report", args=[world.task.pk]),
        _report_data(world.task, progress_text="", progress_pct=150),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "该字段是必填项。" in body
    assert "确保该值小于或等于100。" in body
    assert not ProgressReport.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("photo.jpg", b"<html><script>alert(1)</script></html>"),  # renamed .html
        ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64),
    ],
    ids=["renamed-html", "svg", "exe"],
)
def test_dangerous_uploads_are_rejected_and_nothing_saved(world, login, name, content):
    client = login(world.reporter)
    upload = SimpleUploadedFile(name, content)
    response = client.post(
        reverse("task_report", args=[world.task.pk]), _report_data(world.task, files=[upload])
    )
    assert response.status_code == 400
    assert "的类型不被接受" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not ProgressReport.objects.exists()
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.NOT_STARTED


def test_oversized_upload_is_rejected(world, login, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.png", _png_bytes() + b"\x00" * 2048, content_type="image/png")
    response = login(world.reporter).post(
        reverse("task_report", args=[world.task.pk]), _report_data(world.task, files=[big])
    )
    assert response.status_code == 400
    assert "超过大小限制" in response.content.decode()
    assert not Attachment.objects.exists()


def _start(world, login):
    client = login(world.reporter)
    client.post(reverse("task_report", args=[world.task.pk]), _report_data(world.task))
    return client, Task.objects.get(pk=world.task.pk)


def _closeout_data(task, png_file, **extra):
    data = {
        "version": task.version,
        "summary": "排口已封堵，污水接入市政管网",
        "before_files": [png_file("before.png")],
        "after_files": [png_file("after.png", (0, 200, 0))],
        **{
            f"check_{k}": "on"
            for k in (
                "measures_done",
                "violations_punished",
                "meets_standards",
                "similar_fixed",
                "long_term_mechanism",
            )
        },
    }
    data.update(extra)
    return data


def test_closeout_needs_the_checklist(world, login, png_file):
    client, task = _start(world, login)
    data = _closeout_data(task, png_file)
    data.pop("check_similar_fixed")
    response = client.post(reverse("task_closeout", args=[task.pk]), data)
    assert response.status_code == 400
    assert "请逐项确认销号标准" in response.content.decode()
    assert not CloseoutApplication.objects.exists()


def test_closeout_needs_before_and_after_evidence(world, login, png_file):
    client, task = _start(world, login)
    data = _closeout_data(task, png_file)
    data.pop("after_files")
    response = client.post(reverse("task_closeout", args=[task.pk]), data)
    assert response.status_code == 400
    assert "申请销号需要上传整改后的佐证材料" in response.content.decode()


def test_full_closeout_through_pages(world, login, png_file, settings):
    # given a task in progress
    client, task = _start(world, login)
    # when the reporter applies, the head self-checks, the office accepts and closes
    assert (
        client.post(
            reverse("task_closeout", args=[task.pk]), _closeout_data(task, png_file)
        ).status_code
        == 302
    )
    app = CloseoutApplication.objects.get(task=task)
    head = login(world.unit_head)
    assert (
        app.pk and head.get(reverse("selfcheck_queue")).content.decode().count("selfcheck-row") == 1
    )
    task.refresh_from_db()
    r = head.post(
        reverse("selfcheck_decide", args=[app.pk]),
        {"version": task.version, "decision": "pass", "opinion": "现场核实，同意"},
    )
    assert r.status_code == 302
    office = login(world.office)
    assert "review-row" in office.get(reverse("review_queue")).content.decode()
    task.refresh_from_db()
    r = office.post(
        reverse("closeout_accept", args=[app.pk]),
        {
            "version": task.version,
            "opinion": "验收合格",
            "level": "CITY",
            "notice_start": "2020-02-15",
            "notice_end": "2020-02-21",
            "contact_phone": "0000-12345",
        },
    )
    assert r.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.PUBLICIZING
    # the day after the notice's last day, the queue offers 销号
    settings.TRACKER_TODAY = date(2020, 2, 22)
    assert (
        reverse("closeout_close", args=[app.pk])
        in office.get(reverse("review_queue")).content.decode()
    )
    r = office.post(
        reverse("closeout_close", args=[app.pk]),
        {"version": task.version, "objections": 0, "doc_no": "示环督办〔2020〕1号"},
    )
    assert r.status_code == 302
    # then the task is closed and the timeline shows every step
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    for label in ("报送进展", "申请销号", "县级自验通过", "验收通过并公示", "销号"):
        assert label in page


def test_office_return_shows_reason_to_reporter(world, login, png_file):
    client, task = _start(world, login)
    client.post(reverse("task_closeout", args=[task.pk]), _closeout_data(task, png_file))
    app = CloseoutApplication.objects.get(task=task)
    task.refresh_from_db()
    login(world.unit_head).post(
        reverse("selfcheck_decide", args=[app.pk]),
        {"version": task.version, "decision": "pass", "opinion": "同意"},
    )
    task.refresh_from_db()
    r = login(world.office).post(
        reverse("closeout_return", args=[app.pk]),
        {"version": task.version, "reason": "辅助设施未完工"},
    )
    assert r.status_code == 302
    app.refresh_from_db()
    assert app.status == CloseoutStatus.RETURNED
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "辅助设施未完工" in page and "销号申请已被退回" in page


def test_accept_in_wrong_state_is_409_not_500(world, login, png_file):
    client, task = _start(world, login)
    client.post(reverse("task_closeout", args=[task.pk]), _closeout_data(task, png_file))
    app = CloseoutApplication.objects.get(task=task)
    task.refresh_from_db()
    # the application is still waiting for the self-check
    r = login(world.office).post(
        reverse("closeout_accept", args=[app.pk]),
        {
            "version": task.version,
            "opinion": "同意",
            "level": "CITY",
            "notice_start": "2020-02-15",
            "notice_end": "2020-02-22",
            "contact_phone": "0999-12369",
        },
    )
    assert r.status_code == 409
    assert "不能验收通过" in r.content.decode()


def test_extension_request_and_decision(world, login):
    client = login(world.reporter)
    r = client.post(
        reverse("task_extension", args=[world.task.pk]),
        {"requested_deadline": "2030-12-31", "reason": "雨季施工受限"},
    )
    assert r.status_code == 302
    office = login(world.office)
    assert "雨季施工受限" in office.get(reverse("extension_queue")).content.decode()
    ext = world.task.extensions.get()
    r = office.post(
        reverse("extension_decide", args=[ext.pk]), {"decision": "approve", "note": "同意"}
    )
    # approval asks for confirmation first (issue 11): nothing changed yet
    assert r.status_code == 200 and "确认批准" in r.content.decode()
    assert Task.objects.get(pk=world.task.pk).deadline != date(2030, 12, 31)
    r = office.post(
        reverse("extension_decide", args=[ext.pk]),
        {"decision": "approve", "note": "同意", "confirm": "1"},
    )
    assert r.status_code == 302
    task = Task.objects.get(pk=world.task.pk)
    assert str(task.deadline) == "2030-12-31"
    page = client.get(reverse("task_detail", args=[task.pk])).content.decode()
    assert "已延期 1 次" in page


def test_supervision_notice_from_a_task(world, login):
    office = login(world.office)
    url = reverse("supervision_create") + f"?task={world.task.pk}"
    assert office.get(url).status_code == 200
    r = office.post(
        url,
        {
            "kind": "LETTER",
            "title": "督办函",
            "target_unit": world.dc_gov.pk,
            "task": world.task.pk,
            "content": "请加快推进",
        },
    )
    assert r.status_code == 302
    assert "督办函" in office.get(reverse("supervision_list")).content.decode()
    # the unit's reporter got a notification and sees the badge
    page = login(world.reporter).get(reverse("notification_list")).content.decode()
    assert "督办函" in page and 'data-testid="unread-badge"' in page


def test_notifications_mark_read(world, login):
    from rectification.services import notify

    notify(recipients=[world.reporter], kind="reminder_due_7", title="测试通知", key="t1")
    client = login(world.reporter)
    note = world.reporter.notifications.get()
    client.post(reverse("notification_read", args=[note.pk]))
    note.refresh_from_db()
    assert note.read_at is not None
    # someone else's notification is not found
    other = login(world.outsider).post(reverse("notification_read", args=[note.pk]))
    assert other.status_code == 404


def test_office_adds_a_task_to_a_problem(world, login):
    office = login(world.office)
    r = office.post(
        reverse("problem_task_create", args=[world.problem.pk]),
        {
            "code": "SD-4-9",
            "name": "清溪河东城区段9#排口",
            "region": world.dongcheng.pk,
            "lead_unit": world.dc_gov.pk,
            "coop_units": [world.housing.pk],
            "deadline": "2020-12-31",
        },
    )
    assert r.status_code == 302
    task = Task.objects.get(code="SD-4-9")
    assert task.lead_unit == world.dc_gov
    page = office.get(reverse("problem_detail", args=[world.problem.pk])).content.decode()
    assert "已销号 0/3" in page


def test_round_detail_tree_and_headline(world, login):
    page = login(world.office).get(reverse("round_detail", args=[world.round.pk])).content.decode()
    assert "1方面1类1项" in page
    assert "一、" in page and "（一）" in page
    assert "已销号 0/2" in page


def test_lookback_reopens_with_link_to_earlier_closure(world, login, png_file, settings):
    test_full_closeout_through_pages(world, login, png_file, settings)  # closed on 2020-02-22
    task = Task.objects.get(pk=world.task.pk)
    office = login(world.office)
    page = office.get(reverse("task_lookback", args=[task.pk])).content.decode()
    assert 'data-testid="earlier-closure"' in page
    r = office.post(
        reverse("task_lookback", args=[task.pk]),
        {
            "version": task.version,
            "check_date": "2020-02-22",
            "method": "ONSITE",
            "result": "REBOUND",
            "findings": "排口又见污水",
            "new_deadline": "2020-06-30",
        },
    )
    assert r.status_code == 302
    assert Task.objects.get(pk=task.pk).status == TaskStatus.IN_PROGRESS


def test_petition_publish_by_office(world, login):
    from inspections.models import Petition

    petition = Petition.objects.create(
        round=world.round,
        batch_no=1,
        accept_no="X1",
        channel="PHONE",
        region=world.dongcheng,
        content="河道有异味",
        handling_unit=world.dc_gov,
        status="DONE",
        verify_result="TRUE",
        handling="已清淤",
        assigned_at=date(2020, 2, 1),
    )
    office = login(world.office)
    publish = reverse("petition_move", args=[petition.pk, "petition_publish"])
    r = office.post(publish, {"published_at": "2020-02-10", "publish_url": ""})
    assert r.status_code == 302
    petition.refresh_from_db()
    assert petition.published_at == date(2020, 2, 10)
    # a publication before the petition was handed over is refused on the form
    r = office.post(publish, {"published_at": "2020-01-10", "publish_url": ""})
    assert r.status_code == 400 and "公开日期不能早于交办日期" in r.content.decode()
