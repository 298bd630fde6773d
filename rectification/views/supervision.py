"""督办 after it is written: the unit's 督办事项 (read and reply), the office's 签发, 不予签发
and 办结; the office's manual warnings on a task (raise, clear)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import clock
from accounts.scope import get_visible_or_404
from rectification import services
from rectification.choices import SupervisionStatus
from rectification.forms import (
    ReasonForm,
    SupervisionIssueForm,
    SupervisionReplyForm,
    WarningRaiseForm,
)
from rectification.models import SupervisionNotice, Task, Warning
from rectification.views.common import (
    call_service,
    flash_errors,
    form_page,
    require_move,
    require_office,
    require_unit_member,
)

INBOX_LIMIT = 200


def _inbox(
    request: HttpRequest, failed: tuple[int, SupervisionReplyForm] | None = None, status=200
):
    """The notices addressed to the user's unit, those awaiting a reply first.

    Proposed letters (拟发) are the office's drafts: the scope table hides them from units.
    `failed` is a reply form refused by the service, shown again with its error under its
    notice.
    """
    awaiting_first = Case(
        When(status=SupervisionStatus.ISSUED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    notices = list(
        SupervisionNotice.objects.visible_to(request.user)
        .select_related("issued_by")
        .prefetch_related(
            Prefetch(
                "tasks", queryset=Task.objects.visible_to(request.user).only("id", "code", "name")
            )
        )
        .order_by(awaiting_first, "-issued_on", "-id")[:INBOX_LIMIT]
    )
    for notice in notices:
        if notice.status == SupervisionStatus.ISSUED:
            if failed is not None and failed[0] == notice.pk:
                notice.reply_form = failed[1]
            else:
                notice.reply_form = SupervisionReplyForm(auto_id=f"id_%s_{notice.pk}")
    awaiting = sum(1 for n in notices if n.status == SupervisionStatus.ISSUED)
    return render(
        request,
        "supervision/inbox.html",
        {"notices": notices, "awaiting": awaiting, "form": failed[1] if failed else None},
        status=status,
    )


@login_required
def supervision_inbox(request: HttpRequest) -> HttpResponse:
    require_unit_member(request)
    return _inbox(request)


@login_required
@require_POST
def supervision_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """The target unit's written answer. Out of scope is a 404 (the service's NotFound), and
    anyone but a member of the target unit gets a 403."""
    form = SupervisionReplyForm(request.POST, auto_id=f"id_%s_{pk}")
    form.is_valid()  # optional fields only: the service judges the text, after scope and role
    _, status = call_service(
        form,
        services.supervision_notice_reply,
        notice=pk,
        actor=request.user,
        reply_text=form.cleaned_data.get("reply_text", ""),
    )
    if not status:
        messages.success(request, "已回复，环督办将收到通知")
        return redirect("supervision_inbox")
    return _inbox(request, failed=(pk, form), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def supervision_issue(request: HttpRequest, pk: int) -> HttpResponse:
    """签发 a letter the warnings job proposed: the office gives it a 文号 and a date."""
    require_office(request)
    notice = get_visible_or_404(
        SupervisionNotice.objects.select_related("target_unit"), request.user, pk=pk
    )
    return form_page(
        request,
        form_class=SupervisionIssueForm,
        template="supervision/issue.html",
        context={"notice": notice},
        initial={"issued_on": clock.today()},
        service=services.supervision_notice_issue,
        inputs=lambda d: {
            "notice": notice,
            "actor": request.user,
            "doc_no": d["doc_no"],
            "issued_on": d["issued_on"],
            "reply_due": d["reply_due"],
        },
        success=f"已签发，已通知{notice.target_unit.display_name}",
        done=reverse("supervision_list"),
    )


@login_required
@require_POST
def supervision_close(request: HttpRequest, pk: int) -> HttpResponse:
    require_office(request)
    notice, status = flash_errors(
        request, services.supervision_notice_close, notice=pk, actor=request.user
    )
    if not status:
        messages.success(request, f"“{notice.title}”已办结")
    return redirect("supervision_list")


# ---------------------------------------------------------------------------------------------
# The escalation ladder's decisions: proposals declined, manual warnings raised and cleared


@login_required
@require_POST
def supervision_dismiss(request: HttpRequest, pk: int) -> HttpResponse:
    """不予签发: the office declines a 督办函 or 约谈 the warnings job proposed, with a reason."""
    require_office(request)
    form = ReasonForm(request.POST)
    form.is_valid()  # the service judges the reason, after scope and role
    notice, status = flash_errors(
        request,
        services.supervision_notice_dismiss,
        notice=pk,
        actor=request.user,
        reason=form.cleaned_data.get("reason", ""),
    )
    if not status:
        messages.success(request, f"“{notice.title}”不予签发")
    elif "reason" in form.errors or not form.cleaned_data.get("reason"):
        messages.error(request, "请填写不予签发的理由")
    return redirect("supervision_list")


def _task_warnings(task: Task):
    return list(
        Warning.objects.filter(task=task, auto=False)
        .select_related("issued_by", "resolved_by")
        .order_by("resolved_at", "-day", "-id")
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_warnings(request: HttpRequest, pk: int) -> HttpResponse:
    """The office's warnings on one task: raise a 黄牌/红灯 by hand, see and clear those
    standing (each with a reason)."""
    require_move(request.user, "warning")
    task = get_visible_or_404(Task.objects.select_related("region"), request.user, pk=pk)
    warnings = _task_warnings(task)
    return form_page(
        request,
        form_class=WarningRaiseForm,
        template="supervision/task_warnings.html",
        context={
            "task": task,
            "standing": [w for w in warnings if w.resolved_at is None],
            "cleared": [w for w in warnings if w.resolved_at is not None],
            "clear_form": ReasonForm(),
        },
        service=services.warning_raise,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "level": d["level"],
            "reason": d["reason"],
            "note": d["note"],
        },
        success=lambda w: f"已对 {task.code} 亮{w.get_level_display()}（{w.get_reason_display()}）",
        done=reverse("task_warnings", args=[task.pk]),
    )


@login_required
@require_POST
def warning_clear(request: HttpRequest, pk: int) -> HttpResponse:
    """解除 a manual warning, with a reason; back to its task's warnings page."""
    require_move(request.user, "warning")
    warning = get_visible_or_404(Warning.objects.all(), request.user, pk=pk)
    form = ReasonForm(request.POST)
    form.is_valid()
    cleared, status = flash_errors(
        request,
        services.warning_clear,
        warning=warning,
        actor=request.user,
        reason=form.cleaned_data.get("reason", ""),
    )
    if not status:
        messages.success(
            request, f"已解除{cleared.get_level_display()}（{cleared.get_reason_display()}）"
        )
    elif not form.cleaned_data.get("reason"):
        messages.error(request, "请填写解除理由")
    return redirect("task_warnings", pk=warning.task_id)
