"""Task lists: pinned query counts, CSV export equal to the list, download scope, static check."""

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from rectification import services
from rectification.models import Attachment
from rectification.views.tasks import neutralise
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


# session, user, header badge, rounds filter, status counts, page rows
REPORTER_LIST_QUERIES = 6
# + scope (the region subtree, one query), units and counties for the filters
OFFICE_LIST_QUERIES = 9


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


def test_task_page_query_count_does_not_grow_with_events(
    world, login, django_assert_num_queries, png_file
):
    client = login(world.reporter)
    services.task_add_evidence(
        task=world.task, actor=world.reporter, files=[services.EvidenceFile(png_file(), "BEFORE")]
    )
    client.get(reverse("task_detail", args=[world.task.pk]))
    with django_assert_num_queries(13) as first:
        client.get(reverse("task_detail", args=[world.task.pk]))
    for _ in range(3):
        services.task_add_evidence(
            task=world.task,
            actor=world.reporter,
            files=[services.EvidenceFile(png_file(), "AFTER")],
        )
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("task_detail", args=[world.task.pk]))


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
    inline = login(world.office).get(url + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
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
