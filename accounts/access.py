"""The access log (AccessRecord): who logged in, out, failed or was locked out, who was refused
a page (403) and who exported or downloaded what.

- Logins, logouts and failed logins: the auth signals (connected in accounts.apps), for the
  site's login page, the admin's and any other use of `authenticate`/`login`/`logout`.
- Lockouts: django-axes' `user_locked_out`, once per lockout (accounts.lockout decides when a
  lockout starts and how long it lasts).
- Refusals and downloads: `AccessLogMiddleware`, from the response every page and API call
  gives: a 403 (a PermissionDenied, DRF's refusals, CSRF failures, the admin's) is a refusal;
  a 2xx with `Content-Disposition: attachment` is an export or a download (the 台账, the CSV,
  the Word/PDF documents, archive bundles, evidence files, the 月调度 workbook, the audit
  export, by page or API). A view may name the object with `note(request, obj)`.

A 404 is not recorded: scope answers 404 for a row outside the reader's scope exactly as for
a row that does not exist (accounts.scope), and a log of every mistyped or stale link would
bury the refusals that matter. The 403s (a role that may not do something to a row it sees,
a leader's write, a unit asking for the office's pages) are all recorded.

Times come from accounts.clock. Rows older than ACCESS_LOG_RETENTION_DAYS are deleted by
`purge()` (the daily housekeeping job, accounts.jobs).
"""

from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts import clock
from accounts.choices import AccessKind
from accounts.models import AccessRecord

_OBJECT = "_tracker_access_object"


def _cut(value, length: int) -> str:
    text = "" if value is None else str(value)
    return text[:length]


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    from accounts.lockout import client_ip as lockout_client_ip

    ip = getattr(request, "axes_ip_address", None) or lockout_client_ip(request)
    return ip or None


def log_access(
    request: HttpRequest | None,
    kind: AccessKind,
    *,
    user=None,
    username: str | None = None,
    status: int | None = None,
    obj=None,
    detail: str = "",
) -> AccessRecord:
    """Write one access-log row about `request` (who, from where, which path), stamped by the
    clock. `user` defaults to the request's user when logged in; `username` to theirs."""
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if getattr(candidate, "is_authenticated", False):
            user = candidate
    if username is None:
        username = user.get_username() if user is not None else ""
    label = obj if isinstance(obj, str) else ("" if obj is None else str(obj))
    if not label and request is not None:
        label = getattr(request, _OBJECT, "")
    meta = request.META if request is not None else {}
    return AccessRecord.objects.create(
        created_at=clock.now(),
        kind=AccessKind(kind),
        user=user,
        username=_cut(username, 150),
        ip_address=client_ip(request),
        user_agent=_cut(meta.get("HTTP_USER_AGENT"), 255),
        method=_cut(getattr(request, "method", ""), 8),
        path=_cut(getattr(request, "path", ""), 500),
        status=status,
        object_label=_cut(label, 255),
        detail=_cut(detail, 500),
    )


def note(request: HttpRequest, obj) -> None:
    """Name the object a download or a refusal is about (the middleware writes the row)."""
    setattr(request, _OBJECT, str(obj))


def _filename(disposition: str) -> str:
    """The file name a Content-Disposition header gives (the UTF-8 one when both are)."""
    from urllib.parse import unquote

    name = ""
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        if key.lower() == "filename*" and "''" in value:
            return unquote(value.split("''", 1)[1])
        if key.lower() == "filename":
            name = value.strip('"')
    return name


def _view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    args = " ".join(f"{k}={v}" for k, v in sorted(match.kwargs.items()))
    return f"{match.view_name} {args}".strip()


class AccessLogMiddleware:
    """Records every 403 and every attachment (export, download) a response carries."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        disposition = response.get("Content-Disposition", "")
        if status == 403:
            kind, detail = AccessKind.DENIED, _denied_detail(response)
        elif 200 <= status < 300 and disposition.lower().startswith("attachment"):
            kind, detail = AccessKind.DOWNLOAD, _filename(disposition)
        else:
            return response
        label = getattr(request, _OBJECT, "") or _view_label(request)
        log_access(request, kind, status=status, obj=label, detail=detail)
        return response


def _denied_detail(response: HttpResponse) -> str:
    """Why, when the refusal says so cheaply: the API's {"detail": …}."""
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("detail"):
        return str(data["detail"])
    return ""


def purge(now=None) -> int:
    """Delete the rows older than ACCESS_LOG_RETENTION_DAYS; returns how many went."""
    now = now or clock.now()
    cutoff = now - timedelta(days=settings.ACCESS_LOG_RETENTION_DAYS)
    deleted, _ = AccessRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# ---------------------------------------------------------------------------------------------
# The auth signals (connected in accounts.apps)


def on_logged_in(sender, request, user, **kwargs) -> None:
    log_access(request, AccessKind.LOGIN, user=user)


def on_logged_out(sender, request, user, **kwargs) -> None:
    if request is None or user is None:
        return
    detail = getattr(request, "_tracker_logout_reason", "")
    log_access(request, AccessKind.LOGOUT, user=user, detail=detail)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    if request is None:
        return
    username = str((credentials or {}).get("username") or "")
    from accounts.models import User

    user = User.objects.filter(username=username).first() if username else None
    locked = bool(getattr(request, "axes_locked_out", False))
    log_access(
        request,
        AccessKind.LOGIN_FAILED,
        user=user,
        username=username,
        detail="已锁定" if locked else "用户名或密码错误",
    )
