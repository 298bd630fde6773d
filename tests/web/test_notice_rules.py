"""公示 enforced (issue #11, item 2): bypass attempts through the pages AND the API.

Each attempt is refused with a Chinese message naming the rule, changes nothing and writes
no event; what the rules allow works through the forms the pages show. The business date is
2020-02-15 (a Saturday); a notice of 2020-02-15 … 2020-02-21 has five working days.
"""

import re
from datetime import date

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from rectification.choices import CloseoutStatus, TaskStatus
from rectification.models import CloseoutApplication, Event, Notification, PublicNotice, Task
from tests.services.conftest import Flow
from tests.services.snapshot import _snapshot

pytestmark = pytest.mark.django_db

PHONE = "0999-12369"


@pytest.fixture
def flow(world, before_after):
    return Flow(world, before_after)


@pytest.fixture
def api(world):
    def make(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return make


def _form_values(html: str) -> dict[str, str]:
    """The values the page's form starts with (inputs with a value)."""
    return dict(re.findall(r'<input[^>]*name="(\w+)"[^>]*value="([^"]*)"', html))


def _accept_page(world, login, app, **changes):
    """GET the accept form, change some of its values, POST it."""
    office = login(world.office)
    url = reverse("closeout_accept", args=[app.pk])
    values = _form_values(office.get(url).content.decode())
    data = {**values, "opinion": "市级验收合格", "level": "CITY", **changes}
    return office.post(url, data)


def _accept_api(world, api, app, **changes):
    data = {
        "opinion": "市级验收合格",
        "notice_start": "2020-02-15",
        "notice_end": "2020-02-21",
        "contact_phone": PHONE,
        **changes,
    }
    return api(world.office).post(f"/api/v1/closeouts/{app.pk}/accept/", data, format="json")


# ---------------------------------------------------------------------------------------------
# Accepting: the notice's start, length and phone


def test_accept_form_starts_from_a_notice_the_rules_allow(world, flow, login, settings):
    # given the office's objection phone configured and an application after self-check
    settings.NOTICE_OBJECTION_PHONE = PHONE
    app = flow.to(world.task, "IN_REVIEW")
    # when the office opens the accept form
    html = login(world.office).get(reverse("closeout_accept", args=[app.pk])).content.decode()
    values = _form_values(html)
    # then it starts today, lasts five working days and carries the phone
    assert values["notice_start"] == "2020-02-15"
    assert values["notice_end"] == "2020-02-21"
    assert values["contact_phone"] == PHONE
    # and sending it as shown puts the task on /public/ at once, with the phone
    assert _accept_page(world, login, app).status_code == 302
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.PUBLICIZING
    public = login(None).get(reverse("public_notices")).content.decode()
    assert world.task.name in public and PHONE in public


def test_the_phone_defaults_to_the_office_units_phone(world, flow, login, settings):
    settings.NOTICE_OBJECTION_PHONE = ""
    world.office.unit.phone = "0999-1234567"
    world.office.unit.save(update_fields=["phone"])
    app = flow.to(world.task, "IN_REVIEW")
    html = login(world.office).get(reverse("closeout_accept", args=[app.pk])).content.decode()
    assert _form_values(html)["contact_phone"] == "0999-1234567"


BAD_NOTICES = {
    # back-dated: the notice of the issue, already over on the business date
    "back-dated": (
        {"notice_start": "2020-02-01", "notice_end": "2020-02-07"},
        "公示开始日期不能早于验收当天（2020-02-15）",
    ),
    # starts today but has two working days (Sat, Sun, Mon, Tue)
    "short": ({"notice_end": "2020-02-18"}, "公示期不得少于5个工作日"),
    # the one-day notice starting in the future of the issue
    "one day in the future": (
        {"notice_start": "2020-02-20", "notice_end": "2020-02-20"},
        "公示期不得少于5个工作日",
    ),
    # five calendar days over a weekend: three working days
    "over a weekend": (
        {"notice_start": "2020-02-15", "notice_end": "2020-02-19"},
        "最早可于 2020-02-21 结束",
    ),
    "phone-less": ({"contact_phone": ""}, "请填写异议联系电话：公示须公布受理异议的电话"),
}


@pytest.mark.parametrize("case", list(BAD_NOTICES))
@pytest.mark.parametrize("channel", ["page", "api"])
def test_a_notice_against_the_rules_is_refused(world, flow, login, api, channel, case):
    # given an application after self-check
    app = flow.to(world.task, "IN_REVIEW")
    changes, phrase = BAD_NOTICES[case]
    before = _snapshot()
    events = Event.objects.count()
    # when the office accepts it with the notice through the page or the API
    if channel == "page":
        response = _accept_page(world, login, app, **{"contact_phone": PHONE, **changes})
        text = response.content.decode()
    else:
        response = _accept_api(world, api, app, **changes)
        text = response.json()["detail"]
    # then it is refused with the rule, and nothing changed (no event)
    assert response.status_code == 400, text
    assert phrase in text
    assert _snapshot() == before
    assert Event.objects.count() == events


def test_a_notice_starting_later_says_when_it_becomes_public(world, flow, login, settings):
    # given a notice accepted today that starts on Thursday (a rule-abiding week)
    app = flow.to(world.task, "IN_REVIEW")
    response = _accept_page(
        world, login, app, notice_start="2020-02-20", notice_end="2020-02-26", contact_phone=PHONE
    )
    assert response.status_code == 302
    office = login(world.office)
    # then the office is told when it becomes public, on the task page and in the queue
    flash = office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert "将于 2020-02-20 起在公示页面公布" in flash
    assert (
        'data-testid="notice-not-started"' in office.get(reverse("review_queue")).content.decode()
    )
    # and /public/ shows it exactly during its period
    public = login(None)
    on = {}
    for day in (date(2020, 2, 19), date(2020, 2, 20), date(2020, 2, 26), date(2020, 2, 27)):
        settings.TRACKER_TODAY = day
        on[day] = world.task.name in public.get(reverse("public_notices")).content.decode()
    assert on == {
        date(2020, 2, 19): False,
        date(2020, 2, 20): True,
        date(2020, 2, 26): True,
        date(2020, 2, 27): False,
    }


# ---------------------------------------------------------------------------------------------
# Closing: only after the notice's last day


def _publicized(world, flow) -> CloseoutApplication:
    """In its notice, 2020-02-15 … 2020-02-21, accepted today."""
    from rectification import services

    app = flow.to(world.task, "IN_REVIEW")
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 21),
        contact_phone=PHONE,
    )
    return app


