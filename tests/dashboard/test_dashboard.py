"""The leader dashboard: figures equal a recount, every drill-down reproduces its figure,
scope and permissions hold, and the query count does not grow with the data."""

from datetime import date
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.http import QueryDict
from django.urls import reverse

from accounts import clock
from rectification.choices import WORKING_STATUSES, ScheduleStatus, TaskStatus, WarningLevel
from rectification.dashboard import dashboard_for, task_list_url
from rectification.filtersets import TaskFilterSet
from rectification.models import Task

DASHBOARD = "/dashboard/"


def drill_count(url: str, user) -> int:
    """How many tasks the task list behind `url` shows to `user`."""
    query = QueryDict(mutable=True)
    for key, value in parse_qsl(urlsplit(url).query):
        query.appendlist(key, value)
    filterset = TaskFilterSet(query, queryset=Task.objects.visible_to(user))
    assert filterset.is_valid(), filterset.errors
    return filterset.qs.count()


def recount(tasks: list[Task], today: date) -> dict[str, int]:
    """The dashboard's buckets, counted one task at a time in Python."""

    def overdue(t):
        return t.status in WORKING_STATUSES and t.deadline is not None and t.deadline < today

    working = [t for t in tasks if t.status in WORKING_STATUSES]
    figures = {
        "total": len(tasks),
        "closed": sum(t.status == TaskStatus.CLOSED for t in tasks),
        "publicizing": sum(t.status == TaskStatus.PUBLICIZING for t in tasks),
        "in_review": sum(t.status in (TaskStatus.APPLIED, TaskStatus.IN_REVIEW) for t in tasks),
        "overdue": sum(overdue(t) for t in tasks),
        "in_progress": sum(not overdue(t) for t in working),
        "behind": sum(
            not overdue(t) and t.schedule_status == ScheduleStatus.BEHIND for t in working
        ),
        # an overdue task is red, never yellow, whatever colour is stored
        "red": sum(
            (t.warning_level == WarningLevel.RED or overdue(t)) and t.status != TaskStatus.CLOSED
            for t in tasks
        ),
        "yellow": sum(
            t.warning_level == WarningLevel.YELLOW
            and t.status != TaskStatus.CLOSED
            and not overdue(t)
            for t in tasks
        ),
    }
    total = figures["total"]
    figures["completion_rate"] = round(100 * figures["closed"] / total, 1) if total else 0.0
    work = figures["in_progress"] + figures["overdue"]
    figures["on_schedule_rate"] = (
        round(100 * (work - figures["behind"] - figures["overdue"]) / work, 1) if work else 100.0
    )
    return figures


def test_kpis_equal_a_recount_of_the_leaders_tasks(world, board_tasks, second_city):
    # given 24 varied tasks in 示范市 (plus the world's two) and two tasks in 邻市
    board_tasks(24)
    # when the city leader's dashboard is computed
    board = dashboard_for(world.leader)
    # then every KPI equals a task-by-task recount over 示范市 only
    mine = list(Task.objects.filter(region__path__startswith=world.city.path))
    expected = recount(mine, clock.today())
    shown = {kpi.key: kpi.value for kpi in board.kpis}
    for key, value in expected.items():
        assert shown[key] == value, key
    assert shown["total"] == 26
    # and the buckets partition the tasks
    t = board.totals
    assert t.closed + t.publicizing + t.in_review + t.in_progress + t.overdue == t.total


def test_every_kpi_drill_down_lists_exactly_its_figure(world, board_tasks):
    # given varied tasks
    board_tasks(30)
    # when the leader's dashboard is computed
    board = dashboard_for(world.leader)
    # then the task list behind each count shows exactly that many tasks
    for kpi in board.kpis:
        if kpi.unit == "个":
            assert drill_count(kpi.url, world.leader) == kpi.value, kpi.key
    # and the rates link to their numerators
    rates = {kpi.key: kpi for kpi in board.kpis if kpi.unit == "%"}
    assert drill_count(rates["completion_rate"].url, world.leader) == board.totals.closed
    on_schedule = board.totals.in_progress - board.totals.behind
    assert drill_count(rates["on_schedule_rate"].url, world.leader) == on_schedule


