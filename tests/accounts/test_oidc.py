"""OpenID Connect login (accounts/oidc.py) against a real provider served over HTTP
(tests/accounts/oidc_provider.py): the browser's redirects are followed by hand, and the
backend's token, JWKS and userinfo requests go to the live provider."""

import logging
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from axes.models import AccessFailureLog, AccessLog
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from accounts import oidc, sso
from accounts.choices import Role
from accounts.models import User
from tests.accounts.conftest import PASSWORD, log_in
from tests.accounts.oidc_provider import OpenIDProvider

pytestmark = pytest.mark.django_db

CLIENT_ID = "ducha-tracker"
CLIENT_SECRET = "s3cret-for-tests"
BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.oidc.ExistingUserOIDCBackend",
    "accounts.backends.UserWithUnitBackend",
]


@pytest.fixture
def provider(settings):
    op = OpenIDProvider(CLIENT_ID, CLIENT_SECRET).start()
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_DISCOVERY = op.discovery_url
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    yield op
    op.stop()
    oidc._discovery.clear()


def start_login(client: Client, next_url: str = "") -> str:
    """Press 统一身份认证登录 and approve at the provider: the callback URL it sends back."""
    started = client.get("/oidc/authenticate/" + (f"?next={next_url}" if next_url else ""))
    assert started.status_code == 302
    at_provider = requests.get(started["Location"], allow_redirects=False, timeout=10)
    assert at_provider.status_code == 302, at_provider.text
    return at_provider.headers["Location"]


def callback(client: Client, url: str):
    parts = urlsplit(url)
    assert parts.path == "/oidc/callback/"
    return client.get(f"{parts.path}?{parts.query}")


def sso_login(client: Client, next_url: str = ""):
    return callback(client, start_login(client, next_url))


def refusal_on_login_page(client: Client, response) -> str:
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    texts = [m.message for m in get_messages(response.wsgi_request)]
    assert len(texts) == 1
    page = client.get("/login/")
    assert texts[0] in page.content.decode()  # the login page says it
    return texts[0]


def logged_in_as(client: Client):
    return client.session.get("_auth_user_id")


def test_a_known_identity_logs_in_as_the_existing_user_and_nothing_changes(world, provider):
    reporter = world.reporter
    before = (reporter.role, reporter.unit_id, reporter.first_name, reporter.last_name)
    users = User.objects.count()
    # given the provider vouching for dc_reporter, with claims that try to say more
    provider.subject = {
        "sub": "0001",
        "preferred_username": "dc_reporter",
        "name": "冒名",
        "given_name": "冒",
        "family_name": "名",
        "role": Role.OFFICE,
        "unit": "市环督办",
        "groups": ["admin"],
    }
    client = Client()
    # when they log in through the provider
    response = sso_login(client, next_url="/tasks/")
    # then they are logged in as the existing user, sent where they were going
    assert response.status_code == 302
    assert response["Location"] == "/tasks/"
    assert logged_in_as(client) == str(reporter.pk)
    assert client.session["_auth_user_backend"] == "accounts.oidc.ExistingUserOIDCBackend"
    assert client.get("/workbench/").status_code == 200
    # and no user was created, and role, unit and name are as they were
    reporter.refresh_from_db()
    assert User.objects.count() == users
    assert (reporter.role, reporter.unit_id, reporter.first_name, reporter.last_name) == before
    assert not reporter.is_staff and not reporter.is_superuser
    # and the login is in axes' access log like a password login
    assert AccessLog.objects.filter(username="dc_reporter").count() == 1


def test_the_login_page_offers_the_button_only_when_configured(world, settings):
    assert "统一身份认证登录" not in Client().get("/login/").content.decode()
    assert Client().get("/oidc/authenticate/").status_code == 404
    assert Client().get("/oidc/callback/?code=x&state=y").status_code == 404
    settings.OIDC_ENABLED = True
    page = Client().get("/login/?next=/tasks/").content.decode()
    assert "统一身份认证登录" in page
    assert 'href="/oidc/authenticate/?next=/tasks/"' in page


def test_an_unknown_identity_is_refused_with_a_message_and_logged(world, provider, caplog):
    provider.subject = {"sub": "0002", "preferred_username": "nobody_here", "role": Role.ADMIN}
    users = User.objects.count()
    client = Client()
    with caplog.at_level(logging.WARNING, logger="accounts.sso"):
        response = sso_login(client)
    message = refusal_on_login_page(client, response)
    assert (
        message == "统一身份认证账号“nobody_here”未在本系统开通，请联系环督办或系统管理员开通账号。"
    )
    assert logged_in_as(client) is None
    assert User.objects.count() == users  # never created
    assert "nobody_here" in caplog.text and "no such user" in caplog.text
    # and axes counts it as a failed login from that address
    assert AccessFailureLog.objects.filter(ip_address="127.0.0.1").count() == 1


def test_an_inactive_user_is_refused(world, provider):
    User.objects.filter(pk=world.reporter.pk).update(is_active=False)
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    client = Client()
    response = sso_login(client)
    assert refusal_on_login_page(client, response) == sso.INACTIVE
    assert logged_in_as(client) is None


def test_the_identity_can_be_matched_by_email(world, provider, settings):
    settings.OIDC_USERNAME_CLAIM = "email"
    settings.OIDC_USER_FIELD = "email"
    User.objects.filter(pk=world.unit_head.pk).update(email="li.shenhe@dongcheng.gov.cn")
    provider.subject = {
        "sub": "0003",
        "preferred_username": "someone-else",
        "email": "Li.Shenhe@dongcheng.gov.cn",
        "email_verified": True,
    }
    client = Client()
    sso_login(client)
    assert logged_in_as(client) == str(world.unit_head.pk)
    # an address the provider has not verified is not trusted
    provider.subject = {**provider.subject, "email_verified": False}
    client = Client()
    response = sso_login(client)
    assert refusal_on_login_page(client, response) == sso.UNVERIFIED_EMAIL
    assert logged_in_as(client) is None


