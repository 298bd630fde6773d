"""Celery entry point of the background plan import (exchange/plan_import/jobs.py).

The beat runs it every few seconds (config/celery.py); web requests never call it, they
write an ImportJob row that this picks up.
"""

from dataclasses import asdict

from celery import shared_task

from exchange.plan_import import jobs


@shared_task(name="jobs.imports")
def run_imports() -> dict:
    """Every queued plan import, oldest first."""
    return asdict(jobs.run_queued())
