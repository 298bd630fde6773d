"""整改任务清单 where one task's territorial units are all five county governments, written
out one by one: the task is the whole city's (region 示范市), not the first county's."""

from tests.excel.corpus.expect import COUNTIES, CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("任务清单", width=7)
    s.line("示范市农村人居环境整治督察问题整改任务清单")
    s.header("序号", "具体问题", "整改措施", "牵头单位", "配合单位", "责任单位（属地）", "整改时限")
    s.add(  # 3
        {
            "序号": 1,
            "具体问题": "集中式饮用水水源地规范化建设滞后",
            "整改措施": "完成水源地界标、警示标志和隔离防护设施建设",
            "牵头单位": "市生态环境局",
            "配合单位": "市水务局",
            "整改时限": "2020年12月底前",
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "具体问题": "农村生活污水治理设施运行率低",
            "整改措施": "建立第三方运维机制，设施正常运行率达到80%",
            "牵头单位": "市农业农村局",
            "配合单位": "市生态环境局",
            "责任单位（属地）": "、".join(COUNTIES),
            "整改时限": "2021年6月底前",
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "具体问题": "小水电站生态流量泄放不足",
            "整改措施": "加装生态流量泄放设施和在线监测",
            "牵头单位": "青林县政府",
            "配合单位": "市水务局",
            "整改时限": "2019年12月31日",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p18",
    what="任务清单（一项任务的属地单位为全部五个县区政府）",
    kind="PROV_SPECIAL",
    level="PROVINCIAL",
    build=build,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3, "COOP": 3, "TERRITORIAL": 5},
        checks=(
            TaskExpect(3, region="示范市"),
            TaskExpect(
                4,
                region="示范市",
                units={
                    "LEAD": ("市农业农村局",),
                    "COOP": ("市生态环境局",),
                    "TERRITORIAL": COUNTIES,
                },
                deadline="2021-06-30",
            ),
            TaskExpect(5, region="青林县"),
        ),
    ),
)
