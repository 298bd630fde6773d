"""The public objection form on /public/ (issue 11, item 2: 公示 objections).

A citizen objects to a task in its notice period (phone and text required, name optional),
without login or captcha but rate limited per address and per notice, through the form the
public page renders (with its CSRF token). The objection waits, pending, for the office, which
records its check through notice_objection_record; 销号 waits for it. Nothing personal is
shown publicly.
"""

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import clock
from rectification import services
from rectification.choices import CloseoutStatus, TaskStatus
from rectification.models import (
    CloseoutApplication,
    Event,
    Notification,
    PublicNotice,
    PublicObjection,
    Task,
)
from tests.services.conftest import Flow
from tests.services.snapshot import _snapshot

pytestmark = pytest.mark.django_db

PHONE = "0999-12369"
CITIZEN_PHONE = "13912345678"


@pytest.fixture
def flow(world, before_after):
    return Flow(world, before_after)


@pytest.fixture
def notice(world, flow) -> PublicNotice:
    """world.task in its notice, 2020-02-15 … 2020-02-21 (the business date 2020-02-15)."""
    app = flow.to(world.task, "IN_REVIEW")
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 15),
        notice_end=date(2020, 2, 21),
        contact_phone=PHONE,
    )
    return PublicNotice.objects.get(application=app)


def _rendered_form(html: str, notice_id: int) -> tuple[str, dict[str, str]]:
    """The action and hidden inputs of the objection form the public page renders."""
    action = reverse("public_objection", args=[notice_id])
    found = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert found, "the public page renders no objection form for the notice"
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', found[0]))
    return action, hidden


def _submit(client, notice, **fields):
    data = {"name": "张三", "phone": CITIZEN_PHONE, "content": "排口夜间仍有污水直排", **fields}
    return client.post(reverse("public_objection", args=[notice.pk]), data)


def test_a_citizen_submits_the_form_the_public_page_renders(world, notice):
    # given the public page, as anyone sees it, with CSRF checks on as in production
    citizen = Client(enforce_csrf_checks=True)
    page = citizen.get(reverse("public_notices"))
    html = page.content.decode()
    action, hidden = _rendered_form(html, notice.pk)
    assert "csrfmiddlewaretoken" in hidden
    # when the citizen fills in the form it renders and submits it
    data = {
        **hidden,
        "name": "",
        "phone": CITIZEN_PHONE,
        "content": "排口<script>x</script>仍有污水",
    }
    response = citizen.post(action, data)
    # then it is stored as a pending objection and the office is told
    assert response.status_code == 302
    assert response["Location"] == reverse("public_notices")
    objection = PublicObjection.objects.get()
    assert (objection.notice_id, objection.phone, objection.name, objection.status) == (
        notice.pk,
        CITIZEN_PHONE,
        "",
        "PENDING",
    )
    assert objection.content == "排口<script>x</script>仍有污水"
    assert "127.0.0.1" not in objection.source  # the address itself is not kept
    told = Notification.objects.filter(kind="public_objection").values_list(
        "recipient__username", flat=True
    )
    assert list(told) == ["office"]
    # and the public page says it was received, and shows nothing the citizen gave
    after = citizen.get(response["Location"]).content.decode()
    assert "已收到您的异议" in after
    assert CITIZEN_PHONE not in after and "排口<script>" not in after and "仍有污水" not in after
    # and the task did not move
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.PUBLICIZING


def test_without_the_csrf_token_the_form_is_refused(world, notice):
    citizen = Client(enforce_csrf_checks=True)
    response = _submit(citizen, notice)
    assert response.status_code == 403
    assert not PublicObjection.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": ""}, "请填写联系电话"),
        ({"content": "   "}, "请填写异议内容"),
        ({"phone": "abc"}, "请填写有效的联系电话"),
    ],
)
def test_phone_and_text_are_required(world, notice, fields, message):
    response = _submit(Client(), notice, **fields)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not PublicObjection.objects.exists()


