"""The set-based reminder sweep writes exactly the rows of the straightforward Python sweep.

`reference_rows` below is the former per-unit implementation (units_due → each unit's due
tasks × members + robot; then the escalations × covering offices + leader users), kept here
as the specification: it builds the rows in Python and writes nothing. The world is varied
on purpose: units with and without robots, inactive users and units, offices at province,
city and county level, leaders in charge linked to logins, a user who is both office and
leader, every kind of day, closed and closing tasks, tasks without a deadline, a unit with
two roles in one task, a title longer than 200 characters.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import chain

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.choices import RegionLevel, Role, UnitKind
from accounts.models import Person, User
from rectification import tally
from rectification.choices import (
    WORKING_STATUSES,
    AssignmentRole,
    NotificationStatus,
    TaskStatus,
)
from rectification.jobs import delivery, recipients, reminders
from rectification.models import Assignment, Notification, Task
from rectification.services import Message
from tests.factories import RegionFactory, TaskFactory, UnitFactory, UserFactory

ON = date(2020, 2, 15)
ROW = ("recipient_id", "kind", "channel", "unique_key", "title", "body", "url", "task_id")


# ---------------------------------------------------------------------------------------------
# The reference: the per-unit Python sweep, building rows instead of writing them


def leader_users(person_ids: Iterable[int]) -> dict[int, list[tuple[int, str]]]:
    """Users linked to each leader-in-charge Person (User.person)."""
    users: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = User.objects.filter(person_id__in=list(person_ids), is_active=True).values_list(
        "id", "person_id", "email"
    )
    for user_id, person_id, email in rows:
        users[person_id].append((user_id, email))
    return users


def _row(m: Message) -> tuple:
    key = f"{m.key}:{m.recipient_id}:{m.channel}"[:200]
    return (m.recipient_id, m.kind, str(m.channel), key, m.title[:200], m.body, m.url, m.task_id)


def _wording(code, name, deadline, on):
    days = (deadline - on).days
    if days < 0:
        return (
            "overdue",
            f"【逾期提醒】{code} {name} 已逾期{-days}天",
            f"整改时限为{deadline:%Y年%m月%d日}，现已逾期{-days}天。"
            "请尽快完成整改；确需延期的，请按程序申请延期。",
        )
    return (
        f"due_{days}",
        f"【临期提醒】{code} {name} 距整改时限还有{days}天",
        f"整改时限为{deadline:%Y年%m月%d日}。请抓紧推进整改，按时报送进展和佐证材料。",
    )


def _unit_messages(unit_id, on):
    tasks = (
        Assignment.objects.filter(
            reminders._due_q(on, "task__"),
            unit_id=unit_id,
            role__in=recipients.TOLD_ROLES,
            task__status__in=WORKING_STATUSES,
            task__withdrawn_at__isnull=True,
        )
        .order_by("task_id")
        .values_list("task_id", "task__code", "task__name", "task__deadline")
        .distinct()
    )
    members = recipients.unit_members([unit_id]).get(unit_id, [])
    robot = recipients.robot_senders([unit_id]).get(unit_id)
    for task_id, code, name, deadline in tasks:
        kind, title, body = _wording(code, name, deadline, on)
        kind = f"reminder_{kind}"
        key = f"{kind}:{task_id}:{on.isoformat()}"
        url = f"/tasks/{task_id}/"
        yield from recipients.messages_for(
            members, kind=kind, key=key, title=title, body=body, task_id=task_id, url=url
        )
        if robot:
            yield recipients.robot_message(
                robot, unit_id, kind=kind, key=key, title=title, body=body, task_id=task_id
            )


def _escalation_messages(on):
    threshold = on - timedelta(days=settings.ESCALATE_AFTER_OVERDUE_DAYS)
    rows = (
        Task.objects.filter(status__in=WORKING_STATUSES, deadline__lte=threshold)
        .order_by("id")
        .values_list(
            "id",
            "code",
            "name",
            "deadline",
            "region__path",
            "leader_id",
            "lead_unit__short_name",
            "lead_unit__name",
        )
    )
    offices = recipients.regional_users([Role.OFFICE])
    leaders = leader_users({r[5] for r in rows if r[5]})
    for task_id, code, name, deadline, path, leader_id, short, full in rows:
        days = (on - deadline).days
        unit = short or full or "未明确"
        told = recipients.covering(offices, path) + leaders.get(leader_id, [])
        yield from recipients.messages_for(
            dict(told).items(),  # a user who is both office and leader: once
            kind="reminder_escalation",
            key=f"reminder_escalation:{task_id}:{on.isoformat()}",
            title=f"【逾期督办】{code} {name} 已逾期{days}天（牵头单位：{unit}）",
            body=(
                f"整改时限为{deadline:%Y年%m月%d日}，已逾期{days}天，"
                f"超过{settings.ESCALATE_AFTER_OVERDUE_DAYS}天，请督促牵头单位限期完成。"
            ),
            task_id=task_id,
            url=f"/tasks/{task_id}/",
        )


def reference_rows(on: date) -> tuple[set[tuple], set[tuple]]:
    """(unit rows, escalation rows) of one day, as the per-unit Python sweep built them."""
    units = reminders.units_due(on)
    unit_rows = [_row(m) for m in chain.from_iterable(_unit_messages(u, on) for u in units)]
    escalation_rows = [_row(m) for m in _escalation_messages(on)]
    keys = [r[3] for r in chain(unit_rows, escalation_rows)]
    assert len(keys) == len(set(keys))  # the reference never offers a key twice
    return set(unit_rows), set(escalation_rows)


def written_rows() -> set[tuple]:
    return set(Notification.objects.values_list(*ROW))


# ---------------------------------------------------------------------------------------------
# The varied world


@pytest.fixture
def province(jobs_world):
    """jobs_world (示范省 › 示范市 › 东城区/西城区) plus a second city and its county, robots,
    offices at every level, leaders in charge and tasks on every kind of day."""
    w = jobs_world
    w.city2 = RegionFactory(code="990200", name="别市", level=RegionLevel.CITY, parent=w.province)
    w.county3 = RegionFactory(code="990201", name="别县", level=RegionLevel.COUNTY, parent=w.city2)
    # Units: 东城区政府 has a robot; 别县政府 has a robot but is inactive (members still told,
    # no robot row); 别市水务局 has a robot and no active user (no robot row); 市环保局 has
    # no short name.
    w.dc_gov.webhook_url, w.dc_gov.webhook_kind = "http://127.0.0.1:9/robot", "wecom"
    w.dc_gov.save()
    w.c3_gov = UnitFactory(
        name="别县人民政府",
        short_name="别县政府",
        kind=UnitKind.GOV,
        region=w.county3,
        webhook_url="http://127.0.0.1:9/c3",
        webhook_kind="dingtalk",
        is_active=False,
    )
    w.water = UnitFactory(
        name="别市水务局",
        short_name="市水务局",
        region=w.city2,
        webhook_url="http://127.0.0.1:9/water",
        webhook_kind="wecom",
    )
    w.env = UnitFactory(name="别市生态环境局", short_name="", region=w.city2)
    w.sector = UnitFactory(name="别市农业农村局", short_name="市农业局", region=w.city2)
    w.c2_office_unit = UnitFactory(
        name="别市环督办", short_name="别市环督办", kind=UnitKind.COORD_OFFICE, region=w.city2
    )
    w.dc_office_unit = UnitFactory(
        name="东城区环督办",
        short_name="东城区环督办",
        kind=UnitKind.COORD_OFFICE,
        region=w.dongcheng,
    )
    w.province_office_unit = UnitFactory(
        name="示范省环督办", short_name="省环督办", kind=UnitKind.COORD_OFFICE, region=w.province
    )
    # Users. The lowest-id active user of 东城区政府 stays dc_reporter; 别县政府's lowest is
    # a leader-role login (a robot sender need not be a reporter).
    UserFactory(username="c3_viewer", role=Role.LEADER, unit=w.c3_gov)
    UserFactory(username="c3_reporter", role=Role.REPORTER, unit=w.c3_gov, email="c3@x.example")
    UserFactory(username="c3_head", role=Role.UNIT_HEAD, unit=w.c3_gov)
    UserFactory(
        username="c3_gone", role=Role.REPORTER, unit=w.c3_gov, email="g@x.example", is_active=False
    )
    UserFactory(username="water_gone", role=Role.REPORTER, unit=w.water, is_active=False)
    UserFactory(username="env_head", role=Role.UNIT_HEAD, unit=w.env, email="env@x.example")
    UserFactory(username="sector_reporter", role=Role.REPORTER, unit=w.sector)
    UserFactory(
        username="dc_office", role=Role.OFFICE, unit=w.dc_office_unit, email="dc@office.example"
    )
    UserFactory(username="province_office", role=Role.OFFICE, unit=w.province_office_unit)
    UserFactory(username="office_gone", role=Role.OFFICE, unit=w.office_unit, is_active=False)
    # Leaders in charge: 赵副市长 (jobs_world: the `leader` login) also has the 别市 office
    # login; 钱副县长 has one active login with mail and one inactive; 孙副市长 has none.
    w.deputy = Person.objects.create(name="钱副县长", unit=w.c3_gov, is_leader=True)
    w.nobody = Person.objects.create(name="孙副市长", unit=w.gov_office, is_leader=True)
    UserFactory(username="c2_office", role=Role.OFFICE, unit=w.c2_office_unit, person=w.vice_mayor)
    UserFactory(
        username="deputy", role=Role.LEADER, unit=w.gov_office, person=w.deputy, email="q@x.example"
    )
    UserFactory(
        username="deputy_gone",
        role=Role.LEADER,
        unit=w.gov_office,
        person=w.deputy,
        is_active=False,
    )
    limit = settings.ESCALATE_AFTER_OVERDUE_DAYS
    w.tasks = {}

    def task(code, *, deadline, region, lead=None, coop=(), roles=(), status=None, **fields):
        if status:
            fields["status"] = status
            if status == TaskStatus.CLOSED:
                fields["closed_at"] = timezone.now()
        fields.setdefault("name", f"{code}点位")
        t = TaskFactory(
            problem=w.problem,
            code=code,
            region=region,
            lead=lead,
            coop=list(coop),
            start_date=None,
            deadline=deadline,
            **fields,
        )
        for unit, role in roles:
            Assignment.objects.create(task=t, unit=unit, role=role)
        w.tasks[code] = t
        return t

    task("D7", deadline=ON + timedelta(days=7), region=w.dongcheng, lead=w.dc_gov, coop=[w.housing])
    task("D3", deadline=ON + timedelta(days=3), region=w.county3, lead=w.c3_gov, coop=[w.water])
    task(
        "D1",
        deadline=ON + timedelta(days=1),
        region=w.dongcheng,
        lead=w.dc_gov,
        roles=[(w.dc_gov, AssignmentRole.TERRITORIAL), (w.sector, AssignmentRole.SECTOR)],
    )
    task("D2", deadline=ON + timedelta(days=2), region=w.dongcheng, lead=w.dc_gov)
    task("O1", deadline=ON - timedelta(days=1), region=w.xicheng, lead=w.xc_gov, leader=w.deputy)
    task(
        "OL",
        deadline=ON - timedelta(days=limit - 1),
        region=w.county3,
        lead=w.env,
        leader=w.vice_mayor,
    )
    task(
        "EN",
        deadline=ON - timedelta(days=limit),
        region=w.dongcheng,
        lead=w.dc_gov,
        coop=[w.housing, w.water],
        leader=w.vice_mayor,
        name="超长的点位名称" * 40,
    )
    task("EX", deadline=ON - timedelta(days=45), region=w.county3, lead=w.env, leader=w.vice_mayor)
    task(
        "EU",
        deadline=ON - timedelta(days=400),
        region=w.xicheng,
        roles=[(w.housing, AssignmentRole.TERRITORIAL)],
        leader=w.nobody,
    )
    task("EC", deadline=ON - timedelta(days=30), region=w.county3, lead=w.c3_gov, leader=w.deputy)
    task("CL", deadline=ON - timedelta(days=30), region=w.dongcheng, lead=w.dc_gov, status="CLOSED")
    task(
        "RV", deadline=ON + timedelta(days=3), region=w.dongcheng, lead=w.dc_gov, status="IN_REVIEW"
    )
    task(
        "PB",
        deadline=ON - timedelta(days=9),
        region=w.dongcheng,
        lead=w.dc_gov,
        status="PUBLICIZING",
    )
    task(
        "NS", deadline=ON - timedelta(days=9), region=w.xicheng, lead=w.xc_gov, status="NOT_STARTED"
    )
    task("ND", deadline=None, region=w.dongcheng, lead=w.dc_gov)
    # Withdrawn (撤销) tasks due and long overdue, of a unit with nothing else due: no row.
    w.quiet = UnitFactory(name="别市林业局", kind=UnitKind.DEPT, region=w.city2)
    UserFactory(username="quiet_reporter", role=Role.REPORTER, unit=w.quiet)
    for code, days in (("WD3", 3), ("WDX", -30)):
        task(code, deadline=ON + timedelta(days=days), region=w.dongcheng, lead=w.quiet)
        Task.objects.filter(code=code).update(withdrawn_at=timezone.now(), withdrawal_reason="误录")
        tally.recount(Task.all_objects.get(code=code))
    return w


def test_the_set_based_sweep_writes_the_rows_of_the_python_sweep(province):
    # given the reference rows of the day (computed before anything is written)
    unit_rows, escalation_rows = reference_rows(ON)
    kinds = {r[1] for r in unit_rows | escalation_rows}
    assert kinds == {
        "reminder_due_7",
        "reminder_due_3",
        "reminder_due_1",
        "reminder_overdue",
        "reminder_escalation",
    }
    # when the sweep runs
    run = reminders.run(ON)
    # then it wrote exactly those rows, and says so
    assert written_rows() == unit_rows | escalation_rows
    # and nothing about the withdrawn tasks (their unit has nothing else due)
    assert not Notification.objects.filter(task__withdrawn_at__isnull=False).exists()
    assert province.quiet.pk not in reminders.units_due(ON)
    assert (run.units, run.unit_rows, run.escalation_rows) == (
        len(reminders.units_due(ON)),
        len(unit_rows),
        len(escalation_rows),
    )
    # each new row waits for the delivery job like a row written by notify_many
    fresh = Notification.objects.values_list(
        "status", "attempts", "next_attempt_at", "last_error", "sent_at", "read_at"
    )
    assert set(fresh) == {(NotificationStatus.PENDING, 0, None, "", None, None)}
    assert not Notification.objects.filter(created_at__isnull=True).exists()
    due_now = Notification.objects.filter(delivery._due(timezone.now()))
    assert due_now.count() == len(unit_rows) + len(escalation_rows)


def test_the_varied_world_covers_the_edges(province):
    # The rows the reference builds for this world, checked by hand where it matters most.
    unit_rows, escalation_rows = reference_rows(ON)
    by = {(r[1], r[7]): set() for r in unit_rows | escalation_rows}
    for r in unit_rows | escalation_rows:
        by[(r[1], r[7])].add((r[0], r[2]))
    t = province.tasks
    users = {u.pk: u.username for u in type(province.reporter).objects.all()}

    def told(kind, code):
        return {(users[uid], channel) for uid, channel in by.get((kind, t[code].pk), set())}

    # 东城区政府 with its robot (sent by its lowest-id active user), 市住建局 cooperating
    assert told("reminder_due_7", "D7") == {
        ("dc_reporter", "INAPP"),
        ("dc_reporter", "MAIL"),
        ("dc_head", "INAPP"),
        ("dc_reporter", "WEBHOOK"),
        ("zj_reporter", "INAPP"),
        ("zj_reporter", "MAIL"),
    }
    # an inactive unit's members are told, its robot is not; a robot without active users
    assert told("reminder_due_3", "D3") == {
        ("c3_reporter", "INAPP"),
        ("c3_reporter", "MAIL"),
        ("c3_head", "INAPP"),
    }
    # lead + territorial: told once; a sector unit is not told
    assert len(told("reminder_due_1", "D1")) == 4
    # escalation: city and province offices, the county office, leader logins, once each
    assert told("reminder_escalation", "EN") == {
        ("office", "INAPP"),
        ("office", "MAIL"),
        ("dc_office", "INAPP"),
        ("dc_office", "MAIL"),
        ("province_office", "INAPP"),
        ("leader", "INAPP"),
        ("c2_office", "INAPP"),
    }
    assert told("reminder_escalation", "EC") == {
        ("c2_office", "INAPP"),
        ("province_office", "INAPP"),
        ("deputy", "INAPP"),
        ("deputy", "MAIL"),
    }
    # 别市's office is also 赵副市长's login: told once
    assert told("reminder_escalation", "EX") == {
        ("c2_office", "INAPP"),
        ("province_office", "INAPP"),
        ("leader", "INAPP"),
    }
    assert not told("reminder_escalation", "OL")
    titles = {r[7]: r[4] for r in escalation_rows}
    assert titles[t["EU"].pk].endswith("（牵头单位：未明确）")
    assert titles[t["EX"].pk].endswith("已逾期45天（牵头单位：别市生态环境局）")
    assert len(titles[t["EN"].pk]) == 200
    for code in ("D2", "CL", "RV", "PB", "ND"):
        assert not any(r[7] == t[code].pk for r in unit_rows | escalation_rows), code


def test_a_second_run_and_the_next_day(province):
    # given the day's run
    first = reminders.run(ON)
    rows = written_rows()
    # when it runs again the same day, then nothing is written
    again = reminders.run(ON)
    assert (again.unit_rows, again.escalation_rows) == (0, 0)
    assert written_rows() == rows
    # and the next day writes that day's rows, the reference's
    unit_rows, escalation_rows = reference_rows(ON + timedelta(days=1))
    reminders.run(ON + timedelta(days=1))
    assert written_rows() == rows | unit_rows | escalation_rows
    assert first.unit_rows > 0 and first.escalation_rows > 0


@pytest.mark.parametrize("extra_tasks", [0, 40])
def test_the_sweep_is_a_fixed_number_of_statements(
    province, extra_tasks, django_assert_num_queries
):
    # given more tasks of every kind (or none)
    for n in range(extra_tasks):
        TaskFactory(
            problem=province.problem,
            code=f"X-{n}",
            region=province.county3 if n % 2 else province.dongcheng,
            lead=province.c3_gov if n % 2 else province.dc_gov,
            coop=[province.housing],
            deadline=ON + timedelta(days=(7, 3, 1, -1, -30)[n % 5]),
        )
    # when the sweep runs, then: the units count, four unit kinds, the escalation
    with django_assert_num_queries(6):
        run = reminders.run(ON)
    assert run.unit_rows + run.escalation_rows == Notification.objects.count()


def test_the_benchmarks_raw_limit_writes_the_same_rows(province):
    # The raw SQL that the benchmark holds the sweep against (devtools.bench.raw) is the
    # same sweep: same rows, same answer.
    from devtools.bench import raw

    run = reminders.run(ON)
    rows = written_rows()
    Notification.objects.all().delete()
    answer = raw.reminder_sweep(ON, settings.ESCALATE_AFTER_OVERDUE_DAYS)
    assert written_rows() == rows
    assert answer == {
        "units": run.units,
        "unit_rows": run.unit_rows,
        "escalation_rows": run.escalation_rows,
    }
