"""Journey (4) in Debian's Chromium: a leader's dashboard shows the closed count go up by one
after a close-out, and the drill-down (a KPI card, and a bar of the chart) lists the task."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from tests.dashboard.conftest import NOTICE_OVER, NOTICE_RUNNING
from tests.factories import TaskFactory

SHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1000)  # chart animations
    page.screenshot(path=str(SHOTS / name), full_page=True)


def closed_count(page) -> int:
    return int(page.get_by_test_id("kpi-closed").locator(".kpi-value").inner_text())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leader_sees_closed_count_rise_and_drills_down(page, live_server, world, closer):
    # given one task already closed, one ready to close (notice over) and one in notice
    def dongcheng_task(code, name, lng, lat):
        return TaskFactory(
            problem=world.problem,
            code=code,
            name=name,
            region=world.dongcheng,
            lead=world.dc_gov,
            lng=lng,
            lat=lat,
            goal="消除生活污水直排",
        )

    earlier = dongcheng_task("SD-4-21", "清溪河东城区段2#排口", 116.41, 39.91)
    closer.close(closer.publicize(earlier, notice_start=NOTICE_OVER[0], notice_end=NOTICE_OVER[1]))
    ready = closer.publicize(world.task, notice_start=NOTICE_OVER[0], notice_end=NOTICE_OVER[1])
    running = dongcheng_task("SD-4-22", "清溪河东城区段9#排口", 116.43, 39.93)
    closer.publicize(running, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])

    # when the leader logs in and opens the dashboard
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", world.leader.username)
    page.fill("input[name=password]", "pass-1234")
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#chart-by-round canvas")
    assert "领导驾驶舱" in page.title()
    before = closed_count(page)
    assert before == 1
    shoot(page, "dashboard.png")

    # and the office closes the ready task out (through the services), and the leader reloads
    closer.close(ready)
    page.reload()
    page.wait_for_selector("#chart-by-round canvas")

    # then the closed count went up by one
    assert closed_count(page) == before + 1
    shoot(page, "dashboard-after-close.png")

    # and the 已销号 card lists both closed tasks, the new one among them
    page.get_by_test_id("kpi-closed").click()
    page.wait_for_url(re.compile(r"/tasks/\?.*status=CLOSED"))
    body = page.locator("main").inner_text()
    assert world.task.name in body and earlier.name in body
    assert running.name not in body
    shoot(page, "dashboard-drilldown.png")

    # and clicking the 已销号 bar of the round chart drills down the same way
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#chart-by-round canvas")
    page.wait_for_timeout(1000)
    box = page.locator("#chart-by-round").bounding_box()
    x, y = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById('chart-by-round'));
            const closed = chart.getOption().series[0].data[0].value;
            return chart.convertToPixel({seriesIndex: 0}, [closed / 2, 0]);
        }"""
    )
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(r"/tasks/\?.*round=\d+.*status=CLOSED"))
    assert world.task.name in page.locator("main").inner_text()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_public_page_renders_for_anonymous_visitors(page, live_server, world, closer):
    # given a task in its notice period
    closer.publicize(world.task, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])
    # when someone who is not logged in opens the public page
    page.goto(f"{live_server.url}/public/")
    # then the task is shown with its contact line
    entry = page.get_by_test_id("public-entry")
    assert entry.count() == 1
    assert world.task.name in entry.inner_text()
    assert "异议联系电话" in entry.inner_text()
    shoot(page, "dashboard-public.png")
