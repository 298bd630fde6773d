"""Every step a user waits on tells exactly the people waiting, once (issue 14 item 5), and
the mail is the in-app message on another channel."""

from collections import Counter
from datetime import date

import pytest
from django.core import mail

from accounts import clock
from rectification import services
from rectification.choices import NotificationChannel, NotificationKind, SupervisionKind
from rectification.jobs import delivery
from rectification.models import Notification
from tests.services.conftest import NOTICE_END, NOTICE_PHONE, NOTICE_START


def _told(kind: str) -> Counter:
    """Recipient username → in-app notifications of this kind."""
    return Counter(
        Notification.objects.filter(kind=kind, channel=NotificationChannel.INAPP).values_list(
            "recipient__username", flat=True
        )
    )


def test_self_check_passed_tells_the_applicant_once(world, flow):
    # given an application waiting on the unit head's 县级自验
    app = flow.to(world.task, "APPLIED")

    # when the head passes it
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="县级自验合格"
    )

    # then the reporter who applied hears it, and only they
    assert _told(NotificationKind.SELF_CHECK_PASSED) == {"dc_reporter": 1}
    note = Notification.objects.get(kind=NotificationKind.SELF_CHECK_PASSED)
    assert "县级自验已通过" in note.title and note.body == "县级自验合格"
    assert note.url == f"/tasks/{world.task.pk}/"
    # and the office is told it waits on them
    assert _told(NotificationKind.CLOSEOUT_SELF_CHECKED) == {"office": 1}


def test_self_check_returned_tells_the_applicant_once(world, flow):
    app = flow.to(world.task, "APPLIED")

    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=False, opinion="缺少监测报告"
    )

    assert _told(NotificationKind.CLOSEOUT_RETURNED) == {"dc_reporter": 1}
    assert not _told(NotificationKind.SELF_CHECK_PASSED)


def test_acceptance_and_notice_tell_the_applicant_and_the_unit_head_once(world, flow):
    # given an application the head passed
    app = flow.to(world.task, "IN_REVIEW")

    # when the office accepts it and starts the 公示
    with clock.travel(clock.at(NOTICE_START, 10)):
        services.closeout_accept(
            application=app,
            actor=world.office,
            opinion="市级验收合格",
            notice_start=NOTICE_START,
            notice_end=NOTICE_END,
            contact_phone=NOTICE_PHONE,
        )

    # then the applicant and the unit head hear it once each, with the notice's dates
    assert _told(NotificationKind.NOTICE_STARTED) == {"dc_reporter": 1, "dc_head": 1}
    titles = set(
        Notification.objects.filter(kind=NotificationKind.NOTICE_STARTED).values_list(
            "title", flat=True
        )
    )
    assert titles == {"SD-4-1 验收通过，公示 2020-02-08 至 2020-02-14"}


def test_close_out_tells_the_applicant_and_the_unit_head_once(world, flow):
    flow.to(world.task, "CLOSED")

    assert _told(NotificationKind.CLOSED) == {"dc_reporter": 1, "dc_head": 1}
    # a cooperating unit, the office and the leader were not waiting on it
    assert not Notification.objects.filter(
        kind=NotificationKind.CLOSED, recipient__in=[world.coop_reporter, world.office]
    ).exists()


@pytest.mark.parametrize("approve", [True, False])
def test_extension_decision_tells_the_requester_once(world, approve):
    ext = services.task_request_extension(
        task=world.task, actor=world.reporter, requested_deadline=date(2020, 9, 30), reason="疫情"
    )

    services.extension_decide(extension=ext, actor=world.office, approve=approve, note="同意")

    kind = NotificationKind.EXTENSION_APPROVE if approve else NotificationKind.EXTENSION_REJECT
    assert _told(kind) == {"dc_reporter": 1}


def test_a_letter_issued_tells_the_target_unit_once_with_a_link(world):
    services.supervision_notice_create(
        actor=world.office,
        kind=SupervisionKind.LETTER,
        title="关于加快清溪河排口整治的督办函",
        target_unit=world.dc_gov,
        tasks=[world.task],
    )

    assert _told(NotificationKind.SUPERVISION) == {"dc_reporter": 1, "dc_head": 1}
    assert set(
        Notification.objects.filter(kind=NotificationKind.SUPERVISION).values_list("url", flat=True)
    ) == {"/supervision/inbox/"}


def test_the_mail_is_the_in_app_message_on_another_channel(world, flow, settings):
    # given a reporter with an e-mail address
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.reporter.email = "zhang@example.gov.cn"
    world.reporter.save(update_fields=["email"])
    app = flow.to(world.task, "APPLIED")

    # when the self-check passes and the delivery job runs
    services.closeout_self_check(
        application=app, actor=world.unit_head, passed=True, opinion="县级自验合格"
    )
    delivery.run()

    # then the mail row carries the in-app row's message, and the mail says it
    rows = {
        n.channel: n
        for n in Notification.objects.filter(
            kind=NotificationKind.SELF_CHECK_PASSED, recipient=world.reporter
        )
    }
    assert set(rows) == {NotificationChannel.INAPP, NotificationChannel.MAIL}
    inapp, sent = rows[NotificationChannel.INAPP], rows[NotificationChannel.MAIL]
    assert (sent.title, sent.body, sent.url) == (inapp.title, inapp.body, inapp.url)
    [message] = [m for m in mail.outbox if m.to == ["zhang@example.gov.cn"]]
    assert message.subject == inapp.title
    assert inapp.body in message.body and inapp.url in message.body
    # and a recipient without an address gets no mail row
    assert not Notification.objects.filter(
        recipient=world.unit_head, channel=NotificationChannel.MAIL
    ).exists()
