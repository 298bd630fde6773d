"""One filter encoding for the task list, its CSV, its Excel and every drill-down (issue 14).

Each test here is a defect a user met: the Excel export's bare 400 after 筛选, a dashboard
drill-down that the filter form could not carry (several statuses, overdue=false), and the
trend whose every point led to all closed tasks.
"""

import json
import re

import pytest
from django.utils import timezone

from accounts.events import EventVerb
from rectification.models import Event, Task
from tests.web.crawler import form_url, parse

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


def _total(response) -> int:
    return int(re.search(r"共 (\d+) 项", response.content.decode()).group(1))


def _filter_form(response):
    # the list's own filter form (the header's search box is a GET form too)
    forms = parse(response.content.decode()).forms
    return next(f for f in forms if f.method == "get" and f.action == "/tasks/")


def _chart_data(response) -> dict:
    html = response.content.decode()
    raw = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(raw.group(1))


def test_excel_export_after_pressing_filter_is_the_workbook(demo_city, login):
    # given the office's list after 筛选: the form sends its blank fields too
    client = login(demo_city.users["office"])
    query = (
        "q=&round=&status=IN_PROGRESS&schedule_status=&warning_level=&sort=deadline&unit=&county="
    )
    # when the 导出台账（Excel） link of that page is followed
    response = client.get(f"/imports/ledger.xlsx?{query}")
    # then it is the workbook, as the CSV of the same list is
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert client.get(f"/tasks/export.csv?{query}").status_code == 200


def test_excel_export_with_a_bad_filter_says_so_in_chinese(demo_city, login):
    client = login(demo_city.users["office"])
    response = client.get("/imports/ledger.xlsx?status=BOGUS&round=x")
    assert response.status_code == 400
    text = response.content.decode()
    assert "整改状态" in text and "督察轮次" in text
    assert "status" not in text and "round：" not in text


def test_export_links_carry_the_lists_filters_without_blanks(demo_city, login):
    client = login(demo_city.users["office"])
    response = client.get("/tasks/?q=&round=&status=IN_PROGRESS&schedule_status=&page=1")
    links = parse(response.content.decode()).links
    exports = [h for h in links if h.startswith(("/imports/ledger.xlsx", "/tasks/export.csv"))]
    assert sorted(exports) == [
        "/imports/ledger.xlsx?status=IN_PROGRESS",
        "/tasks/export.csv?status=IN_PROGRESS",
    ]


def test_every_dashboard_drill_down_survives_pressing_filter(demo_city, login):
    # given the leader's dashboard, whose figures link to the task list
    client = login(demo_city.users["leader"])
    dashboard = client.get("/dashboard/")
    drill_downs = sorted(
        {h for h in parse(dashboard.content.decode()).links if h.startswith("/tasks/?")}
    )
    assert any(h.count("status=") > 1 for h in drill_downs)  # several statuses in one link
    for url in drill_downs:
        listed = client.get(url)
        # when 筛选 is pressed without changing anything
        form = _filter_form(listed)
        again = client.get(form_url("/tasks/", form, form.submission()))
        # then the list is the same
        assert _total(again) == _total(listed), url


def test_picking_a_county_after_a_drill_down_keeps_overdue_false(demo_city, login):
    # given the 整改中 drill-down (working and not overdue)
    client = login(demo_city.users["office"])
    listed = client.get("/tasks/?status=IN_PROGRESS&overdue=false")
    form = _filter_form(listed)
    county = demo_city.tasks["SD-5-1"].region
    # when a county is picked
    pairs = form.submission(("county", [str(county.pk)]))
    # then the list is still only the tasks not overdue
    assert ("overdue", "false") in pairs
    assert ("status", "IN_PROGRESS") in pairs


def test_each_trend_point_drills_into_its_month(demo_city, login):
    client = login(demo_city.users["leader"])
    trend = _chart_data(client.get("/dashboard/"))["trend"]
    assert len({p["url"] for p in trend}) == len(trend)
    closing = [p for p in trend if p["closed"]]
    assert closing
    for point in closing:
        year, month = map(int, point["month"].split("-"))
        listed = client.get(point["url"])
        codes = re.findall(
            r'data-testid="task-row">\s*<td[^>]*>([^<]+)</td>', listed.content.decode()
        )
        assert len(codes) == point["closed"], point
        for task in Task.objects.filter(code__in=codes):
            closes = Event.objects.filter(task=task, verb=EventVerb.CLOSE)
            months = {
                (d.year, d.month)
                for d in map(timezone.localdate, closes.values_list("created_at", flat=True))
            }
            assert (year, month) in months, (point, task.code)
