"""Reset by the office or the administrator, and the forced change of a temporary password."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import Client

from accounts import services
from accounts.choices import Role, UnitKind
from accounts.models import AccountEvent, User
from tests.accounts.conftest import PASSWORD, log_in
from tests.factories import RegionFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2020, 2, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
NEW = "Qingxi-river-2020"


def _temporary_password(response) -> str:
    page = response.content.decode()
    return re.search(r'data-testid="temporary-password">([^<]+)<', page).group(1)


def _reset_through_the_pages(client: Client, username: str):
    """From 个人信息 to 账号管理, then the row's 重置密码 button, as the pages show them."""
    profile = client.get("/me/").content.decode()
    accounts = re.search(r'href="([^"]+)"[^>]*data-testid="profile-accounts"', profile).group(1)
    page = client.get(accounts, {"q": username}).content.decode()
    action = re.search(r'<form method="post" action="([^"]+/reset-password/)"', page).group(1)
    return client.post(action)


def test_the_office_resets_a_county_reporter_and_the_reporter_must_change_it(
    world, login, settings
):
    settings.TRACKER_NOW = NOW
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # no SMTP
    # given the city office on its 账号管理 page
    office = login(world.office)
    # when it resets the 东城区 reporter's password
    response = _reset_through_the_pages(office, "dc_reporter")
    # then the temporary password is shown once, on a page that is not cached
    assert response.status_code == 200
    temporary = _temporary_password(response)
    assert len(temporary) == 12
    assert "no-store" in response["Cache-Control"]
    # and the old password no longer opens the account; the flag is set; an event is written
    reporter = User.objects.get(pk=world.reporter.pk)
    assert not reporter.check_password(PASSWORD)
    assert reporter.must_change_password
    event = AccountEvent.objects.get(user=reporter)
    assert (event.verb, event.actor, event.created_at) == ("password_reset", world.office, NOW)
    assert mail.outbox == []
    # when the reporter logs in with the temporary password
    client = Client()
    assert log_in(client, "dc_reporter", temporary).status_code == 302
    # then every page sends them to 修改密码, which says why
    for path in ("/", "/workbench/", "/tasks/", "/me/", f"/tasks/{world.task.pk}/"):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (302, "/me/password/"), path
    page = client.get("/me/password/").content.decode()
    assert "临时密码" in page
    # and the API, called with the session, answers 403 in Chinese
    api = client.get("/api/v1/tasks/")
    assert api.status_code == 403
    assert "修改密码" in api.json()["detail"]
    # when they choose their own password
    response = client.post(
        "/me/password/",
        {"old_password": temporary, "new_password1": NEW, "new_password2": NEW},
    )
    # then the flag is cleared and the site opens again, in the same session
    assert response.status_code == 302
    reporter.refresh_from_db()
    assert not reporter.must_change_password
    assert client.get("/tasks/").status_code == 200
    assert client.get("/api/v1/tasks/").status_code == 200


def test_a_user_with_a_temporary_password_may_still_log_out_and_load_static_files(world, login):
    world.reporter.must_change_password = True
    world.reporter.save()
    client = login(world.reporter)
    assert client.get("/static/js/print.js").status_code in (200, 304)
    assert client.post("/logout/").status_code == 302
    assert client.get("/me/").status_code == 302  # now to the login page
    assert client.get("/me/")["Location"].startswith("/login/")


