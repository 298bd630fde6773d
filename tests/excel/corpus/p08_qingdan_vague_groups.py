"""整改任务清单 naming units the way a city-wide plan does: "市直有关部门" and "各相关单位" as
cooperating units (no list behind them: a warning, left out of the assignments), "各有关县区"
as territorial unit (no list: every county, with a warning)."""

from tests.excel.corpus.expect import (
    COUNTIES,
    COUNTY_REGIONS,
    CorpusPlan,
    Expected,
    TaskExpect,
)
from tests.excel.corpus.sheet import PlanSheet


def build() -> bytes:
    s = PlanSheet("任务清单", width=7)
    s.line("示范市生态环境保护督察整改工作任务分解表")
    s.header("序号", "反馈问题", "整改措施", "牵头单位", "配合单位", "责任单位（属地）", "整改时限")
    s.add(  # 3
        {
            "序号": 1,
            "反馈问题": "部分市级部门环保监管职责不清",
            "整改措施": "印发市级部门生态环境保护职责分工",
            "牵头单位": "市委编办",
            "配合单位": "市直有关部门",
            "整改时限": "2019年10月底前",
        }
    )
    s.add(  # 4
        {
            "序号": 2,
            "反馈问题": "生态环境保护责任清单落实不到位",
            "整改措施": "制定责任清单并纳入年度考核",
            "牵头单位": "市政府办",
            "配合单位": "市生态环境局、各相关单位",
            "整改时限": "2020年6月底前",
        }
    )
    s.add(  # 5
        {
            "序号": 3,
            "反馈问题": "督察交办信访件办理不到位",
            "整改措施": "逐件核查办理结果，建立回访制度",
            "牵头单位": "市信访局",
            "责任单位（属地）": "各有关县区",
            "整改时限": "立行立改，长期坚持",
        }
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p08",
    what="整改任务分解表（“市直有关部门”“各相关单位”“各有关县区”）",
    kind="PROV_ROUTINE",
    level="PROVINCIAL",
    build=build,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=7,
        roles={"LEAD": 7, "COOP": 1, "TERRITORIAL": 5},
        warnings=((3, "市直有关部门"), (4, "各相关单位"), (5, "各有关县区")),
        expansions=((5, "各有关县区", COUNTIES),),
        checks=(
            TaskExpect(3, region="示范市", units={"LEAD": ("市委编办",)}, deadline="2019-10-31"),
            TaskExpect(4, units={"LEAD": ("市政府办",), "COOP": ("市生态环境局",)}),
            *(
                TaskExpect(
                    5,
                    region=COUNTY_REGIONS[gov],
                    units={"LEAD": ("市信访局",), "TERRITORIAL": (gov,)},
                    deadline=None,
                    deadline_type="IMMEDIATE",
                    is_ongoing=True,
                )
                for gov in COUNTIES
            ),
        ),
    ),
)
