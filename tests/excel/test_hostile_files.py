"""A corpus of malformed and hostile files, generated here. For each: a specific Chinese
message, not one row created anywhere, and no 500 through either the page or the API."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from tests.excel.conftest import upload
from tests.excel.workbooks import (
    RECOMMENDED,
    VARIANT1,
    big_rows_workbook,
    billion_laughs,
    encrypted_workbook,
    good_rows,
    late_entity,
    old_xls,
    recommended_workbook,
    workbook_bytes,
    xlsm_workbook,
    zip_bomb,
    zip_bytes,
)

pytestmark = pytest.mark.django_db


def rows_with(index: int = 0, **changes) -> bytes:
    rows = good_rows()
    rows[index].update(changes)
    return recommended_workbook(rows)


def without_column(header: str) -> bytes:
    keep = [h for h in RECOMMENDED if h != header]
    full = [dict(zip(RECOMMENDED, [None] * len(RECOMMENDED), strict=True))]
    del full
    from tests.excel.workbooks import recommended_row

    rows = [recommended_row(**r) for r in good_rows()]
    index = RECOMMENDED.index(header)
    return workbook_bytes(keep, [r[:index] + r[index + 1 :] for r in rows])


def truncated() -> bytes:
    data = recommended_workbook(good_rows())
    return data[: len(data) // 2]


def duplicate_rows() -> bytes:
    rows = good_rows()
    rows.append(dict(rows[0]))
    return recommended_workbook(rows)


def duplicate_codes() -> bytes:
    rows = good_rows()
    from tests.excel.workbooks import recommended_row

    table = [recommended_row(**r) for r in rows]
    code_at = RECOMMENDED.index("序号")  # the template's 点位编号 is absent: add it at the end
    del code_at
    header = [*RECOMMENDED, "点位编号"]
    return workbook_bytes(header, [[*table[0], "X-1"], [*table[1], "X-1"]])


def existing_task_code() -> bytes:
    from tests.excel.workbooks import recommended_row

    header = [*RECOMMENDED, "点位编号"]
    return workbook_bytes(header, [[*recommended_row(**good_rows()[0]), "SD-4-1"]])


@dataclass
class Case:
    id: str
    build: Callable[[], bytes]
    message: str
    filename: str = "plan.xlsx"
    settings: dict = field(default_factory=dict)
    target: dict = field(default_factory=dict)
    row_error: tuple | None = None  # (row, column) named in the errors list


CASES = [
    Case("empty-file", lambda: b"", "文件为空"),
    Case(
        "renamed-csv",
        lambda: "具体问题,整改时限,牵头单位\n排口,2020年底前,东城区政府\n".encode("gbk"),
        "文本/CSV",
    ),
    Case("csv-named-csv", lambda: b"a,b,c\n1,2,3\n", "文本/CSV", filename="plan.csv"),
    Case(
        "renamed-html",
        lambda: "<html><body><table><tr><td>具体问题</td></tr></table></body></html>".encode(),
        "网页（HTML）",
    ),
    Case(
        "html-export-with-bom",
        lambda: "\ufeff<table><tr><td>整改时限</td></tr></table>".encode(),
        "网页（HTML）",
    ),
    Case(
        "renamed-txt",
        lambda: "这是一个文本文件，不是表格。".encode(),
        "文本/CSV",
        filename="说明.txt",
    ),
    Case("old-xls", old_xls, "另存为 .xlsx", filename="plan.xls"),
    Case("old-xls-renamed", old_xls, "旧版 Excel 文件（.xls）"),
    Case("encrypted", encrypted_workbook, "已加密"),
    Case("xlsm-macros", xlsm_workbook, "含宏"),
    Case("xlsm-extension", lambda: recommended_workbook(good_rows()), "含宏", filename="plan.xlsm"),
    Case("zip-bomb", zip_bomb, "压缩炸弹"),
    Case("billion-laughs", billion_laughs, "XML 炸弹"),
    Case("entity-after-4k", late_entity, "XML 炸弹"),
    Case("corrupted-zip", truncated, "已损坏"),
    Case("random-zip", lambda: zip_bytes({"readme.txt": b"hello"}), "不是 Excel 工作簿"),
    Case(
        "docx",
        lambda: zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"}),
        "不是 Excel 工作簿",
    ),
    Case(
        "png-renamed",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        "不是有效的 Excel 工作簿",
    ),
    Case("100k-rows", lambda: big_rows_workbook(100_000), "数据行过多"),
    Case(
        "lying-dimension",
        lambda: big_rows_workbook(400, dimension="A1:A1"),
        "数据行过多",
        settings={"IMPORT_MAX_ROWS": 100},
    ),
    Case(
        "too-large",
        lambda: recommended_workbook(good_rows()),
        "文件过大",
        settings={"IMPORT_MAX_BYTES": 2048},
    ),
    Case("no-header", lambda: workbook_bytes(["你好", "世界"], [["a", "b"]]), "未找到表头"),
    Case("only-header", lambda: recommended_workbook([]), "没有数据行"),
    Case(
        "only-title-and-header", lambda: recommended_workbook([], titles=["整改台账"]), "没有数据行"
    ),
    Case("missing-deadline-column", lambda: without_column("整改时限"), "缺少必需的列“整改时限”"),
    Case(
        "missing-unit-columns",
        lambda: workbook_bytes(["具体问题", "整改时限"], [["排口", "2020年底前"]]),
        "缺少必需的列“牵头单位”",
    ),
    Case(
        "unknown-unit",
        lambda: rows_with(1, lead="市不存在局"),
        "单位“市不存在局”不在单位表中",
        row_error=(3, "牵头单位"),
    ),
    Case(
        "unknown-packed-unit",
        lambda: workbook_bytes(
            VARIANT1, [["排口直排", "2020年底前", None, "东城区政府牵头，市火星局配合", None, None]]
        ),
        "单位“市火星局”不在单位表中",
        row_error=(2, "责任单位"),
    ),
    Case(
        "unknown-county",
        lambda: rows_with(0, county="火星区"),
        "不在您管辖的行政区划中",
        row_error=(2, "所在区县"),
    ),
    Case(
        "unreadable-deadline",
        lambda: rows_with(2, deadline="尽快完成"),
        "无法识别的整改时限",
        row_error=(4, "整改时限"),
    ),
    Case(
        "impossible-date",
        lambda: rows_with(0, deadline="2020年2月30日"),
        "不存在",
        row_error=(2, "整改时限"),
    ),
    Case(
        "deadline-before-plan",
        lambda: rows_with(0, deadline="2019-01-01"),
        "早于整改方案印发日期",
        row_error=(2, "整改时限"),
    ),
    Case(
        "deadline-is-a-number",
        lambda: rows_with(0, deadline=12345),
        "无法识别的整改时限",
        row_error=(2, "整改时限"),
    ),
    Case(
        "empty-deadline",
        lambda: rows_with(0, deadline=None),
        "整改时限为空",
        row_error=(2, "整改时限"),
    ),
    Case(
        "longitude-text",
        lambda: rows_with(0, lng="东经104度"),
        "不是有效的数字",
        row_error=(2, "经度"),
    ),
    Case(
        "latitude-out-of-range",
        lambda: rows_with(0, lat=300),
        "超出有效范围",
        row_error=(2, "纬度"),
    ),
    Case("duplicate-item", duplicate_rows, "重复的问题/点位", row_error=(5, "点位名称")),
    Case("duplicate-task-code", duplicate_codes, "点位编号“X-1”重复", row_error=(3, "点位编号")),
    Case("task-code-exists", existing_task_code, "在该督察轮次中已存在", row_error=(2, "点位编号")),
    Case(
        "problem-code-clash",
        lambda: rows_with(2, problem_code="5"),
        "问题编号“5”已用于",
        row_error=(4, "问题编号"),
    ),
    Case(
        "huge-title",
        lambda: rows_with(0, problem="超" * 5000),
        "内容过长",
        row_error=(2, "具体问题"),
    ),
    Case(
        "huge-measures",
        lambda: rows_with(0, measures="长" * 30000),
        "内容过长",
        row_error=(2, "整改措施"),
    ),
    Case(
        "formula-cell",
        lambda: rows_with(0, point='=HYPERLINK("http://evil.example","点我")'),
        "公式",
        row_error=(2, "点位名称"),
    ),
    Case(
        "formula-deadline",
        lambda: rows_with(1, deadline="=TODAY()+30"),
        "公式",
        row_error=(3, "整改时限"),
    ),
    Case(
        "category-without-aspect",
        lambda: rows_with(0, aspect=None),
        "缺少所属方面",
        row_error=(2, "类别"),
    ),
    Case(
        "problem-empty",
        lambda: rows_with(0, problem=None, point=None, problem_code=None),
        "具体问题为空",
        row_error=(2, "具体问题"),
    ),
    Case(
        "file-mode-without-round-column",
        lambda: workbook_bytes(
            ["具体问题", "整改时限", "牵头单位"], [["排口", "2020年底前", "东城区政府"]]
        ),
        "必须有“督察轮次”列",
        target={"mode": "file"},
    ),
    Case(
        "file-mode-unknown-round",
        lambda: rows_with(0, round="第九轮督察"),
        "督察轮次“第九轮督察”不存在",
        target={"mode": "file"},
    ),
    Case(
        "new-round-code-taken",
        lambda: recommended_workbook(good_rows()),
        "已存在",
        target={
            "mode": "new",
            "code": "SD2019",
            "name": "重复",
            "kind": "OTHER",
            "level": "CITY",
            "region": "city",
        },
    ),
]


def _target(case, world) -> dict:
    target = dict(case.target) or {"mode": "existing", "round": world.round.pk}
    if target.get("region") == "city":
        target["region"] = world.city.pk
    return target


def test_corpus_is_large_enough():
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_file_is_refused_with_a_message(
    case, plan_units, office_client, row_counts, settings
):
    # given
    for name, value in case.settings.items():
        setattr(settings, name, value)
    data = case.build()
    target = _target(case, plan_units)
    before = row_counts()
    # when it goes through the API
    started = time.monotonic()
    response = office_client.post(
        "/api/v1/imports/preview/", {"file": upload(data, case.filename), **target}
    )
    elapsed = time.monotonic() - started
    # then it is refused with the specific message, nothing is created
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    texts = [body["detail"], *(e["text"] for e in body["errors"])]
    assert any(case.message in t for t in texts), texts
    if case.row_error:
        assert case.row_error in [(e["row"], e["column"].rstrip("*")) for e in body["errors"]], body
    assert row_counts() == before
    if case.id == "100k-rows":
        assert elapsed < 10, f"a 100k-row file took {elapsed:.1f}s to refuse"
    # and through the page: a 400 page with the message, never a 500
    page = office_client.post("/imports/", {"file": upload(data, case.filename), **target})
    assert page.status_code == 400
    assert case.message in page.content.decode()
    assert row_counts() == before


def test_defusedxml_guards_openpyxl_itself():
    """Even without the pre-scan, openpyxl (with defusedxml installed) refuses entities."""
    from io import BytesIO

    import openpyxl
    from openpyxl.xml import DEFUSEDXML

    from exchange.plan_import.safety import unreadable

    assert DEFUSEDXML
    with pytest.raises(Exception) as caught:
        openpyxl.load_workbook(BytesIO(late_entity()))
    assert "XML 炸弹" in unreadable(caught.value).message


def test_commit_refuses_a_file_that_was_never_previewed(plan_units, office_client, row_counts):
    before = row_counts()
    response = office_client.post(
        "/api/v1/imports/commit/",
        {"sha256": "a" * 64, "mode": "existing", "round": plan_units.round.pk},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "预览已失效" in response.json()["detail"]
    bad = office_client.post(
        "/api/v1/imports/commit/", {"sha256": "../../etc/passwd"}, content_type="application/json"
    )
    assert bad.status_code == 400
    assert row_counts() == before


def test_commit_revalidates_what_changed_since_the_preview(plan_units, office_client, row_counts):
    # given a previewed file, and then someone adds a task with the code the file uses
    from tests.excel.workbooks import recommended_row
    from tests.factories import TaskFactory

    header = [*RECOMMENDED, "点位编号"]
    table = [[*recommended_row(**r), f"NEW-{i}"] for i, r in enumerate(good_rows())]
    data = workbook_bytes(header, table)
    preview = office_client.post(
        "/api/v1/imports/preview/",
        {"file": upload(data), "mode": "existing", "round": plan_units.round.pk},
    )
    assert preview.status_code == 200
    TaskFactory(problem=plan_units.problem, code="NEW-2", region=plan_units.dongcheng)
    before = row_counts()
    # when the office commits
    response = office_client.post(
        "/api/v1/imports/commit/",
        {"sha256": preview.json()["sha256"], "mode": "existing", "round": plan_units.round.pk},
        content_type="application/json",
    )
    # then the whole import is refused and nothing was created
    assert response.status_code == 400
    assert "未导入任何数据" in response.json()["detail"]
    assert [e["text"] for e in response.json()["errors"]] == [
        "第4行“点位编号”列：点位编号“NEW-2”在该督察轮次中已存在"
    ]
    assert row_counts() == before