@pytest.mark.parametrize(
    "day", [date(2020, 2, 14), date(2020, 2, 22)], ids=["before-notice", "after-notice"]
)
def test_outside_the_notice_period_it_is_refused(world, flow, settings, day):
    # given a notice from 2020-02-17 to 02-23 (accepted on 02-15) and a day outside it
    app = flow.to(world.task, "IN_REVIEW")
    services.closeout_accept(
        application=app,
        actor=world.office,
        opinion="市级验收合格",
        notice_start=date(2020, 2, 17),
        notice_end=date(2020, 2, 23) if day < date(2020, 2, 17) else date(2020, 2, 21),
        contact_phone=PHONE,
    )
    notice = PublicNotice.objects.get(application=app)
    settings.TRACKER_TODAY = day
    # then the public page offers no form, the form page is not found
    page = Client().get(reverse("public_notices")).content.decode()
    assert reverse("public_objection", args=[notice.pk]) not in page
    assert Client().get(reverse("public_objection", args=[notice.pk])).status_code == 404
    # and a submission sent anyway is refused naming the rule, showing nothing of the task
    response = _submit(Client(), notice)
    assert response.status_code == 409
    html = response.content.decode()
    assert "该任务不在公示期内，不能提交异议" in html
    assert world.task.name not in html
    assert not PublicObjection.objects.exists()


def test_a_returned_application_takes_no_more_objections(world, notice):
    services.closeout_return(application=notice.application_id, actor=world.office, reason="复查")
    response = _submit(Client(), notice)
    assert response.status_code == 409
    assert not PublicObjection.objects.exists()


def test_rate_limit_per_address(world, notice, settings):
    settings.PUBLIC_OBJECTION_PER_SOURCE_HOUR = 2
    settings.TRACKER_NOW = clock.at(date(2020, 2, 15), 10, 0)
    citizen = Client(REMOTE_ADDR="203.0.113.7")
    assert _submit(citizen, notice).status_code == 302
    assert _submit(citizen, notice, content="第二件").status_code == 302
    # the third from the same address within the hour is refused, and nothing is stored
    settings.TRACKER_NOW = clock.at(date(2020, 2, 15), 10, 59)
    before = _snapshot()
    response = _submit(citizen, notice, content="第三件")
    assert response.status_code == 429
    assert "同一网络每小时最多提交2件异议" in response.content.decode()
    assert PublicObjection.objects.count() == 2
    assert _snapshot() == before
    # another address may still object
    assert _submit(Client(REMOTE_ADDR="198.51.100.1"), notice).status_code == 302
    # and an hour after its first, the first address may again
    settings.TRACKER_NOW = clock.at(date(2020, 2, 15), 11, 1)
    assert _submit(citizen, notice, content="第三件").status_code == 302
    assert PublicObjection.objects.count() == 4


def test_rate_limit_per_notice(world, notice, settings):
    settings.PUBLIC_OBJECTION_PER_NOTICE_DAY = 2
    for n in range(2):
        assert _submit(Client(REMOTE_ADDR=f"203.0.113.{n}"), notice).status_code == 302
    response = _submit(Client(REMOTE_ADDR="203.0.113.99"), notice)
    assert response.status_code == 429
    assert "该公示今日收到的网上异议已达2件" in response.content.decode()
    assert PublicObjection.objects.count() == 2


def test_the_feature_flag_turns_the_form_off(world, notice, settings):
    settings.PUBLIC_OBJECTION_FORM = False
    page = Client().get(reverse("public_notices")).content.decode()
    assert 'data-testid="objection-form"' not in page
    assert _submit(Client(), notice).status_code == 404
    assert not PublicObjection.objects.exists()


# ---------------------------------------------------------------------------------------------
# The office checks it


