"""整改方案附件 of a provincial inspection: "附件2", a two-row header with 责任单位 over
牵头单位｜配合单位 and 整改时限 over 阶段目标｜最终时限; the stage targets carry dates that become
milestones, the final deadline is sometimes a year only ("2021年")."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("附件2", width=7)
    s.line("附件2", merged=False)
    s.line("示范市第二轮省级生态环境保护例行督察反馈问题整改任务清单")
    s.header(
        "序号",
        "问题",
        "整改措施",
        ("责任单位", ("牵头单位", "配合单位")),
        ("整改时限", ("阶段目标", "最终时限")),
    )  # rows 3-4
    s.add(  # 5
        {
            "序号": 1,
            "问题": "南江县第二污水处理厂未稳定达标运行",
            "整改措施": "完成厂区辅助设施建设和设备调试，稳定达标运行",
            "牵头单位": "南江县政府",
            "配合单位": "市住建局",
            "阶段目标": "2020年6月底前完成设备调试",
            "最终时限": "2020年12月底前",
        }
    )
    s.add(  # 6
        {
            "序号": 2,
            "问题": "东城区城北片区雨污分流管网建设滞后",
            "整改措施": "新建雨污分流管网8.6公里",
            "牵头单位": "东城区政府",
            "配合单位": "市住建局、市城管执法局",
            "阶段目标": "2020年底前完成50%，2021年6月底前完成80%",
            "最终时限": "2021年12月31日",
        }
    )
    s.add(  # 7
        {
            "序号": 3,
            "问题": "北山县冶炼渣场防渗措施不到位",
            "整改措施": "完善防渗、渗滤液收集，规范封场",
            "牵头单位": "北山县政府",
            "配合单位": "市经信局、市生态环境局",
            "最终时限": "2020年9月30日",
        }
    )
    s.add(  # 8
        {
            "序号": 4,
            "问题": "化工园区环境风险防控体系不健全",
            "整改措施": "建设应急事故池，实施雨污分流，建立三级防控",
            "牵头单位": "示范化工园区管委会",
            "配合单位": "市经信局、市生态环境局",
            "阶段目标": "2020年6月底前建成应急事故池",
            "最终时限": "2021年",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p04",
    what="省级例行督察 整改任务清单附件2（整改时限→阶段目标｜最终时限）",
    kind="PROV_ROUTINE",
    level="PROVINCIAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="4项",
        problems=4,
        tasks=4,
        roles={"LEAD": 4, "COOP": 7},
        used=("牵头单位", "配合单位", "阶段目标", "最终时限"),
        checks=(
            TaskExpect(
                5,
                region="南江县",
                units={"LEAD": ("南江县政府",), "COOP": ("市住建局",)},
                deadline="2020-12-31",
                deadline_type="DATED",
                milestones=("2020-06-30",),
            ),
            TaskExpect(
                6,
                region="东城区",
                deadline="2021-12-31",
                milestones=("2020-12-31", "2021-06-30"),
            ),
            TaskExpect(7, region="北山县", deadline="2020-09-30", milestones=()),
            TaskExpect(
                8,
                region="示范市",
                units={"LEAD": ("示范化工园区管委会",), "COOP": ("市经信局", "市生态环境局")},
                deadline="2021-12-31",
                milestones=("2020-06-30",),
            ),
        ),
    ),
)
