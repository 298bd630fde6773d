"""The Celery app. Broker and backend come from settings (filesystem or Redis).

The beat schedule is this one dict; keys read as what the job does. Times are Asia/Shanghai.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("ducha")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

BEAT_SCHEDULE: dict[str, dict] = {}
app.conf.beat_schedule = BEAT_SCHEDULE