@pytest.mark.parametrize("day", [date(2020, 2, 17), date(2020, 2, 21)], ids=["during", "last-day"])
def test_closing_before_the_notice_has_ended_is_refused(world, flow, login, api, settings, day):
    # given a notice running until 2020-02-21, on a day during it or on its last day
    app = _publicized(world, flow)
    settings.TRACKER_TODAY = day
    office = login(world.office)
    close_url = reverse("closeout_close", args=[app.pk])
    # then neither the queue nor the task page offers 销号
    queue = office.get(reverse("review_queue")).content.decode()
    assert close_url not in queue and "公示期满后可销号" in queue
    task_page = office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert close_url not in task_page
    assert (
        "close"
        not in api(world.office).get(f"/api/v1/tasks/{world.task.pk}/").json()["allowed_moves"]
    )
    before = _snapshot()
    events = Event.objects.count()
    # and a 销号 sent anyway, through the page or the API, is refused naming the rule
    task = Task.objects.get(pk=world.task.pk)
    page = office.post(close_url, {"version": task.version, "objections": 0})
    assert page.status_code == 409
    assert "公示期至 2020-02-21（含当天）结束，公示期满后（2020-02-22 起）方可销号" in (
        page.content.decode()
    )
    response = api(world.office).post(f"/api/v1/closeouts/{app.pk}/close/", {}, format="json")
    assert response.status_code == 409
    assert "公示期满后（2020-02-22 起）方可销号" in response.json()["detail"]
    assert _snapshot() == before
    assert Event.objects.count() == events


def test_the_day_after_the_notice_the_queue_offers_close_and_it_works(world, flow, login, settings):
    app = _publicized(world, flow)
    settings.TRACKER_TODAY = date(2020, 2, 22)
    office = login(world.office)
    close_url = reverse("closeout_close", args=[app.pk])
    assert close_url in office.get(reverse("review_queue")).content.decode()
    assert close_url in office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    task = Task.objects.get(pk=world.task.pk)
    assert office.post(close_url, {"version": task.version, "objections": 0}).status_code == 302
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.CLOSED


# ---------------------------------------------------------------------------------------------
# Objections during the notice


def test_an_objection_found_groundless_is_counted_and_the_notice_runs_on(
    world, flow, login, settings
):
    # given a notice in its third day
    app = _publicized(world, flow)
    settings.TRACKER_TODAY = date(2020, 2, 17)
    office = login(world.office)
    # when the office records a call found groundless, through the page the queue links to
    url = reverse("closeout_objection", args=[app.pk])
    assert url in office.get(reverse("review_queue")).content.decode()
    values = _form_values(office.get(url).content.decode())
    response = office.post(
        url,
        {
            **values,
            "channel": "PHONE",
            "content": "排口夜间仍有污水",
            "upheld": "0",
            "handling": "夜间现场核查未发现直排",
        },
    )
    # then it is on the notice and in the timeline, and the application is still in its notice
    assert response.status_code == 302
    notice = PublicNotice.objects.get(application=app)
    assert notice.objections == 1 and "来电：排口夜间仍有污水" in notice.objection_note
    assert Event.objects.filter(task=world.task, verb="notice_objection").count() == 1
    assert CloseoutApplication.objects.get(pk=app.pk).status == CloseoutStatus.ACCEPTED
    # and once the notice is over, the close counts it
    settings.TRACKER_TODAY = date(2020, 2, 22)
    task = Task.objects.get(pk=world.task.pk)
    office.post(
        reverse("closeout_close", args=[app.pk]), {"version": task.version, "objections": 0}
    )
    notice.refresh_from_db()
    assert notice.objections == 1 and notice.result == "REJECTED"


