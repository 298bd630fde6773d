"""The 交办 list import (exchange.petition_import, /imports/petitions/): a good file previews
and commits every petition (待交办, repeats linked to the first); a hostile or bad file is
refused with a Chinese message and changes nothing; the same file cannot be imported twice."""

from datetime import date
from io import BytesIO

import openpyxl
import pytest

from accounts import clock
from inspections.choices import PetitionStatus
from inspections.models import ImportBatch, InspectionEvent, Petition
from tests.excel import workbooks
from tests.excel.conftest import upload

HEADER = ["受理编号", "交办批次", "来电/来信", "重点件", "行政区域", "污染类型", "信访内容"]
HEADER += ["被投诉对象", "受理日期", "信访人", "联系方式"]


def petition_workbook(rows: list[list], *, header=HEADER, title=True) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    if title:
        ws.append(["第二轮省级生态环境保护督察组交办信访件清单（第1、2批）"])
    ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def good_rows() -> list[list]:
    return [
        [
            "XF-101",
            "第1批",
            "来电",
            "否",
            "东城区",
            "大气、噪声",
            "烧烤店油烟和噪声扰民",
            "和平路老王烧烤",
            "2020-02-10",
            "王某",
            "13900000000",
        ],
        [
            "XF-102",
            "第1批",
            "来信",
            "是",
            "西城区",
            "水",
            "洗车场污水直排",
            "滨江路洗车场",
            "2020-02-10",
            "",
            "",
        ],
        [
            "XF-103",
            "第2批",
            "来电",
            "",
            "东城区",
            "油烟",
            "烧烤油烟反复投诉",
            "和平路 老王烧烤",
            "2020-02-11",
            "李某",
            "",
        ],
    ]


@pytest.fixture(autouse=True)
def _today():
    with clock.travel(date(2020, 2, 14)):
        yield


def _preview(client, world, data: bytes, name: str = "交办清单.xlsx"):
    return client.post("/imports/petitions/", {"file": upload(data, name), "round": world.round.pk})


def test_a_good_file_previews_then_commits_every_row(office_client, world, row_counts):
    # given the team's 交办 list of three petitions, the third repeating the first
    data = petition_workbook(good_rows())
    before = row_counts()

    # when the office previews it, nothing is saved yet
    preview = _preview(office_client, world, data)
    assert preview.status_code == 200, preview.content.decode()
    page = preview.content.decode()
    assert "信访件 <strong>3</strong> 件" in page and "重复件 1 件" in page
    assert row_counts() == before

    # when it confirms
    sha = preview.context["sha256"]
    done = office_client.post(
        "/imports/petitions/commit/",
        {"sha256": sha, "file_name": "交办清单.xlsx", "round": world.round.pk},
    )

    # then the three petitions are there, waiting to be handed over, the repeat linked
    assert done.status_code == 302
    first, second, third = Petition.objects.order_by("accept_no")
    assert {p.status for p in (first, second, third)} == {PetitionStatus.RECEIVED}
    assert (first.pollution_types, second.is_key, second.channel) == (
        ["AIR", "NOISE"],
        True,
        "LETTER",
    )
    assert (third.duplicate_of, first.duplicate_of) == (first, None)
    assert (first.petitioner_name, first.received_at) == ("王某", date(2020, 2, 10))
    assert InspectionEvent.objects.filter(verb="petition_receive").count() == 3
    assert ImportBatch.objects.get().summary["repeats"] == 1

    # and the same file cannot come in twice
    again = _preview(office_client, world, data)
    assert again.status_code == 400 and "已经导入过" in again.content.decode()
    assert Petition.objects.count() == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (workbooks.zip_bomb, "解压"),
        (workbooks.billion_laughs, "XML 实体"),
        (workbooks.xlsm_workbook, "宏"),
        (workbooks.encrypted_workbook, "加密"),
        (workbooks.old_xls, ".xls"),
        (lambda: b"\xef\xbb\xbf\xe5\x8f\x97\xe7\x90\x86\xe7\xbc\x96\xe5\x8f\xb7,a\n", ""),
    ],
    ids=["zip-bomb", "xml-entities", "macro", "encrypted", "old-xls", "renamed-csv"],
)
def test_a_hostile_file_changes_nothing(office_client, world, row_counts, make, message):
    before = row_counts()

    response = _preview(office_client, world, make())

    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        (["XF-201", "第一批", "来电", "否", "东城区", "大气", "油烟"], "交办批次", "第N批"),
        (["XF-201", "第1批", "传真", "否", "东城区", "大气", "油烟"], "来电/来信", "来电"),
        (["XF-201", "第1批", "来电", "否", "南城区", "大气", "油烟"], "行政区域", "南城区"),
        (["XF-201", "第1批", "来电", "否", "东城区", "臭氧层", "油烟"], "污染类型", "臭氧层"),
        (["XF-201", "第1批", "来电", "否", "东城区", "大气", ""], "信访内容", "不能为空"),
        (["XF-101", "第1批", "来电", "否", "东城区", "大气", "油烟"], "受理编号", "第3行"),
    ],
)
def test_one_bad_row_refuses_the_whole_file(office_client, world, row_counts, row, column, reason):
    # given a good first row and one bad row
    rows = [good_rows()[0][:7], row]
    before = row_counts()

    response = _preview(office_client, world, petition_workbook(rows, header=HEADER[:7]))

    # then the error names the row and the column, and nothing is saved
    assert response.status_code == 400
    errors = response.context["errors"]
    assert [(e.row, e.column) for e in errors] == [(4, column)]
    assert reason in errors[0].message
    assert row_counts() == before


def test_only_the_office_imports(client, world):
    client.force_login(world.reporter)
    assert client.get("/imports/petitions/").status_code == 403
