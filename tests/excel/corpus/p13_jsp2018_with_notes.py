"""长江经济带警示片 整改销号情况表 as an office mails it upward: a title, the table, then a
footnote ("注：1.…；2.…"), a signature line ("填报人：… 审核人：… 联系电话：…") and the
stamp-and-date line ("填报单位（盖章）：… 2019年12月30日") under it."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "序号",
    "问题名称",
    "所在区县",
    "整改措施",
    "牵头单位",
    "配合单位",
    "整改时限",
    "整改进展",
    "是否销号",
)


def build() -> bytes:
    s = PlanSheet("销号情况", width=len(HEADER))
    s.line("2018年长江经济带生态环境警示片披露问题整改销号情况表")
    s.header(*HEADER)
    problems = [
        (
            "示范江岸线非法码头",
            "南江县",
            "依法取缔，岸线复绿",
            "市交通运输局",
            "南江县政府、市水务局",
        ),
        ("南江县小型造纸厂偷排", "南江县", "关停取缔，立案查处", "南江县政府", "市生态环境局"),
        ("北山县尾矿库渗漏", "北山县", "防渗改造，闭库治理", "北山县政府", "市生态环境局"),
        (
            "东城区黑臭水体",
            "东城区",
            "控源截污，清淤疏浚，生态补水",
            "东城区政府",
            "市住建局、市水务局",
        ),
    ]
    for n, (title, county, measures, lead, coop) in enumerate(problems, start=1):
        s.add(
            {
                "序号": n,
                "问题名称": title,
                "所在区县": county,
                "整改措施": measures,
                "牵头单位": lead,
                "配合单位": coop,
                "整改时限": "2019年12月31日",
                "整改进展": "已完成整改",
                "是否销号": "是",
            }
        )  # rows 3-6
    s.line("注：1.整改时限以市委办公室印发的整改方案为准；2.“是否销号”以省级验收意见为准。")  # 7
    s.line("填报人：韩磊        审核人：何静        联系电话：0999-6000004", merged=False)  # 8
    s.line("填报单位（盖章）：示范市生态环境保护督察整改工作领导小组办公室    2019年12月30日")  # 9
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p13",
    what="长江经济带警示片 整改销号情况表（表尾有注、填报人、盖章行）",
    kind="YANGTZE_FILM",
    level="CENTRAL",
    build=build,
    expected=Expected(
        headline="4项",
        problems=4,
        tasks=4,
        roles={"LEAD": 4, "COOP": 6},
        trailing_rows=(7, 8, 9),
        checks=(
            TaskExpect(
                3,
                region="南江县",
                units={"LEAD": ("市交通运输局",), "COOP": ("南江县政府", "市水务局")},
                deadline="2019-12-31",
            ),
            TaskExpect(
                6,
                region="东城区",
                units={"LEAD": ("东城区政府",), "COOP": ("市住建局", "市水务局")},
            ),
        ),
    ),
)
