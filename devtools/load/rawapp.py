"""The raw limit of the load test (issue 16): a minimal WSGI app answering the paths the load
generator hits with each endpoint's raw SQL as JSON.

No Django request machinery: no middleware, URL resolver, sessions, templates, forms or ORM.
Django is set up only for its settings and its per-thread database connection (psycopg2 on
PostgreSQL, sqlite3 for the small test runs), which stays open for the worker thread's
life, and for the benchmark's raw queries (devtools.bench.raw), reused where they exist.

It does no authentication: it trusts the session cookie or the API token it is sent and
looks up whose it is in the load plan (LOAD_PLAN, devtools/load/plan.py), which says the
persona's scope (unit or region subtree). The writes are the rows the product writes, as
hand-written statements in one transaction: the progress report (a new row, or the month's
row amended with its earlier version kept as a revision), the task's version and progress,
and the event; the 验收 review, the 公示 notice, the application's and the task's status
change and the event. The event is sealed into the tamper-evident chain and the dashboard's
tally cell recounted with the product's own functions (accounts.chain, rectification.tally):
the same statements, which the product must run too. Notifications, schedule recolouring
and evidence checks are not done.

Run by devtools/load/runner.py as `gunicorn devtools.load.rawapp:application`.
"""

import json
import os
import re
from datetime import date, timedelta
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from accounts import chain, clock  # noqa: E402
from devtools.bench import raw  # noqa: E402
from rectification import tally  # noqa: E402
from rectification.models import Event  # noqa: E402
from rectification.views.tasks import TASK_PAGE_REPORTS, TIMELINE_EVENTS  # noqa: E402

with open(os.environ["LOAD_PLAN"], encoding="utf-8") as _plan_file:
    PLAN = json.load(_plan_file)
SESSIONS = {
    row["cookie"]: {**row, "persona": persona}
    for persona in ("reporter", "office", "leader")
    for row in PLAN[persona]
}
TOKENS = {row["token"]: row for row in PLAN["api"]}
COUNTIES = {str(PLAN["county"]["id"]): PLAN["county"]["path"]}
PAGE = 50
ROUTES = []


def route(method: str, pattern: str):
    def register(view):
        ROUTES.append((method, re.compile(f"^{pattern}$"), view))
        return view

    return register


class Refused(Exception):
    def __init__(self, status: str, detail: str):
        super().__init__(detail)
        self.status = status


def application(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "/")
    for verb, pattern, view in ROUTES:
        found = pattern.match(path)
        if verb == method and found:
            try:
                status, headers, body = view(environ, *found.groups())
            except Refused as refused:
                status, headers, body = refused.status, [], raw.encode({"detail": str(refused)})
            break
    else:
        status, headers, body = "404 Not Found", [], raw.encode({"detail": "not found"})
    data = body.encode()
    start_response(
        status,
        [
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
            *headers,
        ],
    )
    return [data]


def _ok(payload) -> tuple:
    return "200 OK", [], raw.encode(payload)


def _redirect(location: str) -> tuple:
    return "302 Found", [("Location", location)], ""


def _session(environ) -> dict:
    cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    morsel = cookie.get(PLAN["session_cookie"])
    found = SESSIONS.get(morsel.value) if morsel else None
    if found is None:
        raise Refused("302 Found", "login")  # where the product would send it
    return found


def _query(environ) -> dict:
    return parse_qs(environ.get("QUERY_STRING", ""))


