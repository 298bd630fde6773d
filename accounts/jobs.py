"""The accounts' daily housekeeping: purge expired sessions (Django's `clearsessions`) and the
access log's rows past ACCESS_LOG_RETENTION_DAYS."""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session

_WITH_TABLE = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


def clear_sessions() -> int:
    """Delete the sessions past their expiry (a session lives SESSION_COOKIE_AGE from its last
    write); returns how many went (0 for an engine without a table). Idempotent."""
    with_table = settings.SESSION_ENGINE in _WITH_TABLE
    before = Session.objects.count() if with_table else 0
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    return before - Session.objects.count() if with_table else 0


def housekeeping() -> dict:
    """The daily job (`jobs.clearsessions`): expired sessions, then old access-log rows."""
    from accounts import access

    return {"deleted": clear_sessions(), "access_purged": access.purge()}
