"""批量操作 (issue 14 item 7): 批量自验通过, 批量批准 / 批量不批准, 批量提醒, on the pages
(the rendered forms, submitted as a browser would) and in the API. Each item goes through the
single-item service; refused and out-of-scope items are reported and left unchanged."""

from datetime import date
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts import chain
from accounts.events import EventVerb
from rectification import services
from rectification.choices import (
    CloseoutStatus,
    ExtensionStatus,
    NotificationChannel,
    NotificationKind,
    TaskStatus,
)
from rectification.models import CloseoutApplication, Event, Extension, Notification, Task
from rectification.services import CLOSEOUT_CHECKLIST
from tests.factories import TaskFactory
from tests.services.conftest import Flow
from tests.web.crawler import parse

FORM = "application/x-www-form-urlencoded"
OPINION = "经现场核查，整改措施已落实"


@pytest.fixture
def flow(world, before_after):
    return Flow(world, before_after)


def _send(client, url: str, pairs: list[tuple[str, str]], **extra):
    """POST the (name, value) pairs as a browser sends a form (names may repeat)."""
    return client.post(url, urlencode(pairs), content_type=FORM, **extra)


def _batch_form(html: str, form_id: str):
    return next(f for f in parse(html).forms if f.id == form_id)


def _dc_task(world, code: str, **extra) -> Task:
    """Another 东城区 task led by 东城区政府."""
    return TaskFactory(
        problem=world.problem,
        code=code,
        name=f"清溪河东城区段{code}排口",
        region=world.dongcheng,
        lead=world.dc_gov,
        **extra,
    )


def _apply(world, task, actor, before_after):
    services.task_report_progress(task=task, actor=actor, progress_text="过半", progress_pct=60)
    return services.task_apply_closeout(
        task=task,
        actor=actor,
        summary="排口已封堵",
        checklist=dict.fromkeys(CLOSEOUT_CHECKLIST, True),
        files=before_after(),
    )


# ---------------------------------------------------------------------------------------------
# 批量自验通过


@pytest.fixture
def applications(world, flow, before_after):
    """Two applications the 东城区 head may self-check, one they applied for themselves, and
    one of 西城区 (outside their scope)."""
    first = flow.to(world.task, "APPLIED")
    second = _apply(world, _dc_task(world, "SD-4-3"), world.reporter, before_after)
    own = _apply(world, _dc_task(world, "SD-4-4"), world.unit_head, before_after)
    other = flow.to(world.other_task, "APPLIED")
    return first, second, own, other


def test_selfcheck_queue_renders_checkboxes_and_the_batch_form(world, login, applications):
    first, second, _own, _ = applications
    html = login(world.unit_head).get(reverse("selfcheck_queue")).content.decode()
    form = _batch_form(html, "selfcheck-batch")
    assert form.method == "post" and form.action == reverse("selfcheck_batch")
    # the head's own application is not offered (another head of the unit self-checks it)
    assert sorted(v for _, v in form.checkboxes) == sorted([str(first.pk), str(second.pk)])
    assert "批量县级自验通过" in html and 'name="opinion"' in html


def test_unit_head_batch_passes_the_ticked_and_reports_the_refused(world, login, applications):
    # given the 自验队列 as rendered, with both offered applications ticked, plus the head's
    # own application and one of another county added to the post
    first, second, own, other = applications
    client = login(world.unit_head)
    form = _batch_form(client.get(reverse("selfcheck_queue")).content.decode(), "selfcheck-batch")
    data = form.tick([str(first.pk), str(second.pk)], opinion=OPINION)
    data += [("ids", str(own.pk)), ("ids", str(other.pk))]
    # when it is submitted
    response = _send(client, form.action, data, follow=True)
    # then the two are self-checked, the own and the outside one are reported and unchanged
    page = response.content.decode()
    assert "已处理 2 项；2 项未处理：" in page
    assert f"ID {other.pk}：无权处理" in page
    assert "SD-4-4：" in page
    statuses = dict(CloseoutApplication.objects.values_list("pk", "status"))
    assert statuses[first.pk] == statuses[second.pk] == CloseoutStatus.SELF_CHECKED
    assert statuses[own.pk] == statuses[other.pk] == CloseoutStatus.SUBMITTED
    assert Task.objects.get(pk=world.other_task.pk).status == TaskStatus.APPLIED
    # each item has its own review with the one opinion
    assert set(
        CloseoutApplication.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "reviews__opinion", flat=True
        )
    ) == {OPINION}


