"""The self-check task list of p05, opened, edited and saved again by another clerk (other
author, other bytes): one point's deadline moved from 2020年12月底前 to 2021年6月底前. Imported
into the round that already holds p05, the preview recognises the plan and offers the update
(1 task changed, 5 unchanged, none added or removed); applying it changes that task only."""

from datetime import datetime
from io import BytesIO

from openpyxl import load_workbook

from tests.excel.corpus import p05_qingdan_merged_points as p05
from tests.excel.corpus.expect import CorpusPlan, Expected


def build() -> bytes:
    data = p05.sheet(changes={7: {"整改时限": "2021年6月底前"}}).to_bytes()
    workbook = load_workbook(BytesIO(data))
    workbook.properties.creator = "市环督办 李"
    workbook.properties.modified = datetime(2020, 3, 2, 9, 30)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _updated(rnd) -> None:
    moved = rnd.tasks.get(name="江华精细化工厂")
    assert str(moved.deadline) == "2021-06-30"
    assert rnd.tasks.count() == 6 and rnd.problems.count() == 3
    assert str(rnd.tasks.get(name="红星化工有限公司").deadline) == "2020-12-31"


PLAN = CorpusPlan(
    key="p21",
    what="p05 的另存副本（改动一个点位的整改时限），导入同一轮次",
    kind="SELF_CHECK",
    level="CITY",
    build=build,
    expected=Expected(
        headline="2方面3类3项",
        problems=3,
        tasks=6,
        roles={"LEAD": 6, "COOP": 9, "TERRITORIAL": 5},
        reimport_of="p05",
        diff={"added": 0, "changed": 1, "unchanged": 5, "removed": 0},
        after_commit=_updated,
    ),
)
