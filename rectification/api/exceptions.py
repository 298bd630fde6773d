"""One exception handler for the API: every 4xx body has the same shape.

    {"detail": "<中文说明>", "field": "<字段，可无>", "errors": {<字段>: [<说明>…]}（可无）}

Service errors map to statuses: NotFound → 404, NotAllowed → 403, InvalidState → 409,
StaleVersion → 412 (the API's If-Match precondition; pages show it as 409),
InvalidInput → 400. Over a rate limit: 429 with Retry-After. DRF's own errors (validation, authentication, parsing) keep their
status and are reshaped so that `detail` is always one readable message.
"""

import re

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from accounts.errors import (
    InvalidInput,
    InvalidState,
    NotAllowed,
    NotFound,
    ServiceError,
    StaleVersion,
)

SERVICE_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (InvalidState, status.HTTP_409_CONFLICT),
    (StaleVersion, status.HTTP_412_PRECONDITION_FAILED),
    (InvalidInput, status.HTTP_400_BAD_REQUEST),
)


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "该任务已被他人修改，请刷新后重试（您的修改未保存）"
    default_code = "precondition_failed"


_CJK = re.compile(r"[\u4e00-\u9fff]")

# DRF messages its Chinese catalogue lacks.
UNTRANSLATED = {"No data provided": "请求内容为空"}


def _first_message(errors) -> tuple[str | None, str]:
    """(field, message) of the first error in a DRF error structure."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            field, message = _first_message(value)
            return (field or key if key != "non_field_errors" else field), message
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return None, UNTRANSLATED.get(str(errors), str(errors))


def api_exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        code = next(
            (mapped for cls, mapped in SERVICE_STATUS if isinstance(exc, cls)),
            status.HTTP_400_BAD_REQUEST,
        )
        body = {"detail": exc.message}
        if exc.field:
            body["field"] = exc.field
        return Response(body, status=code)
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, Http404) and not _CJK.search(str(exc)):
        # get_object_or_404's "No X matches the given query." names the model in English
        exc = exceptions.NotFound("对象不存在或不在您的权限范围内")
    if isinstance(exc, exceptions.Throttled):
        # DRF's message is English; Retry-After is still set from exc.wait
        wait = f"{int(exc.wait) + 1} 秒后" if exc.wait is not None else "稍后"
        exc.detail = exceptions.ErrorDetail(f"请求过于频繁，请{wait}再试", code=exc.default_code)
    if isinstance(exc, exceptions.ParseError):
        # DRF's message is English, with the parser's own words
        exc.detail = exceptions.ErrorDetail("请求内容不是有效的 JSON，无法解析", code="parse_error")
    if isinstance(exc, exceptions.UnsupportedMediaType):
        exc.detail = exceptions.ErrorDetail(
            "不支持的请求内容类型，请以 application/json 提交", code="unsupported_media_type"
        )
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError) or not (
        isinstance(data, dict) and set(data) == {"detail"}
    ):
        field, message = _first_message(data)
        body = {"detail": f"{field}：{message}" if field else message, "errors": data}
        if field:
            body["field"] = field
        if not isinstance(data, dict):
            body["errors"] = {"non_field_errors": data}
        response.data = body
    return response
