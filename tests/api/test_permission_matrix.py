"""Every endpoint × persona: the status each persona gets (docs/design.md §4).

Out of scope is 404, in scope but not allowed is 403, anonymous is 401.
Columns: reporter, unit_head, coop_reporter, outsider, office, leader, admin, anonymous.
"""

from datetime import date

import pytest

from accounts import clock
from tests.api.conftest import PERSONAS

ALL_200 = [200, 200, 200, 200, 200, 200, 200, 401]

# Lists: everyone signed in gets a (scoped) list.
LISTS = [
    "rounds",
    "aspects",
    "categories",
    "problems",
    "petitions",
    "tasks",
    "assignments",
    "progress-reports",
    "attachments",
    "extensions",
    "closeouts",
    "closeout-reviews",
    "public-objections",
    "warnings",
    "notifications",
    "supervision-notices",
]

# Details: (path template, attribute of api_world, expected statuses).
ON_TASK = [200, 200, 200, 404, 200, 200, 200, 401]  # world.task: 东城区, 市住建局 cooperating
TO_DC_GOV = [200, 200, 404, 404, 200, 200, 200, 401]  # addressed to 东城区政府 only
OWN = [200, 404, 404, 404, 404, 404, 404, 401]  # the reporter's own notification
DETAILS = [
    ("rounds/{}/", "round", ALL_200),
    ("aspects/{}/", "aspect", ALL_200),
    ("categories/{}/", "category", ALL_200),
    ("problems/{}/", "problem", ALL_200),
    ("petitions/{}/", "petition", TO_DC_GOV),
    ("tasks/{}/", "task", ON_TASK),
    ("progress-reports/{}/", "report", ON_TASK),
    ("attachments/{}/", "attachment", ON_TASK),
    ("attachments/{}/download/", "attachment", ON_TASK),
    ("extensions/{}/", "extension", ON_TASK),
    ("closeouts/{}/", "closeout", ON_TASK),
    ("warnings/{}/", "warning", ON_TASK),
    ("notifications/{}/", "notification", OWN),
    ("supervision-notices/{}/", "notice", TO_DC_GOV),
]


@pytest.mark.parametrize("endpoint", LISTS)
def test_list_status_by_persona(api_world, as_persona, endpoint):
    # given every persona; when each lists; then signed-in users get 200, anonymous 401
    got = [as_persona(p).get(f"/api/v1/{endpoint}/").status_code for p in PERSONAS]
    assert got == ALL_200


@pytest.mark.parametrize(("template", "attr", "expected"), DETAILS)
def test_detail_status_by_persona(api_world, as_persona, template, attr, expected):
    path = "/api/v1/" + template.format(getattr(api_world, attr).pk)
    got = [as_persona(p).get(path).status_code for p in PERSONAS]
    assert got == expected


def test_other_county_task_is_404_for_reporter_and_200_for_outsider(world, as_persona):
    path = f"/api/v1/tasks/{world.other_task.pk}/"
    assert as_persona("reporter").get(path).status_code == 404
    assert as_persona("outsider").get(path).status_code == 200


def test_lists_are_scoped(api_world, as_persona):
    # given tasks in 东城区 and 西城区; when the 东城区 reporter lists; then only its own
    ids = {r["id"] for r in as_persona("reporter").get("/api/v1/tasks/").json()["results"]}
    assert ids == {api_world.task.pk}
    ids = {r["id"] for r in as_persona("outsider").get("/api/v1/tasks/").json()["results"]}
    assert ids == {api_world.other_task.pk}
    for name in ("closeouts", "extensions", "progress-reports", "warnings", "attachments"):
        assert as_persona("outsider").get(f"/api/v1/{name}/").json()["count"] == 0, name
        assert as_persona("office").get(f"/api/v1/{name}/").json()["count"] >= 1, name


# --- writes -----------------------------------------------------------------------------------
# Each case runs in a fresh world. Bodies are valid, so the status is the permission answer.


def _units(world):
    return [
        {"unit": world.dc_gov.pk, "role": "LEAD"},
        {"unit": world.housing.pk, "role": "COOP"},
    ]


