"""全局搜索 (issue 14 item 7): the header's search box, within each user's scope."""

from datetime import date

import pytest
from django.urls import reverse

from inspections.models import Petition
from rectification import search as search_module
from rectification.models import Task
from tests.factories import TaskFactory
from tests.web.crawler import form_url, parse

pytestmark = pytest.mark.django_db

# session, user, unread badge, tasks (exact 编号, then contains), petitions
UNIT_SEARCH_QUERIES = 6
# + the navigation's queue badges, + problems
OFFICE_SEARCH_QUERIES = 8


def _search(client, q):
    return client.get(reverse("search"), {"q": q})


def _found_codes(response) -> list[str]:
    html = response.content.decode()
    rows = html.split('data-testid="search-task"')[1:]
    return [row.split("<td", 2)[1].split(">", 1)[1].split("<", 1)[0].strip() for row in rows]


def _petition(world, accept_no, unit):
    return Petition.objects.create(
        round=world.round,
        batch_no=1,
        accept_no=accept_no,
        channel="PHONE",
        region=unit.region,
        content="河道有异味",
        handling_unit=unit,
        assigned_at=date(2020, 2, 1),
    )


def test_exact_code_opens_the_task(world, login):
    # given the reporter of the task's lead unit
    client = login(world.reporter)
    # when they search for its 编号 (in any case)
    response = _search(client, "sd-4-1")
    # then the task page opens directly
    assert response.status_code == 302
    assert response["Location"] == reverse("task_detail", args=[world.task.pk])


def test_reporter_does_not_find_another_units_task_by_its_exact_code(world, login):
    # given the reporter of 西城区政府, which has nothing to do with SD-4-1
    client = login(world.outsider)
    # when they search for that task's exact 编号
    response = _search(client, "SD-4-1")
    # then nothing is found: no redirect, no row, no name
    assert response.status_code == 200
    html = response.content.decode()
    assert _found_codes(response) == []
    assert world.task.name not in html
    assert "没有找到" in html


def test_exact_code_comes_first_then_contains_matches(world, login):
    # given a task whose 编号 contains another's: SD-4-1 and SD-4-10
    TaskFactory(
        problem=world.problem,
        code="SD-4-10",
        name="清溪河东城区段10#排口",
        region=world.dongcheng,
        lead=world.dc_gov,
    )
    TaskFactory(
        problem=world.problem,
        code="SD-4-11",
        name="清溪河东城区段11#排口",
        region=world.dongcheng,
        lead=world.dc_gov,
    )
    client = login(world.office)
    # when the office searches "SD-4-1" it opens the one exact task …
    assert _search(client, "SD-4-1")["Location"] == reverse("task_detail", args=[world.task.pk])
    # … and "SD-4-1 " with a space is the same query
    assert _search(client, " SD-4-1 ").status_code == 302
    # and a query that is no 编号 lists the contains-matches, grouped by kind
    response = _search(client, "清溪河东城区")
    assert response.status_code == 200
    assert sorted(_found_codes(response)) == ["SD-4-1", "SD-4-10", "SD-4-11"]


def test_exact_code_is_listed_first_when_a_petition_has_it_too(world, login):
    # given a petition whose 受理编号 equals a task's 编号
    _petition(world, "SD-4-1", world.dc_gov)
    TaskFactory(
        problem=world.problem,
        code="SD-4-12",
        name="某点位",
        region=world.dongcheng,
        lead=world.dc_gov,
    )
    client = login(world.reporter)
    # when the reporter searches it
    response = _search(client, "SD-4-1")
    # then both are shown, nothing opens by itself, and the exact task comes first
    assert response.status_code == 200
    assert _found_codes(response) == ["SD-4-1", "SD-4-12"]
    html = response.content.decode()
    assert "受理编号 SD-4-1" in html
    assert html.count("编号相同") == 2


@pytest.mark.parametrize(
    ("persona", "query", "codes"),
    [
        # by 单位: the cooperating unit's alias finds both tasks for the office …
        ("office", "住建", ["SD-4-1", "SD-4-2"]),
        # … and only the reporter's own for a unit reporter
        ("outsider", "住建", ["SD-4-2"]),
        ("outsider", "西城区人民政府", ["SD-4-2"]),
        ("reporter", "西城区人民政府", []),
        # by 名称 and by the problem's title
        ("coop_reporter", "排口", ["SD-4-1", "SD-4-2"]),
        ("reporter", "生活污水", ["SD-4-1"]),
        # by 地址
        ("leader", "滨河路", ["SD-4-2"]),
        ("reporter", "滨河路", []),
    ],
)
def test_search_finds_by_name_address_and_unit_within_scope(world, login, persona, query, codes):
    Task.objects.filter(pk=world.other_task.pk).update(address="西城区滨河路88号")
    client = login(getattr(world, persona))
    response = _search(client, query)
    assert response.status_code == 200
    assert sorted(_found_codes(response)) == codes


