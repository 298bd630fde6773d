"""入河排污口 点位台账 with a 乡镇（街道） column: one problem merged over four outfalls in three
counties, each point with its own 整改措施 (the problem has none of its own), the office's
是否涉及信访 column not imported."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "问题编号",
    "问题名称",
    "点位编号",
    "点位名称",
    "所在区县",
    "乡镇（街道）",
    "经度",
    "纬度",
    "整改措施",
    "整改时限",
    "是否涉及信访",
)


def build() -> bytes:
    s = PlanSheet("排口台账", width=len(HEADER))
    s.line("清溪河沿线入河排污口排查整治点位台账")
    s.header(*HEADER)
    first = s.add(  # 3
        {
            "序号": 1,
            "问题编号": "PK-1",
            "问题名称": "清溪河沿线入河排污口污水直排",
            "点位编号": "PK-1-01",
            "点位名称": "东华街道菜市场排口",
            "所在区县": "东城区",
            "乡镇（街道）": "东华街道",
            "经度": 104.3810,
            "纬度": 30.1310,
            "整改措施": "截污纳管",
            "整改时限": "2020年6月30日",
            "是否涉及信访": "是",
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "点位编号": "PK-1-02",
            "点位名称": "东华街道滨河路排口",
            "所在区县": "东城区",
            "乡镇（街道）": "东华街道",
            "经度": 104.3850,
            "纬度": 30.1320,
            "整改措施": "雨污分流改造",
            "整改时限": "2020年12月31日",
            "是否涉及信访": "否",
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "点位编号": "PK-1-03",
            "点位名称": "西湖街道3#排口",
            "所在区县": "西城区",
            "乡镇（街道）": "西湖街道",
            "经度": 104.3920,
            "纬度": 30.1350,
            "整改措施": "封堵排口",
            "整改时限": "2020年3月31日",
            "是否涉及信访": "否",
        }
    )
    last = s.add(  # 6
        {
            "序号": 4,
            "点位编号": "PK-1-04",
            "点位名称": "城关镇5#排口",
            "所在区县": "南江县",
            "乡镇（街道）": "城关镇",
            "经度": 104.4010,
            "纬度": 30.1380,
            "整改措施": "新建一体化污水处理设施",
            "整改时限": "2020年12月31日",
            "是否涉及信访": "否",
        }
    )
    s.merge_down("问题编号", first, last)
    s.merge_down("问题名称", first, last)
    return s.to_bytes()


def _committed(rnd) -> None:
    problem = rnd.problems.get(code="PK-1")
    # the points' measures stay with the points; the problem has none of its own
    assert problem.measures == ""
    assert problem.tasks.get(code="PK-1-02").measures == "雨污分流改造"


PLAN = CorpusPlan(
    key="p11",
    what="中央例行督察 入河排污口点位台账（乡镇（街道）列，问题合并覆盖多个点位）",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="1项",
        problems=1,
        tasks=4,
        roles={"LEAD": 4, "TERRITORIAL": 4},
        used=("乡镇（街道）",),
        ignored=("是否涉及信访",),
        after_commit=_committed,
        checks=(
            TaskExpect(
                3,
                region="东城区",
                name="东华街道菜市场排口",
                township="东华街道",
                units={"LEAD": ("东城区政府",), "TERRITORIAL": ("东城区政府",)},
                deadline="2020-06-30",
            ),
            TaskExpect(5, region="西城区", township="西湖街道", deadline="2020-03-31"),
            TaskExpect(6, region="南江县", township="城关镇"),
        ),
    ),
)
