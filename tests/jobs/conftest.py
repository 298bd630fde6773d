"""The jobs' small world: the conftest `world` plus e-mail addresses, a leader in charge
linked to a login, and helpers to put a task at a given deadline/progress/status."""

from datetime import date

import pytest

from accounts.models import Person
from rectification import tally
from rectification.models import Notification, Task


@pytest.fixture
def jobs_world(world):
    w = world
    for user, email in (
        (w.reporter, "zhang@dongcheng.example"),
        (w.coop_reporter, "zj@zhujian.example"),
        (w.office, "office@huanduban.example"),
    ):
        user.email = email
        user.save(update_fields=["email"])
    w.vice_mayor = Person.objects.create(
        name="赵副市长", title="副市长（分管城建）", unit=w.gov_office, is_leader=True
    )
    w.leader.person = w.vice_mayor
    w.leader.save(update_fields=["person"])
    Task.objects.filter(pk__in=[w.task.pk, w.other_task.pk]).update(leader=w.vice_mayor)
    return w


def put(task: Task, **fields) -> Task:
    """Set fields straight in the table (test setup, not a business write)."""
    if "deadline" in fields:
        fields.setdefault("original_deadline", fields["deadline"])
    Task.objects.filter(pk=task.pk).update(**fields)
    task.refresh_from_db()
    tally.recount(task)  # as a service's write would, keep the dashboard tally a recount
    return task


def told(**filters) -> set[tuple[str, str, str]]:
    """(username, kind, channel) of the notification rows matching filters."""
    return set(
        Notification.objects.filter(**filters).values_list("recipient__username", "kind", "channel")
    )


D = date
