"""Benchmark scenarios (issue 6): the product's real code path against the raw-SQL limit.

Each scenario runs the product (django.test.Client as a real user of the generated province,
or the job function itself) and, in the same process on the same connection, the raw SQL for
the same answer (devtools.bench.raw). For each it records the median and p95 of K timed
runs, the product's query count, the peak memory, whether both gave the same answer, and the
ratio product/limit against the issue's target.

Order of the runs for a scenario: one checked run of each side (warms the caches, gives the
answers to compare), one run whose statements are counted (and traced by tracemalloc for
the export), then K timed runs alternating product and raw.
"""

import math
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.core.signals import request_finished
from django.db import close_old_connections, connection, transaction
from django.db.models import Count
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from accounts import clock
from accounts.choices import RegionLevel, Role, UnitKind
from accounts.models import Region, Unit, User
from devtools.bench import raw
from rectification.choices import OPEN_STATUSES, TaskStatus, WarningLevel
from rectification.models import Assignment, Notification, Task
from rectification.views.tasks import TASK_PAGE_REPORTS, TIMELINE_EVENTS

# The status filter of the list scenarios: 整改中, the biggest working set.
LIST_STATUSES = [TaskStatus.IN_PROGRESS]
DEEP_ROWS = 200_000
EXPORT_ROWS = 100_000
EXPORT_MEMORY_MB = 150


# ---------------------------------------------------------------------------------------------
# Measuring


def _rss_kb(field_name: str) -> int | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@contextmanager
def peak_rss():
    """Peak resident memory above the starting point, in MB (Linux: VmHWM reset through
    /proc/self/clear_refs). Yields a dict filled in on exit; None where unsupported."""
    result: dict[str, float | None] = {"mb": None, "peak_mb": None}
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        start = _rss_kb("VmRSS")
    except OSError:
        start = None
    try:
        yield result
    finally:
        peak = _rss_kb("VmHWM")
        if start is not None and peak is not None:
            result["mb"] = round(max(0, peak - start) / 1024, 1)
            result["peak_mb"] = round(peak / 1024, 1)


@contextmanager
def template_context():
    """Let the test client capture template contexts (what setup_test_environment does)."""
    from django.template import Template
    from django.test.utils import instrumented_test_render

    original = Template._render
    if original is instrumented_test_render:  # already (pytest)
        yield
        return
    Template._render = instrumented_test_render
    try:
        yield
    finally:
        Template._render = original


