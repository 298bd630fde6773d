"""Error pages: Chinese, in the site's style, never Django's debug page with the URL list
(issue 14 item 4), and the favicon every first page asks for."""

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

URL_LIST = "Using the URLconf"  # the debug 404's list of patterns


def _assert_site_page(response, status: int, heading: str):
    body = response.content.decode()
    assert response.status_code == status
    assert heading in body
    assert "督察整改台账" in body
    assert URL_LIST not in body
    assert "Traceback" not in body
    assert 'rel="icon"' in body


@pytest.mark.parametrize("debug", [False, True])
def test_unknown_address_is_the_chinese_404(login, world, debug):
    with override_settings(DEBUG=debug):
        response = login(world.reporter).get("/no-such-page/")

    _assert_site_page(response, 404, "页面不存在（404）")
    assert "返回首页" in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_out_of_scope_task_is_the_chinese_404(login, world, debug):
    # given a reporter of 东城区 and a task of 西城区
    with override_settings(DEBUG=debug):
        response = login(world.reporter).get(f"/tasks/{world.other_task.pk}/")

    _assert_site_page(response, 404, "页面不存在（404）")
    assert "没有找到该任务" in response.content.decode()


def test_a_404_keeps_append_slash(login, world):
    with override_settings(DEBUG=True):
        response = login(world.reporter).get(f"/tasks/{world.task.pk}")

    assert response.status_code == 301
    assert response["Location"].endswith(f"/tasks/{world.task.pk}/")


@override_settings(DEBUG=False)
def test_forbidden_page_is_chinese_and_names_the_rule(login, world):
    # a leader may not open the plan import
    response = login(world.leader).get("/imports/")

    _assert_site_page(response, 403, "无权执行此操作（403）")


@override_settings(DEBUG=False)
def test_bad_host_is_the_chinese_400(world):
    response = Client().get("/login/", HTTP_HOST="evil.example")

    _assert_site_page(response, 400, "请求有误（400）")
    assert "Invalid HTTP_HOST" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
@override_settings(ROOT_URLCONF="tests.web.error_urls")
def test_suspicious_request_is_the_chinese_400(login, world, debug):
    with override_settings(DEBUG=debug):
        response = login(world.reporter).get("/test-errors/suspicious/")

    _assert_site_page(response, 400, "请求有误（400）")
    assert "tampered form" not in response.content.decode()


@override_settings(DEBUG=False, ROOT_URLCONF="tests.web.error_urls")
def test_crash_is_the_chinese_500(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.reporter)

    response = client.get("/test-errors/crash/")

    _assert_site_page(response, 500, "系统暂时出错（500）")
    assert "boom" not in response.content.decode()


@pytest.mark.parametrize("debug", [False, True])
def test_favicon_is_served(client, debug):
    with override_settings(DEBUG=debug):
        response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO header
