"""公示异议 submitted by the public (网上异议) on the public notice page.

A citizen may object to a close-out during its notice period: phone and text required, name
optional, no login and no captcha, but rate limited per source address and per notice. The
objection is stored as pending; the office sees it on the task page and the objection form,
and records the outcome of its check through notice_objection_record (upheld: the
application is returned). 销号 waits until no online objection is pending.
"""

import hashlib
import hmac
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction

from accounts import clock
from accounts.errors import InvalidInput, InvalidState, NotFound
from rectification.choices import (
    CloseoutStatus,
    NotificationKind,
    PublicObjectionStatus,
    TaskStatus,
)
from rectification.models import PublicNotice, PublicObjection
from rectification.services.base import _office_users_for, _task_url, notify

NAME_MAX = 32
CONTENT_MAX = 1000
# Digits, spaces, "+", "-" and brackets: a landline with its area code, a mobile number.
_PHONE = re.compile(r"^[0-9+\-() ]{7,32}$")


class TooManyObjections(InvalidState):
    """A rate limit of the public form was reached (the page answers 429)."""


def public_objection_enabled() -> bool:
    return settings.PUBLIC_OBJECTION_FORM


def source_key(address: str) -> str:
    """What the rate limit counts on: an HMAC of the address, never the address itself."""
    return hmac.new(
        settings.SECRET_KEY.encode(), (address or "").encode(), hashlib.sha256
    ).hexdigest()


def notice_open_for_objections(notice: PublicNotice, today=None) -> bool:
    """Whether the public may object to `notice` today: it is running (first to last day
    included) and its application is still in 公示."""
    today = today or clock.today()
    app = notice.application
    return (
        app.status == CloseoutStatus.ACCEPTED
        and app.task.status == TaskStatus.PUBLICIZING
        and notice.start_date <= today <= notice.end_date
    )


@transaction.atomic
def public_objection_submit(
    *, notice: PublicNotice | int, phone: str, content: str, name: str = "", address: str
) -> PublicObjection:
    """A citizen's objection to a close-out in its notice period, stored as pending for the
    office, which is told. Refused outside the notice period and past the rate limits."""
    if not public_objection_enabled():
        raise NotFound("网上提交公示异议未开放，请拨打公示的异议联系电话")
    notice_id = notice.pk if isinstance(notice, PublicNotice) else notice
    # The notice row is locked so that two submissions at once count each other.
    notice = (
        PublicNotice.objects.select_for_update(of=("self",))
        .select_related("application__task__region")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None:
        raise NotFound("公示不存在")
    if not notice_open_for_objections(notice):
        raise InvalidState(
            "该任务不在公示期内，不能提交异议：公示异议须在公示期内"
            f"（{notice.start_date:%Y-%m-%d} 至 {notice.end_date:%Y-%m-%d}）提出"
        )
    name, phone, content = (name or "").strip(), (phone or "").strip(), (content or "").strip()
    if len(name) > NAME_MAX:
        raise InvalidInput(f"姓名不能超过{NAME_MAX}个字", field="name")
    if not phone:
        raise InvalidInput("请填写联系电话，以便核查时与您联系", field="phone")
    if not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 7:
        raise InvalidInput("请填写有效的联系电话（固定电话请带区号）", field="phone")
    if not content:
        raise InvalidInput("请填写异议内容", field="content")
    if len(content) > CONTENT_MAX:
        raise InvalidInput(f"异议内容不能超过{CONTENT_MAX}个字", field="content")
    now = clock.now()
    source = source_key(address)
    per_source = settings.PUBLIC_OBJECTION_PER_SOURCE_HOUR
    recent = PublicObjection.objects.filter(
        source=source, submitted_at__gt=now - timedelta(hours=1)
    ).count()
    if recent >= per_source:
        raise TooManyObjections(
            f"提交过于频繁：同一网络每小时最多提交{per_source}件异议，"
            "请稍后再试，或拨打公示的异议联系电话"
        )
    per_notice = settings.PUBLIC_OBJECTION_PER_NOTICE_DAY
    today_on_notice = PublicObjection.objects.filter(
        notice=notice, submitted_at__gt=now - timedelta(days=1)
    ).count()
    if today_on_notice >= per_notice:
        raise TooManyObjections(
            f"该公示今日收到的网上异议已达{per_notice}件，请拨打公示的异议联系电话反映"
        )
    objection = PublicObjection.objects.create(
        notice=notice, name=name, phone=phone, content=content, source=source
    )
    task = notice.application.task
    notify(
        recipients=_office_users_for(task),
        kind=NotificationKind.PUBLIC_OBJECTION,
        task=task,
        title=f"{task.code} 公示期间收到网上异议，待核查",
        body=content[:200],
        url=_task_url(task),
        key=f"public_objection:{objection.pk}",
    )
    return objection


def pending_objections(notice: PublicNotice | int, *, user=None):
    """The notice's online objections the office has not yet recorded a check for (those
    `user` may see, when given: the office and leaders of the task's region)."""
    notice_id = notice.pk if isinstance(notice, PublicNotice) else notice
    rows = (
        PublicObjection.objects.all() if user is None else PublicObjection.objects.visible_to(user)
    )
    return rows.filter(notice_id=notice_id, status=PublicObjectionStatus.PENDING).order_by(
        "submitted_at", "id"
    )
