"""审计导出: the page (/audit/), its CSV and xlsx downloads, and /api/v1/events/ (exchange.audit).

The office and the administrator only: anyone else is refused with a 403 (which the access
log records, as it records every download here: accounts.access)."""

from urllib.parse import quote, urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied
from rest_framework.views import APIView

from accounts import clock
from exchange import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFUSED = "审计导出仅供环督办和系统管理员使用。"
API_MAX_LIMIT = 1000


def _form(request: HttpRequest) -> audit.AuditFilter:
    return audit.AuditFilter(request.GET or None, user=request.user)


def _errors(form: audit.AuditFilter) -> list[str]:
    return [message for messages in form.errors.values() for message in messages]


def _checked(request: HttpRequest) -> tuple[audit.AuditFilter, audit.Filters | None]:
    if not audit.can_read(request.user):
        raise PermissionDenied(REFUSED)
    form = _form(request)
    if form.is_bound and not form.is_valid():
        return form, None
    return form, audit.filters_from(form) if form.is_bound else audit.Filters()


def _disposition(ext: str) -> str:
    stamp = f"{clock.now():%Y%m%d-%H%M}"
    name = f"审计导出-{stamp}.{ext}"
    return f"attachment; filename=\"audit-{stamp}.{ext}\"; filename*=UTF-8''{quote(name)}"


@login_required
@require_GET
def audit_page(request: HttpRequest) -> HttpResponse:
    form, filters = _checked(request)
    context = {"form": form, "errors": _errors(form) if filters is None else []}
    if filters is not None:
        query = urlencode(filters.query())
        context.update(
            rows=audit.first(request.user, filters),
            total=audit.count(request.user, filters),
            limit=audit.PAGE_ROWS,
            query=query,
        )
    return render(request, "audit/audit.html", context, status=200 if filters is not None else 400)


@login_required
@require_GET
def audit_csv(request: HttpRequest) -> HttpResponse:
    form, filters = _checked(request)
    if filters is None:
        return render(
            request, "audit/audit.html", {"form": form, "errors": _errors(form)}, status=400
        )
    response = StreamingHttpResponse(
        audit.csv_lines(audit.rows(request.user, filters)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = _disposition("csv")
    return response


@login_required
@require_GET
def audit_xlsx(request: HttpRequest) -> HttpResponse:
    form, filters = _checked(request)
    if filters is None:
        return render(
            request, "audit/audit.html", {"form": form, "errors": _errors(form)}, status=400
        )
    response = HttpResponse(audit.xlsx_bytes(audit.rows(request.user, filters)), content_type=XLSX)
    response["Content-Disposition"] = _disposition("xlsx")
    return response


def _int(value: str | None, default: int, *, low: int, high: int) -> int | None:
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except ValueError:
        return None
    return number if low <= number <= high else None


class AuditEventsView(APIView):
    """GET /api/v1/events/: the audit list as JSON (limit/offset), or as a file (?file=)."""

    @extend_schema(
        operation_id="audit_events",
        summary="审计：操作记录（整改任务、督察与信访、账号）",
        description=(
            "仅环督办和系统管理员；权限范围与页面 /audit/ 相同。按时间倒序；"
            "file=csv 或 file=xlsx 时下载文件（每次下载记入访问日志）。"
        ),
        parameters=[
            OpenApiParameter("task", str, description="任务编号"),
            OpenApiParameter("round", int, description="督察轮次 id"),
            OpenApiParameter("petition", str, description="信访件受理编号"),
            OpenApiParameter("actor", str, description="操作人用户名或姓名"),
            OpenApiParameter("date_from", OpenApiTypes.DATE, description="起始日期"),
            OpenApiParameter("date_to", OpenApiTypes.DATE, description="截止日期"),
            OpenApiParameter("limit", int, description=f"条数（1–{API_MAX_LIMIT}，默认 100）"),
            OpenApiParameter("offset", int, description="跳过的条数"),
            OpenApiParameter("file", str, enum=["csv", "xlsx"], description="下载文件"),
        ],
        responses={
            200: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="筛选条件无效"),
            401: OpenApiResponse(description="未登录或令牌无效"),
            403: OpenApiResponse(description="无权查看"),
        },
        tags=["audit"],
    )
    def get(self, request):
        user = request.user
        if not audit.can_read(user):
            raise ApiPermissionDenied(REFUSED)
        params = request.query_params
        form = audit.AuditFilter(params, user=user)
        limit = _int(params.get("limit"), 100, low=1, high=API_MAX_LIMIT)
        offset = _int(params.get("offset"), 0, low=0, high=10**9)
        kind = params.get("file", "")
        problems = [] if form.is_valid() else _errors(form)
        if limit is None:
            problems.append(f"limit 应为 1–{API_MAX_LIMIT} 的整数。")
        if offset is None:
            problems.append("offset 应为不小于 0 的整数。")
        if kind not in ("", "csv", "xlsx"):
            problems.append("file 只能是 csv 或 xlsx。")
        if problems:
            return JsonResponse(
                {"detail": "筛选条件无效", "errors": problems},
                status=400,
                json_dumps_params={"ensure_ascii": False},
            )
        filters = audit.filters_from(form)
        if kind == "csv":
            response = StreamingHttpResponse(
                audit.csv_lines(audit.rows(user, filters)), content_type="text/csv; charset=utf-8"
            )
        elif kind == "xlsx":
            response = HttpResponse(audit.xlsx_bytes(audit.rows(user, filters)), content_type=XLSX)
        else:
            return JsonResponse(
                {
                    "count": audit.count(user, filters),
                    "results": [row.as_dict() for row in audit.first(user, filters, limit, offset)],
                },
                json_dumps_params={"ensure_ascii": False},
            )
        response["Content-Disposition"] = _disposition(kind)
        return response
