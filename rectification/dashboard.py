"""The leader dashboard and the public notice page: pure reads, a fixed number of queries.

Dashboard figures are read over the user's scope (`visible_to(user)`), so a leader or the
office sees exactly its region subtree. The counts come from the day's summary table
(DailyTally, rectification.tally: cells per region, round and lead unit, kept equal to a
recount of the task table by the jobs and the services), so a province of 1,000,000 tasks
sums some tens of thousands of cells instead of aggregating the task table four times.
Every figure carries the task-list URL whose filters (rectification.filtersets.TaskFilterSet)
give back exactly that figure: the drill-down. The tests recount each figure through the
filterset to keep the two in step.

Queries for one dashboard, whatever the number of tasks: scope (1 for a regional user, cached
per request), the day's tally is there (1; the first dashboard of a day the nightly job has
not reached builds it), totals (1), totals by round (1), rounds and their headlines (1), cells
by region (1), the counties above those regions (1), unit ranking (1), closed-per-month trend
(1, from the tally's TallyTrend), scatter points (1, from the tasks).

On a read replica (accounts.replicas) nothing may be written: a dashboard that finds no tally
for the day there reads the same figures live from the tasks and the close events (the
queries above, each over the task table instead of the cells) rather than building it.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, get_urlconf, reverse
from django.utils import timezone

from accounts import clock, replicas
from accounts.choices import RegionLevel, Role
from accounts.ids import parse_id
from accounts.models import Region
from inspections.choices import RoundKind
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Problem
from rectification import tally
from rectification.choices import (
    WORKING_STATUSES,
    AssignmentRole,
    CloseoutStatus,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.filtersets import encode_filters
from rectification.models import (
    Assignment,
    CloseoutApplication,
    DailyTally,
    TallyDay,
    TallyTrend,
    Task,
)
from rectification.public_photos import split_photos
from rectification.selectors import Headline, TaskTotals, bucket_counts

# The task list page's URL name (agreed with the pages' author; base.html links it too).
TASK_LIST_URL_NAME = "task_list"
TASK_DETAIL_URL_NAME = "task_detail"
TASK_LIST_FALLBACK = "/tasks/"

# The scatter draws at most this many points; beyond it the page says the picture is partial.
SCATTER_CAP = 2000
TREND_MONTHS = 12
# The unit ranking shows every unit up to twice this, else the best and the worst this many.
UNIT_RANKING_EDGE = 15
# The public page lists close-outs from this many days back.
PUBLIC_RECENT_DAYS = 90

Params = list[tuple[str, str]]

_WORKING = [str(s) for s in WORKING_STATUSES]
_NOT_CLOSED = [s for s in TaskStatus.values if s != TaskStatus.CLOSED]


def _statuses(values: Iterable[str]) -> Params:
    return [("status", v) for v in values]


# Filters that reproduce each TaskTotals bucket (see selectors.task_totals for the buckets).
BUCKET_PARAMS: dict[str, Params] = {
    "total": [],
    "closed": _statuses([TaskStatus.CLOSED]),
    "publicizing": _statuses([TaskStatus.PUBLICIZING]),
    "in_review": _statuses([TaskStatus.APPLIED, TaskStatus.IN_REVIEW]),
    "in_progress": [*_statuses(_WORKING), ("overdue", "false")],
    "overdue": [("overdue", "true")],
    "behind": [
        ("schedule_status", ScheduleStatus.BEHIND),
        *_statuses(_WORKING),
        ("overdue", "false"),
    ],
    # Working, not overdue and not behind: the numerator of the on-schedule rate.
    "on_schedule": [
        *[("schedule_status", s) for s in ScheduleStatus.values if s != ScheduleStatus.BEHIND],
        *_statuses(_WORKING),
        ("overdue", "false"),
    ],
    # Warnings count only on tasks not yet closed (a closed task keeps its last colour).
    "red": [("warning_level", WarningLevel.RED), *_statuses(_NOT_CLOSED)],
    "yellow": [("warning_level", WarningLevel.YELLOW), *_statuses(_NOT_CLOSED)],
}


def task_list_url(params: Sequence[tuple[str, object]] = ()) -> str:
    """The task list filtered by `params` (repeated keys allowed), in the list's one filter
    encoding (rectification.filtersets.encode_filters). The path is reversed once per URLconf."""
    base = _task_list_base(get_urlconf())
    query = encode_filters(params)
    return f"{base}?{query}" if query else base


@lru_cache(maxsize=8)
def _task_list_base(urlconf) -> str:
    try:
        return reverse(TASK_LIST_URL_NAME, urlconf=urlconf)
    except NoReverseMatch:
        return TASK_LIST_FALLBACK


def _task_detail_template() -> str | None:
    """The task page URL with an `{id}` placeholder, reversed once per dashboard."""
    sentinel = 2147483647
    try:
        return reverse(TASK_DETAIL_URL_NAME, args=[sentinel]).replace(str(sentinel), "{id}")
    except NoReverseMatch:
        return None


def can_view_dashboard(user) -> bool:
    """Leaders, the inspection office and administrators; never the units themselves."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or user.role in (Role.LEADER, Role.OFFICE, Role.ADMIN)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    value: int | float
    url: str
    unit: str = ""
    tone: str = "secondary"


