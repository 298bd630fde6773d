"""The tamper-evident event log: every event row sealed in one hash chain (accounts/chain.py,
docs/adr/0006-tamper-evident-events.md), `verify_events`, the daily audit job."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts import chain, clock
from accounts.models import AccountEvent, EventSeal
from accounts.services import change_password
from inspections.models import InspectionEvent
from inspections.services import round_update
from rectification import services
from rectification.choices import NotificationKind, TaskStatus
from rectification.jobs import audit, warning_sweep
from rectification.models import Event, Notification
from tests.dashboard.conftest import Closer

ON = date(2020, 2, 15)


def plan(world, first: int, count: int) -> list[services.NewTask]:
    """`count` new tasks of 东城区 numbered from SD-4-`first`, as a plan import brings them."""
    return [
        services.NewTask(
            problem=world.problem,
            code=f"SD-4-{first + i}",
            name=f"点位{first + i}",
            region=world.dongcheng,
            units=[services.UnitRole(unit=world.dc_gov, role="LEAD")],
            deadline=date(2020, 12, 31),
        )
        for i in range(count)
    ]


def _flow(world, before_after) -> None:
    """Create, report, apply, self-check, accept, close; a plan import (record_many), the
    warning sweep (record_select), a round edit (InspectionEvent), a password change."""
    task = services.task_create(
        problem=world.problem,
        actor=world.office,
        code="SD-4-3",
        name="清溪河东城区段5#排口",
        region=world.dongcheng,
        units=[services.UnitRole(unit=world.dc_gov, role="LEAD")],
        deadline=date(2020, 12, 31),
    )
    closer = Closer(world, before_after)
    app = closer.publicize(task, notice_start=ON, notice_end=date(2020, 2, 21))
    with clock.travel(clock.at(date(2020, 2, 22))):
        closer.close(app)
    services.tasks_create_bulk(actor=world.office, tasks=plan(world, 10, 5), batch_size=2)
    warning_sweep.run(ON)
    round_update(actor=world.office, round_=world.round, name="第二轮省级例行督察（改）")
    change_password(user=world.reporter, new_password="Another-pass-2020!")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED


def _verify_command() -> str:
    out = StringIO()
    call_command("verify_events", stdout=out, stderr=StringIO())
    return out.getvalue()


def _broken(capsys=None) -> str:
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_events", stdout=StringIO(), stderr=err)
    return err.getvalue()


def test_realistic_flow_leaves_every_event_sealed_and_the_chain_verifies(world, before_after):
    # given a task's whole life, a bulk import, the sweep, a round edit and a password change
    _flow(world, before_after)
    # then every row of the three event tables has exactly one seal, in one unbroken chain
    events = Event.objects.count() + InspectionEvent.objects.count() + AccountEvent.objects.count()
    assert events > 10
    assert EventSeal.objects.count() == events
    assert list(EventSeal.objects.values_list("seq", flat=True)) == list(range(1, events + 1))
    report = chain.verify()
    assert report.ok, report.message
    assert report.seals == events
    assert Event.objects.filter(verb="warning").exists()  # the sweep's INSERT … SELECT
    assert Event.objects.filter(verb="create").count() == 6  # task_create + record_many
    # and the command says OK with the counts
    out = _verify_command()
    assert out.startswith("OK 操作记录校验通过")
    assert f"封存链 {events} 环" in out


def _tamper(sql: str, params) -> None:
    """A change made behind the application's back (on PostgreSQL the trigger is bypassed as
    a superuser can, for this transaction only)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = origin")


def test_an_update_of_a_note_and_actor_is_reported_with_the_event_id(world, before_after):
    _flow(world, before_after)
    event = Event.objects.filter(verb="apply").get()
    # when someone rewrites the event's note and actor in the database
    _tamper(
        "UPDATE rectification_event SET note = %s, actor_id = %s WHERE id = %s",
        ["无", world.office.pk, event.pk],
    )
    # then verify_events names the table, the row and what differs, and exits non-zero
    message = _broken()
    assert f"rectification_event）第 {event.pk} 号记录在封存后被修改" in message
    report = chain.verify()
    assert (report.ok, report.table, report.event_id, report.kind) == (
        False,
        "rectification_event",
        event.pk,
        "changed",
    )


def test_a_deleted_event_is_reported(world, before_after):
    _flow(world, before_after)
    event = InspectionEvent.objects.get(verb="round_edit")
    _tamper("DELETE FROM inspections_inspectionevent WHERE id = %s", [event.pk])
    report = chain.verify()
    assert (report.ok, report.table, report.event_id, report.kind) == (
        False,
        "inspections_inspectionevent",
        event.pk,
        "deleted",
    )
    assert "已被删除" in _broken()


def test_a_deleted_seal_and_a_changed_link_are_reported(world, before_after):
    _flow(world, before_after)
    seal = EventSeal.objects.order_by("seq")[3]
    _tamper("DELETE FROM accounts_eventseal WHERE seq = %s", [seal.seq])
    report = chain.verify()
    assert (report.kind, report.event_id) == ("reordered", EventSeal.objects.get(seq=5).event_id)
    assert "第 4 环中断" in report.message