def test_the_office_sees_it_and_records_it_not_upheld(world, notice, login, settings):
    # given a pending objection (with markup in it)
    _submit(Client(), notice, content="<b>排口</b>仍有污水")
    objection = PublicObjection.objects.get()
    office = login(world.office)
    # then the task page shows it to the office, escaped, and units never see it
    page = office.get(reverse("task_detail", args=[world.task.pk])).content.decode()
    assert "网上异议待核查 1 件" in page
    assert "&lt;b&gt;排口&lt;/b&gt;仍有污水" in page and "<b>排口</b>" not in page
    assert CITIZEN_PHONE in page
    unit_page = login(world.reporter).get(reverse("task_detail", args=[world.task.pk]))
    assert CITIZEN_PHONE not in unit_page.content.decode()
    assert not PublicObjection.objects.visible_to(world.reporter).exists()
    # and after the notice, 销号 waits for it: the queue does not offer it, the service refuses
    settings.TRACKER_TODAY = date(2020, 2, 22)
    queue = office.get(reverse("review_queue")).content.decode()
    assert "网上异议待核查 1" in queue
    assert reverse("closeout_close", args=[notice.application_id]) not in queue
    before = _snapshot()
    task = Task.objects.get(pk=world.task.pk)
    response = office.post(
        reverse("closeout_close", args=[notice.application_id]),
        {"version": task.version, "objections": 0},
    )
    assert response.status_code == 409
    assert "网上异议尚有1件未登记核查结果" in response.content.decode()
    assert _snapshot() == before
    # when the office records its check on the objection form, choosing the online objection
    url = reverse("closeout_objection", args=[notice.application_id])
    form = office.get(url).content.decode()
    assert f'name="public_objection" value="{objection.pk}"' in form
    response = office.post(
        url,
        {
            "version": task.version,
            "public_objection": objection.pk,
            "upheld": "0",
            "handling": "现场核查，排口已封堵，未发现直排",
        },
    )
    assert response.status_code == 302
    # then the objection is checked, counted on the notice (without the citizen's phone)
    objection.refresh_from_db()
    assert (objection.status, objection.handled_by) == ("REJECTED", world.office)
    notice.refresh_from_db()
    assert notice.objections == 1
    assert "网上提交：<b>排口</b>仍有污水" in notice.objection_note
    assert CITIZEN_PHONE not in notice.objection_note
    assert Event.objects.filter(verb="notice_objection").count() == 1
    # and now 销号 works
    assert (
        office.post(
            reverse("closeout_close", args=[notice.application_id]),
            {"version": Task.objects.get(pk=world.task.pk).version, "objections": 0},
        ).status_code
        == 302
    )
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.CLOSED


def test_an_upheld_online_objection_returns_the_application_through_the_api(world, notice):
    _submit(Client(), notice)
    objection = PublicObjection.objects.get()
    api = APIClient()
    api.force_authenticate(world.office)
    # the office finds it pending in the API; a unit's account never sees it
    listed = api.get("/api/v1/public-objections/", {"status": "PENDING"}).json()["results"]
    assert [(o["id"], o["application"], o["phone"]) for o in listed] == [
        (objection.pk, notice.application_id, CITIZEN_PHONE)
    ]
    unit_api = APIClient()
    unit_api.force_authenticate(world.reporter)
    assert unit_api.get("/api/v1/public-objections/").json()["results"] == []
    url = f"/api/v1/closeouts/{notice.application_id}/objection/"
    body = {"public_objection": objection.pk, "upheld": True, "handling": "核查属实"}
    response = api.post(url, body, format="json")
    assert response.status_code == 200, response.content.decode()
    app = CloseoutApplication.objects.get(pk=notice.application_id)
    assert app.status == CloseoutStatus.RETURNED
    assert "公示异议成立" in app.return_reason and "排口夜间仍有污水直排" in app.return_reason
    assert CITIZEN_PHONE not in app.return_reason
    objection.refresh_from_db()
    assert objection.status == "UPHELD"
    # recording it twice is refused
    again = api.post(url, body, format="json")
    assert again.status_code == 409