WRITES = [
    # (method, path builder, body builder, expected per persona)
    (
        "post",
        lambda w: f"/api/v1/tasks/{w.task.pk}/report/",
        lambda w: {"progress_text": "本月完成管网铺设", "progress_pct": 40},
        [201, 201, 201, 404, 403, 403, 403, 401],
    ),
    (
        "post",
        lambda w: f"/api/v1/tasks/{w.task.pk}/request-extension/",
        lambda w: {"requested_deadline": "2020-12-31", "reason": "疫情影响"},
        [201, 201, 403, 404, 403, 403, 403, 401],
    ),
    (
        "patch",
        lambda w: f"/api/v1/tasks/{w.task.pk}/",
        lambda w: {"address": "清溪河东岸"},
        [403, 403, 403, 404, 200, 403, 403, 401],
    ),
    (
        "post",
        lambda w: f"/api/v1/tasks/{w.task.pk}/set-units/",
        lambda w: {"units": _units(w)},
        [403, 403, 403, 404, 200, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/tasks/",
        lambda w: {
            "problem": w.problem.pk,
            "code": "SD-4-9",
            "name": "清溪河东城区段9#排口",
            "region": w.dongcheng.pk,
            "units": _units(w),
            "deadline": "2020-12-31",
        },
        [403, 403, 403, 403, 201, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/rounds/",
        lambda w: {
            "region": w.city.pk,
            "code": "ZC2020",
            "name": "2020年自查",
            "kind": "SELF_CHECK",
        },
        [403, 403, 403, 403, 201, 403, 403, 401],
    ),
    (
        "patch",
        lambda w: f"/api/v1/rounds/{w.round.pk}/",
        lambda w: {"team_name": "省第三督察组"},
        [403, 403, 403, 403, 200, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/aspects/",
        lambda w: {"round": w.round.pk, "seq": 2, "title": "二、突出生态环境问题依然存在"},
        [403, 403, 403, 403, 201, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/categories/",
        lambda w: {"aspect": w.category.aspect_id, "seq": 2, "title": "2.督察整改推进不力"},
        [403, 403, 403, 403, 201, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/problems/",
        lambda w: {
            "round": w.round.pk,
            "category": w.category.pk,
            "seq": 2,
            "code": "5",
            "title": "污水处理设施及配套管网建设滞后",
            "deadline": "2020-12-31",
        },
        [403, 403, 403, 403, 201, 403, 403, 401],
    ),
    (
        "patch",
        lambda w: f"/api/v1/problems/{w.problem.pk}/",
        lambda w: {"is_key": True},
        [403, 403, 403, 403, 200, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/supervision-notices/",
        lambda w: {"kind": "LETTER", "title": "督办函", "target_unit": w.dc_gov.pk},
        [403, 403, 403, 403, 201, 403, 403, 401],
    ),
    (
        "post",
        lambda w: "/api/v1/notifications/mark-all-read/",
        lambda w: {},
        [200, 200, 200, 200, 200, 200, 200, 401],
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), WRITES)
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_write_status_by_persona(world, as_persona, method, path, body, expected, index):
    persona = PERSONAS[index]
    response = getattr(as_persona(persona), method)(path(world), body(world), format="json")
    assert response.status_code == expected[index], response.content.decode()


# Writes that need the api_world objects (an application awaiting self-check, a pending
# extension, the reporter's notification, a petition).
API_WORLD_WRITES = [
    (
        lambda w: f"/api/v1/closeouts/{w.closeout.pk}/self-check/",
        {"passed": True, "opinion": "县级自验合格"},
        [403, 200, 403, 404, 403, 403, 403, 401],
    ),
    (
        lambda w: f"/api/v1/extensions/{w.extension.pk}/decide/",
        {"approve": True, "note": "同意"},
        [403, 403, 403, 404, 200, 403, 403, 401],
    ),
    (
        lambda w: f"/api/v1/notifications/{w.notification.pk}/mark-read/",
        {},
        [200, 404, 404, 404, 404, 404, 404, 401],
    ),
]


@pytest.mark.parametrize(("path", "body", "expected"), API_WORLD_WRITES)
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_action_status_by_persona(api_world, as_persona, path, body, expected, index):
    response = as_persona(PERSONAS[index]).post(path(api_world), body, format="json")
    assert response.status_code == expected[index], response.content.decode()


PETITION_MOVES = [
    # (action, body, statuses for PERSONAS): the petition is handed to 东城区政府 alone, so
    # 市住建局 (coop_reporter) and 西城区 (outsider) do not see it; the admin sees, never moves.
    ("start", {}, [200, 200, 404, 404, 403, 403, 403, 401]),
    (
        "report",
        {"verify_result": "TRUE", "findings": "属实", "handling": "已整改", "outcome": "DONE"},
        [200, 200, 404, 404, 403, 403, 403, 401],
    ),
    ("reopen", {"reason": "反弹"}, [403, 403, 404, 404, 409, 403, 403, 401]),
]


@pytest.mark.parametrize(("action", "body", "expected"), PETITION_MOVES)
@pytest.mark.parametrize("index", range(len(PERSONAS)), ids=PERSONAS)
def test_petition_move_status_by_persona(api_world, as_persona, action, body, expected, index):
    path = f"/api/v1/petitions/{api_world.petition.pk}/{action}/"
    response = as_persona(PERSONAS[index]).post(path, body, format="json")
    assert response.status_code == expected[index], response.content.decode()


def test_leader_write_refused_with_chinese_message(world, as_persona):
    response = as_persona("leader").post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "x", "progress_pct": 10},
        format="json",
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "领导账号为只读，不能修改数据"


def test_office_accept_pass_return_and_close_lifecycle(api_world, as_persona):
    # given an application awaiting self-check
    w = api_world
    head, office = as_persona("unit_head"), as_persona("office")
    base = f"/api/v1/closeouts/{w.closeout.pk}/"
    # when the unit head passes it and the office accepts on 2020-02-08 with a notice that has
    # ended by the business date
    assert head.post(base + "self-check/", {"passed": True, "opinion": "合格"}).status_code == 200
    with clock.travel(clock.at(date(2020, 2, 8), 10)):
        accepted = office.post(
            base + "accept/",
            {
                "opinion": "市级验收合格",
                "notice_start": "2020-02-08",
                "notice_end": "2020-02-14",
                "contact_phone": "0999-12369",
            },
        )
    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "ACCEPTED"
    # then the office can close it, and the task is closed
    closed = office.post(base + "close/", {"doc_no": "示环督办销〔2020〕1号"})
    assert closed.status_code == 200, closed.content
    task = office.get(f"/api/v1/tasks/{w.task.pk}/").json()
    assert task["status"] == "CLOSED"
    # and a rebound found at look-back reopens it with a new deadline
    reopened = office.post(
        f"/api/v1/tasks/{w.task.pk}/lookback/",
        {
            "check_date": "2020-02-15",
            "method": "ONSITE",
            "result": "REBOUND",
            "findings": "排口复现污水",
            "new_deadline": "2020-06-30",
        },
    )
    assert reopened.status_code == 201, reopened.content
    task = office.get(f"/api/v1/tasks/{w.task.pk}/").json()
    assert (task["status"], task["reopen_count"], task["deadline"]) == (
        "IN_PROGRESS",
        1,
        str(date(2020, 6, 30)),
    )


def test_office_returns_application_with_reason(api_world, as_persona):
    w = api_world
    as_persona("unit_head").post(
        f"/api/v1/closeouts/{w.closeout.pk}/self-check/", {"passed": True, "opinion": "合格"}
    )
    response = as_persona("office").post(
        f"/api/v1/closeouts/{w.closeout.pk}/return/", {"reason": "仅完成主体工程"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "RETURNED"
    review = as_persona("office").post(
        f"/api/v1/closeouts/{w.closeout.pk}/review/",
        {"level": "PROVINCIAL", "result": "PASS", "opinion": "x"},
    )
    assert review.status_code == 409  # a returned application takes no further review
