"""The 台账 export: official layout read back with openpyxl, formula neutralising, scope and
filters shared with the task list, bounded memory, and the export → import round trip."""

import time
import tracemalloc
from datetime import date
from io import BytesIO

import openpyxl
import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from exchange.ledger import safe_text, write_ledger
from exchange.plan_import.columns import EXPORT_HEADERS
from rectification import services, tally
from rectification.choices import TaskStatus
from rectification.models import Task
from tests.excel.conftest import upload
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def read_back(response):
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return openpyxl.load_workbook(BytesIO(b"".join(response.streaming_content)))


def column(sheet, header):
    index = EXPORT_HEADERS.index(header)
    return [row[index].value for row in sheet.iter_rows(min_row=3)]


def test_the_ledger_shows_how_often_a_task_was_extended(world, client):
    # given SD-4-1 extended once by the office after its 2020-01-31 deadline
    task = world.task
    Task.objects.filter(pk=task.pk).update(
        deadline=date(2020, 1, 31), original_deadline=date(2020, 1, 31), status="IN_PROGRESS"
    )
    services.extension_grant_overdue(
        task=task, actor=world.office, new_deadline=date(2020, 6, 30), reason="疫情停工"
    )
    client.force_login(world.office)
    # when the office exports the ledger
    sheet = read_back(client.get("/imports/ledger.xlsx"))["整改台账"]
    # then the row carries the working deadline and the extension beside it; the other is blank
    assert column(sheet, "点位编号") == ["SD-4-1", "SD-4-2"]
    assert column(sheet, "延期情况") == ["已延期 1 次（原定 2020-01-31）", None]
    deadline = sheet.cell(row=3, column=EXPORT_HEADERS.index("整改时限") + 1).value
    assert deadline.date() == date(2020, 6, 30)


def test_ledger_layout(world, client):
    # given the world's round with one problem and two tasks
    client.force_login(world.office)
    # when the office exports the ledger
    wb = read_back(client.get("/imports/ledger.xlsx"))
    sheet = wb["整改台账"]
    # then: title, header, one row per task, problem cells merged, frozen, print setup
    assert sheet["A1"].value == "示范市生态环境保护督察整改台账（截至2020年2月15日）"
    assert [c.value for c in sheet[2]] == EXPORT_HEADERS
    assert column(sheet, "点位编号") == ["SD-4-1", "SD-4-2"]
    assert column(sheet, "序号") == [1, 2]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert "A1:AE1" in merged
    for header in ("问题编号", "督察轮次", "方面", "类别", "具体问题", "问题描述", "责任领导"):
        letter = openpyxl.utils.get_column_letter(EXPORT_HEADERS.index(header) + 1)
        assert f"{letter}3:{letter}4" in merged, header
    assert "O3:O4" not in merged  # 整改目标 belongs to each task
    assert sheet.freeze_panes == "A3"
    assert sheet.print_title_rows == "$1:$2"
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9 - 1  # A3
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.column_dimensions["G"].width > sheet.column_dimensions["A"].width
    assert column(sheet, "牵头单位") == ["东城区政府", "西城区政府"]
    assert column(sheet, "配合单位") == ["市住建局", "市住建局"]
    assert column(sheet, "整改状态") == ["尚未启动", "尚未启动"]
    assert column(sheet, "是否销号") == ["否", "否"]
    deadline = sheet.cell(row=3, column=EXPORT_HEADERS.index("整改时限") + 1)
    assert deadline.is_date and deadline.number_format == "yyyy-mm-dd"
    summary = wb["汇总"]
    rows = [[c.value for c in r] for r in summary.iter_rows(min_row=3)]
    assert rows[0][:7] == [
        "SD2019",
        world.round.name,
        "省级例行督察",
        "省级",
        "示范市",
        "1方面1类1项",
        2,
    ]
    assert rows[-1][0] == "合计" and rows[-1][6] == 2


def test_reporter_export_holds_only_own_unit_tasks(world, client):
    client.force_login(world.reporter)
    wb = read_back(client.get("/imports/ledger.xlsx"))
    assert column(wb["整改台账"], "点位编号") == ["SD-4-1"]
    assert wb["整改台账"]["A1"].value.startswith("东城区")


def test_export_uses_the_task_list_filters(world, client):
    client.force_login(world.office)
    wb = read_back(client.get("/imports/ledger.xlsx", {"county": world.xicheng.pk}))
    assert column(wb["整改台账"], "点位编号") == ["SD-4-2"]
    api = read_back(client.get("/api/v1/ledger/", {"q": "东城区段"}))
    assert column(api["整改台账"], "点位编号") == ["SD-4-1"]
    bad = client.get("/api/v1/ledger/", {"status": "NOPE"})
    assert bad.status_code == 400 and "筛选条件无效" in bad.json()["detail"]
    assert client.get("/imports/ledger.xlsx", {"round": "x"}).status_code == 400


