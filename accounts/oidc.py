"""Login through an OpenID Connect provider (mozilla-django-oidc), for existing users only.

On when OIDC_RP_CLIENT_ID is set (config/settings.py). The login page offers
“统一身份认证登录” (/oidc/authenticate/): the browser goes to the provider with a fresh state,
nonce and PKCE challenge kept in the session, comes back to /oidc/callback/ with a code,
which the backend exchanges for an ID token. The token must be RS256-signed by a key of the
provider's JWKS, issued by the provider (iss) for this client (aud), unexpired, and carry the
login's nonce. The claim OIDC_USERNAME_CLAIM then names the user (OIDC_USER_FIELD: username
or email); an identity that names no active user is refused with a Chinese message on the
login page and a warning in the log (accounts.sso), and counts as a failed login for
django-axes. Nothing is created or changed from the claims.

The provider's endpoints come from its discovery document, fetched when first needed and
kept for an hour, so that the backend, built for every login, contacts nobody unless an
OpenID Connect login is under way.
"""

import time

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts import sso
from accounts.backends import session_user

DISCOVERY_TTL = 60 * 60
_discovery: dict[str, tuple[float, dict]] = {}


class ProviderUnavailable(Exception):
    """The provider's discovery document could not be read or lacks an endpoint."""


def discovery() -> dict:
    url = settings.OIDC_OP_DISCOVERY
    if not url:
        return {}
    cached = _discovery.get(url)
    if cached and time.monotonic() - cached[0] < DISCOVERY_TTL:
        return cached[1]
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery {url}: {exc}") from exc
    if not isinstance(document, dict):
        raise ProviderUnavailable(f"discovery {url}: not a JSON object")
    _discovery[url] = (time.monotonic(), document)
    return document


def endpoint(setting: str, key: str) -> str:
    """The endpoint named by `setting`, else the discovery document's `key`."""
    value = getattr(settings, setting, "") or discovery().get(key)
    if not value:
        raise ProviderUnavailable(f"no {key}: set {setting} or OIDC_OP_DISCOVERY")
    return value


def issuer() -> str:
    return settings.OIDC_OP_ISSUER or discovery().get("issuer", "")


class ExistingUserOIDCBackend(OIDCAuthenticationBackend):
    def __init__(self, *args, **kwargs):
        # Not the parent's __init__: no endpoint is resolved (and no provider contacted)
        # when Django builds the backend for a password login or a session.
        self.UserModel = get_user_model()
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # the parent's attribute name
        return endpoint("OIDC_OP_TOKEN_ENDPOINT", "token_endpoint")

    @property
    def OIDC_OP_USER_ENDPOINT(self):
        return endpoint("OIDC_OP_USER_ENDPOINT", "userinfo_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):
        return endpoint("OIDC_OP_JWKS_ENDPOINT", "jwks_uri")

    def authenticate(self, request, **kwargs):
        # Only the callback view's call (it passes the nonce); never a password login.
        if request is None or "nonce" not in kwargs or "username" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except ProviderUnavailable as exc:
            sso.refuse(request, sso.UNAVAILABLE, "provider unavailable", error=str(exc))
        except (
            SuspiciousOperation,
            jwt.PyJWTError,
            requests.RequestException,
            ValueError,  # a response that is not JSON
            KeyError,  # a JWKS or a token header without `kid`
            TypeError,
        ) as exc:
            if not sso.refusal(request):
                sso.refuse(request, sso.FAILED, "token refused", error=str(exc))
        return None

    def _verify_jws(self, payload, key):
        """The ID token: signed with the configured algorithm, for this client, by this
        issuer, unexpired (the parent checks neither audience nor issuer)."""
        try:
            alg = jwt.get_unverified_header(payload).get("alg")
            if alg != self.OIDC_RP_SIGN_ALGO:
                raise SuspiciousOperation(f"ID token signed with {alg!r}")
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer() or None,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation(f"ID token refused: {exc}") from exc

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload.get("sub"):
            raise SuspiciousOperation("userinfo is about another subject than the ID token")
        claim, field = settings.OIDC_USERNAME_CLAIM, settings.OIDC_USER_FIELD
        value = claims.get(claim) or payload.get(claim)
        if not value or not isinstance(value, str):
            sso.refuse(
                self.request,
                sso.NO_IDENTITY.format(claim=claim),
                "claim missing",
                claim=claim,
                sub=payload.get("sub"),
            )
            return None
        if (
            claim == "email"
            and claims.get("email_verified", payload.get("email_verified")) is False
        ):
            sso.refuse(self.request, sso.UNVERIFIED_EMAIL, "email not verified", email=value)
            return None
        return sso.existing_user(self.request, field, value, source="oidc")

    def verify_claims(self, claims):
        return True  # the claim that names the user is checked in get_or_create_user

    def create_user(self, claims):
        raise SuspiciousOperation("users are never created from OpenID Connect claims")

    def update_user(self, user, claims):
        return user  # nothing (name, unit, role) is taken from the claims

    def get_user(self, user_id):
        return session_user(user_id)


class AuthenticationRequestView(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: off (404) unless OpenID Connect is configured."""

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the parent's would resolve the endpoint now
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint(
                "OIDC_OP_AUTHORIZATION_ENDPOINT", "authorization_endpoint"
            )
        except ProviderUnavailable as exc:
            sso.refuse(request, sso.UNAVAILABLE, "provider unavailable", error=str(exc))
            messages.error(request, sso.UNAVAILABLE)
            return redirect("login")
        return super().get(request)


class CallbackView(OIDCAuthenticationCallbackView):
    """/oidc/callback/: a refused login goes back to the login page with the reason."""

    def get(self, request):
        if not settings.OIDC_ENABLED:
            raise Http404
        try:
            return super().get(request)
        except SuspiciousOperation as exc:
            # A state this session never issued (or already used): a stale or forged callback.
            sso.refuse(request, sso.STALE_REQUEST, "unknown state", error=str(exc))
            return self.login_failure()

    def login_failure(self):
        request = self.request
        if request.GET.get("error"):
            sso.refuse(request, sso.CANCELLED, "provider error", error=request.GET["error"])
        elif "oidc_states" not in request.session and not sso.refusal(request):
            sso.refuse(request, sso.STALE_REQUEST, "no login under way in this session")
        if not getattr(request, "axes_locked_out", False):
            messages.error(request, sso.refusal(request) or sso.FAILED)
        return redirect("login")
