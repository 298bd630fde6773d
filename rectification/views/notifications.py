"""The notification centre: a user's own in-app notifications."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from rectification import services
from rectification.choices import NotificationChannel
from rectification.models import Notification
from rectification.views.common import call_service


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notes = (
        Notification.objects.visible_to(request.user)
        .filter(channel=NotificationChannel.INAPP)
        .order_by("-created_at", "-id")
    )
    if request.GET.get("unread") == "1":
        notes = notes.filter(read_at__isnull=True)
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    call_service(None, services.notification_mark_read, actor=request.user, notification_id=pk)
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("notification_list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count, _ = call_service(None, services.notification_mark_read, actor=request.user)
    messages.success(request, f"已将 {count} 条通知标为已读")
    return redirect("notification_list")
