"""修改密码: every user changes their own password from 个人信息, under the password policy."""

import re

import pytest

from accounts.models import AccountEvent
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

GOOD = "Qingxi-river-2020"


def _change(client, old, new1, new2=None):
    return client.post(
        "/me/password/",
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_profile_links_to_the_password_change_page(world, login):
    # given a reporter on 个人信息
    client = login(world.reporter)
    page = client.get("/me/").content.decode()
    # then the page shows 修改密码, and the link opens the change form
    href = re.search(r'href="([^"]+)"[^>]*data-testid="profile-password-change"', page).group(1)
    form = client.get(href)
    assert form.status_code == 200
    assert "修改密码" in form.content.decode()
    assert 'name="new_password1"' in form.content.decode()


@pytest.mark.parametrize("persona", ["reporter", "unit_head", "office", "leader", "admin"])
def test_every_role_changes_its_password(world, login, persona, settings):
    # given any user, at a pinned moment
    from datetime import datetime
    from zoneinfo import ZoneInfo

    settings.TRACKER_NOW = datetime(2020, 2, 15, 10, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    user = getattr(world, persona)
    client = login(user)
    # when they submit the current password and a good new one
    response = _change(client, PASSWORD, GOOD)
    # then they are sent back to 个人信息, still logged in, with the new password in force
    assert response.status_code == 302
    assert client.get("/me/").status_code == 200
    user.refresh_from_db()
    assert user.check_password(GOOD)
    assert not user.check_password(PASSWORD)
    # and the change is recorded with the clock's time
    event = AccountEvent.objects.get(user=user)
    assert event.verb == AccountEvent.Verb.PASSWORD_CHANGE
    assert event.actor == user
    assert event.created_at == settings.TRACKER_NOW


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("wrong-old-pass", GOOD, "旧密码"),
        (PASSWORD, "short-1", "至少"),  # 7 characters: under the minimum of 10
        (PASSWORD, "20200215123456", "只包含数字"),
        (PASSWORD, "password123", "太常见"),
        (PASSWORD, "dc_reporter1", "相似"),
    ],
)
def test_a_refused_password_changes_nothing_and_says_why_in_chinese(
    world, login, old, new, message
):
    # given a reporter
    client = login(world.reporter)
    # when the form is submitted with a wrong current password or a password the policy refuses
    response = _change(client, old, new)
    # then the form comes back with a Chinese reason, and the old password still works
    assert response.status_code == 200
    page = response.content.decode()
    assert "is-invalid" in page
    if message:
        assert message in page
    world.reporter.refresh_from_db()
    assert world.reporter.check_password(PASSWORD)
    assert not AccountEvent.objects.exists()


def test_the_two_new_passwords_must_match(world, login):
    client = login(world.reporter)
    response = _change(client, PASSWORD, GOOD, GOOD + "x")
    assert response.status_code == 200
    assert "两个密码不一致" in response.content.decode()
    world.reporter.refresh_from_db()
    assert world.reporter.check_password(PASSWORD)


def test_the_new_password_must_differ_from_the_current_one(world, login):
    # given a user whose current password passes the policy
    user = world.reporter
    user.set_password(GOOD)
    user.save()
    client = login(user)
    # when they "change" it to itself
    response = _change(client, GOOD, GOOD)
    # then it is refused
    assert response.status_code == 200
    assert "新密码不能与当前密码相同" in response.content.decode()


def test_the_demo_password_passes_the_policy(db):
    # The demo seeds its accounts with one password (README); the policy accepts it, so a
    # demo user may type it as the current password and keep using the site.
    from django.contrib.auth.password_validation import validate_password

    from accounts.models import User
    from devtools.demo import DEMO_PASSWORD

    for username in ("admin", "office", "dc_reporter"):
        validate_password(DEMO_PASSWORD, User(username=username))
