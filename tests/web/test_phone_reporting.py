"""Phone-first reporting as the pages render it: 我的任务 puts actionable tasks first, the
report and evidence forms open the camera, and a photo's EXIF time, position and flags are
shown on the task page and on the office's decision page."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts import clock
from rectification import services
from rectification.choices import TaskStatus
from rectification.models import Attachment, ProgressReport, Task
from rectification.services import CLOSEOUT_CHECKLIST, EvidenceFile
from tests.factories import TaskFactory
from tests.photos import photo
from tests.web.test_workbench import update

pytestmark = pytest.mark.django_db

CAMERA = re.compile(r'<input type="file" name="(\w+)"[^>]*>')


def file_inputs(body: str) -> dict[str, str]:
    return {m[1]: m[0] for m in CAMERA.finditer(body)}


# ---------------------------------------------------------------------------------------------
# 我的任务: actionable first


def test_my_tasks_puts_returned_and_due_tasks_before_closed_ones(world, login):
    # given a reporter's unit with an old closed task, a quiet one, one due soon and one returned
    dc = {"problem": world.problem, "region": world.dongcheng, "lead": world.dc_gov}
    closed = TaskFactory(
        code="OLD-1", start_date=date(2019, 1, 1), deadline=date(2019, 6, 30), **dc
    )
    update(closed, status=TaskStatus.CLOSED, closed_at=clock.now())
    quiet = TaskFactory(code="QUIET-1", deadline=date(2020, 12, 31), **dc)
    update(quiet, status=TaskStatus.IN_PROGRESS)
    due = TaskFactory(code="DUE-1", deadline=date(2020, 2, 18), **dc)
    returned = TaskFactory(code="BACK-1", deadline=date(2020, 11, 30), **dc)
    report = services.task_report_progress(
        task=returned, actor=world.reporter, progress_text="进展", progress_pct=30
    )
    services.report_review(report=report, actor=world.office, returned=True, note="补充照片")
    # when the reporter opens 我的任务
    response = login(world.reporter).get(reverse("task_list"))
    codes = [t.code for t in response.context["tasks"]]
    # then due, then returned, then the rest being worked on; closed last
    assert codes.index(due.code) < codes.index(returned.code) < codes.index(quiet.code)
    assert codes[-1] == closed.code
    assert response.context["title"] == "我的任务"


# ---------------------------------------------------------------------------------------------
# The camera


@pytest.mark.parametrize(
    ("url_name", "camera_fields", "picker_fields"),
    [
        ("task_report", ["photos"], ["files"]),
        ("task_evidence", ["photos"], ["files"]),
        ("task_detail", ["photos"], ["files"]),
        ("task_closeout", ["before_photos", "after_photos"], ["before_files", "after_files"]),
    ],
)
def test_photo_forms_open_the_camera_beside_a_normal_picker(
    world, login, url_name, camera_fields, picker_fields
):
    if url_name == "task_closeout":
        services.task_report_progress(
            task=world.task, actor=world.reporter, progress_text="完成", progress_pct=100
        )
    body = login(world.reporter).get(reverse(url_name, args=[world.task.pk])).content.decode()
    inputs = file_inputs(body)
    for name in camera_fields:
        assert 'accept="image/*"' in inputs[name] and 'capture="environment"' in inputs[name]
        assert "拍照" in body
    for name in picker_fields:
        assert "capture" not in inputs[name] and "accept" not in inputs[name]


def test_a_photo_taken_with_the_camera_is_attached_to_the_report(world, login):
    client = login(world.reporter)
    response = client.post(
        reverse("task_report", args=[world.task.pk]),
        {
            "version": world.task.version,
            "progress_text": "现场已完成封堵",
            "progress_pct": 50,
            "evidence_kind": "DURING",
            "photos": photo("camera.jpg"),
        },
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=world.task)
    attachment = report.attachments.get()
    assert (attachment.original_name, attachment.kind) == ("camera.jpg", "DURING")
    assert attachment.photo_taken_at is not None


def test_evidence_with_only_a_camera_photo_is_accepted_and_with_nothing_refused(world, login):
    client = login(world.reporter)
    url = reverse("task_evidence", args=[world.task.pk])
    empty = client.post(url, {"version": world.task.version, "kind": "AFTER"})
    assert empty.status_code == 400
    assert "请选择要上传的文件" in empty.content.decode()
    response = client.post(
        url, {"version": world.task.version, "kind": "AFTER", "photos": photo("after.jpg")}
    )
    assert response.status_code == 302
    assert Attachment.objects.get().original_name == "after.jpg"


# ---------------------------------------------------------------------------------------------
# EXIF on the pages


def test_task_page_shows_photo_time_position_and_flag(world, login):
    Task.objects.filter(pk=world.task.pk).update(lat=Decimal("30.26"), lng=Decimal("120.17"))
    task = Task.objects.get(pk=world.task.pk)
    services.task_add_evidence(
        task=task,
        actor=world.reporter,
        files=[
            EvidenceFile(photo("near.jpg", lat=30.2601, lng=120.1702), "AFTER"),
            EvidenceFile(photo("far.jpg", lat=30.40, lng=120.17), "AFTER"),
        ],
    )
    body = login(world.reporter).get(reverse("task_detail", args=[task.pk])).content.decode()
    assert body.count('data-testid="photo-meta"') == 2
    assert "拍摄时间 2020-02-14 10:30" in body
    assert "位置 30.26010, 120.17020" in body
    flags = re.findall(r'data-testid="photo-flag"[^>]*>(.*?)</span>', body, re.S)
    assert len(flags) == 1 and "拍摄位置距任务点位约 15.6 公里" in flags[0]


def test_office_decision_page_lists_flagged_photos(world, login):
    # given a close-out application whose 整改后 photo is far from the task
    Task.objects.filter(pk=world.task.pk).update(lat=Decimal("30.26"), lng=Decimal("120.17"))
    services.task_report_progress(
        task=world.task, actor=world.reporter, progress_text="完成", progress_pct=100
    )
    app = services.task_apply_closeout(
        task=world.task,
        actor=world.reporter,
        summary="排口已封堵",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=[
            EvidenceFile(photo("before.jpg", taken="2019:05:01 08:00:00"), "BEFORE"),
            EvidenceFile(photo("after.jpg", lat=30.40, lng=120.17), "AFTER"),
        ],
    )
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="自验合格"
    )
    # when the office opens 验收
    body = login(world.office).get(reverse("closeout_accept", args=[app.pk])).content.decode()
    # then the flagged photo is named with its reason, and the old 整改前 photo is not
    box = body.split('data-testid="flagged-photos"', 1)[1].split("</div>\n", 2)
    listed = "".join(box[:2])
    assert "1 张照片的拍摄时间或位置需核实" in listed
    assert "after.jpg" in listed and "拍摄位置距任务点位约 15.6 公里" in listed
    assert "before.jpg" not in listed
    assert 'data-testid="photo-flag"' in body
