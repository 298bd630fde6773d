"""手机填报 in a real Chromium at 390×844: the report form offers the camera, a photo chosen
before a validation error is kept and sent with the corrected form, and the task page then
shows the photo's EXIF time and position. Screenshots: var/screenshots/phone/."""

import re

import pytest
from playwright.sync_api import Page, expect

from rectification.choices import WORKING_STATUSES
from rectification.models import Task
from tests.photos import photo_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def test_phone_report_with_camera_photo_survives_a_validation_error(
    page: Page, live_server, demo_city, shoot
):
    user = demo_city.users["nanjiang"]
    task = (
        Task.objects.visible_to(user)
        .filter(status__in=WORKING_STATUSES, lead_unit=user.unit)
        .order_by("id")
        .first()
    )
    assert task is not None
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("nanjiang")
    page.get_by_label("密码").fill(demo_city.password)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server.url}/tasks/{task.pk}/report/")
    # the camera input is there, beside the ordinary picker
    camera = page.locator("input[name=photos]")
    expect(camera).to_have_attribute("capture", "environment")
    expect(camera).to_have_attribute("accept", "image/*")
    expect(page.locator("input[name=files]")).not_to_have_attribute("capture", re.compile(".*"))
    # when a photo is taken and the form sent without 本月进展
    camera.set_input_files(
        {
            "name": "现场.jpg",
            "mimeType": "image/jpeg",
            "buffer": photo_bytes(taken="2020:02:14 16:05:00", lat=29.5, lng=106.5),
        }
    )
    page.locator("textarea[name=progress_text]").fill("")
    page.locator("input[name=progress_pct]").fill(str(max(task.progress_pct, 60)))
    page.get_by_role("button", name="提交").click()
    # then the form comes back with its error and the photo kept, ticked
    expect(page.locator(".invalid-feedback").first).to_be_visible()
    kept = page.get_by_test_id("kept-file")
    expect(kept).to_contain_text("已保留：现场.jpg")
    expect(kept.locator("input[type=checkbox]")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shoot(page, "phone/report-kept-photo")
    # when the text is filled in and the form sent again, without choosing the photo again
    page.locator("textarea[name=progress_text]").fill("排口已封堵，正在清淤")
    page.get_by_role("button", name="提交").click()
    # then the task page (or the close-out offer) follows, and the photo carries its EXIF
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    meta = page.get_by_test_id("photo-meta").filter(has_text="2020-02-14 16:05")
    expect(meta).to_be_visible()
    expect(meta).to_contain_text("位置 29.50000, 106.50000")
    meta.scroll_into_view_if_needed()
    shoot(page, "phone/task-photo-meta")
