"""The task page offers exactly the moves the user may make, and every button it offers works.

For each status of world.task and each persona who sees it: the buttons on the page are those
the oracle of tests/services/test_permissions_oracle.py gives (not lifecycle's own answer);
each button's form opens and, sent with ordinary input, is accepted by its service (the post
runs in a savepoint that is rolled back, so the next button starts from the same task). A form
page of a move the persona may not make is a 403, whatever the status. The API's task detail
names the same moves.
"""

import re
from datetime import date

import pytest
from django.db import transaction
from django.urls import reverse

from accounts import clock
from rectification.models import Assignment, Task
from tests.conftest import _png_bytes
from tests.services.conftest import Flow
from tests.services.factories_extra import MilestoneFactory
from tests.services.test_permissions_oracle import (
    STATUSES,
    make_personas,
    open_application,
    oracle_moves,
    task_reaches,
    who,
)

# What the page calls each move's button (two buttons share "return").
BUTTON_LABELS = {
    "report": ["报送进展"],
    "extension_request": ["申请延期"],
    "apply": ["申请销号"],
    "self_check_pass": ["县级自验"],
    "accept": ["验收通过并公示"],
    "return": ["验收退回", "异议成立退回"],
    "review": ["登记验收意见"],
    "sector_review": ["行业部门认定"],
    "close": ["销号"],
    "lookback": ["回头看"],
    "assign": ["调整责任单位"],
    "supervision": ["发督办"],
    "notice_objection": ["登记公示异议"],
    "warning": ["预警（亮牌/解除）"],
}
ACTIONS = re.compile(r'<div[^>]*data-testid="task-actions"[^>]*>(.*?)</div>', re.S)
BUTTON = re.compile(r'<a class="btn[^"]*" href="([^"]+)">(?:<i[^>]*></i> )?([^<]+)</a>')


def expected_labels(moves: set[str], status: str) -> set[str]:
    labels = set()
    for move in moves & set(BUTTON_LABELS):
        if move == "return":
            labels.add("验收退回" if status == "IN_REVIEW" else "异议成立退回")
        else:
            labels.update(BUTTON_LABELS[move])
    return labels


def buttons_on(html: str) -> dict[str, str]:
    found = ACTIONS.search(html)
    if not found:
        return {}
    return {label.strip(): href.replace("&amp;", "&") for href, label in BUTTON.findall(found[1])}


def form_data(url: str, task: Task, world) -> dict:
    """Ordinary input for the form behind a button."""
    png = _png_bytes()
    from django.core.files.uploadedfile import SimpleUploadedFile

    def photo(name):
        return SimpleUploadedFile(name, png, content_type="image/png")

    v = task.version
    if "/report/" in url:
        return {
            "version": v,
            "progress_text": "完成 300 米",
            "progress_pct": max(task.progress_pct, 40),  # a fall needs a reason
            "evidence_kind": "DURING",
        }
    if "/extension/" in url:
        return {"requested_deadline": "2020-09-30", "reason": "受疫情影响停工"}
    if "/closeout/" in url and "/tasks/" in url:
        return {
            "version": v,
            "summary": "已完成截污纳管",
            "before_files": photo("b.png"),
            "after_files": photo("a.png"),
            **{
                f"check_{k}": "on"
                for k in (
                    "measures_done",
                    "violations_punished",
                    "meets_standards",
                    "similar_fixed",
                    "long_term_mechanism",
                )
            },
        }
    if "self-check" in url:
        return {"version": v, "decision": "pass", "opinion": "县级自验合格"}
    if "accept" in url:
        return {
            "version": v,
            "opinion": "市级验收合格",
            "level": "CITY",
            "notice_start": "2020-02-15",
            "notice_end": "2020-02-21",
            "contact_phone": "0999-12369",
        }
    if "return" in url:
        return {"version": v, "reason": "辅助设施未完成"}
    if "objection" in url:
        return {
            "version": v,
            "channel": "PHONE",
            "received_on": "2020-02-14",
            "content": "排口夜间仍有污水",
            "upheld": "0",
            "handling": "现场核查未发现直排",
        }
    if "review" in url:
        # The move (a county office may make it too); who may record a 省级复核 is narrower
        # and has its own tests (tests/services/test_provincial_review.py).
        return {
            "level": "CITY",
            "result": "PASS",
            "method": "BOTH",
            "opinion": "市级验收合格",
            "actual_date": "2020-02-15",
        }
    if "close" in url:
        return {"version": v, "objections": 0, "doc_no": "示环督办销〔2020〕9号"}
    if "lookback" in url:
        return {
            "version": v,
            "check_date": "2020-02-15",
            "method": "ONSITE",
            "result": "CONSOLIDATED",
        }
    if "units" in url:
        return {"version": v, "lead_unit": world.dc_gov.pk}
    if "/warnings/" in url:
        return {"level": "YELLOW", "reason": "MEDIA", "note": "媒体报道排口污水直排"}
    if "supervision" in url:
        return {
            "kind": "LETTER",
            "title": "关于加快推进整改的督办函",
            "target_unit": world.dc_gov.pk,
            "task": task.pk,
        }
    raise AssertionError(url)  # fmt: skip


