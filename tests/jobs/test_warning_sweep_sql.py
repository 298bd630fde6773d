"""The warnings sweep's SQL equals its rules in Python, over many random tasks.

`schedule.evaluate` and `warning_sweep.decide` are the documented rules; `warning_sweep.run`
applies them in SQL to every open task at once. Here a fixed-seed province of varied tasks
(every status, dates missing or at the boundaries, milestones with ties in the rounding,
monthly reports present or missing, manual warnings of every reason and level, closed tasks
still coloured) is swept, and every stored verdict, colour, Warning row, proposed 督办函 and
office notification is compared with what the Python rules give task by task. Run on SQLite
and on PostgreSQL (DATABASE_URL).
"""

from collections import defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import chain, clock
from accounts.choices import RegionLevel, Role, UnitKind
from accounts.events import EventVerb
from devtools.bench.province import scatter_tasks
from rectification import schedule
from rectification.choices import (
    NotificationStatus,
    PeriodKind,
    ScheduleStatus,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import periods, recipients, warning_sweep
from rectification.models import (
    Event,
    Milestone,
    Notification,
    ProgressReport,
    SupervisionNotice,
    Task,
    Warning,
)
from tests.factories import RegionFactory, UnitFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
SEED = 20200215
RANK = {WarningLevel.BLUE: 1, WarningLevel.YELLOW: 2, WarningLevel.RED: 3}


# ---------------------------------------------------------------------------------------------
# A random province on top of the jobs' small world


@pytest.fixture
def sweep_world(jobs_world, settings):
    settings.MONTHLY_REPORT_CUTOFF_DAY = 25
    settings.WARNING_DUE_SOON_DAYS = 5
    w = jobs_world
    # Offices at every level (the city office of the world has an e-mail address): the
    # province's without one, a county's, an inactive one; and a reporter, who is never told.
    province_office = UnitFactory(name="省环督办", kind=UnitKind.COORD_OFFICE, region=w.province)
    dc_office = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=w.dongcheng)
    w.province_office = UserFactory(username="prov_office", role=Role.OFFICE, unit=province_office)
    w.dc_office = UserFactory(
        username="dc_office", role=Role.OFFICE, unit=dc_office, email="dc@office.example"
    )
    UserFactory(username="gone_office", role=Role.OFFICE, unit=dc_office, is_active=False)
    # A region beside the city: its tasks are told to the province office only.
    w.other_city = RegionFactory(
        code="990200", name="邻市", level=RegionLevel.CITY, parent=w.province
    )
    w.regions = [w.dongcheng, w.xicheng, w.city, w.other_city]
    w.leads = [w.dc_gov, w.xc_gov, w.housing, None]
    return w


def build_province(w, n: int, on: date, seed: int) -> None:
    """`n` random tasks at the rules' edges in the world's regions, from the one synthetic
    province generator (devtools.bench.province)."""
    scatter_tasks(
        round_=w.round,
        problem=w.problem,
        regions=w.regions,
        leads=w.leads,
        reporting_unit=w.dc_gov,
        reporter=w.reporter,
        office=w.office,
        n=n,
        on=on,
        seed=seed,
    )


# ---------------------------------------------------------------------------------------------
# What the Python rules say


