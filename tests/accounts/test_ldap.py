"""LDAP login (accounts/ldap_auth.py) against a real slapd (tests/accounts/slapd.py), through
the real /login/ form."""

import logging

import pytest
from axes.models import AccessFailureLog
from django.test import Client

from accounts import sso
from accounts.choices import Role
from accounts.models import User
from tests.accounts.conftest import PASSWORD, log_in
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db

LDAP_PASSWORD = "directory-pass-2020"
BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.ldap_auth.ExistingUserLDAPBackend",
    "accounts.backends.UserWithUnitBackend",
]


@pytest.fixture(scope="module")
def slapd():
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError:
        skip_or_fail("python-ldap / django-auth-ldap not installed (pip install '.[ldap]')")
    from tests.accounts import slapd as server

    if not (server.find("slapd") and server.find("slapadd")):
        skip_or_fail("slapd not installed (apt-get install slapd ldap-utils)")
    directory = server.Slapd(
        [
            server.person(
                "dc_reporter", LDAP_PASSWORD, cn="张填报（目录）", mail="zhang@dc.gov.cn"
            ),
            server.person("dc_head", LDAP_PASSWORD, cn="李审核"),
            server.person("stranger", LDAP_PASSWORD, cn="未开通"),
            server.person("admin", LDAP_PASSWORD, cn="管理员"),
        ]
    ).start()
    yield directory
    directory.stop()


@pytest.fixture(scope="module")
def tls_slapd(slapd):
    from tests.accounts import slapd as server

    directory = server.Slapd(
        [server.person("dc_reporter", LDAP_PASSWORD, cn="张填报")], tls=True
    ).start()
    yield directory
    directory.stop()


@pytest.fixture
def directory(slapd, settings):
    import ldap
    from django_auth_ldap.config import LDAPSearch

    from tests.accounts.slapd import PEOPLE, SERVICE_DN, SERVICE_PASSWORD

    settings.LDAP_ENABLED = True
    settings.AUTH_LDAP_SERVER_URI = slapd.uri
    settings.AUTH_LDAP_BIND_DN = SERVICE_DN
    settings.AUTH_LDAP_BIND_PASSWORD = SERVICE_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(PEOPLE, ldap.SCOPE_SUBTREE, "(uid=%(user)s)")
    settings.AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_NETWORK_TIMEOUT: 5, ldap.OPT_TIMEOUT: 5}
    settings.AUTH_LDAP_NO_NEW_USERS = True
    settings.AUTH_LDAP_ALWAYS_UPDATE_USER = False
    settings.AUTH_LDAP_USER_ATTR_MAP = {}
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    return slapd


def logged_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_a_directory_user_logs_in_with_the_directory_password_as_the_existing_user(
    world, directory
):
    reporter = world.reporter
    before = (
        reporter.role,
        reporter.unit_id,
        reporter.first_name,
        reporter.last_name,
        reporter.email,
    )
    users = User.objects.count()
    client = Client()
    response = log_in(client, "dc_reporter", LDAP_PASSWORD)
    assert response.status_code == 302
    assert logged_in_as(client) == str(reporter.pk)
    assert client.session["_auth_user_backend"] == "accounts.ldap_auth.ExistingUserLDAPBackend"
    assert client.get("/workbench/").status_code == 200
    # nothing taken from the entry (its cn, mail, title 环督办, ou 市环督办)
    reporter.refresh_from_db()
    assert (
        reporter.role,
        reporter.unit_id,
        reporter.first_name,
        reporter.last_name,
        reporter.email,
    ) == before
    assert reporter.role == Role.REPORTER and not reporter.is_staff
    assert User.objects.count() == users
    # the login name matches the username whatever its case
    other = Client()
    assert log_in(other, "DC_Reporter", LDAP_PASSWORD).status_code == 302
    assert logged_in_as(other) == str(reporter.pk)


def test_a_wrong_password_is_refused_and_counted_by_axes(world, directory):
    client = Client()
    response = log_in(client, "dc_reporter", "not-the-password", ip="10.0.0.8")
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert logged_in_as(client) is None
    assert (
        AccessFailureLog.objects.filter(username="dc_reporter", ip_address="10.0.0.8").count() == 1
    )
    # and after the limit even the directory password is refused from that address
    for _ in range(4):
        log_in(Client(), "dc_reporter", "not-the-password", ip="10.0.0.8")
    locked = log_in(client, "dc_reporter", LDAP_PASSWORD, ip="10.0.0.8")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert logged_in_as(client) is None


