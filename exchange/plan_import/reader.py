"""Read a checked workbook into rows keyed by column spec, whatever the layout.

The header is found by name among the first 20 rows, in one row or two (a merged parent over
its sub-columns, `headers.find_header`); title, "附件N" and date lines above it are skipped,
and so are notes and signatures below the table (`footers.split_footer`). Vertically merged
cells (方面/类/项 and any other column) are carried down to every row they cover. Formula
cells are reported, not evaluated. Every column is either read or listed as not imported.
"""

from dataclasses import dataclass, field
from io import BytesIO

import openpyxl
from openpyxl.utils import get_column_letter

from exchange.plan_import.columns import normalize_header
from exchange.plan_import.errors import ImportRefused
from exchange.plan_import.footers import IgnoredRow, is_column_number_row, split_footer
from exchange.plan_import.headers import HEADER_SCAN_ROWS, IgnoredColumn, find_header
from exchange.plan_import.safety import unreadable

__all__ = ["HEADER_SCAN_ROWS", "SheetData", "SheetRow", "read_workbook"]


@dataclass
class SheetRow:
    number: int  # as Excel shows it
    values: dict[str, object]
    formulas: list[str] = field(default_factory=list)  # keys of cells holding a formula
    # The row's only non-empty cell text (before carrying merges down): a section heading
    # such as "一、贯彻落实…" merged across the table.
    lone_text: str | None = None


@dataclass
class SheetData:
    sheet_title: str
    header_row: int
    headers: dict[str, str]  # key → header text as written in the file ("整改时限/最终时限")
    ignored_headers: list[str]  # header texts the importer does not recognise
    rows: list[SheetRow]
    # Extra sheets that describe rounds (the ledger export's 汇总 sheet), as dict rows.
    round_sheet: list[dict[str, object]] = field(default_factory=list)
    header_last_row: int = 0  # the header's second row when it has two, else header_row
    # Every column not imported (unknown, read but not stored, duplicate, unnamed with data).
    ignored_columns: list[IgnoredColumn] = field(default_factory=list)
    # Rows below or inside the table that are not data: notes, signatures, the date.
    ignored_rows: list[IgnoredRow] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_workbook(data: bytes) -> SheetData:
    try:
        workbook = openpyxl.load_workbook(BytesIO(data), read_only=False, data_only=False)
    except ImportRefused:
        raise
    except Exception as exc:
        raise unreadable(exc) from None
    try:
        return _read(workbook)
    finally:
        workbook.close()


def _read(workbook) -> SheetData:
    sheet, layout = None, None
    for candidate in workbook.worksheets:
        layout = find_header(candidate)
        if layout is not None:
            sheet = candidate
            break
    if layout is None:
        raise ImportRefused(
            "未找到表头：前 20 行中没有可识别的列名（如“具体问题”“整改时限”“牵头单位”），"
            "请使用下载的模板或检查表头文字"
        )
    keys = layout.keys
    carried = _merged_values(sheet, layout.last_row)
    rows: list[SheetRow] = []
    cells_by_row: dict[int, list[object]] = {}
    filled: dict[int, set[int]] = {}  # row → unnamed columns it fills
    first = layout.last_row + 1
    for number, cells in enumerate(sheet.iter_rows(min_row=first), start=first):
        values: dict[str, object] = {}
        formulas: list[str] = []
        for index, key in keys.items():
            if index >= len(cells):
                continue
            cell = cells[index]
            value = carried.get((number, index + 1), cell.value)
            if getattr(cell, "data_type", None) == "f" and (number, index + 1) not in carried:
                formulas.append(key)
            if isinstance(value, str):
                value = value.strip()
                if value == "":
                    value = None
            values[key] = value
        texts = [c.value for c in cells if c.value is not None and str(c.value).strip()]
        lone = str(texts[0]).strip() if len(texts) == 1 and isinstance(texts[0], str) else None
        if any(v is not None for v in values.values()) or formulas or texts:
            rows.append(SheetRow(number, values, formulas, lone))
            cells_by_row[number] = texts
            unnamed = {
                i
                for i in layout.unnamed
                if i < len(cells) and cells[i].value is not None and str(cells[i].value).strip()
            }
            if unnamed:
                filled[number] = unnamed
    ignored_rows: list[IgnoredRow] = []
    if rows and rows[0].number == first and is_column_number_row(cells_by_row[first]):
        ignored_rows.append(
            IgnoredRow(first, "列序号行：" + " ".join(map(str, cells_by_row[first])))
        )
        rows = rows[1:]
    rows, footer = split_footer(rows, lambda row: cells_by_row[row.number])
    ignored_rows += footer
    # A row that only carries text outside the known columns is not data (a lone note).
    rows = [
        row
        for row in rows
        if any(v is not None for v in row.values.values()) or row.formulas or row.lone_text
    ]
    ignored_columns, warnings = _ignored_columns(layout, rows, filled)
    round_sheet = _round_sheet(workbook, sheet)
    ignored_headers = [c.header for c in layout.ignored if c.reason.startswith("未识别")]
    return SheetData(
        sheet.title,
        layout.first_row,
        layout.headers,
        ignored_headers,
        rows,
        round_sheet,
        header_last_row=layout.last_row,
        ignored_columns=ignored_columns,
        ignored_rows=ignored_rows,
        warnings=warnings,
    )


