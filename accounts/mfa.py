"""Two-factor login (两步验证): a TOTP code from an authenticator app after the password.

- Roles in MFA_REQUIRED_ROLES (default OFFICE and ADMIN; a superuser counts as ADMIN) must
  enrol before any other page and verify a code at every login; other users may enrol from
  个人信息 and are then asked for a code too.
- Enrolment: the secret is kept in the session until the user confirms it with a code; only
  then is the device (django-otp's TOTPDevice) saved, confirmed, and ten recovery codes made.
- Recovery codes: one-time codes for a lost phone, shown once (at enrolment, or when made
  again). They are django-otp static tokens holding a SHA-256 digest of the code, never the
  code itself; a used code is deleted.
- A code is accepted once: a TOTP code at or before the last accepted time step is refused
  (django-otp's `last_t`), so an observed code cannot be replayed. Wrong codes back off
  (django-otp's throttling, per device) and count as failed logins (django-axes, in the
  view: the same lockout as the password).
- `User.mfa_enabled` mirrors "has a confirmed TOTP device", kept by the functions below, so
  a request of a user without a device costs no query to find that out.

Every change writes an AccountEvent stamped by the clock; the office's and the
administrator's reset is `accounts.services.reset_mfa`.
"""

import hashlib
import re
import secrets
import time
from base64 import b32decode, b32encode
from binascii import unhexlify
from dataclasses import dataclass

import segno
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.models import VerifyNotAllowed
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts import clock
from accounts.choices import Role
from accounts.errors import InvalidInput, InvalidState
from accounts.models import AccountEvent, User

RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "身份验证器"
RECOVERY_DEVICE_NAME = "恢复码"
# The enrolment's secret, in the session until it is confirmed.
PENDING_KEY = "_mfa_pending_key"

VERIFY = "verify"
ENROL = "enrol"

_DIGITS = re.compile(r"^\d{6}$")
WRONG_CODE = "验证码不正确或已使用过，请输入身份验证器上当前的 6 位数字，或一个未用过的恢复码。"


def required(user: User) -> bool:
    """Whether `user`'s role must use the second factor (MFA_REQUIRED_ROLES)."""
    roles = settings.MFA_REQUIRED_ROLES
    return user.role in roles or (user.is_superuser and Role.ADMIN in roles)


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def is_verified(request: HttpRequest) -> bool:
    user = request.user
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def pending(request: HttpRequest) -> str | None:
    """What the session's user must do before any page: VERIFY a code, ENROL, or nothing."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return None
    if user.mfa_enabled and totp_device(user) is not None:
        return VERIFY
    return ENROL if required(user) else None


# ---------------------------------------------------------------------------------------------
# Enrolment


def _hex_to_b32(key: str) -> str:
    return b32encode(unhexlify(key)).decode()


def pending_secret(request: HttpRequest) -> str:
    """The secret offered at enrolment (hex), made once per session until confirmed."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = random_hex(20)
        request.session[PENDING_KEY] = key
    return key


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, in groups of four, for typing into an app
    uri: str  # otpauth:// URI, what the QR code holds
    qr_svg: str  # the QR code as an inline SVG (no script, no external image)


def enrolment(user: User, key: str) -> Enrolment:
    uri = TOTPDevice(user=user, key=key).config_url
    secret = _hex_to_b32(key).rstrip("=")
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(uri, error="m").svg_inline(scale=4, light="#fff", omitsize=False)
    return Enrolment(secret=grouped, uri=uri, qr_svg=qr)


def _totp_step(key: str, code: str, *, after: int = -1) -> int | None:
    """The time step at which `code` is valid for `key` (±1 step), or None."""
    if not _DIGITS.match(code):
        return None
    totp = TOTP(unhexlify(key), step=30, t0=0, digits=6, drift=0)
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1, min_t=after + 1):
        return None
    return totp.t()  # (t() includes the drift at which the code matched)


@transaction.atomic
def confirm_enrolment(*, user: User, key: str, code: str) -> tuple[TOTPDevice, list[str]]:
    """Save the TOTP device once the user typed a valid code from it; make recovery codes.

    Returns the device (to verify the session with) and the recovery codes, shown once."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if totp_device(user) is not None:
        raise InvalidState("您已启用两步验证。如需更换手机，请先关闭或请管理员重置。")
    step = _totp_step(key, normalise(code))
    if step is None:
        raise InvalidInput("验证码不正确，请输入身份验证器上显示的 6 位数字（注意手机时间准确）。")
    TOTPDevice.objects.filter(user=user).delete()
    # The confirming code is spent: it cannot log in a second time.
    device = _stamped(
        TOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=step
        ),
        "created_at",
    )
    codes = _new_recovery_codes(user)
    _set_enabled(user, True)
    _event(user, AccountEvent.Verb.MFA_ENROLLED, actor=user, note="已绑定身份验证器并生成恢复码")
    return device, codes


@transaction.atomic
def enrol_with_key(*, user: User, key_b32: str, note: str) -> TOTPDevice:
    """A confirmed device with a given secret (the demo's documented one), no recovery codes."""
    device = totp_device(user)
    if device is not None:
        return device
    key = b32decode(key_b32.upper()).hex()
    device = _stamped(
        TOTPDevice.objects.create(user=user, name=DEVICE_NAME, key=key, confirmed=True),
        "created_at",
    )
    _set_enabled(user, True)
    _event(user, AccountEvent.Verb.MFA_ENROLLED, actor=None, note=note)
    return device


# ---------------------------------------------------------------------------------------------
# Recovery codes


def normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", (code or "")).lower()


def _digest(code: str) -> str:
    # 16 hex characters fit django-otp's StaticToken.token; the codes carry 80 random bits.
    return hashlib.sha256(normalise(code).encode()).hexdigest()[:16]


def _recovery_code() -> str:
    raw = b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _new_recovery_codes(user: User) -> list[str]:
    device, created = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
    )
    if created:
        _stamped(device, "created_at")
    device.token_set.all().delete()
    codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=_digest(c)) for c in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user).count()


