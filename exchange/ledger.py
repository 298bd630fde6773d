"""The 整改台账 export in the official layout (docs/domain.md §2 recommended header).

One row per task, grouped under its problem with the problem cells merged vertically; a
title row, a frozen header, print setup for A3 landscape; a 汇总 sheet with each round's
headline and totals. Written with XlsxWriter in constant_memory mode (each row goes to disk
as soon as the next one starts) from `.values_list().iterator()` (a server-side cursor on
PostgreSQL), so memory stays bounded however many tasks are exported. Rows come ordered by
problem, so a problem's merges are known when its group ends; they are recorded then and
written after the rows, as Excel wants them. Problem cells are repeated on every row of
their group (under the merge), so a reader that ignores merges still sees them.

Every text cell goes through `safe_text`: a cell starting with = + - @ or a control
character is prefixed with an apostrophe, and characters XML cannot hold are dropped. Text
is written with `write_string` into a workbook whose strings_to_formulas / strings_to_urls
are off, so no exported cell is ever a formula or a link. Dates are real dates shown as
yyyy-mm-dd.
"""

import re
import tempfile
from collections.abc import Iterable, Iterator
from datetime import date

import xlsxwriter
from django.db.models import QuerySet
from django.utils import timezone

from accounts import clock
from exchange.plan_import.cells import format_deadline
from exchange.plan_import.columns import COLUMNS
from inspections.choices import ProblemSource
from inspections.models import InspectionRound
from rectification.choices import AssignmentRole, ScheduleStatus, TaskStatus, WarningLevel
from rectification.models import Assignment, ProgressReport, Task
from rectification.selectors import round_headline, task_totals, totals_by_round

CHUNK = 2000
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
# Characters XML 1.0 cannot hold; \t \n \r are kept inside text.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Anything `safe_text` would change: one search clears the common, clean text.
_UNSAFE = re.compile(r"^[=+\-@\t\r\n]|[\x00-\x08\x0b\x0c\x0e-\x1f]")
_CN_NUM = "零一二三四五六七八九十"

LEDGER_SHEET = "整改台账"
SUMMARY_SHEET = "汇总"
PAPER_A3 = 8
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    # Text stays text: never a formula, a hyperlink or a number.
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# Excel's day 0 in the 1900 date system (serial 1 is 1900-01-01, counting the 1900-02-29 that
# never was, which is why day 0 is 1899-12-30 for every date after February 1900).
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()

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
    "extension_count",
    "original_deadline",
    "status",
    "schedule_status",
    "warning_level",
    "closed_at",
    "problem_id",
)
# Read once per problem, when its group starts.
PROBLEM_FIELDS = (
    "problem__code",
    "round__name",
    "problem__source",
    "problem__category__aspect__seq",
    "problem__category__aspect__title",
    "problem__category__seq",
    "problem__category__title",
    "problem__title",
    "problem__original_text",
    "problem__leader__title",
    "problem__leader__name",
)
_PROBLEM_START = len(TASK_FIELDS)

COLUMN_INDEX = {c.key: i for i, c in enumerate(COLUMNS)}  # 0-based, as XlsxWriter counts
PROBLEM_KEYS = [c.key for c in COLUMNS if c.problem_level]
PROBLEM_COLUMNS = tuple(COLUMN_INDEX[k] for k in PROBLEM_KEYS)
# The task-level text cells, in the order `write_ledger` builds them.
TEXT_COLUMNS = tuple(
    COLUMN_INDEX[k]
    for k in (
        "task_code",
        "point",
        "county",
        "water_body",
        "goal",
        "measures",
        "lead",
        "coop",
        "territorial",
        "person",
        "phone",
        "extended",
        "progress",
        "schedule",
        "status",
        "warning",
        "closed",
    )
)
(SEQ, LNG, LAT, DEADLINE, CLOSED_AT) = (
    COLUMN_INDEX[k] for k in ("seq", "lng", "lat", "deadline", "closed_at")
)
_NO_UNITS = ("", "", "", "", "")


