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


@pytest.fixture
def html_index(monkeypatch):
    """Archive bundles with the HTML index instead of the PDF: WeasyPrint spends a second or
    two per PDF subsetting the CJK font, which only the tests of the PDF itself need."""
    from exchange import archive

    monkeypatch.setattr(archive, "weasyprint_available", lambda: False)
