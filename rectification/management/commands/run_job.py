"""Run one scheduled job now, in this process (no broker): for operators and the demo.

python manage.py run_job warnings --date 2020-02-15
python manage.py run_job dispatch --date 2020-02-01   # January's 月调度通报
python manage.py run_job tally                        # (re)build and check the dashboard tally
python manage.py run_job all                          # every job, in the beat's order
"""

from dataclasses import asdict, dataclass
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from accounts import clock
from accounts import jobs as account_jobs
from rectification import tally
from rectification.jobs import delivery, dispatch, petitions, reminders, report_chase, warning_sweep


@dataclass(frozen=True)
class TallyRun:
    day: date
    cells: int
    differences: int


def _tally(on: date) -> TallyRun:
    """Rebuild the day's dashboard tally and check it against a recount of the tasks."""
    cells = tally.build(on)
    return TallyRun(on, cells, len(tally.verify(on)))


def _warnings(on: date):
    """The tasks' sweep, then the petitions' overdue flags (the same job)."""
    result = warning_sweep.run(on)
    return {**asdict(result), "petitions_overdue": petitions.sweep(on)}


def _reminders(on: date):
    result = reminders.run(on)
    return {**asdict(result), "petition_rows": petitions.remind(on)}


JOBS = {
    "warnings": ("预警研判", _warnings),
    "reminders": ("到期提醒", _reminders),
    "report_chase": ("进展催报", lambda on: report_chase.run(on)),
    "dispatch": ("月调度通报", lambda on: dispatch.run(on)),
    "delivery": ("通知发送", lambda on: delivery.run()),
    "clearsessions": ("清理过期会话", lambda on: {"deleted": account_jobs.clear_sessions()}),
    # Not scheduled on its own (the warnings job builds it); for operators.
    "tally": ("驾驶舱每日汇总", _tally),
}


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
        for job in [j for j in JOBS if j != "tally"] if name == "all" else [name]:
            label, run = JOBS[job]
            outcome = run(day)
            result = outcome if isinstance(outcome, dict) else asdict(outcome)
            summary = ", ".join(f"{k}={v}" for k, v in result.items())
            self.stdout.write(f"{label}（{job}，{day:%Y-%m-%d}）：{summary}")