def test_the_service_refuses_self_approval_per_item(world, applications):
    own = applications[2]
    result = services.closeouts_self_check_batch(
        actor=world.unit_head, ids=[own.pk], opinion=OPINION
    )
    assert [item.ok for item in result.items] == [False]
    assert "本人" in result.items[0].reason or "申请人" in result.items[0].reason
    assert CloseoutApplication.objects.get(pk=own.pk).status == CloseoutStatus.SUBMITTED


def test_batch_without_opinion_changes_nothing_and_keeps_the_ticks(world, login, applications):
    first, _second, *_ = applications
    client = login(world.unit_head)
    form = _batch_form(client.get(reverse("selfcheck_queue")).content.decode(), "selfcheck-batch")
    response = _send(client, form.action, form.tick([str(first.pk)], opinion="  "))
    assert response.status_code == 400
    page = response.content.decode()
    assert "请填写自验意见" in page
    # the tick survives the error
    again = _batch_form(page, "selfcheck-batch")
    assert ("ids", str(first.pk)) in again.submission()
    assert not CloseoutApplication.objects.filter(status=CloseoutStatus.SELF_CHECKED).exists()


def test_batch_with_nothing_ticked_or_too_many_is_refused_in_chinese(world, login, applications):
    client = login(world.unit_head)
    form = _batch_form(client.get(reverse("selfcheck_queue")).content.decode(), "selfcheck-batch")
    nothing = _send(client, form.action, form.tick([], opinion=OPINION))
    assert nothing.status_code == 400 and "请至少勾选一项" in nothing.content.decode()
    too_many = form.tick([], opinion=OPINION) + [("ids", str(n)) for n in range(1, 202)]
    response = _send(client, form.action, too_many)
    assert response.status_code == 400
    assert "一次最多处理 200 项，本次勾选了 201 项" in response.content.decode()
    assert not CloseoutApplication.objects.filter(status=CloseoutStatus.SELF_CHECKED).exists()


def test_batch_post_needs_the_csrf_token(world, applications):
    first, *_ = applications
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.unit_head)
    form = _batch_form(client.get(reverse("selfcheck_queue")).content.decode(), "selfcheck-batch")
    data = form.tick([str(first.pk)], opinion=OPINION)
    without = [(n, v) for n, v in data if n != "csrfmiddlewaretoken"]
    assert _send(client, form.action, without).status_code == 403
    assert CloseoutApplication.objects.get(pk=first.pk).status == CloseoutStatus.SUBMITTED
    # the rendered form's own token passes
    assert _send(client, form.action, data).status_code == 302
    assert CloseoutApplication.objects.get(pk=first.pk).status == CloseoutStatus.SELF_CHECKED


# ---------------------------------------------------------------------------------------------
# 批量批准 / 批量不批准


@pytest.fixture
def extensions(world, flow):
    flow.to(world.task, "IN_PROGRESS")
    second = _dc_task(world, "SD-4-5")
    services.task_report_progress(
        task=second, actor=world.reporter, progress_text="过半", progress_pct=50
    )
    return [
        services.task_request_extension(
            task=task, actor=world.reporter, requested_deadline=date(2030, 6, 30), reason="雨季"
        )
        for task in (world.task, second)
    ]


@pytest.mark.parametrize("approve", [True, False])
def test_office_decides_several_extensions_with_one_opinion(world, login, extensions, approve):
    first, second = extensions
    client = login(world.office)
    html = client.get(reverse("extension_queue")).content.decode()
    form = _batch_form(html, "extension-batch")
    assert sorted(v for _, v in form.checkboxes) == sorted([str(first.pk), str(second.pk)])
    # given the second is decided on its own page in the meantime
    services.extension_decide(extension=second, actor=world.office, approve=True, note="同意")
    button = ("decision", "approve" if approve else "reject")
    data = form.tick([str(first.pk), str(second.pk)], button, opinion="理由充分")
    page = _send(client, form.action, data, follow=True).content.decode()
    assert "已处理 1 项；1 项未处理：SD-4-5：该延期申请已经审批过" in page
    first.refresh_from_db()
    assert first.status == (ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED)
    assert first.decision_note == "理由充分"
    deadline = Task.objects.get(pk=world.task.pk).deadline
    assert (deadline == date(2030, 6, 30)) is approve
    # the other keeps its own decision
    second.refresh_from_db()
    assert second.status == ExtensionStatus.APPROVED and second.decision_note == "同意"


def test_extension_batch_needs_an_opinion_even_to_approve(world, login, extensions):
    client = login(world.office)
    form = _batch_form(client.get(reverse("extension_queue")).content.decode(), "extension-batch")
    data = form.tick([str(extensions[0].pk)], ("decision", "approve"), opinion="")
    response = _send(client, form.action, data)
    assert response.status_code == 400 and "请填写审批意见" in response.content.decode()
    assert not Extension.objects.exclude(status=ExtensionStatus.PENDING).exists()