def _ignored_columns(layout, rows: list[SheetRow], filled: dict[int, set[int]]):
    """The layout's ignored columns plus the unnamed ones some table row fills, in column
    order; a warning for each unnamed column with data (its content would be lost)."""
    used: dict[int, int] = {}  # unnamed column → first row that fills it
    for row in rows:
        if not any(v is not None for v in row.values.values()):
            continue  # a heading or a note, not a table row
        for index in filled.get(row.number, ()):
            used.setdefault(index, row.number)
    columns = list(layout.ignored)
    warnings = []
    for index, first_row in sorted(used.items()):
        shown, reason = layout.unnamed[index]
        letter = get_column_letter(index + 1)
        columns.append(IgnoredColumn(letter, shown, reason))
        warnings.append(
            f"表头：{letter}列（{shown}）有内容（如第{first_row}行）但没有列名，未导入。{reason}"
        )
    columns.sort(key=lambda c: (len(c.column), c.column))
    return columns, warnings


def _merged_values(sheet, header_row: int) -> dict[tuple[int, int], object]:
    """(row, column) → value for every cell hidden under a vertical merge below the header
    (`header_row` is the header's last row).

    Only the merge's first column is filled: a horizontal merge is a section heading or
    layout, not a value repeated across columns.
    """
    carried: dict[tuple[int, int], object] = {}
    for merged in sheet.merged_cells.ranges:
        if merged.max_row <= header_row or merged.min_row == merged.max_row:
            continue
        top = max(merged.min_row, header_row + 1)
        value = sheet.cell(row=merged.min_row, column=merged.min_col).value
        for row in range(top, merged.max_row + 1):
            carried[(row, merged.min_col)] = value
    return carried


ROUND_SHEET_HEADERS = ("代码", "名称", "类型", "层级", "被督察地区")


def _round_sheet(workbook, data_sheet) -> list[dict[str, object]]:
    """Rounds described in another sheet (the ledger export's summary): code, name, kind,
    level, region — lets an import into an empty database create the rounds it needs."""
    for sheet in workbook.worksheets:
        if sheet is data_sheet:
            continue
        header = None
        found: list[dict[str, object]] = []
        for row in sheet.iter_rows(max_row=200, values_only=True):
            texts = [normalize_header(v) if v is not None else "" for v in row]
            if header is None:
                if all(h in texts for h in ROUND_SHEET_HEADERS):
                    header = {h: texts.index(h) for h in ROUND_SHEET_HEADERS}
                continue
            record = {h: row[i] if i < len(row) else None for h, i in header.items()}
            if record["代码"] and record["名称"]:
                found.append(record)
        if found:
            return found
    return []
