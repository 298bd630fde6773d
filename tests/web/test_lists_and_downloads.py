"""Task lists: pinned query counts, CSV export equal to the list, download scope, static check."""

import csv
import io
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from rectification import services
from rectification.choices import PeriodKind
from rectification.models import Attachment, Event, ProgressReport, ReportingPeriod, Task
from rectification.views.tasks import TASK_PAGE_REPORTS, TIMELINE_EVENTS, neutralise
from tests.factories import TaskFactory


def _add_tasks(world, n, region=None, lead=None):
    for i in range(n):
        TaskFactory(
            problem=world.problem,
            code=f"SD-4-X{i}",
            name=f"批量点位{i}",
            region=region or world.dongcheng,
            lead=lead or world.dc_gov,
            coop=[world.housing],
        )


# session, user, header badge, rounds filter, status counts, page rows, saved filters (我的筛选)
REPORTER_LIST_QUERIES = 7
# + units and counties for the filters (the office's scope comes with the user: the session's
# user is loaded with its unit and region, accounts.backends), + the navigation's queue badges
# (one statement: rectification.workbench.counts)
OFFICE_LIST_QUERIES = 10


@pytest.mark.parametrize("extra", [5, 30])
def test_my_tasks_query_count_does_not_grow(world, login, django_assert_num_queries, extra):
    _add_tasks(world, extra)
    client = login(world.reporter)
    with django_assert_num_queries(REPORTER_LIST_QUERIES):
        response = client.get(reverse("task_list"))
    assert response.content.decode().count('data-testid="task-row"') == extra + 1


@pytest.mark.parametrize("extra", [5, 30])
def test_ledger_query_count_does_not_grow(world, login, django_assert_num_queries, extra):
    _add_tasks(world, extra)
    client = login(world.office)
    with django_assert_num_queries(OFFICE_LIST_QUERIES):
        response = client.get(reverse("task_list"), {"status": "NOT_STARTED", "sort": "-deadline"})
    assert response.content.decode().count('data-testid="task-row"') == extra + 2


def test_the_unit_filter_never_lists_thousands_of_units(world, login, monkeypatch):
    from accounts.models import Unit
    from rectification.views import tasks as task_views
    from tests.factories import UnitFactory

    # given more units in the office's scope than the filter lists (the cap lowered to 3)
    monkeypatch.setattr(task_views, "UNIT_CHOICES_CAP", 3)
    for n in range(4):
        UnitFactory(name=f"西城区第{n}局", region=world.xicheng)
    client = login(world.office)
    # when the office opens the ledger, the filter offers only the units of its own level
    response = client.get(reverse("task_list"))
    offered = {u.pk for u in response.context["units"]}
    own_level = set(Unit.objects.filter(region=world.city).values_list("pk", flat=True))
    assert response.context["units_limited"] is True
    assert offered and offered <= own_level
    assert "先选择区县" in response.content.decode()
    # and once a county is chosen, that county's units join them (the cap still holds)
    response = client.get(reverse("task_list"), {"county": world.xicheng.pk})
    regions = {
        u.region_id for u in Unit.objects.filter(pk__in=[u.pk for u in response.context["units"]])
    }
    assert world.xicheng.pk in regions
    assert len(response.context["units"]) <= 3
    # a small scope lists every unit, with no hint
    monkeypatch.setattr(task_views, "UNIT_CHOICES_CAP", 300)
    response = client.get(reverse("task_list"))
    assert response.context["units_limited"] is False
    assert "先选择区县" not in response.content.decode()


# session, user, the task (with its scope check and which of the usually empty sections have
# rows), units, timeline, latest reports, header badge
REPORTER_TASK_PAGE_QUERIES = 7
# the office's scope comes with the user (loaded with its unit and region, accounts.backends);
# + the navigation's queue badges (one statement)
OFFICE_TASK_PAGE_QUERIES = 8