def _form(environ) -> dict:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length).decode() if length else ""
    return {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _lock(*tables: str) -> str:
    """Row locks of these tables' rows only (a join's other rows, such as the applicant's
    user, are not locked: the event writers' advisory lock would deadlock with them)."""
    if connection.vendor != "postgresql":
        return ""  # SQLite: the transaction holds the database's write lock
    return " FOR UPDATE" + (f" OF {', '.join(tables)}" if tables else "")


# ---------------------------------------------------------------------------------------------
# Reporters: my tasks, the task page, the month's report


@route("GET", "/tasks/")
def task_list(environ):
    session = _session(environ)
    query = _query(environ)
    if session["persona"] == "office":
        # The ledger with the county + status filter (the benchmark's raw HTML list).
        county = COUNTIES[query["county"][0]]
        answer = raw.html_task_page(county, query.get("status", []), session["path"])
        return _ok(answer)
    # 我的任务: the unit's tasks by status, the first page in the urgent order, the rounds.
    days = settings.WARNING_DUE_SOON_DAYS
    return _ok(raw.my_tasks(session["unit"], clock.today(), days, size=PAGE))


@route("GET", r"/tasks/(\d+)/")
def task_page(environ, pk):
    session = _session(environ)
    return _ok(raw.task_page_detail(int(pk), TASK_PAGE_REPORTS, TIMELINE_EVENTS, session["path"]))


def _own_task(session: dict, pk: int, lock: bool = False) -> tuple:
    rows = raw.fetch(
        "SELECT t.id, t.code, t.name, t.status, t.progress_pct, t.version, t.schedule_status, "
        "t.region_id, t.round_id FROM rectification_task t WHERE t.id = %s AND t.lead_unit_id = %s"
        + (_lock() if lock else ""),
        [pk, session["unit"]],
    )
    if not rows:
        raise Refused("404 Not Found", "task")
    return rows[0]


@route("GET", r"/tasks/(\d+)/report/")
def report_form(environ, pk):
    session = _session(environ)
    task = _own_task(session, int(pk))
    this_month = raw.fetch(
        "SELECT id, progress_text, progress_pct, revision_count FROM "
        "rectification_progressreport WHERE task_id = %s AND period_id = %s",
        [task[0], PLAN["period"]["id"]],
    )
    fields = {"csrfmiddlewaretoken": "raw", "version": task[5], "progress_pct": task[4]}
    return _ok({"task": task, "this_month": this_month, "fields": fields})


REPORT_COPY = (
    "unit_id, progress_text, progress_pct, difficulties, next_steps, invest_wan, "
    "falling_reason, review_status, review_note, submitted_by_id, submitted_at"
)


@route("POST", r"/tasks/(\d+)/report/")
def report_post(environ, pk):
    session = _session(environ)
    form = _form(environ)
    pct = int(form["progress_pct"])
    text = form["progress_text"].strip()
    now = clock.now()
    period = PLAN["period"]["id"]
    with transaction.atomic():
        task_id, _, _, status, _, version, schedule, region, round_ = _own_task(
            session, int(pk), lock=True
        )
        if version != int(form["version"]):
            raise Refused("409 Conflict", "version")
        started = "IN_PROGRESS" if status == "NOT_STARTED" else status
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rectification_task SET progress_pct = %s, status = %s, "
                "version = version + 1, updated_at = %s WHERE id = %s AND version = %s",
                [pct, started, now, task_id, version],
            )
            cursor.execute(
                "SELECT id FROM rectification_progressreport WHERE task_id = %s AND period_id = %s"
                + _lock(),
                [task_id, period],
            )
            existing = cursor.fetchone()
            if existing:
                report = existing[0]
                cursor.execute(
                    f"INSERT INTO rectification_progressreportrevision (report_id, {REPORT_COPY}, "
                    f"replaced_at) SELECT id, {REPORT_COPY}, %s FROM "
                    "rectification_progressreport WHERE id = %s",
                    [now, report],
                )
                cursor.execute(
                    "UPDATE rectification_progressreport SET unit_id = %s, progress_text = %s, "
                    "progress_pct = %s, submitted_by_id = %s, submitted_at = %s, "
                    "revision_count = revision_count + 1 WHERE id = %s",
                    [session["unit"], text, pct, session["user"], now, report],
                )
                verb = "report_amend"
            else:
                cursor.execute(
                    "INSERT INTO rectification_progressreport (task_id, period_id, unit_id, "
                    "progress_text, progress_pct, schedule_status, difficulties, next_steps, "
                    "submitted_by_id, submitted_at, falling_reason, revision_count, "
                    "review_status, review_note) VALUES (%s, %s, %s, %s, %s, %s, '', '', %s, %s, "
                    "'', 0, 'PENDING', '')",
                    [task_id, period, session["unit"], text, pct, schedule, session["user"], now],
                )
                cursor.execute(
                    "SELECT id FROM rectification_progressreport WHERE task_id = %s AND "
                    "period_id = %s",
                    [task_id, period],
                )
                report = cursor.fetchone()[0]
                verb = "report"
            note = f"{PLAN['period']['code']} 完成{pct}%"
            _event(
                cursor,
                task_id,
                "progressreport",
                report,
                verb,
                status,
                started,
                session["user"],
                note,
                now,
            )
            tally.recount_pairs([(region, round_)])
    return _redirect(f"/tasks/{task_id}/")


