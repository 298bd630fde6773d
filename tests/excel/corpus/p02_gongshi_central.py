"""公示表 of a central routine inspection's second batch: measures numbered with line breaks
inside the cell, the units written as "（责任单位：…）", "牵头单位：…；配合单位：…" or
"A牵头，B、C配合", and a 公示时间 column the import does not use."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("第二批", width=7)
    s.line("中央第三生态环境保护督察组督察反馈问题整改情况公示（第二批）")
    s.header("序号", "反馈问题", "整改目标", "整改措施", "责任单位", "整改时限", "公示时间")
    s.add(  # 3
        {
            "序号": 1,
            "反馈问题": "示范江沿岸化工企业违规排污问题突出",
            "整改目标": "2020年底前完成沿江1公里范围内化工企业搬迁改造",
            "整改措施": "1.开展沿江化工企业排查；\n2.依法关停或搬迁入园；\n3.加强园区监管。",
            "责任单位": "（责任单位：市经信局、示范化工园区管委会、市生态环境局）",
            "整改时限": "2020年底前",
            "公示时间": "2020年3月1日",
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "反馈问题": "部分饮用水水源地保护区内存在违规设施",
            "整改目标": "保护区内违规设施全部清理",
            "整改措施": "1.全面排查；\n2.依法关闭拆除；\n3.生态复绿。",
            "责任单位": "北山县政府牵头，市水务局、市生态环境局配合",
            "整改时限": "2019年10月31日",
            "公示时间": "2020年3月1日",
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "反馈问题": "生活垃圾填埋场渗滤液超标排放",
            "整改目标": "渗滤液稳定达标排放",
            "整改措施": "1.渗滤液处理站扩容提标；\n2.存量渗滤液应急外运处置。",
            "责任单位": "牵头单位：市城管执法局；配合单位：北山县政府、市生态环境局",
            "整改时限": "2020年6月底前",
            "公示时间": "2020年3月1日",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p02",
    what="中央例行督察 整改情况公示（第二批），责任单位三种写法",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3, "COOP": 6},
        ignored=("公示时间",),
        checks=(
            TaskExpect(
                3,
                region="示范市",
                units={"LEAD": ("市经信局",), "COOP": ("示范化工园区管委会", "市生态环境局")},
                deadline="2020-12-31",
            ),
            TaskExpect(
                4,
                region="北山县",
                units={"LEAD": ("北山县政府",), "COOP": ("市水务局", "市生态环境局")},
                deadline="2019-10-31",
            ),
            TaskExpect(
                5,
                region="示范市",
                units={"LEAD": ("市城管执法局",), "COOP": ("北山县政府", "市生态环境局")},
                deadline="2020-06-30",
            ),
        ),
    ),
)
