"""Login lockout (django-axes): per account and address, and per address alone.

Axes counts failed logins within the cool-off (AXES_COOLOFF_TIME) for each of
AXES_LOCKOUT_PARAMETERS: [username + IP address] and [IP address]. Axes compares the larger
count with one limit; this handler gives each its own: an account is locked from one address
after AXES_FAILURE_LIMIT failures (5), an address for every account after
AXES_IP_FAILURE_LIMIT (20), so one office behind one NAT address is not locked out by a
single colleague's typos, and a password-spraying address still is. A failure during the
lockout starts the cool-off again (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT).
"""

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from django.conf import settings
from django.db.models import Sum
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
