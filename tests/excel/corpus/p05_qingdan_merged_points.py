"""整改任务清单 of a self-check round in the recommended layout: 方面, 类别, 问题编号 and 具体问题
merged down over the points of each problem, a real date cell, 所在区县 and 受纳水体 per point,
lead, cooperating and territorial units in three columns."""

from datetime import datetime

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "问题编号",
    "方面",
    "类别",
    "具体问题",
    "点位名称",
    "所在区县",
    "受纳水体",
    "经度",
    "纬度",
    "整改措施",
    "牵头单位",
    "配合单位",
    "责任单位（属地）",
    "整改时限",
    "备注",
)


def rows() -> list[dict]:
    return [
        {  # 3
            "序号": 1,
            "问题编号": "ZC-1",
            "方面": "一、水环境问题",
            "类别": "（一）岸线整治",
            "具体问题": "示范江南江段岸线非法砂石堆场",
            "点位名称": "城关镇滨江砂石堆场",
            "所在区县": "南江县",
            "受纳水体": "示范江",
            "经度": 104.4120,
            "纬度": 30.1710,
            "整改措施": "清理砂石，平整场地，岸线复绿",
            "牵头单位": "南江县政府",
            "配合单位": "市水务局、市自然资源规划局",
            "责任单位（属地）": "南江县政府",
            "整改时限": datetime(2019, 12, 31),
        },
        {  # 4
            "序号": 2,
            "点位名称": "石门村临时砂石码头",
            "所在区县": "南江县",
            "受纳水体": "示范江",
            "整改措施": "拆除码头设施",
            "牵头单位": "南江县政府",
            "配合单位": "市水务局",
            "责任单位（属地）": "南江县政府",
            "整改时限": "2020年3月底前",
        },
        {  # 5
            "序号": 3,
            "问题编号": "ZC-2",
            "类别": "（二）水生态",
            "具体问题": "青林县小水电站生态流量泄放设施不完善",
            "点位名称": "白岩电站",
            "所在区县": "青林县",
            "受纳水体": "清溪河",
            "整改措施": "加装生态流量泄放设施和在线监测",
            "牵头单位": "青林县政府",
            "配合单位": "市水务局、市生态环境局",
            "整改时限": "2019年12月31日",
        },
        {  # 6
            "序号": 4,
            "问题编号": "ZC-3",
            "方面": "二、工业污染问题",
            "类别": "（三）沿江化工企业",
            "具体问题": "示范江沿岸1公里范围内化工企业搬迁改造",
            "点位名称": "红星化工有限公司",
            "所在区县": "东城区",
            "受纳水体": "示范江",
            "整改措施": "关闭退出",
            "牵头单位": "市经信局",
            "配合单位": "示范化工园区管委会、市生态环境局",
            "责任单位（属地）": "东城区政府",
            "整改时限": "2020年12月底前",
            "备注": "已停产",
        },
        {  # 7
            "序号": 5,
            "点位名称": "江华精细化工厂",
            "所在区县": "西城区",
            "整改措施": "搬迁入园",
            "牵头单位": "市经信局",
            "配合单位": "示范化工园区管委会",
            "责任单位（属地）": "西城区政府",
            "整改时限": "2020年12月底前",
        },
        {  # 8
            "序号": 6,
            "点位名称": "南江县磷化工厂",
            "所在区县": "南江县",
            "整改措施": "依法关闭",
            "牵头单位": "市经信局",
            "配合单位": "市生态环境局",
            "责任单位（属地）": "南江县政府",
            "整改时限": "2020年6月",
        },
    ]


def sheet(changes: dict[int, dict] | None = None) -> PlanSheet:
    s = PlanSheet("任务清单", width=len(HEADER))
    s.line("示范市2019年长江经济带生态环境问题自查整改任务清单")
    s.header(*HEADER)
    for number, values in enumerate(rows(), start=3):
        s.add({**values, **((changes or {}).get(number, {}))})
    for header, first, last in (
        ("问题编号", 3, 4),
        ("具体问题", 3, 4),
        ("方面", 3, 5),
        ("类别", 3, 4),
        ("问题编号", 6, 8),
        ("具体问题", 6, 8),
        ("方面", 6, 8),
        ("类别", 6, 8),
    ):
        s.merge_down(header, first, last)
    return s


def build() -> bytes:
    return sheet().to_bytes()


def _committed(rnd) -> None:
    problem = rnd.problems.get(code="ZC-3")
    assert problem.tasks.count() == 3
    assert problem.category.title == "沿江化工企业" and problem.category.aspect.title == (
        "工业污染问题"
    )


PLAN = CorpusPlan(
    key="p05",
    what="自查自纠 整改任务清单（推荐表头，问题单元格合并覆盖多个点位）",
    kind="SELF_CHECK",
    level="CITY",
    build=build,
    commit=True,
    expected=Expected(
        headline="2方面3类3项",
        problems=3,
        tasks=6,
        roles={"LEAD": 6, "COOP": 9, "TERRITORIAL": 5},
        after_commit=_committed,
        checks=(
            TaskExpect(
                3,
                region="南江县",
                name="城关镇滨江砂石堆场",
                units={
                    "LEAD": ("南江县政府",),
                    "COOP": ("市水务局", "市自然资源规划局"),
                    "TERRITORIAL": ("南江县政府",),
                },
                deadline="2019-12-31",
                deadline_type="DATED",
            ),
            TaskExpect(4, name="石门村临时砂石码头", deadline="2020-03-31"),
            TaskExpect(
                7,
                region="西城区",
                units={
                    "LEAD": ("市经信局",),
                    "COOP": ("示范化工园区管委会",),
                    "TERRITORIAL": ("西城区政府",),
                },
                deadline="2020-12-31",
            ),
            TaskExpect(8, region="南江县", deadline="2020-06-30"),
        ),
    ),
)