def expected_sweep(on: date):
    """Per task (schedule_status, warning_level) and the day's auto Warning rows
    {(task, reason): level} after a sweep on `on`, by schedule.evaluate and decide."""
    plans = defaultdict(list)
    for task_id, planned, weight, done in Milestone.objects.values_list(
        "task_id", "planned_date", "weight", "done_date"
    ):
        plans[task_id].append(schedule.MilestonePlan(planned, weight, done))
    manual: dict[int, dict[str, str]] = defaultdict(dict)
    for task_id, reason, level in Warning.objects.filter(
        auto=False, resolved_at__isnull=True
    ).values_list("task_id", "reason", "level"):
        if RANK.get(level, 0) > RANK.get(manual[task_id].get(reason), 0):
            manual[task_id][reason] = level
    reported = set(
        ProgressReport.objects.filter(
            period__kind=PeriodKind.MONTHLY, period__code=f"{on:%Y-%m}"
        ).values_list("task_id", flat=True)
    )
    cutoff = periods.report_cutoff(on)
    rows = {
        (task_id, reason): level
        for task_id, reason, level in Warning.objects.filter(day=on, auto=True).values_list(
            "task_id", "reason", "level"
        )
    }
    stored = {}
    for t in Task.objects.values(
        "id",
        "status",
        "start_date",
        "deadline",
        "original_deadline",
        "progress_pct",
        "schedule_status",
    ):
        if t["status"] == TaskStatus.CLOSED:
            stored[t["id"]] = (ScheduleStatus.NA, WarningLevel.NONE)  # not judged, no colour
            continue
        verdict = schedule.evaluate(
            status=t["status"],
            start_date=t["start_date"],
            deadline=t["deadline"],
            progress_pct=t["progress_pct"],
            today=on,
            milestones=plans.get(t["id"], ()),
        ).status
        colour = warning_sweep.decide(
            status=t["status"],
            deadline=t["deadline"],
            original_deadline=t["original_deadline"],
            verdict=verdict,
            on=on,
            report_missing=on > cutoff
            and t["id"] not in reported
            and (t["start_date"] is None or t["start_date"] <= cutoff),
            manual=manual.get(t["id"]),
        )
        stored[t["id"]] = (verdict, colour.level)
        for reason in colour.reasons:
            rows.setdefault((t["id"], reason), colour.level)
    return stored, rows


def yellow_cards(on: date) -> dict[int, set[tuple[str, date]]]:
    """The yellow cards shown to each task this month: a yellow row (any) whose reason the
    task did not have yellow the day before."""
    rows = set(
        Warning.objects.filter(level=WarningLevel.YELLOW).values_list("task_id", "reason", "day")
    )
    cards = defaultdict(set)
    for task_id, reason, day in rows:
        if (
            periods.month_start(on) <= day <= on
            and (task_id, reason, day - timedelta(1)) not in rows
        ):
            cards[task_id].add((reason, day))
    return cards


def issued_this_month(kind: str, on: date) -> set[int]:
    """Tasks the office already sent a notice of this kind this month."""
    return set(
        SupervisionNotice.tasks.through.objects.filter(
            supervisionnotice__kind=kind, supervisionnotice__issued_on__gte=periods.month_start(on)
        ).values_list("task_id", flat=True)
    )


def expected_letters(on: date, yellow: set[int], existing: set[str]):
    """The 督办函 to propose: yellow today, two yellow cards this month, a lead unit, no letter
    of the month yet: auto_key → (task, unit, title, content) and, for the notifications,
    (code, name, region path, notice kind, notice title)."""
    cards = yellow_cards(on)
    sent = issued_this_month(SupervisionKind.LETTER, on)
    letters = {}
    for t in Task.objects.filter(pk__in=yellow, lead_unit__isnull=False).values(
        "id", "code", "name", "lead_unit_id", "region__path"
    ):
        key = f"letter:{t['id']}:{on:%Y-%m}"
        if len(cards[t["id"]]) < 2 or key in existing or t["id"] in sent:
            continue
        reasons = sorted({reason for reason, _day in cards[t["id"]]})
        labels = "、".join(str(WarningReason(r).label) for r in reasons)
        content = (
            f"{t['code']} {t['name']} 于{on:%Y年%m月}两次被亮黄牌（{labels}）。"
            "建议专函督办，要求牵头单位限期书面回复整改措施和完成时间。"
        )
        letters[key] = (
            t["id"],
            t["lead_unit_id"],
            f"关于{t['code']} {t['name']}整改工作的督办函（拟）",
            content,
            (
                t["code"],
                t["name"],
                t["region__path"],
                "letter_proposed",
                f"【拟发督办函】{t['code']} {t['name']} 本月两次黄牌",
            ),
        )
    return letters


