"""Celery entry point of the exchange app: the `archives` job (exchange.archive_jobs).

Thin like rectification/tasks.py; the beat schedule (config/celery.py) starts it every
minute, and it builds every round bundle the office has asked for since.
"""

from dataclasses import asdict

from celery import shared_task

from exchange import archive_jobs


@shared_task(name="jobs.archives")
def build_archives() -> dict:
    return asdict(archive_jobs.run_pending())
