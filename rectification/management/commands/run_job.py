"""Run one scheduled job now, in this process (no broker): for operators and the demo.

python manage.py run_job warnings --date 2020-02-15
python manage.py run_job dispatch --date 2020-02-01   # January's 月调度通报
python manage.py run_job tally                        # (re)build and check the dashboard tally
python manage.py run_job all                          # every job, in the beat's order
python manage.py run_job catch_up                     # every due run that did not complete

A scheduled job run by hand is recorded in the jobs' ledger (JobRun) like the beat's runs, so
the catch-up does not run that period again; it runs even if the period was completed (the
jobs are idempotent: a second run adds only what is missing), but not while a worker holds
the period's claim.
"""

import os
from dataclasses import asdict, dataclass
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from accounts import clock
from accounts import jobs as account_jobs
from rectification import tally
from rectification.jobs import delivery, runs


@dataclass(frozen=True)
class TallyRun:
    day: date
    cells: int
    differences: int


def _tally(on: date) -> TallyRun:
    """Rebuild the day's dashboard tally and check it against a recount of the tasks."""
    cells = tally.build(on)
    return TallyRun(on, cells, len(tally.verify(on)))


def _scheduled(name: str):
    return lambda on: runs.run_once(name, on, token=f"run_job:{os.getpid()}", rerun=True)


JOBS = {
    **{name: (job.label, _scheduled(name)) for name, job in runs.SCHEDULED.items()},
    "delivery": ("通知发送", lambda on: delivery.run()),
    "clearsessions": ("清理过期会话与访问日志", lambda on: account_jobs.housekeeping()),
    # Not scheduled on its own (the warnings job builds it); for operators.
    "tally": ("驾驶舱每日汇总", _tally),
    "catch_up": ("补跑", lambda on: runs.catch_up()),
}
# `all`: the scheduled jobs in the beat's order, then the delivery of what they wrote.
ALL = [*runs.SCHEDULED, "delivery"]


class Command(BaseCommand):
    help = "Run a scheduled job now: " + ", ".join([*JOBS, "all"])

    def add_arguments(self, parser):
        parser.add_argument("name", choices=[*JOBS, "all"])
        parser.add_argument(
            "--date",
            dest="on",
            help="business date YYYY-MM-DD (default: TRACKER_TODAY or today in Asia/Shanghai)",
        )

    def handle(self, *args, name: str, on: str | None, **options):
        try:
            day = date.fromisoformat(on) if on else clock.today()
        except ValueError as exc:
            raise CommandError(f"--date 应为 YYYY-MM-DD 格式：{on}") from exc
        for job in ALL if name == "all" else [name]:
            label, run = JOBS[job]
            outcome = run(day)
            result = outcome if isinstance(outcome, dict) else asdict(outcome)
            summary = ", ".join(f"{k}={v}" for k, v in result.items())
            self.stdout.write(f"{label}（{job}，{day:%Y-%m-%d}）：{summary}")
