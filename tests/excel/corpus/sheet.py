"""A small writer for corpus workbooks: title lines, one- or two-row headers with merged
parents, section rows merged across the table, cells merged down over several points, and
notes under the table — the shapes real offices' plans have.

Rows are given as dicts keyed by the leaf header text (a two-row header's sub-column, e.g.
"牵头单位" under "责任单位"); the writer returns each row's number as Excel shows it, so a
builder can name the rows its expectations speak of.
"""

from io import BytesIO

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

Header = str | tuple[str, tuple[str, ...]]


class PlanSheet:
    def __init__(self, title: str = "Sheet1", *, width: int = 1):
        """`width`: how many columns the lines above the header span."""
        self.workbook = Workbook()
        self._width = width
        self.sheet = self.workbook.active
        self.sheet.title = title
        self.columns: list[str] = []  # leaf headers, in order
        self.row_number = 0

    @property
    def width(self) -> int:
        return len(self.columns) or self._width

    def _next(self) -> int:
        self.row_number += 1
        return self.row_number

    def _across(self, row: int) -> None:
        if self.width > 1:
            self.sheet.merge_cells(
                start_row=row, start_column=1, end_row=row, end_column=self.width
            )

    def line(self, text: str, *, merged: bool = True, width: int | None = None) -> int:
        """A title, "附件1", subtitle or note line: text in column A, merged across."""
        row = self._next()
        self.sheet.cell(row=row, column=1, value=text)
        span = width or self.width
        if merged and span > 1:
            self.sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=span)
        return row

    def header(self, *headers: Header) -> int:
        """One header row, or two when any header is (parent, children): the parent is merged
        across its children; a plain header is merged down over both rows. Returns the last
        header row."""
        two_rows = any(isinstance(h, tuple) for h in headers)
        top = self._next()
        sub = self._next() if two_rows else top
        column = 1
        for h in headers:
            if isinstance(h, tuple):
                parent, children = h
                self.sheet.cell(row=top, column=column, value=parent)
                for offset, child in enumerate(children):
                    self.sheet.cell(row=sub, column=column + offset, value=child)
                    self.columns.append(child)
                if len(children) > 1:
                    self.sheet.merge_cells(
                        start_row=top,
                        start_column=column,
                        end_row=top,
                        end_column=column + len(children) - 1,
                    )
                column += len(children)
            else:
                self.sheet.cell(row=top, column=column, value=h)
                self.columns.append(h)
                if two_rows:
                    self.sheet.merge_cells(
                        start_row=top, start_column=column, end_row=sub, end_column=column
                    )
                column += 1
        return sub

    def add(self, values: dict[str, object]) -> int:
        """A data row; keys are leaf headers. Unknown keys are a mistake in the builder."""
        unknown = set(values) - set(self.columns)
        if unknown:
            raise KeyError(f"not a column of this sheet: {sorted(unknown)}")
        row = self._next()
        for key, value in values.items():
            if value is not None:
                self.sheet.cell(row=row, column=self.columns.index(key) + 1, value=value)
        return row

    def section(self, text: str) -> int:
        """A "一、…" / "（一）…" heading row merged across the table."""
        row = self._next()
        self.sheet.cell(row=row, column=1, value=text)
        self._across(row)
        return row

    def merge_down(self, header: str, first: int, last: int) -> None:
        """Merge one column's cells from row `first` to `last` (a problem over its points);
        the value must be in the first row."""
        column = self.columns.index(header) + 1
        self.sheet.merge_cells(
            start_row=first, start_column=column, end_row=last, end_column=column
        )

    def letter(self, header: str) -> str:
        return get_column_letter(self.columns.index(header) + 1)

    def to_bytes(self) -> bytes:
        buffer = BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()