def test_an_upheld_objection_returns_the_application_with_it(world, flow, api, settings):
    # given a notice in its third day
    app = _publicized(world, flow)
    settings.TRACKER_TODAY = date(2020, 2, 18)
    # when the office records, through the API, a letter found to be right
    response = api(world.office).post(
        f"/api/v1/closeouts/{app.pk}/objection/",
        {
            "channel": "LETTER",
            "content": "雨后排口仍有黑水流出",
            "upheld": True,
            "handling": "现场核实属实",
        },
        format="json",
    )
    # then the application is returned with the objection attached, the task is back at work
    assert response.status_code == 200, response.content
    app.refresh_from_db()
    assert app.status == CloseoutStatus.RETURNED
    assert "公示异议成立" in app.return_reason and "雨后排口仍有黑水流出" in app.return_reason
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.IN_PROGRESS
    notice = PublicNotice.objects.get(application=app)
    assert notice.result == "UPHELD" and notice.objections == 1
    verbs = list(
        Event.objects.filter(task=world.task).order_by("-id").values_list("verb", flat=True)[:3]
    )
    # (a failed acceptance is a yellow card: the return writes the card's event too)
    assert verbs == ["warning", "return", "notice_objection"]
    # and the applicant unit is told
    told = Notification.objects.filter(title__contains="公示异议成立")
    assert {n.recipient_id for n in told} >= {world.reporter.pk, world.unit_head.pk}


@pytest.mark.parametrize("channel", ["page", "api"])
def test_an_objection_outside_the_notice_is_refused(world, flow, login, api, settings, channel):
    # given a notice of 2020-02-15 … 2020-02-21, and an objection said to arrive on the 14th
    app = _publicized(world, flow)
    before = _snapshot()
    events = Event.objects.count()
    data = {
        "channel": "PHONE",
        "received_on": "2020-02-14",
        "content": "有异味",
        "upheld": "0" if channel == "page" else False,
        "handling": "核查",
    }
    if channel == "page":
        task = Task.objects.get(pk=world.task.pk)
        response = login(world.office).post(
            reverse("closeout_objection", args=[app.pk]), {**data, "version": task.version}
        )
        text = response.content.decode()
    else:
        response = api(world.office).post(
            f"/api/v1/closeouts/{app.pk}/objection/", data, format="json"
        )
        text = response.json()["detail"]
    assert response.status_code == 400
    assert "公示异议须在公示期内（2020-02-15 至 2020-02-21）提出" in text
    assert _snapshot() == before and Event.objects.count() == events


# ---------------------------------------------------------------------------------------------
# The return form: 公示异议成立 only for an application that was publicised


def test_return_form_offers_objection_only_after_a_notice(world, flow, login, api):
    # given an application in review (never publicised)
    app = flow.to(world.task, "IN_REVIEW")
    office = login(world.office)
    url = reverse("closeout_return", args=[app.pk])
    # then its return form has no 公示异议成立
    assert "公示异议成立" not in office.get(url).content.decode()
    # and the API refuses one, changing nothing
    before = _snapshot()
    response = api(world.office).post(
        f"/api/v1/closeouts/{app.pk}/return/",
        {"reason": "群众反映", "objection_upheld": True},
        format="json",
    )
    assert response.status_code == 400
    assert "该申请尚未公示，不能以“公示异议成立”退回" in response.json()["detail"]
    assert _snapshot() == before
    # while an application that was publicised offers it
    other = flow.to(world.other_task, "PUBLICIZING")
    assert (
        "公示异议成立" in office.get(reverse("closeout_return", args=[other.pk])).content.decode()
    )


def test_an_objection_before_the_notice_starts_is_refused(world, flow, login, api):
    # given a notice accepted today that starts on 2020-02-20
    from rectification import services

    app = flow.to(world.task, "IN_REVIEW")
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 20),
        notice_end=date(2020, 2, 26),
        contact_phone=PHONE,
    )
    office = login(world.office)
    # then neither the queue nor the task page offers to record an objection yet
    url = reverse("closeout_objection", args=[app.pk])
    assert url not in office.get(reverse("review_queue")).content.decode()
    assert url not in office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    before = _snapshot()
    # and an "upheld objection" return is refused through the API, changing nothing
    response = api(world.office).post(
        f"/api/v1/closeouts/{app.pk}/return/",
        {"reason": "群众反映", "objection_upheld": True},
        format="json",
    )
    assert response.status_code == 400
    assert "公示尚未开始（2020-02-20 起）" in response.json()["detail"]
    response = api(world.office).post(
        f"/api/v1/closeouts/{app.pk}/objection/",
        {"channel": "PHONE", "content": "有异味", "upheld": False, "handling": "核查"},
        format="json",
    )
    assert response.status_code == 400
    assert "公示异议须在公示期内（2020-02-20 至 2020-02-26）提出" in response.json()["detail"]
    assert _snapshot() == before
