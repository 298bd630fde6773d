"""The per-day summary table behind the dashboard (DailyTally), built and kept current.

- `build(day)` writes every cell of the day in one INSERT … SELECT … GROUP BY region, round,
  lead unit over the task table, and marks the day complete (TallyDay). The nightly warning
  sweep calls it after recolouring the tasks; `ensure(day)` builds it on the first dashboard of
  a day the job has not reached yet.
- `recount(task)` / `recount_pairs(pairs)`: after a service changes tasks, the cells of the
  tasks' (region, round) are recounted from the task table in the same transaction, in every
  day that is built (at most KEEP_DAYS), so the table equals a recount at any moment. Recounting a cell (rather than adding ±1 to buckets)
  cannot drift: whatever the change, the cell is what the task table says.
- `verify(day)` lists every cell that differs from a recount (tests; `run_job tally --verify`).

Concurrency (PostgreSQL): a cell's recount holds a transaction-level advisory lock on its
(region, round) so two services recounting the same cell run one after the other and the
second sees the first's commit; a whole-day build holds an exclusive lock that the recounts
take in shared mode. SQLite serializes writers anyway.

The buckets are exactly those of selectors.task_totals (one definition, `bucket_counts`).
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts import chain, clock
from accounts.events import EventVerb
from rectification.models import DailyTally, Event, TallyDay, TallyTrend, Task
from rectification.selectors import TaskTotals, bucket_counts

FIGURES = tuple(TaskTotals.__dataclass_fields__)  # total, closed, …, yellow
KEY = ("region_id", "round_id", "lead_unit_id")
# pg_advisory_xact_lock(int, int) namespaces: the whole-day build, then (region, round) cells.
BUILD_LOCK = (7311, 0)
TREND_MONTHS = 12
# How many days of tallies are kept (yesterday's stays for a dashboard open across midnight).
KEEP_DAYS = 2


def _lock(key: tuple[int, int], *, shared: bool = False) -> None:
    if connection.vendor != "postgresql":
        return
    # The event writers' lock first (accounts.chain.lock, held to commit like these): a
    # service recounts before it records its event, the sweep records before it rebuilds,
    # so both orders occur; taking the event lock first keeps one order and no deadlock.
    chain.lock()
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {fn}(%s, %s)", list(key))


def _insert(model, day: date, rows: QuerySet, columns: dict[str, str]) -> int:
    """INSERT INTO model's table (day, columns) SELECT day, the rows' aliases FROM rows.
    `columns`: table column → the alias values()/annotate() gives it in `rows`."""
    select, params = rows.query.sql_with_params()
    names = ", ".join(["day", *columns])
    aliases = ", ".join(f"s.{alias}" for alias in columns.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({names}) SELECT %s, {aliases} FROM ({select}) s",
            [day, *params],
        )
        return cursor.rowcount


def _insert_cells(day: date, tasks: QuerySet[Task]) -> int:
    """INSERT INTO tally SELECT day, key, figures FROM tasks GROUP BY key."""
    grouped = tasks.order_by().values(*KEY).annotate(**bucket_counts(day))
    return _insert(DailyTally, day, grouped, {c: c for c in (*KEY, *FIGURES)})


def month_starts(day: date, months: int = TREND_MONTHS) -> list[date]:
    """The first days of the `months` months up to `day`'s, oldest first."""
    year, month = day.year, day.month
    starts = []
    for _ in range(months):
        starts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return starts[::-1]


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def close_events(day: date, tasks: QuerySet[Task]) -> QuerySet:
    """The close events of `tasks` in the 12 months to `day`, each with its local `month`."""
    tz = ZoneInfo(settings.TIME_ZONE)
    return Event.objects.filter(
        verb=EventVerb.CLOSE,
        task__in=tasks.order_by().values("pk"),
        created_at__gte=local_midnight(month_starts(day)[0]),
        created_at__lt=local_midnight(day + timedelta(days=1)),
    ).annotate(month=TruncMonth("created_at", tzinfo=tz, output_field=DateField()))


def _trend_rows(day: date, tasks: QuerySet[Task]) -> QuerySet:
    """(region, round, month, n): the tasks closed (a close event) in each month, 12 months to
    `day`. A task closed twice in one month counts once, so that the trend's point and its
    drill-down (TaskFilterSet.closed_month) give the same number; closed again in a later
    month (after a reopening), it counts in both months."""
    return (
        close_events(day, tasks)
        .order_by()
        .values("task__region_id", "task__round_id", "month")
        .annotate(n=Count("task_id", distinct=True))
    )


