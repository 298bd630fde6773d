"""The raw-SQL limit for each benchmark scenario (issue 6).

Each function answers the same question as a product path with hand-written SQL on Django's
connection (psycopg2 on PostgreSQL, sqlite3 at small sizes) and encodes the rows with
`json.dumps`, which is the least any implementation has to do. The SQL is portable between
the two databases (row values, FILTER and NULLS LAST need SQLite >= 3.30); where the two
differ (array_agg / group_concat) there is a vendor branch.

These are measuring sticks, not product code: nothing here applies a user's scope beyond the
region subtree the benchmark user sees, and nothing is used outside rectification.bench.
"""

import json
from datetime import date, timedelta

from django.db import connection

from rectification.choices import (
    WORKING_STATUSES,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.jobs.recipients import TOLD_ROLES
from rectification.jobs.reminders import REMIND_DAYS_BEFORE

CHUNK = 2000

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
SUBTREE = "t.region_id IN (SELECT id FROM accounts_region WHERE path LIKE %s)"
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
    count = fetch(f"SELECT COUNT(*) FROM rectification_task t{where}", params)[0][0]
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
    body = encode({"count": count, "results": rows})
    return {"ids": [r[0] for r in rows], "count": count, "bytes": len(body)}


def html_task_page(path: str, statuses, scope_path: str, *, size=50):
    """What the HTML list shows: a page, the per-status counts, and the filter choices
    (rounds, units and counties of the viewer's subtree)."""
    where, params = _where(path, statuses)
    by_status = fetch(
        f"SELECT t.status, COUNT(*) FROM rectification_task t{where} GROUP BY t.status", params
    )
    rows = _page(where, params, size)
    scope = [scope_path + "%"]
    rounds = fetch(
        "SELECT r.id, r.name FROM inspections_inspectionround r WHERE r.region_id IN "
        "(SELECT id FROM accounts_region WHERE path LIKE %s) OR r.id IN (SELECT t.round_id "
        "FROM rectification_task t WHERE t.region_id IN "
        "(SELECT id FROM accounts_region WHERE path LIKE %s))",
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


def task_page_detail(task_id: int, reports: int):
    task = fetch(
        "SELECT t.*, r.code, r.name, p.code, p.title, p.original_text, c.title, a.title, "
        "g.name, u.name, u.short_name, l.name "
        "FROM rectification_task t "
        "JOIN inspections_inspectionround r ON r.id = t.round_id "
        "JOIN inspections_problem p ON p.id = t.problem_id "
        "LEFT JOIN inspections_feedbackcategory c ON c.id = p.category_id "
        "LEFT JOIN inspections_feedbackaspect a ON a.id = c.aspect_id "
        "JOIN accounts_region g ON g.id = t.region_id "
        "LEFT JOIN accounts_unit u ON u.id = t.lead_unit_id "
        "LEFT JOIN accounts_person l ON l.id = t.leader_id "
        "WHERE t.id = %s",
        [task_id],
    )
    assignments = fetch(
        "SELECT a.id, a.role, a.duty, u.name, u.short_name FROM rectification_assignment a "
        "JOIN accounts_unit u ON u.id = a.unit_id WHERE a.task_id = %s ORDER BY a.sort, a.id",
        [task_id],
    )
    report_rows = fetch(
        "SELECT pr.id, pr.progress_text, pr.progress_pct, pr.schedule_status, pr.difficulties, "
        "pr.next_steps, pr.submitted_at, rp.code, us.username, un.name "
        "FROM rectification_progressreport pr "
        "JOIN rectification_reportingperiod rp ON rp.id = pr.period_id "
        "LEFT JOIN accounts_user us ON us.id = pr.submitted_by_id "
        "JOIN accounts_unit un ON un.id = pr.unit_id "
        "WHERE pr.task_id = %s ORDER BY pr.submitted_at DESC, pr.id DESC LIMIT %s",
        [task_id, reports],
    )
    events = fetch(
        "SELECT e.id, e.verb, e.from_status, e.to_status, e.note, e.created_at, us.username "
        "FROM rectification_event e LEFT JOIN accounts_user us ON us.id = e.actor_id "
        "WHERE e.task_id = %s ORDER BY e.created_at, e.id",
        [task_id],
    )
    encode([task, assignments, report_rows, events])
    return {
        "task": task[0][0] if task else None,
        "reports": [r[0] for r in report_rows],
        "events": [e[0] for e in events],
    }


# ---------------------------------------------------------------------------------------------
# The dashboard: the three aggregate queries


def _totals_columns(on: date) -> tuple[str, list]:
    working = list(WORKING_STATUSES)
    w = f"t.status IN ({_marks(working)})"
    overdue = f"({w} AND t.deadline < %s)"
    not_overdue = f"({w} AND (t.deadline IS NULL OR t.deadline >= %s))"
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
        "COUNT(*) FILTER (WHERE t.warning_level = %s AND t.status <> %s), "
        "COUNT(*) FILTER (WHERE t.warning_level = %s AND t.status <> %s)"
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
        TaskStatus.CLOSED,
        WarningLevel.YELLOW,
        TaskStatus.CLOSED,
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
        f"COUNT(*) FILTER (WHERE t.status IN ({_marks(working)}) AND t.deadline < %s)"
        f"{scope} GROUP BY t.region_id",
        [TaskStatus.CLOSED, *working, on, path + "%"],
    )
    encode([totals, by_round, by_region])
    return {
        "totals": dict(zip(TOTAL_KEYS, totals, strict=True)),
        "by_round": {r[0]: dict(zip(TOTAL_KEYS, r[1:], strict=True)) for r in by_round},
        "by_region": {r[0]: list(r[1:]) for r in by_region},
    }


# ---------------------------------------------------------------------------------------------
# The ledger export: the same rows and columns, streamed into openpyxl write-only


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


def export_count(path: str, deadline_before: date | None) -> int:
    where, params = export_where(path, deadline_before)
    return fetch(f"SELECT COUNT(*) FROM rectification_task t{where}", params)[0][0]


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
    """Write one row of `columns` cells per task into an openpyxl write-only workbook.

    The same data as the ledger (task, problem tree, units, latest progress); none of its
    styles, merges or summary sheet. Returns the task codes in row order (the answer)."""
    from django.db import transaction
    from openpyxl import Workbook

    where, params = export_where(path, deadline_before)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("raw")
    sheet.append(["title"])
    sheet.append([f"c{i}" for i in range(columns)])
    codes: list[str] = []
    seq = 0
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
                mine = units.get(row[0], ())
                lead = "、".join(n for r, n in mine if r == "LEAD")
                coop = "、".join(n for r, n in mine if r == "COOP")
                terr = "、".join(n for r, n in mine if r == "TERRITORIAL")
                codes.append(row[1])
                sheet.append(
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
                    ][:columns]
                )
    workbook.save(out)
    return codes