def _event(cursor, task_id, target, target_id, verb, from_status, to_status, actor, note, now):
    """The event row, sealed into the tamper-evident chain as the product's writers do (the
    chain's lock and seal are accounts.chain's own: the same statements)."""
    chain.lock()
    cursor.execute(
        "INSERT INTO rectification_event (task_id, target_type_id, target_id, verb, "
        "from_status, to_status, note, actor_id, created_at, changes) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [
            task_id,
            PLAN["content_types"][target],
            target_id,
            verb,
            from_status,
            to_status,
            note,
            actor,
            now,
            "{}",
        ],
    )
    chain.seal(Event)


# ---------------------------------------------------------------------------------------------
# The office: the review queue and 验收


APPLICATION_SELECT = (
    "SELECT ap.id, ap.applied_at, ap.summary, t.id, t.code, t.name, t.version, g.name, "
    "u.name, us.username, t.region_id, t.round_id FROM rectification_closeoutapplication ap "
    "JOIN rectification_task t ON t.id = ap.task_id "
    "JOIN accounts_region g ON g.id = t.region_id "
    "JOIN accounts_unit u ON u.id = ap.unit_id "
    "JOIN accounts_user us ON us.id = ap.applied_by_id "
)


@route("GET", "/review/")
def review_queue(environ):
    session = _session(environ)
    rows = raw.fetch(
        f"{APPLICATION_SELECT} WHERE ap.status = 'SELF_CHECKED' AND g.path LIKE %s "
        "ORDER BY ap.applied_at, ap.id",
        [session["path"] + "%"],
    )
    reviews = raw.fetch(
        "SELECT r.application_id, r.level, r.result, r.opinion FROM rectification_closeoutreview r "
        f"WHERE r.application_id IN ({', '.join(['%s'] * len(rows)) or 'NULL'})",
        [r[0] for r in rows],
    )
    return _ok({"to_review": rows, "reviews": reviews})


def _application(session: dict, pk: int, lock: bool = False) -> tuple:
    rows = raw.fetch(
        f"{APPLICATION_SELECT} WHERE ap.id = %s AND g.path LIKE %s"
        + (_lock("ap", "t") if lock else ""),
        [pk, session["path"] + "%"],
    )
    if not rows:
        raise Refused("404 Not Found", "application")
    return rows[0]


@route("GET", r"/closeouts/(\d+)/accept/")
def accept_form(environ, pk):
    session = _session(environ)
    app = _application(session, int(pk))
    evidence = raw.fetch(
        "SELECT id, kind, file, uploaded_at FROM rectification_attachment WHERE task_id = %s "
        "ORDER BY uploaded_at, id",
        [app[3]],
    )
    today = clock.today()
    fields = {
        "csrfmiddlewaretoken": "raw",
        "version": app[6],
        "notice_start": today.isoformat(),
        "notice_end": (today + timedelta(days=7)).isoformat(),
        "contact_phone": "",
    }
    return _ok({"application": app, "evidence": evidence, "fields": fields})


