"""Rows that are part of the sheet but not of the table: notes and signatures below it
("注：…", "备注：…", "填报人：", "审核人：", "联系电话：", "填报单位（盖章）", "制表：", the date),
and the column-number row (1 2 3 …) some offices put under the header.

They are skipped and listed in the preview as 已忽略的表尾行, never read as a problem.
"""

import re
from dataclasses import dataclass
from datetime import date

# A label that opens a note or a signature line: "注：", "注1：", "备注:", "填报人：", "（盖章）".
_LABEL = re.compile(
    r"^[（(]?\s*(注|注释|备注|说明|附注|填表说明|填报说明|填报人|填表人|填报单位|报送单位|制表单位"
    r"|制表人|制表|审核人|审核|审定|审签|签发人|签发|负责人|单位负责人|分管领导|主要领导|联系人"
    r"|联系电话|电话|填报日期|报送日期|填表日期|日期|时间)\s*\d*\s*[:：]"
)
_SEAL = re.compile(r"[（(]\s*(盖章|公章|签章|签字|签名)\s*[）)]")
_DATE = re.compile(r"^\d{4}\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?$")
# A unit signing the table (the last lines: "示范市环督办", "市生态环境保护督察整改工作领导小组办公室").
_SIGNER = re.compile(r"(办公室|督办|局|委|委员会|政府|管委会|领导小组)$")
MAX_SIGNATURE_CELL = 40
MAX_SIGNATURE_CELLS = 8


@dataclass(frozen=True)
class IgnoredRow:
    row: int
    text: str

    def as_dict(self) -> dict:
        return {"row": self.row, "text": self.text}


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def row_text(cells: list[object]) -> str:
    return "　".join(_text(v) for v in cells)[:300]


def is_date_line(cells: list[object]) -> bool:
    """The signing date alone on the last line: "2020年3月10日" (a full date, not a month,
    which could be a task's deadline)."""
    if len(cells) != 1:
        return False
    value = cells[0]
    if isinstance(value, date):
        return True
    return isinstance(value, str) and bool(_DATE.match(value.strip()))


def is_signature_line(cells: list[object]) -> bool:
    """A note or signature row: it opens with a label (注：, 填报人：…) or a seal mark, and
    what follows is short (names, phones, dates), except a note's own text."""
    if not cells or len(cells) > MAX_SIGNATURE_CELLS or not isinstance(cells[0], str):
        return False
    first = cells[0].strip()
    if not (_LABEL.match(first) or _SEAL.search(first)):
        return False
    return all(len(_text(v)) <= MAX_SIGNATURE_CELL for v in cells[1:])


def is_signer_line(cells: list[object]) -> bool:
    return (
        len(cells) == 1
        and isinstance(cells[0], str)
        and len(cells[0].strip()) <= MAX_SIGNATURE_CELL
        and bool(_SIGNER.search(cells[0].strip()))
    )


def is_column_number_row(cells: list[object]) -> bool:
    """ "1 2 3 4 …" under the header: the columns' numbers, not data."""
    numbers = []
    for value in cells:
        text = _text(value)
        if not text.isdigit():
            return False
        numbers.append(int(text))
    return len(numbers) >= 3 and numbers == list(range(numbers[0], numbers[0] + len(numbers)))


def split_footer(rows: list, cells_of) -> tuple[list, list[IgnoredRow]]:
    """(table rows, ignored rows). `cells_of(row)` gives the row's non-empty cell values in
    column order, as written (before merged cells are carried down).

    A signature or note row is skipped wherever it is. Below the last table row, every line
    after the first note or signature (the note's continuation "2.…", a seal, the date) is
    skipped too, and so is a unit's name signing just above it.
    """
    ignored: dict[int, IgnoredRow] = {}
    # The trailing block: walk up from the end while the rows look like notes or lone lines.
    start = len(rows)
    for i in range(len(rows) - 1, -1, -1):
        cells = cells_of(rows[i])
        if is_signature_line(cells) or is_date_line(cells) or len(cells) == 1:
            start = i
            continue
        break
    last = len(rows) - 1
    first_footer = next(
        (
            i
            for i in range(start, len(rows))
            if is_signature_line(cells_of(rows[i]))
            or (i == last and is_date_line(cells_of(rows[i])))
        ),
        None,
    )
    if first_footer is not None:
        while first_footer > start and is_signer_line(cells_of(rows[first_footer - 1])):
            first_footer -= 1
        for row in rows[first_footer:]:
            ignored[row.number] = IgnoredRow(row.number, row_text(cells_of(row)))
    for row in rows:
        if row.number not in ignored and is_signature_line(cells_of(row)):
            ignored[row.number] = IgnoredRow(row.number, row_text(cells_of(row)))
    kept = [row for row in rows if row.number not in ignored]
    return kept, sorted(ignored.values(), key=lambda r: r.row)
