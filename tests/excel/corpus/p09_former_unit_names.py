"""整改任务清单 of a central 回头看, drafted before the 2019 institutional reform: units under
their former names (市环保局, 市国土资源局, 市城市管理局) and "化工园区" for the park's
management committee. The preview refuses them with a suggestion each; with the suggested
units chosen ("使用此单位") the plan previews clean."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("Sheet1", width=6)
    s.line("示范市贯彻落实中央第三生态环境保护督察组“回头看”反馈意见整改任务清单")
    s.header("序号", "具体问题", "整改措施", "牵头单位", "配合单位", "整改时限")
    s.add(  # 3
        {
            "序号": 1,
            "具体问题": "建成区黑臭水体整治不彻底",
            "整改措施": "控源截污、内源治理、生态修复",
            "牵头单位": "市环保局",
            "配合单位": "市住建局、市城市管理局",
            "整改时限": "2019年12月底前",
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "具体问题": "废弃矿山生态修复滞后",
            "整改措施": "编制修复方案，分年度实施",
            "牵头单位": "市国土资源局",
            "配合单位": "市林业局、北山县政府",
            "整改时限": "2020年6月底前",
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "具体问题": "化工园区环境风险隐患突出",
            "整改措施": "开展园区风险评估，建设有毒有害气体预警体系",
            "牵头单位": "化工园区",
            "配合单位": "市环保局",
            "整改时限": "2020年12月底前",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p09",
    what="中央督察回头看 整改任务清单（机构改革前的单位名称）",
    kind="CENTRAL_LOOKBACK",
    level="CENTRAL",
    build=build,
    expected=Expected(
        errors=(
            (3, "牵头单位", "市生态环境局"),
            (3, "配合单位", "市城管执法局"),
            (4, "牵头单位", "市自然资源规划局"),
            (5, "牵头单位", "示范化工园区管委会"),
            (5, "配合单位", "市生态环境局"),
        ),
        unit_map={
            "市环保局": "市生态环境局",
            "市国土资源局": "市自然资源规划局",
            "市城市管理局": "市城管执法局",
            "化工园区": "示范化工园区管委会",
        },
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3, "COOP": 5},
        checks=(
            TaskExpect(
                3,
                units={"LEAD": ("市生态环境局",), "COOP": ("市住建局", "市城管执法局")},
                deadline="2019-12-31",
            ),
            TaskExpect(
                4, units={"LEAD": ("市自然资源规划局",), "COOP": ("市林业局", "北山县政府")}
            ),
            TaskExpect(
                5,
                region="示范市",
                units={"LEAD": ("示范化工园区管委会",), "COOP": ("市生态环境局",)},
            ),
        ),
    ),
)
