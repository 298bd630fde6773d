"""Liveness and readiness probe for the load balancer and the compose health check."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """200 {"status": "ok"} when the database answers one query, 503 otherwise.

    No login and no session: the probe must work before anyone signs in, and it tells an
    outsider nothing beyond "up" or "down".
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})
