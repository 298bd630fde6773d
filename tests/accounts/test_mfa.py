"""Two-factor login (两步验证): enrolment, the code after the password, replay, recovery codes,
lockout, the required roles, the admin site, the API, and the office's reset.

Codes are computed from the device's secret for the real clock, as an authenticator app
does (accounts.management.commands.totp_code.current_code). Marked `mfa`: the production
setting (MFA_REQUIRED_ROLES=OFFICE,ADMIN), and force_login does not pass the second factor.
"""

import re
import subprocess
import sys
import time
from base64 import b32decode
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts import mfa, tokens
from accounts.choices import TokenScope
from accounts.errors import InvalidState
from accounts.management.commands.totp_code import current_code
from accounts.middleware import MFA_ENROL, MFA_VERIFY
from accounts.models import AccountEvent, User
from tests.accounts.conftest import PASSWORD, log_in, next_code

pytestmark = [pytest.mark.django_db, pytest.mark.mfa]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DP"


def _verbs(user: User) -> list[str]:
    return list(
        AccountEvent.objects.filter(user=user)
        .order_by("created_at", "id")
        .values_list("verb", flat=True)
    )


def _password_step(username: str, ip: str = "10.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=ip)
    response = log_in(client, username, PASSWORD, ip=ip)
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _verify(client: Client, code: str, ip: str = "10.0.0.1", next_url: str = ""):
    return client.post("/login/verify/", {"code": code, "next": next_url}, REMOTE_ADDR=ip)


def _enrol_through_the_page(client: Client) -> list[str]:
    """个人信息 → 两步验证: read the secret off the page, type the app's code; the codes shown."""
    page = client.get("/me/mfa/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code, inline (no script, no external image)
    secret = re.search(r'data-testid="mfa-secret">([^<]+)<', html).group(1).replace(" ", "")
    device = TOTPDevice(key=b32decode(secret + "=" * (-len(secret) % 8)).hex())
    done = client.post("/me/mfa/", {"code": current_code(device)})
    assert done.status_code == 200, done.content.decode()[:800]
    codes = re.findall(
        r"<li>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</li>", done.content.decode()
    )
    return codes


def test_the_default_requires_the_office_and_the_administrator(settings):
    assert settings.MFA_REQUIRED_ROLES == ["OFFICE", "ADMIN"]


def test_an_unknown_role_in_the_setting_stops_start_up():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "MFA_REQUIRED_ROLES": "OFFICE,BOSS"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "MFA_REQUIRED_ROLES" in result.stderr and "BOSS" in result.stderr


def test_the_office_enrols_before_any_page_then_logs_in_with_a_code(world):
    # given the office has no authenticator yet and logs in with its password
    client = _password_step("office")
    # then every page leads to the enrolment, the API refuses, and no link or count is shown
    for path in ("/", "/workbench/", "/tasks/", "/me/", "/me/tokens/", "/accounts/"):
        response = client.get(path, follow=True)
        assert response.redirect_chain[-1][0] == "/me/mfa/", path
    page = client.get("/me/mfa/").content.decode()
    assert 'data-testid="mfa-required"' in page
    assert "/tasks/" not in page and 'id="mainNav"' not in page
    api = client.get("/api/v1/tasks/")
    assert api.status_code == 403
    assert api.json() == {"detail": MFA_ENROL}
    # when it types a wrong code: nothing is saved, a Chinese message
    wrong = client.post("/me/mfa/", {"code": "000000"})
    assert wrong.status_code == 400
    assert "验证码不正确" in wrong.content.decode()
    assert not TOTPDevice.objects.exists()
    # when it scans the secret and types the app's code
    codes = _enrol_through_the_page(client)
    # then the device is saved and confirmed, ten recovery codes are shown once, and the
    # session has passed the second factor
    office = User.objects.get(username="office")
    assert office.mfa_enabled
    device = TOTPDevice.objects.get(user=office)
    assert device.confirmed
    assert len(set(codes)) == 10
    assert mfa.recovery_codes_left(office) == 10
    assert client.get("/workbench/").status_code == 200
    assert client.get("/api/v1/tasks/").status_code == 200
    assert _verbs(office) == ["mfa_enrolled"]
    # when it logs out and in again: the code page after the password, whatever it asked for
    client.post("/logout/")
    client = _password_step("office")
    response = client.get("/tasks/?overdue=true")
    assert response.status_code == 302
    assert response["Location"] == "/login/verify/?next=%2Ftasks%2F%3Foverdue%3Dtrue"
    page = client.get(response["Location"])
    assert "请输入手机身份验证器上显示的 6 位验证码" in page.content.decode()
    assert client.get("/api/v1/tasks/").json() == {"detail": MFA_VERIFY}
    # the code the app shows now (the enrolment's own code is spent: one step later)
    done = _verify(client, next_code(office), next_url="/tasks/?overdue=true")
    assert done.status_code == 302 and done["Location"] == "/tasks/?overdue=true"
    assert client.get("/tasks/").status_code == 200
    assert _verbs(office) == ["mfa_enrolled", "mfa_verified"]


def test_a_code_is_accepted_once(world):
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    code = next_code(world.office)
    # given one login has used the current code
    first = _password_step("office")
    half_open = first.session.session_key
    assert _verify(first, code).status_code == 302
    # (the verified session has a new key, as after the password)
    assert first.session.session_key != half_open
    # when someone who saw it replays it in another login
    second = _password_step("office", ip="10.0.0.2")
    replay = _verify(second, code, ip="10.0.0.2")
    # then it is refused, with the reason
    assert replay.status_code == 400
    assert "验证码不正确或已使用过" in replay.content.decode()
    assert second.get("/workbench/").status_code == 302


def test_wrong_codes_count_as_failed_logins_and_lock_the_account(world, settings):
    settings.AXES_FAILURE_LIMIT = 3
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    client = _password_step("office")
    right = next_code(world.office)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    # two wrong codes: the page says so (the second within django-otp's back-off)
    first = _verify(client, wrong)
    assert first.status_code == 400
    assert "验证码不正确" in first.content.decode()
    second = _verify(client, wrong)
    assert second.status_code == 400
    assert "验证码错误次数过多" in second.content.decode()
    # the third wrong code locks the account out, like wrong passwords, and ends the session
    third = _verify(client, wrong)
    assert third.status_code == 429
    assert "登录失败次数过多" in third.content.decode()
    assert client.get("/workbench/")["Location"].startswith("/login/")
    # and the right password is refused during the cool-off, as is the right code
    assert log_in(Client(), "office", PASSWORD).status_code == 429
    assert _verbs(world.office).count("mfa_failed") == 3
    # the attempts are logged without the codes typed
    logged = "".join(AccessAttempt.objects.values_list("post_data", flat=True))
    assert "code=" in logged and wrong not in logged


def test_a_recovery_code_opens_the_session_once(world):
    client = _password_step("dc_reporter")
    codes = _enrol_through_the_page(client)
    reporter = User.objects.get(username="dc_reporter")
    # the codes are stored as digests, never as typed
    stored = set(StaticToken.objects.filter(device__user=reporter).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & {c.replace("-", "") for c in codes} and not stored & set(codes)
    client.post("/logout/")
    # when the phone is lost: a recovery code, typed in capitals with spaces, opens the session
    client = _password_step("dc_reporter")
    typed = codes[3].upper().replace("-", " ")
    response = _verify(client, typed)
    assert response.status_code == 302
    assert mfa.recovery_codes_left(reporter) == 9
    assert "还剩 9 个" in client.get(response["Location"], follow=True).content.decode()
    client.post("/logout/")
    # but the same code a second time does not
    client = _password_step("dc_reporter", ip="10.0.0.5")
    again = _verify(client, codes[3], ip="10.0.0.5")
    assert again.status_code == 400
    assert "已使用过" in again.content.decode()
    assert "mfa_recovery_used" in _verbs(reporter)
    # another one does (past django-otp's one-second back-off); new codes replace the old ones
    time.sleep(1.1)
    assert _verify(client, codes[4], ip="10.0.0.5").status_code == 302
    fresh = client.post("/me/mfa/recovery/")
    assert fresh.status_code == 200
    assert mfa.recovery_codes_left(reporter) == 10
    assert codes[5] not in fresh.content.decode()
    assert _verbs(reporter)[-1] == "mfa_recovery_codes"


def test_a_required_role_cannot_skip_the_second_factor(world):
    # given an office with an authenticator, past its password only
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    world.office.must_change_password = True
    world.office.save(update_fields=["must_change_password"])
    client = _password_step("office")
    # then not the enrolment page (a new secret would bypass the old one), not the password
    # change, not a token, not turning it off: the code page only
    for path in ("/me/mfa/", "/me/password/", "/me/", "/accounts/"):
        assert client.get(path)["Location"].startswith("/login/verify/"), path
    for path in ("/me/mfa/", "/me/mfa/disable/", "/me/mfa/recovery/", "/me/tokens/"):
        assert client.post(path, {"code": "123456", "name": "x"})["Location"].startswith(
            "/login/verify/"
        ), path
    assert TOTPDevice.objects.filter(user=world.office).count() == 1
    assert not world.office.api_tokens.exists()
    # after the code: the forced password change comes next
    assert _verify(client, next_code(world.office))["Location"] == "/"
    assert client.get("/workbench/")["Location"] == "/me/password/"
    # and a required role may not turn it off
    with pytest.raises(InvalidState, match="不能关闭"):
        mfa.disable(user=world.office)
    assert TOTPDevice.objects.filter(user=world.office).exists()


def test_the_admin_requires_the_second_factor(world, settings):
    mfa.enrol_with_key(user=world.admin, key_b32=SECRET, note="")
    # a password through /admin/login/ opens nothing
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "admin", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/")["Location"] == "/login/verify/?next=%2Fadmin%2F"
    assert client.get("/admin/login/")["Location"].startswith("/login/verify/")
    assert client.get("/admin/accounts/user/")["Location"].startswith("/login/verify/")
    # the admin site itself refuses the half-open session, middleware or not
    settings.MIDDLEWARE = [
        m for m in settings.MIDDLEWARE if m != "accounts.middleware.MfaMiddleware"
    ]
    session_cookies = client.cookies
    client = Client()  # (a client loads the middleware once)
    client.cookies = session_cookies
    assert client.get("/admin/")["Location"] == "/admin/login/?next=/admin/"
    assert client.get("/admin/accounts/user/").status_code == 302
    # with the code, the admin opens
    assert _verify(client, next_code(world.admin), next_url="/admin/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # django-otp's device pages (they show the secrets) are not in it
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404


def test_an_optional_user_logs_in_without_a_code_until_enrolled_and_may_turn_it_off(world):
    # a reporter (not a required role) is not asked for anything
    client = _password_step("dc_reporter")
    assert client.get("/workbench/").status_code == 200
    assert "未启用" in client.get("/me/").content.decode()
    _enrol_through_the_page(client)
    client.post("/logout/")
    # once enrolled, the code is asked for at every login
    client = _password_step("dc_reporter")
    assert client.get("/workbench/")["Location"].startswith("/login/verify/")
    reporter = User.objects.get(username="dc_reporter")
    assert _verify(client, next_code(reporter)).status_code == 302
    # and it may turn it off
    response = client.post("/me/mfa/disable/")
    assert response["Location"] == "/me/"
    reporter.refresh_from_db()
    assert not reporter.mfa_enabled
    assert not TOTPDevice.objects.filter(user=reporter).exists()
    assert not StaticToken.objects.filter(device__user=reporter).exists()
    assert _verbs(reporter) == ["mfa_enrolled", "mfa_verified", "mfa_disabled"]


def test_an_api_token_is_its_own_factor(world):
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    issued = tokens.api_token_create(
        user=world.office, actor=world.office, name="对接", scope=TokenScope.READ
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert api.get("/api/v1/tasks/").status_code == 200


def test_the_office_resets_a_lost_phone_from_the_account_list(world):
    # given a reporter who enrolled
    reporter_client = _password_step("dc_reporter")
    _enrol_through_the_page(reporter_client)
    # and the office, past both factors
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    office = _password_step("office", ip="10.0.0.9")
    _verify(office, next_code(world.office), ip="10.0.0.9")
    # when it resets the reporter's second factor from 账号管理
    page = office.get("/accounts/", {"q": "dc_reporter"}).content.decode()
    action = re.search(r'action="([^"]+/reset-mfa/)"', page).group(1)
    response = office.post(action, follow=True)
    assert "已重置 dc_reporter 的两步验证" in response.content.decode()
    # then the devices are gone, an event names the office
    reporter = User.objects.get(username="dc_reporter")
    assert not reporter.mfa_enabled
    assert not TOTPDevice.objects.filter(user=reporter).exists()
    event = AccountEvent.objects.filter(user=reporter).latest("id")
    assert (event.verb, event.actor) == ("mfa_reset", world.office)
    # a second reset says there is nothing to reset, and changes nothing
    again = office.post(action, follow=True).content.decode()
    assert "尚未启用两步验证" in again
    assert AccountEvent.objects.filter(user=reporter, verb="mfa_reset").count() == 1
    # the office may not reset another office account's (nor its own), the admin may
    assert office.post(f"/accounts/{world.office.pk}/reset-mfa/").status_code == 404
    assert TOTPDevice.objects.filter(user=world.office).exists()


def test_the_administrator_resets_an_office_account_and_it_enrols_again(world):
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    mfa.enrol_with_key(user=world.admin, key_b32=SECRET, note="")
    office = _password_step("office", ip="10.0.0.3")
    assert _verify(office, next_code(world.office), ip="10.0.0.3").status_code == 302
    admin = _password_step("admin", ip="10.0.0.4")
    assert _verify(admin, next_code(world.admin), ip="10.0.0.4").status_code == 302
    # when the administrator runs the admin action on the office account
    response = admin.post(
        "/admin/accounts/user/",
        {"action": "reset_mfa", "_selected_action": [world.office.pk], "index": 0},
        follow=True,
    )
    assert "已重置 1 个账号的两步验证" in response.content.decode()
    # then the office's open session must enrol again before anything else
    assert office.get("/workbench/")["Location"] == "/me/mfa/"
    assert AccountEvent.objects.filter(
        user=world.office, verb="mfa_reset", actor=world.admin
    ).exists()


def test_totp_code_prints_a_code_only_in_debug(world, settings):
    mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    settings.DEBUG = False
    with pytest.raises(CommandError, match="仅在 DEBUG 模式下可用"):
        call_command("totp_code", "office")
    settings.DEBUG = True
    out = StringIO()
    call_command("totp_code", "office", stdout=out, stderr=StringIO())
    code = out.getvalue().strip()
    assert re.fullmatch(r"\d{6}", code)
    assert mfa.verify(user=world.office, code=code).device is not None
    with pytest.raises(CommandError, match="未启用两步验证"):
        call_command("totp_code", "dc_reporter")


def test_logins_seconds_apart_each_get_a_code_the_server_accepts(world, time_machine, monkeypatch):
    """The tests' authenticator (next_code) after a login that used the next step's code: the
    server then counts the device's clock one step ahead (django-otp's drift), and the code
    asked for must be the next unused step, not that step shifted by the drift again (a
    flaky browser test: the third login within one 30-second step was refused)."""
    from tests.accounts import conftest

    device = mfa.enrol_with_key(user=world.office, key_b32=SECRET, note="")
    time_machine.move_to(datetime(2026, 12, 6, 9, 0, 3, tzinfo=UTC), tick=False)
    # (should every accepted step be used, it waits for the next one: no real sleep here)
    monkeypatch.setattr(conftest.time, "sleep", lambda s: time_machine.shift(s))
    # when the office logs in again and again, a second apart
    for _ in range(device.tolerance + 3):
        client = _password_step(world.office.username)
        response = _verify(client, next_code(world.office))
        # then each login's code is accepted
        assert response.status_code == 302, response.content.decode()[:300]
        time_machine.shift(1)
