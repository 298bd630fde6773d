"""End-to-end journeys on the demo city in a real Chromium (issue 3, journeys 1–3 and 5–7)."""

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from rectification.choices import AssignmentRole, CloseoutStatus, TaskStatus
from rectification.models import Assignment, Attachment, CloseoutApplication, Task
from tests.browser.conftest import log_in as _login
from tests.conftest import _png_bytes
from tests.factories import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _journey_task(demo) -> Task:
    """A 东城区 task led by 东城区政府, in progress, never reopened, no sector department."""
    dc_gov = demo.users["dongcheng"].unit
    candidates = (
        Task.objects.filter(lead_unit=dc_gov, status=TaskStatus.IN_PROGRESS, reopen_count=0)
        .exclude(assignments__role=AssignmentRole.SECTOR)
        .exclude(assignments__unit=demo.users["xicheng"].unit)
        .order_by("deadline", "id")
    )
    task = candidates.first()
    assert task is not None, "the demo city should have an open 东城区 task"
    return task


def _photos(tmp_path, *names):
    paths = []
    for i, name in enumerate(names):
        path = tmp_path / name
        path.write_bytes(_png_bytes((40 * i, 120, 200 - 40 * i)))
        paths.append(str(path))
    return paths


def _open_nav(page: Page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#mainNav")).to_have_class(re.compile("show"))


def _reporter_applies(page, live_server, demo, task, tmp_path, shoot, prefix):
    """Journey (1): find the task through the filters, report with two photos, apply."""
    _login(page, live_server, "dongcheng", demo.password)
    _open_nav(page)
    page.get_by_role("link", name="我的任务").click()
    expect(page.get_by_role("heading", name="我的任务")).to_be_visible()
    shoot(page, f"{prefix}my-tasks")
    # on a phone the filters are folded away behind one button
    toggle = page.get_by_test_id("filters-toggle")
    if toggle.is_visible():
        toggle.click()
    page.get_by_label("搜索").fill(task.code)
    page.get_by_test_id("filter-submit").click()
    expect(page.get_by_test_id("task-row")).to_have_count(1)
    page.get_by_role("link", name=task.name).click()
    expect(page.get_by_test_id("task-title")).to_have_text(task.name)
    shoot(page, f"{prefix}task-page")

    page.get_by_role("link", name="报送进展").click()
    page.get_by_label("本月进展").fill("完成截污管网铺设并接入市政管网")
    page.get_by_label("完成比例（%）").fill("95")
    page.get_by_label("下步计划").fill("申请销号")
    page.get_by_label("佐证材料").set_input_files(_photos(tmp_path, "现场一.png", "现场二.png"))
    shoot(page, f"{prefix}report-form")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_text("本月进展已报送")).to_be_visible()
    expect(page.get_by_test_id("progress-pct")).to_have_text("95%")

    page.get_by_role("link", name="申请销号").click()
    page.get_by_label("整改完成情况说明").fill("排口已封堵，污水全部接管，水质达标")
    for checkbox in page.locator("fieldset input[type=checkbox]").all():
        checkbox.check()
    page.get_by_label("整改前照片/材料").set_input_files(_photos(tmp_path, "整改前.png"))
    page.get_by_label("整改后照片/材料").set_input_files(_photos(tmp_path, "整改后.png"))
    shoot(page, f"{prefix}closeout-form")
    page.get_by_role("button", name="提交销号申请").click()
    expect(page.get_by_text("销号申请已提交")).to_be_visible()
    expect(page.get_by_test_id("task-status")).to_have_text("申请销号")
    shoot(page, f"{prefix}task-applied")
    assert Attachment.objects.filter(task=task, report__isnull=False).count() >= 2
    _open_nav(page)
    page.locator("form[action$='/logout/'] button").click()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def _head_self_checks(page, live_server, demo, shoot):
    """Journey (2)."""
    _login(page, live_server, "dongcheng_head", demo.password)
    page.goto(f"{live_server.url}/self-check/")
    expect(page.get_by_test_id("selfcheck-row")).to_have_count(1)
    shoot(page, "selfcheck-queue")
    page.get_by_role("link", name="县级自验").click()
    # the page shows the evidence side by side and asks for a decision (no default)
    expect(page.get_by_test_id("evidence-before").locator("img").first).to_be_visible()
    expect(page.get_by_test_id("evidence-after").locator("img").first).to_be_visible()
    page.get_by_label("自验通过").check()
    page.get_by_label("自验意见/退回理由").fill("经现场核查，整改到位，同意报市级验收")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_text("县级自验通过")).to_be_visible()
    page.goto("about:blank")  # no request of the last page may set a cookie after
    page.context.clear_cookies()


