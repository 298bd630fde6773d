"""The one column spec shared by the importer, the blank template and the ledger export.

The order is the recommended 台账 header (docs/domain.md §2) plus 点位编号, which the official
header lacks but a round trip needs (task codes are unique per round). Synonyms cover the
real layouts: 公示表 (variant 1), the city platform ledger (variant 2) and the point ledger
(variant 3). Headers are matched after `normalize_header` (no spaces, full-width brackets,
no required-marks).
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    synonyms: tuple[str, ...] = ()
    width: int = 12
    # Problem-level columns are merged vertically over the problem's tasks in the export.
    problem_level: bool = False
    note: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", width=6),
    Column("problem_code", "问题编号", ("问题序号", "项目编号"), 10, True),
    Column("round", "督察轮次", ("所属轮数", "所属轮次", "督察批次", "轮次"), 18, True),
    Column("source", "问题来源", ("台账来源", "来源"), 10, True),
    Column("aspect", "方面", ("反馈方面", "问题方面"), 20, True, "可带编号，如“一、…”"),
    Column("category", "类别", ("类", "问题类别", "问题分类"), 16, True),
    Column(
        "problem",
        "具体问题",
        (
            "反馈问题（整改任务）",
            "反馈问题",
            "督察反馈问题",
            "交办问题基本情况",
            "整改任务",
            "项目",
            "问题名称",
            "存在问题",
            "问题",
        ),
        30,
        True,
        "必填；同一问题的多个点位可合并单元格或逐行重复",
    ),
    Column("task_code", "点位编号", ("问题点位编号", "任务编号", "点位代码"), 12),
    Column("point", "点位名称", ("点位", "任务名称", "点位/任务名称"), 24),
    Column(
        "county", "所在区县", ("行政区", "行政区划", "行政区域", "区县", "所在地区", "所在县区"), 10
    ),
    Column("water_body", "受纳水体", (), 10),
    Column("lng", "经度", (), 11),
    Column("lat", "纬度", (), 11),
    Column("description", "问题描述", ("督察原文", "问题具体描述", "问题情况"), 30, True),
    Column("goal", "整改目标", ("整改完成标准", "整改要求"), 26),
    Column(
        "measures",
        "整改措施",
        ("整改任务具体要求", "具体整改措施", "细化的整改措施", "主要措施", "处理和整改情况"),
        30,
    ),
    Column("leader", "责任领导", ("分管领导", "分管市领导", "责任市领导"), 12, True),
    Column("lead", "牵头单位", ("牵头整改部门", "牵头部门"), 16, note="可写多个单位时以“、”分隔"),
    Column("coop", "配合单位", ("配合整改部门", "配合部门"), 22),
    Column(
        "territorial",
        "责任单位（属地）",
        ("属地责任单位", "责任单位（属地政府）", "属地政府"),
        16,
    ),
    Column("person", "责任人", ("整改责任人",), 10),
    Column("phone", "联系电话", ("责任人电话", "联系方式"), 14),
    Column(
        "deadline",
        "整改时限",
        ("完成时限", "整改期限", "时限"),
        14,
        note="日期或“2020年12月底前”“立行立改”“长期坚持”",
    ),
    # Written by the export ("已延期 1 次（原定 2019-12-31）"); an import reads the deadline
    # from 整改时限 and leaves extensions to the extension services.
    Column("extended", "延期情况", ("延期次数",), 18, note="导出时填写，导入时不读取"),
    Column("progress", "整改进展", ("目前进展情况及存在问题", "整改完成情况", "进展情况"), 30),
    Column("schedule", "序时状态", ("序时进度",), 12),
    Column("status", "整改状态", ("状态", "是否已完成整改"), 10),
    Column("warning", "预警", ("预警等级",), 8),
    Column("closed", "是否销号", (), 8),
    Column("closed_at", "销号时间", (), 12),
    Column("remark", "备注", (), 16),
)

# Read but not part of the official layout: where a point is (variant 3) and the stage
# deadline of a split 整改时限 (整改时限 → 阶段目标 | 最终时限), kept for the deadline parser.
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("address", "所在位置描述", ("位置描述", "具体位置", "地址"), 20),
    Column(
        "township",
        "乡镇（街道）",
        ("乡镇", "街道", "所在乡镇", "所在乡镇（街道）", "乡镇街道", "乡镇（街道、园区）"),
        12,
    ),
    Column("deadline_stage", "阶段目标", ("阶段时限", "阶段性时限", "阶段性目标时限"), 20),
)

# Columns the importer reads but does not store, with the reason the preview gives. Every
# other recognised column is imported; an unknown one is listed as not recognised.
NOT_IMPORTED: dict[str, str] = {
    "seq": "序号不导入（问题和任务编号取自“问题编号”“点位编号”列或自动生成）",
    "phone": "联系电话不导入（人员电话在人员表中维护）",
    "person_title": "职务不导入（在人员表中维护）",
    "progress": "整改进展不导入（导入后由责任单位按月填报）",
    "schedule": "序时状态由系统计算，不从方案导入",
    "status": "整改状态由系统流程产生，不从方案导入",
    "warning": "预警由系统生成，不从方案导入",
    "closed": "销号由系统流程产生，不从方案导入",
    "closed_at": "销号时间由系统流程产生，不从方案导入",
    "remark": "备注不导入",
}

# Plain "责任单位" means the packed cell of a 公示表 ("市生态环境局牵头，市发改委配合") when the
# file has no 牵头单位 column, and the territorial unit otherwise (variant 2).
RESPONSIBLE_HEADER = "责任单位"

COLUMN_BY_KEY = {c.key: c for c in (*COLUMNS, *EXTRA_COLUMNS)}
EXPORT_HEADERS = [c.header for c in COLUMNS]

_SPACES = re.compile(r"[\s\u3000]+")
_MARKS = re.compile(r"[*＊※]")


def normalize_header(text: object) -> str:
    value = _SPACES.sub("", str(text or ""))
    value = _MARKS.sub("", value)
    return value.replace("(", "（").replace(")", "）").replace(":", "：")


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for column in (*COLUMNS, *EXTRA_COLUMNS):
        # "阶段目标" alone may be a goal as well as a date: only under 整改时限 (SUB_COLUMNS)
        # or as a plain 阶段时限 is it the stage deadline.
        names = (
            column.synonyms if column.key == "deadline_stage" else (column.header, *column.synonyms)
        )
        for name in names:
            lookup[normalize_header(name)] = column.key
    lookup[normalize_header(RESPONSIBLE_HEADER)] = "responsible"
    return lookup


HEADER_LOOKUP = _build_lookup()

_UNITS = {
    "牵头": "lead",
    "牵头单位名称": "lead",
    "配合": "coop",
    "配合单位名称": "coop",
    "属地": "territorial",
    "属地单位": "territorial",
    "属地责任单位": "territorial",
}
_PERSON = {
    "姓名": "person",
    "职务": "person_title",
    "职务职称": "person_title",
    "联系电话": "phone",
    "电话": "phone",
    "手机": "phone",
    "联系方式": "phone",
}
_STAGE = ("阶段目标", "阶段性目标", "阶段时限", "阶段性时限", "阶段目标时限", "阶段性目标时限")
_FINAL = ("最终时限", "最终目标", "最终完成时限", "完成时限", "全面完成时限", "时限")

# Sub-columns whose meaning depends on the merged parent above them: parent key → child
# header → column key. 整改时限/阶段目标 is the stage deadline, 整改目标/阶段目标 is not.
SUB_COLUMNS: dict[str, dict[str, str]] = {
    "responsible": _UNITS,
    "deadline": {**dict.fromkeys(_STAGE, "deadline_stage"), **dict.fromkeys(_FINAL, "deadline")},
    "person": _PERSON,
    "leader": {**_PERSON, "姓名": "leader"},
    "lead": {"责任人": "person", "联系人": "person", **_PERSON, "姓名": "person"},
    "goal": {"最终目标": "goal"},
}
# A sub-column named only "姓名", "单位名称" … takes its parent's meaning.
GENERIC_SUB_HEADERS = frozenset({"姓名", "名称", "单位", "单位名称", "部门", "部门名称", "内容"})

# Columns a file must have (one of each group), named in the error message.
REQUIRED_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("problem", "description"), "具体问题"),
    (("deadline",), "整改时限"),
    (("lead", "responsible", "territorial", "county"), "牵头单位"),
)
