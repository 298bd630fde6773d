"""The jobs through a real Celery worker on the real Redis (REDIS_URL), end to end.

The worker runs inside this process (celery.contrib.testing), module-scoped, on a queue of
its own per xdist process so parallel test processes do not take each other's messages.
"""

import os
import time
from datetime import date, timedelta

import pytest
from django.core import mail

from rectification.choices import NotificationChannel, NotificationStatus
from rectification.models import DispatchReport, Notification
from rectification.services import Message, notify_many
from tests.conftest import require_redis
from tests.jobs.conftest import put, told

pytestmark = [pytest.mark.realservices, pytest.mark.django_db(transaction=True)]

ON = date(2020, 2, 15)


@pytest.fixture(scope="module")
def worker():

    require_redis()
    from celery.contrib.testing.worker import start_worker
    from kombu import Queue

    from config.celery import app

    queue = "test-jobs-" + os.environ.get("PYTEST_XDIST_WORKER", "main")
    saved = (app.conf.task_default_queue, app.conf.task_always_eager, app.conf.task_queues)
    app.conf.task_default_queue = queue
    app.conf.task_queues = [Queue(queue)]
    app.conf.task_always_eager = False
    app.amqp.__dict__.pop("queues", None)  # forget the routing cached for the old default
    app.amqp.__dict__.pop("router", None)
    try:
        with start_worker(
            app, perform_ping_check=False, pool="threads", concurrency=2, shutdown_timeout=20
        ):
            yield app
    finally:
        app.conf.task_default_queue, app.conf.task_always_eager, app.conf.task_queues = saved
        app.amqp.__dict__.pop("queues", None)
        app.amqp.__dict__.pop("router", None)


def wait_for(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_reminders_run_through_the_worker(worker, jobs_world):
    from rectification.tasks import send_reminders

    put(jobs_world.task, deadline=ON + timedelta(days=3))
    put(jobs_world.other_task, deadline=ON - timedelta(days=30))
    summary = send_reminders.delay(ON.isoformat()).get(timeout=30)
    assert summary == {
        "day": "2020-02-15",
        "units": 3,
        "unit_rows": 8,
        "escalation_rows": 3,
        "petition_rows": 0,  # no petition is due or overdue in this world
    }
    expected = {"dc_reporter", "dc_head", "zj_reporter", "xc_reporter", "office", "leader"}
    assert {u for u, _, _ in told()} == expected
    assert Notification.objects.filter(kind="reminder_escalation").count() == 3
    count = Notification.objects.count()
    again = send_reminders.delay(ON.isoformat()).get(timeout=30)  # a second beat
    assert again == {"job": "reminders", "period": "2020-02-15", "skipped": "DONE"}
    assert Notification.objects.count() == count


def test_dispatch_report_through_the_worker(worker, jobs_world):
    from rectification.tasks import monthly_dispatch

    first = monthly_dispatch.delay("2020-02-01").get(timeout=60)
    second = monthly_dispatch.delay("2020-02-01").get(timeout=60)  # a second beat
    assert first["created"] == 1
    assert second == {"job": "dispatch", "period": "2020-02", "skipped": "DONE"}
    report = DispatchReport.objects.get()
    assert report.month == date(2020, 1, 1) and report.figures["headline"]["total"] == 2
    assert Notification.objects.filter(kind="dispatch_report").count() == 3


def test_mail_delivery_reaches_the_outbox_once(worker, jobs_world):
    from rectification.tasks import deliver_notifications

    notify_many(
        [
            Message(
                jobs_world.reporter.pk,
                "reminder_due_7",
                "【测试】邮件",
                "worker-mail",
                NotificationChannel.MAIL,
                body="正文",
            )
        ]
    )
    results = [deliver_notifications.delay(), deliver_notifications.delay()]
    assert [r.get(timeout=30)["sent"] for r in results].count(1) == 1
    deliver_notifications.delay().get(timeout=30)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["zhang@dongcheng.example"]
    assert Notification.objects.get(kind="reminder_due_7").status == NotificationStatus.SENT


def test_round_archive_is_built_by_the_worker(worker, jobs_world, settings, tmp_path):
    from exchange.archive_jobs import archive_job_request
    from exchange.models import ArchiveJob
    from exchange.tasks import build_archives

    settings.MEDIA_ROOT = tmp_path / "media"
    job, created = archive_job_request(round_=jobs_world.round, actor=jobs_world.office)
    assert created
    summary = build_archives.delay().get(timeout=120)
    assert summary == {"built": 1, "failed": 0, "abandoned": 0}
    job = ArchiveJob.objects.get(pk=job.pk)
    assert job.status == "DONE" and job.percent == 100
    assert (tmp_path / "media" / job.file.name).stat().st_size == job.size


def test_clearsessions_runs_through_the_worker(worker):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    from accounts.tasks import clear_sessions

    expired = SessionStore()
    expired.set_expiry(-60)
    expired.create()
    assert clear_sessions.delay().get(timeout=30) == {"deleted": 1, "access_purged": 0}
    assert not Session.objects.filter(session_key=expired.session_key).exists()
    assert clear_sessions.delay().get(timeout=30) == {"deleted": 0, "access_purged": 0}  # again
