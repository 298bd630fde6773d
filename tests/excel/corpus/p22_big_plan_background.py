"""A county-by-county point list of village sewage stations: 12 problems × 5 counties = 60
points. With the background threshold set to 50 rows for the test, the commit runs as a job
whose progress the API reports, and ends with every task created."""

from tests.excel.corpus.expect import (
    COUNTIES,
    COUNTY_REGIONS,
    CorpusPlan,
    Expected,
    TaskExpect,
)
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "问题编号",
    "具体问题",
    "点位名称",
    "所在区县",
    "整改措施",
    "牵头单位",
    "配合单位",
    "整改时限",
)
PROBLEMS = (
    "污水处理站未正常运行",
    "配套管网未接通",
    "出水超标排放",
    "运维经费未落实",
    "在线监测设施缺失",
    "污泥处置不规范",
    "进水浓度偏低",
    "设施闲置",
    "无运维台账",
    "处理规模不匹配",
    "雨污混流",
    "标识标牌缺失",
)


def build() -> bytes:
    s = PlanSheet("点位清单", width=len(HEADER))
    s.line("示范市农村生活污水处理设施运行问题整改点位清单")
    s.header(*HEADER)
    n = 0
    for p, problem in enumerate(PROBLEMS, start=1):
        for gov in COUNTIES:
            n += 1
            s.add(
                {
                    "序号": n,
                    "问题编号": f"NC-{p}",
                    "具体问题": f"农村生活污水处理设施{problem}",
                    "点位名称": f"{COUNTY_REGIONS[gov]}第{p}号污水处理站",
                    "所在区县": COUNTY_REGIONS[gov],
                    "整改措施": "限期整改，恢复正常运行",
                    "牵头单位": gov,
                    "配合单位": "市农业农村局",
                    "整改时限": "2020年12月底前",
                }
            )  # rows 3-62
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p22",
    what="农村生活污水设施点位清单（60行，后台导入）",
    kind="PROV_SPECIAL",
    level="PROVINCIAL",
    build=build,
    expected=Expected(
        headline="12项",
        problems=12,
        tasks=60,
        roles={"LEAD": 60, "COOP": 60},
        background_rows=50,
        checks=(
            TaskExpect(
                3,
                region="东城区",
                name="东城区第1号污水处理站",
                units={"LEAD": ("东城区政府",), "COOP": ("市农业农村局",)},
                deadline="2020-12-31",
            ),
            TaskExpect(62, region="青林县", name="青林县第12号污水处理站"),
        ),
    ),
)