@contextmanager
def count_queries():
    """Count the statements sent (CaptureQueriesContext keeps only the last 9,000, which a
    job over a million rows exceeds)."""
    counted = {"n": 0}

    def wrapper(execute, sql, params, many, context):
        counted["n"] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield counted


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _p95(values: list[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Scenario:
    key: str
    title: str
    # product(check) runs the real path; with check=True it returns the answer to compare.
    product: Callable[[bool], Any]
    raw: Callable[[], Any]
    target: float | None
    # The target is a ratio to the raw limit unless `basis` names another scenario whose
    # product median is the yardstick (the deep page against the first page).
    basis: str | None = None
    memory_limit_mb: float | None = None
    heavy: bool = False  # fewer timed runs (export, jobs)
    trace_memory: bool = False
    note: str = ""


@dataclass
class Result:
    key: str
    title: str
    runs: int
    product_ms: list[float] = field(default_factory=list)
    raw_ms: list[float] = field(default_factory=list)
    queries: int = 0
    product_rss_mb: float | None = None  # growth of the resident set during a run
    product_peak_mb: float | None = None  # the process's peak resident set during a run
    raw_rss_mb: float | None = None
    raw_peak_mb: float | None = None
    traced_peak_mb: float | None = None
    same_answer: bool = False
    product_answer_summary: str = ""
    raw_answer_summary: str = ""
    target: float | None = None
    basis: str | None = None
    memory_limit_mb: float | None = None
    target_ratio: float | None = None
    met: bool | None = None
    note: str = ""
    phases: dict[str, float] | None = None  # median ms per phase (benchmark --phases)

    @property
    def product_median(self) -> float:
        return _median(self.product_ms)

    @property
    def raw_median(self) -> float:
        return _median(self.raw_ms)

    @property
    def ratio(self) -> float | None:
        return self.product_median / self.raw_median if self.raw_median else None

    def as_json(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "runs": self.runs,
            "product_median_ms": round(self.product_median, 3),
            "product_p95_ms": round(_p95(self.product_ms), 3),
            "product_ms": [round(v, 3) for v in self.product_ms],
            "queries": self.queries,
            "raw_median_ms": round(self.raw_median, 3),
            "raw_p95_ms": round(_p95(self.raw_ms), 3),
            "raw_ms": [round(v, 3) for v in self.raw_ms],
            "ratio": round(self.ratio, 3) if self.ratio is not None else None,
            "target": self.target,
            "basis": self.basis or "raw",
            "target_ratio": round(self.target_ratio, 3) if self.target_ratio is not None else None,
            "memory_limit_mb": self.memory_limit_mb,
            "product_rss_growth_mb": self.product_rss_mb,
            "product_peak_rss_mb": self.product_peak_mb,
            "raw_rss_growth_mb": self.raw_rss_mb,
            "raw_peak_rss_mb": self.raw_peak_mb,
            "traced_peak_mb": self.traced_peak_mb,
            "met": self.met,
            "same_answer": self.same_answer,
            "product_answer": self.product_answer_summary,
            "raw_answer": self.raw_answer_summary,
            "note": self.note,
            "phases_ms": self.phases,
        }


def _summary(answer: Any) -> str:
    if isinstance(answer, dict):
        parts = []
        for k, v in answer.items():
            if isinstance(v, list | set | dict):
                parts.append(f"{k}={len(v)} items")
            else:
                parts.append(f"{k}={v}")
        return ", ".join(parts)
    return str(answer)[:200]


def run_scenario(scenario: Scenario, repeat: int, log=print, *, phases: bool = False) -> Result:
    runs = max(1, min(repeat, 3) if scenario.heavy else repeat)
    result = Result(
        scenario.key,
        scenario.title,
        runs,
        target=scenario.target,
        basis=scenario.basis,
        memory_limit_mb=scenario.memory_limit_mb,
        note=scenario.note,
    )
    # 1. answers (and warm caches)
    with template_context():
        product_answer = scenario.product(True)
    raw_answer = scenario.raw()
    result.same_answer = product_answer == raw_answer
    result.product_answer_summary = _summary(product_answer)
    result.raw_answer_summary = _summary(raw_answer)
    if not result.same_answer:
        log(f"  !! {scenario.key}: answers differ: {_diff(product_answer, raw_answer)}")
    # 2. query count (and the Python heap peak where asked)
    if scenario.trace_memory:
        tracemalloc.start()
    with count_queries() as queries:
        scenario.product(False)
    if scenario.trace_memory:
        result.traced_peak_mb = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    result.queries = queries["n"]
    # 3. timed runs, alternating
    product_mem, raw_mem = [], []
    for _ in range(runs):
        with peak_rss() as mem:
            started = time.perf_counter()
            scenario.product(False)
            result.product_ms.append((time.perf_counter() - started) * 1000)
        product_mem.append(mem)
        with peak_rss() as mem:
            started = time.perf_counter()
            scenario.raw()
            result.raw_ms.append((time.perf_counter() - started) * 1000)
        raw_mem.append(mem)
    result.product_rss_mb = _max(m["mb"] for m in product_mem)
    result.product_peak_mb = _max(m["peak_mb"] for m in product_mem)
    result.raw_rss_mb = _max(m["mb"] for m in raw_mem)
    result.raw_peak_mb = _max(m["peak_mb"] for m in raw_mem)
    # 4. where a request's time goes (devtools/bench/phases.py): requests only, not the jobs
    if phases and not scenario.heavy:
        from devtools.bench.phases import phase_timer

        with phase_timer() as (timings, timed):
            for _ in range(runs):
                timed(lambda: scenario.product(False))
        result.phases = timings.medians()
    return result


def _max(values) -> float | None:
    known = [v for v in values if v is not None]
    return max(known) if known else None


def _diff(a: Any, b: Any) -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        keys = [k for k in set(a) | set(b) if a.get(k) != b.get(k)]
        return "; ".join(f"{k}: product {_short(a.get(k))} raw {_short(b.get(k))}" for k in keys)
    return f"product {_short(a)} raw {_short(b)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) < 300 else text[:300] + "…"


def judge(results: dict[str, Result]) -> None:
    for r in results.values():
        if r.target is None:
            continue
        if r.basis:
            base = results.get(r.basis)
            r.target_ratio = r.product_median / base.product_median if base else None
        else:
            r.target_ratio = r.ratio
        met = r.target_ratio is not None and r.target_ratio <= r.target
        if r.memory_limit_mb is not None:
            # What the run itself takes: the larger of the resident-set growth and the Python
            # heap peak seen by tracemalloc (the process's absolute peak also counts memory
            # kept from earlier scenarios; it is reported, not judged).
            memory = _max([r.product_rss_mb, r.traced_peak_mb])
            met = met and memory is not None and memory <= r.memory_limit_mb
        r.met = met


# ---------------------------------------------------------------------------------------------
# The province under test


@dataclass
class Province:
    region: Region
    tasks: int
    office: User
    leader: User
    county: Region
    city: Region
    city_office: User
    city_leader: User
    county_leader: User
    on: date


def benchmark_provinces() -> list[tuple[Region, int]]:
    """Generated provinces (devtools.bench.province) with their task counts."""
    found = []
    for region in Region.objects.filter(
        level=RegionLevel.PROVINCE, name__startswith="基准省"
    ).order_by("pk"):
        n = Task.objects.filter(region__path__startswith=region.path).count()
        found.append((region, n))
    return found


def load_province(region: Region, tasks: int) -> Province:
    prefix = f"bench{region.code}-"
    office = User.objects.get(username=f"{prefix}{Role.OFFICE.lower()}-province")
    leader = User.objects.get(username=f"{prefix}{Role.LEADER.lower()}-province")
    # The county with the most 整改中 tasks, and its city's office and leader.
    top = (
        Task.objects.filter(region__path__startswith=region.path, status__in=LIST_STATUSES)
        .order_by()
        .values("region_id")
        .annotate(n=Count("*"))
        .order_by("-n", "region_id")
        .first()
    )
    county = Region.objects.select_related("parent").get(pk=top["region_id"])
    city = county.parent
    city_users = User.objects.filter(username__startswith=prefix, unit__region=city)
    # A county leader (the generator makes leaders per city): one of the county government,
    # made on first use with the generator's password hash.
    county_gov = Unit.objects.filter(region=county, kind=UnitKind.GOV).order_by("pk").first()
    county_leader, _ = User.objects.get_or_create(
        username=f"{prefix}leader-county-{county.pk}",
        defaults={"role": Role.LEADER, "unit": county_gov, "password": office.password},
    )
    return Province(
        region=region,
        tasks=tasks,
        office=office,
        leader=leader,
        county=county,
        city=city,
        city_office=city_users.get(role=Role.OFFICE),
        city_leader=city_users.get(role=Role.LEADER),
        county_leader=county_leader,
        on=clock.today(),
    )


# ---------------------------------------------------------------------------------------------
# The scenarios


def _client(user: User) -> Client:
    """A logged-in client of `user`; a user with a TOTP device (the load test's office users
    have one) has passed the second factor, as the code page would leave the session."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts import mfa

    client = Client()
    client.force_login(user)
    device = mfa.totp_device(user)
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _get(client: Client, url: str, data=None):
    response = client.get(url, data or {})
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} {data or ''}: HTTP {response.status_code}")
    return response


def _deep_cursor(province: Province) -> tuple[int, tuple[date | None, int], str]:
    """The API cursor that starts the page DEEP_ROWS rows into the 整改中 list (or as deep as
    the data allows), as the `next` link of the page before it would carry it (with the
    total of the first page)."""
    from rectification.api.pagination import TaskKeysetPagination, count_capped, encode_cursor

    qs = Task.objects.filter(
        region__path__startswith=province.region.path, status__in=LIST_STATUSES
    ).order_by(*[o.copy() for o in _forward_order()])
    total = qs.count()
    depth = max(0, min(DEEP_ROWS, total - 50))
    if depth == 0:
        return 0, (None, 0), ""
    row = qs.values("deadline", "id")[depth - 1]
    shown = count_capped(qs, TaskKeysetPagination.count_cap)
    # Cursors are signed for the account they were given to: the province office's client.
    token = encode_cursor(row["deadline"], row["id"], user=province.office, total=shown)
    return depth, (row["deadline"], row["id"]), token


def _forward_order():
    from rectification.api.pagination import TaskKeysetPagination

    return TaskKeysetPagination.forward_order


def _export_bound(province: Province) -> tuple[date | None, int]:
    """A `deadline_before` that gives about EXPORT_ROWS tasks, or None for all of them."""
    qs = Task.objects.filter(region__path__startswith=province.region.path)
    if province.tasks <= EXPORT_ROWS:
        return None, province.tasks
    bound = (
        qs.filter(deadline__isnull=False)
        .order_by("deadline", "id")
        .values_list("deadline", flat=True)[EXPORT_ROWS - 1]
    )
    return bound, qs.filter(deadline__lte=bound).count()


def build(province: Province, log=print) -> list[Scenario]:
    on = province.on
    path = province.region.path
    county_path = province.county.path
    statuses = [str(s) for s in LIST_STATUSES]
    office = _client(province.office)
    leader = _client(province.leader)
    city_office = _client(province.city_office)
    city_leader = _client(province.city_leader)
    api = reverse("api:task-list")
    html = reverse("task_list")
    county_filter = {"county": str(province.county.pk), "status": statuses}
    wide_filter = {"status": statuses}
    scenarios: list[Scenario] = []

    # 1. API first page, county + status, with the count.
    def api_answer(response) -> dict:
        data = response.json()
        return {
            "ids": [r["id"] for r in data["results"]],
            "count": raw.count_answer(data["count"], data["count_exact"]),
        }

    def api_page(client, params):
        def product(check: bool):
            response = _get(client, api, params)
            return api_answer(response) if check else None

        return product

    def raw_page(*args, **kwargs):
        def run():
            answer = raw.task_page(*args, **kwargs)
            answer.pop("bytes")
            return answer

        return run

    scenarios.append(
        Scenario(
            "list_api_county",
            f"任务列表API 首页50条（县 {province.county.name} + 整改中，含总数）",
            api_page(office, county_filter),
            raw_page(county_path, statuses),
            2.5,
            note="province office user",
        )
    )

    # 2. The 整改中 list of the whole province, first page and DEEP_ROWS deep.
    depth, after, cursor = _deep_cursor(province)
    scenarios.append(
        Scenario(
            "list_api_province_first",
            "任务列表API 首页50条（全省 整改中，含总数）",
            api_page(office, wide_filter),
            raw_page(path, statuses),
            2.5,
        )
    )
    if cursor:
        scenarios.append(
            Scenario(
                "list_api_province_deep",
                f"任务列表API 第{depth:,}行处的一页（全省 整改中，keyset 游标）",
                api_page(office, {**wide_filter, "cursor": cursor}),
                raw_page(path, statuses, after=after),
                1.5,
                basis="list_api_province_first",
                note=f"cursor built for row {depth:,} of the 整改中 list; target is against the "
                "first page of the same list",
            )
        )

    # 3. The HTML list with the county + status filter: a city office (its city holds the
    # county) and the province office (whose filter form lists every unit of the province).
    def html_page(client):
        def product(check: bool):
            # By deadline, as the raw query reads it (the list's default puts urgent work first).
            response = _get(client, html, {**county_filter, "sort": "deadline"})
            if not check:
                return None
            return {
                "ids": [t.pk for t in response.context["tasks"]],
                "count": response.context["total"],
            }

        return product

    scenarios.append(
        Scenario(
            "list_html_city_office",
            "任务台账页面（县 + 整改中；市环督办）",
            html_page(city_office),
            lambda: raw.html_task_page(county_path, statuses, province.city.path),
            4.0,
            note="raw includes the page, the per-status counts and the filter choices",
        )
    )
    scenarios.append(
        Scenario(
            "list_html_province_office",
            "任务台账页面（县 + 整改中；省环督办）",
            html_page(office),
            lambda: raw.html_task_page(county_path, statuses, path),
            4.0,
            note="the filter form lists every unit of the province",
        )
    )
    # The page against the JSON list of the same filter and user (issue 16: the page once
    # cost 23× the API because it recounted every status and listed the rounds by a join).
    scenarios.append(
        Scenario(
            "list_html_vs_api",
            "任务台账页面 与 同一筛选的任务列表API 之比（县 + 整改中；省环督办）",
            html_page(office),
            lambda: raw.html_task_page(county_path, statuses, path),
            3.0,
            basis="list_api_county",
            note="target is against the list API's first page of the same filter and user",
        )
    )

    # 3b. 我的任务 of the county's busiest unit (its reporter): the urgent order over the
    # thousands of tasks it has a part in (the load test's heaviest page).
    busiest = (
        Assignment.objects.filter(task__region=province.county)
        .values("unit_id")
        .annotate(n=Count("*"))
        .order_by("-n", "unit_id")
        .values_list("unit_id", flat=True)
        .first()
    )
    reporter = User.objects.filter(role=Role.REPORTER, unit_id=busiest).order_by("pk").first()
    if reporter is not None:
        reporter_client = _client(reporter)

        def my_tasks(check: bool):
            response = _get(reporter_client, html)
            if not check:
                return None
            return {
                "ids": [t.pk for t in response.context["tasks"]],
                "count": response.context["total"],
            }

        scenarios.append(
            Scenario(
                "list_html_my_tasks",
                "我的任务页面（该县任务最多的单位的填报员，默认按紧急程度排序）",
                my_tasks,
                lambda: raw.my_tasks(busiest, on, settings.WARNING_DUE_SOON_DAYS),
                4.0,
                note="raw: the same counts, urgent page and rounds in hand-written SQL",
            )
        )

    # 4. A task page: a task of the county with the most reports and events.
    task = (
        Task.objects.filter(region=province.county)
        .annotate(n=Count("reports", distinct=True) + Count("events", distinct=True))
        .order_by("-n", "id")
        .values("pk")
        .first()
    )
    task_id = task["pk"]
    detail = reverse("task_detail", args=[task_id])

    def task_page(check: bool):
        response = _get(office, detail)
        if not check:
            return None
        return {
            "task": response.context["task"].pk,
            "reports": [r.pk for r in response.context["reports"]],
            "events": [e.pk for e in response.context["events"]],
            "more_events": response.context["more_events"],
        }

    scenarios.append(
        Scenario(
            "task_page",
            f"任务页面（任务 {task_id}，最近{TASK_PAGE_REPORTS}条进展 + "
            f"最近{TIMELINE_EVENTS}条操作记录）",
            task_page,
            lambda: raw.task_page_detail(task_id, TASK_PAGE_REPORTS, TIMELINE_EVENTS, path),
            3.0,
            note=f"the page shows the latest {TASK_PAGE_REPORTS} reports and "
            f"{TIMELINE_EVENTS} events; raw = task row in the user's subtree with which of "
            "its usually empty sections have rows + units + reports + events",
        )
    )

    # 5. The leader dashboard, whole province and one city.
    dashboard = reverse("dashboard")

    def board(client):
        def product(check: bool):
            response = _get(client, dashboard)
            if not check:
                return None
            b = response.context["board"]
            return {
                "totals": {k: getattr(b.totals, k) for k in raw.TOTAL_KEYS},
                "by_round": {
                    r.round_id: {k: getattr(r.totals, k) for k in raw.TOTAL_KEYS} for r in b.rounds
                },
                "by_region": {a.region_id: [a.total, a.closed, a.overdue] for a in b.areas},
            }

        return product

    scenarios.append(
        Scenario(
            "dashboard_province",
            "领导驾驶舱（全省，省领导）",
            board(leader),
            lambda: raw.dashboard(path, on),
            1.5,
            note="raw = the three aggregate queries (totals, by round, by county)",
        )
    )
    scenarios.append(
        Scenario(
            "dashboard_county",
            f"领导驾驶舱（{province.county.name}，县领导）",
            board(_client(province.county_leader)),
            lambda: raw.dashboard(county_path, on),
            2.0,
            note="raw = the three aggregate queries over the county's tasks",
        )
    )
    scenarios.append(
        Scenario(
            "dashboard_city",
            f"领导驾驶舱（{province.city.name}，市领导）",
            board(city_leader),
            lambda: raw.dashboard(province.city.path, on),
            2.0,
            note="a city is ~1/20 of the province",
        )
    )

    # 6. The ledger export of EXPORT_ROWS tasks.
    bound, export_rows = _export_bound(province)
    export_url = reverse("ledger_export")
    export_params = {"deadline_before": bound.isoformat()} if bound else {}

    def export(check: bool):
        response = _get(office, export_url, export_params)
        content = b"".join(response.streaming_content)
        # Closing a response sends request_finished, whose close_old_connections would close
        # the database connection the raw side reuses (it does inside a test transaction).
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
        if not check:
            return None
        return {"codes": _ledger_codes(content), "rows": export_rows}

    def export_raw():
        from exchange.plan_import.columns import COLUMNS

        with tempfile.TemporaryFile(suffix=".xlsx") as out:
            codes = raw.export_xlsx(path, bound, out, len(COLUMNS))
        return {"codes": codes, "rows": len(codes)}

    scenarios.append(
        Scenario(
            "ledger_export",
            f"台账导出 xlsx（{export_rows:,} 个任务 × 30 列）",
            export,
            export_raw,
            1.3,
            memory_limit_mb=EXPORT_MEMORY_MB,
            heavy=True,
            trace_memory=True,
            note="limit = XlsxWriter constant_memory (the fastest streaming writer) from a raw "
            "cursor, same rows × columns, no styles, merges or summary sheet; memory = peak "
            "RSS growth of the process",
        )
    )

    # 7. The daily jobs, each in a transaction rolled back after the run so every run does
    # the whole day's work.
    from rectification.jobs import reminders, warning_sweep

    def reminder_job(check: bool):
        with transaction.atomic():
            started = clock.now()
            run = reminders.run(on)
            answer = None
            if check:
                # What the run wrote, read back from the table.
                written = Notification.objects.filter(
                    kind__startswith="reminder_", created_at__gte=started
                )
                escalation = written.filter(kind="reminder_escalation").count()
                answer = {
                    "units": run.units,
                    "unit_rows": written.count() - escalation,
                    "escalation_rows": escalation,
                }
            transaction.set_rollback(True)
        return answer

    def reminder_raw():
        with transaction.atomic():
            answer = raw.reminder_sweep(on, settings.ESCALATE_AFTER_OVERDUE_DAYS)
            transaction.set_rollback(True)
        return answer

    scenarios.append(
        Scenario(
            "reminder_sweep",
            "每日提醒（临期7/3/1天 + 逾期 + 逾期督办）",
            reminder_job,
            reminder_raw,
            2.0,
            heavy=True,
            note="both write the day's notification rows with INSERT … SELECT (rolled back "
            "after each run): product one statement per kind, raw two (one CASE over the unit "
            "kinds, one for escalations); answer = units told and rows written, the product's "
            "read back from the table",
        )
    )

    def warning_job(check: bool):
        with transaction.atomic():
            started = clock.now()
            run = warning_sweep.run(on)
            answer = None
            if check:
                # The colours as stored, and the notifications read back from the table.
                red = Task.objects.filter(status__in=OPEN_STATUSES, warning_level=WarningLevel.RED)
                answer = {
                    "evaluated": run.evaluated,
                    "blue": run.blue,
                    "yellow": run.yellow,
                    "red": run.red,
                    "red_ids": list(red.order_by("pk").values_list("pk", flat=True)),
                    "warnings": run.warnings,
                    "letters": run.letters,
                    "interviews": run.interviews,
                    "notified": Notification.objects.filter(
                        kind__in=["letter_proposed", "interview_proposed"],
                        created_at__gte=started,
                    ).count(),
                }
            transaction.set_rollback(True)
        return answer

    def warning_raw():
        with transaction.atomic():
            answer = raw.warning_sweep(
                on,
                settings.SCHEDULE_TOLERANCE_PCT,
                settings.WARNING_DUE_SOON_DAYS,
                settings.MONTHLY_REPORT_CUTOFF_DAY,
            )
            transaction.set_rollback(True)
        return answer

    scenarios.append(
        Scenario(
            "warning_sweep",
            "每日预警重算（全部在办任务）",
            warning_job,
            warning_raw,
            2.0,
            heavy=True,
            note="both do the whole sweep set-based in a transaction rolled back after each "
            "run: verdicts and colours of every open task into a temporary table, UPDATE of "
            "the tasks that change, the day's warning rows, closed tasks uncoloured, 督办函 "
            "for two yellow cards and 约谈 for red with links and office notifications; raw = the same writes as "
            "hand-written statements; answer = counts per colour, red ids (the product's read "
            "back from the tasks), rows written",
        )
    )
    return scenarios


def _ledger_codes(content: bytes) -> list[str]:
    import io

    from openpyxl import load_workbook

    from exchange.plan_import.columns import COLUMNS

    index = [c.key for c in COLUMNS].index("task_code")
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    sheet = workbook["整改台账"]
    codes = [row[index] for row in sheet.iter_rows(min_row=3, values_only=True)]
    workbook.close()
    return [c for c in codes if c is not None]


@contextmanager
def bench_settings():
    """Production-like request handling for the measured runs: no query log (DEBUG off).

    The benchmark's office clients are logged in with force_login and measure pages, not
    the login: the second factor (MFA_REQUIRED_ROLES) is off for them."""
    hosts = [*settings.ALLOWED_HOSTS, "testserver"]
    with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, MFA_REQUIRED_ROLES=[]):
        yield