# ---------------------------------------------------------------------------------------------
# 批量提醒 (预警)


@pytest.fixture
def warned(world):
    closed_later = _dc_task(world, "SD-4-6")
    for task in (world.task, world.other_task, closed_later):
        services.warning_raise(task=task, actor=world.office, level="RED", reason="MEDIA")
    return closed_later


def test_office_reminds_the_lead_units_of_ticked_warnings_once_a_day(world, login, warned):
    client = login(world.office)
    form = _batch_form(client.get(reverse("warning_list")).content.decode(), "remind-batch")
    assert {v for _, v in form.checkboxes} == {
        str(world.task.pk),
        str(world.other_task.pk),
        str(warned.pk),
    }
    data = form.tick([str(world.task.pk), str(world.other_task.pk)], message="请本周内报送进展")
    page = _send(client, form.action, data, follow=True).content.decode()
    assert "已处理 2 项" in page and "未处理" not in page
    # one in-app row per member of each lead unit, with the message; one event per task
    told = Notification.objects.filter(
        kind=NotificationKind.REMINDER_MANUAL, channel=NotificationChannel.INAPP
    )
    assert sorted(told.values_list("recipient__username", "task__code")) == [
        ("dc_head", "SD-4-1"),
        ("dc_reporter", "SD-4-1"),
        ("xc_reporter", "SD-4-2"),
    ]
    assert set(told.values_list("body", flat=True)) == {"请本周内报送进展"}
    assert Event.objects.filter(verb=EventVerb.REMIND).count() == 2
    # a second batch the same day is refused per item and writes nothing
    again = _send(client, form.action, data, follow=True).content.decode()
    assert "已处理 0 项；2 项未处理：" in again
    assert "SD-4-1：今日（2020-02-15）已提醒过牵头单位，请勿重复提醒" in again
    assert told.count() == 3 and Event.objects.filter(verb=EventVerb.REMIND).count() == 2


def test_the_unit_sees_the_reminder_in_its_unread_badge(world, login, warned):
    services.tasks_remind_batch(actor=world.office, ids=[world.task.pk])
    html = login(world.reporter).get(reverse("notification_list")).content.decode()
    assert 'data-testid="unread-badge"' in html and "【催办提醒】SD-4-1" in html


def test_remind_reports_a_task_out_of_scope_and_one_not_in_work(world, warned, before_after):
    # given a warned task whose close-out has since been applied for
    _apply(world, warned, world.reporter, before_after)
    # when the office reminds it, an unknown id and a task in work
    result = services.tasks_remind_batch(actor=world.office, ids=[999999, warned.pk, world.task.pk])
    # then only the task in work is reminded
    assert result.summary() == (
        "已处理 1 项；2 项未处理：ID 999999：无权处理；SD-4-6：任务当前为“申请销号”，无需催办"
    )
    assert set(
        Notification.objects.filter(kind=NotificationKind.REMINDER_MANUAL).values_list(
            "task__code", flat=True
        )
    ) == {"SD-4-1"}


def test_a_county_unit_is_outside_a_county_office_scope(world, warned):
    # given an office of 东城区 (its scope is its county)
    from accounts.choices import Role, UnitKind
    from tests.factories import UnitFactory, UserFactory

    unit = UnitFactory(name="东城区环督办", kind=UnitKind.COORD_OFFICE, region=world.dongcheng)
    county_office = UserFactory(username="dc_office", role=Role.OFFICE, unit=unit)
    # when it reminds a 西城区 task with its own
    result = services.tasks_remind_batch(
        actor=county_office, ids=[world.other_task.pk, world.task.pk]
    )
    # then the 西城区 one is 无权处理 and not told
    assert result.summary() == f"已处理 1 项；1 项未处理：ID {world.other_task.pk}：无权处理"
    assert not Notification.objects.filter(
        kind=NotificationKind.REMINDER_MANUAL, task=world.other_task
    ).exists()


# ---------------------------------------------------------------------------------------------
# Who may: leaders and units are refused the batch pages