def test_round_county_and_unit_drill_downs_reproduce_their_figures(world, board_tasks):
    # given varied tasks in several counties, a township and at city level
    board_tasks(30)
    board = dashboard_for(world.leader)
    # then each by-round cell …
    for row in board.rounds:
        for key, url in row.urls.items():
            if key != "on_schedule":
                assert drill_count(url, world.leader) == getattr(row.totals, key), (row.name, key)
    # … each county / city-level bar …
    names = {a.name for a in board.areas}
    assert {"东城区", "西城区", "示范市（本级）"} <= names
    assert sum(a.total for a in board.areas) == board.totals.total
    for area in board.areas:
        for key in ("total", "closed", "overdue"):
            assert drill_count(area.urls[key], world.leader) == getattr(area, key), (area.name, key)
    # … and each unit ranking cell gives back its figure
    for unit in board.units:
        for key in ("total", "closed", "overdue", "red", "yellow"):
            assert drill_count(unit.urls[key], world.leader) == getattr(unit, key), (unit.name, key)


def test_township_tasks_count_in_their_county(world, township, board_tasks):
    board_tasks(8)
    board = dashboard_for(world.leader)
    dongcheng = next(a for a in board.areas if a.name == "东城区")
    in_dongcheng = Task.objects.filter(region__path__startswith=world.dongcheng.path).count()
    assert Task.objects.filter(region=township).exists()
    assert dongcheng.total == in_dongcheng
    assert f"county={world.dongcheng.pk}" in dongcheng.urls["total"]


def test_unit_ranking_orders_by_completion_rate_then_overdue(world, board_tasks):
    board_tasks(40)
    units = dashboard_for(world.leader).units
    keys = [(-u.completion_rate, u.overdue) for u in units]
    assert keys == sorted(keys)
    assert {u.name for u in units} == {"东城区政府", "西城区政府", "市住建局"}


def test_a_long_unit_ranking_shows_the_best_and_the_worst(client, world, board_tasks, monkeypatch):
    from rectification import dashboard

    board_tasks(40)
    full = dashboard_for(world.leader).units
    # given more units than twice the edge (three units, the edge lowered to one)
    monkeypatch.setattr(dashboard, "UNIT_RANKING_EDGE", 1)
    board = dashboard_for(world.leader)
    # then the first and the last of the full ranking are shown, with their ranks
    assert [(u.rank, u.unit_id) for u in board.units] == [
        (1, full[0].unit_id),
        (3, full[2].unit_id),
    ]
    assert board.units_ranked == 3
    assert [u.after_gap for u in board.units] == [False, True]
    client.force_login(world.leader)
    page = client.get(DASHBOARD).content.decode()
    assert "共 3 个牵头单位，仅列出前后各 1 名" in page


def test_round_filter_narrows_every_figure(world, board_tasks, closer):
    # given a second round in the same city with one task
    from tests.factories import ProblemFactory, RoundFactory, TaskFactory

    board_tasks(12)
    other_round = RoundFactory(code="ZY2018", name="中央环保督察（示范市）", region=world.city)
    TaskFactory(
        problem=ProblemFactory(round=other_round),
        code="ZY-1",
        region=world.dongcheng,
        lead=world.dc_gov,
        lng=116.1,
        lat=39.8,
    )
    # when the leader picks the first round
    board = dashboard_for(world.leader, round_id=str(world.round.pk))
    # then the figures are the round's, the drill-downs carry the round, and the
    # round list still offers both rounds
    assert board.totals.total == Task.objects.filter(round=world.round).count()
    assert [r.round_id for r in board.rounds] == [world.round.pk]
    assert {rid for rid, _ in board.round_choices} == {world.round.pk, other_round.pk}
    for kpi in board.kpis:
        assert f"round={world.round.pk}" in kpi.url
        if kpi.unit == "个":
            assert drill_count(kpi.url, world.leader) == kpi.value, kpi.key
    assert sum(a.total for a in board.areas) == board.totals.total
    assert all("ZY-1" not in p["name"] for p in board.points)
    # and a round id that is not a number is ignored rather than an error
    assert dashboard_for(world.leader, round_id="abc").round_id is None


