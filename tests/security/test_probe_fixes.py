"""The defects the rerun probes found, each pinned by a test that failed before its fix."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _office(world) -> Client:
    client = Client()
    client.force_login(world.office)
    return client


@pytest.mark.parametrize(
    "query",
    [
        "closed_to=9999-12-31",
        "closed_month=9999-12",
        "closed_from=0001-01-01",
        "deadline_before=9999-12-31&deadline_after=0001-01-01",
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/tasks/", "/tasks/", "/tasks/export.csv"])
def test_a_date_at_the_calendar_edge_is_a_400_not_a_500(world, path, query):
    # given the task list and a date whose next day (or local midnight) leaves the calendar
    response = _office(world).get(f"{path}?{query}")
    # then it is refused with a Chinese message, not an OverflowError (the list page shows
    # the message above an empty list, as for any invalid filter)
    assert response.status_code == (200 if path == "/tasks/" else 400), response.status_code
    assert "日期须在 1900-01-01 至 2999-12-31 之间" in response.content.decode()


def test_malformed_json_is_refused_in_chinese(world):
    response = _office(world).post(
        f"/api/v1/tasks/{world.task.pk}/report/", data="{bad", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容不是有效的 JSON，无法解析"


def test_an_unsupported_media_type_is_refused_in_chinese(world):
    response = _office(world).post(
        f"/api/v1/tasks/{world.task.pk}/report/", data="x", content_type="text/x-unknown"
    )
    assert response.status_code == 415
    assert "不支持" in response.json()["detail"]


HUGE = "99999999999999999999999999"


@pytest.mark.parametrize("value", [HUGE, "²", "١٢"])
@pytest.mark.parametrize(
    "path",
    [
        "/tasks/?unit={v}&lead_unit={v}&region={v}&county={v}",
        "/dashboard/?round={v}",
        "/petitions/?batch={v}",
        "/supervision/new/?task={v}&unit={v}",
        "/api/v1/petitions/{v}/evidence/",
    ],
)
def test_an_id_beyond_a_bigint_or_a_non_ascii_digit_is_not_a_500(world, path, value):
    # given an id no column can hold (or a digit str.isdigit() accepts and int() may not)
    response = _office(world).get(path.format(v=value))
    # then the page or API answers as for an id that does not exist, not with a 500
    assert response.status_code in (200, 400, 404, 405), response.status_code


def test_a_null_json_body_is_refused_in_chinese(world):
    response = _office(world).post("/api/v1/rounds/", data="null", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求内容为空"


def test_an_api_object_outside_the_scope_is_a_404_in_chinese(world):
    client = Client()
    client.force_login(world.outsider)
    response = client.post(
        "/api/v1/progress-reports/999999/review/", data="{}", content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["detail"] == "对象不存在或不在您的权限范围内"