@pytest.mark.parametrize(
    "url_name, persona",
    [
        ("selfcheck_batch", "leader"),
        ("selfcheck_batch", "office"),
        ("extension_batch", "leader"),
        ("extension_batch", "unit_head"),
        ("warning_batch_remind", "leader"),
        ("warning_batch_remind", "reporter"),
    ],
)
def test_batch_pages_refuse_other_roles(world, login, url_name, persona):
    response = login(getattr(world, persona)).post(
        reverse(url_name), {"ids": [world.task.pk], "opinion": OPINION, "decision": "approve"}
    )
    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# API parity


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_batch_self_check_answers_per_item(world, applications):
    first, _second, own, other = applications
    response = _api(world.unit_head).post(
        "/api/v1/closeouts/batch-self-check/",
        {"ids": [first.pk, own.pk, other.pk], "opinion": OPINION},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert body["done"] == 1 and body["refused"] == 2
    items = {item["id"]: item for item in body["items"]}
    assert items[first.pk]["ok"] and items[first.pk]["label"] == "SD-4-1"
    assert not items[own.pk]["ok"] and items[own.pk]["reason"]
    assert items[other.pk] == {
        "id": other.pk,
        "label": f"ID {other.pk}",
        "ok": False,
        "reason": "无权处理",
    }
    assert CloseoutApplication.objects.get(pk=first.pk).status == CloseoutStatus.SELF_CHECKED
    assert CloseoutApplication.objects.get(pk=own.pk).status == CloseoutStatus.SUBMITTED


def test_api_batch_decide_and_remind(world, extensions, warned):
    office = _api(world.office)
    decided = office.post(
        "/api/v1/extensions/batch-decide/",
        {"ids": [e.pk for e in extensions], "approve": False, "opinion": "理由不充分"},
        format="json",
    )
    assert decided.status_code == 200 and decided.json()["summary"] == "已处理 2 项"
    assert set(Extension.objects.values_list("status", flat=True)) == {ExtensionStatus.REJECTED}
    reminded = office.post(
        "/api/v1/tasks/batch-remind/", {"ids": [world.task.pk, world.task.pk]}, format="json"
    )
    assert reminded.status_code == 200 and reminded.json()["done"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/closeouts/batch-self-check/",
        "/api/v1/extensions/batch-decide/",
        "/api/v1/tasks/batch-remind/",
    ],
)
def test_api_batches_are_read_only_for_leaders(world, path):
    response = _api(world.leader).post(
        path, {"ids": [1], "opinion": OPINION, "approve": True}, format="json"
    )
    assert response.status_code == 403


def test_api_batch_refuses_a_missing_opinion_and_an_oversized_list(world, applications):
    head = _api(world.unit_head)
    no_opinion = head.post(
        "/api/v1/closeouts/batch-self-check/", {"ids": [applications[0].pk]}, format="json"
    )
    assert no_opinion.status_code == 400
    too_many = head.post(
        "/api/v1/closeouts/batch-self-check/",
        {"ids": list(range(1, 202)), "opinion": OPINION},
        format="json",
    )
    assert too_many.status_code == 400 and "一次最多处理 200 项" in too_many.json()["detail"]
    assert not CloseoutApplication.objects.filter(status=CloseoutStatus.SELF_CHECKED).exists()


# ---------------------------------------------------------------------------------------------
# Queries: a fixed cost per item (the per-item service), not growing with the batch

# Queries one more item adds to a batch, through the page, as measured on each database (the
# self-check service's own count is two higher on PostgreSQL).
# Each item's event is sealed in the hash chain (accounts.chain.seal_statements).
SELF_CHECK_QUERIES_PER_ITEM = {
    # PostgreSQL: the tally's recount also takes the event writers' advisory lock (twice)
    v: n + chain.seal_statements(v)
    for v, n in {"sqlite": 29, "postgresql": 33}.items()
}
REMIND_QUERIES_PER_ITEM = {v: 8 + chain.seal_statements(v) for v in ("sqlite", "postgresql")}


def _queries(client, url, pairs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = _send(client, url, pairs)
    assert response.status_code == 302
    return len(captured)


def test_self_check_batch_costs_a_fixed_number_of_queries_per_item(
    world, login, flow, before_after
):
    # given one application, then three more, each a fresh task of 东城区
    apps = [flow.to(world.task, "APPLIED")]
    apps += [
        _apply(world, _dc_task(world, f"SD-9-{n}"), world.reporter, before_after) for n in range(3)
    ]
    client = login(world.unit_head)
    url = reverse("selfcheck_batch")
    one = _queries(client, url, [("opinion", OPINION), ("ids", str(apps[0].pk))])
    three = _queries(client, url, [("opinion", OPINION)] + [("ids", str(a.pk)) for a in apps[1:]])
    assert (three - one) / 2 == SELF_CHECK_QUERIES_PER_ITEM[connection.vendor]


def test_remind_batch_costs_a_fixed_number_of_queries_per_item(world, login):
    tasks = [world.task] + [_dc_task(world, f"SD-8-{n}") for n in range(3)]
    client = login(world.office)
    url = reverse("warning_batch_remind")
    one = _queries(client, url, [("ids", str(tasks[0].pk))])
    three = _queries(client, url, [("ids", str(t.pk)) for t in tasks[1:]])
    assert (three - one) / 2 == REMIND_QUERIES_PER_ITEM[connection.vendor]
