"""No scheduled run is lost: the ledger of runs (JobRun), its claims and the catch-up.

The scenarios of issue 15: a beat tick lost while Redis was unreachable, a server stopped
across midnight and 06:00 on the 1st, two catch-ups at once. (A worker killed mid-dispatch,
through a real worker process, is in test_worker_killed.py.)
"""

import threading
from datetime import date, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts import clock
from rectification.choices import JobRunStatus
from rectification.jobs import runs
from rectification.models import DispatchReport, JobRun, Notification, Warning
from tests.jobs.conftest import put

pytestmark = pytest.mark.django_db


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time())).replace(
        hour=hour, minute=minute
    )


def completed(*pairs: tuple[str, str]) -> None:
    """Record runs as done (the history a deployment has before the incident)."""
    for job, period in pairs:
        JobRun.objects.create(
            job=job,
            period=period,
            status=JobRunStatus.DONE,
            started_at=at(date(2020, 1, 1), 0),
            finished_at=at(date(2020, 1, 1), 0),
        )


def ledger() -> set[tuple[str, str, str]]:
    return set(JobRun.objects.values_list("job", "period", "status"))


def test_the_broker_settings_give_a_killed_workers_job_back():
    from django.conf import settings

    from config.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    # Redis redelivers an unacknowledged job after the visibility timeout; the claims call a
    # run that old stale with the same value.
    assert settings.JOBS_STALE_AFTER == settings.JOBS_VISIBILITY_TIMEOUT >= 3600
    if settings.REDIS_URL:
        assert app.conf.broker_transport_options["visibility_timeout"] == (
            settings.JOBS_VISIBILITY_TIMEOUT
        )


def test_due_times_come_from_the_beat_schedule():
    assert runs.SCHEDULED["warnings"].due_at(date(2020, 2, 15)) == at(date(2020, 2, 15), 0, 15)
    assert runs.SCHEDULED["dispatch"].due_at(date(2020, 2, 1)) == at(date(2020, 2, 1), 6)
    assert runs.SCHEDULED["reminders"].due_at(date(2020, 2, 15)) == at(date(2020, 2, 15), 8)
    assert runs.SCHEDULED["report_chase"].due_at(date(2020, 2, 15)) == at(date(2020, 2, 15), 18)


def test_a_tick_lost_while_the_broker_was_down_is_caught_up_once(jobs_world):
    # given: yesterday's runs completed; at 00:15 beat could not reach Redis ("Couldn't apply
    # scheduled task"), so no warnings run is recorded for today
    day = date(2020, 2, 15)
    put(jobs_world.task, deadline=day - timedelta(days=5))  # overdue: a red card today
    completed(
        ("warnings", "2020-02-14"),
        ("reminders", "2020-02-14"),
        ("report_chase", "2020-02-14"),
        ("dispatch", "2020-02"),
        ("audit", "2020-02-14"),
    )
    # before the due time there is nothing to catch up
    with clock.travel(at(day, 0, 10)):
        assert runs.catch_up() == runs.CatchUp([], [])
    assert not Warning.objects.exists()

    # when: the broker is back and the catch-up comes round after the due time
    with clock.travel(at(day, 0, 20)):
        first = runs.catch_up()
        warnings = Warning.objects.count()
        again = runs.catch_up()

    # then: the day's warnings ran once, and a second catch-up runs nothing
    assert first.ran == ["warnings 2020-02-15"]
    assert again == runs.CatchUp([], [])
    assert warnings >= 1 and Warning.objects.filter(day=day).count() == warnings
    run = JobRun.objects.get(job="warnings", period="2020-02-15")
    assert run.status == JobRunStatus.DONE and run.attempts == 1
    assert run.summary["day"] == "2020-02-15" and run.summary["red"] == 1
    assert run.finished_at == at(day, 0, 20)

    # and the beat's message, delivered late once Redis is back, runs nothing
    from rectification.tasks import sweep_warnings

    with clock.travel(at(day, 0, 25)):
        late = sweep_warnings()
    assert late == {"job": "warnings", "period": "2020-02-15", "skipped": "DONE"}
    assert Warning.objects.count() == warnings


