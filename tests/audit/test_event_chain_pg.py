"""PostgreSQL only: the append-only triggers and concurrent writers on one chain."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from accounts import chain
from accounts.models import AccountEvent, EventSeal
from accounts.services import change_password
from inspections.models import InspectionEvent
from inspections.services import round_update
from rectification import services
from rectification.models import Event
from tests.audit.test_event_chain import plan


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the triggers and the advisory lock are PostgreSQL's")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE rectification_event SET note = 'x' WHERE id = %(event)s",
        "DELETE FROM rectification_event WHERE id = %(event)s",
        "UPDATE accounts_eventseal SET hash = 'x' WHERE seq = 1",
        "DELETE FROM accounts_eventseal WHERE seq = 1",
        "UPDATE inspections_inspectionevent SET note = 'x'",
        "DELETE FROM accounts_accountevent",
    ],
)
def test_the_trigger_refuses_update_and_delete(world, statement):
    services.task_update(task=world.task, actor=world.office, name="改名")
    round_update(actor=world.office, round_=world.round, batch_label="第二批")
    change_password(user=world.reporter, new_password="Another-pass-2020!")
    event = Event.objects.get(verb="edit")
    with (
        pytest.raises(IntegrityError, match="操作记录只能追加"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, {"event": event.pk})
    # the ORM is refused too, and the row is unchanged
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.note.startswith("修改")
    assert chain.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_a_valid_chain(world):
    """Two threads, each with its own connection, write events at the same time through the
    three writers (record, record_many via the plan import, record_select via the sweep)."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def edits(task, names):
        try:
            barrier.wait()
            for name in names:
                services.task_update(task=task.pk, actor=world.office, name=name)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    def imports():
        try:
            barrier.wait()
            for i in range(4):
                services.tasks_create_bulk(
                    actor=world.office, tasks=plan(world, 100 + 10 * i, 5), batch_size=2
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edits, args=(world.task, [f"名称{i}" for i in range(15)])),
        threading.Thread(target=imports),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    from rectification.jobs import warning_sweep

    warning_sweep.run(date(2020, 2, 15))
    total = Event.objects.count() + InspectionEvent.objects.count() + AccountEvent.objects.count()
    assert Event.objects.filter(verb="edit").count() == 15
    assert Event.objects.filter(verb="create").count() == 20
    assert EventSeal.objects.count() == total
    report = chain.verify()
    assert report.ok, report.message
