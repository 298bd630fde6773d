"""Printing (issue 13 item 4): the 通报 page and the task page under print media in a real
Chromium: no navigation, no buttons, the print header, and the 通报's first table across the
page (it printed squeezed into 160 px). Screenshots land in var/screenshots/print/."""

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from rectification.jobs import dispatch
from rectification.models import DispatchReport
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_journeys import _login

PRINT_SHOTS = SCREENSHOTS / "print"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _hidden_when_printed(page: Page) -> None:
    expect(page.locator("nav.app-navbar")).to_be_hidden()
    expect(page.locator("footer.app-footer")).to_be_hidden()
    buttons = page.locator("main .btn, main button, main form")
    assert buttons.count() > 0, "the page should have buttons to hide"
    for i in range(buttons.count()):
        expect(buttons.nth(i)).to_be_hidden()
    expect(page.get_by_test_id("print-header")).to_be_visible()


def _shoot(page: Page, name: str) -> None:
    """A full-page screenshot under print media, and the page as Chromium prints it (A4)."""
    PRINT_SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(PRINT_SHOTS / f"{name}.png"), full_page=True)
    page.pdf(path=str(PRINT_SHOTS / f"{name}.pdf"), format="A4")


def test_dispatch_and_task_pages_print_without_navigation_and_buttons(
    page: Page, live_server, demo_city
):
    dispatch.run(date(2020, 2, 1))
    report = DispatchReport.objects.get(month=date(2020, 1, 1), region__name="示范市")
    _login(page, live_server, "office", demo_city.password)

    # The 通报 page: on screen it has its buttons, the print button among them.
    page.goto(f"{live_server.url}/dispatch/{report.pk}/")
    expect(page.get_by_test_id("print-button")).to_be_visible()
    expect(page.get_by_test_id("print-header")).to_be_hidden()
    page.emulate_media(media="print")
    _hidden_when_printed(page)
    expect(page.get_by_test_id("print-header")).to_contain_text("调度通报")
    expect(page.get_by_test_id("print-header")).to_contain_text("打印日期：2020年2月15日")
    first_table = page.locator("main table").first
    assert first_table.bounding_box()["width"] > 600
    # each section after the first starts a new page
    sections = page.locator("section.print-section")
    assert sections.count() >= 2
    assert sections.nth(1).evaluate("s => getComputedStyle(s).breakBefore") == "page"
    # no URL is printed after a link
    after = page.locator("main a[href]").first.evaluate(
        "a => getComputedStyle(a, '::after').content"
    )
    assert after in ("none", "normal", "")
    _shoot(page, "dispatch")

    # The task page
    page.emulate_media(media="screen")
    task = demo_city.tasks["SD-4-1"]
    page.goto(f"{live_server.url}/tasks/{task.pk}/")
    expect(page.get_by_test_id("print-button")).to_be_visible()
    page.emulate_media(media="print")
    _hidden_when_printed(page)
    expect(page.get_by_test_id("print-header")).to_contain_text(task.code)
    # the two columns stack: each card takes the page's width
    card = page.locator("main .card").first
    assert card.bounding_box()["width"] > 600
    _shoot(page, "task")