def test_a_server_down_across_midnight_and_six_on_the_first_catches_up_on_start(jobs_world):
    # given: everything ran up to the evening of 31 January, then the server stopped at 20:00
    put(jobs_world.task, deadline=date(2020, 1, 20))  # overdue in January
    completed(
        ("warnings", "2020-01-31"),
        ("reminders", "2020-01-31"),
        ("report_chase", "2020-01-31"),
        ("dispatch", "2020-01"),
        ("audit", "2020-01-31"),
    )
    # when: it comes back at 09:00 on 1 February and the worker's start asks for the catch-up
    with clock.travel(at(date(2020, 2, 1), 9)):
        first = runs.catch_up()
        again = runs.catch_up()

    # then: the day's warnings, the month's 通报, the day's reminders and the 02:30 audit, once
    # each, in the beat's order; the 18:00 chase is not due yet
    assert first.ran == [
        "warnings 2020-02-01",
        "dispatch 2020-02",
        "reminders 2020-02-01",
        "audit 2020-02-01",
    ]
    assert again.ran == []
    report = DispatchReport.objects.get()
    assert report.month == date(2020, 1, 1) and report.figures["headline"]["overdue"] == 1
    assert Notification.objects.filter(kind="dispatch_report").count() == 3
    assert Warning.objects.filter(day=date(2020, 2, 1)).exists()
    assert JobRun.objects.filter(status=JobRunStatus.DONE).count() == 5 + 4


def test_yesterdays_missed_runs_come_before_todays(jobs_world):
    # given: the server was down from 07:00 on the 14th to 09:00 on the 15th
    completed(("warnings", "2020-02-14"), ("reminders", "2020-02-13"))
    completed(("report_chase", "2020-02-13"), ("dispatch", "2020-02"), ("audit", "2020-02-15"))
    with clock.travel(at(date(2020, 2, 15), 9)):
        result = runs.catch_up()
    # then: the 14th's reminders and chase (the chase's cutoff day must not be skipped), then
    # the 15th's runs; the 14th's warnings had completed
    assert result.ran == [
        "warnings 2020-02-15",
        "reminders 2020-02-14",
        "reminders 2020-02-15",
        "report_chase 2020-02-14",
    ]


def test_an_older_period_is_never_run_after_a_newer_one(jobs_world):
    # `run_job all` on the demo's day recorded today's runs: yesterday's are not replayed
    # (an older day's warnings after a newer day's would roll the colours back)
    with clock.travel(at(date(2020, 2, 15), 3)):
        call_command("run_job", "all", stdout=StringIO())
        assert runs.missed() == []
    assert ledger() == {
        ("warnings", "2020-02-15", "DONE"),
        ("dispatch", "2020-02", "DONE"),
        ("reminders", "2020-02-15", "DONE"),
        ("report_chase", "2020-02-15", "DONE"),
        ("audit", "2020-02-15", "DONE"),
    }


def test_a_fresh_install_runs_only_each_jobs_latest_due_period(jobs_world):
    with clock.travel(at(date(2020, 2, 15), 9)):
        result = runs.catch_up()
    assert result.ran == [
        "warnings 2020-02-15",
        "dispatch 2020-02",
        "reminders 2020-02-15",
        "report_chase 2020-02-14",
        "audit 2020-02-15",
    ]


def test_two_claims_on_one_period_one_wins(jobs_world):
    now = at(date(2020, 2, 15), 0, 20)
    first = runs.claim("warnings", "2020-02-15", token="a", now=now)
    assert first is not None and first.status == JobRunStatus.RUNNING
    assert runs.claim("warnings", "2020-02-15", token="b", now=now) is None
    # the same Celery task id, redelivered after its worker was killed, takes its claim back
    again = runs.claim("warnings", "2020-02-15", token="a", now=now + timedelta(minutes=1))
    assert again is not None and again.attempts == 2


def test_a_stale_claim_is_taken_over_a_fresh_one_is_not(jobs_world, settings):
    settings.JOBS_STALE_AFTER = 3600
    start = at(date(2020, 2, 15), 0, 15)
    assert runs.claim("warnings", "2020-02-15", token="dead worker", now=start)
    later = start + timedelta(seconds=3599)
    assert runs.claim("warnings", "2020-02-15", token="catch-up", now=later) is None
    taken = runs.claim("warnings", "2020-02-15", token="catch-up", now=later + timedelta(seconds=2))
    assert taken is not None and taken.claimed_by == "catch-up" and taken.attempts == 2


