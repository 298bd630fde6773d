import pytest
from django.test import Client


@pytest.fixture
def login():
    """A logged-in test client for a persona (force_login: no password hashing)."""

    def make(user) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # The world creates seven users; PBKDF2 at full strength dominates these tests' runtime.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
