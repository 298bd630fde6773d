"""Celery entry points of the exchange app: the background plan import
(exchange/plan_import/jobs.py) and the `archives` job (exchange.archive_jobs), which builds
every round bundle the office has asked for since its last run.

The beat runs it every few seconds (config/celery.py); web requests never call it, they
write an ImportJob row that this picks up.
"""

from dataclasses import asdict

from celery import shared_task

from exchange import archive_jobs
from exchange.plan_import import jobs


@shared_task(name="jobs.imports")
def run_imports() -> dict:
    """Every queued plan import, oldest first."""
    return asdict(jobs.run_queued())


@shared_task(name="jobs.archives")
def build_archives() -> dict:
    return asdict(archive_jobs.run_pending())
