"""The monthly dispatch report's tables, shared by the web page and the Excel workbook.

One column spec per table (key in the stored JSON → Chinese header); the page renders the
same tables from the same spec, so the two never disagree. The workbook has one sheet per
table, print-ready: landscape A4, fit to one page wide, title and header rows repeated on
every printed page, header frozen on screen. Text cells that a spreadsheet would read as a
formula (= + - @) are neutralised.
"""

from dataclasses import dataclass
from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

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
    Table("overdue_tasks", "逾期任务清单", (*TASK_COLUMNS, Column("overdue_days", "逾期天数", 9))),
    Table("red_tasks", "红灯任务清单", (*TASK_COLUMNS, Column("reasons", "亮灯原因", 24))),
)

_FORMULA_START = ("=", "+", "-", "@")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBDD")


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def report_title(report: DispatchReport) -> str:
    month = report.month
    return f"{report.region.name}{month.year}年{month.month}月生态环境保护督察整改调度通报"


def _sheet(ws, title: str, columns, rows, subtitle: str) -> None:
    ws.append([title])
    ws.append([subtitle])
    ws.append([c.header for c in columns])
    for row in rows:
        ws.append([_cell(row.get(c.key, "")) for c in columns])
    last = get_column_letter(len(columns))
    ws.merge_cells(f"A1:{last}1")
    ws.merge_cells(f"A2:{last}2")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws["A2"].alignment = Alignment(horizontal="right")
    for index, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width
        head = ws.cell(row=3, column=index)
        head.font = Font(bold=True)
        head.fill = _HEAD_FILL
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for line in ws.iter_rows(min_row=3, max_row=ws.max_row, max_col=len(columns)):
        for cell in line:
            cell.border = _BORDER
    ws.freeze_panes = "A4"
    ws.print_title_rows = "1:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True


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


def workbook_bytes(report: DispatchReport) -> bytes:
    f = report.figures
    as_of = report.as_of
    subtitle = f"截至{as_of.year}年{as_of.month}月{as_of.day}日 · 生成于{timezone.localtime(report.generated_at):%Y-%m-%d}"
    wb = Workbook()
    summary = wb.active
    summary.title = "总体情况"
    _sheet(summary, report_title(report), SUMMARY_COLUMNS, headline_rows(report), subtitle)
    for table in TABLES:
        ws = wb.create_sheet(table.title)
        _sheet(
            ws,
            f"{report_title(report)}：{table.title}",
            table.columns,
            f.get(table.key, []),
            subtitle,
        )
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