@dataclass(frozen=True)
class RoundRow:
    round_id: int
    name: str
    headline: str
    totals: TaskTotals
    urls: dict[str, str]
    short_name: str = ""  # the chart's axis label (round_short_names); the tooltip has `name`


# A round's kind in a few characters, for chart axes (the full name is in the tooltip).
ROUND_KIND_SHORT = {
    RoundKind.CENTRAL_ROUTINE: "中央督察",
    RoundKind.CENTRAL_LOOKBACK: "中央回头看",
    RoundKind.CENTRAL_SPECIAL: "中央专项",
    RoundKind.PROV_ROUTINE: "省级督察",
    RoundKind.PROV_LOOKBACK: "省级回头看",
    RoundKind.PROV_SPECIAL: "省级专项",
    RoundKind.YANGTZE_FILM: "警示片",
    RoundKind.SELF_CHECK: "自查",
    RoundKind.OTHER: "交办",
}
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def round_short_names(rounds: Sequence[dict]) -> list[str]:
    """Short, distinct axis labels for rounds, in their order: the year and the kind
    ("2019年警示片", "2018年警示片", "2019年省级督察"). The year is the first one in the name,
    else the year of the feedback, of the stay or in the code. Rounds that would share a label
    are told apart by their place among those: "2019年警示片（1）", "2019年警示片（2）".

    Each dict holds name, code, kind, feedback_date and stay_start."""

    def year(r: dict) -> str:
        found = _YEAR.search(r["name"])
        if found:
            return found.group()
        for key in ("feedback_date", "stay_start"):
            if r.get(key):
                return str(r[key].year)
        found = _YEAR.search(r.get("code") or "")
        return found.group() if found else ""

    labels = []
    for r in rounds:
        kind = ROUND_KIND_SHORT.get(r["kind"], "督察")
        y = year(r)
        labels.append(f"{y}年{kind}" if y else kind)
    seen: dict[str, int] = {}
    repeated = {label for label in labels if labels.count(label) > 1}
    unique = []
    for label in labels:
        if label in repeated:
            seen[label] = seen.get(label, 0) + 1
            label = f"{label}（{seen[label]}）"
        unique.append(label)
    return unique


@dataclass(frozen=True)
class AreaRow:
    """A county (its whole subtree) or, for tasks above county level, a region itself."""

    region_id: int
    name: str
    own_level: bool
    total: int
    closed: int
    overdue: int
    urls: dict[str, str]

    @property
    def completion_rate(self) -> float:
        return round(100 * self.closed / self.total, 1) if self.total else 0.0


