"""整改方案附件 as a city issues it, with everything at once: "附件1" and the title, a two-row
header (责任单位 → 牵头单位｜配合单位, 整改时限 → 阶段目标｜最终时限), 方面 and 类 rows, a group of
counties as lead unit (one task per county), "市直有关部门" as cooperating units, a staged
deadline, and a "注：" line under the table."""

from tests.excel.corpus.expect import (
    COUNTIES,
    COUNTY_REGIONS,
    CorpusPlan,
    Expected,
    TaskExpect,
)
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("附件1", width=8)
    s.line("附件1", merged=False)
    s.line("示范市贯彻落实中央第三生态环境保护督察组督察反馈意见整改方案任务清单")
    s.header(
        "序号",
        "反馈问题",
        "整改措施",
        "责任领导",
        ("责任单位", ("牵头单位", "配合单位")),
        ("整改时限", ("阶段目标", "最终时限")),
        "备注",
    )  # rows 3-4
    s.section("一、突出生态环境问题依然存在")  # 5
    s.section("（一）水环境问题")  # 6
    s.add(  # 7
        {
            "序号": 1,
            "反馈问题": "城市建成区黑臭水体整治不彻底",
            "整改措施": "控源截污、内源治理、生态修复，建立长效管护机制",
            "牵头单位": "各县（市、区）人民政府",
            "配合单位": "市住建局、市生态环境局",
            "阶段目标": "2020年底前基本消除黑臭",
            "最终时限": "2021年12月底前",
        }
    )
    s.add(  # 8
        {
            "序号": 2,
            "反馈问题": "水污染防治工作责任落实不到位",
            "整改措施": "制定水污染防治责任清单，纳入年度考核",
            "牵头单位": "市生态环境局",
            "配合单位": "市直有关部门",
            "最终时限": "立行立改，长期坚持",
        }
    )
    s.section("二、生态环境风险防范存在短板")  # 9
    s.section("（二）化工园区环境风险")  # 10
    s.add(  # 11
        {
            "序号": 3,
            "反馈问题": "化工园区污水集中处理设施运行不稳定",
            "整改措施": "建设应急事故池，实施园区污水处理厂提标改造",
            "牵头单位": "示范化工园区管委会",
            "配合单位": "市经信局、市生态环境局",
            "阶段目标": "2020年6月底前建成应急事故池（阶段性目标）",
            "最终时限": "2022年底前全面完成",
            "备注": "省级挂牌督办",
        }
    )
    s.line(
        "注：责任单位排在第一位的为牵头单位，其他为配合单位；各县（市、区）负责本辖区整改。"
    )  # 12
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p24",
    what="中央例行督察 整改方案附件1（两行表头、县区群组、阶段性目标、表尾注）",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="2方面2类3项",
        problems=3,
        tasks=7,
        # A county group in the 牵头 column, split per county: each county's government leads
        # its own task and is its 属地 unit too.
        roles={"LEAD": 7, "COOP": 12, "TERRITORIAL": 5},
        warnings=((8, "市直有关部门"),),
        trailing_rows=(12,),
        expansions=((7, "各县（市、区）人民政府", COUNTIES),),
        checks=(
            *(
                TaskExpect(
                    7,
                    region=COUNTY_REGIONS[gov],
                    units={
                        "LEAD": (gov,),
                        "COOP": ("市住建局", "市生态环境局"),
                        "TERRITORIAL": (gov,),
                    },
                    deadline="2021-12-31",
                    milestones=("2020-12-31",),
                )
                for gov in COUNTIES
            ),
            TaskExpect(
                8,
                region="示范市",
                units={"LEAD": ("市生态环境局",)},
                deadline=None,
                deadline_type="IMMEDIATE",
                is_ongoing=True,
            ),
            TaskExpect(
                11,
                units={"LEAD": ("示范化工园区管委会",), "COOP": ("市经信局", "市生态环境局")},
                deadline="2022-12-31",
                milestones=("2020-06-30",),
            ),
        ),
    ),
)
