"""The dashboard's chart data (issue 14 item 3): short distinct axis labels with the full names
kept for the tooltips, the partial current month marked, and every datum a chart draws a
drill-down that, followed as the leader, lists exactly the figure drawn."""

import json
import re
from datetime import date

import pytest

from inspections.choices import RoundKind
from rectification.models import Task

pytestmark = pytest.mark.django_db

DASHBOARD = "/dashboard/"


@pytest.fixture
def demo_city(demo_city_shared):
    return demo_city_shared


def _chart_data(response) -> dict:
    raw = re.search(
        r'<script id="dashboard-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(raw.group(1))


def _listed(client, url: str) -> int:
    """How many tasks the task list at `url` says it holds (its "共 N 项")."""
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["total"]


def test_round_axis_labels_are_short_distinct_and_keep_the_full_names(demo_city, client):
    # given the demo's rounds, two of which begin with the same 13 characters
    # ("2019年长江经济带生态…": the 2019 warning film and the 2019 self-check)
    client.force_login(demo_city.users["leader"])
    # when the leader's dashboard is drawn
    by_round = _chart_data(client.get(DASHBOARD))["byRound"]
    # then the axis labels are short, distinct, and say the year and the kind of round
    labels, names = by_round["rounds"], by_round["names"]
    assert len(labels) == len(names) == 4
    assert len(set(labels)) == len(labels), labels
    assert all(len(label) <= 10 for label in labels), labels
    assert dict(zip(names, labels, strict=True)) == {
        "第二轮省级生态环境保护例行督察（示范市）": "2019年省级督察",
        "2019年长江经济带生态环境警示片披露问题": "2019年警示片",
        "2018年长江经济带生态环境警示片披露问题": "2018年警示片",
        "2019年长江经济带生态环境问题自查": "2019年自查",
    }


def test_rounds_that_would_share_a_label_are_told_apart():
    from rectification.dashboard import round_short_names

    rounds = [
        {"name": "2019年长江经济带警示片（上）", "code": "A", "kind": RoundKind.YANGTZE_FILM},
        {"name": "长江经济带警示片（下）", "code": "B2019", "kind": RoundKind.YANGTZE_FILM},
        {
            "name": "省级专项督察",
            "code": "C",
            "kind": RoundKind.PROV_SPECIAL,
            "feedback_date": date(2021, 3, 1),
        },
        {"name": "其他交办事项", "code": "D", "kind": RoundKind.OTHER},
    ]
    assert round_short_names(rounds) == [
        "2019年警示片（1）",
        "2019年警示片（2）",
        "2021年省级专项",
        "交办",
    ]


def test_the_trend_is_smooth_free_data_with_the_partial_month_marked(demo_city, client):
    # given the business date 2020-02-15
    client.force_login(demo_city.users["leader"])
    trend = _chart_data(client.get(DASHBOARD))["trend"]
    # then only February 2020, the month not yet over, is marked, with how far it goes
    assert trend[-1]["month"] == "2020-02"
    assert trend[-1]["partial"] == "本月截至15日"
    assert not any(point.get("partial") for point in trend[:-1])


def test_every_chart_datum_drills_down_to_exactly_its_figure(demo_city, client):
    # given the leader's dashboard on the demo city
    client.force_login(demo_city.users["leader"])
    data = _chart_data(client.get(DASHBOARD))
    checked = 0
    # then every segment of the by-round bars lists its figure …
    for series in data["byRound"]["series"]:
        assert len(series["data"]) == len(data["byRound"]["rounds"])
        for datum, name in zip(series["data"], data["byRound"]["names"], strict=True):
            assert _listed(client, datum["url"]) == datum["value"], (series["name"], name)
            checked += 1
    # … every county bar its figure, and every point of the completion rate its numerator …
    areas = data["areas"]
    for i, name in enumerate(areas["names"]):
        for key in ("total", "closed", "overdue"):
            assert _listed(client, areas[key][i]["url"]) == areas[key][i]["value"], (name, key)
            checked += 1
        rate = areas["rate"][i]
        closed = _listed(client, rate["url"])
        assert closed == areas["closed"][i]["value"], name
        assert rate["value"] == round(100 * closed / areas["total"][i]["value"], 1), name
    # … every month of the trend the tasks closed in it …
    for point in data["trend"]:
        assert _listed(client, point["url"]) == point["closed"], point["month"]
        checked += 1
    # … and every point of the scatter its task's page
    points = [p for s in data["scatter"]["series"] for p in s["data"]]
    assert len(points) == Task.objects.filter(lat__isnull=False).count()
    for point in points:
        response = client.get(point["url"])
        assert response.status_code == 200, point
        assert point["name"].split()[0] in response.content.decode()
        checked += 1
    assert sum(p["closed"] for p in data["trend"]) > 0
    assert checked > 50
