"""两步验证 in the browser: the office enrols (QR code and secret, a code from the app, the
recovery codes), then logs in again with its password and a code. Production setting
(MFA_REQUIRED_ROLES=OFFICE,ADMIN); no Content-Security-Policy violation on these pages."""

import re
import time
from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts import services
from accounts.management.commands.totp_code import current_code
from accounts.models import User
from tests.accounts.conftest import next_code
from tests.browser.conftest import log_in
from tests.browser.test_csp import LISTEN

pytestmark = [pytest.mark.browser, pytest.mark.mfa, pytest.mark.django_db(transaction=True)]


def test_the_office_enrols_then_logs_in_with_its_code(page: Page, live_server, demo_city, shoot):
    # given the office lost its phone and the administrator reset its second factor
    office = User.objects.get(username="office")
    services.reset_mfa(user=office, by=User.objects.get(username="admin"))
    page.add_init_script(LISTEN)
    # when it logs in with its password: the enrolment page, and nothing else
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(demo_city.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/me/mfa/$"))
    expect(page.get_by_test_id("mfa-required")).to_be_visible()
    expect(page.locator("#mainNav")).to_have_count(0)
    expect(page.get_by_test_id("mfa-qr").locator("svg")).to_be_visible()
    page.goto(f"{live_server.url}/tasks/")
    expect(page).to_have_url(re.compile(r"/me/mfa/$"))
    shoot(page, "mfa/enrol")
    assert page.evaluate("window.__csp || []") == []  # the inline SVG QR code included
    # when it types the code its app computes from the secret shown
    secret = page.get_by_test_id("mfa-secret").inner_text().replace(" ", "")
    key = b32decode(secret + "=" * (-len(secret) % 8)).hex()
    page.get_by_label("验证码").fill(current_code(TOTPDevice(key=key)))
    page.get_by_role("button", name="确认绑定").click()
    # then ten recovery codes, shown once, and the way on
    codes = page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    shoot(page, "mfa/recovery-codes")
    page.get_by_role("link", name="我已保存，继续").click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    # when it logs out and in again: the code page after the password
    page.locator("form[action$='/logout/'] button").first.click()
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(demo_city.password)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    # a wrong code is refused with the reason
    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="验证").click()
    expect(page.get_by_test_id("mfa-error")).to_contain_text("验证码不正确")
    shoot(page, "mfa/verify-wrong")
    # the app's current code opens the workbench (past django-otp's one-second back-off)
    time.sleep(1.1)
    page.get_by_label("验证码").fill(next_code("office"))
    page.get_by_role("button", name="验证").click()
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    assert page.evaluate("window.__csp || []") == []


def test_the_shared_login_helper_passes_the_demo_administrators_code(
    page: Page, live_server, demo_city
):
    log_in(page, live_server, "admin", demo_city.password)
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.get_by_role("link", name=re.compile("用户"))).not_to_have_count(0)
