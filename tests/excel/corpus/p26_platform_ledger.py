"""The city platform's ledger export (variant 2, [C1]): 项目｜问题描述｜整改任务具体要求｜
目前进展情况及存在问题｜行政区划｜所属城市｜责任人｜责任人电话｜牵头人｜牵头单位｜责任单位｜责任部门｜
配合单位｜涉及人员｜涉及部门｜整改时限｜状态｜所属轮数｜预警时间; 责任单位 is the territorial unit
there (the file has a 牵头单位 column); 牵头人, 涉及人员, 预警时间 … are not imported."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "项目",
    "问题描述",
    "整改任务具体要求",
    "目前进展情况及存在问题",
    "行政区划",
    "所属城市",
    "责任人",
    "责任人电话",
    "牵头人",
    "牵头单位",
    "责任单位",
    "责任部门",
    "配合单位",
    "涉及人员",
    "涉及部门",
    "整改时限",
    "状态",
    "所属轮数",
    "预警时间",
)


def build() -> bytes:
    s = PlanSheet("台账导出", width=len(HEADER))
    rows = [
        (
            "清溪河东城区段排口整治",
            "生活污水直排清溪河",
            "截污纳管，封堵排口",
            "东城区",
            "陈志刚",
            "东城区政府",
            "东城区政府",
            "市住建局、市生态环境局",
            "2020.6.30",
            "尚未启动",
        ),
        (
            "西城区滨江路交通噪声",
            "夜间交通噪声扰民",
            "设置声屏障，禁鸣",
            "西城区",
            "刘海涛",
            "西城区政府",
            "西城区政府",
            "市公安局",
            "2019-11-30",
            "完成整改",
        ),
        (
            "南江县第二污水处理厂",
            "辅助设施未建成",
            "完成设备调试，稳定达标",
            "南江县",
            "周建华",
            "南江县政府",
            "南江县政府",
            "市住建局",
            "2020/4/30",
            "未达到序时进度",
        ),
    ]
    s.header(*HEADER)
    for project, text, task, county, person, lead, territorial, coop, deadline, state in rows:
        s.add(
            {
                "项目": project,
                "问题描述": text,
                "整改任务具体要求": task,
                "目前进展情况及存在问题": "按计划推进",
                "行政区划": county,
                "所属城市": "示范市",
                "责任人": person,
                "责任人电话": "139990000",
                "牵头人": "韩磊",
                "牵头单位": lead,
                "责任单位": territorial,
                "配合单位": coop,
                "整改时限": deadline,
                "状态": state,
                "所属轮数": "第二轮",
                "预警时间": "2020-01-31",
            }
        )  # rows 2-4
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p26",
    what="市级平台台账导出（variant 2）",
    kind="PROV_ROUTINE",
    level="PROVINCIAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3, "TERRITORIAL": 3, "COOP": 4},
        ignored=("所属城市", "牵头人", "责任部门", "涉及人员", "涉及部门", "预警时间"),
        checks=(
            TaskExpect(
                2,
                region="东城区",
                units={
                    "LEAD": ("东城区政府",),
                    "TERRITORIAL": ("东城区政府",),
                    "COOP": ("市住建局", "市生态环境局"),
                },
                deadline="2020-06-30",
            ),
            TaskExpect(3, region="西城区", deadline="2019-11-30"),
            TaskExpect(4, region="南江县", deadline="2020-04-30"),
        ),
    ),
)
