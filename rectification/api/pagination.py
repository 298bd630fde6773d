"""Pagination for the API.

Tasks: keyset pagination on (deadline, id), ascending, tasks without a deadline (长期坚持)
last. The opaque cursor carries the last row's (deadline, id), the direction and the total.

- A page after a dated key is "WHERE (deadline, id) > (d, i)": a row comparison, which the
  (status, deadline, id) and (region, status, deadline, id) indexes range-scan from the key, so
  a page 200,000 rows deep reads no more than the first page does (an OR of "deadline > d OR
  (deadline = d AND id > i) OR deadline IS NULL" cannot be a range condition: it read the
  whole filtered set on every page). Undated rows are read only when the dated rows run out
  before the page is full: one more query on that one page of the walk.
- The page's ids are chosen in a subquery and only those rows are joined to the display
  columns (joining before the top-N sort would join every matching row).
- The total (`count`) is counted exactly up to COUNT_CAP rows, which an index answers in a
  couple of milliseconds. Above that, PostgreSQL's planner estimate is given instead and
  `count_exact` is false (the page says "约"): an exact COUNT of the whole province's 440,000
  整改中 tasks cost ~85 ms on every request (docs/performance.md: never count a large set per request).
  Pages after the first take the total from the cursor instead of counting again.

Cursors are signed (django.core.signing, salted with the user's id): a cursor the client
edited, built itself or took from another account is refused with a 400, so the total it
carries is always the server's own.

Other lists are small (a city has hundreds of rows): page numbers.
"""

from datetime import date

from django.core import signing
from django.db.models import F, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan, TupleLessThan
from rest_framework.exceptions import APIException
from rest_framework.pagination import BasePagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from rectification.selectors import count_capped


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
    # Up to this many rows the total is exact; above it, estimated (PostgreSQL).
    count_cap = 10_000

    # The order every page follows; `id` is the unique tiebreaker that makes equal deadlines
    # page stably.
    forward_order = (F("deadline").asc(nulls_last=True), F("id").asc())
    backward_order = (F("deadline").desc(nulls_first=True), F("id").desc())

    def count(self, queryset: QuerySet) -> tuple[int, bool]:
        """(total, exact) of the filtered list; no ordering, no display joins."""
        return count_capped(queryset, self.count_cap)

    def paginate_queryset(self, queryset, request, view=None, columns=()):
        self.request = request
        self.page_size = self._page_size(request)
        cursor = self._decode(request.query_params.get(self.cursor_query_param), request.user)
        if cursor and cursor["n"] is not None:
            self.total, self.exact = cursor["n"], cursor["x"]
        else:
            self.total, self.exact = self.count(queryset)
        backward = bool(cursor and cursor["b"])
        want = self.page_size + 1
        if cursor is None:
            rows = self._rows(queryset, self.forward_order, want, columns)
        elif not backward:
            rows = self._forward(queryset, cursor["d"], cursor["i"], want, columns)
        else:
            rows = self._backward(queryset, cursor["d"], cursor["i"], want, columns)
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backward:
            rows.reverse()
        self.has_next = more if not backward else True
        self.has_previous = bool(cursor) and (more if backward else True)
        self.backward = backward
        self.rows = rows
        return rows

    def get_paginated_response(self, data):
        if not self.rows:
            # An empty page (a previous link whose rows have since left the filter, or a list
            # with nothing in it): what follows it is the first page.
            following = self._first_page() if self.has_previous or self.backward else None
        elif self.has_next:
            following = self._link(self.rows[-1], backward=False)
        else:
            following = None
        return Response(
            {
                "count": self.total,
                "count_exact": self.exact,
                "next": following,
                "previous": self._link(self.rows[0], backward=True)
                if self.has_previous and self.rows
                else None,
                "results": data,
            }
        )

    # -----------------------------------------------------------------------------------------

    def _forward(self, qs, deadline, pk, want, columns) -> list:
        if deadline is None:
            return self._rows(
                qs.filter(deadline__isnull=True, id__gt=pk), self.forward_order, want, columns
            )
        rows = self._rows(
            qs.filter(TupleGreaterThan(Tuple(F("deadline"), F("id")), (deadline, pk))),
            self.forward_order,
            want,
            columns,
        )
        if len(rows) < want:  # the dated rows ran out: the undated ones follow
            rows += self._rows(
                qs.filter(deadline__isnull=True), self.forward_order, want - len(rows), columns
            )
        return rows

    def _backward(self, qs, deadline, pk, want, columns) -> list:
        dated = qs.filter(deadline__isnull=False)
        if deadline is not None:
            return self._rows(
                dated.filter(TupleLessThan(Tuple(F("deadline"), F("id")), (deadline, pk))),
                self.backward_order,
                want,
                columns,
            )
        rows = self._rows(
            qs.filter(deadline__isnull=True, id__lt=pk), self.backward_order, want, columns
        )
        if len(rows) < want:  # before the first undated row come the last dated ones
            rows += self._rows(dated, self.backward_order, want - len(rows), columns)
        return rows

    @staticmethod
    def _rows(qs: QuerySet, order, limit: int, columns) -> list:
        """`limit` rows in `order`: ids chosen by the index, display columns joined after."""
        ids = qs.order_by(*order).values("pk")[:limit]
        page = qs.model._base_manager.filter(pk__in=ids).order_by(*order)
        return list(page.values(*columns) if columns else page)

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["count", "count_exact", "results"],
            "properties": {
                "count": {"type": "integer", "example": 123},
                "count_exact": {
                    "type": "boolean",
                    "description": "count 是否为精确值（超过 1 万条时为估算值）",
                },
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

    def _decode(self, raw: str | None, user):
        if not raw:
            return None
        try:
            data = signing.loads(raw, salt=cursor_salt(user))
            deadline = date.fromisoformat(data["d"]) if data["d"] is not None else None
            pk = int(data["i"])
            backward = bool(data.get("b", False))
            total = data.get("n")
            total = int(total) if total is not None else None
            if total is not None and total < 0:
                raise ValueError
        except (signing.BadSignature, ValueError, TypeError, KeyError, AttributeError):
            raise InvalidCursor() from None
        return {"d": deadline, "i": pk, "b": backward, "n": total, "x": bool(data.get("x", True))}

    def _link(self, row, *, backward: bool) -> str:
        deadline = row["deadline"]
        if isinstance(deadline, str):
            deadline = date.fromisoformat(deadline)
        token = encode_cursor(
            deadline,
            row["id"],
            user=self.request.user,
            backward=backward,
            total=(self.total, self.exact),
        )
        url = self.request.build_absolute_uri()
        url = remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, token)

    def _first_page(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)


def cursor_salt(user) -> str:
    """A cursor is good for the account it was given to only."""
    return f"rectification.task-cursor:{getattr(user, 'pk', None)}"


def encode_cursor(
    deadline: date | None,
    pk: int,
    *,
    user,
    backward: bool = False,
    total: tuple[int, bool] | None = None,
) -> str:
    """The opaque, signed cursor of the row (deadline, pk); `total` (count, exact) rides along."""
    payload = {"d": deadline.isoformat() if deadline else None, "i": pk, "b": backward}
    if total is not None:
        payload["n"], payload["x"] = total
    return signing.dumps(payload, salt=cursor_salt(user), compress=True)
