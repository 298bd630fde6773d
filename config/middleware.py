"""SQLite's last resort: a request whose write waited the whole busy timeout for another
writer (a big plan import's transaction, docs/adr/0005-background-import.md) gets an explicit
Chinese 503 instead of a 500 with "database is locked"; nothing of it was saved."""

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
