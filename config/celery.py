"""The Celery app. Broker and backend come from settings (filesystem or Redis).

The beat schedule is this one dict; keys read as what the job does. Times are Asia/Shanghai.
"""

import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ducha")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# docs/design.md §5. Each job is idempotent (rectification/jobs/__init__.py lists the keys), so a
# retried run or two beats at once send nothing twice. Order within a day: warnings first, so
# that reminders, dashboards and the dispatch report see fresh colours.
BEAT_SCHEDULE: dict[str, dict] = {
    "warnings: 序时 status and blue/yellow/red, daily 00:15": {
        "task": "jobs.warnings",
        "schedule": crontab(hour=0, minute=15),
    },
    "dispatch report: last month, on the 1st at 06:00": {
        "task": "jobs.dispatch",
        "schedule": crontab(day_of_month=1, hour=6, minute=0),
    },
    "reminders: due in 7/3/1 days and overdue, daily 08:00": {
        "task": "jobs.reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "report chase: before and on the monthly cutoff, daily 18:00": {
        "task": "jobs.report_chase",
        "schedule": crontab(hour=18, minute=0),
    },
    "sessions and access log: delete expired sessions and old access records, daily 03:30": {
        "task": "jobs.clearsessions",
        "schedule": crontab(hour=3, minute=30),
    },
    "audit: the event log's hash chain verified, daily 02:30": {
        "task": "jobs.audit",
        "schedule": crontab(hour=2, minute=30),
    },
    "catch-up: scheduled runs that were due and did not complete, every 5 minutes": {
        "task": "jobs.catch_up",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    "imports: big plan imports the office submitted, every 5 seconds": {
        "task": "jobs.imports",
        "schedule": 5.0,
        # A run that waited longer than its interval is superseded by the next one.
        "options": {"expires": 4},
    },
    "delivery: pending notifications, every minute": {
        "task": "jobs.delivery",
        "schedule": 60.0,
        # A delivery that waited longer than its interval is superseded by the next one.
        "options": {"expires": 55},
    },
    "archives: round bundles (一案一档) the office asked for, every minute": {
        "task": "jobs.archives",
        "schedule": 60.0,
        # A bundle may take longer than the interval: the beats queued meanwhile expire.
        "options": {"expires": 55},
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE


@worker_ready.connect
def catch_up_on_start(sender, **kwargs):
    """A worker that starts (after a crash, a deploy, a server down over a due time) first
    asks for the catch-up (rectification/jobs/runs.py), so what was due meanwhile runs now."""
    sender.app.send_task("jobs.catch_up")
