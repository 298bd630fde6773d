"""The API's actions accept exactly the moves the oracle allows, for every persona and status.

Each action is sent in a savepoint that is rolled back. Allowed: 2xx. Refused: 403 when the
actor may not make the move (lifecycle.refusal, also the page guards' rule), else 409 for the
state; out of scope 404. The oracle is tests/services/test_permissions_oracle.py's.
"""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from rest_framework.test import APIClient

from rectification import lifecycle, services
from rectification.models import Assignment, Extension, Task
from rectification.services import CLOSEOUT_CHECKLIST
from tests.conftest import _png_bytes
from tests.services.conftest import Flow
from tests.services.test_permissions_oracle import (
    STATUSES,
    last_application,
    make_personas,
    open_application,
    oracle_moves,
    task_reaches,
    who,
)


@pytest.fixture
def flow(world, before_after):
    return Flow(world, before_after)


def requests_for(verb: str, task: Task, world):
    """(method, path, body, format) of the API action of `verb`, or None without one."""
    app = last_application(task)
    t = f"/api/v1/tasks/{task.pk}/"
    a = f"/api/v1/closeouts/{app.pk}/" if app else None
    photo = SimpleUploadedFile("p.png", _png_bytes(), content_type="image/png")
    table = {
        "report": ("post", t + "report/", {"progress_text": "完成", "progress_pct": 70}, "json"),
        "evidence": ("post", t + "evidence/", {"file": photo, "kind": "DURING"}, "multipart"),
        "extension_request": (
            "post",
            t + "request-extension/",
            {"requested_deadline": "2020-09-30", "reason": "疫情"},
            "json",
        ),
        "apply": (
            "post",
            t + "apply-closeout/",
            {"summary": "已完成", "checklist": dict.fromkeys(CLOSEOUT_CHECKLIST, True)},
            "json",
        ),
        "assign": (
            "post",
            t + "set-units/",
            {"units": [{"unit": world.dc_gov.pk, "role": "LEAD"}]},
            "json",
        ),
        "edit": ("patch", t, {"name": "清溪河东城区段1#排口（改）"}, "json"),
        "lookback": (
            "post",
            t + "lookback/",
            {"check_date": "2020-02-15", "method": "ONSITE", "result": "CONSOLIDATED"},
            "json",
        ),
        "reopen": (
            "post",
            t + "lookback/",
            {
                "check_date": "2020-02-15",
                "method": "ONSITE",
                "result": "REBOUND",
                "findings": "反弹",
                "new_deadline": "2020-04-30",
            },
            "json",
        ),
        "supervision": (
            "post",
            "/api/v1/supervision-notices/",
            {
                "kind": "LETTER",
                "title": "督办函",
                "target_unit": world.dc_gov.pk,
                "tasks": [task.pk],
            },
            "json",
        ),
    }
    if a:
        table |= {
            "self_check_pass": ("post", a + "self-check/", {"passed": True, "opinion": "合格"}, "json"),
            "self_check_return": ("post", a + "self-check/", {"passed": False, "opinion": "退回"}, "json"),
            "accept": ("post", a + "accept/", {"opinion": "合格", "notice_start": "2020-02-15",
                                               "notice_end": "2020-02-21", "contact_phone": "0999-12369"}, "json"),
            "return": ("post", a + "return/", {"reason": "未完成"}, "json"),
            "close": ("post", a + "close/", {}, "json"),
            # the move; who may record a 省级复核 is narrower (test_provincial_review.py)
            "review": ("post", a + "review/", {"level": "CITY", "result": "PASS",
                                               "opinion": "合格"}, "json"),
            "sector_review": ("post", a + "review/", {"level": "SECTOR", "result": "PASS",
                                                      "opinion": "行业认定合格"}, "json"),
        }  # fmt: skip
    return table.get(verb)


class _Undo(Exception):
    pass


def send(client, verb, task, world) -> int | None:
    """The action's status code, its effects rolled back; None when the API has no action."""
    try:
        with transaction.atomic():
            if verb == "extension_decide":
                ext = Extension.objects.create(
                    task=task,
                    unit=world.dc_gov,
                    requested_by=world.reporter,
                    requested_deadline=date(2020, 9, 30),
                    reason="疫情",
                )
                code = client.post(
                    f"/api/v1/extensions/{ext.pk}/decide/", {"approve": True}, format="json"
                ).status_code
            else:
                request = requests_for(verb, task, world)
                if request is None:
                    return None
                method, path, body, fmt = request
                code = getattr(client, method)(path, body, format=fmt).status_code
            raise _Undo
    except _Undo:
        return code


@pytest.mark.parametrize("status", STATUSES)
def test_api_actions_accept_exactly_the_allowed_moves(world, flow, before_after, status):
    # given world.task in `status`, with before/after evidence already on it
    flow.to(world.task, status)
    if status != "CLOSED":
        services.task_add_evidence(task=world.task, actor=world.office, files=before_after())
    task = Task.objects.get(pk=world.task.pk)
    app = open_application(task)
    last = last_application(task)
    personas = make_personas(world)  # (adds the task's sector unit)
    assignments = list(Assignment.objects.filter(task=task))
    accepted = set()
    for name, user in personas.items():
        if name in ("anonymous", "inactive"):
            continue
        client = APIClient()
        client.force_authenticate(user)
        visible = task_reaches(task, who(user))
        expected = oracle_moves(user, task, app) if visible else set()
        for verb in lifecycle.MOVES:
            code = send(client, verb, task, world)
            if code is None:  # no API action (milestones), or no application to act on
                continue
            if verb in expected:
                assert 200 <= code < 300, (name, verb, code)
                accepted.add(verb)
            elif not visible:
                assert code in (403, 404), (name, verb, code)
            else:
                refused = lifecycle.refusal(
                    user,
                    lifecycle.MOVES[verb],
                    unit_roles=lifecycle.unit_roles_in(user, assignments),
                    application=last,
                )
                assert code == (403 if refused else 409), (name, verb, code)
    assert accepted


def test_a_unit_never_lists_a_proposed_letter(world):
    """A letter the warnings job only proposed (拟发) is the office's draft: the unit's inbox
    hid it, and so does the API now (it listed it before, through visible_to)."""
    from tests.services.factories_extra import SupervisionNoticeFactory

    # given a proposed and an issued letter to 东城区政府
    SupervisionNoticeFactory(target_unit=world.dc_gov, title="拟发督办函", status="PROPOSED")
    SupervisionNoticeFactory(target_unit=world.dc_gov, title="已签发督办函", status="ISSUED")
    titles = {}
    for name in ("reporter", "office"):
        client = APIClient()
        client.force_authenticate(getattr(world, name))
        body = client.get("/api/v1/supervision-notices/").json()
        titles[name] = {row["title"] for row in body["results"]}
    # then the unit lists the issued one only, the office both
    assert titles["reporter"] == {"已签发督办函"}
    assert titles["office"] == {"拟发督办函", "已签发督办函"}
