"""Pagination for the API.

Tasks: keyset pagination on (deadline, id), ascending, tasks without a deadline (长期坚持)
last. A page is "WHERE (deadline, id) > (last deadline, last id) ORDER BY deadline, id
LIMIT n+1", served by the (status, deadline, id) and (region, status, deadline, id)
indexes, so page 4,000 costs what page 1 costs (PERF.md: keyset 0.5 ms vs OFFSET 505 ms at
depth). The opaque cursor carries the last row's (deadline, id) and the direction.

The total count is taken on the scoped, filtered base queryset before the display columns
are joined in (PERF.md: a COUNT over the joins costs 5–30×). `count()` is the hook where a
very large unfiltered set may later be estimated (pg_class.reltuples) instead of counted.

Other lists are small (a city has hundreds of rows): page numbers.
"""

import base64
import binascii
import json
from datetime import date

from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import APIException
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class InvalidCursor(APIException):
    status_code = 400
    default_detail = "分页游标无效，请从第一页重新开始"
    default_code = "invalid_cursor"


class StandardPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TaskKeysetPagination(BasePagination):
    page_size = 50
    max_page_size = 200
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    # The order every page follows; `id` is the unique tiebreaker that makes equal deadlines
    # page stably.
    forward_order = (F("deadline").asc(nulls_last=True), F("id").asc())
    backward_order = (F("deadline").desc(nulls_first=True), F("id").desc())

    def count(self, queryset: QuerySet) -> int:
        """Total rows of the filtered list; no ordering, no display joins."""
        return queryset.order_by().count()

    def paginate_queryset(self, queryset, request, view=None, columns=()):
        self.request = request
        self.page_size = self._page_size(request)
        cursor = self._decode(request.query_params.get(self.cursor_query_param))
        self.total = self.count(queryset)
        backward = bool(cursor and cursor["b"])
        qs = queryset
        if cursor:
            qs = qs.filter(self._after(cursor["d"], cursor["i"], backward))
        qs = qs.order_by(*(self.backward_order if backward else self.forward_order))
        if columns:
            qs = qs.values(*columns)
        rows = list(qs[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backward:
            rows.reverse()
        self.has_next = more if not backward else True
        self.has_previous = bool(cursor) and (more if backward else True)
        self.rows = rows
        return rows

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.total,
                "next": self._link(self.rows[-1], backward=False) if self.has_next else None,
                "previous": self._link(self.rows[0], backward=True)
                if self.has_previous and self.rows
                else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "分页游标（取自上一页返回的 next/previous 链接）",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"每页条数（1–{self.max_page_size}，默认 {self.page_size}）",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]

    # -----------------------------------------------------------------------------------------

    def _page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            return self.page_size
        return max(1, min(size, self.max_page_size))

    @staticmethod
    def _after(deadline: date | None, pk: int, backward: bool) -> Q:
        """Rows strictly after (forward) or before (backward) the key in the list order."""
        if not backward:
            if deadline is None:
                return Q(deadline__isnull=True, id__gt=pk)
            return (
                Q(deadline__gt=deadline)
                | Q(deadline=deadline, id__gt=pk)
                | Q(deadline__isnull=True)
            )
        if deadline is None:
            return Q(deadline__isnull=False) | Q(deadline__isnull=True, id__lt=pk)
        return Q(deadline__lt=deadline) | Q(deadline=deadline, id__lt=pk)

    def _decode(self, raw: str | None):
        if not raw:
            return None
        try:
            padded = raw + "=" * (-len(raw) % 4)
            data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
            deadline = date.fromisoformat(data["d"]) if data["d"] is not None else None
            pk = int(data["i"])
            backward = bool(data.get("b", False))
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeEncodeError):
            raise InvalidCursor() from None
        return {"d": deadline, "i": pk, "b": backward}

    def _link(self, row, *, backward: bool) -> str:
        deadline = row["deadline"]
        if isinstance(deadline, str):
            deadline = date.fromisoformat(deadline)
        payload = {
            "d": deadline.isoformat() if deadline else None,
            "i": row["id"],
            "b": backward,
        }
        token = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, token)
