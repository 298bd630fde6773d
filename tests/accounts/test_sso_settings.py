"""Single sign-on is off by default and turned on by its variables (config/settings.py)."""

import json

import pytest

from tests.test_infra import _load_settings

LOCAL = ["axes.backends.AxesStandaloneBackend", "accounts.backends.UserWithUnitBackend"]
OIDC = {
    "OIDC_RP_CLIENT_ID": "ducha",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_DISCOVERY": "https://sso.example.gov.cn/.well-known/openid-configuration",
}


SCRIPT = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.AUTHENTICATION_BACKENDS, settings.OIDC_ENABLED, "
    "settings.LDAP_ENABLED, settings.LDAP_ONLY]))"
)


def _settings(**env: str):
    return _load_settings(SCRIPT, **env)


def _loaded(**env: str) -> list:
    result = _settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_off_by_default():
    assert _loaded() == [LOCAL, False, False, False]


def test_openid_connect_is_on_when_its_client_is_set():
    backends, oidc_on, ldap_on, _ = _loaded(**OIDC)
    assert (oidc_on, ldap_on) == (True, False)
    assert backends == [LOCAL[0], "accounts.oidc.ExistingUserOIDCBackend", LOCAL[1]]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"OIDC_RP_CLIENT_ID": "ducha"}, "OIDC_RP_CLIENT_SECRET"),
        ({**OIDC, "OIDC_OP_DISCOVERY": ""}, "OIDC_OP_DISCOVERY"),
        ({**OIDC, "OIDC_USER_FIELD": "role"}, "OIDC_USER_FIELD"),
    ],
)
def test_an_incomplete_openid_connect_configuration_stops_start_up(env, named):
    result = _settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr


def test_ldap_is_on_when_its_server_is_set():
    pytest.importorskip("django_auth_ldap")
    backends, oidc_on, ldap_on, ldap_only = _loaded(LDAP_SERVER_URI="ldap://127.0.0.1:389")
    assert (oidc_on, ldap_on, ldap_only) == (False, True, False)
    assert backends == [LOCAL[0], "accounts.ldap_auth.ExistingUserLDAPBackend", LOCAL[1]]
    assert _loaded(LDAP_SERVER_URI="ldap://127.0.0.1:389", LDAP_ONLY="1")[3] is True
    # LDAP_ONLY alone (no directory) turns nothing off
    assert _loaded(LDAP_ONLY="1")[3] is False
