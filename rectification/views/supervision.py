"""督办 after it is written: the unit's 督办事项 (read and reply), the office's 签发 and 办结."""

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
from rectification.forms import SupervisionIssueForm, SupervisionReplyForm
from rectification.models import SupervisionNotice, Task
from rectification.views.common import (
    call_service,
    flash_errors,
    form_page,
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