def safe_text(value: object) -> object:
    """Text that a spreadsheet will show, never evaluate."""
    if not isinstance(value, str) or _UNSAFE.search(value) is None:
        return value
    value = _ILLEGAL.sub("", value)
    if value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _safe(value: str | None) -> str:
    """`safe_text` for a text field that may be empty or NULL ("" then)."""
    if not value:
        return ""
    if _UNSAFE.search(value) is None:
        return value
    return safe_text(value)


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


def _extended(count: int, original: date | None) -> str:
    """ "已延期 2 次（原定 2019-12-31）", or "" for a task never extended."""
    if not count:
        return ""
    return f"已延期 {count} 次" + (f"（原定 {original:%Y-%m-%d}）" if original else "")


def _excel_date(value: date) -> int:
    return value.toordinal() - _EXCEL_EPOCH


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook):
        fill = {"bold": True, "pattern": 1, "bg_color": "#DDEBF7"}
        self.title = workbook.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        self.header = workbook.add_format(
            {
                **fill,
                "border": 1,
                "border_color": "#999999",
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
            }
        )
        self.summary_title = workbook.add_format({"bold": True, "font_size": 14})
        self.summary_header = workbook.add_format(fill)
        self.date = workbook.add_format({"num_format": "yyyy-mm-dd"})


class _Labels:
    """The choice labels as plain text, made once per export (they are lazy translations,
    and turning one into text on every row costs more than the row's other cells)."""

    def __init__(self):
        self.source = {k: str(v) for k, v in ProblemSource.choices}
        self.status = {k: str(v) for k, v in TaskStatus.choices}
        self.schedule = {k: str(v) for k, v in ScheduleStatus.choices}
        self.schedule[ScheduleStatus.NA] = ""
        self.warning = {k: str(v) for k, v in WarningLevel.choices}
        self.warning[WarningLevel.NONE] = ""


def write_ledger(
    tasks: QuerySet[Task], *, out, title_region: str = "", today: date | None = None
) -> int:
    """Write the ledger of an already scoped and filtered task queryset to `out` (a path or
    a binary file object). Returns the number of task rows."""
    today = today or clock.today()
    # constant_memory keeps each sheet's rows in a temporary file until the workbook is
    # zipped; a directory of our own takes them away even if the export fails half way.
    with tempfile.TemporaryDirectory(prefix="ledger-") as tmpdir:
        workbook = xlsxwriter.Workbook(out, {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})
        formats = _Formats(workbook)
        count = _write_ledger_sheet(workbook, formats, tasks, title_region, today)
        _write_summary(workbook, formats, tasks, today=today)
        workbook.close()
    return count


