"""The notification centre: a user's own in-app notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe

from rectification import services
from rectification.choices import NotificationChannel
from rectification.models import Notification
from rectification.views.common import call_service


def _safe_target(request: HttpRequest, target: str) -> str | None:
    """`target` when it stays on this site (a path, or a URL of this host), else None."""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = (
        Notification.objects.visible_to(request.user)
        .filter(channel=NotificationChannel.INAPP)
        .order_by("-created_at", "-id")
    )
    unread_only = request.GET.get("unread") == "1"
    if unread_only:
        notes = notes.filter(read_at__isnull=True)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page, "unread_only": unread_only})


@login_required
@require_safe
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification's link: it is marked read, then the user lands on its page.

    Only the recipient may open it (someone else's is a 404, as for one that does not exist);
    a notification without a link, or with one off this site, leads back to the list."""
    note = Notification.objects.visible_to(request.user).filter(pk=pk).only("pk", "url").first()
    if note is None:
        raise Http404("通知不存在或不是发给您的")
    call_service(None, services.notification_mark_read, actor=request.user, notification_id=pk)
    return redirect(_safe_target(request, note.url) or "notification_list")


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    call_service(None, services.notification_mark_read, actor=request.user, notification_id=pk)
    return redirect(_safe_target(request, request.POST.get("next", "")) or "notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count, _ = call_service(None, services.notification_mark_read, actor=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读")
    return redirect("notification_list")
