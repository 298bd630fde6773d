"""保存的筛选 on the task list: save the current filters under a name, delete one.

Both are buttons on the list (plain POST + redirect + message); the list shows the user's
saved filters as links to itself with the saved query (views.tasks.task_list)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from rectification import services
from rectification.views.common import flash_errors


def _task_list(query: str) -> str:
    return reverse("task_list") + (f"?{query}" if query else "")


@login_required
@require_POST
def saved_filter_create(request: HttpRequest) -> HttpResponse:
    query = request.POST.get("query", "")
    saved, status = flash_errors(
        request,
        services.saved_filter_create,
        user=request.user,
        name=request.POST.get("name", ""),
        query=query,
    )
    if status:
        # Back to the list as it was, the refusal shown there; nothing saved.
        return redirect(_task_list(query.lstrip("?")))
    messages.success(request, f"已保存筛选“{saved.name}”")
    return redirect(_task_list(saved.query))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _, status = flash_errors(request, services.saved_filter_delete, user=request.user, pk=pk)
    if not status:
        messages.success(request, "已删除保存的筛选")
    return redirect(_task_list(request.POST.get("query", "").lstrip("?")))
