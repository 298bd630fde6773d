"""The raw-SQL limit for each benchmark scenario (issue 6).

Each function answers the same question as a product path with hand-written SQL on Django's
connection (psycopg2 on PostgreSQL, sqlite3 at small sizes) and encodes the rows with
`json.dumps`, which is the least any implementation has to do. The SQL is portable between
the two databases (row values, FILTER and NULLS LAST need SQLite >= 3.30); where the two
differ (array_agg / group_concat) there is a vendor branch.

These are measuring sticks, not product code: nothing here applies a user's scope beyond the
region subtree the benchmark user sees, and nothing is used outside devtools.bench.
"""

import json
from datetime import date, timedelta

from django.db import connection

from accounts import clock
from rectification.api.pagination import TaskKeysetPagination
from rectification.choices import (
    WORKING_STATUSES,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.jobs.recipients import TOLD_ROLES
from rectification.jobs.reminders import REMIND_DAYS_BEFORE

CHUNK = 2000
COUNT_CAP = TaskKeysetPagination.count_cap

LIST_SELECT = """
SELECT t.id, t.code, t.name, t.round_id, r.code, t.problem_id, p.code, t.region_id, g.name,
       t.lead_unit_id, u.name, u.short_name, t.status, t.schedule_status, t.warning_level,
       t.progress_pct, t.deadline, t.original_deadline, t.is_ongoing, t.reopen_count, t.version
FROM rectification_task t
JOIN inspections_inspectionround r ON r.id = t.round_id
JOIN inspections_problem p ON p.id = t.problem_id
JOIN accounts_region g ON g.id = t.region_id
LEFT JOIN accounts_unit u ON u.id = t.lead_unit_id
"""
# The tasks the benchmark user sees: live (not withdrawn) tasks of its region subtree.
SUBTREE = (
    "t.withdrawn_at IS NULL AND t.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s)"
)
ORDER = " ORDER BY t.deadline ASC NULLS LAST, t.id ASC"


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def fetch(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def encode(payload) -> str:
    return json.dumps(payload, default=str, ensure_ascii=False)


def _where(path: str, statuses) -> tuple[str, list]:
    return (
        f" WHERE {SUBTREE} AND t.status IN ({_marks(statuses)})",
        [path + "%", *statuses],
    )


# ---------------------------------------------------------------------------------------------
# Lists


def _page(where: str, params: list, size: int) -> list[tuple]:
    """The page's ids by the index order first, then the display columns for those 50 only
    (joining before the top-N sort would join every matching row)."""
    return fetch(
        f"{LIST_SELECT} WHERE t.id IN (SELECT t.id FROM rectification_task t{where}{ORDER} "
        f"LIMIT {int(size)}){ORDER}",
        params,
    )


def task_page(path: str, statuses, *, after: tuple[date | None, int] | None = None, size=50):
    """A page of the task list in the subtree `path` with these statuses, and the total.

    After a key, the dated rows come from a row-value comparison the (status, deadline, id)
    index can seek to; rows without a deadline (listed last) only fill a short page."""
    where, params = _where(path, statuses)
    count, exact = capped_count(where, params)
    if after is None:
        rows = _page(where, params, size)
    else:
        deadline, pk = after
        if deadline is None:
            rows = _page(f"{where} AND t.deadline IS NULL AND t.id > %s", [*params, pk], size)
        else:
            rows = _page(
                f"{where} AND (t.deadline, t.id) > (%s, %s)", [*params, deadline, pk], size
            )
            if len(rows) < size:
                rows += _page(f"{where} AND t.deadline IS NULL", params, size - len(rows))
    body = encode({"count": count, "count_exact": exact, "results": rows})
    return {"ids": [r[0] for r in rows], "count": count_answer(count, exact), "bytes": len(body)}


def capped_count(where: str, params: list) -> tuple[int, bool]:
    """The list's total as the API gives it: exact up to COUNT_CAP rows, else the planner's
    estimate (PostgreSQL)."""
    cap = COUNT_CAP
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM rectification_task t{where} LIMIT {cap + 1}) s"
    counted = fetch(sql, params)[0][0]
    if counted <= cap:
        return counted, True
    if connection.vendor != "postgresql":
        return fetch(f"SELECT COUNT(*) FROM rectification_task t{where}", params)[0][0], True
    plan = fetch(f"EXPLAIN (FORMAT JSON) SELECT t.id FROM rectification_task t{where}", params)
    plan = plan[0][0] if isinstance(plan[0][0], list) else json.loads(plan[0][0])
    return max(int(plan[0]["Plan"]["Plan Rows"]), cap + 1), False


def count_answer(count: int, exact: bool) -> int | str:
    """What "the same answer" means for a total: the number when exact; when estimated, only
    that it is an estimate above the cap (two plans of the same filter estimate differently)."""
    return count if exact else f"> {COUNT_CAP:,} (estimated)"


def html_task_page(path: str, statuses, scope_path: str, *, size=50):
    """What the HTML list shows: a page, the per-status counts, and the filter choices
    (rounds, units and counties of the viewer's subtree)."""
    where, params = _where(path, statuses)
    by_status = fetch(
        f"SELECT t.status, COUNT(*) FROM rectification_task t{where} GROUP BY t.status", params
    )
    rows = _page(where, params, size)
    scope = [scope_path + "%"]
    # A round of the subtree, or one holding a task of it: one (region, round) index probe
    # per round and region.
    rounds = fetch(
        "SELECT r.id, r.name FROM inspections_inspectionround r WHERE r.withdrawn_at IS NULL "
        "AND (r.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s) OR EXISTS "
        "(SELECT 1 FROM rectification_task t WHERE t.round_id = r.id AND t.withdrawn_at IS NULL "
        "AND t.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s)))",
        [*scope, *scope],
    )
    units = fetch(
        "SELECT u.id, u.name, u.short_name FROM accounts_unit u WHERE u.is_active AND "
        "u.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s)",
        scope,
    )
    counties = fetch(
        "SELECT id, name FROM accounts_region WHERE level = %s AND path LIKE %s",
        ["COUNTY", *scope],
    )
    total = sum(n for _, n in by_status)
    encode([by_status, rows, rounds, units, counties])
    return {"ids": [r[0] for r in rows], "count": total}


# ---------------------------------------------------------------------------------------------
# The task page


# The sections of the task page most tasks leave empty: the page asks which have rows and
# lists only those (table, extra condition).
TASK_PAGE_SECTIONS = [
    ("rectification_attachment", ""),
    ("rectification_closeoutapplication", ""),
    ("rectification_milestone", ""),
    ("rectification_warning", " AND s.resolved_at IS NULL"),
    ("rectification_extension", ""),
    ("rectification_lookbackcheck", ""),
]


def task_page_detail(task_id: int, reports: int, events: int, path: str):
    """The task row with its header joins if it lies in the subtree `path`, and which of its
    usually empty sections have rows (those are then read); its units, the latest `reports`
    reports and the latest `events` events, oldest first (one more is read to know whether
    older ones exist)."""
    flags = ", ".join(
        f"EXISTS (SELECT 1 FROM {table} s WHERE s.task_id = t.id{condition})"
        for table, condition in TASK_PAGE_SECTIONS
    )
    task = fetch(
        "SELECT t.*, r.code, r.name, p.code, p.title, p.original_text, p.goal, p.measures, "
        "c.seq, c.title, a.seq, a.title, g.name, l.name, l.title, "
        f"{flags} "
        "FROM rectification_task t "
        "JOIN inspections_inspectionround r ON r.id = t.round_id "
        "JOIN inspections_problem p ON p.id = t.problem_id "
        "LEFT JOIN inspections_feedbackcategory c ON c.id = p.category_id "
        "LEFT JOIN inspections_feedbackaspect a ON a.id = c.aspect_id "
        "JOIN accounts_region g ON g.id = t.region_id "
        "LEFT JOIN accounts_person l ON l.id = t.leader_id "
        "WHERE t.id = %s AND g.path LIKE %s",
        [task_id, path + "%"],
    )
    present = task[0][-len(TASK_PAGE_SECTIONS) :] if task else [False] * len(TASK_PAGE_SECTIONS)
    sections = [
        fetch(f"SELECT * FROM {table} s WHERE s.task_id = %s{condition}", [task_id])
        for (table, condition), has_rows in zip(TASK_PAGE_SECTIONS, present, strict=True)
        if has_rows
    ]
    assignments = fetch(
        "SELECT a.id, a.unit_id, a.role, a.duty, u.name, u.short_name, pe.name, pe.phone "
        "FROM rectification_assignment a JOIN accounts_unit u ON u.id = a.unit_id "
        "LEFT JOIN accounts_person pe ON pe.id = a.person_id "
        "WHERE a.task_id = %s ORDER BY a.sort, a.id",
        [task_id],
    )
    report_rows = fetch(
        "SELECT pr.id, pr.progress_text, pr.progress_pct, pr.schedule_status, pr.difficulties, "
        "pr.next_steps, pr.submitted_at, rp.code, us.username, us.first_name, us.last_name, "
        "un.name, un.short_name "
        "FROM rectification_progressreport pr "
        "JOIN rectification_reportingperiod rp ON rp.id = pr.period_id "
        "LEFT JOIN accounts_user us ON us.id = pr.submitted_by_id "
        "JOIN accounts_unit un ON un.id = pr.unit_id "
        "WHERE pr.task_id = %s ORDER BY pr.submitted_at DESC, pr.id DESC LIMIT %s",
        [task_id, reports],
    )
    event_rows = fetch(
        "SELECT e.id, e.verb, e.from_status, e.to_status, e.note, e.created_at, us.username, "
        "us.first_name, us.last_name "
        "FROM rectification_event e LEFT JOIN accounts_user us ON us.id = e.actor_id "
        "WHERE e.task_id = %s ORDER BY e.created_at DESC, e.id DESC LIMIT %s",
        [task_id, events + 1],
    )
    more = len(event_rows) > events
    event_rows = event_rows[:events][::-1]
    encode([task, sections, assignments, report_rows, event_rows, more])
    return {
        "task": task[0][0] if task else None,
        "reports": [r[0] for r in report_rows],
        "events": [e[0] for e in event_rows],
        "more_events": more,
    }


# ---------------------------------------------------------------------------------------------
# The dashboard: the three aggregate queries


def _totals_columns(on: date) -> tuple[str, list]:
    working = list(WORKING_STATUSES)
    w = f"t.status IN ({_marks(working)})"
    # overdue against the original deadline, as selectors.overdue_q counts it
    due = "COALESCE(t.original_deadline, t.deadline)"
    overdue = f"({w} AND {due} < %s)"
    not_overdue = f"({w} AND ({due} IS NULL OR {due} >= %s))"
    sql = (
        "COUNT(*), "
        "COUNT(*) FILTER (WHERE t.status = %s), "
        "COUNT(*) FILTER (WHERE t.status = %s), "
        "COUNT(*) FILTER (WHERE t.status IN (%s, %s)), "
        f"COUNT(*) FILTER (WHERE {not_overdue}), "
        "COUNT(*) FILTER (WHERE t.status = %s), "
        f"COUNT(*) FILTER (WHERE {w} AND t.reopen_count > 0), "
        f"COUNT(*) FILTER (WHERE {overdue}), "
        f"COUNT(*) FILTER (WHERE {not_overdue} AND t.schedule_status = %s), "
        # An overdue task counts as red, never as yellow (selectors.bucket_counts).
        f"COUNT(*) FILTER (WHERE (t.warning_level = %s OR {overdue}) AND t.status <> %s), "
        f"COUNT(*) FILTER (WHERE t.warning_level = %s AND t.status <> %s "
        f"AND NOT COALESCE({overdue}, false))"
    )
    params = [
        TaskStatus.CLOSED,
        TaskStatus.PUBLICIZING,
        TaskStatus.APPLIED,
        TaskStatus.IN_REVIEW,
        *working,
        on,
        TaskStatus.NOT_STARTED,
        *working,
        *working,
        on,
        *working,
        on,
        ScheduleStatus.BEHIND,
        WarningLevel.RED,
        *working,
        on,
        TaskStatus.CLOSED,
        WarningLevel.YELLOW,
        TaskStatus.CLOSED,
        *working,
        on,
    ]
    return sql, params


TOTAL_KEYS = (
    "total",
    "closed",
    "publicizing",
    "in_review",
    "in_progress",
    "not_started",
    "reopened",
    "overdue",
    "behind",
    "red",
    "yellow",
)


def dashboard(path: str, on: date):
    """Totals, totals by round, and total/closed/overdue by region, over the subtree."""
    columns, params = _totals_columns(on)
    scope = f" FROM rectification_task t WHERE {SUBTREE}"
    totals = fetch(f"SELECT {columns}{scope}", [*params, path + "%"])[0]
    by_round = fetch(
        f"SELECT t.round_id, {columns}{scope} GROUP BY t.round_id", [*params, path + "%"]
    )
    working = list(WORKING_STATUSES)
    by_region = fetch(
        "SELECT t.region_id, COUNT(*), COUNT(*) FILTER (WHERE t.status = %s), "
        f"COUNT(*) FILTER (WHERE t.status IN ({_marks(working)}) "
        "AND COALESCE(t.original_deadline, t.deadline) < %s)"
        f"{scope} GROUP BY t.region_id",
        [TaskStatus.CLOSED, *working, on, path + "%"],
    )
    encode([totals, by_round, by_region])
    return {
        "totals": dict(zip(TOTAL_KEYS, totals, strict=True)),
        "by_round": {r[0]: dict(zip(TOTAL_KEYS, r[1:], strict=True)) for r in by_round},
        "by_region": {r[0]: list(r[1:]) for r in by_region},
    }


def my_tasks(unit_id: int, on: date, due_soon_days: int, *, size=50):
    """A unit's 我的任务 as the product lists it: the tasks it has a part in (lead or
    cooperating), counted by status, the first page in the urgent order (overdue, due soon,
    被退回, the rest being worked on, close-outs under way, closed; by deadline), and the
    rounds they belong to (the filter's choices)."""
    working = list(WORKING_STATUSES)
    mine = (
        " FROM rectification_task t WHERE t.withdrawn_at IS NULL AND EXISTS "
        "(SELECT 1 FROM rectification_assignment a WHERE a.task_id = t.id AND a.unit_id = %s)"
    )
    counts = fetch(f"SELECT t.status, COUNT(*){mine} GROUP BY t.status", [unit_id])
    w = _marks(working)
    urgency = (
        f"CASE WHEN t.status IN ({w}) AND (t.original_deadline < %s OR "
        "(t.original_deadline IS NULL AND t.deadline < %s)) THEN 0 "
        f"WHEN t.status IN ({w}) AND t.deadline >= %s AND t.deadline <= %s THEN 1 "
        f"WHEN (t.status IN ({w}) AND EXISTS (SELECT 1 FROM rectification_closeoutapplication c "
        "WHERE c.task_id = t.id AND c.status = 'RETURNED' AND c.id = (SELECT MAX(l.id) FROM "
        "rectification_closeoutapplication l WHERE l.task_id = t.id))) OR (t.status <> 'CLOSED' "
        "AND EXISTS (SELECT 1 FROM rectification_progressreport r WHERE r.task_id = t.id AND "
        "r.review_status = 'RETURNED')) THEN 2 "
        f"WHEN t.status IN ({w}) THEN 3 WHEN t.status = 'CLOSED' THEN 5 ELSE 4 END"
    )
    params = [*working, on, on, *working, on, on + timedelta(days=due_soon_days), *working]
    params += working
    ids = fetch(
        f"SELECT t.id{mine} ORDER BY {urgency}, t.deadline ASC NULLS LAST, t.id LIMIT {size}",
        [unit_id, *params],
    )
    order = [r[0] for r in ids]
    rows = fetch(f"{LIST_SELECT} WHERE t.id IN ({_marks(order) or 'NULL'})", order)
    by_id = {r[0]: r for r in rows}
    rows = [by_id[pk] for pk in order]
    # The unit's rounds read once (DISTINCT keeps the planner from probing every round's
    # tasks in turn, which an IN or EXISTS per round led it to: 1.1 s).
    rounds = fetch(
        "SELECT r.id, r.name FROM inspections_inspectionround r JOIN (SELECT DISTINCT t.round_id "
        "FROM rectification_assignment a JOIN rectification_task t ON t.id = a.task_id "
        "WHERE a.unit_id = %s AND t.withdrawn_at IS NULL) m ON m.round_id = r.id "
        "WHERE r.withdrawn_at IS NULL",
        [unit_id],
    )
    encode([counts, rows, rounds])
    return {"ids": [r[0] for r in rows], "count": sum(n for _, n in counts)}


TALLY_FIGURES = (
    "total", "closed", "publicizing", "in_review", "in_progress", "not_started", "reopened",
    "overdue", "behind", "red", "yellow",
)  # fmt: skip


def dashboard_from_tally(path: str, on: date, *, scatter=2000):
    """The dashboard as the product reads it: the day's summary table (DailyTally, TallyTrend)
    summed over the subtree: totals, by round (with each round's 方面/类/项 counts), by region,
    by lead unit (best and worst 15), the close-out trend; the located tasks for the scatter
    and the petitions by status."""
    sums = ", ".join(f"SUM(c.{f})" for f in TALLY_FIGURES)
    day_subtree = (
        " WHERE c.day = %s AND c.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s)"
    )
    cells = f" FROM rectification_dailytally c{day_subtree}"
    params = [on, path + "%"]
    totals = fetch(f"SELECT {sums}{cells}", params)[0]
    by_round = fetch(f"SELECT c.round_id, {sums}{cells} GROUP BY c.round_id", params)
    rounds = fetch(
        "SELECT r.id, r.name, r.code, r.kind, "
        "(SELECT COUNT(*) FROM inspections_feedbackaspect a WHERE a.round_id = r.id), "
        "(SELECT COUNT(*) FROM inspections_feedbackcategory k JOIN inspections_feedbackaspect a "
        "ON a.id = k.aspect_id WHERE a.round_id = r.id), "
        "(SELECT COUNT(*) FROM inspections_problem p WHERE p.round_id = r.id) "
        f"FROM inspections_inspectionround r WHERE r.id IN ({_marks(by_round) or 'NULL'})",
        [r[0] for r in by_round],
    )
    by_region = fetch(
        "SELECT c.region_id, g.path, g.name, SUM(c.total), SUM(c.closed), SUM(c.overdue) "
        f"FROM rectification_dailytally c JOIN accounts_region g ON g.id = c.region_id"
        f"{day_subtree} GROUP BY c.region_id, g.path, g.name",
        params,
    )
    units = fetch(
        "SELECT c.lead_unit_id, u.name, u.short_name, SUM(c.total), SUM(c.closed), "
        "SUM(c.overdue), SUM(c.red), SUM(c.yellow) "
        f"FROM rectification_dailytally c JOIN accounts_unit u ON u.id = c.lead_unit_id"
        f"{day_subtree} GROUP BY c.lead_unit_id, u.name, u.short_name",
        params,
    )
    units.sort(key=lambda r: (-(r[4] / r[3] if r[3] else 0), r[5], -r[3], r[2] or r[1]))
    units = units[:15] + units[-15:] if len(units) > 30 else units
    trend = fetch(
        f"SELECT c.month, SUM(c.closes) FROM rectification_tallytrend c{day_subtree} "
        "GROUP BY c.month",
        params,
    )
    points = fetch(
        f"SELECT t.id, t.code, t.name, t.lat, t.lng, t.status FROM rectification_task t "
        f"WHERE {SUBTREE} AND t.lat IS NOT NULL AND t.lng IS NOT NULL "
        f"ORDER BY t.id + 0 LIMIT {int(scatter) + 1}",
        [path + "%"],
    )
    petitions = fetch(
        "SELECT p.status, COUNT(*) FROM inspections_petition p WHERE p.withdrawn_at IS NULL "
        "AND p.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s) "
        "GROUP BY p.status",
        [path + "%"],
    )
    encode([totals, by_round, rounds, by_region, units, trend, points, petitions])
    return {"totals": dict(zip(TALLY_FIGURES, totals, strict=True))}


# ---------------------------------------------------------------------------------------------
# The ledger export: the same rows and columns, streamed into XlsxWriter (constant_memory)


EXPORT_SELECT = """
SELECT t.id, t.code, t.name, g.name, t.water_body, t.lng, t.lat, t.goal, t.measures,
       t.deadline, t.status, t.schedule_status, t.warning_level, t.closed_at,
       p.code, p.title, p.original_text, p.source, pl.name, c.title, a.title, r.name
FROM rectification_task t
JOIN inspections_inspectionround r ON r.id = t.round_id
JOIN inspections_problem p ON p.id = t.problem_id
LEFT JOIN accounts_person pl ON pl.id = p.leader_id
LEFT JOIN inspections_feedbackcategory c ON c.id = p.category_id
LEFT JOIN inspections_feedbackaspect a ON a.id = c.aspect_id
JOIN accounts_region g ON g.id = t.region_id
"""
EXPORT_ORDER = " ORDER BY r.sort, t.round_id, p.seq, t.problem_id, t.seq, t.id"


def export_where(path: str, deadline_before: date | None) -> tuple[str, list]:
    where, params = f" WHERE {SUBTREE}", [path + "%"]
    if deadline_before is not None:
        where += " AND t.deadline <= %s"
        params.append(deadline_before)
    return where, params


def _stream(sql: str, params: list):
    """Rows of a big query without holding them all: a server-side cursor on PostgreSQL."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        with connection.connection.cursor(name="bench_export") as cursor:
            cursor.itersize = CHUNK
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(CHUNK):
                yield rows
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows


def export_xlsx(path: str, deadline_before: date | None, out, columns: int) -> list[str]:
    """Write one row of `columns` cells per task with XlsxWriter in constant_memory mode, the
    fastest streaming xlsx writer here (docs/performance.md: 7.1 s against openpyxl write-only's 10.4 s
    for 100k x 12 cells).

    The same data as the ledger (task, problem tree, units, latest progress); none of its
    styles, merges or summary sheet, each row handed to `write_row` as it comes. Text is
    text as in the ledger (no formula or link detection). Returns the task codes in row
    order (the answer)."""
    import xlsxwriter
    from django.db import transaction

    where, params = export_where(path, deadline_before)
    workbook = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd",
        },
    )
    sheet = workbook.add_worksheet("raw")
    sheet.write_row(0, 0, ["title"])
    sheet.write_row(1, 0, [f"c{i}" for i in range(columns)])
    codes: list[str] = []
    seq = 0
    row_number = 1
    pad = [None] * max(0, columns - 29)
    with transaction.atomic():  # a named cursor lives in a transaction
        for chunk in _stream(f"{EXPORT_SELECT}{where}{EXPORT_ORDER}", params):
            ids = [row[0] for row in chunk]
            marks = _marks(ids)
            units: dict[int, list] = {}
            for task_id, role, name, short in fetch(
                "SELECT a.task_id, a.role, u.name, u.short_name FROM rectification_assignment a "
                f"JOIN accounts_unit u ON u.id = a.unit_id WHERE a.task_id IN ({marks}) "
                "ORDER BY a.task_id, a.sort, a.id",
                ids,
            ):
                units.setdefault(task_id, []).append((role, short or name))
            progress: dict[int, str] = {}
            for task_id, text in fetch(
                "SELECT task_id, progress_text FROM rectification_progressreport "
                f"WHERE task_id IN ({marks}) ORDER BY task_id, submitted_at DESC, id DESC",
                ids,
            ):
                progress.setdefault(task_id, text)
            for row in chunk:
                seq += 1
                row_number += 1
                mine = units.get(row[0], ())
                lead = "、".join(n for r, n in mine if r == "LEAD")
                coop = "、".join(n for r, n in mine if r == "COOP")
                terr = "、".join(n for r, n in mine if r == "TERRITORIAL")
                codes.append(row[1])
                sheet.write_row(
                    row_number,
                    0,
                    [
                        seq,
                        row[14],
                        row[21],
                        row[17],
                        row[20],
                        row[19],
                        row[15],
                        row[1],
                        row[2],
                        row[3],
                        row[4],
                        float(row[5]) if row[5] is not None else None,
                        float(row[6]) if row[6] is not None else None,
                        row[16],
                        row[7],
                        row[8],
                        row[18],
                        lead,
                        coop,
                        terr,
                        "",
                        "",
                        str(row[9]),
                        progress.get(row[0], ""),
                        row[11],
                        row[10],
                        row[12],
                        "是" if row[10] == TaskStatus.CLOSED else "否",
                        row[13].date() if row[13] else None,
                        *pad,
                    ][:columns],
                )
    workbook.close()
    return codes


# ---------------------------------------------------------------------------------------------
# The daily sweeps


def reminder_sweep(on: date, escalate_days: int):
    """The day's reminder rows written by two INSERT … SELECTs (the told units' members on
    their channels and robots, all kinds in one CASE; the offices and leader logins of the
    escalated tasks), and the number of units told. Returns the units and the rows written."""
    pg = connection.vendor == "postgresql"
    day = on if pg else on.isoformat()

    def days_late(column: str) -> str:
        if pg:
            return f"(%s - {column})"
        return f"CAST(julianday(%s) - julianday({column}) AS INTEGER)"

    def cn_date(column: str) -> str:
        if pg:
            return f"""to_char({column}, 'YYYY"年"MM"月"DD"日"')"""
        return f"strftime('%%Y年%%m月%%d日', {column})"

    working = list(WORKING_STATUSES)
    roles = list(TOLD_ROLES)
    dates = [on + timedelta(days=d) for d in REMIND_DAYS_BEFORE]
    dates = dates if pg else [d.isoformat() for d in dates]
    created = connection.ops.adapt_datetimefield_value(clock.now())
    insert = (
        "INSERT INTO rectification_notification (recipient_id, kind, task_id, title, body, url, "
        "channel, unique_key, status, attempts, last_error, created_at) "
    )
    channels = "(SELECT 'INAPP' AS channel UNION ALL SELECT 'MAIL') c"
    units = fetch(
        "SELECT COUNT(DISTINCT a.unit_id) FROM rectification_assignment a "
        "JOIN rectification_task t ON t.id = a.task_id "
        f"WHERE a.role IN ({_marks(roles)}) AND t.status IN ({_marks(working)}) "
        "AND t.withdrawn_at IS NULL "
        f"AND (t.deadline IN ({_marks(dates)}) OR t.deadline < %s)",
        [*roles, *working, *dates, day],
    )[0][0]
    with connection.cursor() as cursor:
        cursor.execute(
            f"{insert}SELECT r.user_id, d.kind, d.id, substr(CASE WHEN d.late > 0 "
            "THEN '【逾期提醒】' || d.code || ' ' || d.name || ' 已逾期' || d.late || '天' "
            "ELSE '【临期提醒】' || d.code || ' ' || d.name || ' 距整改时限还有' || (-d.late) "
            "|| '天' END, 1, 200), CASE WHEN d.late > 0 "
            "THEN '整改时限为' || d.cn || '，现已逾期' || d.late || "
            "'天。请尽快完成整改；确需延期的，请按程序申请延期。' "
            "ELSE '整改时限为' || d.cn || '。请抓紧推进整改，按时报送进展和佐证材料。' END, "
            "CASE WHEN r.channel = 'WEBHOOK' THEN '' ELSE '/tasks/' || d.id || '/' END, "
            "r.channel, substr(d.kind || ':' || d.id || ':' || %s || r.via || ':' || r.user_id "
            "|| ':' || r.channel, 1, 200), 'PENDING', 0, '', %s "
            "FROM (SELECT DISTINCT a.unit_id, t.id, t.code, t.name, "
            f"{days_late('t.deadline')} AS late, {cn_date('t.deadline')} AS cn, "
            "CASE WHEN t.deadline < %s THEN 'reminder_overdue' "
            f"ELSE 'reminder_due_' || (-{days_late('t.deadline')}) END AS kind "
            "FROM rectification_task t JOIN rectification_assignment a ON a.task_id = t.id "
            f"WHERE t.status IN ({_marks(working)}) AND a.role IN ({_marks(roles)}) "
            "AND t.withdrawn_at IS NULL "
            f"AND (t.deadline IN ({_marks(dates)}) OR t.deadline < %s)) d "
            "JOIN (SELECT u.unit_id, u.id AS user_id, c.channel, '' AS via "
            f"FROM accounts_user u JOIN {channels} ON c.channel = 'INAPP' OR u.email <> '' "
            "WHERE u.is_active AND u.role IN ('REPORTER', 'UNIT_HEAD') "
            "UNION ALL SELECT s.unit_id, MIN(s.id), 'WEBHOOK', ':unit' || s.unit_id "
            "FROM accounts_user s JOIN accounts_unit w ON w.id = s.unit_id "
            "WHERE s.is_active AND w.is_active AND w.webhook_url <> '' GROUP BY s.unit_id) r "
            "ON r.unit_id = d.unit_id WHERE true ON CONFLICT (unique_key) DO NOTHING",
            [on.isoformat(), created, day, day, day, *working, *roles, *dates, day],
        )
        unit_rows = cursor.rowcount
        threshold = on - timedelta(days=escalate_days)
        escalated = (
            f"t.status IN ({_marks(working)}) AND t.withdrawn_at IS NULL AND t.deadline <= %s"
        )
        escalated_params = [*working, threshold if pg else threshold.isoformat()]
        cursor.execute(
            f"{insert}SELECT u.id, 'reminder_escalation', t.id, substr('【逾期督办】' || t.code "
            f"|| ' ' || t.name || ' 已逾期' || {days_late('t.deadline')} || '天（牵头单位：' || "
            "COALESCE(NULLIF(lu.short_name, ''), NULLIF(lu.name, ''), '未明确') || '）', 1, 200), "
            f"'整改时限为' || {cn_date('t.deadline')} || '，已逾期' || "
            f"{days_late('t.deadline')} || '天，超过' || %s || '天，请督促牵头单位限期完成。', "
            "'/tasks/' || t.id || '/', c.channel, substr('reminder_escalation:' || t.id || ':' "
            "|| %s || ':' || u.id || ':' || c.channel, 1, 200), 'PENDING', 0, '', %s "
            "FROM (SELECT t.id AS task_id, o.user_id FROM rectification_task t "
            "JOIN (SELECT o.id AS user_id, g.id AS region_id FROM accounts_user o "
            "JOIN accounts_unit ou ON ou.id = o.unit_id "
            "JOIN accounts_region og ON og.id = ou.region_id "
            "JOIN accounts_region g ON substr(g.path, 1, length(og.path)) = og.path "
            "WHERE o.role = 'OFFICE' AND o.is_active) o ON o.region_id = t.region_id "
            f"WHERE {escalated} UNION SELECT t.id, l.id FROM rectification_task t "
            f"JOIN accounts_user l ON l.person_id = t.leader_id WHERE l.is_active AND "
            f"{escalated}) e "
            "JOIN rectification_task t ON t.id = e.task_id "
            "LEFT JOIN accounts_unit lu ON lu.id = t.lead_unit_id "
            f"JOIN accounts_user u ON u.id = e.user_id JOIN {channels} "
            "ON c.channel = 'INAPP' OR u.email <> '' WHERE true ON CONFLICT (unique_key) DO NOTHING",
            [
                day,
                day,
                str(escalate_days),
                on.isoformat(),
                created,
                *escalated_params,
                *escalated_params,
            ],
        )
        escalation_rows = cursor.rowcount
    return {"units": units, "unit_rows": unit_rows, "escalation_rows": escalation_rows}


def warning_sweep(on: date, tolerance: int, due_soon_days: int, cutoff_day: int):
    """The day's warning sweep as hand-written statements (run inside a transaction the
    caller rolls back): each open task's 序时 verdict and colour into a temporary table, the
    tasks whose stored values differ updated, the day's Warning rows, closed tasks uncoloured,
    the 督办函 for two yellow cards in the month and the 约谈 for red, with their task links and
    the offices' notifications. Returns the counts per colour, the red ids and the rows written."""
    from rectification.choices import WarningReason

    pg = connection.vendor == "postgresql"

    def days(later: str, earlier: str) -> str:
        if pg:
            return f"({later} - {earlier})"
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def pct(part: str, whole: str) -> str:  # round(100 * part / whole), halves to even
        n, d = f"(200 * {part} + {whole})", f"(2 * {whole})"
        return f"({n} / {d} - CASE WHEN {n} %% {d} = 0 AND ({n} / {d}) %% 2 = 1 THEN 1 ELSE 0 END)"

    month_start = on.replace(day=1)
    month_end = (month_start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    cutoff = on.replace(day=min(cutoff_day, month_end.day))
    reasons = sorted(WarningReason.values)
    params = {
        "on": on if pg else on.isoformat(),
        "soon": (on + timedelta(days=due_soon_days)) if pg else str(on + timedelta(due_soon_days)),
        "tol": tolerance,
        "cutoff": cutoff if pg else cutoff.isoformat(),
        "month": f"{on:%Y-%m}",
        "first": month_start if pg else month_start.isoformat(),
        "month_cn": f"{on:%Y年%m月}",
        "day_cn": f"{on:%Y年%m月%d日}",
        "now": connection.ops.adapt_datetimefield_value(clock.now()),
        "note": "系统按日自动研判",
        "closed_note": "任务已销号，不再预警",
        **{f"l{i}": f"、{WarningReason(r).label}" for i, r in enumerate(reasons)},
    }
    working = "'NOT_STARTED', 'IN_PROGRESS'"
    manual = (
        "SELECT task_id, reason, MAX(CASE level WHEN 'RED' THEN 3 WHEN 'YELLOW' THEN 2 "
        "ELSE 1 END) AS rank FROM rectification_warning WHERE NOT auto AND resolved_at IS NULL "
        "AND level IN ('BLUE', 'YELLOW', 'RED') GROUP BY task_id, reason"
    )
    red_m = "(m.reason IN ('UPPER_CRITICISM', 'MEDIA') OR m.rank = 3)"
    yellow_m = "(m.reason NOT IN ('UPPER_CRITICISM', 'MEDIA') AND m.rank = 2)"
    no_report, reported = "0", ""
    if on > cutoff:
        no_report = (
            f"CASE WHEN t.status IN ({working}) AND rep.task_id IS NULL AND "
            "(t.start_date IS NULL OR t.start_date <= %(cutoff)s) THEN 1 ELSE 0 END"
        )
        reported = (
            "LEFT JOIN (SELECT DISTINCT r.task_id FROM rectification_progressreport r "
            "JOIN rectification_reportingperiod rp ON rp.id = r.period_id "
            "WHERE rp.kind = 'MONTHLY' AND rp.code = %(month)s) rep ON rep.task_id = t.id "
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE raw_sweep AS WITH f AS MATERIALIZED ("
            "SELECT t.id, t.lead_unit_id, "
            f"CASE WHEN t.status IN ({working}) "
            "AND COALESCE(t.original_deadline, t.deadline) < %(on)s THEN 1 ELSE 0 END AS od, "
            f"CASE WHEN t.status IN ({working}) AND t.deadline >= %(on)s "
            "AND t.deadline <= %(soon)s THEN 1 ELSE 0 END AS soon, "
            f"{no_report} AS nr, COALESCE(mw.red, 0) AS mr, COALESCE(mw.yellow, 0) AS my, "
            f"CASE WHEN t.status NOT IN ({working}) THEN NULL WHEN p.tw > 0 THEN p.pw "
            "WHEN t.span > 0 THEN CASE WHEN t.el < 0 THEN 0 WHEN t.el > t.span THEN t.span "
            "ELSE t.el END WHEN t.span IS NOT NULL THEN CASE WHEN t.el >= 0 THEN 1 ELSE 0 END "
            "END AS ep, CASE WHEN p.tw > 0 THEN p.tw WHEN t.span > 0 THEN t.span ELSE 1 END AS ew, "
            "CASE WHEN p.tw > 0 THEN p.dw ELSE t.progress_pct END AS ap, "
            "CASE WHEN p.tw > 0 THEN p.tw ELSE 100 END AS aw "
            "FROM (SELECT id, lead_unit_id, status, start_date, deadline, original_deadline, "
            "progress_pct, "
            f"{days('deadline', 'start_date')} AS span, {days('%(on)s', 'start_date')} AS el "
            "FROM rectification_task WHERE status <> 'CLOSED' AND withdrawn_at IS NULL) t "
            "LEFT JOIN (SELECT task_id, SUM(weight) AS tw, "
            "SUM(CASE WHEN planned_date <= %(on)s THEN weight ELSE 0 END) AS pw, "
            "SUM(CASE WHEN done_date <= %(on)s THEN weight ELSE 0 END) AS dw "
            "FROM rectification_milestone GROUP BY task_id) p ON p.task_id = t.id "
            f"LEFT JOIN (SELECT m.task_id, SUM(CASE WHEN {red_m} THEN 1 ELSE 0 END) AS red, "
            f"SUM(CASE WHEN {yellow_m} THEN 1 ELSE 0 END) AS yellow FROM ({manual}) m "
            f"GROUP BY m.task_id) mw ON mw.task_id = t.id {reported}), "
            f"s AS (SELECT f.*, {pct('f.ep', 'f.ew')} AS e, {pct('f.ap', 'f.aw')} AS a FROM f), "
            "v AS (SELECT s.*, CASE WHEN s.e IS NULL THEN 'NA' WHEN s.a < s.e - %(tol)s "
            "THEN 'BEHIND' WHEN s.a > s.e + %(tol)s THEN 'AHEAD' ELSE 'ON' END AS verdict FROM s) "
            "SELECT id, lead_unit_id, verdict, od, soon, nr, "
            "CASE WHEN verdict = 'BEHIND' THEN 1 ELSE 0 END AS behind, "
            "CASE WHEN od = 1 OR mr > 0 THEN 'RED' WHEN my > 0 OR verdict = 'BEHIND' OR soon = 1 "
            "OR nr = 1 THEN 'YELLOW' ELSE 'BLUE' END AS level FROM v",
            params,
        )
        cursor.execute("CREATE UNIQUE INDEX raw_sweep_id ON raw_sweep (id)")
        # The colour changes' events, read before the tasks change (as the product does).
        cursor.execute(
            "INSERT INTO rectification_event (task_id, target_type_id, target_id, verb, "
            "from_status, to_status, note, created_at) "
            "SELECT t.id, ct.id, t.id, 'warning', t.warning_level, d.level, %(note)s, %(now)s "
            "FROM raw_sweep d JOIN rectification_task t ON t.id = d.id "
            "JOIN django_content_type ct ON ct.app_label = 'rectification' AND ct.model = 'task' "
            "WHERE t.warning_level <> d.level "
            "UNION ALL SELECT t.id, ct.id, t.id, 'warning', t.warning_level, 'NONE', "
            "%(closed_note)s, %(now)s FROM rectification_task t "
            "JOIN django_content_type ct ON ct.app_label = 'rectification' AND ct.model = 'task' "
            "WHERE t.status = 'CLOSED' AND t.withdrawn_at IS NULL AND t.warning_level <> 'NONE'",
            params,
        )
        cursor.execute(
            "UPDATE rectification_task AS t SET schedule_status = d.verdict, "
            "warning_level = d.level FROM raw_sweep d WHERE d.id = t.id "
            "AND (t.schedule_status <> d.verdict OR t.warning_level <> d.level)"
        )
        insert = (
            "INSERT INTO rectification_warning (task_id, unit_id, level, reason, day, auto, "
            "note, resolve_note, created_at) SELECT id, lead_unit_id, level, reason, %(on)s, "
            "TRUE, '系统按日自动研判', '', %(now)s FROM ({}) x WHERE true ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            insert.format(
                "SELECT id, lead_unit_id, level, 'OVERDUE' AS reason FROM raw_sweep WHERE od = 1 "
                "UNION ALL SELECT id, lead_unit_id, level, 'BEHIND' FROM raw_sweep "
                "WHERE level = 'YELLOW' AND behind = 1 "
                "UNION ALL SELECT id, lead_unit_id, level, 'DUE_SOON' FROM raw_sweep "
                "WHERE level = 'YELLOW' AND soon = 1 "
                "UNION ALL SELECT id, lead_unit_id, level, 'NO_REPORT' FROM raw_sweep "
                "WHERE level = 'YELLOW' AND nr = 1 "
                "UNION ALL SELECT d.id, d.lead_unit_id, d.level, m.reason FROM raw_sweep d "
                f"JOIN ({manual}) m ON m.task_id = d.id WHERE (d.level = 'RED' AND {red_m}) "
                f"OR (d.level = 'YELLOW' AND {yellow_m})"
            ),
            params,
        )
        warnings = cursor.rowcount
        if pg:  # as the product does: statistics counting today's rows before the self-join
            cursor.execute("ANALYZE raw_sweep")
            cursor.execute("ANALYZE rectification_warning")
        cursor.execute(
            "UPDATE rectification_task SET warning_level = 'NONE', schedule_status = 'NA' "
            "WHERE status = 'CLOSED' AND withdrawn_at IS NULL "
            "AND (warning_level <> 'NONE' OR schedule_status <> 'NA')"
        )
        seen = ", ".join(
            f"MAX(CASE WHEN reason = '{r}' THEN 1 ELSE 0 END) AS r{i}"
            for i, r in enumerate(reasons)
        )
        labels = " || ".join(
            f"CASE WHEN y.r{i} = 1 THEN %(l{i})s ELSE '' END" for i in range(len(reasons))
        )
        # Yellow cards: a yellow row whose reason the task did not have yellow the day before.
        cursor.execute(
            "CREATE TEMP TABLE raw_letter AS SELECT l.*, '关于' || l.code || ' ' || l.name || "
            "'整改工作的督办函（拟）' AS title, l.code || ' ' || l.name || ' 于' || "
            "%(month_cn)s || '两次被亮黄牌（' || l.labels || '）。建议专函督办，要求牵头单位限期"
            "书面回复整改措施和完成时间。' AS content, '【拟发督办函】' || l.code || ' ' || "
            "l.name || ' 本月两次黄牌' AS notice_title FROM (SELECT 'LETTER' AS kind, "
            "'letter_proposed' AS notice_kind, t.id, t.lead_unit_id, "
            "CAST(NULL AS INTEGER) AS leader_id, t.region_id, g.path, t.code, t.name, "
            "'letter:' || CAST(t.id AS TEXT) || ':' || "
            f"%(month)s AS auto_key, substr({labels}, 2) AS labels FROM raw_sweep d "
            f"JOIN (SELECT task_id, COUNT(*) AS n, {seen} FROM (SELECT DISTINCT w.task_id, "
            "w.reason, w.day FROM rectification_warning w WHERE w.level = 'YELLOW' "
            "AND w.day >= %(first)s AND w.day <= %(on)s AND NOT EXISTS (SELECT 1 FROM "
            "rectification_warning p WHERE p.task_id = w.task_id AND p.reason = w.reason "
            f"AND p.level = 'YELLOW' AND p.day < w.day AND {days('w.day', 'p.day')} = 1)) c "
            "GROUP BY task_id) y "
            "ON y.task_id = d.id JOIN rectification_task t ON t.id = d.id "
            "JOIN accounts_region g ON g.id = t.region_id WHERE d.level = 'YELLOW' AND y.n >= 2 "
            "AND t.lead_unit_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM rectification_supervisionnotice_tasks nt "
            "JOIN rectification_supervisionnotice n ON n.id = nt.supervisionnotice_id "
            "WHERE nt.task_id = t.id AND n.kind = 'LETTER' AND n.issued_on >= %(first)s) "
            ") l WHERE NOT EXISTS (SELECT 1 FROM "
            "rectification_supervisionnotice n WHERE n.auto_key = l.auto_key) "
            "UNION ALL SELECT l.*, '关于' || l.code || ' ' || l.name || '的约谈（拟）', "
            "l.code || ' ' || l.name || ' 于' || %(day_cn)s || '亮红灯。建议由责任领导约谈"
            "牵头单位主要负责同志，督促限期整改到位。', '【拟约谈】' || l.code || ' ' || l.name "
            "|| ' 亮红灯' FROM (SELECT 'INTERVIEW' AS kind, 'interview_proposed' AS notice_kind, "
            "t.id, t.lead_unit_id, COALESCE(t.leader_id, pr.leader_id) AS leader_id, "
            "t.region_id, g.path, t.code, t.name, 'interview:' || CAST(t.id AS TEXT) || ':' || "
            "%(month)s AS auto_key, '' AS labels FROM raw_sweep d "
            "JOIN rectification_task t ON t.id = d.id "
            "JOIN inspections_problem pr ON pr.id = t.problem_id "
            "JOIN accounts_region g ON g.id = t.region_id WHERE d.level = 'RED' "
            "AND t.lead_unit_id IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM rectification_supervisionnotice_tasks nt "
            "JOIN rectification_supervisionnotice n ON n.id = nt.supervisionnotice_id "
            "WHERE nt.task_id = t.id AND n.kind = 'INTERVIEW' AND n.issued_on >= %(first)s) "
            ") l WHERE NOT EXISTS (SELECT 1 FROM "
            "rectification_supervisionnotice n WHERE n.auto_key = l.auto_key)",
            params,
        )
        cursor.execute(
            "INSERT INTO rectification_supervisionnotice (kind, doc_no, title, content, "
            "target_unit_id, status, reply_text, auto_key, leader_id, dismissed_reason, "
            "created_at) SELECT kind, '', title, content, lead_unit_id, 'PROPOSED', '', "
            "auto_key, leader_id, '', %(now)s FROM raw_letter WHERE true ON CONFLICT DO NOTHING",
            params,
        )
        cursor.execute(
            "INSERT INTO rectification_event (task_id, target_type_id, target_id, verb, "
            "from_status, to_status, note, created_at) SELECT l.id, ct.id, n.id, "
            "'supervision_propose', '', 'PROPOSED', n.title, %(now)s FROM raw_letter l "
            "JOIN rectification_supervisionnotice n ON n.auto_key = l.auto_key "
            "JOIN django_content_type ct ON ct.app_label = 'rectification' "
            "AND ct.model = 'supervisionnotice'",
            params,
        )
        cursor.execute(
            "INSERT INTO rectification_supervisionnotice_tasks (supervisionnotice_id, task_id) "
            "SELECT n.id, l.id FROM raw_letter l JOIN rectification_supervisionnotice n "
            "ON n.auto_key = l.auto_key WHERE true ON CONFLICT DO NOTHING"
        )
        cursor.execute(
            "INSERT INTO rectification_notification (recipient_id, kind, task_id, title, body, "
            "url, channel, unique_key, status, attempts, last_error, created_at) "
            "SELECT o.id, l.notice_kind, l.id, substr(l.notice_title, 1, 200), l.content, "
            "'/tasks/' || CAST(l.id AS TEXT) || "
            "'/', c.channel, substr(l.notice_kind || ':' || CAST(n.id AS TEXT) || ':' || "
            "CAST(o.id AS TEXT) || ':' || c.channel, 1, 200), 'PENDING', 0, '', %(now)s "
            "FROM raw_letter l JOIN rectification_supervisionnotice n ON n.auto_key = l.auto_key "
            "JOIN (SELECT r.region_id, u.id, u.email FROM (SELECT DISTINCT region_id, path "
            "FROM raw_letter) r JOIN accounts_user u ON u.role = 'OFFICE' AND u.is_active "
            "JOIN accounts_unit un ON un.id = u.unit_id JOIN accounts_region ug "
            "ON ug.id = un.region_id WHERE substr(r.path, 1, length(ug.path)) = ug.path) o "
            "ON o.region_id = l.region_id "
            "JOIN (SELECT 'INAPP' AS channel UNION ALL SELECT 'MAIL') c "
            "ON c.channel = 'INAPP' OR o.email <> '' WHERE true ON CONFLICT DO NOTHING",
            params,
        )
        notified = cursor.rowcount
        cursor.execute(
            "SELECT COUNT(*), SUM(CASE WHEN level = 'BLUE' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN level = 'YELLOW' THEN 1 ELSE 0 END) FROM raw_sweep"
        )
        evaluated, blue, yellow = cursor.fetchone()
        cursor.execute(
            "SELECT COALESCE(SUM(CASE WHEN kind = 'LETTER' THEN 1 ELSE 0 END), 0), "
            "COALESCE(SUM(CASE WHEN kind = 'INTERVIEW' THEN 1 ELSE 0 END), 0) FROM raw_letter"
        )
        letters, interviews = cursor.fetchone()
        cursor.execute("SELECT id FROM raw_sweep WHERE level = 'RED' ORDER BY id")
        red_ids = [r[0] for r in cursor.fetchall()]
        cursor.execute("DROP TABLE raw_letter")
        cursor.execute("DROP TABLE raw_sweep")
    return {
        "evaluated": evaluated,
        "blue": blue or 0,
        "yellow": yellow or 0,
        "red": len(red_ids),
        "red_ids": red_ids,
        "warnings": warnings,
        "letters": letters,
        "interviews": interviews,
        "notified": notified,
    }