# ---------------------------------------------------------------------------------------------
# The daily sweeps


def _group_ids(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"array_agg(DISTINCT {column})"
    return f"group_concat(DISTINCT {column})"


def _ids(value) -> set[int]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {int(v) for v in value.split(",") if v}
    return set(value)


def reminder_sweep(on: date, escalate_days: int):
    """Due (7/3/1 days) and overdue working tasks grouped by told unit, and the tasks overdue
    long enough to escalate."""
    working = list(WORKING_STATUSES)
    roles = list(TOLD_ROLES)
    dates = [on + timedelta(days=d) for d in REMIND_DAYS_BEFORE]
    groups = fetch(
        f"SELECT a.unit_id, {_group_ids('a.task_id')} FROM rectification_assignment a "
        "JOIN rectification_task t ON t.id = a.task_id "
        f"WHERE a.role IN ({_marks(roles)}) AND t.status IN ({_marks(working)}) "
        f"AND (t.deadline IN ({_marks(dates)}) OR t.deadline < %s) GROUP BY a.unit_id",
        [*roles, *working, *dates, on],
    )
    escalate = fetch(
        "SELECT t.id FROM rectification_task t "
        f"WHERE t.status IN ({_marks(working)}) AND t.deadline <= %s",
        [*working, on - timedelta(days=escalate_days)],
    )
    by_unit = {unit: _ids(ids) for unit, ids in groups}
    encode([[u, sorted(i)] for u, i in by_unit.items()])
    return {
        "units": len(by_unit),
        "tasks": sorted(set().union(*by_unit.values())) if by_unit else [],
        "escalated": sorted(r[0] for r in escalate),
    }


def warning_sweep(on: date):
    """Open tasks, and those red today (overdue, or flagged from above by a manual warning):
    the part of the colour rule that is plain SQL; grouped by lead unit."""
    from rectification.choices import OPEN_STATUSES, WarningReason

    open_ = list(OPEN_STATUSES)
    working = list(WORKING_STATUSES)
    flags = [WarningReason.UPPER_CRITICISM, WarningReason.MEDIA]
    rows = fetch(
        f"SELECT t.lead_unit_id, COUNT(*), {_group_ids('t.id')} FILTER (WHERE "
        f"(t.status IN ({_marks(working)}) AND t.deadline < %s) OR EXISTS (SELECT 1 FROM "
        "rectification_warning w WHERE w.task_id = t.id AND NOT w.auto AND w.resolved_at IS NULL "
        f"AND (w.reason IN (%s, %s) OR w.level = %s))) "
        f"FROM rectification_task t WHERE t.status IN ({_marks(open_)}) GROUP BY t.lead_unit_id",
        [*working, on, *flags, WarningLevel.RED, *open_],
    )
    encode([[u, n, sorted(_ids(ids))] for u, n, ids in rows])
    return {"evaluated": sum(r[1] for r in rows), "red": sum(len(_ids(r[2])) for r in rows)}
