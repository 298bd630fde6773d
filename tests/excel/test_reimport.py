"""Re-importing a plan already imported into a round: recognised by content, never a silent
duplicate; the office updates the existing plan from a diff preview or cancels."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from inspections.models import Problem
from rectification.models import Task
from tests.excel.conftest import upload
from tests.excel.workbooks import good_rows, recommended_workbook

pytestmark = pytest.mark.django_db


def preview_api(client, data, **target):
    target.setdefault("mode", "existing")
    return client.post("/api/v1/imports/preview/", {"file": upload(data), **target})


def commit_api(client, sha256, **fields):
    fields.setdefault("mode", "existing")
    return client.post(
        "/api/v1/imports/commit/",
        {"sha256": sha256, "file_name": "plan.xlsx", **fields},
        content_type="application/json",
    )


def resaved(data: bytes) -> bytes:
    """The same workbook saved again by someone else: same cells, different bytes."""
    wb = load_workbook(BytesIO(data))
    wb.properties.creator = "县区填报员"
    wb.properties.lastModifiedBy = "市环督办"
    wb.properties.title = "整改任务清单（修订稿）"
    buffer = BytesIO()
    wb.save(buffer)
    copy = buffer.getvalue()
    assert copy != data
    return copy


def first_import(client, world, rows=None) -> bytes:
    data = recommended_workbook(rows or good_rows())
    preview = preview_api(client, data, round=world.round.pk)
    assert preview.status_code == 200, preview.json()
    commit = commit_api(client, preview.json()["sha256"], round=world.round.pk)
    assert commit.status_code == 201, commit.json()
    return data


def test_a_resaved_copy_is_never_a_silent_duplicate(plan_units, office_client, row_counts):
    # given a plan imported into the round
    data = first_import(office_client, plan_units)
    tasks_before = Task.objects.filter(round=plan_units.round).count()
    before = row_counts()
    # when a re-saved copy (different bytes, same content) is previewed and committed as new
    copy = resaved(data)
    preview = preview_api(office_client, copy, round=plan_units.round.pk)
    assert preview.status_code == 200, preview.json()
    commit = commit_api(office_client, preview.json()["sha256"], round=plan_units.round.pk)
    # then the commit is refused with a clear message and nothing is duplicated
    assert commit.status_code == 409, commit.json()
    assert "已导入" in commit.json()["detail"] and "更新" in commit.json()["detail"]
    assert Task.objects.filter(round=plan_units.round).count() == tasks_before
    assert Problem.objects.filter(round=plan_units.round, code="5").count() == 1
    assert row_counts() == before
