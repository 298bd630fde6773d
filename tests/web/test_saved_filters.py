"""保存的筛选 on the task list (issue 14 item 7): save, list, apply, delete, per user."""

import pytest
from django.urls import reverse

from accounts import clock
from rectification.models import SavedFilter
from rectification.services.saved_filters import PER_USER_MAX
from tests.web.crawler import parse

pytestmark = pytest.mark.django_db


def _save(client, name, query):
    return client.post(reverse("saved_filter_create"), {"name": name, "query": query})


def _messages(response) -> str:
    return response.content.decode()


def test_save_the_current_filter_and_open_it_from_the_list(world, login):
    # given the office's list after 筛选 (the form sends its blanks and a page number too)
    client = login(world.office)
    page = client.get(reverse("task_list"), {"q": "", "county": world.xicheng.pk, "page": "1"})
    form = next(
        f for f in parse(page.content.decode()).forms if f.action == reverse("saved_filter_create")
    )
    query = dict(form.submission())["query"]
    assert query == f"county={world.xicheng.pk}"
    # when it is saved under a name
    response = client.post(form.action, {"query": query, "name": " 西城区 任务 "}, follow=True)
    # then it is saved with only the filters, its time from the product's clock
    saved = SavedFilter.objects.get(user=world.office)
    assert (saved.name, saved.query, saved.page) == ("西城区 任务", query, "task_list")
    assert saved.created_at.date() == clock.today()
    assert "已保存筛选" in response.content.decode()
    # and the list shows it as a link that opens the list with that filter
    links = [h for h in parse(response.content.decode()).links if h == f"/tasks/?{query}"]
    assert links
    listed = client.get(links[0]).content.decode()
    assert "共 1 项" in listed and world.other_task.name in listed


def test_delete_own_saved_filter(world, login):
    client = login(world.reporter)
    _save(client, "逾期", "overdue=true")
    saved = SavedFilter.objects.get(user=world.reporter)
    response = client.post(reverse("saved_filter_delete", args=[saved.pk]), follow=True)
    assert response.status_code == 200
    assert "已删除保存的筛选" in response.content.decode()
    assert not SavedFilter.objects.filter(pk=saved.pk).exists()


def test_other_users_cannot_see_or_delete_a_saved_filter(world, login):
    # given the reporter's saved filter
    _save(login(world.reporter), "我的逾期任务", "overdue=true")
    saved = SavedFilter.objects.get(user=world.reporter)
    # when a colleague of the same unit and the office look at their lists
    for other in (world.unit_head, world.office):
        client = login(other)
        html = client.get(reverse("task_list")).content.decode()
        # then they do not see it, and deleting it is a 404 that changes nothing
        assert "我的逾期任务" not in html
        assert client.post(reverse("saved_filter_delete", args=[saved.pk])).status_code == 404
    assert SavedFilter.objects.filter(pk=saved.pk).exists()


def test_a_saved_filter_never_widens_scope(world, login):
    # given the reporter saves a filter naming the other county's task and unit
    client = login(world.reporter)
    _save(client, "别人的", f"q=SD-4-2&unit={world.xc_gov.pk}")
    saved = SavedFilter.objects.get(user=world.reporter)
    # when they open it
    html = client.get(f"/tasks/?{saved.query}").content.decode()
    # then the list still shows only their own scope
    assert "共 0 项" in html and world.other_task.name not in html


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("", "overdue=true", "请填写筛选名称"),
        ("   ", "overdue=true", "请填写筛选名称"),
        ("名" * 41, "overdue=true", "最多 40 个字"),
        ("没有条件", "q=&page=3", "当前没有筛选条件"),
        ("坏条件", "status=BOGUS", "整改状态"),
    ],
)
def test_bad_input_is_a_chinese_message_and_nothing_is_saved(world, login, name, query, message):
    client = login(world.reporter)
    response = _save(client, name, query)
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code in (200, 400)
    assert message in _messages(page)
    assert not SavedFilter.objects.exists()


def test_same_name_twice_is_refused(world, login):
    client = login(world.reporter)
    _save(client, "逾期", "overdue=true")
    response = _save(client, "逾期", "overdue=false")
    assert "已有名为“逾期”的筛选" in _messages(client.get(response["Location"]))
    assert list(SavedFilter.objects.values_list("query", flat=True)) == ["overdue=true"]
    # another user may use the same name
    _save(login(world.unit_head), "逾期", "overdue=true")
    assert SavedFilter.objects.count() == 2


def test_at_most_thirty_per_user(world, login):
    client = login(world.reporter)
    SavedFilter.objects.bulk_create(
        SavedFilter(user=world.reporter, name=f"筛选{i}", query="overdue=true")
        for i in range(PER_USER_MAX)
    )
    response = _save(client, "再来一个", "overdue=false")
    assert f"每人最多保存 {PER_USER_MAX} 个筛选" in _messages(client.get(response["Location"]))
    assert SavedFilter.objects.filter(user=world.reporter).count() == PER_USER_MAX


def test_saving_needs_post_and_login(world, login):
    assert login(world.reporter).get(reverse("saved_filter_create")).status_code == 405
    anonymous = login(None).post(reverse("saved_filter_create"), {"name": "x", "query": "q=x"})
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert not SavedFilter.objects.exists()