def _add_history(task, actor, n: int) -> None:
    """n monthly reports and n timeline events on the task, one a day."""
    task_type = ContentType.objects.get_for_model(Task)
    start = timezone.now() - timedelta(days=n)
    for i in range(n):
        period = ReportingPeriod.objects.create(
            code=f"H{i:03d}",
            kind=PeriodKind.MONTHLY,
            start_date=date(2020, 1, 1),
            end_date=date(2020, 1, 31),
            due_date=date(2020, 2, 5),
        )
        at = start + timedelta(days=i)
        ProgressReport.objects.create(
            task=task,
            period=period,
            unit=actor.unit,
            progress_text=f"第{i}次进展",
            progress_pct=i % 100,
            submitted_by=actor,
            submitted_at=at,
        )
        Event.objects.create(
            task=task,
            target_type=task_type,
            target_id=task.pk,
            verb="report",
            note=f"第{i}次报送",
            actor=actor,
            created_at=at,
        )


@pytest.mark.parametrize(
    ("persona", "queries"),
    [("reporter", REPORTER_TASK_PAGE_QUERIES), ("office", OFFICE_TASK_PAGE_QUERIES)],
)
@pytest.mark.parametrize("history", [3, 40])
def test_task_page_query_count_does_not_grow_with_history(
    world, login, django_assert_num_queries, persona, queries, history
):
    # given a task with a short or a long history of reports and events
    _add_history(world.task, world.reporter, history)
    client = login(getattr(world, persona))
    # when its page is opened
    with django_assert_num_queries(queries):
        response = client.get(reverse("task_detail", args=[world.task.pk]))
    # then the count is the same, and the page lists the latest reports and every event
    assert response.status_code == 200
    assert len(response.context["reports"]) == min(history, TASK_PAGE_REPORTS)
    assert len(response.context["events"]) == history
    assert "第0次报送" in response.content.decode()


def test_task_page_query_count_does_not_grow_with_evidence(
    world, login, django_assert_num_queries, png_file
):
    client = login(world.reporter)
    services.task_add_evidence(
        task=world.task, actor=world.reporter, files=[services.EvidenceFile(png_file(), "BEFORE")]
    )
    # + the evidence gallery, read only when the task has some
    with django_assert_num_queries(REPORTER_TASK_PAGE_QUERIES + 1) as first:
        client.get(reverse("task_detail", args=[world.task.pk]))
    for _ in range(3):
        services.task_add_evidence(
            task=world.task,
            actor=world.reporter,
            files=[services.EvidenceFile(png_file(), "AFTER")],
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("task_detail", args=[world.task.pk]))


def test_task_page_timeline_shows_the_latest_events_and_links_to_all(world, login):
    # given a task with more events than the timeline shows
    _add_history(world.task, world.reporter, TIMELINE_EVENTS + 5)
    client = login(world.reporter)
    url = reverse("task_detail", args=[world.task.pk])
    # when its page is opened, the timeline lists the latest events, oldest first, and says so
    response = client.get(url)
    notes = [e.note for e in response.context["events"]]
    assert notes == [f"第{i}次报送" for i in range(5, TIMELINE_EVENTS + 5)]
    assert 'data-testid="timeline-more"' in response.content.decode()
    # and the link shows the whole history
    response = client.get(url, {"timeline": "all"})
    assert len(response.context["events"]) == TIMELINE_EVENTS + 5
    assert 'data-testid="timeline-more"' not in response.content.decode()


def test_reporter_list_shows_only_own_unit_tasks(world, login):
    body = login(world.reporter).get(reverse("task_list")).content.decode()
    assert world.task.name in body and world.other_task.name not in body


def test_filters_and_htmx_partial(world, login):
    _add_tasks(world, 3, region=world.xicheng, lead=world.xc_gov)
    client = login(world.office)
    response = client.get(
        reverse("task_list"), {"county": world.xicheng.pk}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert "<html" not in body  # partial
    assert body.count('data-testid="task-row"') == 4
    assert world.task.name not in body


def test_csv_export_equals_filtered_list(world, login):
    _add_tasks(world, 4, region=world.xicheng, lead=world.xc_gov)
    client = login(world.office)
    params = {"county": world.xicheng.pk, "sort": "deadline"}
    listed = client.get(reverse("task_list"), params).context["tasks"]
    response = client.get(reverse("task_export"), params)
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][0] == "任务编号"
    assert [r[0] for r in rows[1:]] == [t.code for t in listed]
    assert len(rows) == 1 + 5
    # beside the working deadline: the original one and how often it was extended
    header = rows[0]
    assert header[header.index("整改时限") + 1 : header.index("整改时限") + 3] == [
        "原定时限",
        "延期次数",
    ]
    extended = {r[0]: r[header.index("延期次数")] for r in rows[1:]}
    assert extended == {t.code: str(t.extension_count) for t in listed}


