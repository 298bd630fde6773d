"""Daily warnings (蓝签/黄牌/红灯, docs/domain.md §1.4): 序时 status and colour of every open task.

For each open task, on day `on`:
- RED    overdue (still being worked on, deadline passed), or flagged from above: an unresolved
         manual warning (auto=False) with reason UPPER_CRITICISM or MEDIA;
- YELLOW behind schedule (rectification.schedule), due within settings.WARNING_DUE_SOON_DAYS
         days, or its monthly progress report missing after the cutoff day (NO_REPORT);
         an unresolved manual warning keeps at least its own colour (the office's 黄牌 for a
         failed acceptance is not wiped by the next night's run);
- BLUE   otherwise.

Task.schedule_status and Task.warning_level are written back where they change. The day's
warnings are recorded as auto Warning rows, one per (task, reason, day), for YELLOW and RED
only: blue is kept only as the task's level, not as a row per task per day, so the table grows
with the problems, not with the ledger. Closed tasks lose their colour. Each change of a
task's colour is an event (EventVerb.WARNING, from the old colour to the new) on its timeline.

The escalation ladder (docs/domain.md §1.4, [S12]): a task yellow today that has been shown
two yellow cards in the calendar month (a card: a yellow reason the task did not have the day
before, so the same reason held for a week is one card, a different reason or the same one
coming back is another; the office's manual 黄牌, e.g. for a failed acceptance, is a card too)
gets a proposed 督办函 (专函督办: SupervisionNotice kind LETTER, status PROPOSED); a task red
today gets a proposed 约谈 (kind INTERVIEW) for its leader in charge. At most one of each per
task and month (SupervisionNotice.auto_key), the offices over the task's region are told
(notification kinds letter_proposed, interview_proposed), and each proposal is an event
(EventVerb.SUPERVISION_PROPOSE) on the task's timeline. The office issues or dismisses it.

The rules are written twice on purpose: `schedule.evaluate` and `decide` are the rules in
Python (pages and services use them), and `run` applies the same rules in SQL to every open
task at once, in one transaction and a constant number of statements, so a province of a
million tasks is a few set-based statements rather than a loop. tests/jobs/
test_warning_sweep_sql.py checks the SQL against the Python over many random tasks on both
databases. A second run on the same day changes nothing.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from accounts import clock, events
from accounts.events import EventVerb
from rectification import tally
from rectification.choices import (
    OPEN_STATUSES,
    WORKING_STATUSES,
    NotificationKind,
    ScheduleStatus,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import periods, recipients, sql
from rectification.models import Event, SupervisionNotice, Task
from rectification.schedule import FLAG_REASONS, Colour, decide  # noqa: F401 (the rule in Python)
from rectification.services import notify_select


@dataclass(frozen=True)
class SweepRun:
    day: date
    evaluated: int
    blue: int
    yellow: int
    red: int
    warnings: int  # auto Warning rows inserted (none when the day's rows are already there)
    letters: int  # 督办函 proposed
    interviews: int = 0  # 约谈 proposed


# ---------------------------------------------------------------------------------------------
# The sweep in SQL: schedule.evaluate and decide for every open task at once.
#
# A constant number of statements whatever the size of the ledger, and no task row passes
# through Python: a temporary table DAY with each open task's verdict, colour and reasons, one
# INSERT … SELECT of the day's Warning rows; for the letters a second temporary table LETTER
# (the 督办函 to propose, taken before any is inserted, so that only the new ones are linked
# and announced) and two INSERT … SELECT; then one INSERT … SELECT of the events (each
# colour change, each proposed letter: accounts.events.record_select), written before the
# UPDATE of the tasks whose stored values differ (the old colour is the event's from_status),
# and the notices to the offices. Runs on PostgreSQL and on SQLite >= 3.35 (UPDATE … FROM, AS MATERIALIZED); the
# spelling that differs between the two is in rectification.jobs.sql. Choice codes are written
# into the statements as literals; dates, numbers and wording are parameters.

DAY = "warning_sweep_day"
LETTER = "warning_sweep_letter"
AUTO_NOTE = "系统按日自动研判"
CLOSED_NOTE = "任务已销号，不再预警"
LETTER_TITLE = "关于{code} {name}整改工作的督办函（拟）"
LETTER_CONTENT = (
    "{code} {name} 于{month}两次被亮黄牌（{labels}）。"
    "建议专函督办，要求牵头单位限期书面回复整改措施和完成时间。"
)
LETTER_NOTICE_TITLE = "【拟发督办函】{code} {name} 本月两次黄牌"
INTERVIEW_TITLE = "关于{code} {name}的约谈（拟）"
INTERVIEW_CONTENT = (
    "{code} {name} 于{day}亮红灯。建议由责任领导约谈牵头单位主要负责同志，督促限期整改到位。"
)
INTERVIEW_NOTICE_TITLE = "【拟约谈】{code} {name} 亮红灯"

WORKING = sql.listed(WORKING_STATUSES)
FLAGS = sql.listed(FLAG_REASONS)


def _percent(part: str, whole: str) -> str:
    """SQL for Python's round(100 * part / whole), for integers part >= 0 and whole > 0.

    SQL's ROUND takes ties away from zero, Python's round() to the even neighbour. In
    integers: q = (200·part + whole) div (2·whole) rounds half up, and on an exact tie (no
    remainder) an odd q is one above the even neighbour. (The float 100 * part / whole that
    round() sees is exact on ties and cannot cross one, so the two agree everywhere.)"""
    n, d = f"(200 * {part} + {whole})", f"(2 * {whole})"
    return f"({n} / {d} - CASE WHEN {n} %% {d} = 0 AND ({n} / {d}) %% 2 = 1 THEN 1 ELSE 0 END)"


# Unresolved manual warnings: the highest level per task and reason (1 blue … 3 red), which
# is decide()'s `manual`; a level outside the three counts for nothing there either.
MANUAL = """
SELECT w.task_id, w.reason,
       MAX(CASE w.level WHEN 'RED' THEN 3 WHEN 'YELLOW' THEN 2 ELSE 1 END) AS rank
