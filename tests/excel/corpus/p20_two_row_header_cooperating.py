"""The issue's defect, as an office's plan has it: "附件1", a title, and 责任单位 merged over
牵头单位｜配合单位 — nine tasks, 9 lead and 22 cooperating assignments (31 in all), none of the
cooperating units silently dropped."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

ROWS = (
    ("部分县区党政同责落实不到位", "市委办", "市政府办、市生态环境局、市纪委监委", "2020年6月底前"),
    ("市级部门生态环境保护职责不清", "市委编办", "市政府办、市生态环境局", "2020年3月底前"),
    ("城区污水管网建设滞后", "市住建局", "东城区政府、西城区政府、市水务局", "2021年12月底前"),
    ("建筑工地扬尘管控不力", "市住建局", "市城管执法局、市交通运输局", "2020年12月底前"),
    ("餐饮油烟扰民", "市城管执法局", "市市场监管局、东城区政府", "2020年9月底前"),
    (
        "工业固废堆场整治不到位",
        "北山县政府",
        "市经信局、市生态环境局、市自然资源规划局",
        "2020年12月底前",
    ),
    ("饮用水水源地保护区违规设施", "北山县政府", "市水务局、市生态环境局", "2019年12月底前"),
    ("保护区内违规建设别墅", "青林县政府", "市自然资源规划局、市林业局", "2020年6月底前"),
    (
        "化工园区环境风险防控不健全",
        "示范化工园区管委会",
        "市经信局、市生态环境局、市发展改革委",
        "2020年12月底前",
    ),
)


def build() -> bytes:
    s = PlanSheet("附件1", width=5)
    s.line("附件1", merged=False)
    s.line("示范市贯彻落实第二轮中央生态环境保护督察报告整改方案任务清单")
    s.header("序号", "问题", "整改措施", ("责任单位", ("牵头单位", "配合单位")), "整改时限")  # 3-4
    for n, (problem, lead, coop, deadline) in enumerate(ROWS, start=1):
        s.add(
            {
                "序号": n,
                "问题": problem,
                "整改措施": "按整改方案落实",
                "牵头单位": lead,
                "配合单位": coop,
                "整改时限": deadline,
            }
        )  # rows 5-13
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p20",
    what="中央例行督察 整改方案任务清单（两行表头，31个责任分工）",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="9项",
        problems=9,
        tasks=9,
        roles={"LEAD": 9, "COOP": 22},
        used=("牵头单位", "配合单位"),
        checks=(
            TaskExpect(
                5,
                units={"LEAD": ("市委办",), "COOP": ("市政府办", "市生态环境局", "市纪委监委")},
                deadline="2020-06-30",
            ),
            TaskExpect(
                10,
                region="北山县",
                units={
                    "LEAD": ("北山县政府",),
                    "COOP": ("市经信局", "市生态环境局", "市自然资源规划局"),
                },
            ),
            TaskExpect(
                13,
                units={
                    "LEAD": ("示范化工园区管委会",),
                    "COOP": ("市经信局", "市生态环境局", "市发展改革委"),
                },
                deadline="2020-12-31",
            ),
        ),
    ),
)
