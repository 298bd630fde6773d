"""撤销（作废） and 恢复 of official records from their pages, and the office's 已撤销 list
(rectification.services.withdraw holds the rules)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from accounts.scope import sees_withdrawn
from rectification import services
from rectification.views.common import flash_errors

# kind in the URL → (withdraw service, restore service, its keyword, what it is, where it is shown)
KINDS = {
    "round": (services.round_withdraw, services.round_restore, "round_", "督察轮次"),
    "problem": (services.problem_withdraw, services.problem_restore, "problem", "问题"),
    "task": (services.task_withdraw, services.task_restore, "task", "任务"),
    "petition": (services.petition_withdraw, services.petition_restore, "petition", "信访件"),
    "attachment": (
        services.attachment_withdraw,
        services.attachment_restore,
        "attachment",
        "佐证材料",
    ),
    "petition-attachment": (
        services.petition_attachment_withdraw,
        services.petition_attachment_restore,
        "attachment",
        "信访件佐证材料",
    ),
}


def page_of(kind: str, obj) -> str:
    """Where a record (withdrawn or not) is shown: its own page, or its task's or petition's."""
    if kind == "round":
        return reverse("round_detail", args=[obj.pk])
    if kind == "problem":
        return reverse("problem_detail", args=[obj.pk])
    if kind == "task":
        return reverse("task_detail", args=[obj.pk])
    if kind == "petition":
        return reverse("petition_detail", args=[obj.pk])
    if kind == "attachment":
        return reverse("task_detail", args=[obj.task_id])
    return reverse("petition_detail", args=[obj.petition_id])


def _kind(request: HttpRequest, kind: str):
    if kind not in KINDS:
        raise Http404("没有这类记录")
    if not sees_withdrawn(request.user):
        raise PermissionDenied("只有环督办或系统管理员可以撤销或恢复记录")
    return KINDS[kind]


def _back(request: HttpRequest, kind: str, obj) -> HttpResponse:
    """After a withdrawal the record's page (still open to the office, with its banner); after
    a refusal the page the form was on."""
    if obj is not None:
        return redirect(page_of(kind, obj))
    target = request.POST.get("next", "")
    return redirect(
        target if target.startswith("/") and not target.startswith("//") else "withdrawn_list"
    )


@login_required
@require_POST
def withdraw_record(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    withdraw, _restore, keyword, what = _kind(request, kind)
    obj, status = flash_errors(
        request,
        withdraw,
        actor=request.user,
        reason=request.POST.get("reason", ""),
        **{keyword: pk},
    )
    if not status:
        messages.success(request, f"{what}已撤销（作废）：{obj.withdrawal_reason}")
    return _back(request, kind, obj)


@login_required
@require_POST
def restore_record(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _withdraw, restore, keyword, what = _kind(request, kind)
    obj, status = flash_errors(request, restore, actor=request.user, **{keyword: pk})
    if not status:
        messages.success(request, f"{what}已恢复")
    return _back(request, kind, obj)


@login_required
@require_GET
def withdrawn_list(request: HttpRequest) -> HttpResponse:
    """已撤销: the office's (its region) or the administrator's withdrawn records, with 恢复."""
    if not sees_withdrawn(request.user):
        raise PermissionDenied("只有环督办或系统管理员可以查看已撤销的记录")
    found = services.withdrawn_in_scope(request.user)
    sections = [
        ("round", "督察轮次", found["rounds"]),
        ("problem", "问题（项）", found["problems"]),
        ("task", "整改任务", found["tasks"]),
        ("petition", "信访件", found["petitions"]),
        ("attachment", "任务佐证材料", found["attachments"]),
        ("petition-attachment", "信访件佐证材料", found["petition_attachments"]),
    ]
    rows = [
        (kind, label, [(obj, page_of(kind, obj)) for obj in objs]) for kind, label, objs in sections
    ]
    return render(request, "withdrawn/list.html", {"sections": rows})
