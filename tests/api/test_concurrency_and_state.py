"""Optimistic concurrency (ETag / If-Match → 412) and moves refused in the wrong state (409).

In both cases nothing may change: not the task row, not its events, not its reports.
"""

import pytest

from rectification.models import CloseoutReview, Event, ProgressReport, Task


def _snapshot(task_id: int) -> tuple:
    task = Task.objects.get(pk=task_id)
    return (
        task.status,
        task.version,
        task.address,
        task.progress_pct,
        Event.objects.filter(task_id=task_id).count(),
        ProgressReport.objects.filter(task_id=task_id).count(),
        CloseoutReview.objects.filter(application__task_id=task_id).count(),
    )


def test_task_detail_carries_etag_and_version(world, as_persona):
    response = as_persona("office").get(f"/api/v1/tasks/{world.task.pk}/")
    body = response.json()
    assert response["ETag"] == f'W/"task-{world.task.pk}-v{body["version"]}"'


def test_patch_with_current_etag_succeeds_and_bumps_version(world, as_persona):
    office = as_persona("office")
    etag = office.get(f"/api/v1/tasks/{world.task.pk}/")["ETag"]
    response = office.patch(
        f"/api/v1/tasks/{world.task.pk}/", {"address": "清溪河东岸"}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200
    assert response.json()["address"] == "清溪河东岸"
    assert response["ETag"] != etag


def test_patch_with_stale_etag_is_412_and_changes_nothing(world, as_persona):
    # given the office loaded the task, then a reporter reported progress (version bumped)
    office = as_persona("office")
    stale = office.get(f"/api/v1/tasks/{world.task.pk}/")["ETag"]
    as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/report/", {"progress_text": "开工", "progress_pct": 10}
    )
    before = _snapshot(world.task.pk)
    # when the office saves with its stale ETag
    response = office.patch(
        f"/api/v1/tasks/{world.task.pk}/", {"address": "改了"}, HTTP_IF_MATCH=stale
    )
    # then 412 with a Chinese message, and the row is untouched
    assert response.status_code == 412
    assert "刷新" in response.json()["detail"]
    assert _snapshot(world.task.pk) == before


@pytest.mark.parametrize(
    ("persona", "action", "body"),
    [
        ("reporter", "report", {"progress_text": "开工", "progress_pct": 10}),
        ("reporter", "request-extension", {"requested_deadline": "2020-12-31", "reason": "疫情"}),
        ("office", "set-units", None),
    ],
)
def test_lifecycle_action_with_stale_if_match_is_412(world, as_persona, persona, action, body):
    task_id = world.task.pk
    if body is None:
        body = {"units": [{"unit": world.dc_gov.pk, "role": "LEAD"}]}
    stale = f'W/"task-{task_id}-v{world.task.version - 1 or 99}"'
    before = _snapshot(task_id)
    response = as_persona(persona).post(
        f"/api/v1/tasks/{task_id}/{action}/", body, format="json", HTTP_IF_MATCH=stale
    )
    assert response.status_code == 412, response.content
    assert _snapshot(task_id) == before


def test_if_match_naming_another_task_is_412(world, as_persona):
    other = f'W/"task-{world.other_task.pk}-v{world.other_task.version}"'
    response = as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "开工", "progress_pct": 10},
        HTTP_IF_MATCH=other,
    )
    assert response.status_code == 412


def test_action_with_current_if_match_succeeds_and_returns_new_etag(world, as_persona):
    reporter = as_persona("reporter")
    etag = reporter.get(f"/api/v1/tasks/{world.task.pk}/")["ETag"]
    response = reporter.post(
        f"/api/v1/tasks/{world.task.pk}/report/",
        {"progress_text": "开工", "progress_pct": 10},
        HTTP_IF_MATCH=etag,
    )
    assert response.status_code == 201
    assert response["ETag"] == f'W/"task-{world.task.pk}-v{world.task.version + 1}"'


def test_closeout_action_with_stale_task_etag_is_412(api_world, as_persona):
    w = api_world
    stale = f'W/"task-{w.task.pk}-v{w.task.version - 1}"'
    before = _snapshot(w.task.pk)
    response = as_persona("unit_head").post(
        f"/api/v1/closeouts/{w.closeout.pk}/self-check/",
        {"passed": True, "opinion": "合格"},
        HTTP_IF_MATCH=stale,
    )
    assert response.status_code == 412
    assert _snapshot(w.task.pk) == before


# --- wrong state ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "path", "body", "message"),
    [
        (
            "reporter",
            "/api/v1/tasks/{task}/apply-closeout/",
            {"summary": "完成", "checklist": {}},
            "不能申请销号",
        ),
        (
            "office",
            "/api/v1/tasks/{task}/lookback/",
            {"check_date": "2020-02-15", "method": "ONSITE", "result": "CONSOLIDATED"},
            "只能对已销号的任务开展回头看",
        ),
    ],
)
def test_task_move_in_wrong_state_is_409_and_changes_nothing(
    world, as_persona, persona, path, body, message
):
    # given a task not yet started
    before = _snapshot(world.task.pk)
    # when a move that needs another state is asked for
    response = as_persona(persona).post(path.format(task=world.task.pk), body, format="json")
    # then 409 with the reason in Chinese, nothing changed
    assert response.status_code == 409
    assert message in response.json()["detail"]
    assert _snapshot(world.task.pk) == before


@pytest.mark.parametrize(
    ("action", "body", "message"),
    [
        (
            "accept",
            {
                "opinion": "合格",
                "notice_start": "2020-02-08",
                "notice_end": "2020-02-14",
                "contact_phone": "0999-12369",
            },
            "不能验收通过",
        ),
        ("close", {}, "不能销号"),
    ],
)
def test_closeout_move_before_self_check_is_409(api_world, as_persona, action, body, message):
    # given an application still awaiting the county self-check
    before = _snapshot(api_world.task.pk)
    response = as_persona("office").post(
        f"/api/v1/closeouts/{api_world.closeout.pk}/{action}/", body, format="json"
    )
    assert response.status_code == 409
    assert message in response.json()["detail"]
    assert _snapshot(api_world.task.pk) == before


def test_second_self_check_is_409(api_world, as_persona):
    head = as_persona("unit_head")
    path = f"/api/v1/closeouts/{api_world.closeout.pk}/self-check/"
    assert head.post(path, {"passed": True, "opinion": "合格"}).status_code == 200
    before = _snapshot(api_world.task.pk)
    again = head.post(path, {"passed": False, "opinion": "退回"})
    assert again.status_code == 409
    assert "不能进行县级自验" in again.json()["detail"]
    assert _snapshot(api_world.task.pk) == before


def test_invalid_input_is_400_with_field(world, as_persona):
    response = as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/request-extension/",
        {"requested_deadline": "2020-01-01", "reason": "疫情"},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] == "requested_deadline"
    assert "必须晚于现时限" in body["detail"]


def test_serializer_errors_use_the_same_shape(world, as_persona):
    response = as_persona("reporter").post(
        f"/api/v1/tasks/{world.task.pk}/report/", {"progress_pct": 300}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["field"] in ("progress_text", "progress_pct")
    assert body["detail"]
    assert set(body["errors"]) == {"progress_text", "progress_pct"}