@dataclass(frozen=True)
class UnitRow:
    unit_id: int
    name: str
    total: int
    closed: int
    overdue: int
    red: int
    yellow: int
    urls: dict[str, str]
    rank: int = 0
    after_gap: bool = False  # the first of the worst, after the units not shown

    @property
    def completion_rate(self) -> float:
        return round(100 * self.closed / self.total, 1) if self.total else 0.0


@dataclass
class Dashboard:
    today: date
    round_id: int | None
    round_choices: list[tuple[int, str]]
    totals: TaskTotals
    kpis: list[Kpi]
    rounds: list[RoundRow]
    areas: list[AreaRow]
    units: list[UnitRow]
    units_ranked: int  # how many units the ranking holds (more than it shows at scale)
    ranking_edge: int  # how many of the best and of the worst a long ranking shows
    trend: list[dict]
    points: list[dict]
    points_truncated: bool
    chart_data: dict = field(default_factory=dict)


def _bucket_urls(base: Params) -> dict[str, str]:
    return {key: task_list_url([*base, *params]) for key, params in BUCKET_PARAMS.items()}


def _kpis(totals: TaskTotals, urls: dict[str, str]) -> list[Kpi]:
    return [
        Kpi("total", "整改任务", totals.total, urls["total"], "个", "primary"),
        Kpi("closed", "已销号", totals.closed, urls["closed"], "个", "success"),
        Kpi("in_review", "验收中", totals.in_review, urls["in_review"], "个", "info"),
        Kpi("publicizing", "公示中", totals.publicizing, urls["publicizing"], "个", "info"),
        Kpi("in_progress", "整改中", totals.in_progress, urls["in_progress"], "个", "secondary"),
        Kpi("overdue", "逾期", totals.overdue, urls["overdue"], "个", "danger"),
        Kpi("behind", "未达序时进度", totals.behind, urls["behind"], "个", "warning"),
        Kpi("red", "红灯", totals.red, urls["red"], "个", "danger"),
        Kpi("yellow", "黄牌", totals.yellow, urls["yellow"], "个", "warning"),
        Kpi("completion_rate", "销号率", totals.completion_rate, urls["closed"], "%", "success"),
        Kpi(
            "on_schedule_rate",
            "序时达标率",
            totals.on_schedule_rate,
            urls["on_schedule"],
            "%",
            "primary",
        ),
    ]


