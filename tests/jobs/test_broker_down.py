"""With Redis unreachable, pages and the API still answer: web requests never touch the broker."""

import time

import pytest

from rectification.services import notify


@pytest.fixture
def dead_broker(settings):
    from config.celery import app

    dead = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    saved = (app.conf.broker_url, app.conf.result_backend)
    settings.CELERY_BROKER_URL = settings.CELERY_RESULT_BACKEND = settings.REDIS_URL = dead
    app.conf.broker_url = app.conf.result_backend = dead
    yield
    app.conf.broker_url, app.conf.result_backend = saved


@pytest.mark.parametrize(
    ("persona", "url", "expected"),
    [
        (None, "/login/", 200),
        (None, "/admin/login/", 200),
        ("reporter", "/", 200),
        ("office", "/", 200),
        ("office", "/dispatch/", 200),
        ("leader", "/dispatch/", 200),
        ("office", "/api/v1/", None),
    ],
)
def test_pages_answer_without_redis(client, jobs_world, dead_broker, persona, url, expected):
    if persona:
        client.force_login(getattr(jobs_world, persona))
    started = time.monotonic()
    response = client.get(url, follow=True)  # home redirects to the role's start page
    assert time.monotonic() - started < 5
    assert response.status_code < 500
    if expected:
        assert response.status_code == expected


def test_a_write_that_notifies_only_writes_a_row(jobs_world, dead_broker):
    started = time.monotonic()
    notify(recipients=[jobs_world.reporter], kind="reminder_due_7", title="测试", key="dead-broker")
    assert time.monotonic() - started < 2
    # one row per channel (the reporter has an address: in-app and mail), none sent yet
    rows = jobs_world.reporter.notifications.values_list("channel", "status")
    assert sorted(rows) == [("INAPP", "PENDING"), ("MAIL", "PENDING")]
