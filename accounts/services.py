"""Passwords: the one place each change to a login's password happens.

The pages (修改密码, the office's 账号管理), the admin's reset action and its password form all
call these, so the same rules hold everywhere:

- a user changing their own password clears the forced-change flag;
- a password the office or the administrator set (a new account's initial password, a reset)
  is temporary: the flag is set and the user must choose their own at the next request;
- the office resets only the users of units in its scope (accounts/scope.py), never an
  administrator's or another office member's; the administrator resets anyone;
- each change writes an AccountEvent stamped by the clock;
- a lost phone: `reset_mfa` removes the user's second factor (accounts.mfa), same rule as
  a password reset.
"""

import secrets
import string

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.db import transaction

from accounts import clock, events, mfa
from accounts.choices import Role
from accounts.errors import InvalidState
from accounts.models import AccountEvent, Unit, User

# No 0/O, 1/l/I: the temporary password is read out or copied by hand.
_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
TEMPORARY_PASSWORD_LENGTH = 12


def temporary_password() -> str:
    """A random password that passes the password policy (letters and digits, 12 long)."""
    while True:
        password = "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))
        if any(c.isdigit() for c in password) and any(c.isalpha() for c in password):
            return password


def _is_admin(user: User) -> bool:
    return user.is_active and (user.is_superuser or user.role == Role.ADMIN)


def can_reset_password(*, by: User, user: User) -> bool:
    """Whether `by` may reset `user`'s password."""
    if not getattr(by, "is_authenticated", False) or not by.is_active:
        return False
    if _is_admin(by):
        return True
    if by.role != Role.OFFICE or by.pk == user.pk:
        return False
    if user.is_superuser or user.role in (Role.ADMIN, Role.OFFICE) or not user.unit_id:
        return False
    return Unit.objects.visible_to(by).filter(pk=user.unit_id).exists()


def resettable_users(by: User):
    """The users whose password `by` may reset (the office's 账号管理 list)."""
    users = User.objects.select_related("unit").order_by("unit__sort", "unit_id", "username")
    if _is_admin(by):
        return users
    if not can_reset_any(by):
        return users.none()
    return (
        users.filter(unit__in=Unit.objects.visible_to(by), is_superuser=False)
        .exclude(role__in=[Role.ADMIN, Role.OFFICE])
        .exclude(pk=by.pk)
    )


def can_reset_any(by: User) -> bool:
    return getattr(by, "is_authenticated", False) and (
        _is_admin(by) or (by.is_active and by.role == Role.OFFICE and by.unit_id is not None)
    )


# Backends that deliver nothing: the first run's console (.env.example: EMAIL_BACKEND).
_UNDELIVERED = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
)


def mail_configured() -> bool:
    """Whether mail reaches people: SMTP (or any backend but the console's and the dummy)."""
    return settings.EMAIL_BACKEND not in _UNDELIVERED


def _mail_reset_link(user: User) -> None:
    # Django's reset mail: a one-time link to set a new password (PasswordResetConfirmView),
    # sent beside the temporary password the resetter hands over.
    form = PasswordResetForm({"email": user.email})
    if form.is_valid():
        form.save(
            domain_override=settings.SITE_URL.split("://", 1)[-1].rstrip("/"),
            use_https=settings.SITE_URL.startswith("https://"),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        )


@transaction.atomic
def reset_password(*, user: User, by: User) -> str:
    """Give `user` a random temporary password and return it, to be shown once to `by`.

    The user must change it at the next request; with mail configured (SMTP) and an address on
    file, the user is also mailed a link to set a new password."""
    if not can_reset_password(by=by, user=user):
        raise PermissionDenied("您无权重置该用户的密码。")
    password = temporary_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    events.append(
        AccountEvent,
        user=user,
        verb=AccountEvent.Verb.PASSWORD_RESET,
        actor=by,
        note="临时密码，须在下次登录时修改",
        created_at=clock.now(),
    )
    if mail_configured() and user.email:
        transaction.on_commit(lambda: _mail_reset_link(user))
    return password


@transaction.atomic
def mark_password_temporary(*, user: User, by: User, note: str) -> None:
    """The administrator has just typed a password for `user` (the admin's new-user form and
    its password form): it is an initial one, to be changed at the next login, unless the
    administrator set their own or left the account without a usable password."""
    if by.pk == user.pk or not user.has_usable_password():
        return
    if not can_reset_password(by=by, user=user):
        raise PermissionDenied("您无权设置该用户的密码。")
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.must_change_password = True
    events.append(
        AccountEvent,
        user=user,
        verb=AccountEvent.Verb.PASSWORD_RESET,
        actor=by,
        note=note,
        created_at=clock.now(),
    )


@transaction.atomic
def change_password(*, user: User, new_password: str, note: str = "") -> None:
    """The user's own new password (checked against the policy); clears the forced change."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    events.append(
        AccountEvent,
        user=user,
        verb=AccountEvent.Verb.PASSWORD_CHANGE,
        actor=user,
        note=note,
        created_at=clock.now(),
    )


@transaction.atomic
def reset_mfa(*, user: User, by: User) -> None:
    """Remove `user`'s authenticator and recovery codes (a lost phone): at the next login the
    user enrols again if the role requires it. Who may do it: as for `reset_password`."""
    if not can_reset_password(by=by, user=user):
        raise PermissionDenied("您无权重置该用户的两步验证。")
    if not mfa.remove_devices(user):
        raise InvalidState("该用户尚未启用两步验证。")
    AccountEvent.objects.create(
        user=user,
        verb=AccountEvent.Verb.MFA_RESET,
        actor=by,
        note="下次登录须重新绑定身份验证器" if mfa.required(user) else "",
        created_at=clock.now(),
    )