def test_a_completed_period_is_not_claimed_except_by_an_operators_rerun(jobs_world):
    now = at(date(2020, 2, 15), 9)
    completed(("reminders", "2020-02-15"))
    assert runs.claim("reminders", "2020-02-15", token="beat", now=now) is None
    rerun = runs.claim("reminders", "2020-02-15", token="run_job", now=now, rerun=True)
    assert rerun is not None and rerun.status == JobRunStatus.RUNNING


def test_a_failing_run_is_recorded_and_retried_a_few_times(jobs_world, settings, monkeypatch):
    settings.JOBS_MAX_ATTEMPTS = 2
    completed(("warnings", "2020-02-14"), ("reminders", "2020-02-14"))
    completed(("report_chase", "2020-02-14"), ("dispatch", "2020-02"))

    def broken(on):
        raise RuntimeError("数据库连接中断")

    job = runs.SCHEDULED["warnings"]
    monkeypatch.setitem(
        runs.SCHEDULED, "warnings", runs.ScheduledJob(job.name, job.label, False, broken)
    )
    with clock.travel(at(date(2020, 2, 15), 0, 20)):
        assert runs.catch_up().skipped == ["warnings 2020-02-15"]
        run = JobRun.objects.get(job="warnings", period="2020-02-15")
        assert (run.status, run.attempts) == (JobRunStatus.FAILED, 1)
        assert run.error == "RuntimeError: 数据库连接中断"
        runs.catch_up()  # the second and last attempt
        assert JobRun.objects.get(job="warnings", period="2020-02-15").attempts == 2
        runs.catch_up()  # no third: left FAILED for an operator, flagged on the status page
        assert JobRun.objects.get(job="warnings", period="2020-02-15").attempts == 2
    monkeypatch.setitem(runs.SCHEDULED, "warnings", job)
    with clock.travel(at(date(2020, 2, 15), 10)):
        assert next((r.job.name, r.overdue) for r in runs.status()) == ("warnings", True)
        call_command("run_job", "warnings", stdout=StringIO())  # by hand
        assert JobRun.objects.get(job="warnings", period="2020-02-15").status == JobRunStatus.DONE
        assert next((r.job.name, r.overdue) for r in runs.status()) == ("warnings", False)


@pytest.mark.django_db(transaction=True)
def test_two_catch_ups_racing_make_one_run(jobs_world):
    if connection.vendor != "postgresql":
        pytest.skip(
            "threads with their own connections need PostgreSQL (SQLite tests run in memory)"
        )
    completed(("warnings", "2020-01-31"), ("reminders", "2020-01-31"))
    completed(("report_chase", "2020-01-31"), ("dispatch", "2020-01"), ("audit", "2020-01-31"))
    barrier = threading.Barrier(2)
    results: list[runs.CatchUp] = []

    def catch_up():
        try:
            with clock.travel(at(date(2020, 2, 1), 9)):
                barrier.wait()
                results.append(runs.catch_up())
        finally:
            connection.close()

    threads = [threading.Thread(target=catch_up) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    ran = sorted(label for r in results for label in r.ran)
    assert ran == [
        "audit 2020-02-01",
        "dispatch 2020-02",
        "reminders 2020-02-01",
        "warnings 2020-02-01",
    ]
    assert DispatchReport.objects.count() == 1
    assert Notification.objects.filter(kind="dispatch_report").count() == 3
    assert JobRun.objects.filter(attempts=1, status=JobRunStatus.DONE).count() == 5 + 4


def test_a_redelivered_catch_up_takes_back_the_claims_of_its_killed_attempt(jobs_world):
    completed(("warnings", "2020-02-14"), ("reminders", "2020-02-14"))
    completed(("report_chase", "2020-02-14"), ("dispatch", "2020-02"), ("audit", "2020-02-14"))
    moment = at(date(2020, 2, 15), 0, 20)
    # given: the catch-up task T claimed today's warnings, then its pool process was killed
    assert runs.claim("warnings", "2020-02-15", token="catch-up:T", now=moment)
    with clock.travel(moment + timedelta(minutes=1)):
        # a different catch-up leaves the fresh claim alone
        assert runs.catch_up(token="U") == runs.CatchUp([], ["warnings 2020-02-15"])
        # the message of T, redelivered, runs it
        assert runs.catch_up(token="T").ran == ["warnings 2020-02-15"]
    run = JobRun.objects.get(job="warnings", period="2020-02-15")
    assert (run.status, run.attempts) == (JobRunStatus.DONE, 2)
