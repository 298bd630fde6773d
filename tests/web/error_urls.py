"""The site's URLs plus two that fail on purpose, for tests/web/test_error_pages.py."""

from django.core.exceptions import SuspiciousOperation
from django.urls import path

from config.urls import *  # noqa: F403  (the site's patterns and its handler400 … handler500)
from config.urls import urlpatterns as site_patterns


def _crash(request):
    raise RuntimeError("boom")


def _suspicious(request):
    raise SuspiciousOperation("tampered form")


urlpatterns = [
    path("test-errors/crash/", _crash),
    path("test-errors/suspicious/", _suspicious),
    *site_patterns,
]
