"""The 整改台账 export in the official layout (DOMAIN.md §2 recommended header).

One row per task, grouped under its problem with the problem cells merged vertically; a
title row, a frozen header, print setup for A3 landscape; a 汇总 sheet with each round's
headline and totals. Written in openpyxl's write-only mode from `.values().iterator()`, so
memory stays bounded however many tasks are exported; merges are known when a problem's
group ends (rows come ordered by problem) and are written at the end of the sheet.

Every text cell goes through `safe_text`: a cell starting with = + - @ or a control
character is prefixed with an apostrophe so that no exported cell is ever a formula.
"""

import re
import tempfile
from collections import defaultdict
from datetime import date

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from accounts import clock
from inspections.models import InspectionRound
from inspections.plan_import.cells import format_deadline
from inspections.plan_import.columns import COLUMNS
from rectification.choices import AssignmentRole, ScheduleStatus, TaskStatus, WarningLevel
from rectification.models import Assignment, ProgressReport, Task
from rectification.selectors import round_headline, task_totals, totals_by_round

CHUNK = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Characters XML 1.0 cannot hold (openpyxl raises on them); \t \n \r are kept inside text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CN_NUM = "零一二三四五六七八九十"

STATUS = dict(TaskStatus.choices)
SCHEDULE = dict(ScheduleStatus.choices)
WARNING = dict(WarningLevel.choices)

TASK_FIELDS = (
    "id",
    "code",
    "name",
    "region__name",
    "water_body",
    "lng",
    "lat",
    "goal",
    "measures",
    "deadline_type",
    "deadline",
    "is_ongoing",
    "status",
    "schedule_status",
    "warning_level",
    "closed_at",
    "problem_id",
    "problem__code",
    "problem__title",
    "problem__original_text",
    "problem__source",
    "problem__leader__name",
    "problem__leader__title",
    "problem__category__title",
    "problem__category__seq",
    "problem__category__aspect__title",
    "problem__category__aspect__seq",
    "round__name",
)
PROBLEM_KEYS = [c.key for c in COLUMNS if c.problem_level]
COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS, start=1)}