FROM rectification_warning w
WHERE NOT w.auto AND w.resolved_at IS NULL AND w.level IN ('BLUE', 'YELLOW', 'RED')
GROUP BY w.task_id, w.reason
"""
MANUAL_RED = f"(m.reason IN ({FLAGS}) OR m.rank = 3)"
MANUAL_YELLOW = f"(m.reason NOT IN ({FLAGS}) AND m.rank = 2)"


def _day_sql(report_overdue: bool) -> str:
    """Each open task's 序时 verdict (schedule.evaluate), colour (decide) and the flags of the
    reasons behind it, into the temporary table DAY.

    `facts` gathers per open task its milestone weights, manual warnings and the month's
    report, and states the expected and actual shares as integer fractions; `shares` rounds
    them to whole percentages, `judged` gives the verdict, the last SELECT the colour.
    `facts` is MATERIALIZED: inlined, each use of a share would repeat the date arithmetic
    under it (the percentages use their fraction several times, the verdict each percentage
    several times), which made the statement several times slower."""
    if report_overdue:
        reported = """
        LEFT JOIN (
            SELECT DISTINCT r.task_id FROM rectification_progressreport r
            JOIN rectification_reportingperiod rp ON rp.id = r.period_id
            WHERE rp.kind = 'MONTHLY' AND rp.code = %(month)s
        ) rep ON rep.task_id = t.id"""
        no_report = (
            f"CASE WHEN t.status IN ({WORKING}) AND rep.task_id IS NULL "
            "AND (t.start_date IS NULL OR t.start_date <= %(cutoff)s) THEN 1 ELSE 0 END"
        )
    else:
        reported, no_report = "", "0"
    return f"""
