"""The task list: every TaskFilterSet parameter, keyset pagination and pinned query counts."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts import clock
from accounts.choices import RegionLevel
from accounts.events import EventVerb, record
from rectification import tally
from rectification.filtersets import TaskFilterSet
from rectification.models import CloseoutApplication, Event, Task
from tests.factories import ProblemFactory, RegionFactory, RoundFactory, TaskFactory, UnitFactory


def _ids(client, query: str = "") -> set[int]:
    response = client.get(f"/api/v1/tasks/?page_size=200&{query}")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.fixture
def varied(world):
    """Tasks that differ in one attribute each, beside world.task and world.other_task."""
    w = world
    township = RegionFactory(
        code="990102001", name="东城街道", level=RegionLevel.TOWNSHIP, parent=w.dongcheng
    )
    other_round = RoundFactory(code="JSP2019", name="2019年长江经济带警示片", region=w.city)
    other_problem = ProblemFactory(round=other_round, seq=1, code="JSP-1", title="排口直排")
    water = UnitFactory(name="示范市水务局", short_name="市水务局", region=w.city)

    def make(code, **kw):
        kw.setdefault("problem", w.problem)
        kw.setdefault("region", w.dongcheng)
        kw.setdefault("lead", w.dc_gov)
        return TaskFactory(code=code, name=f"点位{code}", **kw)

    t = {
        "closed": make(
            "C-1", status="CLOSED", closed_at=timezone.now(), deadline=date(2019, 12, 31)
        ),
        "behind": make("B-1", status="IN_PROGRESS", schedule_status="BEHIND"),
        "red": make("R-1", warning_level="RED"),
        "overdue": make("O-1", status="IN_PROGRESS", deadline=date(2020, 1, 31)),
        "due_soon": make("D-1", status="IN_PROGRESS", deadline=date(2020, 2, 20)),
        "reopened": make("RO-1", status="IN_PROGRESS", reopen_count=1),
        "township": make("TS-1", region=township),
        "jsp": make("J-1", problem=other_problem, address="示范江滨江路"),
        "water_lead": make("W-1", lead=water, deadline=date(2021, 3, 31)),
        "water_coop": make("W-2", coop=[water]),
    }
    t["task"], t["other_task"] = w.task, w.other_task
    return w, {k: v.pk for k, v in t.items()}, water, township


def test_every_taskfilterset_parameter(varied, as_persona):
    world, t, water, township = varied
    office = as_persona("office")
    every = set(t.values())
    # a returned close-out application (被退回) on the task behind schedule
    CloseoutApplication.objects.create(
        task_id=t["behind"],
        unit=world.dc_gov,
        applied_by=world.reporter,
        applied_at=timezone.now(),
        summary="已完成",
        status="RETURNED",
    )
    # close-out events: the closed task this month, the task reopened since in January
    tasks = {task.pk: task for task in Task.objects.filter(pk__in=[t["closed"], t["reopened"]])}
    record(Event, target=tasks[t["closed"]], verb=EventVerb.CLOSE, task=tasks[t["closed"]])
    with clock.travel(clock.at(date(2020, 1, 31), 23, 30)):
        record(Event, target=tasks[t["reopened"]], verb=EventVerb.CLOSE, task=tasks[t["reopened"]])
    tally.recount(*tasks.values())  # events written here, not by the services
    cases = {
        "round": (f"round={world.round.pk}", every - {t["jsp"]}),
        "problem": (f"problem={world.problem.pk}", every - {t["jsp"]}),
        "status": ("status=CLOSED", {t["closed"]}),
        "schedule_status": ("schedule_status=BEHIND", {t["behind"]}),
        # an overdue task is red whatever colour is stored (as on the dashboard)
        "warning_level": ("warning_level=RED", {t["red"], t["overdue"]}),
        "unit": (f"unit={water.pk}", {t["water_lead"], t["water_coop"]}),
        "lead_unit": (f"lead_unit={water.pk}", {t["water_lead"]}),
        "county": (f"county={world.xicheng.pk}", {t["other_task"]}),
        "region": (f"region={township.pk}", {t["township"]}),
        "overdue": ("overdue=true", {t["overdue"]}),
        "due_within": ("due_within=7", {t["due_soon"]}),
        "deadline_after": ("deadline_after=2021-01-01", {t["water_lead"]}),
        "deadline_before": ("deadline_before=2019-12-31", {t["closed"]}),
        "reopened": ("reopened=true", {t["reopened"]}),
        "q": ("q=滨江路", {t["jsp"]}),
        # the local date the closed task was closed on (its closed_at is now)
        "closed_from": (f"closed_from={timezone.localdate()}", {t["closed"]}),
        "closed_to": (f"closed_to={timezone.localdate()}", {t["closed"]}),
        # a point of the dashboard's trend: the tasks closed in that month, reopened or not
        "closed_month": (f"closed_month={clock.today():%Y-%m}", {t["closed"]}),
        # the workbench's queues: working tasks with no report this month; returned ones
        "unreported": ("unreported=true", every - {t["closed"]}),
        "returned": ("returned=true", {t["behind"]}),
    }
    # every parameter of the shared FilterSet is exercised here (a new one must be added)
    assert set(cases) == set(TaskFilterSet.base_filters)
    for name, (query, expected) in cases.items():
        assert _ids(office, query) == expected, name
    assert _ids(office, "closed_month=2020-01") == {t["reopened"]}
    assert _ids(office, "closed_month=2019-12") == set()
    day_before = timezone.localdate() - timedelta(days=1)
    assert _ids(office, f"closed_to={day_before}") == set()
    # the county filter takes the subtree: 东城区 includes its township
    assert t["township"] in _ids(office, f"county={world.dongcheng.pk}")
    # multiple values of a choice filter are OR-ed
    assert _ids(office, "status=CLOSED&schedule_status=BEHIND") == set()
    assert _ids(office, "warning_level=RED&warning_level=YELLOW") == {t["red"], t["overdue"]}


def test_filters_never_widen_scope(varied, as_persona):
    world = varied[0]
    # the outsider (西城区) asks for 东城区: nothing
    assert _ids(as_persona("outsider"), f"county={world.dongcheng.pk}") == set()


def test_invalid_filter_value_is_400_with_field(world, as_persona):
    response = as_persona("office").get("/api/v1/tasks/?status=NOPE")
    assert response.status_code == 400
    assert response.json()["field"] == "status"


# --- keyset pagination ------------------------------------------------------------------------


@pytest.fixture
def many_tasks(world):
    """45 tasks in 东城区 with only three distinct deadlines and some without one."""
    deadlines = [date(2020, 6, 30), date(2020, 3, 31), None, date(2020, 12, 31)]
    for n in range(45):
        TaskFactory(
            problem=world.problem,
            code=f"K-{n:02d}",
            region=world.dongcheng,
            lead=world.dc_gov,
            deadline=deadlines[n % 4],
            original_deadline=deadlines[n % 4],
            deadline_type="ONGOING" if deadlines[n % 4] is None else "DATED",
        )
    return world


def _expected_order(client) -> list[int]:
    from rectification.models import Task

    rows = Task.objects.filter(region__path__startswith=client.world.dongcheng.path).values_list(
        "deadline", "id"
    )
    return [pk for _, pk in sorted(rows, key=lambda r: (r[0] is None, r[0] or date.min, r[1]))]


def test_cursor_walk_forward_and_back_sees_every_row_once(many_tasks, as_persona):
    office = as_persona("office")
    office.world = many_tasks
    expected = _expected_order(office)
    # when walking forward five at a time
    seen, url, pages = [], f"/api/v1/tasks/?page_size=5&county={many_tasks.dongcheng.pk}", 0
    last_body = None
    while url:
        body = office.get(url).json()
        assert body["count"] == len(expected)
        seen += [row["id"] for row in body["results"]]
        url, last_body, pages = body["next"], body, pages + 1
    # then every row once, in (deadline, id) order with undated tasks last
    assert seen == expected
    assert pages == -(-len(expected) // 5)
    # and walking back from the last page returns the same rows in reverse
    back, url = [], last_body["previous"]
    back = [row["id"] for row in last_body["results"]][::-1]
    while url:
        body = office.get(url).json()
        back += [row["id"] for row in body["results"]][::-1]
        url = body["previous"]
    assert back == expected[::-1]


def test_cursor_is_stable_when_rows_are_added_behind_it(many_tasks, as_persona):
    office = as_persona("office")
    office.world = many_tasks
    first = office.get(f"/api/v1/tasks/?page_size=10&county={many_tasks.dongcheng.pk}").json()
    # a task with an earlier deadline is created while the client pages
    TaskFactory(
        problem=many_tasks.problem,
        code="EARLY",
        region=many_tasks.dongcheng,
        deadline=date(2019, 9, 1),
    )
    second = office.get(first["next"]).json()
    ids_first = [r["id"] for r in first["results"]]
    ids_second = [r["id"] for r in second["results"]]
    # then page two continues right after page one's last row: no duplicate, no gap
    order = _expected_order(office)
    after_last = order[order.index(ids_first[-1]) + 1 :]
    assert ids_second == after_last[:10]
    assert not set(ids_first) & set(ids_second)


def test_later_pages_take_the_total_from_the_cursor(
    many_tasks, as_persona, django_assert_num_queries
):
    client = as_persona("reporter", token=True)
    first = client.get("/api/v1/tasks/?page_size=5").json()
    assert first["count_exact"] is True
    # when the next page is asked for: token+user, page (no COUNT)
    with django_assert_num_queries(2) as captured:
        second = client.get(first["next"]).json()
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)
    assert (second["count"], second["count_exact"]) == (first["count"], True)


def test_cursor_page_is_a_row_comparison(many_tasks, as_persona, django_assert_num_queries):
    """The key condition must be one (deadline, id) > (d, i) range the index can seek to,
    not an OR of three conditions, which reads the whole filtered set on every page."""
    from django.db import connection

    client = as_persona("reporter", token=True)
    first = client.get("/api/v1/tasks/?page_size=5").json()
    with django_assert_num_queries(2) as captured:
        client.get(first["next"])
    page_sql = captured.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":  # Django spells it out as an OR on SQLite
        assert '(V0."deadline", V0."id") > (' in page_sql
        assert " OR " not in page_sql.upper()
    # the display joins apply to the page's ids only
    assert "LIMIT 6)" in page_sql


def test_total_above_the_cap_is_estimated_on_postgresql(
    many_tasks, as_persona, monkeypatch, django_db_blocker
):
    from django.db import connection

    from rectification.api.pagination import TaskKeysetPagination

    monkeypatch.setattr(TaskKeysetPagination, "count_cap", 10)
    body = as_persona("office").get("/api/v1/tasks/?page_size=5").json()
    if connection.vendor == "postgresql":
        # the planner's estimate, never below what is known to be there
        assert body["count_exact"] is False
        assert body["count"] >= 11
    else:  # small deployments count exactly
        assert (body["count"], body["count_exact"]) == (47, True)
    # at or under the cap the total is exact on every database
    body = as_persona("office").get(f"/api/v1/tasks/?county={many_tasks.xicheng.pk}").json()
    assert (body["count"], body["count_exact"]) == (1, True)


@pytest.mark.parametrize("raw", ['{"d": null, "i": 1, "n": -5}', '{"d": "2020-13-01", "i": 1}'])
def test_tampered_cursor_is_400(world, as_persona, raw):
    import base64

    token = base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")
    response = as_persona("office").get(f"/api/v1/tasks/?cursor={token}")
    assert response.status_code == 400
    assert "游标" in response.json()["detail"]


def test_garbage_cursor_is_400(world, as_persona):
    response = as_persona("office").get("/api/v1/tasks/?cursor=not-a-cursor")
    assert response.status_code == 400
    assert "游标" in response.json()["detail"]


def test_list_row_shape(world, as_persona):
    row = as_persona("reporter").get("/api/v1/tasks/").json()["results"][0]
    assert row["lead_unit_name"] == "东城区政府"
    assert row["region_name"] == "东城区"
    assert row["round_code"] == "SD2019"
    assert row["status_display"] == "尚未启动"
    assert row["version"] == 1


# --- query counts ------------------------------------------------------------------------------
# Session auth: session + user (token auth: one query for both); the user comes with its unit
# and region (accounts.backends), so an office's scope costs no query; then COUNT on the bare
# filtered queryset and one page query with the display joins.


@pytest.mark.parametrize(
    ("persona", "token", "queries"),
    [
        ("office", False, 4),  # session, user (with unit and region), count, page
        ("office", True, 3),  # token+user (with unit and region), count, page
        ("reporter", False, 4),  # session, user, count, page
        ("reporter", True, 3),  # token+user, count, page
        ("admin", True, 3),
    ],
)
def test_task_list_query_count_is_constant(
    many_tasks, as_persona, django_assert_num_queries, persona, token, queries
):
    client = as_persona(persona, token=token)
    for size in (5, 50):
        with django_assert_num_queries(queries):
            response = client.get(f"/api/v1/tasks/?page_size={size}&status=NOT_STARTED")
        assert response.status_code == 200
    assert len(response.json()["results"]) > 5


@pytest.mark.parametrize("extra", [0, 60])
def test_task_list_query_count_does_not_grow_with_data(
    world, as_persona, django_assert_num_queries, extra
):
    for n in range(extra):
        TaskFactory(
            problem=world.problem,
            code=f"G-{n:02d}",
            region=world.dongcheng,
            lead=world.dc_gov,
            deadline=date(2020, 3, 1) if n % 3 else None,
        )
    client = as_persona("office", token=True)
    # first page: token+user (with its unit and region: the scope), county path, count, page
    with django_assert_num_queries(4):
        first = client.get(f"/api/v1/tasks/?page_size=10&county={world.dongcheng.pk}").json()
    assert first["count"] == extra + 1
    if first["next"]:
        # a later page: token+user, county path, page (the total rides in the cursor)
        with django_assert_num_queries(3):
            client.get(first["next"])


def test_count_query_carries_no_joins(many_tasks, as_persona, django_assert_num_queries):
    client = as_persona("reporter", token=True)
    with django_assert_num_queries(3) as captured:
        client.get("/api/v1/tasks/?page_size=5")
    count_sql = next(q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper())
    assert "JOIN" not in count_sql.upper()
    page_sql = captured.captured_queries[-1]["sql"].upper()
    assert page_sql.count("JOIN") >= 3  # round, region, lead unit (problem) in the same query


@pytest.mark.parametrize(
    ("path", "queries"),
    [
        ("/api/v1/progress-reports/", 3),
        ("/api/v1/closeouts/", 4),  # notice joined, reviews prefetched
        ("/api/v1/warnings/", 3),
        ("/api/v1/problems/", 3),
        ("/api/v1/notifications/", 3),
    ],
)
def test_other_lists_query_count(api_world, as_persona, django_assert_num_queries, path, queries):
    client = as_persona("reporter", token=True)
    with django_assert_num_queries(queries):
        assert client.get(path).status_code == 200
