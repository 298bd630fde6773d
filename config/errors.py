"""The site's own error pages (400/403/404/500), in Chinese and in the site's style.

Django's defaults with DEBUG off are bare pages, and with DEBUG on a 404 is the English debug
page listing every URL pattern. `handler400` … `handler500` (config/urls.py) answer with the
templates whatever the error; `ErrorPagesMiddleware` does the same for a 400/404 while DEBUG
is on (an out-of-scope task or a mistyped address), so the debug page is left only for a
crash, where its traceback is what a developer needs.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

MESSAGES = {
    400: "请求的内容不完整或格式不正确，未作任何修改。请返回上一页检查后重试。",
    403: "您的角色或单位不能访问此页面。",
    404: "您访问的内容不存在，或不在您的权限范围内。",
}


def _reason(exception: BaseException | None, status: int) -> str:
    """The Chinese message an exception carries (services raise Chinese ones), else the
    page's own: an English message from Django itself is never shown."""
    text = str(exception.args[0]) if exception is not None and exception.args else ""
    if text and any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    return MESSAGES[status]


def _render(request: HttpRequest, status: int, exception: BaseException | None) -> HttpResponse:
    template = loader.get_template(f"{status}.html")
    body = template.render({"reason": _reason(exception, status)}, request)
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _render(request, 400, exception)


def permission_denied(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _render(request, 403, exception)


def page_not_found(request: HttpRequest, exception: BaseException | None = None) -> HttpResponse:
    return _render(request, 404, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    # No request context: whatever failed (the database, a context processor) must not fail
    # again while the error page is drawn.
    return HttpResponse(loader.get_template("500.html").render(), status=500)


class ErrorPagesMiddleware:
    """With DEBUG on, answer a 404 or 400 with the site's page instead of Django's debug page.

    Placed last in MIDDLEWARE so that CommonMiddleware still sees the 404 (APPEND_SLASH) and
    the session and CSRF middleware still handle the response. With DEBUG off it does nothing:
    the handlers above already answer.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            # No URL matched: the debug page would list every pattern.
            return page_not_found(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not settings.DEBUG:
            return None
        if isinstance(exception, Http404):
            return page_not_found(request, exception)
        if isinstance(exception, SuspiciousOperation | BadRequest):
            return bad_request(request, exception)
        return None


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on every first page whatever the page links."""
    path = finders.find("favicon.ico")
    if not path:
        raise Http404("图标文件不存在")
    return FileResponse(open(path, "rb"), content_type="image/x-icon")
