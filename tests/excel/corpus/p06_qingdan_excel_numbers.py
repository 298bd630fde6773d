"""整改任务清单 merged from departments' returns, where 整改时限 was typed in Excel and stored as
numbers: 2020.12 and 2020.06 (floats), 2021 (a year), 44196 (a date serial in a General cell,
pasted from another system), 2020.1 (typed "2020.10", the zero lost: October, with a warning),
and "2020.12" as text."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("汇总", width=8)
    s.line("示范市第二轮省级生态环境保护例行督察反馈问题整改任务清单（各单位报送汇总）")
    s.header(
        "序号", "具体问题", "点位名称", "所在区县", "整改措施", "牵头单位", "配合单位", "整改时限"
    )
    s.add(  # 3
        {
            "序号": 1,
            "具体问题": "建筑施工及道路运输扬尘管控不力",
            "点位名称": "示范大道（西城段）改造工地",
            "所在区县": "西城区",
            "整改措施": "落实“六个百分之百”，安装在线监测",
            "牵头单位": "市住建局",
            "配合单位": "西城区政府",
            "整改时限": 2020.12,
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "具体问题": "建筑施工及道路运输扬尘管控不力",
            "点位名称": "城东渣土运输通道",
            "所在区县": "东城区",
            "整改措施": "密闭运输、冲洗平台、路面洒扫",
            "牵头单位": "市城管执法局",
            "配合单位": "市交通运输局、市公安局",
            "整改时限": 2020.06,
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "具体问题": "工业固废堆场环境整治不到位",
            "点位名称": "北山县冶炼渣场",
            "所在区县": "北山县",
            "整改措施": "完善防渗、渗滤液收集，规范封场",
            "牵头单位": "北山县政府",
            "配合单位": "市经信局",
            "整改时限": 44196,
        }
    )
    s.add(  # 6
        {
            "序号": 4,
            "具体问题": "交通及夜间施工噪声扰民",
            "点位名称": "西城区滨江路",
            "所在区县": "西城区",
            "整改措施": "设置声屏障、禁鸣，夜间施工审批",
            "牵头单位": "西城区政府",
            "配合单位": "市公安局",
            "整改时限": 2021,
        }
    )
    s.add(  # 7
        {
            "序号": 5,
            "具体问题": "城区餐饮油烟扰民突出",
            "点位名称": "东城区美食街",
            "所在区县": "东城区",
            "整改措施": "安装油烟净化设施并定期清洗",
            "牵头单位": "东城区政府",
            "配合单位": "市市场监管局",
            "整改时限": 2020.1,
        }
    )
    s.add(  # 8
        {
            "序号": 6,
            "具体问题": "城区餐饮油烟扰民突出",
            "点位名称": "西城区夜市",
            "所在区县": "西城区",
            "整改措施": "露天烧烤入室经营",
            "牵头单位": "西城区政府",
            "配合单位": "市城管执法局",
            "整改时限": "2020.12",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p06",
    what="省级例行督察 整改任务清单（整改时限以Excel数字、年份、日期序列号录入）",
    kind="PROV_ROUTINE",
    level="PROVINCIAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="4项",
        problems=4,
        tasks=6,
        roles={"LEAD": 6, "COOP": 7},
        warnings=((7, "2020.1"),),
        checks=(
            TaskExpect(3, region="西城区", deadline="2020-12-31", deadline_type="DATED"),
            TaskExpect(4, region="东城区", deadline="2020-06-30"),
            TaskExpect(5, region="北山县", deadline="2020-12-31"),
            TaskExpect(6, region="西城区", deadline="2021-12-31"),
            TaskExpect(7, region="东城区", deadline="2020-10-31"),
            TaskExpect(8, region="西城区", deadline="2020-12-31"),
        ),
    ),
)
