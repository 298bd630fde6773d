"""Login lockout (django-axes): per account and address, and per address alone.

Axes counts failed logins within the cool-off (AXES_COOLOFF_TIME) for each of
AXES_LOCKOUT_PARAMETERS: [username + IP address] and [IP address]. Axes compares the larger
count with one limit; this handler gives each its own: an account is locked from one address
after AXES_FAILURE_LIMIT failures (5), an address for every account after
AXES_IP_FAILURE_LIMIT (20), so one office behind one NAT address is not locked out by a
single colleague's typos, and a password-spraying address still is. A failure during the
lockout starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).

The cool-off grows (`cool_off`, AXES_COOLOFF_TIME): the first lockout lasts
AXES_COOLOFF_MINUTES (15), each further lockout of the same account from the same address, or
of the same address, twice the one before (30, 60, 120 … minutes), up to
AXES_COOLOFF_MAX_MINUTES (24 hours). Earlier lockouts are read from the access log
(AccessRecord, kind lockout, one row when a lockout starts); they count for
AXES_BACKOFF_RESET_DAYS (7), and an account's count starts again when it logs in successfully
from that address. Because axes would otherwise purge every client's attempts with the
cool-off of whichever request came last, attempts carry their own expiry
(AXES_USE_ATTEMPT_EXPIRATION), lengthened here when a lockout starts.
"""

import math
from datetime import timedelta

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttemptExpiration
from django.conf import settings
from django.db.models import Max, Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def _sum(attempts) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class TieredLockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials: dict | None = None) -> int:
        per_account, *per_address = self.get_user_attempts(request, credentials)
        failures = _sum(per_account)
        if per_address and _sum(per_address[0]) >= settings.AXES_IP_FAILURE_LIMIT:
            # The address alone is over its limit: locked for every account.
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures


def cool_off_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(request: HttpRequest | None = None) -> str:
    return f"登录失败次数过多，请{cool_off_minutes(request)}分钟后再试。"


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the Chinese lockout page (429), JSON for the API."""
    message = lockout_message(request)
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=429, json_dumps_params={"ensure_ascii": False}
        )
    return render(
        request,
        "registration/lockout.html",
        {"message": message, "minutes": cool_off_minutes(request)},
        status=429,
    )


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: REMOTE_ADDR, or the header a trusted proxy sets (AXES_IP_HEADER)."""
    header = settings.AXES_IP_HEADER
    if header and request.META.get(header):
        return request.META[header].split(",")[0].strip()
    return request.META.get("REMOTE_ADDR")


# ---------------------------------------------------------------------------------------------
# The growing cool-off

# AccessRecord.object_label of a lockout row: which of the two limits locked.
ACCOUNT_LOCKED = "账号（该地址）"
ADDRESS_LOCKED = "地址（所有账号）"
_CACHE = "_tracker_cool_off"


def _address(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or client_ip(request)


def _username(request: HttpRequest) -> str:
    return get_client_username(request, getattr(request, "axes_credentials", None)) or ""


def lockout_level(username: str, ip_address: str | None) -> int:
    """How many lockouts of the account from this address, or of the address, count now
    (within AXES_BACKOFF_RESET_DAYS, and for the account since its last login from there)."""
    from accounts import clock
    from accounts.choices import AccessKind
    from accounts.models import AccessRecord

    if not ip_address:
        return 0
    since = clock.now() - timedelta(days=settings.AXES_BACKOFF_RESET_DAYS)
    records = AccessRecord.objects.filter(
        ip_address=ip_address, kind=AccessKind.LOCKOUT, created_at__gte=since
    )
    address = records.filter(object_label=ADDRESS_LOCKED).count()
    account = 0
    if username:
        last_login = AccessRecord.objects.filter(
            ip_address=ip_address, kind=AccessKind.LOGIN, username=username
        ).aggregate(at=Max("created_at"))["at"]
        mine = records.filter(object_label=ACCOUNT_LOCKED, username=username)
        if last_login is not None:
            mine = mine.filter(created_at__gt=last_login)
        account = mine.count()
    return max(account, address)


def cool_off_for(level: int) -> timedelta:
    """The cool-off after the `level`-th lockout (0: none yet, the first one's length)."""
    base = settings.AXES_COOLOFF_MINUTES
    minutes = base * 2 ** max(0, level - 1)
    return timedelta(minutes=min(minutes, max(base, settings.AXES_COOLOFF_MAX_MINUTES)))


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """AXES_COOLOFF_TIME: the cool-off for this request's account and address."""
    if request is None:
        return cool_off_for(0)
    cached = getattr(request, _CACHE, None)
    if cached is None:
        cached = cool_off_for(lockout_level(_username(request), _address(request)))
        setattr(request, _CACHE, cached)
    return cached


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    """axes' user_locked_out (sent on the failure that locks and on each failure during the
    lockout): write the access-log row of a lockout that starts now, and make the client's
    attempts last the lockout's (longer) cool-off."""
    from accounts.access import log_access
    from accounts.choices import AccessKind
    from accounts.models import AccessRecord, User

    if request is None:
        return
    credentials = getattr(request, "axes_credentials", None)
    handler = AxesProxyHandler.get_implementation()
    per_account, *per_address = handler.get_user_attempts(request, credentials)
    started = {}
    if _sum(per_account) == settings.AXES_FAILURE_LIMIT:
        started[ACCOUNT_LOCKED] = per_account
    if per_address and _sum(per_address[0]) == settings.AXES_IP_FAILURE_LIMIT:
        started[ADDRESS_LOCKED] = per_address[0]
    if not started:
        return
    user = User.objects.filter(username=username).first() if username else None
    rows = [
        log_access(request, AccessKind.LOCKOUT, user=user, username=username or "", obj=label)
        for label in started
    ]
    # The level has grown: the cool-off of this request, and of the locked client's attempts.
    if hasattr(request, _CACHE):
        delattr(request, _CACHE)
    until = request.axes_attempt_time + get_cool_off(request)
    for attempts in started.values():
        AccessAttemptExpiration.objects.filter(
            access_attempt__in=attempts, expires_at__lt=until
        ).update(expires_at=until)
    AccessRecord.objects.filter(pk__in=[r.pk for r in rows]).update(
        detail=f"锁定 {cool_off_minutes(request)} 分钟"
    )
