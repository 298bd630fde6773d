"""工作台: each role lands on its workbench; every count is a link to exactly that list."""

import html
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import clock
from rectification import tally
from rectification.choices import CloseoutStatus, ExtensionStatus, TaskStatus
from rectification.models import CloseoutApplication, Extension, Task
from tests.factories import TaskFactory
from tests.web.crawler import parse

CARD = re.compile(r'<a [^>]*href="([^"]+)" data-testid="workbench-(\w+)" data-count="(\d+)"')
# What each linked list shows one row of (the task list states its total instead).
ROW_MARKER = {
    "selfcheck": 'data-testid="selfcheck-row"',
    "review": 'data-testid="review-row"',
    "expired": 'data-testid="notice-row"',
    "extensions": 'data-testid="extension-row"',
    "proposals": 'data-testid="supervision-row"',
    "petitions": 'data-testid="petition-row"',
    "ranking": 'data-testid="rank-moved"',
}


def update(*tasks, **fields) -> None:
    """Change tasks behind the services' back, keeping the dashboard tally a recount."""
    Task.objects.filter(pk__in=[t.pk for t in tasks]).update(**fields)
    tally.recount(*tasks)


def cards(client) -> dict[str, tuple[str, int]]:
    response = client.get(reverse("workbench"))
    assert response.status_code == 200
    body = response.content.decode()
    return {key: (html.unescape(url), int(n)) for url, key, n in CARD.findall(body)}


def list_length(client, key: str, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    body = response.content.decode()
    if key in ROW_MARKER:
        return body.count(ROW_MARKER[key])
    return int(re.search(r"共 (\d+) 项", body).group(1))


# ---------------------------------------------------------------------------------------------
# Landing


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "office", "leader"])
def test_each_role_lands_on_its_workbench(world, login, persona):
    client = login(getattr(world, persona))
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0] == reverse("workbench")
    assert '<h1 class="h4 mb-0">工作台</h1>' in response.content.decode()


def test_login_sends_the_office_to_its_workbench(world, client):
    world.office.set_password("pw-12345678")
    world.office.save()
    response = client.post(reverse("login"), {"username": "office", "password": "pw-12345678"})
    assert response.status_code == 302
    assert client.get(response["Location"])["Location"] == reverse("workbench")


def test_admin_workbench_is_the_admin_site(world, login):
    assert login(world.admin).get(reverse("workbench"))["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("persona", "keys"),
    [
        ("reporter", ["unreported", "due_soon", "overdue", "returned"]),
        ("unit_head", ["selfcheck", "unreported", "due_soon", "overdue", "returned"]),
        ("office", ["review", "expired", "extensions", "proposals", "petitions"]),
        ("leader", ["red_yellow", "leader_overdue", "ranking"]),
    ],
)
def test_each_role_sees_its_own_counts(world, login, persona, keys):
    assert list(cards(login(getattr(world, persona)))) == keys


# ---------------------------------------------------------------------------------------------
# Scope: a unit counts only its tasks


def test_a_units_counts_are_only_its_tasks(world, login):
    # given: an overdue task in each county
    update(
        world.task,
        world.other_task,
        deadline=date(2020, 1, 10),
        original_deadline=date(2020, 1, 10),
    )
    TaskFactory(
        problem=world.problem,
        region=world.xicheng,
        lead=world.xc_gov,
        deadline=date(2020, 1, 5),
    )
    # when / then: 东城区 sees its one, the office's region sees three
    reporter = cards(login(world.reporter))
    assert reporter["overdue"][1] == 1
    assert reporter["unreported"][1] == 1
    leader = cards(login(world.leader))
    assert leader["leader_overdue"][1] == 3
    outsider = cards(login(world.outsider))
    assert outsider["overdue"][1] == 2


def test_returned_counts_a_returned_closeout_until_the_unit_applies_again(world, login):
    app = CloseoutApplication.objects.create(
        task=world.task,
        unit=world.dc_gov,
        applied_by=world.reporter,
        applied_at=clock.now(),
        summary="已完成整改",
        status=CloseoutStatus.RETURNED,
    )
    client = login(world.reporter)
    url, count = cards(client)["returned"]
    assert count == 1
    assert list_length(client, "returned", url) == 1
    # a later application that is under way: no longer 被退回
    CloseoutApplication.objects.create(
        task=world.task,
        unit=world.dc_gov,
        applied_by=world.reporter,
        applied_at=clock.now(),
        summary="再次申请",
        status=CloseoutStatus.SUBMITTED,
    )
    assert cards(client)["returned"][1] == 0
    assert app.pk


