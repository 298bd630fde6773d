"""A real Celery worker process on the real Redis: its pool process killed mid-dispatch, and its
start after a server was down across 06:00 on the 1st.

The worker is a subprocess (`celery worker`, prefork pool) on a queue of its own, reading the
test database, so it can be killed with SIGKILL as the OOM killer or an operator would. It
needs REDIS_URL and PostgreSQL (the SQLite test database lives in this process's memory).
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.choices import RegionLevel, UnitKind
from rectification.choices import JobRunStatus
from rectification.models import DispatchReport, JobRun, Notification
from tests.conftest import require_redis
from tests.factories import RegionFactory, UnitFactory
from tests.jobs.conftest import put

pytestmark = [pytest.mark.realservices, pytest.mark.django_db(transaction=True)]

# The worker's process: Django set up, the dispatch report of each region slowed to ~0.4 s (so
# that the test can kill the job with a few of its 22 reports made, as the probe did), then
# `celery worker`. The pool's processes are forked from it and inherit the slowed function.
WORKER = textwrap.dedent(
    """
    import sys, time
    import django
    django.setup()
    from rectification.jobs import dispatch
    compute = dispatch.compute
    def slowly(region, month):
        time.sleep(float(sys.argv[2]))
        return compute(region, month)
    dispatch.compute = slowly
    from config.celery import app
    app.worker_main(["worker", "--pool=prefork", "--concurrency=1", "-Q", sys.argv[1],
                     "--loglevel=info", "--without-mingle", "--without-gossip",
                     "--without-heartbeat", "-n", sys.argv[1] + "@%h"])
    """
)


def database_url() -> str:
    s = connection.settings_dict
    return (
        f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"
    )


@pytest.fixture
def worker_process(tmp_path):
    """start(now, slow=0.0) -> (process, queue): a worker whose clock is pinned to `now`."""
    require_redis()
    if connection.vendor != "postgresql":
        pytest.skip("a worker process reads the test database: PostgreSQL only")
    started = []

    def start(now: str, slow: float = 0.0):
        queue = f"test-killed-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "TRACKER_NOW": now,
            "TRACKER_TODAY": "",
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        log = open(tmp_path / f"{queue}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "-c", WORKER, queue, str(slow)],
            cwd=Path(settings.BASE_DIR),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process, queue

    yield start
    for process, log in started:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
    # the worker's last connection may still be closing
    time.sleep(0.5)


def pool_processes(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def twenty_two_offices(world):
    """The world's city office and 21 county offices: 22 dispatch reports a month."""
    for n in range(21):
        county = RegionFactory(
            code=f"9902{n:02d}", name=f"测试{n}县", level=RegionLevel.COUNTY, parent=world.city
        )
        UnitFactory(name=f"测试{n}县环督办", kind=UnitKind.COORD_OFFICE, region=county)


def completed(*pairs):
    for job, period in pairs:
        JobRun.objects.create(
            job=job,
            period=period,
            status=JobRunStatus.DONE,
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )


def test_a_dispatch_whose_pool_process_is_killed_is_redelivered_and_completed_once(
    jobs_world, worker_process
):
    from config.celery import app

    # given: 22 offices; the other jobs are done, and it is 05:59 on 1 February (the dispatch
    # is not due yet, so the worker's catch-up on start leaves it to the message below)
    twenty_two_offices(jobs_world)
    completed(
        ("warnings", "2020-02-01"),
        ("reminders", "2020-01-31"),
        ("report_chase", "2020-01-31"),
        ("dispatch", "2020-01"),
    )
    process, queue = worker_process("2020-02-01T05:59", slow=0.4)
    app.send_task("jobs.dispatch", args=["2020-02-01"], queue=queue)

    # when: the pool process is killed with some of the 22 reports made
    made = wait_for(
        lambda: DispatchReport.objects.count() >= 3 and DispatchReport.objects.count(),
        120,
        "the dispatch to start",
    )
    (child,) = pool_processes(process.pid)
    os.kill(child, signal.SIGKILL)
    killed_at = DispatchReport.objects.count()
    assert 3 <= made <= killed_at < 22

    # then: the message is given back, redelivered to the new pool process, which takes its own
    # claim back and completes the set: 22 reports, each notified once
    run = wait_for(
        lambda: JobRun.objects.filter(
            job="dispatch", period="2020-02", status=JobRunStatus.DONE
        ).first(),
        180,
        "the redelivered dispatch to complete",
    )
    assert run.attempts == 2  # the killed attempt and the redelivered one
    assert DispatchReport.objects.filter(month=date(2020, 1, 1)).count() == 22
    assert DispatchReport.objects.count() == 22
    per_report = Counter(
        key.split(":")[1]
        for key in Notification.objects.filter(kind="dispatch_report").values_list(
            "unique_key", flat=True
        )
    )
    assert set(per_report) == {
        str(pk) for pk in DispatchReport.objects.values_list("pk", flat=True)
    }
    assert set(per_report.values()) == {3}  # the office (in-app and mail) and the leader, once
    assert process.poll() is None  # the worker itself lived on


def test_a_worker_starting_after_the_server_was_down_over_six_on_the_first_catches_up(
    jobs_world, worker_process
):
    # given: everything ran up to the evening of 31 January; the server was down until 09:00
    put(jobs_world.task, deadline=date(2020, 1, 20))
    completed(
        ("warnings", "2020-01-31"),
        ("reminders", "2020-01-31"),
        ("report_chase", "2020-01-31"),
        ("dispatch", "2020-01"),
        ("audit", "2020-01-31"),
    )
    # when: the worker starts (no beat: only its start asks for the catch-up)
    worker_process("2020-02-01T09:00")

    # then: the day's warnings, the month's 通报, the day's reminders and the 02:30 audit, once
    wait_for(
        lambda: JobRun.objects.filter(status=JobRunStatus.DONE).count() == 9,
        180,
        "the catch-up on worker start",
    )
    time.sleep(1)
    assert set(JobRun.objects.filter(attempts=1).values_list("job", "period", "status")) == {
        ("warnings", "2020-01-31", "DONE"),
        ("reminders", "2020-01-31", "DONE"),
        ("report_chase", "2020-01-31", "DONE"),
        ("dispatch", "2020-01", "DONE"),
        ("warnings", "2020-02-01", "DONE"),
        ("dispatch", "2020-02", "DONE"),
        ("reminders", "2020-02-01", "DONE"),
        ("audit", "2020-01-31", "DONE"),
        ("audit", "2020-02-01", "DONE"),
    }
    report = DispatchReport.objects.get()
    assert report.month == date(2020, 1, 1) and report.figures["headline"]["overdue"] == 1
    assert Notification.objects.filter(kind="dispatch_report").count() == 3