def _write_ledger_sheet(workbook, formats: _Formats, tasks, title_region: str, today) -> int:
    sheet = workbook.add_worksheet(LEDGER_SHEET)
    for index, column in enumerate(COLUMNS):
        sheet.set_column(index, index, column.width + 2)
    sheet.freeze_panes(2, 0)
    sheet.repeat_rows(0, 1)
    sheet.set_landscape()
    sheet.set_paper(PAPER_A3)
    sheet.fit_to_pages(1, 0)
    sheet.center_horizontally()
    title = (
        f"{title_region}生态环境保护督察整改台账（截至{today.year}年{today.month}月{today.day}日）"
    )
    sheet.merge_range(0, 0, 0, len(COLUMNS) - 1, safe_text(title), formats.title)
    for index, column in enumerate(COLUMNS):
        sheet.write_string(1, index, column.header, formats.header)

    labels = _Labels()
    status_label, schedule_label, warning_label = labels.status, labels.schedule, labels.warning
    closed_status = TaskStatus.CLOSED.value
    localtime = timezone.localtime
    write_string, write_number, date_format = sheet.write_string, sheet.write_number, formats.date
    rows = (
        tasks.order_by("round__sort", "round_id", "problem__seq", "problem_id", "seq", "id")
        .values_list(*TASK_FIELDS, *PROBLEM_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    row = 1
    count = 0
    group_problem, group_start, problem_cells = None, 2, ()
    for chunk in _chunks(rows, CHUNK):
        units, progress = _chunk_lookups([task[0] for task in chunk])
        for task in chunk:
            (
                task_id,
                code,
                name,
                county,
                water_body,
                lng,
                lat,
                goal,
                measures,
                deadline_type,
                deadline,
                is_ongoing,
                extension_count,
                original_deadline,
                status,
                schedule_status,
                warning_level,
                closed_at,
                problem_id,
            ) = task[:_PROBLEM_START]
            row += 1
            count += 1
            if problem_id != group_problem:
                _merge_down(sheet, group_start, row - 1)
                group_problem, group_start = problem_id, row
                problem_cells = _problem_cells(task[_PROBLEM_START:], labels)
            for index, text in problem_cells:
                write_string(row, index, text)
            write_number(row, SEQ, count)
            lead, coop, territorial, person, phone = units.get(task_id, _NO_UNITS)
            texts = (
                _safe(code),
                _safe(name),
                _safe(county),
                _safe(water_body),
                _safe(goal),
                _safe(measures),
                lead,
                coop,
                territorial,
                person,
                phone,
                _extended(extension_count, original_deadline),
                _safe(progress.get(task_id)),
                schedule_label.get(schedule_status, ""),
                status_label.get(status, status),
                warning_label.get(warning_level, ""),
                "是" if status == closed_status else "否",
            )
            for index, text in zip(TEXT_COLUMNS, texts, strict=True):
                if text:
                    write_string(row, index, text)
            if lng is not None:
                write_number(row, LNG, float(lng))
            if lat is not None:
                write_number(row, LAT, float(lat))
            limit = format_deadline(deadline_type, deadline, is_ongoing)
            if isinstance(limit, date):
                write_number(row, DEADLINE, _excel_date(limit), date_format)
            else:
                write_string(row, DEADLINE, _safe(limit))
            if closed_at is not None:
                write_number(row, CLOSED_AT, _excel_date(localtime(closed_at).date()), date_format)
    _merge_down(sheet, group_start, row)
    return count


def _merge_down(sheet, first_row: int, last_row: int) -> None:
    """Merge the problem columns over one problem's rows, which are already written.

    merge_range() would rewrite the top cell (too late in constant_memory mode: that row is
    on disk) and keeps a map of every merged cell for its overlap check, 8 entries a row
    that are never freed (~150 MB at 100k rows). These ranges cannot overlap (one per
    problem and column), so only the ranges are recorded: XlsxWriter writes `merge` as the
    sheet's <mergeCells> after the rows."""
    if last_row > first_row:
        sheet.merge.extend((first_row, col, last_row, col) for col in PROBLEM_COLUMNS)


def _problem_cells(fields: tuple, labels: _Labels) -> tuple[tuple[int, str], ...]:
    (
        code,
        round_name,
        source,
        aspect_seq,
        aspect_title,
        category_seq,
        category_title,
        title,
        original_text,
        leader_title,
        leader_name,
    ) = fields
    values = {
        "problem_code": code,
        "round": round_name,
        "source": labels.source.get(source, source),
        "aspect": _numbered(aspect_seq, aspect_title, "{cn}、"),
        "category": _numbered(category_seq, category_title, "{n}."),
        "problem": title,
        "description": original_text,
        "leader": leader_title or leader_name,
    }
    cells = ((COLUMN_INDEX[key], _safe(values[key])) for key in PROBLEM_KEYS)
    return tuple((index, text) for index, text in cells if text)


def _chunk_lookups(ids: list[int]) -> tuple[dict[int, tuple[str, ...]], dict[int, str]]:
    """The unit cells and the latest progress text of one chunk of tasks, two queries."""
    by_task: dict[int, list[tuple]] = {}
    for task_id, *assignment in (
        Assignment.objects.filter(task_id__in=ids)
        .order_by("task_id", "sort", "id")
        .values_list(
            "task_id", "role", "unit__name", "unit__short_name", "person__name", "person__phone"
        )
    ):
        by_task.setdefault(task_id, []).append(assignment)
    units = {task_id: _unit_cells(assignments) for task_id, assignments in by_task.items()}
    progress: dict[int, str] = {}
    for task_id, text in (
        ProgressReport.objects.filter(task_id__in=ids)
        .order_by("task_id", "-submitted_at", "-id")
        .values_list("task_id", "progress_text")
    ):
        progress.setdefault(task_id, text)
    return units, progress


def _unit_cells(assignments: list) -> tuple[str, str, str, str, str]:
    """牵头单位, 配合单位, 责任单位（属地）, 责任人, 联系电话 of one task."""
    lead: list[str] = []
    coop: list[str] = []
    sector: list[str] = []
    territorial: list[str] = []
    by_role = {
        AssignmentRole.LEAD: lead,
        AssignmentRole.COOP: coop,
        AssignmentRole.SECTOR: sector,
        AssignmentRole.TERRITORIAL: territorial,
    }
    person, phone = "", ""
    for role, unit_name, short_name, person_name, person_phone in assignments:
        by_role[role].append(short_name or unit_name)
        if role == AssignmentRole.LEAD and person_name:
            person, phone = person_name, person_phone or ""
    # Sector authorities (行业主管部门) have no column of their own in the official layout:
    # they ride in 配合单位 with a marker the importer reads back.
    coop.extend(f"{n}（行业主管部门）" for n in sector)
    return (
        _safe("、".join(lead)),
        _safe("、".join(coop)),
        _safe("、".join(territorial)),
        _safe(person),
        _safe(phone),
    )


def _chunks(iterator: Iterable, size: int) -> Iterator[list]:
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
SUMMARY_WIDTHS = (12, 40, 16, 8, 12, 14, *([9] * 10))


def _write_summary(workbook, formats: _Formats, tasks: QuerySet[Task], *, today: date) -> None:
    sheet = workbook.add_worksheet(SUMMARY_SHEET)
    for index, width in enumerate(SUMMARY_WIDTHS):
        sheet.set_column(index, index, width)
    sheet.write_string(0, 0, f"督察整改情况汇总（截至{today:%Y-%m-%d}）", formats.summary_title)
    for index, text in enumerate(SUMMARY_HEADERS):
        sheet.write_string(1, index, text, formats.summary_header)
    row = 2
    by_round = totals_by_round(tasks, today=today)
    rounds = InspectionRound.objects.filter(pk__in=list(by_round)).select_related("region")
    for rnd in rounds.order_by("sort", "id"):
        t = by_round[rnd.pk]
        _write_plain_row(
            sheet,
            row,
            (
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
            ),
        )
        row += 1
    total = task_totals(tasks, today=today)
    _write_plain_row(
        sheet,
        row,
        (
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
        ),
    )


def _write_plain_row(sheet, row: int, values: Iterable[object]) -> None:
    """Text through `safe_text` as strings, numbers as numbers; empty cells left out."""
    for index, value in enumerate(values):
        if isinstance(value, str):
            if value:
                sheet.write_string(row, index, safe_text(value))
        elif value is not None:
            sheet.write_number(row, index, value)


def ledger_file(tasks: QuerySet[Task], *, title_region: str = "", today: date | None = None):
    """The ledger in an anonymous temporary file (deleted when closed), rewound for reading."""
    # The caller (a FileResponse) closes it.
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115
    write_ledger(tasks, out=handle, title_region=title_region, today=today)
    handle.seek(0)
    return handle
