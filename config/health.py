"""Liveness and readiness probe for the load balancer and the compose health check."""

from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from rectification.jobs import runs


@never_cache
@require_GET
def healthz(request):
    """200 {"status": "ok", "jobs": "ok"} when the database answers, 503 otherwise.

    "jobs" is "overdue" when a scheduled job's latest due run has not completed in time
    (rectification.jobs.runs: the worker or the broker is down); the site itself is up, so
    the status stays 200 and a monitor alerts on the field. No login and no session: the probe
    must work before anyone signs in, and it tells an outsider nothing beyond "up" or "down".
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    try:
        jobs = "overdue" if runs.overdue() else "ok"
    except DatabaseError:  # the ledger's table missing mid-deploy: the web is up all the same
        jobs = "unknown"
    return JsonResponse({"status": "ok", "jobs": jobs})
