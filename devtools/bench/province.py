"""A synthetic province for scale tests and benchmarks (issue 6).

~20 cities × ~10 counties, ~2,000 units, ~100 rounds, tasks/50 problems, N tasks spread over
counties and statuses like the demo city's mix, deadlines over three years, monthly progress
reports, events and warnings. Rows are written with explicit ids in bulk: COPY on PostgreSQL,
executemany on SQLite (small sizes only).

Two smaller mixes place tasks inside an existing region tree, for tests: `scatter_tasks`
puts a few hundred seeded random tasks on the rules' edges (the warning sweep's SQL against
its Python rules), `cycle_tasks` walks n tasks through every dashboard bucket in a fixed
order (the dashboard's figures and drill-downs). The benchmark and the tests take their
synthetic provinces from here, sized and seeded by their arguments.
"""

import csv
import io
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction

from accounts import chain, clock, events
from accounts.choices import RegionLevel, Role, UnitKind
from accounts.models import Region, Unit, User
from inspections.choices import RoundKind, RoundLevel
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Problem
from rectification import schedule, tally
from rectification.choices import (
    AssignmentRole,
    PeriodKind,
    ScheduleStatus,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.jobs import periods
from rectification.models import (
    Assignment,
    Event,
    Milestone,
    ProgressReport,
    ReportingPeriod,
    SupervisionNotice,
    Task,
    Warning,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY_DEPARTMENTS = [
    "生态环境局",
    "住房和城乡建设局",
    "水务局",
    "自然资源和规划局",
    "农业农村局",
    "林业局",
    "交通运输局",
    "经济和信息化局",
    "城市管理综合执法局",
    "发展和改革委员会",
    "市场监督管理局",
    "公安局",
    "卫生健康委员会",
    "商务局",
    "文化和旅游局",
    "应急管理局",
]
COUNTY_DEPARTMENTS = [
    "生态环境分局",
    "住房和城乡建设局",
    "水务局",
    "自然资源局",
    "农业农村局",
    "城市管理局",
    "经济和信息化局",
]
PLACES = [
    "排口",
    "污水处理厂",
    "工地",
    "渣场",
    "别墅",
    "养殖场",
    "码头",
    "砂石堆场",
    "油烟点",
    "管网",
]


@dataclass
class Stats:
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    sealed: int = 0  # event rows chained (accounts.chain.seal_all)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class BulkWriter:
    """Insert rows with explicit ids: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, chunk: int = 50_000):
        self.chunk = chunk
        self.is_pg = connection.vendor == "postgresql"

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple]
    ) -> int:
        table = model._meta.db_table
        count = 0
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= self.chunk:
                self._flush(table, columns, batch)
                count += len(batch)
                batch = []
        if batch:
            self._flush(table, columns, batch)
            count += len(batch)
        return count

    def _flush(self, table: str, columns: Sequence[str], batch: list[tuple]) -> None:
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            if self.is_pg:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                for row in batch:
                    writer.writerow(["\\N" if v is None else v for v in row])
                buffer.seek(0)
                cursor.cursor.copy_expert(
                    f"COPY {table} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", buffer
                )
            else:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", batch)


def _next_id(model: type[models.Model]) -> int:
    return (model.objects.aggregate(m=models.Max("pk"))["m"] or 0) + 1


def _reset_sequences(models_: Sequence[type[models.Model]]) -> None:
    if connection.vendor != "postgresql":
        return
    from django.core.management.color import no_style

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models_)):
            cursor.execute(sql)


def generate_province(
    *,
    tasks: int,
    reports_per_task: int = 5,
    seed: int = 1,
    cities: int = 20,
    counties_per_city: int = 10,
    today: date | None = None,
    log=print,
) -> Stats:
    rng = random.Random(seed)
    today = today or clock.today()
    now = datetime.combine(today, datetime.min.time(), SHANGHAI) + timedelta(hours=9)
    stats = Stats()
    started = time.perf_counter()
    writer = BulkWriter()

    with transaction.atomic():
        if writer.is_pg:
            # Generated ids are consistent by construction; skipping the deferred foreign-key
            # triggers for this transaction makes the bulk load ~3x faster (needs a superuser
            # role, which the benchmark database has).
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
                cursor.execute("SET LOCAL synchronous_commit = off")
        # --- regions and units (small: ORM) -------------------------------------------------
        n = Region.objects.count()
        province = Region.objects.create(
            code=f"97{n:04d}", name=f"基准省{n}", level=RegionLevel.PROVINCE
        )
        city_rows, county_ids_by_city = [], {}
        unit_ids_by_region: dict[int, list[int]] = {}
        gov_unit_by_region: dict[int, int] = {}
        office_units = []
        for c in range(cities):
            city = Region.objects.create(
                code=f"{province.code}-{c:02d}",
                name=f"第{c + 1}市",
                level=RegionLevel.CITY,
                parent=province,
            )
            city_rows.append(city)
            county_ids_by_city[city.pk] = []
            office = Unit.objects.create(
                name=f"{city.name}{province.name}环督办",
                short_name=f"{city.name}环督办",
                kind=UnitKind.COORD_OFFICE,
                region=city,
            )
            office_units.append(office)
            depts = Unit.objects.bulk_create(
                Unit(
                    name=f"{province.name}{city.name}{d}",
                    short_name=f"{city.name}{d}",
                    kind=UnitKind.DEPT,
                    region=city,
                )
                for d in CITY_DEPARTMENTS
            )
            unit_ids_by_region[city.pk] = [u.pk for u in depts]
            for k in range(counties_per_city):
                county = Region.objects.create(
                    code=f"{city.code}-{k:02d}",
                    name=f"第{c + 1}市第{k + 1}县",
                    level=RegionLevel.COUNTY,
                    parent=city,
                )
                county_ids_by_city[city.pk].append(county.pk)
                gov = Unit.objects.create(
                    name=f"{province.name}{county.name}人民政府",
                    short_name=f"{county.name}政府",
                    kind=UnitKind.GOV,
                    region=county,
                )
                gov_unit_by_region[county.pk] = gov.pk
                cdepts = Unit.objects.bulk_create(
                    Unit(
                        name=f"{province.name}{county.name}{d}",
                        short_name=f"{county.name}{d}",
                        kind=UnitKind.DEPT,
                        region=county,
                    )
                    for d in COUNTY_DEPARTMENTS
                )
                unit_ids_by_region[county.pk] = [gov.pk, *(u.pk for u in cdepts)]
        all_units = list(
            Unit.objects.filter(region__path__startswith=province.path).values_list("pk", flat=True)
        )
        stats.rows["units"] = len(all_units)

        # One reporter per unit (the submitter of its reports), an office user and a leader per
        # city, a province office and leader. Same password hash for all: hashing is slow.
        password = make_password("bench-pass")
        user_id = _next_id(User)
        reporter_by_unit = {}
        user_rows = []
        for uid in all_units:
            reporter_by_unit[uid] = user_id
            user_rows.append(
                (
                    user_id,
                    password,
                    False,
                    f"bench{province.code}-u{uid}",
                    "",
                    "",
                    "",
                    False,
                    True,
                    now,
                    Role.REPORTER,
                    uid,
                    "",
                )
            )
            user_id += 1
        for office in office_units:
            for role in (Role.OFFICE, Role.LEADER):
                user_rows.append(
                    (
                        user_id,
                        password,
                        False,
                        f"bench{province.code}-{role.lower()}-{office.pk}",
                        "",
                        "",
                        "",
                        False,
                        True,
                        now,
                        role,
                        office.pk,
                        "",
                    )
                )
                user_id += 1
        province_office = Unit.objects.create(
            name=f"{province.name}环督办", kind=UnitKind.COORD_OFFICE, region=province
        )
        for role in (Role.OFFICE, Role.LEADER):
            user_rows.append(
                (
                    user_id,
                    password,
                    False,
                    f"bench{province.code}-{role.lower()}-province",
                    "",
                    "",
                    "",
                    False,
                    True,
                    now,
                    role,
                    province_office.pk,
                    "",
                )
            )
            user_id += 1
        stats.rows["users"] = writer.write(
            User,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "role",
                "unit_id",
                "phone",
            ],
            user_rows,
        )

        # --- rounds, aspects, categories, problems -----------------------------------------
        rounds_per_city = 5
        problem_count = max(1, tasks // 50)
        round_objs = []
        for city in city_rows:
            for r in range(rounds_per_city):
                round_objs.append(
                    InspectionRound(
                        code=f"B{city.code}-{r}",
                        name=f"{city.name}基准督察{r + 1}",
                        level=RoundLevel.PROVINCIAL,
                        kind=RoundKind.PROV_ROUTINE,
                        region=city,
                        plan_issued_on=today - timedelta(days=540 + 30 * r),
                    )
                )
        round_objs = InspectionRound.objects.bulk_create(round_objs)
        categories_by_round = {}
        for rnd in round_objs:
            aspects = FeedbackAspect.objects.bulk_create(
                FeedbackAspect(round=rnd, seq=s + 1, title=f"方面{s + 1}") for s in range(3)
            )
            cats = FeedbackCategory.objects.bulk_create(
                FeedbackCategory(aspect=aspects[min(s // 3, 2)], seq=s + 1, title=f"类别{s + 1}")
                for s in range(7)
            )
            categories_by_round[rnd.pk] = [c.pk for c in cats]
        problem_id = _next_id(Problem)
        problem_rows, problems = [], []
        per_round: dict[int, int] = {}
        for p in range(problem_count):
            rnd = round_objs[p % len(round_objs)]
            seq = per_round[rnd.pk] = per_round.get(rnd.pk, 0) + 1
            cat = categories_by_round[rnd.pk][seq % 7]
            problem_rows.append(
                (
                    problem_id,
                    rnd.pk,
                    cat,
                    seq,
                    f"P{seq}",
                    f"{rnd.region.name}第{seq}项问题：{rng.choice(PLACES)}整治不到位",
                    "",
                    "",
                    "",
                    "DATED",
                    None,
                    "FEEDBACK",
                    False,
                    now,
                )
            )
            problems.append((problem_id, rnd.pk, rnd.region_id, rnd.plan_issued_on))
            problem_id += 1
        stats.rows["problems"] = writer.write(
            Problem,
            [
                "id",
                "round_id",
                "category_id",
                "seq",
                "code",
                "title",
                "original_text",
                "goal",
                "measures",
                "deadline_type",
                "deadline",
                "source",
                "is_key",
                "created_at",
            ],
            problem_rows,
        )

        # --- tasks, assignments, reports, events, warnings ---------------------------------
        periods = []
        month = today.replace(day=1)
        for _ in range(max(reports_per_task, 1) + 1):
            month = (month - timedelta(days=1)).replace(day=1)
            periods.append(month)
        period_ids = []
        for start in sorted(periods):
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            period, _ = ReportingPeriod.objects.get_or_create(
                kind=PeriodKind.MONTHLY,
                code=start.strftime("%Y-%m"),
                defaults={"start_date": start, "end_date": end, "due_date": start.replace(day=25)},
            )
            period_ids.append((period.pk, period.end_date))

        task_ct = ContentType.objects.get_for_model(Task).pk
        first_task = _next_id(Task)
        first_assignment = _next_id(Assignment)
        first_report = _next_id(ProgressReport)
        first_event = _next_id(Event)
        first_warning = _next_id(Warning)
        plan: list[
            tuple
        ] = []  # (task_id, lead_unit, status, deadline, closed_at, pct, sched, warn)

        def task_rows() -> Iterator[tuple]:
            seqs: dict[int, int] = {}
            for i in range(tasks):
                tid = first_task + i
                pid, round_id, city_id, plan_date = problems[i % len(problems)]
                seq = seqs[pid] = seqs.get(pid, 0) + 1
                county = rng.choice(county_ids_by_city[city_id])
                lead = (
                    gov_unit_by_region[county]
                    if rng.random() < 0.7
                    else rng.choice(unit_ids_by_region[city_id])
                )
                start = plan_date
                deadline = today + timedelta(days=rng.randint(-540, 540))
                if deadline < start:
                    deadline = start + timedelta(days=rng.randint(30, 120))
                past = deadline < today
                roll = rng.random()
                if past:
                    status = (
                        TaskStatus.CLOSED
                        if roll < 0.7
                        else TaskStatus.PUBLICIZING
                        if roll < 0.75
                        else TaskStatus.IN_REVIEW
                        if roll < 0.8
                        else TaskStatus.IN_PROGRESS
                    )
                else:
                    status = (
                        TaskStatus.CLOSED
                        if roll < 0.15
                        else TaskStatus.APPLIED
                        if roll < 0.2
                        else TaskStatus.IN_REVIEW
                        if roll < 0.25
                        else TaskStatus.NOT_STARTED
                        if roll < 0.32
                        else TaskStatus.IN_PROGRESS
                    )
                closed_at = None
                if status == TaskStatus.CLOSED:
                    closed_day = min(deadline, today) - timedelta(days=rng.randint(0, 60))
                    closed_at = datetime.combine(
                        closed_day, datetime.min.time(), SHANGHAI
                    ) + timedelta(hours=10)
                pct = 100 if status != TaskStatus.IN_PROGRESS else rng.randint(5, 95)
                if status == TaskStatus.NOT_STARTED:
                    pct = 0
                verdict = schedule.evaluate(
                    status=status,
                    start_date=start,
                    deadline=deadline,
                    progress_pct=pct,
                    today=today,
                )
                warn = (
                    WarningLevel.RED
                    if status in (TaskStatus.IN_PROGRESS, TaskStatus.NOT_STARTED) and past
                    else WarningLevel.YELLOW
                    if verdict.status == "BEHIND"
                    else WarningLevel.BLUE
                    if status != TaskStatus.CLOSED
                    else WarningLevel.NONE
                )
                plan.append((tid, lead, status, deadline, closed_at, pct, county, city_id))
                lat = round(30.0 + rng.random() * 2, 6)
                lng = round(104.0 + rng.random() * 3, 6)
                yield (
                    tid,
                    round_id,
                    pid,
                    seq,
                    f"P{pid}-{seq}",
                    f"{rng.choice(PLACES)}{tid}",
                    True,
                    "OTHER",
                    county,
                    "",
                    "",
                    "",
                    lat,
                    lng,
                    "CGCS2000",
                    "",
                    "",
                    "DATED",
                    False,
                    start,
                    deadline,
                    deadline,
                    status,
                    verdict.status,
                    pct,
                    warn,
                    lead,
                    None,
                    closed_at,
                    0,
                    1,
                    now,
                    now,
                )

        stats.rows["tasks"] = writer.write(
            Task,
            [
                "id",
                "round_id",
                "problem_id",
                "seq",
                "code",
                "name",
                "is_point",
                "site_type",
                "region_id",
                "address",
                "water_body",
                "outfall_code",
                "lat",
                "lng",
                "crs",
                "goal",
                "measures",
                "deadline_type",
                "is_ongoing",
                "start_date",
                "deadline",
                "original_deadline",
                "status",
                "schedule_status",
                "progress_pct",
                "warning_level",
                "lead_unit_id",
                "leader_id",
                "closed_at",
                "reopen_count",
                "version",
                "created_at",
                "updated_at",
            ],
            task_rows(),
        )
        log(f"tasks written: {stats.rows['tasks']:,} in {time.perf_counter() - started:.1f}s")

        def assignment_rows() -> Iterator[tuple]:
            aid = first_assignment
            for tid, lead, _s, _d, _c, _p, _county, city_id in plan:
                yield (aid, tid, None, lead, AssignmentRole.LEAD, None, "", 0)
                aid += 1
                for k, coop in enumerate(rng.sample(unit_ids_by_region[city_id], 2)):
                    if coop != lead:
                        yield (aid, tid, None, coop, AssignmentRole.COOP, None, "", k + 1)
                        aid += 1

        stats.rows["assignments"] = writer.write(
            Assignment,
            ["id", "task_id", "problem_id", "unit_id", "role", "person_id", "duty", "sort"],
            assignment_rows(),
        )

        def report_rows() -> Iterator[tuple]:
            rid = first_report
            for tid, lead, status, _d, _c, pct, _county, _city in plan:
                if status == TaskStatus.NOT_STARTED:
                    continue
                for k, (period_id, period_end) in enumerate(period_ids[-reports_per_task:]):
                    share = (k + 1) / reports_per_task
                    submitted = datetime.combine(
                        period_end, datetime.min.time(), SHANGHAI
                    ) - timedelta(days=3)
                    yield (
                        rid,
                        tid,
                        period_id,
                        lead,
                        "按计划推进整改工作",
                        int(pct * share),
                        "NA",
                        "",
                        "",
                        None,
                        reporter_by_unit[lead],
                        submitted,
                    )
                    rid += 1

        stats.rows["reports"] = writer.write(
            ProgressReport,
            [
                "id",
                "task_id",
                "period_id",
                "unit_id",
                "progress_text",
                "progress_pct",
                "schedule_status",
                "difficulties",
                "next_steps",
                "invest_wan",
                "submitted_by_id",
                "submitted_at",
            ],
            report_rows(),
        )
        log(f"reports written: {stats.rows['reports']:,} in {time.perf_counter() - started:.1f}s")

        def event_rows() -> Iterator[tuple]:
            eid = first_event
            for tid, lead, _status, _d, closed_at, _p, _county, _city in plan:
                yield (eid, tid, task_ct, tid, "create", "", "NOT_STARTED", "", None, now)
                eid += 1
                if closed_at:
                    yield (
                        eid,
                        tid,
                        task_ct,
                        tid,
                        "close",
                        "PUBLICIZING",
                        "CLOSED",
                        "销号",
                        reporter_by_unit[lead],
                        closed_at,
                    )
                    eid += 1

        stats.rows["events"] = writer.write(
            Event,
            [
                "id",
                "task_id",
                "target_type_id",
                "target_id",
                "verb",
                "from_status",
                "to_status",
                "note",
                "actor_id",
                "created_at",
            ],
            event_rows(),
        )

        def warning_rows() -> Iterator[tuple]:
            wid = first_warning
            for tid, lead, status, deadline, _c, _p, _county, _city in plan:
                if status in (TaskStatus.IN_PROGRESS, TaskStatus.NOT_STARTED) and deadline < today:
                    yield (
                        wid,
                        tid,
                        lead,
                        WarningLevel.RED,
                        WarningReason.OVERDUE,
                        today,
                        True,
                        None,
                        "",
                        None,
                        "",
                        now,
                    )
                    wid += 1

        stats.rows["warnings"] = writer.write(
            Warning,
            [
                "id",
                "task_id",
                "unit_id",
                "level",
                "reason",
                "day",
                "auto",
                "issued_by_id",
                "note",
                "resolved_at",
                "resolve_note",
                "created_at",
            ],
            warning_rows(),
        )
        _reset_sequences([User, Problem, Task, Assignment, ProgressReport, Event, Warning])
        # The events written here in bulk, chained as the writers would have (accounts.chain).
        stats.sealed = chain.seal_all()

    tally.build()  # the dashboard's summary of the new tasks (as the nightly job would)
    if connection.vendor == "postgresql":
        # VACUUM sets the visibility map so the index-only scans of the counts and keyset
        # pages skip the heap (the first 1M run was 2–4x slower without); it cannot run
        # inside a transaction (a test's), where statistics alone are refreshed.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
    stats.seconds = time.perf_counter() - started
    return stats


# ---------------------------------------------------------------------------------------------
# The edge mix: a few hundred tasks on the rules' boundaries, inside an existing region tree

EDGE_SEED = 20200215
# Reasons the sweep itself records (its rows of earlier days).
AUTO_REASONS = (
    WarningReason.BEHIND,
    WarningReason.DUE_SOON,
    WarningReason.NO_REPORT,
    WarningReason.RETURNED,
)


def _near(rng: random.Random, on: date, spread: int) -> date:
    return on + timedelta(days=rng.randint(-spread, spread))


def scatter_tasks(
    *,
    round_: InspectionRound,
    problem: Problem,
    regions: Sequence[Region],
    leads: Sequence[Unit | None],
    reporting_unit: Unit,
    reporter: User,
    office: User,
    n: int,
    on: date,
    seed: int = EDGE_SEED,
) -> list[Task]:
    """`n` random tasks at the rules' edges under `problem`, with milestones, monthly reports,
    manual and earlier auto warnings and one letter already sent, as of day `on`.

    The province's second mix, for tests that hold two implementations of a rule against
    each other (the warning sweep's SQL and its Python rules): every status, dates missing
    or on the boundaries (due-soon window, overdue edge, elapsed shares ending in .5), progress
    at the tolerance's edges, milestone weights whose shares tie in the rounding, reports of
    this month, last month and another kind of period, manual warnings of every reason and
    level (some resolved), the sweep's rows of earlier days and one of today. Written through
    the ORM (hundreds of rows, not millions); placed in the given regions and units."""
    rng = random.Random(seed)
    tol = settings.SCHEDULE_TOLERANCE_PCT
    # after the highest seq under the problem (factories number tasks from a process-wide
    # sequence, so other tests run before this one push it up)
    first = (
        Task.objects.filter(problem=problem).order_by("-seq").values_list("seq", flat=True).first()
        or 0
    ) + 1
    tasks = []
    for i in range(n):
        status = rng.choice(TaskStatus.values)
        start = None if rng.random() < 0.1 else _near(rng, on, 300)
        kind = rng.random()
        if kind < 0.1:
            deadline = None
        elif kind < 0.3:  # around the due-soon window and the overdue edge
            deadline = on + timedelta(days=rng.randint(-2, 8))
        elif kind < 0.45:  # elapsed shares ending in .5: round() takes them to even
            span = rng.choice([8, 40, 200])
            start = on - timedelta(days=rng.randrange(1, span, 2))
            deadline = start + timedelta(days=span)
        elif kind < 0.5:  # starting and due the same day, around today
            start = deadline = on + timedelta(days=rng.randint(-1, 1))
        else:
            deadline = _near(rng, on, 300)
        if start and deadline and deadline < start:
            start, deadline = deadline, start
        # an extended task: overdue is judged against the original deadline, the rest
        # (临期, 序时) against the working one
        original = deadline
        if deadline and rng.random() < 0.2:
            original = deadline - timedelta(days=rng.choice([1, 5, 30, 90]))
        progress = rng.randint(0, 100)
        verdict = schedule.evaluate(
            status=TaskStatus.IN_PROGRESS,
            start_date=start,
            deadline=deadline,
            progress_pct=0,
            today=on,
        )
        if verdict.expected_pct is not None and rng.random() < 0.6:
            # at the tolerance's edges: `tol` behind is on schedule, one more is behind
            edge = rng.choice([-tol - 1, -tol, tol, tol + 1])
            progress = min(100, max(0, verdict.expected_pct + edge))
        tasks.append(
            Task(
                round=round_,
                problem=problem,
                seq=first + i,
                code=f"R-{seed}-{i}",
                name=f"随机点位{i}",
                region=rng.choice(list(regions)),
                status=status,
                start_date=start,
                deadline=deadline,
                original_deadline=original,
                progress_pct=progress,
                lead_unit=rng.choice(list(leads)),
                schedule_status=rng.choice(ScheduleStatus.values),
                warning_level=rng.choice(WarningLevel.values),
                closed_at=(
                    datetime(2020, 1, 5, 10, tzinfo=SHANGHAI)
                    if status == TaskStatus.CLOSED
                    else None
                ),
            )
        )
    tasks = Task.objects.bulk_create(tasks)

    milestones, warnings, reports = [], [], []
    month, last_month = _edge_periods(on)
    other_kind, _ = ReportingPeriod.objects.get_or_create(
        kind=PeriodKind.QUARTERLY,
        code=f"{on:%Y-%m}",  # same code, another kind: not the monthly report
        defaults={"start_date": on, "end_date": on, "due_date": on},
    )
    month_start = periods.month_start(on)
    for task in tasks:
        roll = rng.random()
        if roll < 0.15:  # milestones of weights 1-8
            for seq in range(rng.randint(1, 4)):
                done = None if rng.random() < 0.4 else _near(rng, on, 40)
                milestones.append(
                    Milestone(
                        task=task,
                        seq=seq,
                        name=f"节点{seq}",
                        planned_date=_near(rng, on, 40),
                        weight=rng.randint(1, 8),
                        done_date=done,
                    )
                )
        elif roll < 0.3:  # weights of total 8: shares of 12.5, 37.5 … (ties in the rounding)
            weights = rng.choice([(1, 7), (3, 5), (1, 2, 5), (5, 3)])
            for seq, weight in enumerate(weights):
                past = on - timedelta(days=rng.randint(0, 30))
                milestones.append(
                    Milestone(
                        task=task,
                        seq=seq,
                        name=f"节点{seq}",
                        planned_date=past if seq == 0 else on + timedelta(days=10),
                        weight=weight,
                        done_date=past if rng.random() < 0.3 else None,
                    )
                )
        roll = rng.random()
        if roll < 0.5:
            period = month if roll < 0.4 else rng.choice([last_month, other_kind])
            reports.append(
                ProgressReport(
                    task=task,
                    period=period,
                    unit=reporting_unit,
                    progress_text="按计划推进",
                    progress_pct=task.progress_pct,
                    submitted_by=reporter,
                    submitted_at=datetime(2020, 2, 10, 9, tzinfo=SHANGHAI),
                )
            )
        if rng.random() < 0.25:  # the office's own warnings, some resolved
            for _ in range(rng.randint(1, 3)):
                warnings.append(
                    Warning(
                        task=task,
                        unit=task.lead_unit,
                        level=rng.choice(WarningLevel.values),
                        reason=rng.choice(WarningReason.values),
                        day=_near(rng, on, 20),
                        auto=False,
                        issued_by=office,
                        resolved_at=(
                            datetime(2020, 2, 1, tzinfo=SHANGHAI) if rng.random() < 0.3 else None
                        ),
                    )
                )
        if rng.random() < 0.3:  # the sweep's rows of earlier days, this month and last
            days = {
                month_start + timedelta(days=rng.randint(0, (on - month_start).days - 1))
                if rng.random() < 0.8
                else month_start - timedelta(days=rng.randint(1, 20))
                for _ in range(rng.randint(1, 3))
            }
            for day in days:
                warnings.append(
                    Warning(
                        task=task,
                        unit=task.lead_unit,
                        level=rng.choice([WarningLevel.YELLOW, WarningLevel.YELLOW, "RED"]),
                        reason=rng.choice(AUTO_REASONS),
                        day=day,
                        auto=True,
                    )
                )
        if rng.random() < 0.03:  # a row of today already there: kept as it is
            warnings.append(
                Warning(
                    task=task,
                    unit=task.lead_unit,
                    level=WarningLevel.YELLOW,
                    reason=WarningReason.BEHIND,
                    day=on,
                    auto=True,
                    note="先前写入",
                )
            )
    Milestone.objects.bulk_create(milestones)
    ProgressReport.objects.bulk_create(reports)
    Warning.objects.bulk_create(warnings)
    # One task already has this month's letter: none is proposed again.
    lettered = next(t for t in tasks if t.lead_unit_id)
    SupervisionNotice.objects.create(
        kind=SupervisionKind.LETTER,
        status=SupervisionStatus.ISSUED,
        title="已发督办函",
        target_unit_id=lettered.lead_unit_id,
        auto_key=f"letter:{lettered.pk}:{on:%Y-%m}",
    )
    # Some tasks had a 约谈 this month already, issued by hand: none is proposed for them.
    for task in [t for t in tasks if t.lead_unit_id][1::7]:
        interview = SupervisionNotice.objects.create(
            kind=SupervisionKind.INTERVIEW,
            status=SupervisionStatus.ISSUED,
            title="已约谈",
            target_unit_id=task.lead_unit_id,
            issued_on=periods.month_start(on),
        )
        interview.tasks.set([task])
    return tasks


def _edge_periods(on: date) -> tuple[ReportingPeriod, ReportingPeriod]:
    found = []
    for start in (periods.month_start(on), periods.previous_month_start(on)):
        period, _ = ReportingPeriod.objects.get_or_create(
            kind=PeriodKind.MONTHLY,
            code=f"{start:%Y-%m}",
            defaults={
                "start_date": start,
                "end_date": periods.month_end(start),
                "due_date": periods.report_cutoff(start),
            },
        )
        found.append(period)
    return found[0], found[1]


# ---------------------------------------------------------------------------------------------
# The cycle mix: n tasks that walk every bucket, deterministically

CYCLE_STATUSES = list(TaskStatus.values)
CYCLE_DEADLINES = [date(2020, 1, 31), date(2020, 6, 30), None]  # overdue-able, future, long-term
CYCLE_SCHEDULES = list(ScheduleStatus.values)
CYCLE_COLOURS = [WarningLevel.NONE, WarningLevel.YELLOW, WarningLevel.RED, WarningLevel.BLUE]
# Close-out events spread over the trend window of 2020-02-15, one outside it, and one on a
# month boundary: 2020-01-31 17:00 UTC is 2020-02-01 01:00 in Asia/Shanghai (February).
CYCLE_CLOSE_TIMES = [
    datetime(2019, 6, 10, 4, 0, tzinfo=ZoneInfo("UTC")),
    datetime(2020, 1, 31, 17, 0, tzinfo=ZoneInfo("UTC")),
    datetime(2019, 12, 3, 2, 0, tzinfo=ZoneInfo("UTC")),
    datetime(2018, 5, 1, 2, 0, tzinfo=ZoneInfo("UTC")),
]


def cycle_tasks(
    *,
    problem: Problem,
    places: Sequence[Region],
    leads: Sequence[Unit | None],
    n: int,
    first: int = 1,
    code_prefix: str = "YC",
    name_prefix: str = "扬尘点位",
    start_date: date = date(2019, 8, 20),
) -> list[Task]:
    """`n` tasks under `problem` that cycle through every status, deadline kind (past,
    future, none), 序时 status, warning colour, place and lead unit (None: no lead), so each
    dashboard bucket and each drill-down filter has rows on both sides of it. Closed ones
    carry a back-dated close event (the trend's months), and every task is counted in the
    dashboard tally. Deterministic: the i-th task of a call is the same on every run; `first`
    numbers the codes (code_prefix-first, …)."""
    task_type = ContentType.objects.get_for_model(Task)
    made = []
    for i in range(n):
        k = first + i
        status = CYCLE_STATUSES[i % len(CYCLE_STATUSES)]
        closed_at = (
            CYCLE_CLOSE_TIMES[(i // 6) % len(CYCLE_CLOSE_TIMES)]
            if status == TaskStatus.CLOSED
            else None
        )
        deadline = CYCLE_DEADLINES[i % len(CYCLE_DEADLINES)]
        lead = leads[(i // 2) % len(leads)]
        task = Task.objects.create(
            round_id=problem.round_id,
            problem=problem,
            seq=i + 1,
            code=f"{code_prefix}-{k}",
            name=f"{name_prefix}{k}",
            region=places[i % len(places)],
            status=status,
            start_date=start_date,
            deadline=deadline,
            original_deadline=deadline,
            schedule_status=CYCLE_SCHEDULES[i % len(CYCLE_SCHEDULES)],
            warning_level=CYCLE_COLOURS[(i // 3) % len(CYCLE_COLOURS)],
            reopen_count=1 if i % 7 == 0 else 0,
            closed_at=closed_at,
            lead_unit=lead,
            lng=None if i % 5 == 4 else Decimal("116.30") + Decimal(i) / 1000,
            lat=None if i % 5 == 4 else Decimal("39.90") + Decimal(i % 13) / 1000,
        )
        if lead is not None:
            Assignment.objects.create(task=task, unit=lead, role=AssignmentRole.LEAD)
        if closed_at:
            events.append(
                Event,
                task=task,
                target_type=task_type,
                target_id=task.pk,
                verb="close",
                from_status=TaskStatus.PUBLICIZING,
                to_status=TaskStatus.CLOSED,
                created_at=closed_at,
            )
        tally.recount(task)  # made behind the services' back, still counted (and its close)
        made.append(task)
    return made