def expected_interviews(on: date, red: set[int], existing: set[str]):
    """The 约谈 to propose: red today, a lead unit, none of the month yet; as expected_letters,
    plus the leader in charge."""
    sent = issued_this_month(SupervisionKind.INTERVIEW, on)
    interviews = {}
    for t in Task.objects.filter(pk__in=red, lead_unit__isnull=False).values(
        "id", "code", "name", "lead_unit_id", "region__path", "leader_id", "problem__leader_id"
    ):
        key = f"interview:{t['id']}:{on:%Y-%m}"
        if key in existing or t["id"] in sent:
            continue
        interviews[key] = (
            t["id"],
            t["lead_unit_id"],
            f"关于{t['code']} {t['name']}的约谈（拟）",
            f"{t['code']} {t['name']} 于{on:%Y年%m月%d日}亮红灯。"
            "建议由责任领导约谈牵头单位主要负责同志，督促限期整改到位。",
            (
                t["code"],
                t["name"],
                t["region__path"],
                "interview_proposed",
                f"【拟约谈】{t['code']} {t['name']} 亮红灯",
            ),
            t["leader_id"] or t["problem__leader_id"],
        )
    return interviews


def expected_notifications(letters, notices):
    """The rows notify_many() wrote for recipients.messages_for(offices covering the task)."""
    offices = recipients.regional_users([Role.OFFICE])
    rows = set()
    for key, (task_id, _unit, _title, content, extra, *_leader) in letters.items():
        _code, _name, path, kind, title = extra
        for m in recipients.messages_for(
            recipients.covering(offices, path),
            kind=kind,
            key=f"{kind}:{notices[key]}",
            title=title,
            body=content,
            task_id=task_id,
            url=f"/tasks/{task_id}/",
        ):
            rows.add(
                (
                    m.recipient_id,
                    m.kind,
                    m.task_id,
                    m.title[:200],
                    m.body,
                    m.url,
                    m.channel,
                    f"{m.key}:{m.recipient_id}:{m.channel}"[:200],
                    NotificationStatus.PENDING,
                    0,
                    "",
                    None,
                    None,
                    None,
                )
            )
    return rows


# ---------------------------------------------------------------------------------------------
# What the sweep stored


def withdraw_some(every: int) -> dict[int, tuple]:
    """Withdraw every `every`-th task (as rectification.services.withdraw leaves it) and
    return their (schedule status, colour, today's auto warnings)."""
    ids = list(Task.objects.order_by("pk").values_list("pk", flat=True)[::every])
    assert Task.objects.filter(pk__in=ids).exclude(warning_level=WarningLevel.NONE).exists()
    Task.objects.filter(pk__in=ids).update(
        withdrawn_at=clock.now(), withdrawal_reason="测试：录入错误"
    )
    return withdrawn_state(ids)


def withdrawn_state(ids) -> dict[int, tuple]:
    warnings = defaultdict(set)
    for task_id, reason, day in Warning.objects.filter(task__in=list(ids)).values_list(
        "task_id", "reason", "day"
    ):
        warnings[task_id].add((reason, day))
    return {
        pk: (sched, level, frozenset(warnings[pk]))
        for pk, sched, level in Task.all_objects.filter(pk__in=list(ids)).values_list(
            "pk", "schedule_status", "warning_level"
        )
    }


def stored_tasks():
    return {
        pk: (sched, level)
        for pk, sched, level in Task.objects.values_list("pk", "schedule_status", "warning_level")
    }


def stored_rows(on: date):
    return {
        (task_id, reason): level
        for task_id, reason, level in Warning.objects.filter(day=on, auto=True).values_list(
            "task_id", "reason", "level"
        )
    }


def stored_notifications():
    return set(
        Notification.objects.filter(kind__in=["letter_proposed", "interview_proposed"]).values_list(
            "recipient_id",
            "kind",
            "task_id",
            "title",
            "body",
            "url",
            "channel",
            "unique_key",
            "status",
            "attempts",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "read_at",
        )
    )


