"""Authentication that loads the user with the unit and region every page needs.

Each request reads the user's unit and its region (the scope of offices and leaders, the
header's 数据范围); selected with the user, they cost no query of their own.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class UserWithUnitBackend(ModelBackend):
    """Django's ModelBackend, with the session's user joined to its unit and region."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("unit__region")
        try:
            user = users.get(pk=user_id)
        except get_user_model().DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class TokenWithUnitAuthentication(TokenAuthentication):
    """DRF's token authentication, with the token's user joined to its unit and region."""

    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__unit__region").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
