"""Read a checked workbook into rows keyed by column spec, whatever the layout.

The header row is found by name (the row among the first 20 that matches most known
headers); title rows above it are skipped. Vertically merged cells (方面/类/项 and any other
column) are carried down to every row they cover. Formula cells are reported, not evaluated.
"""

from dataclasses import dataclass, field
from io import BytesIO

import openpyxl

from exchange.plan_import.columns import HEADER_LOOKUP, normalize_header
from exchange.plan_import.errors import ImportRefused
from exchange.plan_import.safety import unreadable

HEADER_SCAN_ROWS = 20


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
    headers: dict[str, str]  # key → header text as written in the file
    ignored_headers: list[str]
    rows: list[SheetRow]
    # Extra sheets that describe rounds (the ledger export's 汇总 sheet), as dict rows.
    round_sheet: list[dict[str, object]] = field(default_factory=list)


def _match_header(row: tuple) -> dict[int, str]:
    found: dict[int, str] = {}
    for index, value in enumerate(row):
        if isinstance(value, str):
            key = HEADER_LOOKUP.get(normalize_header(value))
            if key and key not in found.values():
                found[index] = key
    return found


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
    best = None
    for sheet in workbook.worksheets:
        for number, row in enumerate(
            sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True), start=1
        ):
            matched = _match_header(row)
            if len(matched) >= 2 and (best is None or len(matched) > len(best[2])):
                best = (sheet, number, matched, row)
        if best is not None and best[0] is sheet:
            break
    if best is None:
        raise ImportRefused(
            "未找到表头：前 20 行中没有可识别的列名（如“具体问题”“整改时限”“牵头单位”），"
            "请使用下载的模板或检查表头文字"
        )
    sheet, header_row, matched, header_values = best
    keys = dict(matched)
    if "responsible" in keys.values():
        has_lead = "lead" in keys.values()
        for index, key in keys.items():
            if key == "responsible":
                keys[index] = "territorial" if has_lead else "packed"
    headers = {key: str(header_values[index]).strip() for index, key in keys.items()}
    ignored = [
        str(v).strip()
        for i, v in enumerate(header_values)
        if i not in keys and v is not None and str(v).strip()
    ]
    carried = _merged_values(sheet, header_row)
    rows: list[SheetRow] = []
    for number, cells in enumerate(sheet.iter_rows(min_row=header_row + 1), start=header_row + 1):
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
        if any(v is not None for v in values.values()) or formulas or lone:
            rows.append(SheetRow(number, values, formulas, lone))
    round_sheet = _round_sheet(workbook, sheet)
    return SheetData(sheet.title, header_row, headers, ignored, rows, round_sheet)


def _merged_values(sheet, header_row: int) -> dict[tuple[int, int], object]:
    """(row, column) → value for every cell hidden under a vertical merge below the header.

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
