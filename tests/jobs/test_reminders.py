"""Daily reminders: who hears about a due or overdue task, on which Asia/Shanghai day."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError

from rectification.choices import TaskStatus
from rectification.jobs import reminders
from rectification.models import Notification
from tests.jobs.conftest import put, told

SHANGHAI = ZoneInfo("Asia/Shanghai")
ON = date(2020, 2, 15)


def unit_rows(kind):
    return {
        ("dc_reporter", kind, "INAPP"),
        ("dc_reporter", kind, "MAIL"),
        ("dc_head", kind, "INAPP"),
        ("zj_reporter", kind, "INAPP"),
        ("zj_reporter", kind, "MAIL"),
    }


@pytest.mark.parametrize("days", [7, 3, 1])
def test_lead_and_cooperating_units_hear_of_a_task_due_in_7_3_1_days(jobs_world, days):
    # given 东城区 task due in `days` days (the 西城区 task far away)
    put(jobs_world.task, deadline=ON + timedelta(days=days))
    # when
    reminders.run(ON)
    # then 东城区政府 (lead) and 市住建局 (cooperating) members hear; mail for those with an address
    assert told() == unit_rows(f"reminder_due_{days}")
    note = Notification.objects.filter(recipient=jobs_world.reporter).first()
    assert note.title == f"【临期提醒】SD-4-1 清溪河东城区段1#排口 距整改时限还有{days}天"
    assert note.task_id == jobs_world.task.pk and note.url == f"/tasks/{jobs_world.task.pk}/"


@pytest.mark.parametrize("days", [0, 2, 4, 8])
def test_no_reminder_on_other_days(jobs_world, days):
    put(jobs_world.task, deadline=ON + timedelta(days=days))
    reminders.run(ON)
    assert told() == set()


def test_overdue_tasks_are_reminded_daily_without_escalation_before_n_days(jobs_world, settings):
    settings.ESCALATE_AFTER_OVERDUE_DAYS = 7
    put(jobs_world.task, deadline=ON - timedelta(days=6))
    reminders.run(ON)
    assert told() == unit_rows("reminder_overdue")
    reminders.run(ON + timedelta(days=1))  # the 7th overdue day: escalation starts
    assert told(kind="reminder_escalation") == {
        ("office", "reminder_escalation", "INAPP"),
        ("office", "reminder_escalation", "MAIL"),
        ("leader", "reminder_escalation", "INAPP"),
    }
    assert (
        Notification.objects.filter(
            kind="reminder_overdue", recipient=jobs_world.reporter, channel="INAPP"
        ).count()
        == 2
    )


def test_escalation_goes_only_to_offices_covering_the_task(jobs_world, settings):
    from accounts.choices import Role
    from tests.factories import RegionFactory, UnitFactory, UserFactory

    # given an office of another city, and a task overdue 30 days
    other_city = RegionFactory(code="990200", name="别市", level="CITY", parent=jobs_world.province)
    UserFactory(username="other_office", role=Role.OFFICE, unit=UnitFactory(region=other_city))
    UserFactory(
        username="province_office", role=Role.OFFICE, unit=UnitFactory(region=jobs_world.province)
    )
    put(jobs_world.task, deadline=ON - timedelta(days=30))
    reminders.run(ON)
    users = {u for u, _, _ in told(kind="reminder_escalation")}
    assert users == {"office", "province_office", "leader"}


def test_closing_and_closed_tasks_are_not_reminded(jobs_world):
    put(jobs_world.task, deadline=ON + timedelta(days=3), status=TaskStatus.IN_REVIEW)
    put(jobs_world.other_task, deadline=ON - timedelta(days=30), status=TaskStatus.PUBLICIZING)
    reminders.run(ON)
    assert told() == set()


def test_inactive_users_and_outsiders_are_not_reminded(jobs_world):
    jobs_world.unit_head.is_active = False
    jobs_world.unit_head.save(update_fields=["is_active"])
    put(jobs_world.task, deadline=ON + timedelta(days=1))
    reminders.run(ON)
    users = {u for u, _, _ in told()}
    assert users == {"dc_reporter", "zj_reporter"}


def test_unit_robot_gets_one_message_per_unit(jobs_world):
    jobs_world.dc_gov.webhook_url = "http://127.0.0.1:9/robot"
    jobs_world.dc_gov.webhook_kind = "wecom"
    jobs_world.dc_gov.save()
    put(jobs_world.task, deadline=ON + timedelta(days=7))
    reminders.run(ON)
    hooks = Notification.objects.filter(channel="WEBHOOK")
    assert hooks.count() == 1
    assert hooks.get().recipient_id == min(jobs_world.reporter.pk, jobs_world.unit_head.pk)


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        (datetime(2020, 2, 22, 23, 59, 59, tzinfo=SHANGHAI), {"reminder_due_7"}),
        (datetime(2020, 2, 23, 0, 0, 0, tzinfo=SHANGHAI), set()),  # 6 days: nothing
        (
            datetime(2020, 2, 25, 23, 59, 59, tzinfo=SHANGHAI),
            set(),
        ),
        (datetime(2020, 2, 26, 0, 0, 0, tzinfo=SHANGHAI), {"reminder_due_3"}),
        (datetime(2020, 2, 28, 0, 0, 0, tzinfo=SHANGHAI), {"reminder_due_1"}),
        (datetime(2020, 3, 1, 0, 0, 0, tzinfo=SHANGHAI), {"reminder_overdue"}),
    ],
)
def test_the_day_is_the_asia_shanghai_date(jobs_world, settings, instant, expected):
    # given the real clock (no pinned business date) and a deadline on 2020-02-29
    settings.TRACKER_TODAY = None
    put(jobs_world.task, deadline=date(2020, 2, 29))
    # when the job runs at `instant` (16:00 UTC the day before is already the next day here)
    with time_machine.travel(instant, tick=False):
        reminders.run()
    # then
    assert {kind for _, kind, _ in told()} == expected


def test_twice_in_a_day_sends_nothing_new(jobs_world):
    put(jobs_world.task, deadline=ON + timedelta(days=3))
    put(jobs_world.other_task, deadline=ON - timedelta(days=20))
    reminders.run(ON)
    first = list(Notification.objects.order_by("unique_key").values_list("unique_key", flat=True))
    reminders.run(ON)
    again = list(Notification.objects.order_by("unique_key").values_list("unique_key", flat=True))
    assert again == first and len(first) == len(set(first))
    reminders.run(ON + timedelta(days=1))  # the next day: the overdue one again, due-3 not
    assert Notification.objects.count() > len(first)


def test_a_run_after_a_crash_half_way_completes_without_duplicates(jobs_world, monkeypatch):
    # given two units with something due; the run wrote the due reminders, then the worker died
    put(jobs_world.task, deadline=ON + timedelta(days=3))
    put(jobs_world.other_task, deadline=ON - timedelta(days=20))
    assert len(reminders.units_due(ON)) == 3  # 东城区政府, 西城区政府, 市住建局
    real = reminders.notify_select
    calls = {"n": 0}

    def dies_on_the_overdue_statement(select, params):
        calls["n"] += 1
        if params.get("kind") == "reminder_overdue":
            raise IntegrityError("simulated crash")
        return real(select, params)

    monkeypatch.setattr(reminders, "notify_select", dies_on_the_overdue_statement)
    with pytest.raises(IntegrityError):
        reminders.run(ON)
    monkeypatch.setattr(reminders, "notify_select", real)
    assert calls["n"] == 4 and told(task=jobs_world.task) == unit_rows("reminder_due_3")
    # when the job is retried
    reminders.run(ON)
    # then the rows are those of one clean run: one per (task, kind, user, channel)
    keys = list(Notification.objects.values_list("unique_key", flat=True))
    assert len(keys) == len(set(keys))
    assert told(task=jobs_world.task) == unit_rows("reminder_due_3")
    assert {u for u, _, _ in told(task=jobs_world.other_task)} == {
        "xc_reporter",
        "zj_reporter",
        "office",
        "leader",
    }


def test_query_count_does_not_grow_with_tasks(jobs_world, django_assert_max_num_queries):
    from tests.factories import TaskFactory

    put(jobs_world.task, deadline=ON + timedelta(days=7))
    for n in range(30):
        TaskFactory(
            problem=jobs_world.problem,
            code=f"X-{n}",
            region=jobs_world.dongcheng,
            lead=jobs_world.dc_gov,
            deadline=ON - timedelta(days=10 + n),
        )
    # units_due 1 + one INSERT … SELECT per kind (due 7/3/1, overdue, escalation)
    with django_assert_max_num_queries(6):
        reminders.run(ON)
    assert Notification.objects.filter(kind="reminder_overdue").count() == 30 * 3
