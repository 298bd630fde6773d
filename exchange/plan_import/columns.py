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
        ("反馈问题（整改任务）", "反馈问题", "整改任务", "项目", "问题名称", "存在问题", "问题"),
        30,
        True,
        "必填；同一问题的多个点位可合并单元格或逐行重复",
    ),
    Column("task_code", "点位编号", ("问题点位编号", "任务编号", "点位代码"), 12),
    Column("point", "点位名称", ("点位", "任务名称", "点位/任务名称"), 24),
    Column("county", "所在区县", ("行政区", "行政区划", "区县", "所在地区", "所在县区"), 10),
    Column("water_body", "受纳水体", (), 10),
    Column("lng", "经度", (), 11),
    Column("lat", "纬度", (), 11),
    Column("description", "问题描述", ("督察原文", "问题具体描述", "问题情况"), 30, True),
    Column("goal", "整改目标", ("整改完成标准", "整改要求"), 26),
    Column(
        "measures",
        "整改措施",
        ("整改任务具体要求", "具体整改措施", "细化的整改措施", "主要措施"),
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

# Read but not part of the official layout: where a point is (variant 3).
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("address", "所在位置描述", ("位置描述", "具体位置", "地址"), 20),
)

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
        for name in (column.header, *column.synonyms):
            lookup[normalize_header(name)] = column.key
    lookup[normalize_header(RESPONSIBLE_HEADER)] = "responsible"
    return lookup


HEADER_LOOKUP = _build_lookup()

# Columns a file must have (one of each group), named in the error message.
REQUIRED_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("problem", "description"), "具体问题"),
    (("deadline",), "整改时限"),
    (("lead", "responsible", "territorial", "county"), "牵头单位"),
)
