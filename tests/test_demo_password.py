"""The demo's one password under the production hasher (its own module: it loads the demo
into an empty database, which the modules sharing one load cannot give it)."""

import pytest

from accounts.models import User
from devtools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def test_demo_password_works_with_the_production_hasher(db, settings):
    # given Django's default (PBKDF2) hasher, not the tests' fast one, when the demo is loaded
    from django.conf import global_settings

    from devtools.demo import load_demo

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS
    load_demo()
    # then the one demo password opens an account, and it is not stored in clear
    admin = User.objects.get(username="admin")
    assert admin.password.startswith("pbkdf2_sha256$")
    assert admin.check_password(DEMO_PASSWORD)