def test_outsider_and_anonymous(world, client):
    assert client.get("/imports/ledger.xlsx").status_code == 302
    assert client.get("/api/v1/ledger/").status_code in (401, 403)
    client.force_login(world.outsider)
    wb = read_back(client.get("/api/v1/ledger/"))
    assert column(wb["整改台账"], "点位编号") == ["SD-4-2"]


HOSTILE = [
    "=1+1",
    '=HYPERLINK("http://evil.example","x")',
    "+SUM(A1:A2)",
    "-2+3",
    "@SUM(A1)",
    "\t=cmd|' /C calc'!A0",
    "\r=1",
    "\n=1",
    "\x00=1",
    "ab\x07c",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_safe_text_never_leaves_a_formula(text):
    value = safe_text(text)
    assert not value.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))
    assert not any(ord(ch) < 0x20 and ch not in "\t\n\r" for ch in value)


def test_exported_cells_are_never_formulas(world, client):
    # given tasks whose text a hostile unit typed
    # (PostgreSQL cannot store NUL, so that one is covered by the safe_text test only.)
    for i, text in enumerate(t for t in HOSTILE if "\x00" not in t):
        TaskFactory(
            problem=world.problem,
            code=f"H{i}",
            name=text,
            measures=text,
            goal=text,
            region=world.dongcheng,
            lead=world.dc_gov,
        )
    world.problem.title = '=WEBSERVICE("http://evil.example")'
    world.problem.save()
    client.force_login(world.office)
    # when exported
    wb = read_back(client.get("/imports/ledger.xlsx"))
    sheet = wb["整改台账"]
    # then no cell is a formula and the text is kept behind an apostrophe
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    names = column(sheet, "点位名称")
    assert "'=1+1" in names and "'-2+3" in names and "'@SUM(A1)" in names
    assert column(sheet, "具体问题")[0] == '\'=WEBSERVICE("http://evil.example")'


def test_cells_keep_their_types_and_links_stay_text(world, client):
    # given a closed task with coordinates, a link for a name and a code that looks like a number
    from datetime import UTC, datetime
    from decimal import Decimal

    TaskFactory(
        problem=world.problem,
        code="00123",
        name="http://evil.example/x",
        measures="mailto:boss@example.com",
        region=world.dongcheng,
        lead=world.dc_gov,
        lng=Decimal("104.330000"),
        lat=Decimal("30.230000"),
        status=TaskStatus.CLOSED,
        closed_at=datetime(2020, 1, 10, 20, 0, tzinfo=UTC),  # 2020-01-11 in Beijing
    )
    client.force_login(world.office)
    # when exported
    sheet = read_back(client.get("/imports/ledger.xlsx"))["整改台账"]
    # then text stays text (no number, no hyperlink) and numbers and dates are typed
    row = column(sheet, "点位编号").index("00123") + 3

    def cell(header):
        return sheet.cell(row=row, column=EXPORT_HEADERS.index(header) + 1)

    assert cell("点位名称").value == "http://evil.example/x" and cell("点位名称").hyperlink is None
    assert cell("整改措施").value == "mailto:boss@example.com"
    assert cell("整改措施").hyperlink is None
    assert (cell("经度").value, cell("纬度").value) == (104.33, 30.23)
    assert cell("是否销号").value == "是"
    closed_at = cell("销号时间")
    assert closed_at.is_date and closed_at.number_format == "yyyy-mm-dd"
    assert closed_at.value.date() == date(2020, 1, 11)
    assert cell("备注").value is None


def test_failed_export_leaves_no_temporary_files(world, tmp_path, monkeypatch):
    # given an export that breaks after the task rows are written
    import tempfile

    from exchange import ledger as ledger_export

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ledger_export, "_write_summary", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    # when it fails
    with pytest.raises(RuntimeError):
        write_ledger(Task.objects.all(), out=BytesIO())
    # then XlsxWriter's row files went with it
    assert list(tmp_path.iterdir()) == []