CREATE TEMP TABLE {DAY} AS
WITH facts AS MATERIALIZED (
    SELECT t.id, t.lead_unit_id,
           -- overdue against the original deadline (an extension never hides it)
           CASE WHEN t.status IN ({WORKING})
                     AND COALESCE(t.original_deadline, t.deadline) < %(on)s
                THEN 1 ELSE 0 END AS overdue,
           CASE WHEN t.status IN ({WORKING}) AND t.deadline BETWEEN %(on)s AND %(due_soon_until)s
                THEN 1 ELSE 0 END AS due_soon,
           {no_report} AS no_report,
           COALESCE(mw.red, 0) AS manual_red,
           COALESCE(mw.yellow, 0) AS manual_yellow,
           -- expected: the milestone weight planned by today, else the elapsed share of
           -- start → deadline; NULL when the task is not judged (NA)
           CASE WHEN t.status NOT IN ({WORKING}) THEN NULL
                WHEN p.total > 0 THEN p.planned
                WHEN t.span > 0 THEN CASE WHEN t.elapsed < 0 THEN 0
                                          WHEN t.elapsed > t.span THEN t.span
                                          ELSE t.elapsed END
                WHEN t.span IS NOT NULL THEN CASE WHEN t.elapsed >= 0 THEN 1 ELSE 0 END
           END AS expected_part,
           CASE WHEN p.total > 0 THEN p.total WHEN t.span > 0 THEN t.span ELSE 1 END
               AS expected_whole,
           -- actual: the milestone weight done by today, else the reported percentage
           CASE WHEN p.total > 0 THEN p.done ELSE t.progress_pct END AS actual_part,
           CASE WHEN p.total > 0 THEN p.total ELSE 100 END AS actual_whole
    FROM (
        SELECT t.id, t.lead_unit_id, t.status, t.start_date, t.deadline, t.original_deadline,
               t.progress_pct,
               {sql.days_between("t.deadline", "t.start_date")} AS span,
               {sql.days_between("%(on)s", "t.start_date")} AS elapsed
        FROM rectification_task t
        WHERE t.status IN ({sql.listed(OPEN_STATUSES)}) AND t.withdrawn_at IS NULL
    ) t
    LEFT JOIN (
        SELECT ms.task_id, SUM(ms.weight) AS total,
               SUM(CASE WHEN ms.planned_date <= %(on)s THEN ms.weight ELSE 0 END) AS planned,
               SUM(CASE WHEN ms.done_date <= %(on)s THEN ms.weight ELSE 0 END) AS done
        FROM rectification_milestone ms
        GROUP BY ms.task_id
    ) p ON p.task_id = t.id
    LEFT JOIN (
        SELECT m.task_id,
               SUM(CASE WHEN {MANUAL_RED} THEN 1 ELSE 0 END) AS red,
               SUM(CASE WHEN {MANUAL_YELLOW} THEN 1 ELSE 0 END) AS yellow
        FROM ({MANUAL}) m
        GROUP BY m.task_id
    ) mw ON mw.task_id = t.id{reported}
),
shares AS (
    SELECT f.id, f.lead_unit_id, f.overdue, f.due_soon, f.no_report, f.manual_red,
           f.manual_yellow,
           {_percent("f.expected_part", "f.expected_whole")} AS expected,
           {_percent("f.actual_part", "f.actual_whole")} AS actual
    FROM facts f
),
judged AS (
    SELECT s.*,
           CASE WHEN s.expected IS NULL THEN 'NA'
                WHEN s.actual < s.expected - %(tolerance)s THEN 'BEHIND'
                WHEN s.actual > s.expected + %(tolerance)s THEN 'AHEAD'
                ELSE 'ON' END AS verdict
    FROM shares s
)
SELECT j.id, j.lead_unit_id, j.verdict,
       CASE WHEN j.overdue = 1 OR j.manual_red > 0 THEN 'RED'
            WHEN j.manual_yellow > 0 OR j.verdict = 'BEHIND' OR j.due_soon = 1
                 OR j.no_report = 1 THEN 'YELLOW'
            ELSE 'BLUE' END AS level,
       j.overdue, CASE WHEN j.verdict = 'BEHIND' THEN 1 ELSE 0 END AS behind, j.due_soon,
       j.no_report
FROM judged j
"""


UPDATE_TASKS = f"""
UPDATE rectification_task AS t SET schedule_status = d.verdict, warning_level = d.level
FROM {DAY} d
WHERE d.id = t.id AND (t.schedule_status <> d.verdict OR t.warning_level <> d.level)
"""

# One row per reason behind the day's colour, yellow and red only. A manual flag's reason is
# recorded again under auto=True, so that the day's rows list every reason behind the colour.
INSERT_WARNINGS = f"""
INSERT INTO rectification_warning
    (task_id, unit_id, level, reason, day, auto, issued_by_id, note, resolved_at,
     resolved_by_id, resolve_note, created_at)
SELECT x.id, x.lead_unit_id, x.level, x.reason, %(on)s, %(auto)s, NULL, %(note)s, NULL, NULL, '',
       %(now)s
