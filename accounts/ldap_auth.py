"""Login with the directory's password (django-auth-ldap), for existing users only.

On when LDAP_SERVER_URI is set (config/settings.py; the optional `ldap` extra). The login
form's name is looked up in the directory (LDAP_USER_FILTER under LDAP_USER_SEARCH_BASE) and
the password checked by binding as the entry found. The user whose username equals the login
name (ignoring case) is then logged in; a directory account without one, or whose user is
inactive, is refused with a Chinese message on the login page and a warning in the log
(accounts.sso). Nothing is copied from the directory onto the user (AUTH_LDAP_NO_NEW_USERS,
no attribute map, no group mirroring), so an entry's attributes never set a role or a unit.

A wrong password is an ordinary failed login: django-axes counts it, and the next backend
still tries the local password (unless LDAP_ONLY).
"""

from django_auth_ldap.backend import LDAPBackend

from accounts import sso
from accounts.backends import session_user


class ExistingUserLDAPBackend(LDAPBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None  # not a password login (e.g. the OpenID Connect callback)
        self.request = request  # (Django builds a backend for each login)
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_or_build_user(self, username, ldap_user):
        # Reached only once the directory accepted the password.
        user = sso.existing_user(
            getattr(self, "request", None), "username", username, source="ldap"
        )
        if user is None:
            raise ldap_user.AuthenticationFailed("no active user with this username")
        return user, False

    def get_user(self, user_id):
        return session_user(user_id)
