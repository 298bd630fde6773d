"""The Django admin: every page opens, lists stay cheap, and nothing bypasses the lifecycle."""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import events
from accounts.choices import Role
from accounts.models import User
from rectification import services, tally
from rectification.choices import TaskStatus
from rectification.models import Assignment, Event, Task
from tests.factories import RegionFactory, TaskFactory, UnitFactory

pytestmark = pytest.mark.django_db


def _url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


class _FormReader(HTMLParser):
    """Reads the fields of the admin's main form as a browser would submit them."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self._in_form = True
        if not self._in_form or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.data.setdefault(a["name"], []).append("")
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(a["name"], [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def _form_data(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    return reader.data


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_every_model_of_the_project_is_in_the_admin():
    project_models = [
        model
        for app in ("accounts", "inspections", "rectification", "exchange")
        for model in apps.get_app_config(app).get_models()
    ]

    assert [m.__name__ for m in project_models if m not in admin.site._registry] == []


def test_every_changelist_and_add_page_opens_for_a_superuser(admin_client, world):
    # given the world's data and a superuser
    request = type("R", (), {"user": world.admin})()
    assert len(admin.site._registry) >= 25

    for model, model_admin in admin.site._registry.items():
        # when each changelist and add page is opened
        changelist = admin_client.get(_url(model, "changelist"))
        add = admin_client.get(_url(model, "add"))

        # then the list opens, and the add page opens exactly where adding is allowed
        assert changelist.status_code == 200, model
        expected_add = 200 if model_admin.has_add_permission(request) else 403
        assert add.status_code == expected_add, model


def test_change_pages_of_the_worlds_records_open(admin_client, world):
    events.record(Event, task=world.task, target=world.task, verb="create", actor=world.office)
    records = [
        world.task,
        world.problem,
        world.round,
        world.category,
        world.category.aspect,
        world.dc_gov,
        world.dongcheng,
        world.reporter,
        Assignment.objects.filter(task=world.task).first(),
        Event.objects.first(),
    ]

    for obj in records:
        response = admin_client.get(_url(type(obj), "change", obj.pk))

        assert response.status_code == 200, type(obj)


def test_admin_speaks_chinese(admin_client):
    response = admin_client.get(_url(Task, "changelist"))

    assert "整改任务（点位）" in response.content.decode()
    assert "整改状态" in response.content.decode()


def test_task_changelist_query_count_does_not_grow_with_rows(admin_client, world):
    url = _url(Task, "changelist")
    admin_client.get(url)  # warm caches (content types, sessions)

    with CaptureQueriesContext(connection) as two_tasks:
        assert admin_client.get(url).status_code == 200

    # given ten more tasks, each in its own county with its own lead unit
    for _ in range(10):
        region = RegionFactory(parent=world.city)
        TaskFactory(problem=world.problem, region=region, lead=UnitFactory(region=region))

    with CaptureQueriesContext(connection) as twelve_tasks:
        response = admin_client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('class="field-code"') >= 12
    assert len(twelve_tasks) == len(two_tasks)
    assert len(twelve_tasks) <= 12


@pytest.mark.parametrize(
    "model_name",
    ["event", "notification", "progressreport", "closeoutapplication", "warning"],
)
def test_service_written_changelists_do_not_grow_with_rows(admin_client, world, model_name):
    url = reverse(f"admin:rectification_{model_name}_changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as empty:
        admin_client.get(url)

    for task in (world.task, world.other_task):
        events.record(Event, task=task, target=task, verb="create", actor=world.office)
        services.notify(
            recipients=[world.reporter, world.office],
            kind="reminder_due_7",
            title="提醒",
            key=task.code,
        )

    with CaptureQueriesContext(connection) as with_rows:
        assert admin_client.get(url).status_code == 200

    # One more query at most: the admin skips the row query when the table is empty.
    assert len(with_rows) <= len(empty) + 1


def test_admin_edit_of_a_task_cannot_move_its_status_or_deadline(client, world):
    # given the change form of an open task, opened by the office's staff account
    # (the admin site edits a task through services.task_update, which is the office's)
    world.office.is_staff = world.office.is_superuser = True
    world.office.save()
    admin_client = client
    admin_client.force_login(world.office)
    task = world.task
    url = _url(Task, "change", task.pk)
    form = _form_data(admin_client.get(url).content.decode())
    assert "status" not in form and "version" not in form and "deadline" not in form
    assert "region" not in form and "name" in form

    # when the admin renames it and smuggles lifecycle fields into the post
    form["name"] = ["清溪河东城区段1#排口（更正）"]
    form["status"] = [TaskStatus.CLOSED]
    form["version"] = ["99"]
    form["deadline"] = ["2030-01-01"]
    form["lead_unit"] = [str(world.housing.pk)]
    form["region"] = [str(world.xicheng.pk)]
    response = admin_client.post(url, {k: v for k, v in form.items()})

    # then the description changes, the lifecycle does not, and the change is on the record
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.name == "清溪河东城区段1#排口（更正）"
    assert task.status == TaskStatus.NOT_STARTED
    assert str(task.deadline) == "2020-06-30"
    assert task.lead_unit == world.dc_gov
    assert task.region == world.dongcheng
    assert task.version == 2
    event = Event.objects.get(task=task, verb="edit")
    assert event.actor == world.office
    assert "点位/任务名称" in event.note


def test_admin_edit_of_a_task_by_a_non_office_account_is_refused_by_the_service(
    admin_client, world
):
    # given the change form of an open task, opened by the administrator (not the office)
    url = _url(Task, "change", world.task.pk)
    form = _form_data(admin_client.get(url).content.decode())

    # when the administrator renames it
    form["name"] = ["改名"]
    response = admin_client.post(url, {k: v for k, v in form.items()}, follow=True)

    # then task_update refuses in Chinese and nothing changes
    page = response.content.decode()
    assert "只有环督办可以执行此操作" in page
    assert "成功" not in page
    world.task.refresh_from_db()
    assert (world.task.name, world.task.version) == ("清溪河东城区段1#排口", 1)
    assert not Event.objects.filter(task=world.task).exists()


def test_closed_task_is_view_only_in_admin(admin_client, world):
    Task.objects.filter(pk=world.task.pk).update(
        status=TaskStatus.CLOSED, closed_at="2020-02-01T10:00:00+08:00"
    )
    tally.recount(world.task)
    url = _url(Task, "change", world.task.pk)

    page = admin_client.get(url).content.decode()
    response = admin_client.post(url, {"name": "改名"})

    assert 'name="_save"' not in page
    assert response.status_code == 403
    world.task.refresh_from_db()
    assert world.task.name == "清溪河东城区段1#排口"


def test_tasks_are_neither_added_nor_deleted_in_admin(admin_client, world):
    assert admin_client.get(_url(Task, "add")).status_code == 403
    assert admin_client.get(_url(Task, "delete", world.task.pk)).status_code == 403
    assert Task.objects.filter(pk=world.task.pk).exists()


def test_events_are_append_only_even_for_a_superuser(admin_client, world):
    event = events.record(
        Event, task=world.task, target=world.task, verb="create", actor=world.office
    )

    page = admin_client.get(_url(Event, "change", event.pk)).content.decode()
    change = admin_client.post(_url(Event, "change", event.pk), {"verb": "close"})
    delete = admin_client.post(_url(Event, "delete", event.pk), {"post": "yes"})
    add = admin_client.get(_url(Event, "add"))

    assert 'name="_save"' not in page
    assert (change.status_code, delete.status_code, add.status_code) == (403, 403, 403)
    event.refresh_from_db()
    assert event.verb == "create"


def test_bulk_delete_action_is_not_offered_for_events(admin_client, world):
    events.record(Event, task=world.task, target=world.task, verb="create", actor=world.office)

    page = admin_client.get(_url(Event, "changelist")).content.decode()

    assert "delete_selected" not in page


def test_superuser_creates_a_unit_user_with_role_in_admin(admin_client, world):
    # given the add form of a user
    url = _url(User, "add")
    assert admin_client.get(url).status_code == 200

    # when a reporter of 东城区政府 is created
    response = admin_client.post(
        url,
        {
            "username": "dc_reporter2",
            "usable_password": "true",
            "password1": "Zx9!long-enough-pass",
            "password2": "Zx9!long-enough-pass",
            "last_name": "赵",
            "first_name": "填报",
            "unit": str(world.dc_gov.pk),
            "role": Role.REPORTER,
        },
    )

    # then the user exists with unit and role, and can sign in
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="dc_reporter2")
    assert (user.unit, user.role, user.get_full_name()) == (world.dc_gov, Role.REPORTER, "赵填报")
    assert user.check_password("Zx9!long-enough-pass")


def test_user_change_page_shows_unit_and_role(admin_client, world):
    page = admin_client.get(_url(User, "change", world.reporter.pk)).content.decode()

    assert "单位与角色" in page
    assert 'name="role"' in page and 'name="unit"' in page


def test_task_search_finds_by_code(admin_client, world):
    response = admin_client.get(_url(Task, "changelist"), {"q": "SD-4-2"})

    page = response.content.decode()
    assert "清溪河西城区段3#排口" in page
    assert "清溪河东城区段1#排口" not in page


def test_non_staff_user_is_sent_to_admin_login(client, world):
    client.force_login(world.office)

    response = client.get(_url(Task, "changelist"))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
