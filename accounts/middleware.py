"""Session controls: idle timeout, absolute lifetime, the second factor, and the forced
password change."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

# Session keys: seconds since the epoch, real time. Not accounts.clock: a session's age is
# elapsed wall time, like Django's own session expiry and axes' cool-off, whereas the clock is
# the business date, which the demo pins (TRACKER_NOW would never let a session idle) and the
# tests move by days between two requests of one login.
LAST_SEEN = "_tracker_last_seen"
LOGGED_IN_AT = "_tracker_logged_in_at"
# The last-seen stamp is rewritten at most once a minute: a session write on every request
# would add an UPDATE to every page and API call.
LAST_SEEN_RESOLUTION = 60

TIMED_OUT = "会话已超时，请重新登录。"
MUST_CHANGE = "您正在使用初始密码或管理员重置的临时密码，请先修改密码。"
MFA_VERIFY = "请先完成两步验证（输入身份验证器上的验证码）。"
MFA_ENROL = "您的角色须启用两步验证，请先在网页上绑定身份验证器。"


def _now() -> int:
    return int(timezone.now().timestamp())


def _json(detail: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"detail": detail}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def stamp_login(request: HttpRequest) -> None:
    """At login (user_logged_in): the session's start and its first activity."""
    now = _now()
    request.session[LOGGED_IN_AT] = now
    request.session[LAST_SEEN] = now


class SessionTimeoutMiddleware:
    """Log out a session idle for SESSION_IDLE_TIMEOUT seconds or older than SESSION_COOKIE_AGE.

    Django's own expiry moves with every session write (SESSION_COOKIE_AGE from the last
    save), so the absolute lifetime is kept here, from the moment of login."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY not in session:
            return self.get_response(request)
        now = _now()
        last_seen = session.get(LAST_SEEN)
        logged_in_at = session.get(LOGGED_IN_AT)
        idle = last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT
        too_old = logged_in_at is not None and now - logged_in_at > settings.SESSION_COOKIE_AGE
        if idle or too_old:
            request._tracker_logout_reason = TIMED_OUT  # the access log's note (accounts.access)
            logout(request)
            if request.path.startswith("/api/"):
                return _json(TIMED_OUT, 401)
            messages.warning(request, TIMED_OUT)
            login = reverse("login")
            if request.method == "GET":
                login += "?" + urlencode({"next": request.get_full_path()})
            return redirect(login)
        # (abs: a clock moved back, e.g. by a test, counts as activity too)
        if last_seen is None or abs(now - last_seen) >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN] = now
        if logged_in_at is None:
            session[LOGGED_IN_AT] = now
        return self.get_response(request)


def _static_or_probe(path: str) -> bool:
    return path in ("/favicon.ico", "/healthz") or path.startswith(
        "/" + settings.STATIC_URL.lstrip("/")
    )


class MfaMiddleware:
    """A session that owes its second factor (accounts.mfa.pending) reaches only the code
    page, or the enrolment page for a role that must enrol (and logout); the API answers 403.

    After the password and before the forced password change: a temporary password is
    changed only by someone who also holds the phone. An API token is its own factor: a
    token call has no session user and passes."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from accounts import mfa

        if not request.user.is_authenticated:
            return self.get_response(request)
        state = mfa.pending(request)
        if state is None or self._exempt(request, state):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return _json(MFA_VERIFY if state == mfa.VERIFY else MFA_ENROL, 403)
        target = reverse("mfa_verify" if state == mfa.VERIFY else "mfa_setup")
        if request.method == "GET" and state == mfa.VERIFY:
            target += "?" + urlencode({"next": request.get_full_path()})
        return redirect(target)

    @staticmethod
    def _exempt(request: HttpRequest, state: str) -> bool:
        from accounts import mfa

        page = reverse("mfa_verify" if state == mfa.VERIFY else "mfa_setup")
        return request.path in (page, reverse("logout")) or _static_or_probe(request.path)


class ForcedPasswordChangeMiddleware:
    """A user with an initial or reset password reaches only the change page (and logout)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.must_change_password) or self._exempt(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return _json(MUST_CHANGE, 403)
        # The change page says why (its banner); no message piles up on each redirect.
        return redirect("password_change")

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path
        # (the two-factor pages come first: MfaMiddleware)
        return path in (
            reverse("password_change"),
            reverse("logout"),
            reverse("mfa_verify"),
            reverse("mfa_setup"),
        ) or _static_or_probe(path)
