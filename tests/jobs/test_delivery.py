"""Delivery: in-app, mail exactly once, robots with retry and backoff, safe claiming."""

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from rectification.choices import NotificationChannel, NotificationStatus
from rectification.jobs import delivery
from rectification.models import Notification
from rectification.services import Message, notify_many

T0 = datetime(2020, 2, 15, 8, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


def _row(user, channel, key="k"):
    notify_many(
        [
            Message(
                user.pk,
                "reminder_due_7",
                "【临期提醒】SD-4-1",
                key,
                channel,
                body="请抓紧",
                url="/tasks/1/",
            )
        ]
    )
    return Notification.objects.get(recipient=user, channel=channel, unique_key__startswith=key)


def test_inapp_rows_are_marked_sent(jobs_world):
    note = _row(jobs_world.reporter, NotificationChannel.INAPP)
    assert delivery.run(T0).inapp == 1
    note.refresh_from_db()
    assert (note.status, note.sent_at) == (NotificationStatus.SENT, T0)


def test_mail_reaches_the_outbox_exactly_once(jobs_world):
    note = _row(jobs_world.reporter, NotificationChannel.MAIL)
    delivery.run(T0)
    delivery.run(T0 + timedelta(minutes=1))
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["zhang@dongcheng.example"]
    assert mail.outbox[0].subject == "【临期提醒】SD-4-1"
    assert "http://127.0.0.1:8000/tasks/1/" in mail.outbox[0].body
    note.refresh_from_db()
    assert (note.status, note.attempts) == (NotificationStatus.SENT, 1)


def test_mail_without_address_fails_at_once(jobs_world):
    note = _row(jobs_world.unit_head, NotificationChannel.MAIL)
    assert delivery.run(T0).failed == 1
    note.refresh_from_db()
    assert note.status == NotificationStatus.FAILED and "邮箱" in note.last_error


def test_a_claimed_row_cannot_be_claimed_again(jobs_world):
    note = _row(jobs_world.reporter, NotificationChannel.MAIL)
    assert delivery._claim(note.pk, T0) is True
    assert delivery._claim(note.pk, T0) is False  # a second worker at the same moment
    assert delivery.deliver_one(note.pk, T0) == "skipped"
    assert delivery.deliver_one(note.pk, T0 + delivery.LEASE) == "sent"  # lease over: retried
    assert len(mail.outbox) == 1


def test_smtp_failure_backs_off_and_gives_up_after_the_last_try(jobs_world, settings, monkeypatch):
    note = _row(jobs_world.reporter, NotificationChannel.MAIL)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(delivery, "send_mail", refuse)
    now = T0
    seen = []
    for _ in range(delivery.MAX_ATTEMPTS):
        assert delivery.run(now).sent == 0
        note.refresh_from_db()
        seen.append((note.attempts, note.status, note.next_attempt_at - now))
        assert delivery.run(now + timedelta(seconds=30)).sent == 0  # not due yet: untouched
        now = note.next_attempt_at
    assert [s[:2] for s in seen] == [(n, "PENDING") for n in range(1, 5)] + [(5, "FAILED")]
    assert [s[2] for s in seen[:4]] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert "connection refused" in note.last_error


class FlakyRobot(BaseHTTPRequestHandler):
    """Fails the first two posts with 502, then answers like 企业微信/钉钉: errcode 0."""

    posts: list = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).posts.append(body)
        if len(type(self).posts) <= 2:
            self.send_response(502)
            self.end_headers()
            return
        payload = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def robot():
    FlakyRobot.posts = []
    server = HTTPServer(("127.0.0.1", 0), FlakyRobot)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/cgi-bin/webhook/send?key=test", FlakyRobot.posts
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("kind", ["wecom", "dingtalk"])
def test_robot_failing_twice_is_delivered_once_with_backoff(jobs_world, robot, kind):
    url, posts = robot
    jobs_world.dc_gov.webhook_url = url
    jobs_world.dc_gov.webhook_kind = kind
    jobs_world.dc_gov.save()
    note = _row(jobs_world.reporter, NotificationChannel.WEBHOOK)
    # first try: 502 → retry in 1 minute
    assert delivery.run(T0).retried == 1
    note.refresh_from_db()
    assert (note.attempts, note.next_attempt_at) == (1, T0 + timedelta(minutes=1))
    assert delivery.run(T0 + timedelta(seconds=59)).retried == 0  # backing off
    # second try: 502 → retry in 2 minutes
    assert delivery.run(T0 + timedelta(minutes=1)).retried == 1
    note.refresh_from_db()
    assert (note.attempts, note.next_attempt_at) == (2, T0 + timedelta(minutes=3))
    # third try: accepted
    assert delivery.run(T0 + timedelta(minutes=3)).sent == 1
    assert delivery.run(T0 + timedelta(minutes=10)).sent == 0
    note.refresh_from_db()
    assert (note.status, note.attempts, note.last_error) == (NotificationStatus.SENT, 3, "")
    assert len(posts) == 3
    assert posts[-1]["msgtype"] == "text"
    assert "【临期提醒】SD-4-1" in posts[-1]["text"]["content"]
    assert ("at" in posts[-1]) is (kind == "dingtalk")


def test_robot_refusing_the_request_fails_without_retry(jobs_world):
    jobs_world.dc_gov.webhook_url = "http://127.0.0.1:1/closed"  # nothing listens: transient
    jobs_world.dc_gov.webhook_kind = "wecom"
    jobs_world.dc_gov.save()
    note = _row(jobs_world.reporter, NotificationChannel.WEBHOOK)
    assert delivery.run(T0).retried == 1
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING and "连接失败" in note.last_error
