"""公示表 of a central 回头看's rectification results: the office's own columns beside the
official ones (整改类型, 是否涉及信访, 公示时间) that the import does not use and lists, a
packed 责任单位, "立行立改", a date, "长期坚持"."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "整改任务",
    "整改类型",
    "整改时限",
    "整改目标",
    "责任单位",
    "是否涉及信访",
    "整改完成情况",
    "公示时间",
)


def build() -> bytes:
    s = PlanSheet("公示", width=len(HEADER))
    s.line("示范市中央生态环境保护督察“回头看”反馈问题整改完成情况公示表")
    s.header(*HEADER)
    rows = [
        (
            "城区餐饮油烟扰民问题反弹",
            "立行立改",
            "立行立改",
            "油烟达标排放",
            "市城管执法局牵头，东城区政府、西城区政府配合",
            "是",
            "已完成",
        ),
        (
            "白水河水源地二级保护区内农家乐未清理",
            "限期整改",
            "2019年10月31日",
            "全部关闭拆除",
            "北山县政府牵头，市生态环境局、市水务局配合",
            "是",
            "已完成",
        ),
        (
            "环境监管执法“宽松软”",
            "长期坚持",
            "长期坚持",
            "建立执法常态化机制",
            "市生态环境局牵头，市公安局配合",
            "否",
            "已建立机制，长期坚持",
        ),
    ]
    for n, (task, kind, deadline, goal, units, petition, done) in enumerate(rows, start=1):
        s.add(
            {
                "序号": n,
                "整改任务": task,
                "整改类型": kind,
                "整改时限": deadline,
                "整改目标": goal,
                "责任单位": units,
                "是否涉及信访": petition,
                "整改完成情况": done,
                "公示时间": "2020年1月10日—1月16日",
            }
        )  # rows 3-5
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p23",
    what="中央督察回头看 整改完成情况公示表（办公室自加的列）",
    kind="CENTRAL_LOOKBACK",
    level="CENTRAL",
    build=build,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3, "COOP": 5},
        ignored=("整改类型", "是否涉及信访", "公示时间"),
        checks=(
            TaskExpect(
                3,
                region="示范市",
                units={"LEAD": ("市城管执法局",), "COOP": ("东城区政府", "西城区政府")},
                deadline=None,
                deadline_type="IMMEDIATE",
                is_ongoing=False,
            ),
            TaskExpect(4, region="北山县", deadline="2019-10-31", deadline_type="DATED"),
            TaskExpect(5, deadline=None, deadline_type="ONGOING", is_ongoing=True),
        ),
    ),
)