def snapshot():
    return (
        stored_tasks(),
        set(Warning.objects.values_list("id", "task_id", "level", "reason", "day", "auto", "note")),
        set(SupervisionNotice.objects.values_list("id", "auto_key", "title", "content")),
        set(SupervisionNotice.tasks.through.objects.values_list("supervisionnotice_id", "task_id")),
        stored_notifications(),
        set(Event.objects.values_list("id", "verb", "task_id", "from_status", "to_status")),
    )


# ---------------------------------------------------------------------------------------------
# The tests


@pytest.mark.parametrize(
    ("on", "tolerance"),
    # A tolerance of 12 puts the milestone shares' ties (12.5 against 0) on its edge.
    [(date(2020, 2, 27), 10), (date(2020, 2, 15), 12)],
    ids=["after-the-report-cutoff", "before-the-cutoff"],
)
def test_sql_sweep_equals_the_python_rules_task_by_task(sweep_world, settings, on, tolerance):
    # given a few hundred random tasks
    settings.SCHEDULE_TOLERANCE_PCT = tolerance
    build_province(sweep_world, 400, on, seed=SEED)
    # and one in ten of them withdrawn (撤销), closed ones still coloured among them
    withdrawn = withdraw_some(every=10)
    stored, rows = expected_sweep(on)
    existing_letters = set(SupervisionNotice.objects.values_list("auto_key", flat=True))
    before_levels = {pk: level for pk, (_s, level) in stored_tasks().items()}
    # when the sweep runs
    result = warning_sweep.run(on)
    # then every task holds the verdict and the colour of schedule.evaluate + decide
    after = stored_tasks()
    assert after == stored
    # and the withdrawn tasks are not judged: colour, verdict, warnings and events untouched
    assert withdrawn_state(withdrawn) == withdrawn
    assert not Event.objects.filter(task__in=withdrawn).exists()
    # and each change of colour is one event on the task's timeline, old colour → new
    changes = {
        (pk, before_levels[pk], level)
        for pk, (_s, level) in stored.items()
        if level != before_levels[pk]
    }
    colour_events = Event.objects.filter(verb=EventVerb.WARNING)
    assert len(changes) > 10
    assert colour_events.count() == len(changes)
    assert set(colour_events.values_list("task_id", "from_status", "to_status")) == changes
    assert set(colour_events.values_list("target_id", "actor_id")) == {
        (pk, None) for pk, _old, _new in changes
    }
    open_levels = [level for pk, (_s, level) in stored.items() if level != WarningLevel.NONE]
    assert (result.evaluated, result.blue, result.yellow, result.red) == (
        len(open_levels),
        open_levels.count(WarningLevel.BLUE),
        open_levels.count(WarningLevel.YELLOW),
        open_levels.count(WarningLevel.RED),
    )
    # and the day's rows are the reasons behind each yellow and red, added to those there
    assert stored_rows(on) == rows
    assert (
        result.warnings
        == Warning.objects.filter(day=on, auto=True).exclude(note="先前写入").count()
    )
    assert set(
        Warning.objects.filter(day=on, auto=True)
        .exclude(note="先前写入")
        .values_list("note", "issued_by", "resolved_at")
    ) <= {(warning_sweep.AUTO_NOTE, None, None)}
    # and the coverage is real: every colour, every verdict, every kind of reason
    assert {level for _s, level in stored.values()} == set(WarningLevel.values)
    assert {s for s, level in stored.values() if level != WarningLevel.NONE} == set(
        ScheduleStatus.values
    )
    reasons = {reason for _t, reason in rows}
    assert {"OVERDUE", "BEHIND", "DUE_SOON", "UPPER_CRITICISM", "MEDIA", "RETURNED"} <= reasons
    if on > date(2020, 2, 25):
        assert "NO_REPORT" in reasons

    # and a 督办函 is proposed for each task yellow with two yellow cards this month, and a
    # 约谈 for each red task (its leader in charge), none twice in a month
    yellow = {pk for pk, (_s, level) in stored.items() if level == WarningLevel.YELLOW}
    red = {pk for pk, (_s, level) in stored.items() if level == WarningLevel.RED}
    letters = expected_letters(on, yellow, existing_letters)
    interviews = expected_interviews(on, red, existing_letters)
    assert len(letters) >= 5 and len(interviews) >= 5
    # (some red tasks had their 约谈 this month already, by hand: none proposed for them)
    assert red & issued_this_month(SupervisionKind.INTERVIEW, on)
    assert (result.letters, result.interviews) == (len(letters), len(interviews))
    new = SupervisionNotice.objects.filter(auto_key__isnull=False).exclude(
        auto_key__in=existing_letters
    )
    found = {
        n.auto_key: (n.tasks.get().pk, n.target_unit_id, n.title, n.content, n)
        for n in new.prefetch_related("tasks")
    }
    proposals = {**letters, **interviews}
    assert {k: v[:4] for k, v in found.items()} == {k: v[:4] for k, v in proposals.items()}
    for key, (*_fields, notice) in found.items():
        kind = SupervisionKind.LETTER if key in letters else SupervisionKind.INTERVIEW
        assert (notice.kind, notice.status, notice.doc_no, notice.issued_by_id) == (
            kind,
            SupervisionStatus.PROPOSED,
            "",
            None,
        )
        assert notice.leader_id == (interviews[key][5] if key in interviews else None)
        assert notice.created_at is not None
    # and each proposal is one event on its task's timeline, naming it
    assert set(
        Event.objects.filter(verb=EventVerb.SUPERVISION_PROPOSE).values_list(
            "task_id", "target_id", "to_status", "note"
        )
    ) == {
        (task_id, notice.pk, SupervisionStatus.PROPOSED, title)
        for task_id, _unit, title, _content, notice in found.values()
    }
    # and the offices over each task's region are told, as notify_many wrote it
    notices = {key: v[4].pk for key, v in found.items()}
    assert stored_notifications() == expected_notifications(proposals, notices)
    assert {r[6] for r in stored_notifications()} == {"INAPP", "MAIL"}

    # when it runs again the same day
    before = snapshot()
    again = warning_sweep.run(on)
    # then nothing changes and nothing new is written
    assert snapshot() == before
    assert (again.warnings, again.letters, again.interviews) == (0, 0, 0)
    assert (again.evaluated, again.blue, again.yellow, again.red) == (
        result.evaluated,
        result.blue,
        result.yellow,
        result.red,
    )


