"""交办信访件办理情况台账 (internal): petitions transferred by the central team during its stay,
kept as problems to fix — 交办批次, 受理编号, 污染类型, 是否属实, 办理情况 and 是否涉及信访 beside
the columns the import uses; deadlines "立即整改", "立行立改", "持续整改", a month."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "交办批次",
    "受理编号",
    "问题",
    "所在区县",
    "污染类型",
    "是否属实",
    "整改措施",
    "责任单位",
    "整改时限",
    "办理情况",
    "是否涉及信访",
)


def build() -> bytes:
    s = PlanSheet("第5批", width=len(HEADER))
    s.line("中央第三生态环境保护督察组交办信访件办理情况台账（第5批）")
    rows = [
        (
            "D2019-0512",
            "东城区某小区楼下烧烤油烟扰民",
            "东城区",
            "大气",
            "属实",
            "安装油烟净化器，露天烧烤入室",
            "东城区政府",
            "立即整改",
            "已办结",
        ),
        (
            "D2019-0517",
            "西城区建筑工地夜间施工噪声扰民",
            "西城区",
            "噪声",
            "属实",
            "停止夜间违规施工，立案处罚",
            "西城区政府",
            "立行立改",
            "已办结",
        ),
        (
            "X2019-0233",
            "南江县砖厂粉尘污染",
            "南江县",
            "大气",
            "部分属实",
            "安装除尘设施，原料堆场全封闭",
            "南江县政府牵头，市生态环境局配合",
            "2019年10月底前",
            "阶段性办结",
        ),
        (
            "D2019-0540",
            "北山县渣场渗滤液流入沟渠",
            "北山县",
            "水、土壤",
            "属实",
            "完善防渗和渗滤液收集",
            "北山县政府",
            "2019年12月",
            "阶段性办结",
        ),
        (
            "X2019-0251",
            "青林县保护区内建设别墅",
            "青林县",
            "生态",
            "属实",
            "依法拆除，生态修复，追责问责",
            "青林县政府",
            "持续整改",
            "正在办理",
        ),
    ]
    s.header(*HEADER)
    for n, (no, problem, county, kind, true, measures, units, deadline, state) in enumerate(
        rows, start=1
    ):
        s.add(
            {
                "序号": n,
                "交办批次": "第5批",
                "受理编号": no,
                "问题": problem,
                "所在区县": county,
                "污染类型": kind,
                "是否属实": true,
                "整改措施": measures,
                "责任单位": units,
                "整改时限": deadline,
                "办理情况": state,
                "是否涉及信访": "是",
            }
        )  # rows 3-7
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p16",
    what="中央例行督察 交办信访件办理情况台账（内部）",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    expected=Expected(
        headline="5项",
        problems=5,
        tasks=5,
        roles={"LEAD": 5, "COOP": 1},
        ignored=("交办批次", "受理编号", "污染类型", "是否属实", "办理情况", "是否涉及信访"),
        checks=(
            TaskExpect(
                3,
                region="东城区",
                units={"LEAD": ("东城区政府",)},
                deadline=None,
                deadline_type="IMMEDIATE",
            ),
            TaskExpect(4, region="西城区", deadline=None, deadline_type="IMMEDIATE"),
            TaskExpect(
                5,
                region="南江县",
                units={"LEAD": ("南江县政府",), "COOP": ("市生态环境局",)},
                deadline="2019-10-31",
            ),
            TaskExpect(6, region="北山县", deadline="2019-12-31"),
            TaskExpect(7, region="青林县", deadline=None, deadline_type="ONGOING", is_ongoing=True),
        ),
    ),
)
