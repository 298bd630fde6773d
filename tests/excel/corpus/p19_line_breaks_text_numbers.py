"""A 台账 typed by hand: line breaks inside problem and point titles (Alt+Enter, a pasted
\\r\\n, a U+2028 from a Word table), numbers as text with spaces (序号 " 1 ", 问题编号 " 4 ",
coordinates "104.3880 "), a county with a trailing space, a deadline broken over two lines."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "问题编号",
    "具体问题",
    "点位名称",
    "所在区县",
    "经度",
    "纬度",
    "牵头单位",
    "配合单位",
    "整改时限",
)


def build() -> bytes:
    s = PlanSheet("台账", width=len(HEADER))
    s.line("清溪河排口整治台账（手工填报）")
    s.header(*HEADER)
    s.add(  # 3
        {
            "序号": " 1 ",
            "问题编号": " 4 ",
            "具体问题": "城区沿河排口生活污水\n直排清溪河",
            "点位名称": "清溪河东城区段\n7#排口",
            "所在区县": "东城区 ",
            "经度": " 104.3880 ",
            "纬度": "30.1350 ",
            "牵头单位": "东城区政府",
            "配合单位": "市住建局\n市生态环境局",
            "整改时限": " 2020-06-30 ",
        }
    )
    s.add(  # 4
        {
            "序号": " 2 ",
            "问题编号": " 4 ",
            "具体问题": "城区沿河排口生活污水\r\n直排清溪河",
            "点位名称": "清溪河西城区段\u20289#排口",
            "所在区县": "西城区",
            "经度": "104.3960",
            "纬度": "30.1360",
            "牵头单位": "西城区政府",
            "配合单位": "市住建局",
            "整改时限": "2020年\n12月底前",
        }
    )
    return s.to_bytes()


def _committed(rnd) -> None:
    problem = rnd.problems.get(code="4")
    assert "\n" not in problem.title and "\r" not in problem.title
    assert problem.title.replace(" ", "") == "城区沿河排口生活污水直排清溪河"
    assert str(rnd.tasks.get(name__contains="西城区段").lat) == "30.136000"


PLAN = CorpusPlan(
    key="p19",
    what="手工填报台账（单元格内换行，数字为带空格的文本）",
    kind="SELF_CHECK",
    level="CITY",
    build=build,
    commit=True,
    expected=Expected(
        headline="1项",
        problems=1,
        tasks=2,
        roles={"LEAD": 2, "COOP": 3},
        after_commit=_committed,
        checks=(
            TaskExpect(
                3,
                region="东城区",
                name="清溪河东城区段 7#排口",
                units={"LEAD": ("东城区政府",), "COOP": ("市住建局", "市生态环境局")},
                deadline="2020-06-30",
            ),
            TaskExpect(4, region="西城区", name="清溪河西城区段 9#排口", deadline="2020-12-31"),
        ),
    ),
)
