"""The access log (accounts.access, AccessRecord): logins, logouts, failures, lockouts,
refusals and downloads, read-only in the admin, purged after the retention period."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import access, clock, jobs
from accounts.choices import AccessKind
from accounts.models import AccessRecord
from tests.accounts.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db


def _records(kind):
    return list(AccessRecord.objects.filter(kind=kind).order_by("id"))


def test_a_login_and_a_logout_are_recorded_with_who_and_from_where(world):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 " + "x" * 400)
    assert log_in(client, "dc_reporter", PASSWORD, ip="10.1.2.3").status_code == 302
    assert client.post("/logout/", REMOTE_ADDR="10.1.2.3").status_code == 302
    login, logout = _records(AccessKind.LOGIN), _records(AccessKind.LOGOUT)
    assert [(r.user, r.username, r.ip_address, r.path) for r in login] == [
        (world.reporter, "dc_reporter", "10.1.2.3", "/login/")
    ]
    assert login[0].user_agent.startswith("Mozilla/5.0 ") and len(login[0].user_agent) == 255
    # stamped by the product's clock (the business date the tests pin), not the wall clock
    assert timezone.localdate(login[0].created_at) == clock.today()
    assert [(r.user, r.path) for r in logout] == [(world.reporter, "/logout/")]


def test_the_admin_login_is_recorded_too(world):
    assert log_in(Client(), "admin", PASSWORD, path="/admin/login/").status_code == 302
    assert [(r.user, r.path) for r in _records(AccessKind.LOGIN)] == [
        (world.admin, "/admin/login/")
    ]


def test_failed_logins_record_the_name_tried(world):
    log_in(Client(), "dc_reporter", "wrong-password", ip="10.0.0.5")
    log_in(Client(), "nobody-here", "wrong-password", ip="10.0.0.5")
    rows = [(r.user, r.username, r.ip_address, r.detail) for r in _records(AccessKind.LOGIN_FAILED)]
    assert rows == [
        (world.reporter, "dc_reporter", "10.0.0.5", "用户名或密码错误"),
        (None, "nobody-here", "10.0.0.5", "用户名或密码错误"),
    ]
    assert not _records(AccessKind.LOGIN)


def test_a_lockout_is_recorded_once_when_it_starts(world):
    client = Client()
    for _ in range(7):  # five to lock, two more during the lockout
        log_in(client, "dc_reporter", "wrong-password", ip="10.0.0.6")
    lockouts = _records(AccessKind.LOCKOUT)
    assert [(r.user, r.username, r.ip_address, r.detail) for r in lockouts] == [
        (world.reporter, "dc_reporter", "10.0.0.6", "锁定 15 分钟")
    ]
    failures = _records(AccessKind.LOGIN_FAILED)
    assert len(failures) == 7
    assert [f.detail for f in failures[-2:]] == ["已锁定", "已锁定"]


def test_a_timed_out_session_is_recorded_as_a_logout_with_the_reason(world, settings):
    settings.SESSION_IDLE_TIMEOUT = 5 * 60
    client = Client()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        log_in(client, "dc_reporter", PASSWORD)
        traveller.shift(timedelta(minutes=6))
        client.get("/me/")
    [logout] = _records(AccessKind.LOGOUT)
    assert logout.user == world.reporter
    assert logout.detail == "会话已超时，请重新登录。"


def test_a_page_refused_with_403_is_recorded(world, login):
    # a reporter asks for the office's supervision list
    response = login(world.reporter).get("/supervision/")
    assert response.status_code == 403
    [denied] = _records(AccessKind.DENIED)
    assert (denied.user, denied.path, denied.method, denied.status) == (
        world.reporter,
        "/supervision/",
        "GET",
        403,
    )
    assert denied.object_label.startswith("supervision_list")


def test_an_api_refusal_is_recorded_with_its_reason(world, login):
    response = login(world.leader).post(
        f"/api/v1/tasks/{world.task.pk}/report/", {}, content_type="application/json"
    )
    assert response.status_code == 403
    [denied] = _records(AccessKind.DENIED)
    assert denied.user == world.leader
    assert denied.method == "POST"
    assert denied.detail == response.json()["detail"]


def test_an_anonymous_refusal_is_recorded(world):
    # a form posted without its CSRF token: refused before any login
    response = Client(enforce_csrf_checks=True).post(
        "/login/", {"username": "dc_reporter", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 403
    [denied] = _records(AccessKind.DENIED)
    assert (denied.user, denied.ip_address, denied.path) == (None, "10.0.0.7", "/login/")


def test_a_row_outside_the_scope_is_a_404_and_not_recorded(world, login):
    # (decided in accounts.access: a 404 is the same whether the row is out of scope or absent)
    response = login(world.reporter).get(f"/tasks/{world.other_task.pk}/")
    assert response.status_code == 404
    assert not AccessRecord.objects.exclude(kind=AccessKind.LOGIN).exists()


@pytest.mark.parametrize(
    ("url", "filename"),
    [
        ("/tasks/export.csv?status=NOT_STARTED", "任务台账.csv"),
        ("/imports/ledger.xlsx", "整改台账.xlsx"),
        ("/api/v1/ledger/", "ledger.xlsx"),
    ],
)
def test_an_export_is_recorded_with_its_file_name(world, login, url, filename):
    response = login(world.office).get(url)
    assert response.status_code == 200
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
    [download] = _records(AccessKind.DOWNLOAD)
    assert (download.user, download.path, download.status) == (world.office, url.split("?")[0], 200)
    assert download.detail == filename


def test_a_page_without_a_file_is_not_recorded(world, login):
    client = login(world.office)
    assert client.get("/tasks/").status_code == 200
    assert not AccessRecord.objects.exclude(kind=AccessKind.LOGIN).exists()


def test_a_view_may_name_the_object(rf, world):
    request = rf.get("/x/")
    request.user = world.office
    access.note(request, world.task)
    record = access.log_access(request, AccessKind.DOWNLOAD)
    assert record.object_label == str(world.task)


def test_old_rows_are_purged_by_the_daily_job(world, settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    now = clock.now()
    old = AccessRecord.objects.create(created_at=now - timedelta(days=31), kind=AccessKind.LOGIN)
    kept = AccessRecord.objects.create(created_at=now - timedelta(days=29), kind=AccessKind.LOGIN)
    assert jobs.housekeeping() == {"deleted": 0, "access_purged": 1}
    assert list(AccessRecord.objects.values_list("pk", flat=True)) == [kept.pk]
    assert old.pk != kept.pk
    out = StringIO()
    call_command("run_job", "clearsessions", stdout=out)
    assert "access_purged=0" in out.getvalue()


def test_the_admin_reads_the_log_and_cannot_change_it(world, login):
    log_in(Client(), "nobody-here", "wrong-password")
    client = login(world.admin)
    listing = client.get("/admin/accounts/accessrecord/", {"kind__exact": "login_failed"})
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "访问日志" in page and "nobody-here" in page
    assert client.get("/admin/accounts/accessrecord/", {"q": "nobody"}).status_code == 200
    assert client.get("/admin/accounts/accessrecord/add/").status_code == 403
    record = AccessRecord.objects.get(kind=AccessKind.LOGIN_FAILED)
    change = client.post(f"/admin/accounts/accessrecord/{record.pk}/change/", {"detail": "x"})
    assert change.status_code == 403
    record.refresh_from_db()
    assert record.detail == "用户名或密码错误"
    delete = client.post(f"/admin/accounts/accessrecord/{record.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert AccessRecord.objects.filter(pk=record.pk).exists()
