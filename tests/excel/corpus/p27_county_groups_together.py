"""The task list of p07 previewed and committed with the other group option for the batch:
one task per row with every county government as territorial unit (option a), so the task
belongs to the whole city."""

from tests.excel.corpus import p07_qingdan_county_groups as p07
from tests.excel.corpus.expect import COUNTIES, CorpusPlan, Expected, TaskExpect

PLAN = CorpusPlan(
    key="p27",
    what="p07 的任务清单，群组选择“一个任务，各县区政府均为属地单位”",
    kind="PROV_ROUTINE",
    level="PROVINCIAL",
    build=p07.build,
    commit=True,
    expected=Expected(
        headline="3项",
        problems=3,
        tasks=3,
        roles={"LEAD": 3, "TERRITORIAL": 10},
        group_mode="together",
        expansions=((3, "各县（市、区）人民政府", COUNTIES), (4, "各区县政府", COUNTIES)),
        checks=(
            TaskExpect(
                3,
                region="示范市",
                units={"LEAD": ("市农业农村局",), "TERRITORIAL": COUNTIES},
                deadline="2020-12-31",
            ),
            TaskExpect(
                4,
                region="示范市",
                units={"LEAD": ("市住建局",), "TERRITORIAL": COUNTIES},
                deadline="2020-06-30",
            ),
            TaskExpect(5, region="示范市", units={"LEAD": ("示范化工园区管委会",)}),
        ),
    ),
)
