"""Celery entry points of accounts (the beat schedule in config/celery.py starts them)."""

from celery import shared_task

from accounts import jobs


@shared_task(name="jobs.clearsessions")
def clear_sessions() -> dict:
    return jobs.housekeeping()