@pytest.fixture
def flow(world, before_after):
    return Flow(world, before_after)


class _Undo(Exception):
    pass


def post_and_undo(client, url, data) -> int:
    """POST in a savepoint that is rolled back; the response's status code."""
    try:
        with transaction.atomic():
            code = client.post(url, data).status_code
            raise _Undo
    except _Undo:
        return code


@pytest.mark.parametrize("status", STATUSES)
def test_the_page_offers_exactly_the_allowed_moves_and_each_works(world, flow, login, status):
    # given world.task in `status` (with an open stage, so milestones can be completed)
    flow.to(world.task, status)
    MilestoneFactory(task=world.task, planned_date=date(2020, 3, 31))
    task = Task.objects.get(pk=world.task.pk)
    app = open_application(task)
    worked = 0
    for name, user in make_personas(world).items():
        if name == "anonymous" or not task_reaches(task, who(user)):
            continue
        client = login(user)
        moves = oracle_moves(user, task, app)
        # when the persona opens the task page
        page = client.get(reverse("task_detail", args=[task.pk]))
        assert page.status_code == 200, name
        html = page.content.decode()
        shown = buttons_on(html)
        # then it shows exactly the buttons of the moves the oracle allows
        assert set(shown) == expected_labels(moves, status), name
        evidence_form = f'action="{reverse("task_evidence", args=[task.pk])}"' in html
        assert evidence_form == ("evidence" in moves), name
        assert ("完成节点" in html) == ("milestone" in moves), name
        # and each button opens its form, which the service accepts
        for label, url in shown.items():
            assert client.get(url).status_code == 200, (name, label)
            code = post_and_undo(client, url, form_data(url, task, world))
            assert code == 302, (name, label, code)
            worked += 1
            task.refresh_from_db()
    assert worked


FORM_PAGES = {  # move → url name on the task
    "report": "task_report",
    "extension_request": "task_extension",
    "apply": "task_closeout",
    "evidence": "task_evidence",
    "lookback": "task_lookback",
    "assign": "task_units",
}


@pytest.mark.parametrize("status", ["IN_PROGRESS", "CLOSED"])
def test_a_form_page_is_403_exactly_when_the_actor_may_not_make_the_move(
    world, flow, login, status
):
    from rectification import lifecycle

    flow.to(world.task, status)
    task = Task.objects.get(pk=world.task.pk)
    personas = make_personas(world)  # (adds the task's sector unit)
    assignments = list(Assignment.objects.filter(task=task))
    for name, user in personas.items():
        if name == "anonymous" or not task_reaches(task, who(user)):
            continue
        client = login(user)
        for verb, url_name in FORM_PAGES.items():
            refused = lifecycle.refusal(
                user,
                lifecycle.MOVES[verb],
                unit_roles=lifecycle.unit_roles_in(user, assignments),
            )
            code = client.get(reverse(url_name, args=[task.pk])).status_code
            assert (code == 403) == (refused is not None), (name, verb, code)


@pytest.mark.parametrize("status", STATUSES)
def test_the_api_names_the_same_moves(world, flow, status):
    from rest_framework.test import APIClient

    flow.to(world.task, status)
    task = Task.objects.get(pk=world.task.pk)
    app = open_application(task)
    for name, user in make_personas(world).items():
        if name == "anonymous":
            continue
        client = APIClient()
        client.force_authenticate(user)
        response = client.get(f"/api/v1/tasks/{task.pk}/")
        if not task_reaches(task, who(user)):
            assert response.status_code == 404, name
            continue
        assert response.status_code == 200, name
        # as on the page: the deadline decides between the unit's request and the office's
        # 逾期后延期, and only 长期坚持 tasks are re-checked
        expected = oracle_moves(user, task, app)
        past_deadline = task.deadline is not None and task.deadline < clock.today()
        expected -= {"extension_request"} if past_deadline else {"extension_overdue"}
        if not task.is_ongoing:
            expected.discard("recheck")
        assert set(response.json()["allowed_moves"]) == expected, name
