"""The demo city on one clock: everything `load_demo` writes is stamped inside the story, an
action taken in the pinned demo is stamped on the business date, and the pages built from it
show no date of the real clock (issue 10)."""

import ast
import re
from collections import Counter
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.db.models import Max, Min
from django.utils import timezone

import devtools.demo.loader
from accounts import clock
from devtools.demo import SNAPSHOT_DATE, data
from rectification import dashboard, services
from rectification.choices import CloseoutStatus
from rectification.models import (
    CloseoutApplication,
    CloseoutReview,
    DispatchReport,
    Event,
    Notification,
    ProgressReport,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_city(demo_city_shared):
    # Loaded once for the module (tests/conftest.py: demo_city_once); each test is rolled back.
    return demo_city_shared


STORY_FIRST = clock.at(data.STORY_START, 0, 0)
STORY_LAST = clock.at(SNAPSHOT_DATE + timedelta(days=1), 0, 0)  # exclusive: end of 2020-02-15


def _datetime_columns() -> list[tuple[type[models.Model], str]]:
    """Every DateTimeField of every model of every installed app (auto-created M2M tables too)."""
    return [
        (model, f.name)
        for model in apps.get_models(include_auto_created=True)
        for f in model._meta.concrete_fields
        if isinstance(f, models.DateTimeField)
    ]


def _stamps_outside_the_story() -> dict[str, tuple]:
    outside = {}
    for model, name in _datetime_columns():
        bounds = model._default_manager.aggregate(first=Min(name), last=Max(name))
        if bounds["first"] is None:
            continue
        if bounds["first"] < STORY_FIRST or bounds["last"] >= STORY_LAST:
            outside[f"{model._meta.label}.{name}"] = (bounds["first"], bounds["last"])
    return outside


def test_every_timestamp_of_the_demo_lies_inside_the_story(demo_city):
    # given the demo loaded (the test runs on the real clock's time of day, date pinned)
    # then no DateTimeField of any model holds a moment before the story's first day or
    # after the snapshot day
    assert _stamps_outside_the_story() == {}
    # and the columns the story fills are filled (the check above is not vacuous)
    stamped = {
        f"{m._meta.label}.{n}"
        for m, n in _datetime_columns()
        if m._default_manager.filter(**{f"{n}__isnull": False}).exists()
    }
    for column in (
        "rectification.Event.created_at",
        "rectification.ProgressReport.submitted_at",
        "rectification.Attachment.uploaded_at",
        "rectification.CloseoutApplication.closed_at",
        "rectification.CloseoutReview.created_at",
        "rectification.Notification.created_at",
        "rectification.Warning.created_at",
        "rectification.SupervisionNotice.replied_at",
        "rectification.Extension.decided_at",
        "inspections.Petition.created_at",
        "accounts.User.date_joined",
    ):
        assert column in stamped, column
    first_event = Event.objects.order_by("created_at").first()
    assert timezone.localdate(first_event.created_at) == data.STORY_START


def test_the_story_is_told_in_order(demo_city):
    # Each task's events follow the story's dates: the first is its creation on the day its
    # round listed it, the close-out of SD-4-1 on the day of its story.
    sd41 = demo_city.tasks["SD-4-1"]
    verbs = list(
        Event.objects.filter(task=sd41).order_by("created_at", "id").values_list("verb", flat=True)
    )
    assert verbs[0] == "create" and verbs[-1] == "close"
    closed = CloseoutApplication.objects.get(task=sd41, status=CloseoutStatus.APPROVED)
    assert timezone.localdate(closed.closed_at) == date(2019, 12, 20)
    assert timezone.localdate(closed.applied_at) == date(2019, 11, 29)


def test_an_action_in_the_pinned_demo_is_stamped_on_the_business_date(demo_city, settings):
    # given the live demo: the business date pinned to the snapshot, no travel
    settings.TRACKER_TODAY = SNAPSHOT_DATE
    settings.TRACKER_NOW = None
    # when 南江县 reports progress and the head of 市住建局 (the lead unit of JSP-1-09, which
    # 西城区 applied for) passes its 部门自验 through the services
    report = services.task_report_progress(
        task=demo_city.tasks["SD-4-3"],
        actor=demo_city.users["nanjiang"],
        progress_text="一体化设施设备安装中",
        progress_pct=65,
    )
    application = CloseoutApplication.objects.get(
        task=demo_city.tasks["JSP-1-09"], status=CloseoutStatus.SUBMITTED
    )
    services.closeout_self_check(
        application=application,
        actor=demo_city.users["zhujian_head"],
        passed=True,
        opinion="经核查，同意申请销号。",
    )
    # then every row they wrote is stamped 2020-02-15
    assert timezone.localdate(report.submitted_at) == SNAPSHOT_DATE
    review = CloseoutReview.objects.filter(application=application).latest("id")
    assert timezone.localdate(review.created_at) == SNAPSHOT_DATE
    assert review.actual_date == SNAPSHOT_DATE
    latest = Event.objects.order_by("-id")[:2]
    assert {e.verb for e in latest} == {"report", "self_check_pass"}
    assert {timezone.localdate(e.created_at) for e in latest} == {SNAPSHOT_DATE}
    told = Notification.objects.filter(
        unique_key__startswith=f"closeout_self_checked:{application.pk}:"
    )
    assert told.exists()
    assert {timezone.localdate(n.created_at) for n in told} == {SNAPSHOT_DATE}
    assert ProgressReport.objects.get(pk=report.pk).period.code == "2020-02"
    # and the database as a whole still lies inside the story
    assert _stamps_outside_the_story() == {}


# Dates as pages print them: 2020-02-15, 2020/02/15, 2020年2月15日, 2020-02-15 09:30.
DATE_PATTERNS = (
    re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})/(\d{1,2})/(\d{1,2})(?!\d)"),
    re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日"),
)
# The demo's calendar: from JSP2018's feedback (2019-01-18) to the latest deadline.
CALENDAR = (date(2019, 1, 1), date(2020, 12, 31))