def test_unit_head_counts_applications_to_self_check_and_the_nav_shows_them(world, login):
    CloseoutApplication.objects.create(
        task=world.task,
        unit=world.dc_gov,
        applied_by=world.reporter,
        applied_at=clock.now(),
        summary="已完成整改",
        status=CloseoutStatus.SUBMITTED,
    )
    update(world.task, status=TaskStatus.APPLIED)
    client = login(world.unit_head)
    url, count = cards(client)["selfcheck"]
    assert count == 1
    assert list_length(client, "selfcheck", url) == 1
    body = client.get(reverse("task_list")).content.decode()
    assert 'data-testid="nav-badge-selfcheck">1<' in body
    # another unit's head has nothing to self-check
    from tests.factories import UserFactory

    xc_head = UserFactory(username="xc_head", role="UNIT_HEAD", unit=world.xc_gov)
    assert cards(login(xc_head))["selfcheck"][1] == 0


def test_office_nav_badges_carry_the_queue_counts(world, login):
    Extension.objects.create(
        task=world.task,
        unit=world.dc_gov,
        requested_by=world.reporter,
        previous_deadline=world.task.deadline,
        requested_deadline=date(2020, 9, 30),
        reason="雨季施工受阻",
        status=ExtensionStatus.PENDING,
    )
    client = login(world.office)
    assert cards(client)["extensions"][1] == 1
    body = client.get(reverse("round_list")).content.decode()
    assert 'data-testid="nav-badge-extensions">1<' in body
    assert 'data-testid="nav-badge-more">1<' in body


# ---------------------------------------------------------------------------------------------
# One query budget, whatever the size of the world

# session, user, all the counts (one statement), the unread badge, and the urgent tasks (units)
# or the last dispatch report (leader)
BUDGET = 5


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "office", "leader"])
def test_workbench_query_count_does_not_grow_with_the_world(
    world, login, persona, django_assert_max_num_queries
):
    client = login(getattr(world, persona))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("workbench"))
    for n in range(30):
        TaskFactory(
            problem=world.problem,
            region=world.dongcheng if n % 2 else world.xicheng,
            lead=world.dc_gov if n % 2 else world.xc_gov,
            deadline=date(2020, 1 + n % 6, 1 + n),
        )
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse("workbench"))
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as bigger:
        client.get(reverse("workbench"))
    assert len(bigger) == len(small)


# ---------------------------------------------------------------------------------------------
# The ledger's default order: open, urgent work first


def test_ledger_puts_overdue_and_due_soon_before_old_closed_items(world, login):
    closed_2019 = TaskFactory(
        problem=world.problem,
        code="OLD-1",
        region=world.dongcheng,
        lead=world.dc_gov,
        start_date=date(2019, 1, 1),
        deadline=date(2019, 6, 30),
    )
    update(closed_2019, status=TaskStatus.CLOSED, closed_at=clock.now())
    overdue = TaskFactory(
        problem=world.problem,
        code="LATE-1",
        region=world.dongcheng,
        lead=world.dc_gov,
        deadline=date(2020, 2, 1),
    )
    due_soon = TaskFactory(
        problem=world.problem,
        code="SOON-1",
        region=world.dongcheng,
        lead=world.dc_gov,
        deadline=date(2020, 2, 18),
    )
    response = login(world.office).get(reverse("task_list"))
    codes = [t.code for t in response.context["tasks"]]
    assert codes[:2] == [overdue.code, due_soon.code]
    assert codes[-1] == closed_2019.code
    # sorting by deadline is still on offer
    by_deadline = login(world.office).get(reverse("task_list"), {"sort": "deadline"})
    assert next(t.code for t in by_deadline.context["tasks"]) == closed_2019.code


# ---------------------------------------------------------------------------------------------
# The leader's 本月排名变化: from the last two dispatch reports


def test_leader_ranking_changes_come_from_the_last_dispatch_report(world, login):
    from rectification.jobs.dispatch import make_report

    # given: January's report, whose units moved against December (stored deltas)
    report, _ = make_report(world.city, date(2020, 1, 1))
    units = report.figures["units"]
    assert len(units) == 2
    report.figures["previous"] = {
        "month": "2019-12",
        "headline": {},
        "units": {
            str(units[0]["unit_id"]): {"rank": 1, "completion_rate": 5.0, "closed": 1},
            str(units[1]["unit_id"]): {"rank": 0, "completion_rate": 0.0, "closed": 0},
        },
    }
    report.save(update_fields=["figures"])
    # when / then: one unit moved; the card links to the report's ranking, which shows one move
    client = login(world.leader)
    url, count = cards(client)["ranking"]
    assert count == 1
    assert url == reverse("dispatch_detail", args=[report.pk]) + "#ranking"
    assert list_length(client, "ranking", url) == 1


@pytest.mark.parametrize("key", ["unreported", "due_soon", "returned"])
def test_the_task_list_form_keeps_the_workbench_filter(world, login, key):
    # The list a count opens carries its filter in the form, so pressing 筛选 keeps it.
    client = login(world.reporter)
    url, _count = cards(client)[key]
    body = client.get(url).content.decode()
    param = tuple(url.split("?", 1)[1].split("="))
    form = next(f for f in parse(body).forms if f.method == "get" and f.action == "/tasks/")
    assert param in form.submission(), (key, url)