def safe_text(value: object) -> object:
    """Text that a spreadsheet will show, never evaluate."""
    if not isinstance(value, str):
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN_NUM[n]
    if n < 20:
        return "十" + (_CN_NUM[n - 10] if n > 10 else "")
    if n < 100:
        return _CN_NUM[n // 10] + "十" + (_CN_NUM[n % 10] if n % 10 else "")
    return str(n)


def _numbered(seq: int | None, title: str | None, fmt: str) -> str:
    if not title:
        return ""
    if seq is None or re.match(r"^([（(]?[一二三四五六七八九十\d]+[）)、.．])", title):
        return title
    return fmt.format(cn=_cn_number(seq), n=seq) + title


def _source_label(code: str) -> str:
    from inspections.choices import ProblemSource

    return str(dict(ProblemSource.choices).get(code, code))


def _unit_cells(assignments: list[dict]) -> dict[str, str]:
    by_role: dict[str, list[str]] = defaultdict(list)
    person, phone = "", ""
    for a in assignments:
        by_role[a["role"]].append(a["unit__short_name"] or a["unit__name"])
        if a["role"] == AssignmentRole.LEAD and a["person__name"]:
            person, phone = a["person__name"], a["person__phone"] or ""
    return {
        "lead": "、".join(by_role[AssignmentRole.LEAD]),
        # Sector authorities (行业主管部门) have no column of their own in the official layout:
        # they ride in 配合单位 with a marker the importer reads back.
        "coop": "、".join(
            [
                *by_role[AssignmentRole.COOP],
                *(f"{n}（行业主管部门）" for n in by_role[AssignmentRole.SECTOR]),
            ]
        ),
        "territorial": "、".join(by_role[AssignmentRole.TERRITORIAL]),
        "person": person,
        "phone": phone,
    }


def _row_values(task: dict, seq: int, units: dict[str, str], progress: str) -> dict[str, object]:
    leader = task["problem__leader__title"] or task["problem__leader__name"] or ""
    closed_at = timezone.localtime(task["closed_at"]).date() if task["closed_at"] else None
    return {
        "seq": seq,
        "problem_code": task["problem__code"],
        "round": task["round__name"],
        "source": _source_label(task["problem__source"]),
        "aspect": _numbered(
            task["problem__category__aspect__seq"],
            task["problem__category__aspect__title"],
            "{cn}、",
        ),
        "category": _numbered(
            task["problem__category__seq"], task["problem__category__title"], "{n}."
        ),
        "problem": task["problem__title"],
        "task_code": task["code"],
        "point": task["name"],
        "county": task["region__name"],
        "water_body": task["water_body"],
        "lng": float(task["lng"]) if task["lng"] is not None else None,
        "lat": float(task["lat"]) if task["lat"] is not None else None,
        "description": task["problem__original_text"],
        "goal": task["goal"],
        "measures": task["measures"],
        "leader": leader,
        **units,
        "deadline": format_deadline(task["deadline_type"], task["deadline"], task["is_ongoing"]),
        "progress": progress,
        "schedule": str(SCHEDULE.get(task["schedule_status"], ""))
        if task["schedule_status"] != ScheduleStatus.NA
        else "",
        "status": str(STATUS.get(task["status"], task["status"])),
        "warning": str(WARNING.get(task["warning_level"], ""))
        if task["warning_level"] != WarningLevel.NONE
        else "",
        "closed": "是" if task["status"] == TaskStatus.CLOSED else "否",
        "closed_at": closed_at,
        "remark": "",
    }


class _Styles:
    def __init__(self):
        thin = Side(style="thin", color="999999")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.wrap = Alignment(vertical="center", wrap_text=True)
        self.header_fill = PatternFill("solid", fgColor="DDEBF7")


def write_ledger(
    tasks: QuerySet[Task], *, out, title_region: str = "", today: date | None = None
) -> int:
    """Write the ledger of an already scoped and filtered task queryset to `out` (a path or
    a binary file object). Returns the number of task rows."""
    today = today or clock.today()
    workbook = Workbook(write_only=True)
    styles = _Styles()
    sheet = workbook.create_sheet("整改台账")
    for index, column in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width + 2
    last = get_column_letter(len(COLUMNS))
    sheet.freeze_panes = "A3"
    sheet.print_title_rows = "1:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True

    title = WriteOnlyCell(
        sheet,
        safe_text(
            f"{title_region}生态环境保护督察整改台账（截至{today.year}年{today.month}月{today.day}日）"
        ),
    )
    title.font = Font(bold=True, size=16)
    title.alignment = Alignment(horizontal="center", vertical="center")
    sheet.append([title])
    header = []
    for column in COLUMNS:
        cell = WriteOnlyCell(sheet, column.header)
        cell.font = Font(bold=True)
        cell.fill = styles.header_fill
        cell.border = styles.border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        header.append(cell)
    sheet.append(header)
    # Merge refs as plain strings: the writer only calls str() on each, and strings are far
    # lighter than CellRange objects for tens of thousands of groups.
    merges: list[str] = [f"A1:{last}1"]

    rows = (
        tasks.order_by("round__sort", "round_id", "problem__seq", "problem_id", "seq", "id")
        .values(*TASK_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    row_number = 2
    count = 0
    group_problem, group_start = None, 3

    def close_group(end_row: int) -> None:
        if group_problem is not None and end_row > group_start:
            for key in PROBLEM_KEYS:
                letter = get_column_letter(COLUMN_INDEX[key])
                merges.append(f"{letter}{group_start}:{letter}{end_row}")

    for chunk in _chunks(rows, CHUNK):
        ids = [t["id"] for t in chunk]
        assignments: dict[int, list[dict]] = defaultdict(list)
        for a in (
            Assignment.objects.filter(task_id__in=ids)
            .order_by("task_id", "sort", "id")
            .values(
                "task_id", "role", "unit__name", "unit__short_name", "person__name", "person__phone"
            )
        ):
            assignments[a["task_id"]].append(a)
        progress: dict[int, str] = {}
        for r in (
            ProgressReport.objects.filter(task_id__in=ids)
            .order_by("task_id", "-submitted_at", "-id")
            .values("task_id", "progress_text")
        ):
            progress.setdefault(r["task_id"], r["progress_text"])
        for task in chunk:
            row_number += 1
            count += 1
            if task["problem_id"] != group_problem:
                close_group(row_number - 1)
                group_problem, group_start = task["problem_id"], row_number
            values = _row_values(
                task, count, _unit_cells(assignments[task["id"]]), progress.get(task["id"], "")
            )
            out_row = []
            for column in COLUMNS:
                value = safe_text(values.get(column.key))
                if isinstance(value, date):
                    cell = WriteOnlyCell(sheet, value)
                    cell.number_format = "yyyy-mm-dd"
                    out_row.append(cell)
                else:
                    out_row.append(value)
            sheet.append(out_row)
    close_group(row_number)
    sheet.merged_cells = merges
    _write_summary(workbook, tasks, today=today, styles=styles)
    workbook.save(out)
    return count


def _chunks(iterator, size):
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


SUMMARY_HEADERS = (
    "代码",
    "名称",
    "类型",
    "层级",
    "被督察地区",
    "反馈问题",
    "任务总数",
    "已销号",
    "公示中",
    "验收中",
    "整改中",
    "逾期",
    "未达到序时",
    "红灯",
    "黄牌",
    "完成率（%）",
)


def _write_summary(workbook, tasks: QuerySet[Task], *, today: date, styles: _Styles) -> None:
    sheet = workbook.create_sheet("汇总")
    for index, width in enumerate((12, 40, 16, 8, 12, 14, *([9] * 10)), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    title = WriteOnlyCell(sheet, f"督察整改情况汇总（截至{today:%Y-%m-%d}）")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    header = []
    for text in SUMMARY_HEADERS:
        cell = WriteOnlyCell(sheet, text)
        cell.font = Font(bold=True)
        cell.fill = styles.header_fill
        header.append(cell)
    sheet.append(header)
    by_round = totals_by_round(tasks, today=today)
    rounds = InspectionRound.objects.filter(pk__in=list(by_round)).select_related("region")
    for rnd in rounds.order_by("sort", "id"):
        t = by_round[rnd.pk]
        sheet.append(
            [
                safe_text(v)
                for v in (
                    rnd.code,
                    rnd.name,
                    rnd.get_kind_display(),
                    rnd.get_level_display(),
                    rnd.region.name,
                    str(round_headline(rnd)),
                    t.total,
                    t.closed,
                    t.publicizing,
                    t.in_review,
                    t.in_progress,
                    t.overdue,
                    t.behind,
                    t.red,
                    t.yellow,
                    t.completion_rate,
                )
            ]
        )
    total = task_totals(tasks, today=today)
    sheet.append(
        [
            "合计",
            "",
            "",
            "",
            "",
            "",
            total.total,
            total.closed,
            total.publicizing,
            total.in_review,
            total.in_progress,
            total.overdue,
            total.behind,
            total.red,
            total.yellow,
            total.completion_rate,
        ]
    )


def ledger_file(tasks: QuerySet[Task], *, title_region: str = "", today: date | None = None):
    """The ledger in an anonymous temporary file (deleted when closed), rewound for reading."""
    # The caller (a FileResponse) closes it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    write_ledger(tasks, out=handle, title_region=title_region, today=today)
    handle.seek(0)
    return handle