FROM (
    SELECT d.id, d.lead_unit_id, d.level, 'OVERDUE' AS reason FROM {DAY} d WHERE d.overdue = 1
    UNION ALL
    SELECT d.id, d.lead_unit_id, d.level, 'BEHIND' FROM {DAY} d
    WHERE d.level = 'YELLOW' AND d.behind = 1
    UNION ALL
    SELECT d.id, d.lead_unit_id, d.level, 'DUE_SOON' FROM {DAY} d
    WHERE d.level = 'YELLOW' AND d.due_soon = 1
    UNION ALL
    SELECT d.id, d.lead_unit_id, d.level, 'NO_REPORT' FROM {DAY} d
    WHERE d.level = 'YELLOW' AND d.no_report = 1
    UNION ALL
    SELECT d.id, d.lead_unit_id, d.level, m.reason FROM {DAY} d
    JOIN ({MANUAL}) m ON m.task_id = d.id
    WHERE (d.level = 'RED' AND {MANUAL_RED}) OR (d.level = 'YELLOW' AND {MANUAL_YELLOW})
) x
WHERE true
ON CONFLICT DO NOTHING
"""

COUNTS = f"""
SELECT COUNT(*),
       COALESCE(SUM(CASE WHEN level = 'BLUE' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN level = 'YELLOW' THEN 1 ELSE 0 END), 0),
       COALESCE(SUM(CASE WHEN level = 'RED' THEN 1 ELSE 0 END), 0),
       (SELECT COUNT(*) FROM {LETTER} WHERE kind = 'LETTER'),
       (SELECT COUNT(*) FROM {LETTER} WHERE kind = 'INTERVIEW')