def test_large_export_streams_with_bounded_memory(world, tmp_path):
    # given 5,000 tasks over 1,000 problems
    from tests.factories import ProblemFactory

    problems = [ProblemFactory(round=world.round, seq=100 + i, code=f"B{i}") for i in range(1000)]
    Task.objects.bulk_create(
        Task(
            round=world.round,
            problem=problems[i // 5],
            seq=i % 5 + 1,
            code=f"BIG-{i}",
            name=f"点位{i}",
            region=world.dongcheng,
            measures="截污纳管" * 10,
        )
        for i in range(5000)
    )
    tally.build()  # bulk rows skip the services: count them on the dashboard tally again
    tasks = Task.objects.all()
    # when the ledger is written
    tracemalloc.start()
    started = time.monotonic()
    rows = write_ledger(tasks, out=tmp_path / "big.xlsx", title_region="示范市")
    elapsed = time.monotonic() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # then memory stays bounded (normal mode would hold every cell)
    assert rows == 5002
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"
    print(f"ledger export: {rows} rows in {elapsed:.1f}s, peak {peak / 1e6:.1f} MB (tracemalloc)")
    sheet = openpyxl.load_workbook(tmp_path / "big.xlsx", read_only=False)["整改台账"]
    assert sheet.max_row == 5002 + 2
    assert len(sheet.merged_cells.ranges) == 1 + 1001 * 8  # 8 problem-level columns


# ---------------------------------------------------------------------------------------------
# Round trip


def _snapshot():
    from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Problem
    from rectification.models import Assignment

    rounds = sorted(
        (r.code, r.name, r.kind, r.level, r.region.code)
        for r in InspectionRound.objects.select_related("region")
    )
    aspects = sorted(
        (a.round.code, a.seq, a.title) for a in FeedbackAspect.objects.select_related("round")
    )
    categories = sorted(
        (c.aspect.round.code, c.aspect.seq, c.seq, c.title)
        for c in FeedbackCategory.objects.select_related("aspect__round")
    )
    problems = sorted(
        (p.round.code, p.code, p.seq, p.title, p.category.seq if p.category else None, p.source)
        for p in Problem.objects.select_related("round", "category")
        if p.tasks.exists()
    )
    units = {}
    for a in Assignment.objects.filter(task__isnull=False).select_related("unit"):
        units.setdefault(a.task_id, set()).add((a.role, a.unit.name))
    tasks = sorted(
        (
            t.round.code,
            t.problem.code,
            t.seq,
            t.code,
            t.name,
            t.region.code,
            t.deadline_type,
            t.deadline,
            t.is_ongoing,
            t.lead_unit.name,
            tuple(sorted(units.get(t.pk, ()))),
            t.water_body,
            t.lat,
            t.lng,
            t.measures,
        )
        for t in Task.objects.select_related("round", "problem", "region", "lead_unit")
    )
    return {
        "rounds": rounds,
        "aspects": aspects,
        "categories": categories,
        "problems": problems,
        "tasks": tasks,
    }


def _clear_rounds():
    """Delete every round and what hangs off it, keeping regions, units, people and users.

    The event tables are append-only: on PostgreSQL their triggers are lifted for this, as a
    superuser may (the test database's owner is one)."""
    models = [m for m in apps.get_models() if m._meta.app_label in ("inspections", "rectification")]
    models = [m for m in models if m._meta.model_name != "holiday"]
    replica = connection.vendor == "postgresql"
    if replica:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        for _ in range(len(models) + 1):
            left = False
            for model in models:
                try:
                    with transaction.atomic():
                        model._default_manager.all().delete()
                except (ProtectedError, IntegrityError):
                    left = True
            if not left:
                return
        raise AssertionError("could not clear the demo rounds")
    finally:
        if replica:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = origin")


def test_round_trip_demo_city(demo_city, client):
    # given the demo city's ledger exported by the office
    office = demo_city.users["office"]
    client.force_login(office)
    response = client.get("/imports/ledger.xlsx")
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    before = _snapshot()
    assert len(before["tasks"]) == 39
    # when the rounds are gone and the file is imported (rounds from its own 汇总 sheet)
    _clear_rounds()
    assert not Task.objects.exists()
    preview = client.post(
        "/api/v1/imports/preview/", {"file": upload(data, "台账.xlsx"), "mode": "file"}
    )
    assert preview.status_code == 200, preview.json()
    assert preview.json()["counts"]["rounds"] == 4
    commit = client.post(
        "/api/v1/imports/commit/",
        {"sha256": preview.json()["sha256"], "mode": "file"},
        content_type="application/json",
    )
    assert commit.status_code == 201, commit.json()
    # then the same rounds, tree, tasks and units are back
    after = _snapshot()
    for key in before:
        assert after[key] == before[key], key
    assert set(Task.objects.values_list("status", flat=True)) == {TaskStatus.NOT_STARTED}