def test_the_office_resets_only_users_of_units_in_its_scope(world, login):
    # given a unit of another city, and the office's own colleague and the administrator
    other_city = RegionFactory(code="990200", name="邻市", level="CITY", parent=world.province)
    far_unit = UnitFactory(name="邻市人民政府", kind=UnitKind.GOV, region=other_city)
    stranger = UserFactory(username="far_reporter", role=Role.REPORTER, unit=far_unit)
    colleague = UserFactory(username="office2", role=Role.OFFICE, unit=world.office_unit)
    office = login(world.office)
    # then 账号管理 lists the city's units' users only
    listed = set(re.findall(r"<td>([a-z_0-9]+)</td>", office.get("/accounts/").content.decode()))
    assert {"dc_reporter", "dc_head", "zj_reporter", "xc_reporter", "leader"} <= listed
    assert not listed & {"far_reporter", "office2", "admin", "office"}
    # and a reset of anyone else is a 404, with nothing changed
    for user in (stranger, colleague, world.admin, world.office):
        assert office.post(f"/accounts/{user.pk}/reset-password/").status_code == 404
    assert not User.objects.filter(must_change_password=True).exists()
    assert not AccountEvent.objects.exists()
    # and the service itself refuses, whoever calls it
    with pytest.raises(PermissionDenied, match="无权"):
        services.reset_password(user=stranger, by=world.office)


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "leader"])
def test_units_and_leaders_cannot_reset_passwords(world, login, persona):
    client = login(getattr(world, persona))
    assert client.get("/accounts/").status_code == 403
    assert client.post(f"/accounts/{world.coop_reporter.pk}/reset-password/").status_code == 403
    assert "账号管理" not in client.get("/me/").content.decode()
    world.coop_reporter.refresh_from_db()
    assert world.coop_reporter.check_password(PASSWORD)


def test_with_mail_configured_the_user_also_gets_a_link_to_set_a_password(
    world, login, django_capture_on_commit_callbacks
):
    # given mail that reaches people (the tests' outbox stands for SMTP) and an address on file
    world.reporter.email = "zhang@example.cn"
    world.reporter.save()
    office = login(world.office)
    # when the office resets the reporter's password (the mail leaves after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        with_mail = _reset_through_the_pages(office, "dc_reporter")
    assert "zhang@example.cn" in with_mail.content.decode()
    # then one Chinese mail goes out with a one-time link
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhang@example.cn"]
    assert "设置新密码" in message.subject
    link = re.search(r"https?://[^/]+(/password-reset/\S+/)", message.body).group(1)
    # when the reporter opens the link and sets a password
    client = Client()
    form_page = client.get(link, follow=True)
    assert "设置新密码" in form_page.content.decode()
    response = client.post(
        form_page.request["PATH_INFO"], {"new_password1": NEW, "new_password2": NEW}, follow=True
    )
    # then the password is theirs, the forced change is cleared, and the login page says so
    assert "密码已设置" in response.content.decode()
    reporter = User.objects.get(pk=world.reporter.pk)
    assert reporter.check_password(NEW)
    assert not reporter.must_change_password
    # and the link is spent
    assert "已失效" in client.get(link, follow=True).content.decode()


def test_the_admin_resets_passwords_with_an_action(world, login, settings):
    settings.TRACKER_NOW = NOW
    admin = login(world.admin)
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_passwords", "_selected_action": [world.office.pk, world.reporter.pk]},
    )
    assert response.status_code == 200
    shown = re.findall(r'data-testid="temporary-password">([^<]+)<', response.content.decode())
    # then each temporary password is shown, in username order, and each is in force
    assert len(shown) == 2
    for user, password in zip((world.reporter, world.office), shown, strict=True):
        user.refresh_from_db()
        assert user.check_password(password)
        assert user.must_change_password
    assert AccountEvent.objects.filter(actor=world.admin, verb="password_reset").count() == 2


def test_an_account_the_admin_creates_starts_with_a_forced_change(world, login):
    admin = login(world.admin)
    response = admin.post(
        "/admin/accounts/user/add/",
        {
            "username": "new_reporter",
            "usable_password": "true",
            "password1": "Zx9!long-enough-pass",
            "password2": "Zx9!long-enough-pass",
            "last_name": "赵",
            "first_name": "新",
            "unit": world.dc_gov.pk,
            "role": Role.REPORTER,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new_reporter")
    assert user.must_change_password
    assert AccountEvent.objects.filter(user=user, actor=world.admin).exists()


def test_a_password_the_admin_types_for_someone_is_temporary_but_its_own_is_not(world, login):
    admin = login(world.admin)
    for user in (world.reporter, world.admin):
        response = admin.post(
            f"/admin/accounts/user/{user.pk}/password/",
            {"usable_password": "true", "password1": NEW, "password2": NEW},
        )
        assert response.status_code == 302
    world.reporter.refresh_from_db()
    world.admin.refresh_from_db()
    assert world.reporter.must_change_password
    assert not world.admin.must_change_password
