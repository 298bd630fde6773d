"""Authentication that loads the user with the unit and region every page needs.

Each request reads the user's unit and its region (the scope of offices and leaders, the
header's 数据范围); selected with the user, they cost no query of their own.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def session_user(user_id):
    """The session's user joined to its unit and region; None when gone or inactive. Every
    backend a session may name (local password, LDAP, OpenID Connect) loads it this way."""
    users = get_user_model()._default_manager.select_related("unit__region")
    try:
        user = users.get(pk=user_id)
    except get_user_model().DoesNotExist:
        return None
    return user if user.is_active else None


class UserWithUnitBackend(ModelBackend):
    """Django's ModelBackend, with the session's user joined to its unit and region.

    With LDAP_ONLY the directory is the only password source: a local password opens only a
    superuser's account (the way in when the directory is down)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None and settings.LDAP_ONLY and not user.is_superuser:
            return None
        return user

    def get_user(self, user_id):
        return session_user(user_id)


class TokenWithUnitAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`: the key's hashed, live (not expired, not revoked) token
    (accounts.tokens), with its user joined to its unit and region. `request.auth` is the
    ApiToken, whose scope the API's permissions read (a read-only token cannot write)."""

    def authenticate_credentials(self, key):
        from accounts.tokens import api_token_for_key

        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("API 令牌无效、已过期或已吊销")) from None
        return (token.user, token)
