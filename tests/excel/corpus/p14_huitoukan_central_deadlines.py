"""整改任务清单 of a central 回头看: every deadline wording offices use — "立即整改",
"2020年至2022年" (a range: a milestone at each year's end), "2020年12月底前（阶段性目标），2022年底前
全面完成" (staged), "持续整改", "立行立改，长期坚持", "2020年6月底前完成，长期坚持"."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("任务清单", width=7)
    s.line("示范市贯彻落实中央第三生态环境保护督察组“回头看”及专项督察反馈意见整改任务清单")
    s.header("序号", "问题", "整改目标", "整改措施", "牵头单位", "配合单位", "整改时限")
    rows = [
        (
            "群众反映强烈的餐饮油烟问题反弹",
            "油烟达标排放",
            "开展专项整治",
            "东城区政府",
            "市城管执法局",
            "立即整改",
        ),
        (
            "建成区黑臭水体整治不彻底",
            "长制久清",
            "控源截污，清淤疏浚",
            "市住建局",
            "东城区政府、西城区政府",
            "2020年至2022年",
        ),
        (
            "工业园区污水集中处理设施运行不稳定",
            "稳定达标",
            "扩容提标改造",
            "示范化工园区管委会",
            "市生态环境局",
            "2020年12月底前（阶段性目标），2022年底前全面完成",
        ),
        (
            "河湖“清四乱”长效机制不健全",
            "建立长效机制",
            "常态化巡河",
            "市水务局",
            "市农业农村局",
            "持续整改",
        ),
        (
            "秸秆露天焚烧",
            "不发生火点",
            "网格化监管",
            "市农业农村局",
            "市生态环境局",
            "立行立改，长期坚持",
        ),
        (
            "交通噪声扰民",
            "噪声达标",
            "设置声屏障",
            "西城区政府",
            "市公安局",
            "2020年6月底前完成，长期坚持",
        ),
    ]
    for n, (problem, goal, measures, lead, coop, deadline) in enumerate(rows, start=1):
        s.add(
            {
                "序号": n,
                "问题": problem,
                "整改目标": goal,
                "整改措施": measures,
                "牵头单位": lead,
                "配合单位": coop,
                "整改时限": deadline,
            }
        )  # rows 3-8
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p14",
    what="中央督察回头看 整改任务清单（立即整改、年份区间、阶段性目标、持续整改）",
    kind="CENTRAL_LOOKBACK",
    level="CENTRAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="6项",
        problems=6,
        tasks=6,
        roles={"LEAD": 6, "COOP": 7},
        checks=(
            TaskExpect(
                3, deadline=None, deadline_type="IMMEDIATE", is_ongoing=False, milestones=()
            ),
            TaskExpect(
                4,
                region="示范市",
                deadline="2022-12-31",
                deadline_type="DATED",
                is_ongoing=False,
                milestones=("2020-12-31", "2021-12-31"),
            ),
            TaskExpect(
                5,
                deadline="2022-12-31",
                deadline_type="DATED",
                milestones=("2020-12-31",),
            ),
            TaskExpect(6, deadline=None, deadline_type="ONGOING", is_ongoing=True, milestones=()),
            TaskExpect(7, deadline=None, deadline_type="IMMEDIATE", is_ongoing=True),
            TaskExpect(8, deadline="2020-06-30", deadline_type="DATED", is_ongoing=True),
        ),
    ),
)
