"""Login lockout (django-axes, accounts/lockout.py): per account and address, per address."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.test import Client
from django.utils import timezone

from tests.accounts.conftest import PASSWORD, log_in

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，请15分钟后再试"


def _fail(client, username, times, *, path="/login/", ip="10.0.0.1"):
    for _ in range(times):
        response = log_in(client, username, "wrong-password", path=path, ip=ip)
        assert response.status_code in (200, 429)
    return response


@pytest.mark.parametrize("path", ["/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_account_until_the_cool_off_ends(world, path):
    user = world.admin if path.startswith("/admin/") else world.reporter
    client = Client()
    # given four wrong passwords: the form still answers, in Chinese
    fourth = _fail(client, user.username, 4, path=path)
    assert fourth.status_code == 200
    # when the fifth is wrong too
    fifth = _fail(client, user.username, 1, path=path)
    # then the lockout page answers, and the right password is refused
    assert fifth.status_code == 429
    assert LOCKED in fifth.content.decode()
    right = log_in(client, user.username, PASSWORD, path=path)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert "_auth_user_id" not in client.session
    # when the cool-off has passed (counted from the last failure)
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        right = log_in(client, user.username, PASSWORD, path=path)
        # then the right password opens the account
        assert right.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_the_lockout_holds_for_the_account_from_that_address_only(world):
    # given the reporter's account locked from one address
    _fail(Client(), "dc_reporter", 5, ip="10.0.0.1")
    assert log_in(Client(), "dc_reporter", PASSWORD, ip="10.0.0.1").status_code == 429
    # then a colleague at that address logs in, and the reporter from another address too
    assert log_in(Client(), "dc_head", PASSWORD, ip="10.0.0.1").status_code == 302
    assert log_in(Client(), "dc_reporter", PASSWORD, ip="10.0.0.2").status_code == 302


def test_an_address_trying_many_accounts_is_locked_for_all_of_them(world, settings):
    # given one address failing under the per-account limit on each of many accounts
    assert settings.AXES_IP_FAILURE_LIMIT == 20
    for n in range(5):
        _fail(Client(), f"guess{n}", 4, ip="10.9.9.9")
    # then, at 20 failures from the address, even a right password from it is refused
    refused = log_in(Client(), "dc_reporter", PASSWORD, ip="10.9.9.9")
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    # and the account itself is not locked from elsewhere
    assert log_in(Client(), "dc_reporter", PASSWORD, ip="10.0.0.3").status_code == 302


def test_under_the_limits_a_right_password_is_accepted(world):
    _fail(Client(), "dc_reporter", 4)
    assert log_in(Client(), "dc_reporter", PASSWORD).status_code == 302


def test_successes_and_failures_are_logged(world):
    _fail(Client(), "dc_reporter", 2, ip="10.0.0.7")
    log_in(Client(), "dc_reporter", PASSWORD, ip="10.0.0.7")
    failures = AccessFailureLog.objects.filter(username="dc_reporter", ip_address="10.0.0.7")
    assert failures.count() == 2
    assert AccessAttempt.objects.get(username="dc_reporter").failures_since_start == 2
    success = AccessLog.objects.get(username="dc_reporter")
    assert success.ip_address == "10.0.0.7"
    assert success.attempt_time is not None


def test_the_lockout_settings_can_be_changed(world, settings):
    # given a stricter limit and a longer cool-off
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    # then the third failure locks, and the page names the cool-off
    response = _fail(Client(), "dc_reporter", 3)
    assert response.status_code == 429
    assert "请30分钟后再试" in response.content.decode()


# ---------------------------------------------------------------------------------------------
# The growing cool-off (accounts.lockout.cool_off): the real axes tables, the wall clock moved
# with time_machine (axes' cool-off is elapsed real time) and the product's clock following it.


@pytest.fixture
def moving_clock(settings):
    """The clock unpinned (accounts.clock then reads the wall clock time_machine moves)."""
    settings.TRACKER_TODAY = None
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def _lock(username, *, ip="10.0.0.1"):
    response = _fail(Client(), username, 5, ip=ip)
    assert response.status_code == 429
    return response.content.decode()


def _locked(username, *, ip="10.0.0.1") -> bool:
    return log_in(Client(), username, PASSWORD, ip=ip).status_code == 429


def test_each_further_lockout_doubles_the_cool_off(world, moving_clock):
    # given a first lockout: 15 minutes
    assert "请15分钟后再试" in _lock("dc_reporter")
    moving_clock.shift(timedelta(minutes=16))
    # when it is over and the account is locked again from that address: 30 minutes
    assert "请30分钟后再试" in _lock("dc_reporter")
    moving_clock.shift(timedelta(minutes=20))
    # (a try during the lockout, even with the right password, starts the cool-off again)
    assert _locked("dc_reporter")
    moving_clock.shift(timedelta(minutes=31))
    # and again: 60 minutes, held past the first lockouts' lengths
    assert "请60分钟后再试" in _lock("dc_reporter")
    moving_clock.shift(timedelta(minutes=45))
    assert _locked("dc_reporter")
    moving_clock.shift(timedelta(minutes=61))
    # then after the hour the right password opens the account
    assert not _locked("dc_reporter")
    # and a successful login starts the count again
    assert "请15分钟后再试" in _lock("dc_reporter")


def test_the_cool_off_stops_growing_at_the_cap(world, moving_clock, settings):
    settings.AXES_COOLOFF_MAX_MINUTES = 60
    for minutes in (15, 30, 60, 60):
        assert f"请{minutes}分钟后再试" in _lock("dc_reporter")
        moving_clock.shift(timedelta(minutes=minutes + 1))


def test_a_long_lockout_survives_other_clients_short_cool_offs(world, moving_clock):
    # given the reporter locked a second time (30 minutes) from one address
    _lock("dc_reporter")
    moving_clock.shift(timedelta(minutes=16))
    _lock("dc_reporter")
    # when, 20 minutes on, others log in and fail from elsewhere (axes purges expired attempts)
    moving_clock.shift(timedelta(minutes=20))
    assert log_in(Client(), "dc_head", PASSWORD, ip="10.0.0.9").status_code == 302
    _fail(Client(), "xc_reporter", 1, ip="10.0.0.8")
    # then the reporter's lockout still holds, with its own length
    assert _locked("dc_reporter")


def test_an_address_locked_again_waits_longer_for_every_account(world, moving_clock):
    for n in range(5):
        _fail(Client(), f"guess{n}", 4, ip="10.9.9.9")
    first = log_in(Client(), "dc_reporter", PASSWORD, ip="10.9.9.9")
    assert "请15分钟后再试" in first.content.decode()
    moving_clock.shift(timedelta(minutes=16))
    for n in range(5):
        _fail(Client(), f"other{n}", 4, ip="10.9.9.9")
    second = log_in(Client(), "dc_head", PASSWORD, ip="10.9.9.9")
    assert second.status_code == 429
    assert "请30分钟后再试" in second.content.decode()
    moving_clock.shift(timedelta(minutes=20))
    assert _locked("dc_head", ip="10.9.9.9")


def test_earlier_lockouts_stop_counting_after_the_reset_period(world, moving_clock, settings):
    settings.AXES_BACKOFF_RESET_DAYS = 1
    _lock("dc_reporter")
    moving_clock.shift(timedelta(minutes=16))
    assert "请30分钟后再试" in _lock("dc_reporter")
    # when more than a day has passed since those lockouts
    moving_clock.shift(timedelta(days=1, minutes=1))
    # then the next lockout is a first one again
    assert "请15分钟后再试" in _lock("dc_reporter")


def test_the_cool_off_of_one_account_leaves_another_at_the_first_length(world, moving_clock):
    _lock("dc_reporter")
    moving_clock.shift(timedelta(minutes=16))
    _lock("dc_reporter")
    assert "请15分钟后再试" in _lock("dc_head")
