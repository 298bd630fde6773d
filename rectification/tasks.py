"""Celery entry points: thin wrappers that take ids and ISO dates and call the jobs.

Dates travel as "YYYY-MM-DD" strings (JSON serializer); None means the business date
(accounts.clock.today()) when the task runs. Each returns a small JSON-able summary.
Nothing here is called from a web request: pages write rows, the beat schedule
(config/celery.py) starts these.
"""

from dataclasses import asdict
from datetime import date

from celery import shared_task

from rectification.jobs import delivery, runs


def _day(on: str | None) -> date | None:
    return date.fromisoformat(on) if on else None


def _summary(result) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(result).items()}


# The four scheduled jobs run under their period's claim (rectification/jobs/runs.py): the
# Celery task id is the claim's token, so the redelivery of a message whose worker was killed
# takes its own claim back, and a beat's message for a period the catch-up already completed
# runs nothing ({"skipped": "DONE"}).


@shared_task(name="jobs.reminders", bind=True)
def send_reminders(self, on: str | None = None) -> dict:
    """The day's reminders in one go: a handful of set-based statements, no fan-out."""
    return runs.run_once("reminders", _day(on), token=self.request.id or "")


@shared_task(name="jobs.warnings", bind=True)
def sweep_warnings(self, on: str | None = None) -> dict:
    return runs.run_once("warnings", _day(on), token=self.request.id or "")


@shared_task(name="jobs.report_chase", bind=True)
def chase_reports(self, on: str | None = None) -> dict:
    return runs.run_once("report_chase", _day(on), token=self.request.id or "")


@shared_task(name="jobs.dispatch", bind=True)
def monthly_dispatch(self, on: str | None = None) -> dict:
    return runs.run_once("dispatch", _day(on), token=self.request.id or "")


@shared_task(name="jobs.audit", bind=True)
def verify_events(self, on: str | None = None) -> dict:
    """The event log's hash chain checked end to end (accounts/chain.py)."""
    return runs.run_once("audit", _day(on), token=self.request.id or "")


@shared_task(name="jobs.catch_up", bind=True)
def catch_up(self) -> dict:
    """Every scheduled run due and not completed (a beat tick lost, a worker that died, a
    server that was down at the due time), run here, once; on worker start and every few
    minutes."""
    return asdict(runs.catch_up(token=self.request.id or ""))


@shared_task(name="jobs.delivery")
def deliver_notifications() -> dict:
    return _summary(delivery.run())
