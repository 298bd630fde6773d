"""Forms that do not lose work: files chosen before a validation error are kept, and a second
extension request is shown as impossible before it is sent."""

import re
from datetime import date

import pytest
from django.urls import reverse

from accounts.errors import InvalidInput
from rectification import services
from rectification.models import Attachment, ProgressReport
from tests.web.test_task_buttons import buttons_on

pytestmark = pytest.mark.django_db


def _report_data(task, **extra):
    data = {
        "version": task.version,
        "progress_text": "完成截污管网铺设300米",
        "progress_pct": 40,
        "difficulties": "",
        "next_steps": "",
        "falling_reason": "",
        "evidence_kind": "DURING",
    }
    data.update(extra)
    return data


def _kept_tokens(response) -> list[str]:
    return [k.token for k in response.context["kept_files"]]


# ---------------------------------------------------------------------------------------------
# Files survive a validation error


def test_report_with_invalid_field_keeps_the_chosen_file(world, login, png_file):
    # given a reporter who chose a photo but left 本月进展 empty
    client = login(world.reporter)
    url = reverse("task_report", args=[world.task.pk])
    response = client.post(url, _report_data(world.task, progress_text="", files=png_file("a.png")))
    # then the form comes back with its error and says the photo is kept
    assert response.status_code == 400
    body = response.content.decode()
    assert "该字段是必填项。" in body
    assert 'data-testid="kept-file"' in body and "a.png" in body
    assert not Attachment.objects.exists()
    # when they fill the field and send the form again without choosing the file again
    tokens = _kept_tokens(response)
    assert len(tokens) == 1
    response = client.post(url, _report_data(world.task, kept=tokens))
    # then the report carries the kept photo
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=world.task)
    assert list(report.attachments.values_list("original_name", flat=True)) == ["a.png"]


def test_a_refusal_by_the_service_keeps_the_file_too(world, login, png_file):
    # given a task at 40 %, and a report of 20 % without the reason a fall needs
    client = login(world.reporter)
    url = reverse("task_report", args=[world.task.pk])
    assert client.post(url, _report_data(world.task)).status_code == 302
    world.task.refresh_from_db()
    response = client.post(
        url, _report_data(world.task, progress_pct=20, files=png_file("fall.png"))
    )
    assert response.status_code == 400
    assert "回落原因" in response.content.decode()
    tokens = _kept_tokens(response)
    # when the reason is given and the form sent again
    response = client.post(
        url,
        _report_data(world.task, progress_pct=20, falling_reason="验收退回后核减", kept=tokens),
    )
    assert response.status_code == 302
    assert Attachment.objects.filter(original_name="fall.png").count() == 1


def test_a_removed_kept_file_is_not_attached(world, login, png_file):
    client = login(world.reporter)
    url = reverse("task_report", args=[world.task.pk])
    first = client.post(url, _report_data(world.task, progress_text="", files=png_file("x.png")))
    assert _kept_tokens(first)
    # when the reporter unticks the kept file (no token sent back)
    response = client.post(url, _report_data(world.task))
    assert response.status_code == 302
    assert not Attachment.objects.exists()


def test_someone_elses_kept_token_is_refused(world, login, png_file):
    # given a token issued to the reporter
    url = reverse("task_report", args=[world.task.pk])
    first = login(world.reporter).post(
        url, _report_data(world.task, progress_text="", files=png_file("mine.png"))
    )
    tokens = _kept_tokens(first)
    # when the unit head sends it
    response = login(world.unit_head).post(url, _report_data(world.task, kept=tokens))
    # then nothing is attached and the form says why
    assert response.status_code == 400
    assert "已保留的文件无效或已过期" in response.content.decode()
    assert not Attachment.objects.exists()


def test_evidence_page_keeps_files_when_the_kind_is_invalid(world, login, png_file):
    client = login(world.reporter)
    url = reverse("task_evidence", args=[world.task.pk])
    data = {"version": world.task.version, "kind": "NOPE", "files": png_file("e.png")}
    response = client.post(url, data)
    assert response.status_code == 400
    tokens = _kept_tokens(response)
    assert len(tokens) == 1
    response = client.post(url, {"version": world.task.version, "kind": "AFTER", "kept": tokens})
    assert response.status_code == 302
    assert list(Attachment.objects.values_list("original_name", "kind")) == [("e.png", "AFTER")]


# ---------------------------------------------------------------------------------------------
# A second extension request is shown as impossible before it is sent


def _pending_extension(world):
    return services.task_request_extension(
        task=world.task,
        actor=world.reporter,
        requested_deadline=date(2020, 9, 30),
        reason="受疫情影响停工",
    )


def test_task_page_disables_extension_button_while_one_is_pending(world, login):
    client = login(world.reporter)
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert "申请延期" in buttons_on(page)
    # given a pending request
    _pending_extension(world)
    page = client.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    # then the button is no link but a disabled button saying why
    assert "申请延期" not in buttons_on(page)
    button = re.search(r'<button[^>]*data-testid="action-disabled-extension_request"[^>]*>', page)
    assert button is not None and " disabled " in button[0]
    assert "已有待审批的延期申请（申请至 2020-09-30）" in page


def test_extension_form_is_disabled_while_one_is_pending(world, login):
    client = login(world.reporter)
    url = reverse("task_extension", args=[world.task.pk])
    assert 'data-testid="extension-submit" disabled' not in client.get(url).content.decode()
    _pending_extension(world)
    body = client.get(url).content.decode()
    assert 'data-testid="extension-submit" disabled' in body
    assert "<fieldset disabled" in body
    assert "已有待审批的延期申请（申请至 2020-09-30）" in body


def test_expired_kept_files_are_swept_when_the_user_keeps_another(world, png_file):
    import os
    import time

    from django.core.files.storage import default_storage

    from rectification import pending_uploads

    # given a file kept two days ago and never sent again
    old = pending_uploads.keep(world.reporter, "files", png_file("old.png"))
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(default_storage.path(old.path), (two_days_ago, two_days_ago))
    # when the same user keeps another file
    new = pending_uploads.keep(world.reporter, "files", png_file("new.png"))
    # then the stale one is gone and its token no longer opens anything
    assert not default_storage.exists(old.path)
    assert default_storage.exists(new.path)
    with pytest.raises(InvalidInput):
        pending_uploads.reopen(world.reporter, [old.token])
