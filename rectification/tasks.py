"""Celery entry points: thin wrappers that take ids and ISO dates and call the jobs.

Dates travel as "YYYY-MM-DD" strings (JSON serializer); None means the business date
(accounts.clock.today()) when the task runs. Each returns a small JSON-able summary.
Nothing here is called from a web request: pages write rows, the beat schedule
(config/celery.py) starts these.
"""

from dataclasses import asdict
from datetime import date

from celery import shared_task

from accounts import clock
from rectification.jobs import delivery, dispatch, petitions, reminders, report_chase, warning_sweep


def _day(on: str | None) -> date | None:
    return date.fromisoformat(on) if on else None


def _summary(result) -> dict:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(result).items()}


@shared_task(name="jobs.reminders")
def send_reminders(on: str | None = None) -> dict:
    """The day's reminders in one go: a handful of set-based statements, no fan-out."""
    day = _day(on)
    summary = _summary(reminders.run(day))
    summary["petition_rows"] = petitions.remind(day or clock.today())
    return summary


@shared_task(name="jobs.warnings")
def sweep_warnings(on: str | None = None) -> dict:
    day = _day(on)
    summary = _summary(warning_sweep.run(day))
    summary["petitions_overdue"] = petitions.sweep(day or clock.today())
    return summary


@shared_task(name="jobs.report_chase")
def chase_reports(on: str | None = None) -> dict:
    return _summary(report_chase.run(_day(on)))


@shared_task(name="jobs.dispatch")
def monthly_dispatch(on: str | None = None) -> dict:
    return _summary(dispatch.run(_day(on)))


@shared_task(name="jobs.delivery")
def deliver_notifications() -> dict:
    return _summary(delivery.run())
