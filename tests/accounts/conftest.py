import pytest
from django.test import Client

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