def _insert_trend(day: date, tasks: QuerySet[Task]) -> None:
    """INSERT INTO trend SELECT day, region, round, month, closes … GROUP BY."""
    columns = {
        "region_id": "task__region_id",
        "round_id": "task__round_id",
        "month": "month",
        "closes": "n",
    }
    _insert(TallyTrend, day, _trend_rows(day, tasks), columns)


def build(day: date | None = None) -> int:
    """(Re)build every cell of `day`; drop days more than KEEP_DAYS before it. Returns the
    number of cells."""
    day = day or clock.today()
    with transaction.atomic():
        _lock(BUILD_LOCK)
        oldest = day - timedelta(days=KEEP_DAYS - 1)
        DailyTally.objects.filter(Q(day=day) | Q(day__lt=oldest)).delete()
        TallyTrend.objects.filter(Q(day=day) | Q(day__lt=oldest)).delete()
        TallyDay.objects.filter(Q(day=day) | Q(day__lt=oldest)).delete()
        cells = _insert_cells(day, Task.objects.all())
        _insert_trend(day, Task.objects.all())
        TallyDay.objects.create(day=day)
    return cells


def rebuild_built(also: date | None = None) -> None:
    """Rebuild every day that is built, and `also`: after a job changed many tasks at once
    (cheaper than recounting their cells one by one)."""
    days = set(TallyDay.objects.values_list("day", flat=True))
    if also:
        days.add(also)
    for day in sorted(days):
        build(day)


def ensure(day: date | None = None) -> None:
    """Build `day`'s tally unless it is there (the first dashboard of the day)."""
    day = day or clock.today()
    if TallyDay.objects.filter(day=day).exists():
        return
    with transaction.atomic():
        _lock(BUILD_LOCK)  # two first dashboards of the day: the second finds it built
        if not TallyDay.objects.filter(day=day).exists():
            build(day)


def recount_pairs(pairs: Iterable[tuple[int, int]]) -> None:
    """Recount the cells of these (region id, round id) pairs in every built day."""
    pairs = sorted({(r, o) for r, o in pairs if r and o})  # one order everywhere: no deadlock
    if not pairs:
        return
    with transaction.atomic():
        _lock(BUILD_LOCK, shared=True)
        days = list(TallyDay.objects.values_list("day", flat=True))
        if not days:
            return  # nothing to keep current: a day's build counts everything
        for region_id, round_id in pairs:
            _lock((region_id, round_id))
            DailyTally.objects.filter(region_id=region_id, round_id=round_id).delete()
            TallyTrend.objects.filter(region_id=region_id, round_id=round_id).delete()
            tasks = Task.objects.filter(region_id=region_id, round_id=round_id)
            for day in days:
                _insert_cells(day, tasks)
                _insert_trend(day, tasks)


def recount(*tasks: Task) -> None:
    """Recount the cells of these tasks (instances as they are now)."""
    recount_pairs([(t.region_id, t.round_id) for t in tasks])


def sums() -> dict:
    """Sum() of every figure, for aggregate() or annotate() over cells."""
    return {name: Sum(name) for name in FIGURES}


def totals_of(cells: QuerySet[DailyTally]) -> TaskTotals:
    row = cells.order_by().aggregate(**sums())
    return TaskTotals(**{k: v or 0 for k, v in row.items()})


def verify(day: date | None = None) -> list[str]:
    """Cells that differ from a recount of the task table (empty when the tally is right)."""
    day = day or clock.today()
    stored = {
        tuple(row[k] for k in KEY): tuple(row[f] for f in FIGURES)
        for row in DailyTally.objects.filter(day=day).values(*KEY, *FIGURES)
    }
    stored = {k: v for k, v in stored.items() if any(v)}
    counted = {
        tuple(row[k] for k in KEY): tuple(row[f] for f in FIGURES)
        for row in Task.objects.order_by().values(*KEY).annotate(**bucket_counts(day))
    }
    problems = []
    for key in sorted(set(stored) | set(counted), key=str):
        if stored.get(key) != counted.get(key):
            problems.append(f"{key}: tally {stored.get(key)} != recount {counted.get(key)}")
    stored_trend = {
        (row["region_id"], row["round_id"], row["month"]): row["closes"]
        for row in TallyTrend.objects.filter(day=day).values(
            "region_id", "round_id", "month", "closes"
        )
    }
    counted_trend = {
        (row["task__region_id"], row["task__round_id"], row["month"]): row["n"]
        for row in _trend_rows(day, Task.objects.all())
    }
    if stored_trend != counted_trend:
        problems.append(f"trend: tally {stored_trend} != recount {counted_trend}")
    duplicates = (
        DailyTally.objects.filter(day=day)
        .values(*KEY)
        .annotate(n=Count("*"))
        .filter(n__gt=1)
        .count()
    )
    if duplicates:
        problems.append(f"{duplicates} cells stored more than once")
    return problems
