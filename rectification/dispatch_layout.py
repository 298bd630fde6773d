"""The monthly dispatch report's tables, shared by the web page and the Excel workbook.

One column spec per table (key in the stored JSON → Chinese header, width); the page
(rectification/views/dispatch.py) and the workbook (exchange/dispatch_workbook.py) render the
same tables from this spec, so the two never disagree.
"""

from dataclasses import dataclass

from rectification.models import DispatchReport


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int = 10


FIGURES = (
    Column("total", "任务总数", 9),
    Column("closed", "已销号", 8),
    Column("completion_rate", "完成率(%)", 10),
    Column("publicizing", "公示中", 8),
    Column("in_review", "验收中", 8),
    Column("in_progress", "整改中", 8),
    Column("overdue", "逾期", 7),
    Column("behind", "未达序时", 9),
    Column("on_schedule_rate", "序时达标率(%)", 12),
    Column("red", "本月红灯", 9),
    Column("yellow", "本月黄牌", 9),
)
# The petitions' figures (inspections.petition_figures), per batch, region and lead unit.
PETITION_FIGURES = (
    Column("assigned", "交办", 7),
    Column("handled", "办结", 7),
    Column("on_time_rate", "按时办结率(%)", 12),
    Column("true_rate", "属实率(%)", 10),
    Column("repeats", "重复件", 8),
    Column("overdue", "逾期", 7),
)
TASK_COLUMNS = (
    Column("code", "任务编号", 12),
    Column("name", "点位/任务名称", 30),
    Column("round", "督察轮次", 10),
    Column("county", "所在区县", 10),
    Column("lead_unit", "牵头单位", 16),
    Column("deadline", "整改时限", 12),
    Column("status", "整改状态", 10),
    Column("progress_pct", "完成比例(%)", 10),
)


@dataclass(frozen=True)
class Table:
    key: str  # where the rows live in DispatchReport.figures
    title: str
    columns: tuple[Column, ...]


TABLES = (
    Table(
        "rounds",
        "分轮次整改情况",
        (Column("code", "轮次代码", 10), Column("name", "督察轮次", 36), *FIGURES),
    ),
    Table("counties", "分区县整改情况", (Column("name", "区县", 12), *FIGURES)),
    Table(
        "units",
        "牵头单位排名",
        (Column("rank", "排名", 6), Column("name", "牵头单位", 18), *FIGURES),
    ),
    Table(
        "overdue_tasks",
        "逾期任务清单",
        (
            *TASK_COLUMNS,
            Column("original_deadline", "原定时限", 12),
            Column("overdue_days", "逾期天数（按原定时限）", 12),
        ),
    ),
    Table("red_tasks", "红灯任务清单", (*TASK_COLUMNS, Column("reasons", "亮灯原因", 24))),
    Table(
        "petition_batches",
        "信访件办理情况（分批次）",
        (Column("name", "交办批次", 10), *PETITION_FIGURES),
    ),
    Table(
        "petition_counties",
        "信访件办理情况（分区域）",
        (Column("name", "行政区域", 12), *PETITION_FIGURES),
    ),
    Table(
        "petition_units",
        "信访件办理情况（分承办单位）",
        (Column("name", "承办单位", 18), *PETITION_FIGURES),
    ),
)


def report_title(report: DispatchReport) -> str:
    month = report.month
    return f"{report.region.name}{month.year}年{month.month}月生态环境保护督察整改调度通报"


def headline_rows(report: DispatchReport) -> list[dict]:
    """The summary sheet: one row per figure with last month's value and the change."""
    f = report.figures
    previous = f.get("previous") or {}
    deltas = previous.get("headline") or {}
    rows = []
    for column in FIGURES:
        delta = deltas.get(column.key)
        rows.append(
            {
                "label": column.header,
                "value": f["headline"][column.key],
                "delta": "—" if delta is None else delta,
            }
        )
    return rows


SUMMARY_COLUMNS = (
    Column("label", "指标", 16),
    Column("value", "本月", 10),
    Column("delta", "较上月", 10),
)