def _dates_shown(content: str) -> list[date]:
    return [
        date(int(y), int(m), int(d))
        for pattern in DATE_PATTERNS
        for y, m, d in pattern.findall(content)
    ]


def _assert_only_story_dates(content: str) -> None:
    shown = _dates_shown(content)
    assert shown, "the page shows no date at all"
    outside = sorted({d for d in shown if not CALENDAR[0] <= d <= CALENDAR[1]})
    assert outside == []
    real_year = timezone.localdate().year
    if real_year > CALENDAR[1].year:
        assert f"{real_year}年" not in content
        assert f"{real_year}-" not in content


def test_the_public_page_shows_only_the_storys_dates(demo_city, client):
    # when anyone opens the public page of the pinned demo
    response = client.get("/public/")
    # then it lists the close-outs in notice and recently closed, dated inside the story
    assert response.status_code == 200
    content = response.content.decode()
    assert "城东渣土运输通道" in content  # SD-7-2, in public notice on the snapshot day
    _assert_only_story_dates(content)
    # a close-out is dated on its story day, not on the day the demo was loaded
    assert "2020年1月8日" in content  # SD-1 and SD-4-2 were closed on 2020-01-08


def test_the_january_dispatch_report_shows_only_the_storys_dates(demo_city, client):
    # when the dispatch job runs in the pinned demo (as `make run` does) and the office opens
    # the January 2020 通报
    call_command("run_job", "dispatch", stdout=StringIO())
    report = DispatchReport.objects.get(region__name="示范市")
    assert (report.month, report.as_of) == (date(2020, 1, 1), date(2020, 1, 31))
    assert timezone.localdate(report.generated_at) == SNAPSHOT_DATE
    client.force_login(demo_city.users["office"])
    response = client.get(f"/dispatch/{report.pk}/")
    # then the page is dated inside the story: as of January's end, generated on 2020-02-15
    assert response.status_code == 200
    content = response.content.decode()
    assert "生成于2020-02-15" in content
    _assert_only_story_dates(content)


def test_the_close_out_trend_counts_the_demos_close_outs_in_their_months(demo_city, settings):
    # given the close-outs of the story, by the month of their close step
    expected = Counter(
        f"{step.day:%Y-%m}"
        for round_spec in data.ROUNDS
        for problem in round_spec.problems
        for task in problem.tasks
        for step in task.story
        if step.kind == "close"
    )
    assert sum(expected.values()) == 18
    # when the leader's dashboard is built on the snapshot day
    board = dashboard.dashboard_for(demo_city.users["office"], today=SNAPSHOT_DATE)
    # then its trend (the tally's close events per month) counts each close-out in its month
    shown = {row["month"]: row["closed"] for row in board.trend}
    assert {m: n for m, n in shown.items() if n} == dict(expected)
    assert shown["2020-01"] == expected["2020-01"] > 0


# Rows of a task's lifecycle: only the services write them.
LIFECYCLE_MODELS = {
    "Task",
    "ProgressReport",
    "Attachment",
    "Extension",
    "CloseoutApplication",
    "CloseoutReview",
    "PublicNotice",
    "Event",
    "Warning",
    "SupervisionNotice",
    "LookBackCheck",
    "Notification",
    "Milestone",
}
WRITES = {"create", "bulk_create", "update", "get_or_create", "update_or_create", "delete", "save"}


def test_the_loader_writes_no_lifecycle_row_itself():
    # The loader reads lifecycle models (to find an application, to check the snapshot) but
    # every write to them goes through a service: no Model.objects.<write>, no Model(...)
    tree = ast.parse(Path(devtools.demo.loader.__file__).read_text(encoding="utf-8"))
    offending = []
    for node in ast.walk(tree):
        called = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        if called and node.func.id in LIFECYCLE_MODELS:
            offending.append(f"{node.func.id}(...) line {node.lineno}")
        if isinstance(node, ast.Attribute) and node.attr in WRITES:
            chain, inner = [], node.value
            while isinstance(inner, ast.Attribute | ast.Call):
                inner = inner.value if isinstance(inner, ast.Attribute) else inner.func
                if isinstance(inner, ast.Attribute):
                    chain.append(inner.attr)
            if isinstance(inner, ast.Name) and inner.id in LIFECYCLE_MODELS:
                offending.append(f"{inner.id}.….{node.attr} line {node.lineno}")
    assert offending == []
