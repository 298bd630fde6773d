"""长江经济带警示片 披露问题 整改点位清单: two problems broken into points (问题编号 and 问题名称
merged down), 受纳水体, coordinates, the problem's lead department, the county government
as 责任单位 (territorial, since the file has a 牵头单位 column), deadlines with "前"."""

from datetime import datetime

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "问题编号",
    "问题名称",
    "点位编号",
    "点位名称",
    "所在区县",
    "受纳水体",
    "经度",
    "纬度",
    "整改措施",
    "牵头单位",
    "责任单位",
    "配合单位",
    "整改时限",
)


def build() -> bytes:
    s = PlanSheet("点位清单", width=len(HEADER))
    s.line("2019年长江经济带生态环境警示片披露问题整改点位清单")
    s.header(*HEADER)
    outfalls = [
        ("JSP-A-01", "滨江路1#排口", "东城区", "截污纳管", "2020年6月30日前"),
        ("JSP-A-02", "码头街排口", "东城区", "雨污分流", "2020年12月31日前"),
        ("JSP-A-03", "西城区江岸5#排口", "西城区", "截污纳管", "2020年6月30日前"),
        ("JSP-A-04", "南江县城关2#排口", "南江县", "一体化处理设施", "2020年12月31日前"),
    ]
    rows = []
    for n, (code, name, county, measure, deadline) in enumerate(outfalls):
        rows.append(
            s.add(
                {
                    "序号": n + 1,
                    "问题编号": "JSP-A" if n == 0 else None,
                    "问题名称": "示范江示范市城区段十余处排口污水直排" if n == 0 else None,
                    "点位编号": code,
                    "点位名称": name,
                    "所在区县": county,
                    "受纳水体": "示范江",
                    "经度": round(104.38 + 0.008 * (n + 1), 4),
                    "纬度": 30.16,
                    "整改措施": measure,
                    "牵头单位": "市住建局",
                    "责任单位": f"{county}政府",
                    "配合单位": "市生态环境局、市水务局",
                    "整改时限": deadline,
                }
            )
        )
    s.merge_down("问题编号", rows[0], rows[-1])
    s.merge_down("问题名称", rows[0], rows[-1])
    first = s.add(  # 7
        {
            "序号": 5,
            "问题编号": "JSP-B",
            "问题名称": "示范市生活垃圾填埋场渗滤液超标排放入白水河",
            "点位编号": "JSP-B-01",
            "点位名称": "渗滤液处理站扩容提标",
            "所在区县": "北山县",
            "受纳水体": "白水河",
            "整改措施": "扩容至200吨/日，出水达标",
            "牵头单位": "市城管执法局",
            "责任单位": "北山县政府",
            "配合单位": "市生态环境局",
            "整改时限": datetime(2020, 6, 30),
        }
    )
    last = s.add(  # 8
        {
            "序号": 6,
            "点位编号": "JSP-B-02",
            "点位名称": "存量渗滤液应急外运处置",
            "所在区县": "北山县",
            "受纳水体": "白水河",
            "整改措施": "委托有资质单位外运处置",
            "牵头单位": "市城管执法局",
            "责任单位": "北山县政府",
            "配合单位": "市生态环境局",
            "整改时限": datetime(2020, 4, 30),
        }
    )
    s.merge_down("问题编号", first, last)
    s.merge_down("问题名称", first, last)
    return s.to_bytes()


def _committed(rnd) -> None:
    task = rnd.tasks.get(code="JSP-A-02")
    assert task.water_body == "示范江" and task.is_point
    assert str(task.lng) == "104.396000"


PLAN = CorpusPlan(
    key="p12",
    what="长江经济带警示片 披露问题整改点位清单",
    kind="YANGTZE_FILM",
    level="CENTRAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="2项",
        problems=2,
        tasks=6,
        roles={"LEAD": 6, "TERRITORIAL": 6, "COOP": 10},
        after_commit=_committed,
        checks=(
            TaskExpect(
                3,
                region="东城区",
                name="滨江路1#排口",
                units={
                    "LEAD": ("市住建局",),
                    "TERRITORIAL": ("东城区政府",),
                    "COOP": ("市生态环境局", "市水务局"),
                },
                deadline="2020-06-30",
            ),
            TaskExpect(6, region="南江县", deadline="2020-12-31"),
            TaskExpect(
                8,
                region="北山县",
                units={
                    "LEAD": ("市城管执法局",),
                    "TERRITORIAL": ("北山县政府",),
                    "COOP": ("市生态环境局",),
                },
                deadline="2020-04-30",
            ),
        ),
    ),
)
