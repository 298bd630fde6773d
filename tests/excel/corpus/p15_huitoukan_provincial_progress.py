"""整改进展清单 of a provincial 回头看 ([S22] 湖北 style): 责任单位 packed in one cell,
整改时限 as a year only ("2019年", "2020年"), "长期坚持", "即知即改", and the progress columns
(整改进展 "已经完成，长期坚持", 完成情况) an office keeps beside the plan."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("进展清单", width=7)
    s.line("示范省第二轮生态环境保护督察“回头看”反馈问题整改进展清单（示范市）")
    s.header("序号", "反馈问题", "整改措施", "责任单位", "整改时限", "整改进展", "完成情况")
    rows = [
        (
            "部分县区环境监管网格员配备不到位",
            "按标准配齐网格员",
            "市生态环境局牵头，市委编办配合",
            "2019年",
            "已经完成，长期坚持",
            "完成",
        ),
        (
            "城镇污水处理厂提标改造滞后",
            "完成一级A提标改造",
            "市住建局牵头，南江县政府、北山县政府配合",
            "2020年",
            "土建完成80%",
            "未完成",
        ),
        (
            "非法采砂屡禁不止",
            "建立联合执法机制",
            "市水务局牵头，市公安局、市自然资源规划局配合",
            "长期坚持",
            "已建立联合执法机制",
            "完成",
        ),
        (
            "畜禽养殖禁养区内养殖场未关闭",
            "依法关闭搬迁",
            "市农业农村局牵头，市生态环境局配合",
            "即知即改",
            "已关闭12家",
            "完成",
        ),
    ]
    for n, (problem, measures, units, deadline, progress, done) in enumerate(rows, start=1):
        s.add(
            {
                "序号": n,
                "反馈问题": problem,
                "整改措施": measures,
                "责任单位": units,
                "整改时限": deadline,
                "整改进展": progress,
                "完成情况": done,
            }
        )  # rows 3-6
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p15",
    what="省级督察回头看 整改进展清单（年份时限、即知即改）",
    kind="PROV_LOOKBACK",
    level="PROVINCIAL",
    build=build,
    expected=Expected(
        headline="4项",
        problems=4,
        tasks=4,
        roles={"LEAD": 4, "COOP": 6},
        ignored=("完成情况",),
        checks=(
            TaskExpect(
                3,
                units={"LEAD": ("市生态环境局",), "COOP": ("市委编办",)},
                deadline="2019-12-31",
                deadline_type="DATED",
            ),
            TaskExpect(
                4,
                units={"LEAD": ("市住建局",), "COOP": ("南江县政府", "北山县政府")},
                deadline="2020-12-31",
            ),
            TaskExpect(5, deadline=None, deadline_type="ONGOING", is_ongoing=True),
            TaskExpect(6, deadline=None, deadline_type="IMMEDIATE"),
        ),
    ),
)
