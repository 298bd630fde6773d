import time

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.management.commands.totp_code import current_code
from accounts.models import User

PASSWORD = "pass-1234"  # tests.factories.UserFactory's


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def login():
    """A client logged in as `user` (force_login: the session starts at the clock's now)."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def log_in(client: Client, username: str, password: str, *, path: str = "/login/", ip="10.0.0.1"):
    """Submit the login form as a browser would, from address `ip`."""
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=ip)


def next_code(user: User | str) -> str:
    """The code an authenticator app would show that the user's device has not accepted yet:
    the current one, or the one after the last code used (a code is accepted once; the server
    allows one 30-second step either side)."""
    device = TOTPDevice.objects.get(
        confirmed=True, **({"user__username": user} if isinstance(user, str) else {"user": user})
    )
    wanted = device.last_t + 1  # the first step whose code is still unused (drift included)
    # The server accepts the steps within `tolerance` of its own, its clock shifted by the
    # device's drift (django-otp moves the drift to the step of the last code it accepted, so
    # a login within seconds of another uses the next step's code). Should `wanted` lie beyond
    # that window, wait until it is accepted, as a person waits for the app's next code.
    latest = wanted - device.drift - device.tolerance  # the server's step that accepts `wanted`
    wait = device.t0 + latest * device.step - time.time()
    if wait > 0:
        time.sleep(wait + 0.5)
    # current_code counts the drift in as the app's TOTP does: the time of step `wanted`
    at = max(time.time(), device.t0 + (wanted - device.drift) * device.step)
    return current_code(device, at)
