"""The daily check of the event log's hash chain (accounts/chain.py, docs/adr/0006).

Runs `verify_events`' check; on a broken link it tells the administrators and the offices
(NotificationKind.AUDIT_BROKEN, once per day) and its summary in the JobRun ledger records
what broke. A passing run records the counts and the chain's head hash, so the ledger keeps
a dated trail of heads to compare a later chain against.
"""

import logging
from datetime import date

from django.db.models import Q

from accounts import chain, clock
from accounts.choices import Role
from accounts.models import User
from rectification.choices import NotificationKind
from rectification.jobs import recipients
from rectification.services import notify_many

log = logging.getLogger(__name__)


def run(on: date | None = None) -> dict:
    on = on or clock.today()
    report = chain.verify()
    summary = {"ok": report.ok, "rows": report.rows, "seals": report.seals, "head": report.head}
    if report.ok:
        return summary
    log.error("event chain broken: %s", report.message)
    told = list(
        User.objects.filter(Q(is_superuser=True) | Q(role=Role.OFFICE), is_active=True)
        .order_by("id")
        .values_list("id", "email")
    )
    sent = notify_many(
        recipients.messages_for(
            told,
            kind=NotificationKind.AUDIT_BROKEN,
            key=f"audit:{on.isoformat()}",
            title="【操作记录校验失败】操作记录可能被篡改",
            body=report.message + "。请系统管理员运行 python manage.py verify_events 核查。",
        )
    )
    return {
        **summary,
        "table": report.table,
        "event_id": report.event_id,
        "kind": report.kind,
        "message": report.message,
        "notifications": sent,
    }
