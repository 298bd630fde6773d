"""The demo city: `load_demo` writes docs/domain.md §5 exactly, consistently and only once."""

import hashlib
from base64 import b32decode
from datetime import date
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.choices import Role
from accounts.models import User
from devtools.demo import DEMO_PASSWORD, SNAPSHOT_DATE
from devtools.demo.data import DEMO_MFA_USERS, DEMO_TOTP_SECRET
from inspections import workdays
from inspections.models import InspectionEvent, InspectionRound, Petition, Problem
from rectification import schedule
from rectification.choices import (
    CLOSING_STATUSES,
    WORKING_STATUSES,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    LookBackResult,
    NoticeResult,
    ReviewLevel,
    ReviewResult,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.lifecycle import MOVES
from rectification.models import (
    CloseoutApplication,
    Event,
    LookBackCheck,
    SupervisionNotice,
    Task,
)
from rectification.selectors import (
    overdue_q,
    problem_status,
    problems_with_rollup,
    round_headline,
    task_totals,
    totals_by_round,
)
from tests.accounts.conftest import next_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city(demo_city_shared):
    # Loaded once for the module (tests/conftest.py: demo_city_once); each test is rolled back.
    return demo_city_shared


def _round_totals(code: str):
    return task_totals(Task.objects.filter(round__code=code), today=SNAPSHOT_DATE)


def test_sd2019_totals_are_those_of_the_mayors_speech(demo_city):
    # given the demo loaded, when the dashboard figures are computed on the snapshot day
    totals = _round_totals("SD2019")
    # then they are docs/domain.md §5's: 17 = 7 closed + 1 notice + 2 review + 6 working + 1 overdue,
    # except that SD-5-1 (2019-12-31, 退回后经批准延期至2020-04-30: extended by the office after
    # its deadline) counts as overdue against its original deadline (issue 11: an extension
    # never hides overdue), so 6 working + 1 overdue read 5 working + 2 overdue (1 of them 已延期),
    # and, as an overdue task always counts as 红灯 (逾期 ⊆ 红灯), 红灯 reads 2 as well.
    assert totals.total == 17
    assert totals.closed == 7
    assert totals.publicizing == 1
    assert totals.in_review == 2
    assert totals.in_progress == 5
    assert totals.reopened == 1
    assert totals.overdue == 2
    assert totals.red == 2
    overdue = Task.objects.filter(round__code="SD2019").filter(overdue_q(SNAPSHOT_DATE))
    assert sorted(overdue.values_list("code", flat=True)) == ["SD-11-2", "SD-5-1"]
    # §5's own figure counted the working (extended) deadline: exactly SD-5-1 is the difference.
    extended = overdue.exclude(deadline__lt=SNAPSHOT_DATE)
    assert list(extended.values_list("code", flat=True)) == ["SD-5-1"]
    assert extended.get().extensions.get().after_deadline
    assert str(round_headline(demo_city.rounds["SD2019"])) == "3方面7类12项"


def test_other_rounds_totals(demo_city):
    by_round = totals_by_round(Task.objects.all(), today=SNAPSHOT_DATE)
    rounds = demo_city.rounds
    assert (by_round[rounds["JSP2019"].pk].total, by_round[rounds["JSP2019"].pk].closed) == (15, 4)
    assert (by_round[rounds["JSP2018"].pk].total, by_round[rounds["JSP2018"].pk].closed) == (4, 4)
    assert (by_round[rounds["ZC2019"].pk].total, by_round[rounds["ZC2019"].pk].closed) == (3, 2)
    assert str(round_headline(rounds["JSP2019"])) == "2项"
    assert Problem.objects.filter(round=rounds["JSP2019"]).count() == 2


def test_problem_rollups(demo_city):
    office = User.objects.get(username="office")  # the city office sees every task of its city
    problems = {
        p.code: p
        for p in problems_with_rollup(Problem.objects.filter(round__code="SD2019"), user=office)
    }
    assert len(problems) == 12
    assert (problems["SD-4"].task_closed, problems["SD-4"].task_total) == (2, 3)
    assert problem_status(problems["SD-6"]) == "已销号"
    assert problem_status(problems["SD-11"]) == "整改中"
    jsp = {
        p.code: p
        for p in problems_with_rollup(Problem.objects.filter(round__code="JSP2019"), user=office)
    }
    assert (jsp["JSP-1"].task_closed, jsp["JSP-1"].task_total) == (3, 12)
    assert (jsp["JSP-2"].task_closed, jsp["JSP-2"].task_total) == (1, 3)


def test_stored_schedule_status_is_what_the_rule_computes_on_the_snapshot_day(demo_city):
    open_tasks = Task.objects.exclude(status=TaskStatus.CLOSED)
    assert open_tasks.count() == 17 - 7 + 15 - 4 + 1
    for task in open_tasks:
        verdict = schedule.evaluate(
            status=task.status,
            start_date=task.start_date,
            deadline=task.deadline,
            progress_pct=task.progress_pct,
            today=SNAPSHOT_DATE,
        )
        assert task.schedule_status == verdict.status, task.code
    behind = set(
        Task.objects.filter(schedule_status=ScheduleStatus.BEHIND).values_list("code", flat=True)
    )
    assert behind == {"SD-5-2", "SD-11-2", "JSP-1-05", "JSP-2-01"}


def test_warning_levels_match_the_warnings_issued(demo_city):
    coloured = dict(
        # The loader runs the warning sweep on the story's days: the other open tasks are blue.
        Task.objects.exclude(warning_level__in=[WarningLevel.NONE, WarningLevel.BLUE]).values_list(
            "code", "warning_level"
        )
    )
    assert coloured == {
        # 黄牌 after the failed acceptance, then red: extended by the office after its
        # 2019-12-31 deadline, it stays overdue against the original deadline
        "SD-5-1": "RED",
        "SD-5-2": "YELLOW",
        "SD-11-2": "RED",
        "JSP-1-05": "YELLOW",
        "JSP-2-01": "YELLOW",
    }
    for code, level in coloured.items():
        assert demo_city.tasks[code].warnings.filter(level=level).exists(), code


def test_every_closed_task_has_approved_closeout_with_reviews_notice_and_real_files(
    demo_city, settings
):
    closed = Task.objects.filter(status=TaskStatus.CLOSED)
    assert closed.count() == 7 + 4 + 4 + 2
    for task in closed:
        app = task.closeouts.get(status=CloseoutStatus.APPROVED)
        levels = set(app.reviews.filter(result=ReviewResult.PASS).values_list("level", flat=True))
        assert ReviewLevel.COUNTY in levels and levels & {ReviewLevel.CITY, ReviewLevel.SECTOR}
        assert app.notice.result == NoticeResult.NO_OBJECTION
        # a week, longer over holidays: never under NOTICE_MIN_WORKING_DAYS, never back-dated
        assert (app.notice.end_date - app.notice.start_date).days >= 6
        assert workdays.between(app.notice.start_date, app.notice.end_date) >= 5
        assert app.notice.contact_phone
        assert app.notice.end_date < task.closed_at.date()
        assert task.closed_at == app.closed_at
        kinds = set(task.attachments.values_list("kind", flat=True))
        assert {AttachmentKind.BEFORE, AttachmentKind.AFTER} <= kinds, task.code
        for attachment in task.attachments.all():
            with attachment.file.open("rb") as handle:
                content = handle.read()
            assert hashlib.sha256(content).hexdigest() == attachment.sha256
            assert len(content) == attachment.size
            assert attachment.uploaded_at.date() <= SNAPSHOT_DATE


def test_status_stories(demo_city):
    tasks = {t.code: t for t in Task.objects.all()}
    # SD-7-2: the notice is running on the snapshot day
    notice = tasks["SD-7-2"].closeouts.get(status=CloseoutStatus.ACCEPTED).notice
    assert tasks["SD-7-2"].status == TaskStatus.PUBLICIZING
    assert notice.start_date <= SNAPSHOT_DATE <= notice.end_date
    assert notice.result == NoticeResult.PENDING
    # SD-9-1: county passed, city pending; SD-11-1: waiting for 市林业局
    for code in ("SD-9-1", "SD-11-1"):
        app = tasks[code].closeouts.get(status=CloseoutStatus.SELF_CHECKED)
        assert list(app.reviews.values_list("level", "result")) == [("COUNTY", "PASS")]
        assert tasks[code].status == TaskStatus.IN_REVIEW
    assert tasks["SD-11-1"].assignments.filter(role="SECTOR", unit__short_name="市林业局").exists()
    # SD-5-1: returned by the city, extended with the original deadline kept
    sd51 = tasks["SD-5-1"]
    returned = sd51.closeouts.get(status=CloseoutStatus.RETURNED)
    assert returned.return_reason == "仅完成主体工程，辅助设施和设备调试未完成"
    assert returned.reviews.filter(level="CITY", result="FAIL").exists()
    assert (sd51.original_deadline, sd51.deadline) == (date(2019, 12, 31), date(2020, 4, 30))
    assert sd51.extensions.get().status == ExtensionStatus.APPROVED
    assert sd51.status == TaskStatus.IN_PROGRESS
    # SD-8-1: closed, rebound found by the look-back, reopened
    sd81 = tasks["SD-8-1"]
    rebound = LookBackCheck.objects.get(task=sd81)
    assert rebound.result == LookBackResult.REBOUND and rebound.reopened
    assert rebound.closeout == sd81.closeouts.get(status=CloseoutStatus.APPROVED)
    assert (sd81.reopen_count, sd81.start_date, sd81.deadline) == (
        1,
        rebound.check_date,
        date(2020, 3, 31),
    )
    assert sd81.closed_at is None
    consolidated = LookBackCheck.objects.filter(result=LookBackResult.CONSOLIDATED)
    assert set(consolidated.values_list("task__code", flat=True)) == {"SD-7-1", "SD-10-1"}
    # JSP-1-09 waits for the county self-check, JSP-1-11 has not started
    assert tasks["JSP-1-09"].status == TaskStatus.APPLIED
    assert tasks["JSP-1-09"].closeouts.get().status == CloseoutStatus.SUBMITTED
    assert tasks["JSP-1-11"].status == TaskStatus.NOT_STARTED
    assert not tasks["JSP-1-11"].reports.exists()


STATUS_MOVES = [verb for verb, move in MOVES.items() if move.target is not None]


def test_event_log_replays_to_the_stored_status(demo_city):
    for task in Task.objects.all():
        # The task's own moves (a supervision notice's events carry the notice's statuses).
        moves = (
            Event.objects.filter(task=task, verb__in=[*STATUS_MOVES, "create"])
            .exclude(to_status="")
            .order_by("created_at", "id")
        )
        last = moves.last()
        assert last.to_status == task.status, task.code
        assert all(e.created_at.date() <= SNAPSHOT_DATE for e in moves)


def test_working_tasks_report_monthly(demo_city):
    working = Task.objects.filter(status__in=WORKING_STATUSES).exclude(
        status=TaskStatus.NOT_STARTED
    )
    for task in working:
        assert task.reports.filter(period__code="2020-01").exists(), task.code
        assert task.reports.order_by("-submitted_at").first().progress_pct == task.progress_pct
    for task in Task.objects.filter(round__code="SD2019", status__in=CLOSING_STATUSES):
        assert task.progress_pct == 100


def test_supervision_side(demo_city):
    letter = SupervisionNotice.objects.get(doc_no="示环督办函〔2020〕3号")
    assert letter.target_unit.short_name == "南江县政府"
    # 限10个工作日书面回复, computed over the extended 2020 Spring Festival holiday
    assert (letter.issued_on, letter.reply_due) == (date(2020, 1, 22), date(2020, 2, 13))
    kinds = set(SupervisionNotice.objects.values_list("kind", flat=True))
    assert kinds == {"REMINDER", "LETTER", "INTERVIEW"}
    record = demo_city.tasks["SD-11-2"].accountability_records.get()
    assert record.get_form_display() == "诫勉谈话"


def test_petitions(demo_city):
    assert Petition.objects.count() == 6
    key = Petition.objects.get(accept_no="SD2019-XF-023")
    assert key.is_key and key.pollution_types == ["ECOLOGY"]
    assert list(key.tasks.values_list("code", flat=True)) == ["SD-11-2"]
    assert Petition.objects.get(accept_no="SD2019-XF-018").pollution_types == ["WATER", "SOIL"]
    # DOMAIN §5: each petition's 核实 and 状态, reached through the workflow's services
    rows = Petition.objects.order_by("accept_no").values_list(
        "accept_no", "verify_result", "status"
    )
    assert list(rows) == [
        ("SD2019-XF-001", "TRUE", "DONE"),
        ("SD2019-XF-007", "TRUE", "DONE"),
        ("SD2019-XF-012", "PARTLY", "STAGE_DONE"),
        ("SD2019-XF-018", "TRUE", "STAGE_DONE"),
        ("SD2019-XF-023", "TRUE", "HANDLING"),
        ("SD2019-XF-031", "FALSE", "DONE"),
    ]
    # the key petition about the villas is long past its ten working days, and flagged
    assert key.due_date == date(2019, 5, 30) and key.is_overdue(date(2020, 2, 15))
    assert key.overdue_warned_on is not None
    verbs = InspectionEvent.objects.filter(target_id=key.pk, verb__startswith="petition_")
    assert list(verbs.order_by("created_at", "id").values_list("verb", flat=True)) == [
        "petition_receive",
        "petition_assign",
        "petition_start",
        "petition_report",
        "petition_check_return",
        "petition_overdue",
    ]


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for app in ("accounts", "inspections", "rectification")
        for model in apps.get_app_config(app).get_models()
    }


