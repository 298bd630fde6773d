"""The monthly dispatch report as an Excel workbook, from the tables of
rectification/dispatch_layout.py.

One sheet per table, print-ready: landscape A4, fit to one page wide, title and header rows
repeated on every printed page, header frozen on screen. Text cells that a spreadsheet would
read as a formula (= + - @) are neutralised.
"""

from io import BytesIO

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from rectification.dispatch_layout import SUMMARY_COLUMNS, TABLES, headline_rows, report_title
from rectification.models import DispatchReport

_FORMULA_START = ("=", "+", "-", "@")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="DDEBDD")


def _cell(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


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