@route("POST", r"/closeouts/(\d+)/accept/")
def accept_post(environ, pk):
    session = _session(environ)
    form = _form(environ)
    now = clock.now()
    opinion = form["opinion"].strip()
    with transaction.atomic(), connection.cursor() as cursor:
        app = _application(session, int(pk), lock=True)
        task_id, version = app[3], app[6]
        if version != int(form["version"]):
            raise Refused("409 Conflict", "version")
        cursor.execute(
            "UPDATE rectification_closeoutapplication SET status = 'ACCEPTED' "
            "WHERE id = %s AND status = 'SELF_CHECKED'",
            [app[0]],
        )
        if cursor.rowcount != 1:
            raise Refused("409 Conflict", "status")
        cursor.execute(
            "INSERT INTO rectification_closeoutreview (application_id, level, unit_id, "
            "reviewer_id, reviewers, method, actual_date, result, opinion, document_no, "
            "created_at) VALUES (%s, 'CITY', (SELECT unit_id FROM accounts_user WHERE id = %s), "
            "%s, '', 'BOTH', %s, 'PASS', %s, '', %s)",
            [app[0], session["user"], session["user"], clock.today(), opinion, now],
        )
        start = date.fromisoformat(form["notice_start"])
        end = date.fromisoformat(form["notice_end"])
        cursor.execute(
            "INSERT INTO rectification_publicnotice (application_id, channel, url, start_date, "
            "end_date, contact_phone, objections, objection_note, result) "
            "VALUES (%s, '市政府网站', '', %s, %s, %s, 0, '', 'PENDING')",
            [app[0], start, end, form.get("contact_phone", "")],
        )
        cursor.execute(
            "UPDATE rectification_task SET status = 'PUBLICIZING', version = version + 1, "
            "updated_at = %s WHERE id = %s AND status = 'IN_REVIEW' AND version = %s",
            [now, task_id, version],
        )
        _event(
            cursor,
            task_id,
            "closeoutapplication",
            app[0],
            "accept",
            "IN_REVIEW",
            "PUBLICIZING",
            session["user"],
            f"{opinion}；公示 {start:%Y-%m-%d} 至 {end:%Y-%m-%d}",
            now,
        )
        tally.recount_pairs([(app[10], app[11])])
    return _redirect(f"/tasks/{task_id}/")


# ---------------------------------------------------------------------------------------------
# Leaders and API clients


@route("GET", "/dashboard/")
def dashboard(environ):
    session = _session(environ)
    # The same summary table the product reads (the live aggregates are the benchmark's limit
    # for the dashboard's SQL; a throughput limit reads what the product reads).
    return _ok(raw.dashboard_from_tally(session["path"], clock.today()))


@route("GET", "/api/v1/tasks/")
def api_tasks(environ):
    header = environ.get("HTTP_AUTHORIZATION", "")
    client = TOKENS.get(header.removeprefix("Token ").strip())
    if client is None:
        raise Refused("401 Unauthorized", "token")
    query = _query(environ)
    county = query.get("county", [None])[0]
    path = COUNTIES[county] if county else client["path"]
    statuses = query.get("status", [])
    after = None
    cursor = query.get("cursor", [""])[0]
    if cursor:
        # The raw app's own cursor: "deadline|id" of the last row of the page before.
        deadline, pk = cursor.split("|")
        after = (date.fromisoformat(deadline) if deadline else None, int(pk))
    answer = raw.task_page(path, statuses, after=after)
    last = answer["ids"][-1] if len(answer["ids"]) == PAGE else None
    next_url = None
    if last is not None:
        deadline = raw.fetch("SELECT deadline FROM rectification_task WHERE id = %s", [last])[0][0]
        key = f"{deadline or ''}|{last}"
        params = "&".join(f"status={s}" for s in statuses)
        next_url = f"/api/v1/tasks/?{params}&county={county or ''}&cursor={key}"
    return _ok({**answer, "next": next_url})
