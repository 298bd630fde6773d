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
