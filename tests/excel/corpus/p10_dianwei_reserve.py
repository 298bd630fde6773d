"""点位台账 of a protected area (variant 3, [C2]): one row per building, no unit column (the
county government answers), coordinates, columns the import does not use (所在功能区, 占地面积,
建设单位 …, and the office's own 整改类型 and 是否涉及信访), and a 台账来源 the import cannot
map ("卫星遥感监测": a warning, the round's default source)."""

from tests.excel.corpus.expect import CorpusPlan, Expected, TaskExpect
from tests.excel.corpus.sheet import PlanSheet

HEADER = (
    "行政区",
    "问题点位编号",
    "所在功能区",
    "经度",
    "纬度",
    "所在位置描述",
    "占地面积",
    "问题描述",
    "问题类型",
    "建设单位",
    "建设时间",
    "是否处罚",
    "整改时限",
    "整改措施",
    "整改类型",
    "是否涉及信访",
    "台账来源",
)


def _point(county, code, zone, lng, lat, place, area, text, builder, source=None) -> dict:
    return {
        "行政区": county,
        "问题点位编号": code,
        "所在功能区": zone,
        "经度": lng,
        "纬度": lat,
        "所在位置描述": place,
        "占地面积": area,
        "问题描述": text,
        "问题类型": "违规建设",
        "建设单位": builder,
        "建设时间": "2013年",
        "是否处罚": "是",
        "整改时限": "2019年12月31日前",
        "整改措施": "全部拆除，植被恢复",
        "整改类型": "拆除复绿",
        "是否涉及信访": "否",
        "台账来源": source,
    }


def build() -> bytes:
    s = PlanSheet("点位台账", width=len(HEADER))
    s.line("青林山省级自然保护区违规建设问题点位台账")
    s.header(*HEADER)
    villas = "保护区实验区内违规建设别墅（云栖山庄）"
    garden = "保护区缓冲区内违规建设别墅（望江苑）"
    s.add(  # 3
        _point(
            "北山县",
            "QLS-01",
            "实验区",
            104.3300,
            30.2300,
            "云栖山庄1-16栋",
            "1.2公顷",
            villas,
            "某房地产开发公司",
            "卫星遥感监测",
        )
    )
    s.add(  # 4
        _point(
            "北山县",
            "QLS-02",
            "实验区",
            104.3320,
            30.2310,
            "云栖山庄17-32栋",
            "1.1公顷",
            villas,
            "某房地产开发公司",
        )
    )
    s.add(  # 5
        _point(
            "青林县",
            "QLS-03",
            "缓冲区",
            104.3500,
            30.2290,
            "望江苑1-10栋",
            "0.8公顷",
            garden,
            "某旅游开发公司",
            "督察反馈",
        )
    )
    s.add(  # 6
        _point(
            "青林县",
            "QLS-04",
            "缓冲区",
            104.3510,
            30.2300,
            "望江苑11-18栋",
            "0.6公顷",
            garden,
            "某旅游开发公司",
        )
    )
    return s.to_bytes()


PLAN = CorpusPlan(
    key="p10",
    what="省级专项 自然保护区问题点位台账（variant 3）",
    kind="PROV_SPECIAL",
    level="PROVINCIAL",
    build=build,
    commit=True,
    expected=Expected(
        headline="2项",
        problems=2,
        tasks=4,
        roles={"LEAD": 4, "TERRITORIAL": 4},
        warnings=((3, "卫星遥感监测"),),
        ignored=("所在功能区", "占地面积", "问题类型", "建设单位", "整改类型", "是否涉及信访"),
        checks=(
            TaskExpect(
                3,
                region="北山县",
                name="云栖山庄1-16栋",
                units={"LEAD": ("北山县政府",), "TERRITORIAL": ("北山县政府",)},
                deadline="2019-12-31",
            ),
            TaskExpect(
                6,
                region="青林县",
                name="望江苑11-18栋",
                units={"LEAD": ("青林县政府",), "TERRITORIAL": ("青林县政府",)},
            ),
        ),
    ),
)