def test_problems_are_the_offices_and_petitions_follow_their_scope(world, login):
    mine = _petition(world, "XF-2020-001", world.dc_gov)
    _petition(world, "XF-2020-002", world.xc_gov)
    # the office finds the problem by its title, and both petitions by 受理编号
    office = _search(login(world.office), "XF-2020")
    assert "XF-2020-001" in office.content.decode() and "XF-2020-002" in office.content.decode()
    problems = _search(login(world.office), "沿河排口").content.decode()
    assert reverse("problem_detail", args=[world.problem.pk]) in problems
    # a unit reporter sees no problem section, and only the petition handed to its unit
    html = _search(login(world.reporter), "XF-2020").content.decode()
    assert 'data-testid="search-problems"' not in html
    assert reverse("petition_detail", args=[mine.pk]) in html
    assert "XF-2020-002" not in html


@pytest.mark.parametrize(
    ("query", "message"), [("", "请输入要搜索的"), ("   ", "请输入要搜索的"), ("a", "太短")]
)
def test_empty_or_short_query_is_a_friendly_message(world, login, query, message):
    response = _search(login(world.reporter), query)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'data-testid="search-tasks"' not in html


def test_too_long_a_query_is_a_friendly_message(world, login):
    response = _search(login(world.reporter), "河" * 101)
    assert response.status_code == 200
    assert "太长" in response.content.decode()


def test_more_links_to_the_task_list_with_the_same_tasks(world, login, monkeypatch):
    # given more matching tasks than a group shows
    monkeypatch.setattr(search_module, "PER_KIND", 2)
    for i in range(3):
        TaskFactory(
            problem=world.problem,
            code=f"SD-4-M{i}",
            name=f"东湖补充点位{i}",
            region=world.dongcheng,
            lead=world.dc_gov,
        )
    client = login(world.office)
    response = _search(client, "东湖补充")
    assert len(_found_codes(response)) == 2
    # when 更多 is followed
    more = [h for h in parse(response.content.decode()).links if h.startswith("/tasks/?")]
    assert more == [f"/tasks/?{'q=%E4%B8%9C%E6%B9%96%E8%A1%A5%E5%85%85'}"]
    listed = client.get(more[0])
    # then the list shows all of them
    assert "共 3 项" in listed.content.decode()


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "office", "leader"])
def test_header_search_form_is_rendered_and_submitting_it_works(world, login, persona):
    # given a page of the site, with the search box in the header
    client = login(getattr(world, persona))
    page = client.get(reverse("notification_list"))
    forms = [f for f in parse(page.content.decode()).forms if f.action == reverse("search")]
    assert len(forms) == 1
    form = forms[0]
    # when it is submitted as rendered (empty) and with a query typed in
    for typed in ("", "清溪河"):
        pairs = [(name, typed if name == "q" else value) for name, value in form.submission()]
        response = client.get(form_url("/notifications/", form, pairs))
        # then the results page answers, and keeps the query in the header's box
        assert response.status_code == 200
        if typed:
            assert f'value="{typed}"' in response.content.decode()


def test_admin_has_no_header_search(world, login):
    client = login(world.admin)
    page = client.get("/profile/")
    assert 'data-testid="nav-search"' not in page.content.decode()
    assert client.get(reverse("search"), {"q": "SD"}).status_code == 302


@pytest.mark.parametrize("extra", [3, 20])
def test_search_query_count_does_not_grow(world, login, django_assert_num_queries, extra):
    for i in range(extra):
        TaskFactory(
            problem=world.problem,
            code=f"SD-4-Q{i}",
            name=f"清溪河批量点位{i}",
            region=world.dongcheng,
            lead=world.dc_gov,
            coop=[world.housing],
        )
    _petition(world, "清溪河-XF-1", world.dc_gov)
    reporter, office = login(world.reporter), login(world.office)
    with django_assert_num_queries(UNIT_SEARCH_QUERIES):
        found = _search(reporter, "清溪河")
    assert len(_found_codes(found)) == extra + 1
    with django_assert_num_queries(OFFICE_SEARCH_QUERIES):
        found = _search(office, "清溪河")
    assert len(_found_codes(found)) == extra + 2


def test_task_list_search_box_finds_by_unit_too(world, login):
    # the list's own 搜索 is the search's task part: 更多 and the list agree
    client = login(world.office)
    response = client.get(reverse("task_list"), {"q": "西城区人民政府"})
    assert "共 1 项" in response.content.decode()
    assert world.other_task.name in response.content.decode()