@pytest.mark.parametrize("fault", ["signature", "expired", "audience", "issuer", "nonce", "no-kid"])
def test_a_bad_id_token_is_refused(world, provider, fault, caplog):
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    provider.id_token_fault = fault
    client = Client()
    with caplog.at_level(logging.WARNING, logger="accounts.sso"):
        response = sso_login(client)
    assert refusal_on_login_page(client, response) == sso.FAILED
    assert logged_in_as(client) is None
    assert "token refused" in caplog.text
    assert provider.token_requests == 1  # the token was fetched, and then refused


def test_the_state_is_checked(world, provider):
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    # a callback in another browser (no login under way in its session) is refused
    url = start_login(Client())
    stranger = Client()
    assert refusal_on_login_page(stranger, callback(stranger, url)) == sso.STALE_REQUEST
    assert logged_in_as(stranger) is None
    # a state this session never issued is refused, with no token request
    client = Client()
    url = start_login(client)
    forged = url.replace("state=", "state=x")
    assert refusal_on_login_page(client, callback(client, forged)) == sso.STALE_REQUEST
    assert provider.token_requests == 0
    assert logged_in_as(client) is None
    # the genuine callback still works once, and replaying it is refused
    callback(client, url)
    assert logged_in_as(client) == str(world.reporter.pk)
    client.logout()
    assert refusal_on_login_page(client, callback(client, url)) in (
        sso.STALE_REQUEST,
        sso.FAILED,
    )
    assert logged_in_as(client) is None


def test_the_nonce_and_pkce_are_sent(world, provider):
    client = Client()
    started = client.get("/oidc/authenticate/")
    query = parse_qs(urlsplit(started["Location"]).query)
    assert query["nonce"][0] and query["state"][0]
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]


def test_the_provider_refusing_goes_back_to_the_login_page(world, provider):
    client = Client()
    started = client.get("/oidc/authenticate/")
    state = parse_qs(urlsplit(started["Location"]).query)["state"][0]
    response = client.get(f"/oidc/callback/?error=access_denied&state={state}")
    assert refusal_on_login_page(client, response) == sso.CANCELLED


def test_an_unreachable_provider_is_a_message_not_an_error(world, settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_DISCOVERY = "http://127.0.0.1:9/.well-known/openid-configuration"
    settings.OIDC_TIMEOUT = 2
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    client = Client()
    response = client.get("/oidc/authenticate/")
    assert refusal_on_login_page(client, response) == sso.UNAVAILABLE
    # and the password login is untouched by it
    assert log_in(Client(), "dc_reporter", PASSWORD).status_code == 302
    oidc._discovery.clear()


def test_a_forced_password_change_still_applies(world, provider):
    User.objects.filter(pk=world.reporter.pk).update(must_change_password=True)
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    client = Client()
    sso_login(client)
    assert logged_in_as(client) == str(world.reporter.pk)
    assert client.get("/workbench/")["Location"] == "/me/password/"


def test_an_address_locked_by_axes_cannot_log_in_through_the_provider(world, provider, settings):
    settings.AXES_IP_FAILURE_LIMIT = 3
    for n in range(3):
        log_in(Client(), f"guess{n}", "wrong-password", ip="127.0.0.1")
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    client = Client()
    response = sso_login(client)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert logged_in_as(client) is None


def test_the_idle_timeout_applies_to_a_provider_login(world, provider):
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    client = Client()
    sso_login(client)
    assert client.get("/workbench/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=31), tick=False):
        response = client.get("/workbench/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert logged_in_as(client) is None


def test_the_endpoints_can_be_named_without_discovery(world, provider, settings):
    settings.OIDC_OP_DISCOVERY = ""
    settings.OIDC_OP_ISSUER = provider.url
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{provider.url}/authorize"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{provider.url}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{provider.url}/userinfo"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{provider.url}/jwks"
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    client = Client()
    sso_login(client)
    assert logged_in_as(client) == str(world.reporter.pk)
    # and the named issuer is checked
    settings.OIDC_OP_ISSUER = "https://another-issuer.example"
    client = Client()
    assert refusal_on_login_page(client, sso_login(client)) == sso.FAILED
    assert logged_in_as(client) is None


@pytest.mark.mfa
def test_a_provider_login_still_owes_the_second_factor(world, provider):
    """Two-factor login is asked of the session, whatever logged it in: the provider's word
    replaces the password, not the code."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    # the office (its role must use two-factor login) logs in through the provider
    provider.subject = {"sub": "0002", "preferred_username": "office"}
    client = Client()
    sso_login(client)
    assert logged_in_as(client) == str(world.office.pk)
    # then, as after a password, every page leads to the enrolment
    assert client.get("/workbench/")["Location"].startswith("/me/mfa/")
    assert client.get("/api/v1/tasks/").status_code == 403
    # and a user who has an authenticator is asked for its code
    TOTPDevice.objects.create(user=world.reporter, name="手机", confirmed=True)
    User.objects.filter(pk=world.reporter.pk).update(mfa_enabled=True)
    provider.subject = {"sub": "0001", "preferred_username": "dc_reporter"}
    other = Client()
    sso_login(other)
    assert logged_in_as(other) == str(world.reporter.pk)
    assert other.get("/workbench/")["Location"].startswith("/login/verify/")
