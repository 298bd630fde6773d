"""Where the header of an office's plan is, and what each of its columns means.

Offices write the header in one row or in two: a merged parent ("责任单位", "整改时限",
"责任人") over its sub-columns ("牵头单位 | 配合单位", "阶段目标 | 最终时限",
"姓名 | 职务 | 联系电话"), the single columns merged down over both rows or left blank in the
second. Lines above the header ("附件2", the plan's title, "填报单位：… 填报日期：…") are not
headers: a header names at least two known columns. A sub-column means what its parent and
its own name say together (整改时限/最终时限 → deadline, 整改时限/阶段目标 → the stage deadline,
责任人/姓名 → person).

Every column ends up either imported or listed in `HeaderLayout.ignored` with the reason
(unknown name, read but not imported, duplicate, no name), so nothing is dropped unseen.
"""

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from exchange.plan_import.cells import parse_numbering
from exchange.plan_import.columns import (
    GENERIC_SUB_HEADERS,
    HEADER_LOOKUP,
    NOT_IMPORTED,
    SUB_COLUMNS,
    normalize_header,
)

HEADER_SCAN_ROWS = 20
# Keys read into a row but not column keys of the spec (listed as not imported).
_PSEUDO_KEYS = frozenset({"person_title"})
_CHILD_WORDS = frozenset(
    {child for children in SUB_COLUMNS.values() for child in children} | GENERIC_SUB_HEADERS
)


@dataclass(frozen=True)
class IgnoredColumn:
    """A column of the file that the import does not store, and why."""

    column: str  # the letter Excel shows
    header: str  # as written ("责任人/职务"), or "（无列名）"
    reason: str

    def as_dict(self) -> dict:
        return {"column": self.column, "header": self.header, "reason": self.reason}


@dataclass
class HeaderLayout:
    first_row: int
    last_row: int
    keys: dict[int, str]  # 0-based column index → column key, for the columns to read
    names: dict[int, str]  # 0-based column index → the header as written, for every column
    ignored: list[IgnoredColumn] = field(default_factory=list)
    # Columns without a name (none at all, or an unnamed sub-column of a merged parent):
    # index → (header shown, reason). Listed only when some data row fills them.
    unnamed: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def score(self) -> int:
        return len({k for k in self.keys.values() if k not in _PSEUDO_KEYS})

    @property
    def headers(self) -> dict[str, str]:
        return {key: self.names[index] for index, key in self.keys.items()}


class _Grid:
    """The first rows of a sheet with their merged ranges, 1-based like Excel."""

    def __init__(self, sheet, rows: int):
        self.values = [
            list(row) for row in sheet.iter_rows(min_row=1, max_row=rows, values_only=True)
        ]
        self.width = max((len(r) for r in self.values), default=0)
        self.merges = [
            (m.min_row, m.min_col, m.max_row, m.max_col)
            for m in sheet.merged_cells.ranges
            if m.min_row <= rows
        ]

    def raw(self, row: int, col: int) -> object:
        if row > len(self.values) or col > len(self.values[row - 1]):
            return None
        return self.values[row - 1][col - 1]

    def merge_at(self, row: int, col: int):
        for merge in self.merges:
            if merge[0] <= row <= merge[2] and merge[1] <= col <= merge[3]:
                return merge
        return None

    def text(self, row: int, col: int) -> str:
        """The cell's text as shown: a cell under a merge shows the merge's value."""
        merge = self.merge_at(row, col)
        value = self.raw(merge[0], merge[1]) if merge else self.raw(row, col)
        return "" if value is None else str(value).strip()


def _known(text: str) -> bool:
    return normalize_header(text) in HEADER_LOOKUP


def _is_sub_header(grid: _Grid, row: int) -> bool:
    """Is `row + 1` the second row of a header whose first row is `row`?"""
    below = row + 1
    parents = [grid.text(row, c) for c in range(1, grid.width + 1)]
    if sum(1 for t in parents if t) < 2 or not any(_known(t) for t in parents if t):
        return False
    subs: list[tuple[int, str]] = []
    for col in range(1, grid.width + 1):
        merge = grid.merge_at(below, col)
        if merge and merge[0] <= row:
            continue  # a header cell merged down over both rows
        if merge and col != merge[1]:
            continue
        value = grid.raw(below, col)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str) or len(value.strip()) > 20:
            return False
        subs.append((col, value.strip()))
    if not subs or any(parse_numbering(t).number for _c, t in subs):
        return False  # nothing below, or a numbered section heading ("一、…") is data
    vocabulary = [_known(t) or normalize_header(t) in _CHILD_WORDS for _c, t in subs]
    # (a) every sub-header sits under a parent merged across columns (or an empty cell), and
    # at least one under such a parent; (b) or every one is a header word in its own right.
    spans = []
    for col, _text in subs:
        merge = grid.merge_at(row, col)
        if merge and merge[0] == row and merge[3] > merge[1]:
            spans.append(True)
        elif merge is None and grid.raw(row, col) is None:
            spans.append(False)
        else:
            spans = []
            break
    if spans and any(spans) and (len(subs) >= 2 or any(vocabulary)):
        return True
    return all(vocabulary)


