"""整改任务清单 where the territorial units are group phrases: "各县（市、区）人民政府" and
"各区县政府". By default (the usual practice for 属地 work) each row becomes one task per county,
the county government answering for its own part."""

from tests.excel.corpus.expect import (
    COUNTIES,
    COUNTY_REGIONS,
    CorpusPlan,
    Expected,
    TaskExpect,
)
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("任务清单", width=6)
    s.line("示范市贯彻落实第二轮省级生态环境保护例行督察反馈意见整改任务清单")
    s.header("序号", "具体问题", "整改措施", "牵头单位", "责任单位（属地）", "整改时限")
    s.add(  # 3
        {
            "序号": 1,
            "具体问题": "秸秆露天焚烧管控不力",
            "整改措施": "落实县乡村三级网格化监管，推进秸秆综合利用",
            "牵头单位": "市农业农村局",
            "责任单位（属地）": "各县（市、区）人民政府",
            "整改时限": "2020年12月底前",
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "具体问题": "城市建成区扬尘污染突出",
            "整改措施": "落实“六个百分之百”，开展道路清扫保洁",
            "牵头单位": "市住建局",
            "责任单位（属地）": "各区县政府",
            "整改时限": "2020年6月30日",
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "具体问题": "化工园区环境风险防控体系不健全",
            "整改措施": "建设应急事故池",
            "牵头单位": "示范化工园区管委会",
            "整改时限": "2020年12月31日",
        }
    )
    return s.to_bytes()


def _per_county(row: int, lead: str, deadline: str) -> tuple[TaskExpect, ...]:
    return tuple(
        TaskExpect(
            row,
            region=COUNTY_REGIONS[gov],
            units={"LEAD": (lead,), "TERRITORIAL": (gov,)},
            deadline=deadline,
        )
        for gov in COUNTIES
    )


PLAN = CorpusPlan(
    key="p07",
    what="省级例行督察 整改任务清单（属地责任单位写“各县（市、区）人民政府”“各区县政府”）",
    kind="PROV_ROUTINE",
    level="PROVINCIAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=11,
        roles={"LEAD": 11, "TERRITORIAL": 10},
        expansions=((3, "各县（市、区）人民政府", COUNTIES), (4, "各区县政府", COUNTIES)),
        checks=(
            *_per_county(3, "市农业农村局", "2020-12-31"),
            *_per_county(4, "市住建局", "2020-06-30"),
            TaskExpect(5, region="示范市", units={"LEAD": ("示范化工园区管委会",)}),
        ),
    ),
)