def test_round_headline_is_computed_from_the_feedback_tree(world):
    board = dashboard_for(world.leader)
    assert [r.headline for r in board.rounds] == ["1方面1类1项"]


def test_trend_counts_close_events_by_month_in_shanghai(world, board_tasks):
    # given close-out events in 2018-05, 2019-06, 2019-12 and at 2020-02-01 01:00 Shanghai
    tasks = board_tasks(48)
    closed = [t for t in tasks if t.status == TaskStatus.CLOSED]
    by_month: dict[str, int] = {}
    for t in closed:
        local = t.closed_at.astimezone(ZoneInfo("Asia/Shanghai"))
        by_month[f"{local:%Y-%m}"] = by_month.get(f"{local:%Y-%m}", 0) + 1
    # when the trend is read on the business date 2020-02-15
    trend = dashboard_for(world.leader).trend
    # then it covers 2019-03 … 2020-02 and counts each month's events (the boundary event in
    # February, not January; the 2018 one outside the window)
    assert trend[0]["month"] == "2019-03"
    assert trend[-1]["month"] == "2020-02"
    shown = {m["month"]: m["closed"] for m in trend}
    for month in ("2019-06", "2019-12", "2020-02"):
        assert shown[month] == by_month[month]
    assert shown["2020-01"] == 0
    assert "2018-05" not in shown
    # each point drills into the tasks closed in its month, as many as it counts
    assert trend[-1]["url"] == task_list_url([("closed_month", "2020-02")])
    assert trend[9]["url"].endswith("closed_month=2019-12")
    for point in trend:
        assert drill_count(point["url"], world.leader) == point["closed"], point["month"]


def test_scatter_points_carry_status_and_are_capped(world, board_tasks, settings, monkeypatch):
    tasks = board_tasks(10)
    located = [t for t in tasks if t.lat is not None]
    board = dashboard_for(world.leader)
    assert len(board.points) == len(located)
    assert not board.points_truncated
    # when the cap is lower than the number of located tasks, the page says so
    monkeypatch.setattr("rectification.dashboard.SCATTER_CAP", 3)
    board = dashboard_for(world.leader)
    assert len(board.points) == 3
    assert board.points_truncated


# --- pages: permissions, scope, query counts ---------------------------------------------

PERSONAS = ["anonymous", "reporter", "unit_head", "coop_reporter", "office", "leader", "admin"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("reporter", 403),
        ("unit_head", 403),
        ("coop_reporter", 403),
        ("office", 200),
        ("leader", 200),
        ("admin", 200),
    ],
)
def test_dashboard_permission_matrix(client, world, persona, expected):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    response = client.get(DASHBOARD)
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_public_page_is_open_to_everyone(client, world, persona):
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    assert client.get("/public/").status_code == 200


def test_dashboard_url_names():
    assert reverse("dashboard") == DASHBOARD
    assert reverse("public_notices") == "/public/"


def test_leader_of_another_city_sees_only_their_city(client, world, board_tasks, second_city):
    # given tasks in 示范市 and in 邻市
    board_tasks(6)
    # when the 邻市 leader opens the dashboard
    client.force_login(second_city.leader)
    response = client.get(DASHBOARD)
    # then only 邻市's two tasks are counted and none of 示范市's names appear
    board = response.context["board"]
    assert board.totals.total == 2
    assert [a.name for a in board.areas] == ["邻县"]
    assert [r.round_id for r in board.rounds] == [second_city.round.pk]
    content = response.content.decode()
    assert "东城区" not in content and "清溪河" not in content
    # and the drill-downs give back 2 for them as well
    total = next(k for k in board.kpis if k.key == "total")
    assert drill_count(total.url, second_city.leader) == 2
    # and picking 示范市's round shows nothing of it
    board = client.get(DASHBOARD, {"round": world.round.pk}).context["board"]
    assert board.totals.total == 0


