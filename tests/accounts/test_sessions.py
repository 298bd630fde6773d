"""Idle timeout and absolute lifetime of a session, and the daily purge of expired ones.

A session's age is elapsed real time (accounts/middleware.py), so these tests move the real
clock (time-machine), not the business date."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command

from accounts import jobs

pytestmark = pytest.mark.django_db

T0 = datetime(2020, 2, 15, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
TIMED_OUT = "会话已超时，请重新登录"


def test_the_defaults_are_thirty_idle_minutes_and_twelve_hours(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 12 * 60 * 60


@pytest.fixture
def clock_at_t0():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_a_session_idle_for_more_than_thirty_minutes_is_logged_out(world, login, clock_at_t0):
    # given a reporter logged in at 08:00 who opens a page at 08:29
    client = login(world.reporter)
    clock_at_t0.move_to(T0 + timedelta(minutes=29))
    assert client.get("/tasks/").status_code == 200
    # when the next request comes 31 minutes after that one
    clock_at_t0.move_to(T0 + timedelta(minutes=29 + 31))
    response = client.get("/tasks/?status=IN_PROGRESS")
    # then the session is over: to the login page, back to the page afterwards, and told why
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Ftasks%2F%3Fstatus%3DIN_PROGRESS"
    login_page = client.get(response["Location"])
    assert TIMED_OUT in login_page.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/tasks/").status_code == 302


def test_the_api_with_an_idle_session_answers_401_in_chinese(world, login, clock_at_t0):
    client = login(world.office)
    assert client.get("/api/v1/tasks/").status_code == 200
    clock_at_t0.move_to(T0 + timedelta(minutes=31))
    response = client.get("/api/v1/tasks/")
    assert response.status_code == 401
    assert TIMED_OUT in response.json()["detail"]


def test_an_active_session_ends_twelve_hours_after_login(world, login, clock_at_t0):
    # given a reporter who logged in at 08:00 and clicks every 20 minutes
    client = login(world.reporter)
    moment = T0
    while moment + timedelta(minutes=20) <= T0 + timedelta(hours=12):
        moment += timedelta(minutes=20)
        clock_at_t0.move_to(moment)
        assert client.get("/me/").status_code == 200, moment
    # when the next click comes past 20:00
    clock_at_t0.move_to(T0 + timedelta(hours=12, minutes=1))
    response = client.get("/me/")
    # then the session is over however active it was
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_idle_timeout_is_configurable(world, login, settings, clock_at_t0):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client = login(world.reporter)
    clock_at_t0.move_to(T0 + timedelta(minutes=4))
    assert client.get("/me/").status_code == 200
    clock_at_t0.move_to(T0 + timedelta(minutes=10))
    assert client.get("/me/").status_code == 302


def test_a_page_view_writes_the_session_at_most_once_a_minute(world, login, clock_at_t0):
    # The last-seen stamp is a session write; written on every request it would add an
    # UPDATE to every page and API call.
    client = login(world.reporter)
    key = client.session.session_key
    stamp = Session.objects.get(session_key=key).session_data
    clock_at_t0.move_to(T0 + timedelta(seconds=59))
    client.get("/me/")
    assert Session.objects.get(session_key=key).session_data == stamp
    clock_at_t0.move_to(T0 + timedelta(seconds=61))
    client.get("/me/")
    assert Session.objects.get(session_key=key).session_data != stamp


def _session(expiry_seconds: int) -> str:
    store = SessionStore()
    store["x"] = 1
    store.set_expiry(expiry_seconds)
    store.create()
    return store.session_key


def test_the_daily_job_deletes_expired_sessions_only(db):
    # given one expired session and one live one
    expired, live = _session(-60), _session(3600)
    # when the job runs
    assert jobs.clear_sessions() == 1
    # then the expired one is gone and the live one kept; a second run deletes nothing
    assert set(Session.objects.values_list("session_key", flat=True)) == {live}
    assert expired != live
    assert jobs.clear_sessions() == 0


def test_the_job_is_scheduled_daily_and_runs_from_run_job(db):
    from config.celery import BEAT_SCHEDULE, app

    entries = [e for e in BEAT_SCHEDULE.values() if e["task"] == "jobs.clearsessions"]
    assert len(entries) == 1
    assert entries[0]["schedule"].hour == {3}
    app.loader.import_default_modules()  # what a worker does at start (autodiscover_tasks)
    assert "jobs.clearsessions" in app.tasks
    _session(-60)
    out = StringIO()
    call_command("run_job", "clearsessions", stdout=out)
    assert "清理过期会话" in out.getvalue()
    assert "deleted=1" in out.getvalue()
    assert not Session.objects.exists()


def test_moving_the_business_date_does_not_end_a_session(world, login, settings):
    # The demo pins the business date and tests move it by days between two requests of one
    # login: the session's age is real time, not the business clock.
    client = login(world.reporter)
    settings.TRACKER_TODAY = date(2020, 6, 30)
    assert client.get("/me/").status_code == 200