def _round_rows(by_round: dict[int, TaskTotals]) -> list[RoundRow]:
    """Rounds holding tasks in scope, with their computed headline, in one query."""

    def count_of(qs: QuerySet, round_path: str) -> Subquery:
        return Coalesce(
            Subquery(
                qs.filter(**{round_path: OuterRef("pk")})
                .order_by()
                .values(round_path)
                .annotate(n=Count("*"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    rounds = (
        InspectionRound.objects.filter(pk__in=list(by_round))
        .annotate(
            n_aspects=count_of(FeedbackAspect.objects.all(), "round"),
            n_categories=count_of(FeedbackCategory.objects.all(), "aspect__round"),
            n_problems=count_of(Problem.objects.all(), "round"),
        )
        .values(
            "pk",
            "name",
            "code",
            "kind",
            "feedback_date",
            "stay_start",
            "n_aspects",
            "n_categories",
            "n_problems",
        )
    )
    rounds = list(rounds)
    return [
        RoundRow(
            round_id=r["pk"],
            name=r["name"],
            headline=str(Headline(r["n_aspects"], r["n_categories"], r["n_problems"])),
            totals=by_round[r["pk"]],
            urls=_bucket_urls([("round", str(r["pk"]))]),
            short_name=short,
        )
        for r, short in zip(rounds, round_short_names(rounds), strict=True)
    ]


def _path_prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["".join(f"{p}/" for p in parts[: i + 1]) for i in range(len(parts))]


def _area_rows(cells: QuerySet, figures: dict, base: Params) -> list[AreaRow]:
    """Tasks by county (a county's townships count in it), by two grouped queries.

    A task placed above county level (a city-wide measure: 市本级) has no county; it is
    counted under its own region and drilled down with the exact `region` filter.
    """
    by_region = list(
        cells.order_by()
        .values("region_id", "region__path", "region__name")
        .annotate(**{f: figures[f] for f in ("total", "closed", "overdue")})
    )
    prefixes = {p for row in by_region for p in _path_prefixes(row["region__path"])}
    counties = {
        c["path"]: c
        for c in Region.objects.filter(level=RegionLevel.COUNTY, path__in=prefixes).values(
            "pk", "path", "name"
        )
    }
    buckets: dict[tuple[bool, int], dict] = {}
    for row in by_region:
        county = next(
            (counties[p] for p in _path_prefixes(row["region__path"]) if p in counties), None
        )
        if county is not None:
            key = (False, county["pk"])
            bucket = buckets.setdefault(key, {"name": county["name"], "path": county["path"]})
        else:
            key = (True, row["region_id"])
            bucket = buckets.setdefault(
                key, {"name": f"{row['region__name']}（本级）", "path": row["region__path"]}
            )
        for figure in ("total", "closed", "overdue"):
            bucket[figure] = bucket.get(figure, 0) + row[figure]
    rows = []
    for (own_level, region_id), b in sorted(
        buckets.items(), key=lambda kv: (kv[0][0], kv[1]["path"])
    ):
        area = [("region" if own_level else "county", str(region_id))]
        rows.append(
            AreaRow(
                region_id=region_id,
                name=b["name"],
                own_level=own_level,
                total=b["total"],
                closed=b["closed"],
                overdue=b["overdue"],
                urls={
                    "total": task_list_url([*base, *area]),
                    "closed": task_list_url([*base, *area, *BUCKET_PARAMS["closed"]]),
                    "overdue": task_list_url([*base, *area, *BUCKET_PARAMS["overdue"]]),
                },
            )
        )
    return rows


def _unit_rows(cells: QuerySet, figures: dict, base: Params) -> tuple[list[UnitRow], int]:
    """Lead units ranked by completion rate (desc), then overdue (asc), in one grouped query;
    with more than 2 × UNIT_RANKING_EDGE units (a province has ~2,000) only the best and the
    worst UNIT_RANKING_EDGE are shown, with their ranks. Returns (shown rows, units ranked)."""
    rows = list(
        cells.order_by()
        .filter(lead_unit__isnull=False)
        .values("lead_unit_id", "lead_unit__name", "lead_unit__short_name")
        .annotate(**{f: figures[f] for f in ("total", "closed", "overdue", "red", "yellow")})
    )
    for r in rows:
        r["name"] = r["lead_unit__short_name"] or r["lead_unit__name"]
        r["rate"] = round(100 * r["closed"] / r["total"], 1) if r["total"] else 0.0
    rows.sort(key=lambda r: (-r["rate"], r["overdue"], -r["total"], r["name"]))
    ranked = list(enumerate(rows, start=1))
    if len(ranked) > 2 * UNIT_RANKING_EDGE:
        ranked = ranked[:UNIT_RANKING_EDGE] + ranked[-UNIT_RANKING_EDGE:]
    units = []
    for rank, r in ranked:
        unit = [*base, ("lead_unit", str(r["lead_unit_id"]))]
        units.append(
            UnitRow(
                unit_id=r["lead_unit_id"],
                name=r["name"],
                total=r["total"],
                closed=r["closed"],
                overdue=r["overdue"],
                red=r["red"],
                yellow=r["yellow"],
                urls={
                    key: task_list_url([*unit, *BUCKET_PARAMS[key]])
                    for key in ("total", "closed", "overdue", "red", "yellow")
                },
                rank=rank,
                after_gap=bool(units) and rank > units[-1].rank + 1,
            )
        )
    return units, len(rows)


def _trend(counts: dict[date, int], base: Params, today: date) -> list[dict]:
    """The tasks closed (Event verb "close") in each month in Asia/Shanghai, the last 12 months
    up to the business date, from the tally's trend cells. A task closed, reopened and closed
    again in a later month counts in both months: a history of close-outs, which a reopening
    does not rewrite. Each point drills down to exactly its tasks (the `closed_month` filter).
    The business date's month is marked `partial` ("本月截至15日"): it is not over."""
    months = tally.month_starts(today, TREND_MONTHS)
    points = []
    for m in months:
        url = task_list_url([*base, ("closed_month", f"{m:%Y-%m}")])
        point = {"month": f"{m:%Y-%m}", "closed": counts.get(m, 0), "url": url}
        if (m.year, m.month) == (today.year, today.month):
            point["partial"] = f"本月截至{today.day}日"
        points.append(point)
    return points


# Scopes up to this many tasks read their located tasks first and then sort them (see _points).
SMALL_SCOPE = 20_000


def _points(tasks: QuerySet[Task], scope_total: int) -> tuple[list[dict], bool]:
    """Located tasks for the scatter, by id, capped at SCATTER_CAP (one more is read to know).

    A scope that holds a small share of the table (a county: 5,000 of 1,000,000 tasks) is
    sorted after its rows are read through the region index: walking the primary key in
    order until 2,001 of them turn up read 430,000 rows (400 ms). `id + 0` keeps the
    planner off that walk; a large scope (the province) still takes it and stops early."""
    order = F("id") if scope_total > SMALL_SCOPE else F("id") + 0
    rows = list(
        tasks.filter(lat__isnull=False, lng__isnull=False)
        .order_by(order)
        .values("pk", "code", "name", "lat", "lng", "status")[: SCATTER_CAP + 1]
    )
    truncated = len(rows) > SCATTER_CAP
    detail = _task_detail_template()
    points = []
    for r in rows[:SCATTER_CAP]:
        url = detail.replace("{id}", str(r["pk"])) if detail else task_list_url([("q", r["code"])])
        points.append(
            {
                "value": [float(r["lng"]), float(r["lat"])],
                "status": r["status"],
                "name": f"{r['code']} {r['name']}",
                "url": url,
            }
        )
    return points, truncated


def _round_id(raw) -> int | None:
    return parse_id(raw)


def dashboard_for(user, *, round_id=None, today: date | None = None) -> Dashboard:
    """Every figure of the leader dashboard for `user`'s scope, optionally one round only."""
    today = today or clock.today()
    round_id = _round_id(round_id)
    scoped = Task.objects.visible_to(user)
    # A replica is never written: there, a day without its tally is read live from the tasks.
    live = replicas.on_replica() and not TallyDay.objects.filter(day=today).exists()
    if live:
        scoped_cells, figures = scoped, bucket_counts(today)
    else:
        tally.ensure(today)
        scoped_cells, figures = DailyTally.objects.visible_to(user).filter(day=today), tally.sums()
    by_round = {
        row.pop("round_id"): TaskTotals(**row)
        for row in scoped_cells.order_by().values("round_id").annotate(**figures)
    }
    all_rounds = _round_rows(by_round)
    tasks = scoped.filter(round_id=round_id) if round_id else scoped
    cells = scoped_cells.filter(round_id=round_id) if round_id else scoped_cells
    base: Params = [("round", str(round_id))] if round_id else []

    totals = TaskTotals(**{k: v or 0 for k, v in cells.order_by().aggregate(**figures).items()})
    kpis = _kpis(totals, _bucket_urls(base))
    rounds = [r for r in all_rounds if not round_id or r.round_id == round_id]
    areas = _area_rows(cells, figures, base)
    units, units_ranked = _unit_rows(cells, figures, base)
    if live:
        closes = tally.close_events(today, tasks).values("month")
        closes = closes.annotate(n=Count("task_id", distinct=True))
    else:
        trend_cells = TallyTrend.objects.visible_to(user).filter(day=today)
        if round_id:
            trend_cells = trend_cells.filter(round_id=round_id)
        closes = trend_cells.values("month").annotate(n=Sum("closes"))
    trend = _trend(dict(closes.order_by().values_list("month", "n")), base, today)
    points, truncated = _points(tasks, totals.total)

    board = Dashboard(
        today=today,
        round_id=round_id,
        round_choices=[(r.round_id, r.name) for r in all_rounds],
        totals=totals,
        kpis=kpis,
        rounds=rounds,
        areas=areas,
        units=units,
        units_ranked=units_ranked,
        ranking_edge=UNIT_RANKING_EDGE,
        trend=trend,
        points=points,
        points_truncated=truncated,
    )
    board.chart_data = _chart_data(board)
    return board


# Status buckets as stacked in the by-round chart: they partition a round's tasks.
STACK = [
    ("closed", "已销号", "#2e7d32"),
    ("publicizing", "公示中", "#0288d1"),
    ("in_review", "验收中", "#7e57c2"),
    ("in_progress", "整改中", "#9e9e9e"),
    ("overdue", "逾期", "#d32f2f"),
]

POINT_COLOURS = {
    TaskStatus.NOT_STARTED: "#757575",
    TaskStatus.IN_PROGRESS: "#f9a825",
    TaskStatus.APPLIED: "#7e57c2",
    TaskStatus.IN_REVIEW: "#5e35b1",
    TaskStatus.PUBLICIZING: "#0288d1",
    TaskStatus.CLOSED: "#2e7d32",
}


def _chart_data(board: Dashboard) -> dict:
    """What static/js/dashboard.js draws; every clickable datum carries its drill-down URL."""
    by_status: dict[str, list[dict]] = {}
    for point in board.points:
        by_status.setdefault(point["status"], []).append(point)
    return {
        "byRound": {
            # short distinct axis labels; the full names for the tooltips
            "rounds": [r.short_name for r in board.rounds],
            "names": [r.name for r in board.rounds],
            "series": [
                {
                    "key": key,
                    "name": label,
                    "color": colour,
                    "data": [
                        {"value": getattr(r.totals, key), "url": r.urls[key]} for r in board.rounds
                    ],
                }
                for key, label, colour in STACK
            ],
        },
        "areas": {
            "names": [a.name for a in board.areas],
            "total": [{"value": a.total, "url": a.urls["total"]} for a in board.areas],
            "closed": [{"value": a.closed, "url": a.urls["closed"]} for a in board.areas],
            "overdue": [{"value": a.overdue, "url": a.urls["overdue"]} for a in board.areas],
            "rate": [{"value": a.completion_rate, "url": a.urls["closed"]} for a in board.areas],
        },
        "trend": board.trend,
        "scatter": {
            "series": [
                {
                    "status": status.value,
                    "name": str(status.label),
                    "color": POINT_COLOURS[status],
                    "data": by_status.get(status.value, []),
                }
                for status in TaskStatus
            ],
            "truncated": board.points_truncated,
            "cap": SCATTER_CAP,
        },
    }


# ---------------------------------------------------------------------------------------------
# The public notice page (公示)


@dataclass(frozen=True)
class PublicEntry:
    """One close-out as the public may see it: nothing internal (no people, no staff phones,
    no review opinions, no internal evidence: only the 整改前/整改后 photos of
    rectification.public_photos, served re-encoded)."""

    task_name: str
    problem: str
    round_name: str
    goal: str
    result: str
    lead_units: list[str]
    other_units: list[str]
    notice_start: date
    notice_end: date
    closed_on: date | None
    contact_phone: str
    notice_id: int | None = None
    code: str = ""
    region_name: str = ""
    address: str = ""
    lat: Decimal | None = None
    lng: Decimal | None = None
    # 整改前/整改后 photos the public may see (rectification.public_photos): ids and kinds only.
    photos_before: list = field(default_factory=list)
    photos_after: list = field(default_factory=list)

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def photo_groups(self) -> list[tuple[str, list]]:
        return [("整改前", self.photos_before), ("整改后", self.photos_after)]


def public_closeouts(*, today: date | None = None) -> QuerySet[CloseoutApplication]:
    """Close-outs in their notice period today, and those closed in the last 90 days.

    Public by design: this reads every region with no user scope, because a 公示 is meant for
    everyone; only the public columns are loaded.
    """
    today = today or clock.today()
    in_notice = Q(
        status=CloseoutStatus.ACCEPTED,
        task__status=TaskStatus.PUBLICIZING,
        notice__start_date__lte=today,
        notice__end_date__gte=today,
    )
    # A close-out timestamp later than the business date (a pinned demo date) still counts as
    # recent: only the lower bound matters.
    recently_closed = Q(
        status=CloseoutStatus.APPROVED,
        task__status=TaskStatus.CLOSED,
        closed_at__gte=tally.local_midnight(today - timedelta(days=PUBLIC_RECENT_DAYS)),
        notice__isnull=False,
    )
    units = Assignment.objects.select_related("unit").only(
        "task_id", "role", "sort", "unit__name", "unit__short_name"
    )
    return (
        CloseoutApplication.objects.filter(in_notice | recently_closed)
        .filter(task__withdrawn_at__isnull=True)
        .select_related("task", "task__problem", "task__round", "task__region", "notice")
        .only(
            "summary",
            "status",
            "closed_at",
            "task__code",
            "task__name",
            "task__goal",
            "task__address",
            "task__lat",
            "task__lng",
            "task__region__name",
            "task__problem__code",
            "task__problem__title",
            "task__round__name",
            "notice__start_date",
            "notice__end_date",
            "notice__contact_phone",
        )
        .prefetch_related(Prefetch("task__assignments", queryset=units))
        .order_by("-notice__start_date", "-id")
    )


def public_regions(public: QuerySet[CloseoutApplication]) -> list[tuple[int, str]]:
    """The regions (区县; a city for its city-level tasks) of the public close-outs: the
    choices of the page's region filter, one query."""
    rows = (
        public.order_by()
        .values_list("task__region_id", "task__region__name", "task__region__path")
        .distinct()
    )
    return [(pk, name) for pk, name, _ in sorted(rows, key=lambda row: row[2])]


def public_search(
    public: QuerySet[CloseoutApplication], *, q: str = "", region_id: int | None = None
) -> QuerySet[CloseoutApplication]:
    """The public close-outs whose task matches `q` in its 编号, 名称 or 地址 (each word must
    match one of them), in the region `region_id` if given."""
    for word in q.split()[:5]:
        public = public.filter(
            Q(task__code__icontains=word)
            | Q(task__name__icontains=word)
            | Q(task__address__icontains=word)
        )
    if region_id is not None:
        public = public.filter(task__region_id=region_id)
    return public


def public_entry(app: CloseoutApplication) -> PublicEntry:
    task = app.task
    lead_roles = (AssignmentRole.LEAD, AssignmentRole.TERRITORIAL)
    assignments = list(task.assignments.all())
    lead = [a.unit.name for a in assignments if a.role in lead_roles]
    others = [
        a.unit.name for a in assignments if a.role not in lead_roles and a.unit.name not in lead
    ]
    closed_on = timezone.localdate(app.closed_at) if app.closed_at else None
    # Prefetched by the page (public_photos.photos_prefetch); none where it was not asked for.
    before, after = split_photos(getattr(task, "public_photos", []))
    return PublicEntry(
        task_name=task.name,
        problem=f"{task.problem.code} {task.problem.title}".strip(),
        round_name=task.round.name,
        goal=task.goal,
        result=app.summary,
        lead_units=list(dict.fromkeys(lead)),
        other_units=list(dict.fromkeys(others)),
        notice_start=app.notice.start_date,
        notice_end=app.notice.end_date,
        closed_on=closed_on if app.status == CloseoutStatus.APPROVED else None,
        contact_phone=app.notice.contact_phone,
        notice_id=app.notice.pk,
        code=task.code,
        region_name=task.region.name,
        address=task.address,
        lat=task.lat,
        lng=task.lng,
        photos_before=before,
        photos_after=after,
    )
