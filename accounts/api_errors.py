"""The API's error body, documented once for every app's API (rectification and inspections).

Every 4xx answer of /api/v1/ has the shape ErrorSerializer describes; the exception handler
that produces it is rectification.api.exceptions.api_exception_handler (settings). This
module sits below both apps so that inspections.api can document its errors without
importing rectification (the apps depend one way: rectification → inspections → accounts).
"""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The body of every 4xx answer: a Chinese message, maybe the field and per-field errors."""

    detail = serializers.CharField(help_text="中文说明")
    field = serializers.CharField(required=False, help_text="出错的字段")
    errors = serializers.DictField(
        child=serializers.JSONField(), required=False, help_text="逐字段的校验错误"
    )


_ERROR_TEXT = {
    400: "输入有误（detail 为中文说明，field 为出错字段）",
    401: "未登录或令牌无效",
    403: "无权执行此操作（如领导账号只读、非责任单位）",
    404: "对象不存在或不在您的权限范围内",
    409: "对象当前状态不允许此操作",
    412: "If-Match 与当前版本不符：任务已被他人修改，未做任何更改",
}


def errors(*codes: int) -> dict:
    """drf-spectacular `responses` for these error statuses."""
    return {code: OpenApiResponse(ErrorSerializer, description=_ERROR_TEXT[code]) for code in codes}


READ_ERRORS = errors(401, 404)
LIST_ERRORS = errors(400, 401, 404)  # 404: page number past the end
WRITE_ERRORS = errors(400, 401, 403, 404, 409, 412)
