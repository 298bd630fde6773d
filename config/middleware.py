"""Middleware of the project: response headers every page and API answer carries, and SQLite's
503.

SQLite's last resort: a request whose write waited the whole busy timeout for another
writer (a big plan import's transaction, docs/adr/0005-background-import.md) gets an explicit
Chinese 503 instead of a 500 with "database is locked"; nothing of it was saved."""

from django.conf import settings
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse

BUSY = "数据库正忙（可能正在导入大批整改方案），您的操作没有保存，请稍后重试。"


class DatabaseBusyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not (isinstance(exception, OperationalError) and "database is locked" in str(exception)):
            return None
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": BUSY}, status=503, json_dumps_params={"ensure_ascii": False}
            )
        else:
            response = HttpResponse(BUSY, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "10"
        return response


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response (phone reporting opens the camera and reads the
    position: this site only; microphone, payment … nobody), and `Cache-Control: no-store`
    on every response to a logged-in user and every API response, so a shared computer's
    browser cache or a proxy keeps no copy of a ledger, a task or an API token's key.

    After AuthenticationMiddleware (it reads request.user; DRF sets it there too once a token
    authenticates). Static files answer earlier (WhiteNoise) and stay cacheable. The CSP is
    not set here."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(
            f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items()
        )

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response
