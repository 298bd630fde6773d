"""The public notice page (公示): what is in notice or recently closed, nothing internal."""

from datetime import UTC, datetime

import pytest

from accounts.models import Person
from rectification.choices import AssignmentRole
from rectification.models import Assignment, CloseoutApplication
from tests.dashboard.conftest import (
    NOTICE_LATER,
    NOTICE_OVER,
    NOTICE_PHONE,
    NOTICE_RUNNING,
    REVIEW_OPINION,
)
from tests.factories import TaskFactory

PUBLIC = "/public/"
STAFF_PHONES = ("13812345678", "13912345678", "13700000000")


@pytest.fixture
def notices(world, closer):
    """Four 东城区 tasks: one in its notice period, one closed this week, one whose notice has
    not begun, one closed long ago; with names and phones of staff on record."""

    def dongcheng_task(code, name):
        return TaskFactory(
            problem=world.problem,
            code=code,
            name=name,
            region=world.dongcheng,
            lead=world.dc_gov,
            coop=[world.housing],
            goal=f"{name}：消除生活污水直排",
        )

    running = dongcheng_task("SD-4-11", "清溪河东城区段5#排口")
    closed = dongcheng_task("SD-4-12", "清溪河东城区段6#排口")
    later = dongcheng_task("SD-4-13", "清溪河东城区段7#排口")
    old = dongcheng_task("SD-4-14", "清溪河东城区段8#排口")

    world.reporter.phone = STAFF_PHONES[0]
    world.reporter.save(update_fields=["phone"])
    world.office.phone = STAFF_PHONES[1]
    world.office.save(update_fields=["phone"])
    person = Person.objects.create(name="赵责任", phone=STAFF_PHONES[2], unit=world.dc_gov)
    Assignment.objects.filter(role=AssignmentRole.LEAD, unit=world.dc_gov).update(person=person)

    closer.publicize(running, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])
    closer.close(closer.publicize(closed, notice_start=NOTICE_OVER[0], notice_end=NOTICE_OVER[1]))
    closer.publicize(later, notice_start=NOTICE_LATER[0], notice_end=NOTICE_LATER[1])
    old_app = closer.publicize(old, notice_start=NOTICE_OVER[0], notice_end=NOTICE_OVER[1])
    closer.close(old_app)
    # Closed in 2019: more than 90 days before the business date 2020-02-15.
    CloseoutApplication.objects.filter(pk=old_app.pk).update(
        closed_at=datetime(2019, 10, 1, 2, 0, tzinfo=UTC)
    )
    return running, closed, later, old


def test_public_page_lists_tasks_in_notice_and_recently_closed(client, notices):
    # given tasks in notice, closed this week, not yet in notice, and closed long ago
    running, closed, later, old = notices
    # when anyone opens the public page, without logging in
    response = client.get(PUBLIC)
    # then the first two are listed with goal, result, units, dates and the contact line
    assert response.status_code == 200
    content = response.content.decode()
    assert running.name in content and closed.name in content
    assert later.name not in content and old.name not in content
    assert content.count('data-testid="public-entry"') == 2
    assert f"{running.name}：消除生活污水直排" in content
    assert "排口已封堵，截污管网已接通，水质监测达标" in content
    assert "东城区人民政府" in content and "示范市住房和城乡建设局" in content
    assert "2020年2月12日 至 2020年2月18日" in content
    assert "异议联系电话" in content and NOTICE_PHONE in content
    assert "公示中" in content and "已销号" in content


def test_public_page_shows_nothing_internal(client, world, notices):
    content = client.get(PUBLIC).content.decode()
    # no review opinions
    assert REVIEW_OPINION not in content
    assert "县级自验合格" not in content
    # no people and no staff phone numbers
    for phone in STAFF_PHONES:
        assert phone not in content
    for name in ("赵责任", world.reporter.display_name, world.office.display_name, "dc_reporter"):
        assert name not in content
    # no evidence
    assert "before.png" not in content and "after.png" not in content
    assert "evidence/" not in content


def test_public_page_paginates(client, notices, monkeypatch):
    monkeypatch.setattr("rectification.views.dashboard.PUBLIC_PAGE_SIZE", 1)
    first = client.get(PUBLIC)
    second = client.get(PUBLIC, {"page": 2})
    assert first.content.decode().count('data-testid="public-entry"') == 1
    assert second.content.decode().count('data-testid="public-entry"') == 1
    assert "第 2 / 2 页" in second.content.decode()
    # a page out of range shows the last page rather than an error
    assert client.get(PUBLIC, {"page": 99}).status_code == 200


# count of the page's rows, the rows (task, problem, round, region, notice joined), their
# units, their public photos, the regions of the filter.
PUBLIC_QUERIES = 5


def test_public_page_query_count_is_constant(
    client, world, closer, before_after, django_assert_num_queries
):
    # given one task in notice
    def add(code):
        task = TaskFactory(
            problem=world.problem, code=code, region=world.dongcheng, lead=world.dc_gov
        )
        closer.publicize(task, notice_start=NOTICE_RUNNING[0], notice_end=NOTICE_RUNNING[1])

    add("Q-1")
    with django_assert_num_queries(PUBLIC_QUERIES):
        assert client.get(PUBLIC).status_code == 200
    # when four more are in notice, the page still costs the same
    for i in range(2, 6):
        add(f"Q-{i}")
    with django_assert_num_queries(PUBLIC_QUERIES):
        response = client.get(PUBLIC)
    assert response.content.decode().count('data-testid="public-entry"') == 5


def test_public_page_is_empty_but_friendly_without_notices(client, world):
    response = client.get(PUBLIC)
    assert response.status_code == 200
    assert "目前没有正在公示或近期销号的整改任务" in response.content.decode()
