"""Pages of the monthly dispatch report (月调度通报): the list and the report (its Excel
download is exchange.views.dispatch_xlsx).

Offices, leaders and administrators read them; reporters and unit heads get 403. A report
whose region is outside the reader's region subtree is a 404 (DispatchReport.visible_to).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.scope import Reach, scope_of
from rectification.dispatch_layout import SUMMARY_COLUMNS, TABLES, headline_rows, report_title
from rectification.models import DispatchReport
from rectification.views.jobs import may_see_jobs

READER_ROLES = (Role.OFFICE, Role.LEADER, Role.ADMIN)


def _require_reader(request: HttpRequest) -> None:
    user = request.user
    if scope_of(user).reach is Reach.ALL:
        return
    if user.role not in READER_ROLES or scope_of(user).reach is not Reach.REGION:
        raise PermissionDenied("月调度通报仅供环督办和领导查阅")


def readable_report(request: HttpRequest, pk: int) -> DispatchReport:
    """The report, for an office or leader user whose region holds it (else 403/404)."""
    _require_reader(request)
    report = (
        DispatchReport.objects.visible_to(request.user)
        .select_related("region")
        .filter(pk=pk)
        .first()
    )
    if report is None:
        raise Http404("通报不存在或不在您的权限范围内")
    return report


@login_required
def dispatch_list(request: HttpRequest) -> HttpResponse:
    _require_reader(request)
    reports = (
        DispatchReport.objects.visible_to(request.user)
        .select_related("region")
        .order_by("-month", "region__path")[:120]
    )
    return render(
        request,
        "dispatch/list.html",
        {"reports": reports, "may_see_jobs": may_see_jobs(request.user)},
    )


@login_required
def dispatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = readable_report(request, pk)
    figures = report.figures
    unit_deltas = (figures.get("previous") or {}).get("units", {})
    tables = []
    for table in TABLES:
        rows = figures.get(table.key, [])
        cells = [[row.get(c.key, "") for c in table.columns] for row in rows]
        if table.key == "units":
            deltas = [unit_deltas.get(str(row["unit_id"])) for row in rows]
        else:
            deltas = [None] * len(rows)
        tables.append(
            {
                "key": table.key,
                "title": table.title,
                "headers": [c.header for c in table.columns],
                "rows": list(zip(cells, deltas, strict=True)),
                "with_delta": table.key == "units" and bool(unit_deltas),
            }
        )
    return render(
        request,
        "dispatch/detail.html",
        {
            "report": report,
            "title": report_title(report),
            "summary_headers": [c.header for c in SUMMARY_COLUMNS],
            "summary": headline_rows(report),
            "previous_month": (figures.get("previous") or {}).get("month"),
            "tables": tables,
        },
    )