def test_csv_export_respects_scope(world, login):
    response = login(world.outsider).get(reverse("task_export"))
    content = b"".join(response.streaming_content).decode("utf-8")
    assert world.other_task.code in content and world.task.code not in content


def test_csv_cells_that_look_like_formulas_are_neutralised():
    assert neutralise("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert neutralise("+1") == "'+1"
    assert neutralise("-1") == "'-1"
    assert neutralise("@SUM") == "'@SUM"
    assert neutralise("清溪河") == "清溪河"


def test_download_scope_and_headers(world, login, png_file):
    [attachment] = services.task_add_evidence(
        task=world.task,
        actor=world.reporter,
        files=[services.EvidenceFile(png_file("现场.png"), "BEFORE")],
    )
    url = reverse("attachment_download", args=[attachment.pk])
    # the other county's reporter cannot even learn that it exists
    assert login(world.outsider).get(url).status_code == 404
    assert login(None).get(url).status_code == 302
    response = login(world.coop_reporter).get(url)
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "%E7%8E%B0%E5%9C%BA.png" in response["Content-Disposition"]
    # never inline, not even for the gallery's thumbnails (an <img> shows it all the same)
    inline = login(world.office).get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("attachment;")
    assert inline["Content-Type"] == "image/png"
    assert Attachment.objects.count() == 1


def test_vendored_static_files_match_manifest():
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, str(root / "scripts" / "verify_static.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_base_template_uses_no_cdn(world, login):
    body = login(world.reporter).get(reverse("task_list")).content.decode()
    assert "cdn" not in body.lower() and "https://" not in body
    assert "/static/vendor/bootstrap-5.3.9/css/bootstrap.min.css" in body
    assert "htmx" in body


def test_the_status_counts_are_exact_up_to_the_cap_and_estimated_above_it(
    world, login, monkeypatch
):
    from django.db import connection

    from rectification import selectors

    # given a ledger with more tasks than the cap (lowered to 3)
    _add_tasks(world, 5)
    monkeypatch.setattr(selectors, "COUNT_CAP", 3)
    client = login(world.office)
    # when the office opens it
    response = client.get(reverse("task_list"))
    page = response.content.decode()
    if connection.vendor == "postgresql":
        # then PostgreSQL's estimate is shown, marked 约, and the page still lists the tasks
        assert response.context["count_exact"] is False
        assert 'data-testid="count-estimated"' in page
        assert "共 约 " in page
    else:
        # then (other databases) the counts stay exact
        assert response.context["count_exact"] is True
        assert response.context["total"] == Task.objects.count()
    assert page.count('data-testid="task-row"') == Task.objects.count()
    # and below the cap the counts are exact: one status of 2 tasks
    response = client.get(
        reverse("task_list"), {"status": "NOT_STARTED", "county": world.xicheng.pk}
    )
    assert response.context["count_exact"] is True
    assert "约" not in response.content.decode().split('data-testid="status-counts"')[1][:400]


def test_the_filter_options_keep_the_choices_made(world, login):
    # given an office that picked a round, two statuses, a county and a unit
    client = login(world.office)
    params = {
        "round": world.round.pk,
        "status": ["NOT_STARTED", "IN_PROGRESS"],
        "county": world.dongcheng.pk,
        "unit": world.dc_gov.pk,
    }
    # when the list is shown, the form offers each choice with the picked ones selected
    page = client.get(reverse("task_list"), params).content.decode()
    assert f'<option value="{world.round.pk}" selected>{world.round.name}</option>' in page
    assert '<option value="NOT_STARTED" selected>尚未启动</option>' in page
    assert '<option value="IN_PROGRESS" selected>整改中</option>' in page
    assert '<option value="CLOSED">已销号</option>' in page
    assert f'<option value="{world.dongcheng.pk}" selected>{world.dongcheng.name}</option>' in page
    assert (
        f'<option value="{world.dc_gov.pk}" selected>{world.dc_gov.display_name}</option>' in page
    )
    assert f'<option value="{world.xicheng.pk}">' in page


def _mixed_tasks(world):
    """Tasks in every urgency group: overdue (also by an extended deadline), due soon,
    returned, later, closing, closed, and long-term ones without a deadline."""
    from accounts import clock
    from rectification.choices import ReportReviewStatus, TaskStatus

    today = clock.today()
    specs = [
        (TaskStatus.IN_PROGRESS, -40, -40),
        (TaskStatus.NOT_STARTED, -3, -3),
        (TaskStatus.IN_PROGRESS, 20, -10),  # extended: overdue by its original deadline
        (TaskStatus.IN_PROGRESS, 2, 2),
        (TaskStatus.NOT_STARTED, 5, 5),
        (TaskStatus.IN_PROGRESS, 90, 90),
        (TaskStatus.NOT_STARTED, 60, 60),
        (TaskStatus.IN_PROGRESS, None, None),
        (TaskStatus.APPLIED, -5, -5),
        (TaskStatus.IN_REVIEW, 30, 30),
        (TaskStatus.PUBLICIZING, None, None),
        (TaskStatus.CLOSED, -100, -100),
        (TaskStatus.CLOSED, 10, 10),
    ]
    made = []
    for i, (status, due, original) in enumerate(specs * 3):
        task = TaskFactory(
            problem=world.problem,
            code=f"SD-U{i}",
            name=f"排序点位{i}",
            region=world.dongcheng,
            lead=world.dc_gov,
            status=status,
            deadline=today + timedelta(days=due) if due is not None else None,
            original_deadline=today + timedelta(days=original) if original is not None else None,
            closed_at=timezone.now() if status == TaskStatus.CLOSED else None,
        )
        made.append(task)
    # a later task whose progress report the office returned (被退回)
    returned = made[5]
    period = ReportingPeriod.objects.create(
        code="U001",
        kind=PeriodKind.MONTHLY,
        start_date=date(2020, 1, 1),
        end_date=date(2020, 1, 31),
        due_date=date(2020, 2, 5),
    )
    ProgressReport.objects.create(
        task=returned,
        period=period,
        unit=world.dc_gov,
        progress_text="进展",
        progress_pct=30,
        submitted_by=world.reporter,
        submitted_at=timezone.now(),
        review_status=ReportReviewStatus.RETURNED,
    )
    return made


def test_the_urgent_window_equals_the_urgent_order_for_every_window(world):
    from rectification.views.tasks import urgent_order, urgent_window

    # given tasks in every urgency group
    _mixed_tasks(world)
    qs = Task.objects.all()
    expected = list(urgent_order(qs).values_list("pk", flat=True))
    assert len(expected) > 40
    # when a large list's page is read group by group, then it is the same rows, in order
    for start, stop in [(0, 7), (0, 50), (3, 11), (9, 23), (20, 40), (35, 60), (60, 80)]:
        assert urgent_window(qs, start, stop) == expected[start:stop], (start, stop)


def test_a_list_above_the_cap_shows_the_urgent_order_page_by_page(world, login, monkeypatch):
    from rectification import selectors
    from rectification.views import tasks as task_views

    # given a ledger larger than the cap (lowered to 5) and pages of 10
    _mixed_tasks(world)
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr(task_views, "PAGE_SIZE", 10)
    expected = list(task_views.urgent_order(Task.objects.all()).values_list("pk", flat=True))
    client = login(world.office)
    # when the office pages through it in the default (urgent) order
    shown = []
    for number in (1, 2, 3):
        response = client.get(reverse("task_list"), {"page": number})
        shown += [t.pk for t in response.context["tasks"]]
    # then each page holds the next rows of the urgent order
    assert shown == expected[:30]