def _resolve(parent: str, child: str) -> tuple[str | None, str]:
    """(column key or None, header as shown) of one column from its parent and child."""
    parent_key = HEADER_LOOKUP.get(normalize_header(parent)) if parent else None
    if not child:
        return parent_key, parent
    shown = f"{parent}/{child}" if parent else child
    name = normalize_header(child)
    if parent_key and name in SUB_COLUMNS.get(parent_key, {}):
        return SUB_COLUMNS[parent_key][name], shown
    if name in HEADER_LOOKUP:
        return HEADER_LOOKUP[name], child
    if parent_key and name in GENERIC_SUB_HEADERS:
        return parent_key, shown
    return None, shown


def _unnamed_reason(parent: str, position: int) -> str:
    if HEADER_LOOKUP.get(normalize_header(parent)) in ("responsible", "lead", "coop"):
        hint = "如为配合单位，请在该列表头补写“配合单位”"
    else:
        hint = "请在该列表头补写列名"
    return f"合并表头“{parent}”下的第{position}列没有子列名，其内容未导入（{hint}）"


def _layout(grid: _Grid, row: int, two_rows: bool) -> HeaderLayout:
    below = row + 1
    parents: dict[int, str] = {}
    children: dict[int, str] = {}
    positions: dict[int, int] = {}  # column → its position under a parent merged across
    for col in range(1, grid.width + 1):
        merge = grid.merge_at(row, col)
        parents[col] = grid.text(row, col)
        if merge and merge[3] > merge[1] and merge[0] == row:
            positions[col] = col - merge[1] + 1
        if two_rows:
            sub = grid.merge_at(below, col)
            if sub and (sub[0] <= row or col != sub[1]):
                children[col] = ""  # merged down from the parent, or inside a merged child
            else:
                children[col] = grid.text(below, col)
    if two_rows:
        # A parent typed once over unmerged sub-columns ("责任单位" | "" over 牵头 | 配合).
        for col in range(2, grid.width + 1):
            if (
                not parents[col]
                and children.get(col)
                and children.get(col - 1)
                and parents[col - 1]
                and grid.merge_at(row, col) is None
            ):
                parents[col] = parents[col - 1]
                positions.setdefault(col - 1, 1)
                positions[col] = positions[col - 1] + 1

    keys: dict[int, str] = {}
    names: dict[int, str] = {}
    ignored: list[IgnoredColumn] = []
    unnamed: dict[int, tuple[str, str]] = {}
    first_of: dict[str, int] = {}
    merged_has_child = {
        col: any(
            children.get(c)
            for c in range(1, grid.width + 1)
            if positions.get(c) and parents[c] == parents[col]
        )
        for col in positions
    }
    for col in range(1, grid.width + 1):
        parent, child = parents[col], children.get(col, "")
        index, letter = col - 1, get_column_letter(col)
        if not parent and not child:
            unnamed[index] = ("（无列名）", "没有列名，其内容未导入")
            continue
        if not child and positions.get(col, 1) > 1:
            # The second or later column under a parent merged across, with no sub-name.
            shown = f"{parent}（第{positions[col]}列）"
            unnamed[index] = (shown, _unnamed_reason(parent, positions[col]))
            continue
        if not child and positions.get(col) == 1 and merged_has_child.get(col):
            shown = f"{parent}（第1列）"
            unnamed[index] = (shown, _unnamed_reason(parent, 1))
            continue
        key, shown = _resolve(parent, child)
        names[index] = shown
        if key is None:
            ignored.append(IgnoredColumn(letter, shown, "未识别的列名，其内容未导入"))
            continue
        if key in first_of:
            first = get_column_letter(first_of[key] + 1)
            ignored.append(IgnoredColumn(letter, shown, f"与{first}列重复，只导入{first}列"))
            continue
        first_of[key] = index
        if key in NOT_IMPORTED:
            ignored.append(IgnoredColumn(letter, shown, NOT_IMPORTED[key]))
        if key not in _PSEUDO_KEYS:
            keys[index] = key
    # Plain 责任单位 is the packed cell of a 公示表 when there is no 牵头单位 column, and the
    # territorial unit otherwise (variant 2).
    has_lead = "lead" in keys.values()
    for index, key in list(keys.items()):
        if key == "responsible":
            target = "territorial" if has_lead else "packed"
            if target in keys.values():
                letter = get_column_letter(index + 1)
                first = get_column_letter(next(i for i, k in keys.items() if k == target) + 1)
                ignored.append(
                    IgnoredColumn(letter, names[index], f"与{first}列重复，只导入{first}列")
                )
                del keys[index]
            else:
                keys[index] = target
    ignored.sort(key=lambda c: (len(c.column), c.column))
    return HeaderLayout(row, below if two_rows else row, keys, names, ignored, unnamed)


def find_header(sheet) -> HeaderLayout | None:
    """The best header among the sheet's first rows (at least two known columns), or None."""
    grid = _Grid(sheet, HEADER_SCAN_ROWS + 1)
    best: HeaderLayout | None = None
    for row in range(1, min(HEADER_SCAN_ROWS, len(grid.values)) + 1):
        layout = _layout(grid, row, _is_sub_header(grid, row))
        if layout.score >= 2 and (best is None or layout.score > best.score):
            best = layout
    if best is not None:
        # Header cells merged down over a row below the header (a tall one-row header, or a
        # two-row one drawn over three): that row is part of the header, not data.
        best.last_row = max(
            [best.last_row]
            + [
                m[2]
                for m in grid.merges
                if best.first_row <= m[0] <= best.last_row and m[2] <= best.last_row + 2
            ]
        )
    return best