def test_closeout_journey_reporter_head_office_and_outsider(
    page: Page, live_server, demo_city, tmp_path, shoot, settings
):
    task = _journey_task(demo_city)
    _reporter_applies(page, live_server, demo_city, task, tmp_path, shoot, "")
    page.goto("about:blank")  # no request of the last page may set a cookie after
    page.context.clear_cookies()
    _head_self_checks(page, live_server, demo_city, shoot)

    # (3) the office records the province's 复核 when the round requires it, accepts with the
    # notice the form proposes (five working days from today), and may close it out only
    # after the notice's last day
    _login(page, live_server, "office", demo_city.password)
    page.get_by_role("link", name="验收队列").click()
    shoot(page, "review-queue")
    if task.round.requires_provincial_review:
        row = page.get_by_test_id("review-row").filter(has_text=task.name)
        expect(row).to_contain_text("待省级复核")
        row.get_by_role("link", name="登记验收意见").click()
        page.get_by_label("验收意见").fill("省级复核合格（示范省环督办复核意见）")
        # the city office records it on the province's document: number, date and scan
        page.get_by_label("省级复核文件文号").fill("示省环督办函〔2020〕9号")
        page.get_by_label("省级复核文件日期").fill("2020-02-14")
        scan = tmp_path / "省级复核文件.pdf"
        scan.write_bytes(PDF_BYTES)
        page.get_by_label("省级复核文件扫描件（PDF）").set_input_files(str(scan))
        page.get_by_role("button", name="确定").click()
        expect(page.get_by_text("已登记省级验收意见：通过")).to_be_visible()
        page.goto(f"{live_server.url}/review/")
    page.get_by_test_id("review-row").filter(has_text=task.name).get_by_role(
        "link", name="验收通过"
    ).click()
    page.get_by_label("验收意见").fill("现场核查和资料审查合格")
    expect(page.get_by_label("公示结束")).to_have_value("2020-02-21")
    page.get_by_label("异议联系电话").fill("0999-12369")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_test_id("task-status")).to_have_text("公示中")
    expect(page.get_by_test_id("close-later")).to_contain_text("2020-02-21")
    expect(
        page.get_by_test_id("task-actions").get_by_role("link", name="销号", exact=True)
    ).to_have_count(0)
    settings.TRACKER_TODAY = date(2020, 2, 22)  # the day after the notice
    page.reload()
    page.get_by_test_id("task-actions").get_by_role("link", name="销号", exact=True).click()
    page.get_by_label("销号文号").fill("示环督办〔2020〕8号")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_test_id("task-status")).to_have_text("已销号")
    expect(page.get_by_test_id("timeline")).to_contain_text("销号")
    shoot(page, "task-closed")
    page.get_by_role("link", name="任务台账").click()
    shoot(page, "ledger")
    page.get_by_role("link", name="督察轮次").click()
    page.get_by_test_id("round-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("headline")).to_contain_text("项")
    shoot(page, "round-detail")
    assert Task.objects.get(pk=task.pk).status == TaskStatus.CLOSED
    page.goto("about:blank")  # no request of the last page may set a cookie after
    page.context.clear_cookies()

    # (5) a reporter of another county gets 404 for the task and for its evidence
    evidence = Attachment.objects.filter(task=task).first()
    _login(page, live_server, "xicheng", demo_city.password)
    response = page.goto(f"{live_server.url}/tasks/{task.pk}/")
    assert response.status == 404
    expect(page.get_by_text("页面不存在")).to_be_visible()
    shoot(page, "not-found")
    response = page.request.get(f"{live_server.url}/attachments/{evidence.pk}/download/")
    assert response.status == 404


def test_office_returns_and_reporter_sees_reason(
    page: Page, live_server, demo_city, tmp_path, shoot
):
    task = _journey_task(demo_city)
    _reporter_applies(page, live_server, demo_city, task, tmp_path, shoot, "r-")
    page.goto("about:blank")  # no request of the last page may set a cookie after
    page.context.clear_cookies()
    _head_self_checks(page, live_server, demo_city, shoot)

    # (6) the office returns it with a reason
    _login(page, live_server, "office", demo_city.password)
    page.goto(f"{live_server.url}/review/")
    page.get_by_test_id("review-row").filter(has_text=task.name).get_by_role(
        "link", name="退回"
    ).click()
    page.get_by_label("退回理由").fill("辅助设施和设备调试尚未完成")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_test_id("task-status")).to_have_text("整改中")
    page.goto("about:blank")  # no request of the last page may set a cookie after
    page.context.clear_cookies()

    _login(page, live_server, "dongcheng", demo_city.password)
    expect(page.get_by_test_id("unread-badge")).to_be_attached()
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    expect(page.get_by_test_id("return-reason")).to_contain_text("辅助设施和设备调试尚未完成")
    shoot(page, "task-returned")
    page.goto(f"{live_server.url}/notifications/?unread=1")
    expect(page.get_by_test_id("filter-unread")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.get_by_test_id("filter-all")).not_to_have_class(re.compile(r"\bactive\b"))
    returned = page.get_by_test_id("notification").filter(has_text="销号申请被退回").first
    expect(returned).to_contain_text("未读")
    shoot(page, "notifications")
    # opening it leads to the task and marks it read: it leaves the unread view
    returned.get_by_test_id("notification-open").click()
    expect(page.get_by_test_id("return-reason")).to_contain_text("辅助设施和设备调试尚未完成")
    page.goto(f"{live_server.url}/notifications/?unread=1")
    expect(page.get_by_test_id("notification").filter(has_text="销号申请被退回")).to_have_count(0)
    page.get_by_test_id("filter-all").click()
    expect(page.get_by_test_id("filter-all")).to_have_class(re.compile(r"\bactive\b"))
    expect(
        page.get_by_test_id("notification").filter(has_text="销号申请被退回").first
    ).to_be_visible()
    latest = CloseoutApplication.objects.filter(task=task).order_by("-applied_at").first()
    assert latest.status == CloseoutStatus.RETURNED


def test_reporter_journey_on_a_phone(page: Page, live_server, demo_city, tmp_path, shoot):
    # (7) journey (1) at 390×844: the navigation collapses, tables become cards
    page.set_viewport_size({"width": 390, "height": 844})
    task = _journey_task(demo_city)
    _reporter_applies(page, live_server, demo_city, task, tmp_path, shoot, "phone-")
    # the page never scrolls sideways
    _login(page, live_server, "dongcheng", demo_city.password)
    page.goto(f"{live_server.url}/tasks/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert Task.objects.get(pk=task.pk).status == TaskStatus.APPLIED
    assert Assignment.objects.filter(task=task, role=AssignmentRole.LEAD).exists()