def test_an_event_written_around_the_writers_is_unsealed_until_swept(world, before_after):
    _flow(world, before_after)
    # a row inserted directly (as a bulk loader would)
    stray = Event.objects.create(
        task=world.task,
        target_type_id=Event.objects.first().target_type_id,
        target_id=world.task.pk,
        verb="remind",
        created_at=clock.now(),
    )
    report = chain.verify()
    assert (report.kind, report.event_id) == ("unsealed", stray.pk)
    # the sweep seals it, and the chain verifies again
    out = StringIO()
    call_command("verify_events", "--seal", stdout=out)
    assert "已封存 1 条" in out.getvalue()
    assert chain.verify().ok


def test_edit_changes_are_covered_by_the_hash(world):
    services.task_update(task=world.task, actor=world.office, name="清溪河东城区段1#排口（改）")
    event = Event.objects.get(verb="edit")
    assert event.changes == {"name": ["清溪河东城区段1#排口", "清溪河东城区段1#排口（改）"]}
    assert chain.verify().ok
    _tamper(
        "UPDATE rectification_event SET changes = %s WHERE id = %s",
        ['{"name": ["a", "b"]}', event.pk],
    )
    assert chain.verify().kind == "changed"


def test_the_daily_audit_job_notifies_the_admin_and_office_on_a_broken_chain(world, before_after):
    _flow(world, before_after)
    # a passing run records the counts and the head
    summary = audit.run(ON)
    assert summary["ok"] is True and summary["seals"] == EventSeal.objects.count()
    assert not Notification.objects.filter(kind=NotificationKind.AUDIT_BROKEN).exists()
    event = Event.objects.filter(verb="close").get()
    _tamper("UPDATE rectification_event SET note = '' WHERE id = %s", [event.pk])
    summary = audit.run(ON)
    assert (summary["ok"], summary["event_id"], summary["kind"]) == (False, event.pk, "changed")
    told = set(
        Notification.objects.filter(kind=NotificationKind.AUDIT_BROKEN).values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"admin", "office"}
    # once a day: a second run the same day sends nothing more
    count = Notification.objects.filter(kind=NotificationKind.AUDIT_BROKEN).count()
    audit.run(ON)
    assert Notification.objects.filter(kind=NotificationKind.AUDIT_BROKEN).count() == count


def test_the_audit_job_runs_under_the_ledger(world):
    from rectification.jobs import runs
    from rectification.models import JobRun

    summary = runs.run_once("audit", ON)
    assert summary["ok"] is True
    run = JobRun.objects.get(job="audit", period=ON.isoformat())
    assert run.status == "DONE" and run.summary["head"] == summary["head"]


# --- edit events carry old and new values ---------------------------------------------------


def test_task_edit_shows_old_and_new_values_on_the_task_page(world, client):
    # given the office corrects a task's name and site type, and its units
    services.task_update(
        task=world.task, actor=world.office, name="清溪河东城区段1#排口（更正）", site_type="OTHER"
    )
    services.task_set_units(
        task=world.task,
        actor=world.office,
        units=[services.UnitRole(unit=world.dc_gov, role="LEAD")],
    )
    edit = Event.objects.get(task=world.task, verb="edit")
    assert edit.changes["name"] == ["清溪河东城区段1#排口", "清溪河东城区段1#排口（更正）"]
    assign = Event.objects.get(task=world.task, verb="assign")
    assert assign.changes == {
        "units": ["东城区政府（牵头单位）、市住建局（配合单位）", "东城区政府（牵头单位）"]
    }
    # then the task page's timeline shows them with Chinese labels, old → new
    client.force_login(world.office)
    page = client.get(f"/tasks/{world.task.pk}/").content.decode()
    assert 'data-testid="event-changes"' in page
    assert "清溪河东城区段1#排口</span> → 清溪河东城区段1#排口（更正）" in page
    label = str(world.task._meta.get_field("name").verbose_name)
    assert f"<div>{label}：" in page
    assert "责任单位：" in page
    assert chain.verify().ok


def test_milestone_extension_and_inspection_edits_carry_changes(world):
    ms = services.milestone_add(
        task=world.task,
        actor=world.office,
        name="管网铺设",
        planned_date=date(2020, 6, 30),
        weight=50,
    )
    services.milestone_edit(milestone=ms, actor=world.office, planned_date=date(2020, 7, 31))
    assert Event.objects.get(verb="milestone_edit").changes == {
        "planned_date": ["2020-06-30", "2020-07-31"]
    }
    ext = services.task_request_extension(
        task=world.task,
        actor=world.reporter,
        requested_deadline=date(2021, 6, 30),
        reason="雨季施工受阻",
    )
    old = world.task.deadline
    services.extension_decide(extension=ext, actor=world.office, approve=True, note="同意")
    assert Event.objects.get(verb="extension_approve").changes == {
        "deadline": [old.isoformat(), "2021-06-30"]
    }
    round_update(actor=world.office, round_=world.round, batch_label="第二批")
    edit = InspectionEvent.objects.get(verb="round_edit")
    assert edit.changes["batch_label"][1] == "第二批"
    assert chain.verify().ok
