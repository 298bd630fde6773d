"""API rate limits: per token, per user (all of a user's tokens and its browser session
together) and per address for anonymous calls. A call over a limit gets 429 with a Chinese
detail and Retry-After (rectification.api.exceptions).

Rates are read from settings.API_THROTTLE_RATES at each request (env API_THROTTLE_USER,
API_THROTTLE_TOKEN, API_THROTTLE_ANON; e.g. "600/min"; empty: no limit), not cached on the
class as DRF's own throttles do, so an operator's change and a test's override_settings take
effect. Counts live in the "throttle" cache: Redis when REDIS_URL is set, so every web worker
shares them.
"""

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import ApiToken


class _SettingsRateThrottle(SimpleRateThrottle):
    def __init__(self):  # DRF's reads the rate here, once per class: see the module docstring
        pass

    @property
    def cache(self):
        return caches["throttle"]

    def allow_request(self, request, view):
        self.rate = (getattr(settings, "API_THROTTLE_RATES", {}) or {}).get(self.scope)
        if not self.rate:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class TokenRateThrottle(_SettingsRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if not isinstance(request.auth, ApiToken):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class UserRateThrottle(_SettingsRateThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AnonRateThrottle(_SettingsRateThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
