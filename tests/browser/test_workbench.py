"""工作台 in a real Chromium: every role lands on it at 1440×900 and 390×844, its counts are
links that open their lists, and on a phone 我的任务 shows tasks before filters and exports.
Screenshots: var/screenshots/workbench/."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in as _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1440, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize(
    ("username", "labels"),
    [
        ("dongcheng", ["本月未报", "即将到期", "已逾期", "被退回"]),
        ("zhujian_head", ["待自验", "本月未报", "即将到期", "已逾期", "被退回"]),
        ("office", ["待验收", "公示期满待销号", "待审批延期", "待处理预警与督办建议", "待办信访"]),
        ("leader", ["红黄牌", "逾期", "本月排名变化"]),
    ],
)
def test_each_role_lands_on_its_workbench(
    page: Page, live_server, demo_city, shoot, username, labels
):
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        _login(page, live_server, username, demo_city.password)
        # then: the login lands on the workbench, whose cards carry the role's counts
        expect(page).to_have_url(re.compile(r"/workbench/$"))
        counts = page.get_by_test_id("workbench-counts")
        expect(counts).to_be_visible()
        for label in labels:
            expect(counts.get_by_text(label, exact=True)).to_be_visible()
        # the cards are on the first screen and the page never scrolls sideways
        box = counts.bounding_box()
        assert box is not None and box["y"] + box["height"] <= viewport["height"]
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        shoot(page, f"workbench/{username}-{size}")
        # and the first card with work opens its list
        busy = page.locator("a[data-testid^='workbench-'][data-count]:not([data-count='0'])")
        href = busy.first.get_attribute("href")
        busy.first.click()
        expect(page).not_to_have_url(re.compile(r"/workbench/$"))
        assert page.url.endswith(href)
        shoot(page, f"workbench/{username}-{size}-list")
        page.goto("about:blank")  # no request of the last page may set a cookie after
        page.context.clear_cookies()


def test_my_tasks_on_a_phone_shows_actionable_tasks_first(
    page: Page, live_server, demo_city, shoot
):
    page.set_viewport_size(SIZES["phone"])
    _login(page, live_server, "nanjiang", demo_city.password)
    page.goto(f"{live_server.url}/tasks/")
    first = page.get_by_test_id("task-row").first
    expect(first).to_be_visible()
    # the first task is on the first screen, as a compact card, and it is not a closed one
    box = first.bounding_box()
    assert box["y"] + box["height"] <= SIZES["phone"]["height"]
    assert box["height"] <= 130
    expect(first).not_to_contain_text("已销号")
    # the filters are folded away, the exports come after the list
    expect(page.locator("#task-filters")).to_be_hidden()
    exports = page.get_by_test_id("task-exports").bounding_box()
    table = page.locator("#task-table").bounding_box()
    assert exports["y"] >= table["y"] + table["height"] - 1
    shoot(page, "workbench/nanjiang-phone-my-tasks")
    # opening the filters shows the form
    page.get_by_test_id("filters-toggle").click()
    expect(page.locator("#task-filters")).to_have_class(re.compile(r"\bcollapse show\b"))
    expect(page.get_by_label("搜索")).to_be_visible()
    shoot(page, "workbench/nanjiang-phone-my-tasks-filters")