def test_a_directory_account_without_a_user_is_refused_with_the_message(world, directory, caplog):
    users = User.objects.count()
    client = Client()
    with caplog.at_level(logging.WARNING, logger="accounts.sso"):
        response = log_in(client, "stranger", LDAP_PASSWORD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "统一身份认证账号“stranger”未在本系统开通，请联系环督办或系统管理员开通账号。" in page
    assert "用户名或密码不正确" not in page
    assert logged_in_as(client) is None
    assert User.objects.count() == users  # never created
    assert "stranger" in caplog.text and "no such user" in caplog.text
    assert AccessFailureLog.objects.filter(username="stranger").count() == 1
    # a wrong password for that entry says nothing about the account
    page = log_in(Client(), "stranger", "not-the-password").content.decode()
    assert "未在本系统开通" not in page and "用户名或密码不正确" in page


def test_an_inactive_user_is_refused(world, directory):
    User.objects.filter(pk=world.unit_head.pk).update(is_active=False)
    client = Client()
    response = log_in(client, "dc_head", LDAP_PASSWORD)
    assert response.status_code == 200
    assert sso.INACTIVE in response.content.decode()
    assert logged_in_as(client) is None


def test_the_local_password_still_works_unless_ldap_only(world, directory, settings):
    assert log_in(Client(), "dc_reporter", PASSWORD).status_code == 302
    settings.LDAP_ONLY = True
    refused = log_in(Client(), "dc_reporter", PASSWORD)
    assert refused.status_code == 200 and "用户名或密码不正确" in refused.content.decode()
    assert log_in(Client(), "dc_reporter", LDAP_PASSWORD).status_code == 302
    # the administrator's local password is the way in when the directory is down
    assert log_in(Client(), "admin", PASSWORD, path="/admin/login/").status_code == 302


def test_an_unreachable_directory_leaves_local_passwords_working(world, directory, settings):
    from tests.accounts.slapd import _free_port

    settings.AUTH_LDAP_SERVER_URI = f"ldap://127.0.0.1:{_free_port()}"
    assert log_in(Client(), "dc_reporter", LDAP_PASSWORD).status_code == 200
    assert log_in(Client(), "dc_reporter", PASSWORD).status_code == 302


def test_a_forced_password_change_still_applies(world, directory):
    User.objects.filter(pk=world.reporter.pk).update(must_change_password=True)
    client = Client()
    assert log_in(client, "dc_reporter", LDAP_PASSWORD).status_code == 302
    assert client.get("/workbench/")["Location"] == "/me/password/"


def test_start_tls_encrypts_the_connection_and_checks_the_certificate(
    world, directory, tls_slapd, settings, tmp_path
):
    import ldap

    from tests.accounts.slapd import certificate_authority

    def tls_options(ca_file):
        return {
            ldap.OPT_NETWORK_TIMEOUT: 5,
            ldap.OPT_X_TLS_CACERTFILE: str(ca_file),
            ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
            ldap.OPT_X_TLS_NEWCTX: 0,
        }

    # given a directory that answers nothing but StartTLS on a plain connection
    settings.AUTH_LDAP_SERVER_URI = tls_slapd.uri
    settings.AUTH_LDAP_START_TLS = False
    assert log_in(Client(), "dc_reporter", LDAP_PASSWORD).status_code == 200
    # with StartTLS and the directory's CA the directory password logs in
    settings.AUTH_LDAP_START_TLS = True
    settings.AUTH_LDAP_CONNECTION_OPTIONS = tls_options(tls_slapd.ca_file)
    client = Client()
    assert log_in(client, "dc_reporter", LDAP_PASSWORD).status_code == 302
    assert client.session["_auth_user_backend"] == "accounts.ldap_auth.ExistingUserLDAPBackend"
    # and a certificate from another CA is not trusted
    other_ca, _, _ = certificate_authority(tmp_path, "other")
    settings.AUTH_LDAP_CONNECTION_OPTIONS = tls_options(other_ca)
    assert log_in(Client(), "dc_reporter", LDAP_PASSWORD).status_code == 200