@transaction.atomic
def regenerate_recovery_codes(*, user: User) -> list[str]:
    """New recovery codes for the user's own verified session; the old ones stop working."""
    if totp_device(user) is None:
        raise InvalidState("尚未启用两步验证。")
    codes = _new_recovery_codes(user)
    _event(user, AccountEvent.Verb.MFA_RECOVERY_CODES, actor=user, note="旧恢复码已作废")
    return codes


# ---------------------------------------------------------------------------------------------
# Verification at login


@dataclass(frozen=True)
class Outcome:
    device: TOTPDevice | StaticDevice | None
    message: str = ""


def _throttled(device) -> str | None:
    allowed, info = device.verify_is_allowed()
    if allowed:
        return None
    if info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        # django-otp's back-off counts real seconds (like axes' cool-off), not the business
        # clock.
        wait = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
        return f"验证码错误次数过多，请{wait}秒后再试。"
    return "暂时无法验证，请稍后再试。"


def verify(*, user: User, code: str) -> Outcome:
    """Check a 6-digit TOTP code or a recovery code. A code is accepted at most once."""
    code = normalise(code)
    with transaction.atomic():
        if _DIGITS.match(code):
            device = (
                TOTPDevice.objects.select_for_update()
                .filter(user=user, confirmed=True)
                .order_by("pk")
                .first()
            )
            verb = AccountEvent.Verb.MFA_VERIFIED
            token = code
        else:
            device = StaticDevice.objects.select_for_update().filter(user=user).first()
            verb = AccountEvent.Verb.MFA_RECOVERY_USED
            token = _digest(code)
        if device is None:
            outcome = Outcome(None, WRONG_CODE)
        elif (wait := _throttled(device)) is not None:
            outcome = Outcome(None, wait)
        elif device.verify_token(token):
            outcome = Outcome(_stamped(device, "last_used_at"))
        else:
            outcome = Outcome(None, WRONG_CODE)
    if outcome.device is not None:
        note = (
            f"剩余恢复码 {recovery_codes_left(user)} 个"
            if verb == AccountEvent.Verb.MFA_RECOVERY_USED
            else ""
        )
        _event(user, verb, actor=user, note=note)
    else:
        _event(user, AccountEvent.Verb.MFA_FAILED, actor=user, note=outcome.message[:255])
    return outcome


def mark_verified(request: HttpRequest, device) -> None:
    """This session has passed the second factor with `device` (django_otp.login)."""
    from django_otp import login as otp_login

    # A new session key for the raised privilege, as Django's login does for the password.
    request.session.cycle_key()
    otp_login(request, device)
    request.session.pop(PENDING_KEY, None)


# ---------------------------------------------------------------------------------------------
# Turning it off


def remove_devices(user: User) -> bool:
    """Delete the user's TOTP device and recovery codes; whether there was anything."""
    had = user.mfa_enabled or TOTPDevice.objects.filter(user=user).exists()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    _set_enabled(user, False)
    return had


@transaction.atomic
def disable(*, user: User) -> None:
    """The user turns their own optional second factor off (a required role may not)."""
    if required(user):
        raise InvalidState("您的角色必须使用两步验证，不能关闭。如需更换手机，请联系管理员重置。")
    if not remove_devices(user):
        raise InvalidState("尚未启用两步验证。")
    _event(user, AccountEvent.Verb.MFA_DISABLED, actor=user, note="")


def _stamped(device, field: str):
    """django-otp stamps its devices with the real time; every timestamp here comes from the
    clock (the demo, pinned to its snapshot day, included)."""
    now = clock.now()
    type(device).objects.filter(pk=device.pk).update(**{field: now})
    setattr(device, field, now)
    return device


def _set_enabled(user: User, value: bool) -> None:
    User.objects.filter(pk=user.pk).update(mfa_enabled=value)
    user.mfa_enabled = value


def _event(user: User, verb: str, *, actor: User | None, note: str) -> None:
    AccountEvent.objects.create(
        user=user, verb=verb, actor=actor, note=note, created_at=clock.now()
    )
