"""Notification delivery, every minute: in-app, mail and the units' group robots.

- INAPP rows are already visible in the app; they are marked SENT in one UPDATE.
- MAIL rows go through django.core.mail (console backend by default, SMTP from the env).
- WEBHOOK rows are POSTed as JSON to the recipient's unit's robot (Unit.webhook_url), in the
  企业微信 or 钉钉 text-message format (Unit.webhook_kind), with urllib and a timeout.

Claiming: a row is taken with a conditional UPDATE (… WHERE id = ? AND status = PENDING AND
due) that also pushes next_attempt_at a lease ahead and counts the attempt; only the worker
whose UPDATE changed one row sends it, so two workers (or two beats) never send a row twice.
A worker that dies after claiming leaves the row PENDING; it is retried when the lease ends.
(The one window no outbox can close: a crash after the SMTP server or robot accepted the
message and before the row is marked SENT; that message is sent again after the lease.)

Failures: transient ones (connection errors, timeouts, HTTP 5xx/429, a robot's non-zero
errcode, SMTP errors) are retried with exponential backoff — RETRY_BASE × 2^(attempt−1) —
up to MAX_ATTEMPTS tries, then the row is FAILED with the last error. Permanent ones (no
address, no robot configured, HTTP 4xx) fail at once.
"""

import json
import logging
import smtplib
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q

from accounts import clock
from rectification.choices import NotificationChannel, NotificationStatus
from rectification.models import Notification

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(minutes=1)
LEASE = timedelta(minutes=5)
WEBHOOK_TIMEOUT = 5  # seconds
BATCH = 200


class Permanent(Exception):
    """Retrying cannot help (no address, robot not configured, request refused)."""


class Transient(Exception):
    """Worth another try later."""


@dataclass(frozen=True)
class DeliveryRun:
    inapp: int
    sent: int
    retried: int
    failed: int


def _due(now: datetime) -> Q:
    return Q(status=NotificationStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def robot_payload(kind: str, text: str) -> dict:
    """The text-message JSON of a 企业微信 (wecom) or 钉钉 (dingtalk) group robot."""
    if kind == "dingtalk":
        return {"msgtype": "text", "text": {"content": text}, "at": {"isAtAll": False}}
    return {"msgtype": "text", "text": {"content": text}}


def _message_text(row: dict) -> str:
    parts = [row["title"], row["body"]]
    if row["url"]:
        parts.append(settings.SITE_URL.rstrip("/") + row["url"])
    return "\n".join(p for p in parts if p)


def _send_mail(row: dict) -> None:
    if not row["recipient__email"]:
        raise Permanent("接收人未登记邮箱")
    try:
        send_mail(row["title"], _message_text(row), None, [row["recipient__email"]])
    except (smtplib.SMTPException, OSError) as exc:
        raise Transient(f"邮件发送失败：{exc}") from exc


def _post_webhook(row: dict) -> None:
    url = row["recipient__unit__webhook_url"]
    if not url:
        raise Permanent("单位未配置群机器人地址")
    payload = robot_payload(
        row["recipient__unit__webhook_kind"], "督察整改台账\n" + _message_text(row)
    )
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as response:
            body = response.read(4096)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in (408, 429):
            raise Transient(f"群机器人返回 HTTP {exc.code}") from exc
        raise Permanent(f"群机器人拒绝请求：HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise Transient(f"群机器人连接失败：{exc}") from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise Transient(f"群机器人返回错误：{answer.get('errcode')} {answer.get('errmsg', '')}")


SENDERS = {NotificationChannel.MAIL: _send_mail, NotificationChannel.WEBHOOK: _post_webhook}


def _claim(pk: int, now: datetime) -> bool:
    return (
        Notification.objects.filter(_due(now), pk=pk).update(
            next_attempt_at=now + LEASE, attempts=F("attempts") + 1
        )
        == 1
    )


def deliver_one(pk: int, now: datetime | None = None) -> str:
    """Claim and send one MAIL or WEBHOOK row. Returns 'sent', 'retry', 'failed' or 'skipped'."""
    now = now or clock.now()
    if not _claim(pk, now):
        return "skipped"  # someone else has it, or it is not due
    row = (
        Notification.objects.filter(pk=pk)
        .values(
            "channel",
            "title",
            "body",
            "url",
            "attempts",
            "recipient__email",
            "recipient__unit__webhook_url",
            "recipient__unit__webhook_kind",
        )
        .get()
    )
    mine = Notification.objects.filter(pk=pk, status=NotificationStatus.PENDING)
    try:
        SENDERS[row["channel"]](row)
    except Permanent as exc:
        mine.update(status=NotificationStatus.FAILED, last_error=str(exc)[:2000])
        return "failed"
    except Transient as exc:
        if row["attempts"] >= MAX_ATTEMPTS:
            mine.update(status=NotificationStatus.FAILED, last_error=str(exc)[:2000])
            return "failed"
        backoff = RETRY_BASE * 2 ** (row["attempts"] - 1)
        mine.update(next_attempt_at=now + backoff, last_error=str(exc)[:2000])
        log.info("notification %s: attempt %s failed, retry in %s", pk, row["attempts"], backoff)
        return "retry"
    mine.update(status=NotificationStatus.SENT, sent_at=clock.now(), last_error="")
    return "sent"


def run(now: datetime | None = None, *, batch: int = BATCH) -> DeliveryRun:
    """Deliver what is due now: all due in-app rows, then up to `batch` mail/robot rows."""
    now = now or clock.now()
    inapp = Notification.objects.filter(_due(now), channel=NotificationChannel.INAPP).update(
        status=NotificationStatus.SENT, sent_at=now
    )
    outcome = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    ids = list(
        Notification.objects.filter(_due(now))
        .exclude(channel=NotificationChannel.INAPP)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:batch]
    )
    for pk in ids:
        outcome[deliver_one(pk, now)] += 1
    return DeliveryRun(inapp, outcome["sent"], outcome["retry"], outcome["failed"])
