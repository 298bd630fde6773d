"""The notification centre: opening a notification marks it read and leads to its page, only
for its recipient; the 只看未读/全部 toggle shows which is active (issue 14 item 5)."""

import re

import pytest
from django.urls import reverse

from rectification.choices import NotificationChannel
from rectification.models import Notification
from rectification.services import notify

pytestmark = pytest.mark.django_db


def _note(user, *, key="n1", url="/tasks/1/", title="SD-4-1 县级自验已通过") -> Notification:
    notify(recipients=[user], kind="self_check_passed", title=title, url=url, key=key)
    return Notification.objects.get(
        recipient=user, unique_key__startswith=f"{key}:", channel=NotificationChannel.INAPP
    )


def test_the_list_links_each_notification_through_open(world, login):
    note = _note(world.reporter, url=f"/tasks/{world.task.pk}/")

    page = login(world.reporter).get(reverse("notification_list")).content.decode()

    open_url = reverse("notification_open", args=[note.pk])
    assert f'href="{open_url}"' in page
    assert f'href="/tasks/{world.task.pk}/"' not in page  # not around the open step


def test_opening_marks_read_and_leads_to_the_page(world, login):
    # given an unread notification about the reporter's task
    note = _note(world.reporter, url=f"/tasks/{world.task.pk}/")
    client = login(world.reporter)
    assert 'data-testid="unread-badge"' in client.get(reverse("task_list")).content.decode()

    # when the reporter opens it
    response = client.get(reverse("notification_open", args=[note.pk]))

    # then it is read and the reporter lands on the task
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{world.task.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'data-testid="unread-badge"' not in client.get(reverse("task_list")).content.decode()
    # and opening it again still leads there
    again = client.get(reverse("notification_open", args=[note.pk]))
    assert again["Location"] == f"/tasks/{world.task.pk}/"


def test_someone_elses_notification_cannot_be_opened(world, login):
    note = _note(world.reporter)

    response = login(world.outsider).get(reverse("notification_open", args=[note.pk]))

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


@pytest.mark.parametrize("url", ["", "https://evil.example/phish", "//evil.example/x"])
def test_a_notification_without_a_link_here_leads_back_to_the_list(world, login, url):
    note = _note(world.reporter, url=url)

    response = login(world.reporter).get(reverse("notification_open", args=[note.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("notification_list")
    note.refresh_from_db()
    assert note.read_at is not None


def test_opening_is_not_a_post_target(world, login):
    note = _note(world.reporter)

    response = login(world.reporter).post(reverse("notification_open", args=[note.pk]))

    assert response.status_code == 405


def _active(page: str) -> dict[str, bool]:
    """Toggle name → whether it is marked active (class and aria-current)."""
    state = {}
    for testid in ("filter-unread", "filter-all"):
        tag = re.search(rf'<a [^>]*data-testid="{testid}"[^>]*>', page).group(0)
        active = re.search(r'class="[^"]*\bactive\b', tag) is not None
        assert active == ('aria-current="page"' in tag)
        state[testid] = active
    return state


def test_the_toggle_shows_which_view_is_active(world, login):
    read = _note(world.reporter, key="old", title="已读的通知")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    _note(world.reporter, key="new", title="未读的通知")
    client = login(world.reporter)

    everything = client.get(reverse("notification_list")).content.decode()
    unread = client.get(reverse("notification_list") + "?unread=1").content.decode()

    assert _active(everything) == {"filter-unread": False, "filter-all": True}
    assert "已读的通知" in everything and "未读的通知" in everything
    assert _active(unread) == {"filter-unread": True, "filter-all": False}
    assert "已读的通知" not in unread and "未读的通知" in unread
