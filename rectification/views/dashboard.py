"""The leader dashboard (read-only, scoped) and the public notice page (no login)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts import clock
from rectification.dashboard import (
    PUBLIC_RECENT_DAYS,
    can_view_dashboard,
    dashboard_for,
    public_closeouts,
    public_entry,
    task_list_url,
)

PUBLIC_PAGE_SIZE = 20


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """领导驾驶舱: figures for the user's region subtree; ?round=<id> narrows everything."""
    if not can_view_dashboard(request.user):
        raise PermissionDenied("只有领导、环督办和系统管理员可以查看领导驾驶舱")
    board = dashboard_for(request.user, round_id=request.GET.get("round"))
    return render(
        request,
        "dashboard/dashboard.html",
        {"board": board, "task_list_url": task_list_url()},
    )


@require_GET
def public_notices(request: HttpRequest) -> HttpResponse:
    """公示: close-outs in their notice period and recently closed, for anyone, no login.

    Deliberately unscoped (public by design, see rectification.dashboard.public_closeouts);
    only public columns are shown.
    """
    today = clock.today()
    paginator = Paginator(public_closeouts(today=today), PUBLIC_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    entries = [public_entry(app) for app in page.object_list]
    return render(
        request,
        "public/notices.html",
        {
            "page": page,
            "entries": entries,
            "today": today,
            "recent_days": PUBLIC_RECENT_DAYS,
        },
    )