def test_dashboard_page_embeds_chart_data_and_links_figures(client, world, board_tasks):
    board_tasks(12)
    client.force_login(world.leader)
    response = client.get(DASHBOARD)
    content = response.content.decode()
    assert '<script id="dashboard-data" type="application/json">' in content
    assert "vendor/echarts-6.1.0/echarts.min.js" in content
    assert "js/dashboard.js" in content
    board = response.context["board"]
    closed = next(k for k in board.kpis if k.key == "closed")
    assert f'href="{closed.url.replace("&", "&amp;")}"' in content
    assert 'data-testid="kpi-closed"' in content
    # no inline script besides the JSON data block
    assert content.count("<script>") == 0


def _queries_for(client, django_assert_num_queries, n):
    with django_assert_num_queries(n):
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return response


# session, user (with its unit and region: the scope and the scope label need no query); the
# day's tally is built (one query); figures from the tally: totals by round, rounds with
# headlines, totals, cells by region, counties above them, unit ranking, trend; from the
# tasks: the scatter; the petitions in scope (the 信访件 panel); page: the header's unread badge.
LEADER_QUERIES = 13
# The first dashboard of a day the nightly job has not reached builds the day's tally first:
# savepoint, (PostgreSQL: the build lock), is it built now? (another request may have built it
# meanwhile), the build's savepoint, (its lock again), delete the day's and old cells, trend
# cells and days, one INSERT … SELECT each for cells and trend, the day's marker, 2 releases.
FIRST_OF_DAY_QUERIES = LEADER_QUERIES + 11


@pytest.mark.parametrize("extra", [5, 40])
def test_dashboard_query_count_does_not_grow_with_tasks(
    client, world, board_tasks, extra, django_assert_num_queries
):
    from django.db import connection

    from rectification.models import TallyDay

    board_tasks(extra)
    client.force_login(world.leader)
    TallyDay.objects.all().delete()  # the nightly job has not built today's tally yet
    # advisory locks on PostgreSQL: the event writers' and the tally's, at ensure and at build
    first = FIRST_OF_DAY_QUERIES + 4 * (connection.vendor == "postgresql")
    _queries_for(client, django_assert_num_queries, first)
    response = _queries_for(client, django_assert_num_queries, LEADER_QUERIES)
    assert response.context["board"].totals.total == extra + 2
    # the round filter costs nothing extra
    with django_assert_num_queries(LEADER_QUERIES):
        client.get(DASHBOARD, {"round": world.round.pk})


def test_kpi_links_open_a_task_list_of_that_size(client, world, board_tasks):
    # given varied tasks and the leader's dashboard
    board_tasks(18)
    client.force_login(world.leader)
    board = client.get(DASHBOARD).context["board"]
    # when the leader follows each KPI link
    for kpi in board.kpis:
        if kpi.unit != "个":
            continue
        response = client.get(kpi.url)
        # then the task list page counts exactly the KPI's figure
        assert response.status_code == 200, kpi.key
        assert response.context["total"] == kpi.value, kpi.key


def test_the_dashboard_shows_the_petition_figures_of_its_scope(client, world):
    from inspections import petition_services
    from inspections.choices import PetitionChannel

    # given one petition received in 东城区 and handed to its government, due 10 working days on
    with clock.travel(clock.at(date(2020, 2, 3), 9, 0)):
        petition = petition_services.petition_receive(
            actor=world.office,
            round_=world.round,
            accept_no="SD2019-XF-201",
            batch_no=1,
            channel=PetitionChannel.PHONE,
            region=world.dongcheng,
            content="夜间施工噪声扰民",
            received_at=date(2020, 2, 3),
        )
        petition_services.petition_assign(
            actor=world.office, petition=petition, lead_unit=world.dc_gov, cooperating_units=[]
        )
    # when the leader opens the dashboard on 2020-02-15
    client.force_login(world.leader)
    page = client.get(DASHBOARD).content.decode()
    # then the panel counts it, and its links open the petitions
    assert 'data-testid="dashboard-petitions"' in page
    assert "受理 1 件" in page and "交办 1 件" in page and "办结 0 件" in page
    assert client.get("/petitions/").status_code == 200
    assert client.get("/petitions/figures/").status_code == 200
