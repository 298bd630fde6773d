"""The scheduled jobs' ledger of runs, their claims and the catch-up: no run is ever lost.

Beat starts each job at its time (config/celery.py). That alone loses runs: a beat that cannot
reach Redis at 00:15 drops the tick, a worker killed mid-job leaves it half done, a server
down at 06:00 on the 1st never sends that month's 通报. So every run of a scheduled job is
recorded per business period in `JobRun` (job, period): a day "2020-02-15" for the daily
jobs, a month "2020-02" for the monthly dispatch (whose run on the 1st reports on the month
before), and `catch_up()` — on worker start and every few minutes — runs any job whose due
time in the current or previous period passed without a completed run.

The JobRun row is the claim. Whoever starts a run (the beat's task, the catch-up, `run_job`)
inserts it RUNNING; the unique (job, period) lets only one insert win, so two catch-ups, a
catch-up and a late beat message, or two beats never run a period twice at once. A claim is
taken over (a conditional UPDATE on its `attempts`, so two takers cannot both win) when:
- it is RUNNING and older than settings.JOBS_STALE_AFTER (the broker's visibility timeout):
  its worker died without finishing;
- it is RUNNING under the same Celery task id: the broker redelivered the message of a worker
  whose pool process was killed (acks_late + task_reject_on_worker_lost);
- it FAILED (the job raised), up to settings.JOBS_MAX_ATTEMPTS attempts, so a job that keeps
  failing is retried a few times, then left FAILED for an operator (flagged on the status
  page; `run_job` runs it by hand).
A second run of a period is harmless anyway: each job writes through unique keys
(rectification/jobs/__init__.py), so a run cut short and taken over completes the set without
duplicating anything. The claim keeps the work from being done twice, the keys keep its
effects single.

Every time here comes from accounts.clock.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts import clock
from rectification.choices import JobRunStatus
from rectification.jobs import (
    audit,
    dispatch,
    periods,
    petitions,
    reminders,
    report_chase,
    warning_sweep,
)
from rectification.models import JobRun

log = logging.getLogger(__name__)


def _jsonable(result) -> dict:
    values = asdict(result) if is_dataclass(result) else dict(result)
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def _warnings(on: date) -> dict:
    """The tasks' sweep, then the petitions' overdue flags (the same job)."""
    return {**_jsonable(warning_sweep.run(on)), "petitions_overdue": petitions.sweep(on)}


def _reminders(on: date) -> dict:
    return {**_jsonable(reminders.run(on)), "petition_rows": petitions.remind(on)}


@dataclass(frozen=True)
class ScheduledJob:
    """A job the beat starts once per business day or month (its entry in BEAT_SCHEDULE)."""

    name: str  # the Celery task is "jobs.<name>"
    label: str
    monthly: bool
    work: Callable[[date], dict]

    @property
    def task(self) -> str:
        return f"jobs.{self.name}"

    def period(self, on: date) -> str:
        return f"{on:%Y-%m}" if self.monthly else on.isoformat()

    def start(self, on: date) -> date:
        """The first day of the period `on` falls in (the date a catch-up runs the job on)."""
        return periods.month_start(on) if self.monthly else on

    def previous(self, start: date) -> date:
        return periods.previous_month_start(start) if self.monthly else start - timedelta(days=1)

    def due_at(self, start: date) -> datetime:
        """When the beat starts the run of the period beginning on `start` (Asia/Shanghai)."""
        hour, minute = _beat_time(self.task)
        return timezone.make_aware(datetime.combine(start, time(hour, minute)))


# In the beat's order within a day (warnings first: the others read fresh colours).
SCHEDULED: dict[str, ScheduledJob] = {
    job.name: job
    for job in (
        ScheduledJob("warnings", "预警研判", False, _warnings),
        ScheduledJob("dispatch", "月调度通报", True, lambda on: _jsonable(dispatch.run(on))),
        ScheduledJob("reminders", "到期提醒", False, _reminders),
        ScheduledJob("report_chase", "进展催报", False, lambda on: _jsonable(report_chase.run(on))),
        ScheduledJob("audit", "操作记录校验", False, audit.run),
    )
}


def _beat_time(task: str) -> tuple[int, int]:
    """(hour, minute) of the task's crontab entry: the schedule has one source, the beat's dict
    (config/celery.py, read through the Celery app: rectification does not import config)."""
    from celery import current_app

    for entry in current_app.conf.beat_schedule.values():
        if entry["task"] == task:
            schedule = entry["schedule"]
            (hour,), (minute,) = schedule.hour, schedule.minute
            return hour, minute
    raise LookupError(f"{task} has no crontab entry in BEAT_SCHEDULE")


# --- claims ------------------------------------------------------------------------------------


def claim(
    job: str, period: str, *, token: str, now: datetime, rerun: bool = False
) -> JobRun | None:
    """Take the run of (job, period) for `token`, or None when someone else has it or it is done.

    `rerun` (an operator's `run_job`) also takes a completed period, to run it again.
    """
    try:
        with transaction.atomic():
            return JobRun.objects.create(
                job=job, period=period, claimed_by=token, started_at=now, attempts=1
            )
    except IntegrityError:
        pass
    row = JobRun.objects.filter(job=job, period=period).first()
    if row is None:
        return None
    running = Q(status=JobRunStatus.RUNNING)
    may_retake = (
        (running & Q(started_at__lt=now - timedelta(seconds=settings.JOBS_STALE_AFTER)))
        | (running & Q(claimed_by=token))
        | Q(status=JobRunStatus.FAILED, attempts__lt=settings.JOBS_MAX_ATTEMPTS)
    )
    if rerun:
        may_retake |= Q(status__in=[JobRunStatus.DONE, JobRunStatus.FAILED])
    # `attempts` is the row's version: of two takers who read the same row, one updates it.
    taken = JobRun.objects.filter(may_retake, pk=row.pk, attempts=row.attempts).update(
        status=JobRunStatus.RUNNING,
        claimed_by=token,
        started_at=now,
        finished_at=None,
        error="",
        attempts=F("attempts") + 1,
    )
    if taken != 1:
        return None
    row.refresh_from_db()
    return row


def _finish(run: JobRun, **fields) -> None:
    # Only the holder of the claim records the outcome (a taker since then owns the row).
    JobRun.objects.filter(pk=run.pk, attempts=run.attempts).update(
        finished_at=clock.now(), **fields
    )


def run_once(name: str, on: date | None = None, *, token: str = "", rerun: bool = False) -> dict:
    """Run the scheduled job `name` for the period of `on` (default: the business date) if no
    one has run it or is running it; record the outcome. Returns the job's summary, or
    {"job", "period", "skipped": status} when the period was done or is being run elsewhere."""
    job = SCHEDULED[name]
    on = on or clock.today()
    period = job.period(on)
    run = claim(name, period, token=token or f"run:{uuid.uuid4()}", now=clock.now(), rerun=rerun)
    if run is None:
        status = JobRun.objects.filter(job=name, period=period).values_list("status", flat=True)
        return {"job": name, "period": period, "skipped": status.first() or "gone"}
    try:
        summary = job.work(on)
    except Exception as exc:
        _finish(run, status=JobRunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    _finish(run, status=JobRunStatus.DONE, summary=summary)
    return summary


# --- the catch-up ------------------------------------------------------------------------------


def last_done() -> dict[str, str]:
    """The latest completed period of each job."""
    rows = (
        JobRun.objects.filter(status=JobRunStatus.DONE)
        .values("job")
        .annotate(period=Max("period"))
        .values_list("job", "period")
    )
    return dict(rows)


def missed(now: datetime | None = None) -> list[tuple[ScheduledJob, date]]:
    """(job, first day of the period) of every run due by `now` in the current or previous
    period and not completed, oldest first within a job.

    A period at or before the job's latest completed one is not run (an older day's warnings
    after a newer day's would roll the colours back), nor, for a job that has never run, any
    period but its latest due one (a fresh install does not replay yesterday).
    """
    now = now or clock.now()
    today = timezone.localdate(now)
    done = last_done()
    done_periods = set(
        JobRun.objects.filter(status=JobRunStatus.DONE, job__in=list(SCHEDULED)).values_list(
            "job", "period"
        )
    )
    owed = []
    for job in SCHEDULED.values():
        current = job.start(today)
        due = [s for s in (job.previous(current), current) if job.due_at(s) <= now]
        latest = done.get(job.name)
        if latest is None:
            due = due[-1:]
        for start in due:
            period = job.period(start)
            if (job.name, period) in done_periods or (latest is not None and period <= latest):
                continue
            owed.append((job, start))
    return owed


@dataclass(frozen=True)
class CatchUp:
    ran: list[str]  # "job period" of each run this catch-up did
    skipped: list[str]  # claimed elsewhere meanwhile, or failed too often


def catch_up(now: datetime | None = None, *, token: str = "") -> CatchUp:
    """Run every missed run (see `missed`) here and now, each under its claim.

    `token` is the catch-up task's id: redelivered after its worker was killed, the same
    catch-up takes back the claims it held."""
    token = f"catch-up:{token or uuid.uuid4()}"
    ran, skipped = [], []
    for job, start in missed(now):
        label = f"{job.name} {job.period(start)}"
        try:
            result = run_once(job.name, start, token=token)
        except Exception:
            log.exception("catch-up: %s failed", label)
            skipped.append(label)
            continue
        (skipped if "skipped" in result else ran).append(label)
        if "skipped" not in result:
            log.info("catch-up: ran %s", label)
    return CatchUp(ran, skipped)


# --- the status page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class JobStatus:
    job: ScheduledJob
    last: JobRun | None  # the latest completed run
    current: JobRun | None  # the run of the latest due period, whatever its state
    due_period: str  # the latest period whose due time has passed
    due_at: datetime
    overdue: bool  # due, and not completed within JOBS_OVERDUE_AFTER of its due time


def status(now: datetime | None = None) -> list[JobStatus]:
    """Each scheduled job's last completed run and whether its latest due run is overdue
    (two queries)."""
    now = now or clock.now()
    today = timezone.localdate(now)
    grace = timedelta(seconds=settings.JOBS_OVERDUE_AFTER)
    latest_due = {}
    for job in SCHEDULED.values():
        start = job.start(today)
        if job.due_at(start) > now:
            start = job.previous(start)
        latest_due[job.name] = start
    done = last_done()
    wanted = Q()
    for job in SCHEDULED.values():
        periods_ = {job.period(latest_due[job.name]), done.get(job.name)} - {None}
        wanted |= Q(job=job.name, period__in=periods_)
    runs = {(r.job, r.period): r for r in JobRun.objects.filter(wanted)}
    rows = []
    for job in SCHEDULED.values():
        start = latest_due[job.name]
        current = runs.get((job.name, job.period(start)))
        completed = current is not None and current.status == JobRunStatus.DONE
        rows.append(
            JobStatus(
                job=job,
                last=runs.get((job.name, done.get(job.name))),
                current=current,
                due_period=job.period(start),
                due_at=job.due_at(start),
                overdue=not completed and now - job.due_at(start) > grace,
            )
        )
    return rows


def overdue(now: datetime | None = None) -> list[str]:
    """The names of the jobs whose latest due run is overdue (the health endpoint)."""
    return [row.job.name for row in status(now) if row.overdue]