def test_loading_twice_changes_nothing(demo_city):
    # given the demo loaded once
    before = _row_counts()
    assert before["rectification.Task"] == 39
    # when it is loaded again
    out = StringIO()
    call_command("load_demo", stdout=out)
    # then no table gained or lost a row
    assert _row_counts() == before
    assert "已存在" in out.getvalue()


def test_every_demo_user_can_log_in(demo_city, client):
    users = User.objects.all()
    assert users.count() == 29
    assert users.get(username="admin").is_superuser
    assert users.get(username="admin").role == Role.ADMIN
    assert users.get(username="office").unit.short_name == "市环督办"
    for user in users:
        assert user.get_full_name(), user.username
        # through the login page (the lockout backend needs the request), straight in: demo
        # accounts are not asked to change their password first
        response = client.post(
            "/login/", {"username": user.username, "password": DEMO_PASSWORD}, follow=True
        )
        assert response.context["user"].is_authenticated, user.username
        assert response.request["PATH_INFO"] != "/me/password/", user.username
        # the office and administrator accounts then give the code of the documented demo
        # authenticator (README 演示账号), as `manage.py totp_code` prints it
        if user.username in DEMO_MFA_USERS:
            assert response.request["PATH_INFO"] == "/login/verify/", user.username
            device = TOTPDevice.objects.get(user=user)
            assert device.key == b32decode(DEMO_TOTP_SECRET).hex()
            response = client.post("/login/verify/", {"code": next_code(user)}, follow=True)
            assert response.request["PATH_INFO"] != "/login/verify/", user.username
        else:
            assert not user.mfa_enabled, user.username
        client.post("/logout/")


def test_demo_round_codes(demo_city):
    assert set(InspectionRound.objects.values_list("code", flat=True)) == {
        "SD2019",
        "JSP2019",
        "JSP2018",
        "ZC2019",
    }
    assert CloseoutApplication.objects.filter(status=CloseoutStatus.APPROVED).count() == 18