@pytest.mark.tally_stale  # the tally's rebuild is stubbed out below
def test_query_count_is_the_same_at_two_sizes(sweep_world, monkeypatch):
    # (the dashboard tally's rebuild at the end has its own pinned count, in
    # tests/dashboard/test_dashboard.py; here it is only checked that the sweep asks for it)
    from rectification import tally

    rebuilt = []
    monkeypatch.setattr(tally, "rebuild_built", lambda also=None: rebuilt.append(also))
    on = date(2020, 2, 27)
    # given a small ledger
    build_province(sweep_world, 20, on, seed=1)
    with CaptureQueriesContext(connection) as small:
        first = warning_sweep.run(on)
    # and then one ten times the size
    build_province(sweep_world, 200, on + timedelta(1), seed=2)
    with CaptureQueriesContext(connection) as large:
        second = warning_sweep.run(on + timedelta(1))
    # then the sweep sent the same statements (15: the 14 of before and the one INSERT …
    # SELECT that records every colour change and proposed letter as an event; and the
    # sealing of those events in the hash chain, accounts.chain.seal_statements)
    assert second.evaluated > 5 * first.evaluated
    assert second.letters > 0
    assert Event.objects.filter(verb=EventVerb.WARNING).count() > 0
    sealing = chain.seal_statements(connection.vendor)
    # (PostgreSQL: ANALYZE of the day's table and of the warnings, before the letters)
    analyze = 2 if connection.vendor == "postgresql" else 0
    assert len(small.captured_queries) == len(large.captured_queries) == 15 + sealing + analyze
    inserts = [
        q["sql"] for q in large.captured_queries if "INSERT INTO rectification_event" in q["sql"]
    ]
    assert len(inserts) == 1
    assert rebuilt == [on, on + timedelta(1)]
