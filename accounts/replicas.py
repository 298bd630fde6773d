"""Read replicas: which database a request reads from (docs/adr/0007-read-replicas.md).

With `DATABASE_REPLICA_URLS` unset (the default) nothing here does anything: every query
goes to `default`, as it always did. With replicas configured:

- `ReplicaRoutingMiddleware` lets a GET or HEAD of a view that tolerates a few seconds of lag
  (the views marked with `@replica_read`, and every API GET) read from a replica, unless the
  same user wrote something in the last `REPLICA_STICKY_SECONDS` (read your own writes: a
  cookie for the browser, a cache key per user for API clients), or the replica does not
  answer (then the primary, a warning in the log, and the replica is left alone for
  `REPLICA_RETRY_SECONDS`).
- `ReplicaRouter` sends that request's reads to the chosen replica, except reads inside a
  transaction (they must see the transaction's own writes and take its locks) and the
  tables of logins, sessions, tokens and job runs (a login or a token made a second ago must
  work). Every write goes to `default`: a replica is never written, so a page routed to one
  must not build what it finds missing (the dashboard reads the tasks live instead of
  building the day's tally: rectification.dashboard).

The chosen alias lives in a context variable, set for one request and reset after it, so
threads and async tasks never see another request's choice.
"""

import hashlib
import itertools
import logging
import time
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections

logger = logging.getLogger(__name__)

_replica: ContextVar[str | None] = ContextVar("read_replica", default=None)
_down_until: dict[str, float] = {}
_turn = itertools.count()

STICKY_COOKIE = "primary_until"

# Read on the primary always: a login, a session, a token or a job claim made a moment ago
# must be found, and these are single-row lookups a replica would not relieve.
PRIMARY_ONLY_APPS = {"sessions", "axes", "auth", "admin", "otp_totp", "otp_static", "django_otp"}
PRIMARY_ONLY_MODELS = {("accounts", "user"), ("accounts", "apitoken"), ("rectification", "jobrun")}


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


def on_replica() -> bool:
    """True while the current request reads from a replica (a page must not write then)."""
    return _replica.get() is not None


def replica_read(view):
    """Mark a view whose GET may read from a replica (a few seconds' lag is fine)."""
    view.replica_read = True
    return view


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias = _replica.get()
        if alias is None:
            return "default"
        meta = model._meta
        if meta.app_label in PRIMARY_ONLY_APPS or (meta.app_label, meta.model_name) in (
            PRIMARY_ONLY_MODELS
        ):
            return "default"
        if connections["default"].in_atomic_block:
            return "default"
        return alias

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        # Replicas hold the same rows as the primary.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


def _healthy(alias: str) -> bool:
    """Connect (or check the kept connection); a replica that does not answer is skipped for
    REPLICA_RETRY_SECONDS, with a warning."""
    now = time.monotonic()
    if _down_until.get(alias, 0) > now:
        return False
    conn = connections[alias]
    try:
        if conn.connection is not None and not conn.is_usable():
            conn.close()
        conn.ensure_connection()
    except DatabaseError as exc:
        conn.close()
        _down_until[alias] = now + settings.REPLICA_RETRY_SECONDS
        logger.warning(
            "read replica %s unreachable (%s): reading from the primary for %s s",
            alias,
            str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            settings.REPLICA_RETRY_SECONDS,
        )
        return False
    _down_until.pop(alias, None)
    return True


def choose_replica() -> str | None:
    """The next healthy replica in turn, or None (read from the primary)."""
    aliases = replica_aliases()
    if not aliases:
        return None
    start = next(_turn)
    for i in range(len(aliases)):
        alias = aliases[(start + i) % len(aliases)]
        if _healthy(alias):
            return alias
    return None


def _shared_cache():
    # The cache every web worker shares (Redis when configured), as the API's rate limits use.
    return caches["throttle"]


def _sticky_key(request) -> str | None:
    """Whose writes a read must see: an API client's credentials (known before the API has
    authenticated it), else the logged-in user."""
    credentials = request.headers.get("Authorization")
    if credentials:
        return "replicas:primary-until:" + hashlib.sha256(credentials.encode()).hexdigest()[:32]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"replicas:primary-until:user:{user.pk}"
    return None


def _wrote_recently(request) -> bool:
    now = time.time()
    try:
        if float(request.COOKIES.get(STICKY_COOKIE, 0)) > now:
            return True
    except ValueError:
        pass
    key = _sticky_key(request)
    return key is not None and (_shared_cache().get(key) or 0) > now


def _mark_wrote(request, response) -> None:
    until = time.time() + settings.REPLICA_STICKY_SECONDS
    response.set_cookie(
        STICKY_COOKIE,
        f"{until:.3f}",
        max_age=settings.REPLICA_STICKY_SECONDS,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    key = _sticky_key(request)
    if key is not None:
        _shared_cache().set(key, until, settings.REPLICA_STICKY_SECONDS)


def _tolerates_lag(request, view_func) -> bool:
    if getattr(view_func, "replica_read", False):
        return True
    # Every API read: DRF's views (their `cls`); the API's clients page through lists.
    return request.path.startswith("/api/") and hasattr(view_func, "cls")


class ReplicaRoutingMiddleware:
    """Chooses the database a request reads from (after AuthenticationMiddleware: the sticky
    window is per user)."""

    SAFE = ("GET", "HEAD")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_aliases():
            return self.get_response(request)
        try:
            response = self.get_response(request)
        finally:
            token = getattr(request, "_replica_token", None)
            if token is not None:
                _replica.reset(token)
        if request.method not in self.SAFE and response.status_code < 500:
            _mark_wrote(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not replica_aliases() or request.method not in self.SAFE:
            return None
        if not _tolerates_lag(request, view_func) or _wrote_recently(request):
            return None
        alias = choose_replica()
        if alias is not None:
            request._replica_token = _replica.set(alias)
            request.read_from = alias
        return None
