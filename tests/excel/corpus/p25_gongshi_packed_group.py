"""公示表 in the [S11] 绵阳 layout where the packed 责任单位 cell ends with the counties as a
group: "市生态环境局牵头，市发改委、市经信局配合，各县（市、区）党委和人民政府负责". The counties'
part is territorial work: by default one task per county, the county government as
territorial unit beside the city's lead and cooperating departments."""

from tests.excel.corpus.expect import (
    COUNTIES,
    COUNTY_REGIONS,
    CorpusPlan,
    Expected,
    TaskExpect,
)
from tests.excel.corpus.sheet import PlanSheet

HEADER = ("反馈问题（整改任务）", "整改时限", "整改目标", "责任单位", "联系电话", "整改措施")


def build() -> bytes:
    s = PlanSheet("公示表", width=len(HEADER))
    s.line("示范市中央生态环境保护督察反馈问题整改任务完成情况公示表")
    s.header(*HEADER)
    s.add(  # 3
        {
            "反馈问题（整改任务）": "1.重点行业挥发性有机物治理滞后",
            "整改时限": "2020年12月底前",
            "整改目标": "完成重点企业VOCs综合治理",
            "责任单位": "市生态环境局牵头，市发改委、市经信局配合，各县（市、区）党委和人民政府负责",
            "联系电话": "0999-6000003",
            "整改措施": "（1）开展排查建档；（2）实施一企一策治理。",
        }
    )
    s.add(  # 4
        {
            "反馈问题（整改任务）": "2.化工园区环境风险防控体系不健全",
            "整改时限": "2020年6月30日",
            "整改目标": "建成三级防控体系",
            "责任单位": "示范化工园区管委会牵头，市生态环境局配合",
            "整改措施": "建设应急事故池",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p25",
    what="中央例行督察 公示表（责任单位一格写牵头、配合和“各县（市、区）党委和人民政府”）",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    expected=Expected(
        headline="2项",
        problems=2,
        tasks=6,
        roles={"LEAD": 6, "COOP": 11, "TERRITORIAL": 5},
        # The demo city has no 党委 units: each county's government carries it alone, and the
        # preview says so for every county.
        warnings=tuple((3, f"{county}没有党委单位") for county in COUNTY_REGIONS.values()),
        expansions=((3, "各县（市、区）党委和人民政府", COUNTIES),),
        checks=(
            *(
                TaskExpect(
                    3,
                    region=COUNTY_REGIONS[gov],
                    units={
                        "LEAD": ("市生态环境局",),
                        "COOP": ("市发展改革委", "市经信局"),
                        "TERRITORIAL": (gov,),
                    },
                    deadline="2020-12-31",
                )
                for gov in COUNTIES
            ),
            TaskExpect(
                4,
                region="示范市",
                units={"LEAD": ("示范化工园区管委会",), "COOP": ("市生态环境局",)},
            ),
        ),
    ),
)
