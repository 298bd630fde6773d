"""群众信访举报件边督边改公开情况一览表 ([S14] layout) that an office turns into its plan by
adding 责任单位 and 整改时限: the problem is in 交办问题基本情况, the county in 行政区域, the
measures in 处理和整改情况; 受理编号, 污染类型, 调查核实情况, 是否属实 and 问责情况 are not imported."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "受理编号",
    "交办问题基本情况",
    "行政区域",
    "污染类型",
    "调查核实情况",
    "是否属实",
    "处理和整改情况",
    "责任单位",
    "整改时限",
    "问责情况",
)


def build() -> bytes:
    s = PlanSheet("第七批", width=len(HEADER))
    s.line("中央第三生态环境保护督察组交办群众信访举报件边督边改公开情况一览表（第七批）")
    s.header(*HEADER)
    rows = [
        (
            "D2019-0701",
            "东城区洗车场污水直排雨水管网，污染清溪河",
            "东城区",
            "水",
            "经查，该洗车场未接入污水管网",
            "属实",
            "责令停业整改，接入市政污水管网",
            "东城区政府",
            "2019年10月31日",
            "对责任人批评教育",
        ),
        (
            "X2019-0708",
            "南江县某石材加工厂粉尘和噪声扰民",
            "南江县",
            "大气、噪声",
            "经查，该厂除尘设施未正常运行",
            "基本属实",
            "立案处罚，完善除尘设施",
            "南江县政府",
            "2019年12月31日",
            "无",
        ),
        (
            "D2019-0712",
            "北山县某养猪场粪污直排白水河",
            "北山县",
            "水",
            "经查，粪污处理设施损坏",
            "属实",
            "关停养殖场，清理粪污",
            "北山县政府",
            "2019年11月30日",
            "约谈乡镇分管负责人",
        ),
    ]
    for n, (no, text, county, kind, found, true, handling, unit, deadline, blame) in enumerate(
        rows, start=1
    ):
        s.add(
            {
                "序号": n,
                "受理编号": no,
                "交办问题基本情况": text,
                "行政区域": county,
                "污染类型": kind,
                "调查核实情况": found,
                "是否属实": true,
                "处理和整改情况": handling,
                "责任单位": unit,
                "整改时限": deadline,
                "问责情况": blame,
            }
        )  # rows 3-5
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p17",
    what="中央例行督察 边督边改公开情况一览表（改作整改台账）",
    kind="CENTRAL_ROUTINE",
    level="CENTRAL",
    build=build,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3},
        used=("交办问题基本情况", "行政区域", "处理和整改情况"),
        ignored=("受理编号", "污染类型", "调查核实情况", "是否属实", "问责情况"),
        checks=(
            TaskExpect(3, region="东城区", units={"LEAD": ("东城区政府",)}, deadline="2019-10-31"),
            TaskExpect(4, region="南江县", deadline="2019-12-31"),
            TaskExpect(5, region="北山县", units={"LEAD": ("北山县政府",)}, deadline="2019-11-30"),
        ),
    ),
)