FROM {DAY}
"""

# The reason codes in the order the letter lists their labels (sorted codes).
REASONS = sorted(WarningReason.values)


def _issued_this_month(kind: str) -> str:
    """SQL: the office already issued a notice of this kind about task t this month (by hand,
    e.g. a 约谈 held before the task turned red in the sweep's eyes): nothing to propose."""
    return f"""EXISTS (
        SELECT 1 FROM rectification_supervisionnotice_tasks nt
        JOIN rectification_supervisionnotice n ON n.id = nt.supervisionnotice_id
        WHERE nt.task_id = t.id AND n.kind = {sql.listed([kind])}
        AND n.issued_on >= %(month_start)s
    )"""


def _letter_sql(params: dict[str, object]) -> str:
    """Today's proposals, into the temporary table LETTER (docs/domain.md §1.4, [S12]):

    - a 督办函 (专函督办) for a task yellow today that has been shown two yellow cards this
      calendar month. A yellow card is a yellow Warning row (the sweep's or the office's)
      whose reason the task did not already have yellow the day before: a reason held day
      after day is one card, a reason that comes back after a blue spell (or after a day the
      sweep did not run) is a new one, as is each different reason;
    - a 约谈 for a task red today, for its leader in charge (task.leader, else the
      problem's), at most one per task and month;

    each to a task with a lead unit, no proposal of its kind for this month yet and no notice
    of its kind the office issued about it this month. Adds the
    wording's parameters to `params`."""
    seen = ",\n               ".join(
        f"MAX(CASE WHEN c.reason = {sql.listed([reason])} THEN 1 ELSE 0 END) AS r{i}"
        for i, reason in enumerate(REASONS)
    )
    # "、"-separated labels: each reason seen adds "、<label>", substr drops the first "、".
    for i, reason in enumerate(REASONS):
        params[f"label{i}"] = f"、{WarningReason(reason).label}"
    labels = " || ".join(
        f"CASE WHEN y.r{i} = 1 THEN %(label{i})s ELSE '' END" for i in range(len(REASONS))
    )
    fields = {"code": "l.code", "name": "l.name", "month": "%(month_label)s", "labels": "l.labels"}
    interview = {"code": "l.code", "name": "l.name", "day": "%(day_label)s"}
    held = sql.days_between("w.day", "p.day")
    return f"""
CREATE TEMP TABLE {LETTER} AS
SELECT l.*, {sql.text(LETTER_TITLE, params, **fields)} AS title,
       {sql.text(LETTER_CONTENT, params, **fields)} AS content,
       {sql.text(LETTER_NOTICE_TITLE, params, **fields)} AS notice_title
FROM (
    SELECT 'LETTER' AS kind, {sql.listed([NotificationKind.LETTER_PROPOSED])} AS notice_kind,
           t.id AS task_id, t.lead_unit_id, CAST(NULL AS INTEGER) AS leader_id, t.region_id,
           g.path AS region_path, t.code, t.name,
           'letter:' || CAST(t.id AS TEXT) || ':' || %(month)s AS auto_key,
           substr({labels}, 2) AS labels
    FROM {DAY} d
    JOIN (
        SELECT c.task_id, COUNT(*) AS cards,
               {seen}
        FROM (
            SELECT DISTINCT w.task_id, w.reason, w.day
            FROM rectification_warning w
            WHERE w.level = 'YELLOW' AND w.day >= %(month_start)s AND w.day <= %(on)s
            AND NOT EXISTS (
                SELECT 1 FROM rectification_warning p
                WHERE p.task_id = w.task_id AND p.reason = w.reason AND p.level = 'YELLOW'
                AND p.day < w.day AND {held} = 1
            )
        ) c
        GROUP BY c.task_id
    ) y ON y.task_id = d.id
    JOIN rectification_task t ON t.id = d.id
    JOIN accounts_region g ON g.id = t.region_id
    WHERE d.level = 'YELLOW' AND y.cards >= 2 AND t.lead_unit_id IS NOT NULL
    AND NOT {_issued_this_month("LETTER")}
) l
WHERE NOT EXISTS (SELECT 1 FROM rectification_supervisionnotice n WHERE n.auto_key = l.auto_key)
UNION ALL
SELECT l.*, {sql.text(INTERVIEW_TITLE, params, **interview)},
       {sql.text(INTERVIEW_CONTENT, params, **interview)},
       {sql.text(INTERVIEW_NOTICE_TITLE, params, **interview)}
FROM (
    SELECT 'INTERVIEW' AS kind,
           {sql.listed([NotificationKind.INTERVIEW_PROPOSED])} AS notice_kind,
           t.id AS task_id, t.lead_unit_id, COALESCE(t.leader_id, pr.leader_id) AS leader_id,
           t.region_id, g.path AS region_path, t.code, t.name,
           'interview:' || CAST(t.id AS TEXT) || ':' || %(month)s AS auto_key, '' AS labels
    FROM {DAY} d
    JOIN rectification_task t ON t.id = d.id
    JOIN inspections_problem pr ON pr.id = t.problem_id
    JOIN accounts_region g ON g.id = t.region_id
    WHERE d.level = 'RED' AND t.lead_unit_id IS NOT NULL
    AND NOT {_issued_this_month("INTERVIEW")}
) l
WHERE NOT EXISTS (SELECT 1 FROM rectification_supervisionnotice n WHERE n.auto_key = l.auto_key)
"""


INSERT_LETTERS = f"""
INSERT INTO rectification_supervisionnotice
    (kind, doc_no, title, content, target_unit_id, status, issued_on, reply_due, reply_text,
     replied_at, issued_by_id, auto_key, leader_id, dismissed_reason, created_at)
SELECT l.kind, '', l.title, l.content, l.lead_unit_id, 'PROPOSED', NULL, NULL, '', NULL, NULL,
       l.auto_key, l.leader_id, '', %(now)s
FROM {LETTER} l
WHERE true
ON CONFLICT DO NOTHING
"""

LINK_LETTERS = f"""
INSERT INTO rectification_supervisionnotice_tasks (supervisionnotice_id, task_id)
SELECT n.id, l.task_id
FROM {LETTER} l JOIN rectification_supervisionnotice n ON n.auto_key = l.auto_key
WHERE true
ON CONFLICT DO NOTHING
"""

# For services.notify_select: every active office user whose unit's region holds the task's
# region (recipients.regional_users + covering), on their channels (messages_for). The offices
# are matched with the few regions of the day's letters, the letters then join on region_id.
LETTER_NOTICES = f"""
SELECT o.id AS recipient_id, l.notice_kind AS kind, l.task_id,
       l.notice_title AS title, l.content AS body,
       '/tasks/' || CAST(l.task_id AS TEXT) || '/' AS url, ch.channel,
       l.notice_kind || ':' || CAST(n.id AS TEXT) AS key
FROM {LETTER} l
JOIN rectification_supervisionnotice n ON n.auto_key = l.auto_key
JOIN (
    SELECT r.region_id, u.id, u.email
    FROM (SELECT DISTINCT region_id, region_path FROM {LETTER}) r
    JOIN accounts_user u ON u.role = 'OFFICE' AND u.is_active
    JOIN accounts_unit un ON un.id = u.unit_id
    JOIN accounts_region g ON g.id = un.region_id
    WHERE substr(r.region_path, 1, length(g.path)) = g.path
) o ON o.region_id = l.region_id
JOIN {recipients.channels_sql("o")}
"""


# For accounts.events.record_select, before the tasks are updated: one event per colour change
# (an open task whose colour differs from DAY's, a closed task that still has one) and one per
# letter proposed today, on its task's timeline.
EVENTS = f"""
SELECT t.id AS task_id, {events.target_sql(Task)}, t.id AS target_id, %(colour_verb)s AS verb,
       t.warning_level AS from_status, d.level AS to_status, %(note)s AS note
FROM {DAY} d JOIN rectification_task t ON t.id = d.id
WHERE t.warning_level <> d.level
UNION ALL
SELECT t.id, {events.target_sql(Task)}, t.id, %(colour_verb)s,
       t.warning_level, {sql.listed([WarningLevel.NONE])}, %(closed_note)s
FROM rectification_task t
WHERE t.status = {sql.listed([TaskStatus.CLOSED])} AND t.withdrawn_at IS NULL
AND t.warning_level <> {sql.listed([WarningLevel.NONE])}
UNION ALL
SELECT l.task_id, {events.target_sql(SupervisionNotice)}, n.id, %(letter_verb)s,
       '', {sql.listed([SupervisionStatus.PROPOSED])}, l.title
FROM {LETTER} l JOIN rectification_supervisionnotice n ON n.auto_key = l.auto_key
"""
EVENT_COLUMNS = ("task_id", "from_status", "to_status", "note")


def _propose_letters(params: dict[str, object]) -> int:
    """Propose today's 督办函 into LETTER and link each to its task (the events and the
    offices' notices come later, from LETTER). Returns how many."""
    with connection.cursor() as cursor:
        cursor.execute(_letter_sql(params), params)
        cursor.execute(INSERT_LETTERS, params)
        proposed = cursor.rowcount
        cursor.execute(LINK_LETTERS, params)
    return proposed


def run(on: date | None = None) -> SweepRun:
    on = on or clock.today()
    cutoff = periods.report_cutoff(on)
    # The report is due by the end of the cutoff day; the chase job marks it missing on that
    # evening, this (early morning) sweep from the next day to the month's end.
    report_overdue = on > cutoff
    params: dict[str, object] = {
        "on": sql.day(on),
        "due_soon_until": sql.day(on + timedelta(settings.WARNING_DUE_SOON_DAYS)),
        "tolerance": settings.SCHEDULE_TOLERANCE_PCT,
        "cutoff": sql.day(cutoff),
        "month": f"{on:%Y-%m}",
        "month_start": sql.day(periods.month_start(on)),
        "month_label": f"{on:%Y年%m月}",
        "day_label": f"{on:%Y年%m月%d日}",
        "now": connection.ops.adapt_datetimefield_value(clock.now()),
        "auto": True,
        "note": AUTO_NOTE,
        "colour_verb": EventVerb.WARNING.value,
        "letter_verb": EventVerb.SUPERVISION_PROPOSE.value,
        "closed_note": CLOSED_NOTE,
    }
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_day_sql(report_overdue), params)
            # Without statistics on the new table the planner guesses its joins; with the
            # index a misjudged nested loop is an index probe, not a scan per outer row.
            cursor.execute(f"CREATE UNIQUE INDEX {DAY}_id ON {DAY} (id)")
            cursor.execute(INSERT_WARNINGS, params)
            warnings = cursor.rowcount
            if connection.vendor == "postgresql":
                # Statistics that count today's rows (ANALYZE sees this transaction's own
                # inserts): the letters' "two yellow cards" self-join planned on stale ones,
                # estimating one yellow card where a province had tens of thousands, and
                # compared every card with every other (minutes at 1,000,000 tasks).
                cursor.execute(f"ANALYZE {DAY}")
                cursor.execute("ANALYZE rectification_warning")
        _propose_letters(params)
        events.record_select(Event, EVENTS, params, columns=EVENT_COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(UPDATE_TASKS, params)
        # A closed task has no colour and is not judged (不适用).
        Task.objects.filter(status=TaskStatus.CLOSED).filter(
            ~Q(warning_level=WarningLevel.NONE) | ~Q(schedule_status=ScheduleStatus.NA)
        ).update(warning_level=WarningLevel.NONE, schedule_status=ScheduleStatus.NA)
        notify_select(LETTER_NOTICES, params)
        with connection.cursor() as cursor:
            cursor.execute(COUNTS, params)
            evaluated, blue, yellow, red, letters, interviews = cursor.fetchone()
            cursor.execute(f"DROP TABLE {LETTER}")
            cursor.execute(f"DROP TABLE {DAY}")
        # The colours of the whole ledger changed: build the day's dashboard tally (and
        # rebuild any other day still kept) in the same transaction.
        tally.rebuild_built(also=on)
    return SweepRun(on, evaluated, blue, yellow, red, warnings, letters, interviews)
