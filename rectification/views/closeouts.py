"""Close-out review: the unit head's 自验队列 and the office's 验收队列, notice, 销号, 回头看."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts import clock
from accounts.choices import Role
from accounts.scope import get_visible_or_404
from rectification import services
from rectification.choices import CloseoutStatus, TaskStatus
from rectification.forms import (
    AcceptForm,
    CloseForm,
    LookBackForm,
    ReturnForm,
    ReviewRecordForm,
    SelfCheckForm,
)
from rectification.models import CloseoutApplication, Task
from rectification.views.common import call_service, require_office


def _applications(request: HttpRequest):
    return CloseoutApplication.objects.visible_to(request.user).select_related(
        "task", "task__region", "task__lead_unit", "unit", "applied_by"
    )


def _visible_application(request: HttpRequest, pk: int) -> CloseoutApplication:
    return get_object_or_404(_applications(request).select_related("notice"), pk=pk)


@login_required
def selfcheck_queue(request: HttpRequest) -> HttpResponse:
    if request.user.role != Role.UNIT_HEAD or not request.user.unit_id:
        raise PermissionDenied("只有单位审核人可以进行县级自验")
    apps = (
        _applications(request)
        .filter(unit_id=request.user.unit_id, status=CloseoutStatus.SUBMITTED)
        .order_by("applied_at", "id")
    )
    return render(request, "closeouts/selfcheck_queue.html", {"applications": apps})


@login_required
@require_http_methods(["GET", "POST"])
def selfcheck_decide(request: HttpRequest, pk: int) -> HttpResponse:
    app = _visible_application(request, pk)
    if request.user.role != Role.UNIT_HEAD or request.user.unit_id != app.unit_id:
        raise PermissionDenied("只有申请单位的审核人可以进行县级自验")
    status = 200
    if request.method == "POST":
        form = SelfCheckForm(request.POST)
        if form.is_valid():
            passed = form.cleaned_data["decision"] == "pass"
            _, status = call_service(
                form,
                services.closeout_self_check,
                application=app,
                actor=request.user,
                passed=passed,
                opinion=form.cleaned_data["opinion"],
                expected_version=form.cleaned_data["version"],
            )
            if not status:
                messages.success(
                    request, "县级自验通过，已报环督办验收" if passed else "已退回申请单位"
                )
                return redirect("selfcheck_queue")
        else:
            status = 400
    else:
        form = SelfCheckForm(initial={"version": app.task.version, "decision": "pass"})
    return render(
        request,
        "closeouts/decide.html",
        {"app": app, "task": app.task, "form": form, "heading": "县级自验"},
        status=status,
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Applications after self-check, oldest first, and those in their notice period."""
    require_office(request)
    base = _applications(request)
    context = {
        "to_review": base.filter(status=CloseoutStatus.SELF_CHECKED).order_by("applied_at", "id"),
        "publicizing": base.filter(status=CloseoutStatus.ACCEPTED)
        .select_related("notice")
        .order_by("notice__end_date", "id"),
        "today": clock.today(),
    }
    return render(request, "closeouts/review_queue.html", context)


def _office_form(request, pk, form_class, template_heading, service, build_kwargs, success):
    require_office(request)
    app = _visible_application(request, pk)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            _, status = call_service(
                form,
                service,
                application=app,
                actor=request.user,
                expected_version=form.cleaned_data["version"],
                **build_kwargs(form.cleaned_data),
            )
            if not status:
                messages.success(request, success)
                return redirect("task_detail", pk=app.task_id)
        else:
            status = 400
    else:
        form = form_class(initial={"version": app.task.version})
    return render(
        request,
        "closeouts/decide.html",
        {"app": app, "task": app.task, "form": form, "heading": template_heading},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_accept(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_form(
        request,
        pk,
        AcceptForm,
        "验收通过并公示",
        services.closeout_accept,
        lambda d: {
            "opinion": d["opinion"],
            "level": d["level"],
            "notice_start": d["notice_start"],
            "notice_end": d["notice_end"],
            "contact_phone": d["contact_phone"],
        },
        "验收通过，已进入公示",
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_return(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_form(
        request,
        pk,
        ReturnForm,
        "验收退回",
        services.closeout_return,
        lambda d: {"reason": d["reason"], "objection_upheld": d["objection_upheld"]},
        "已退回申请单位",
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _office_form(
        request,
        pk,
        CloseForm,
        "销号",
        services.closeout_close,
        lambda d: {
            "objections": d["objections"],
            "objection_note": d["objection_note"],
            "doc_no": d["doc_no"],
        },
        "已销号",
    )


@login_required
@require_http_methods(["GET", "POST"])
def closeout_review(request: HttpRequest, pk: int) -> HttpResponse:
    """登记验收意见: a review made elsewhere (省级验收, 行业部门认定, 市级验收) on an application
    in review or in its notice period. It moves nothing; 销号 checks the levels it needs."""
    require_office(request)
    app = _visible_application(request, pk)
    status = 200
    if request.method == "POST":
        form = ReviewRecordForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            review, status = call_service(
                form,
                services.closeout_record_review,
                application=app,
                actor=request.user,
                level=d["level"],
                result=d["result"],
                method=d["method"],
                opinion=d["opinion"],
                actual_date=d["actual_date"],
                reviewers=d["reviewers"],
            )
            if not status:
                messages.success(
                    request,
                    f"已登记{review.get_level_display()}意见：{review.get_result_display()}",
                )
                return redirect("task_detail", pk=app.task_id)
        else:
            status = 400
    else:
        form = ReviewRecordForm(initial={"actual_date": clock.today()})
    return render(
        request,
        "closeouts/decide.html",
        {"app": app, "task": app.task, "form": form, "heading": "登记验收意见"},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_lookback(request: HttpRequest, pk: int) -> HttpResponse:
    require_office(request)
    task = get_visible_or_404(Task.objects.select_related("region"), request.user, pk=pk)
    closure = (
        CloseoutApplication.objects.filter(task=task, status=CloseoutStatus.APPROVED)
        .order_by("-closed_at")
        .first()
    )
    status = 200
    if request.method == "POST":
        form = LookBackForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            _, status = call_service(
                form,
                services.task_record_lookback,
                task=task,
                actor=request.user,
                check_date=d["check_date"],
                method=d["method"],
                result=d["result"],
                findings=d["findings"],
                new_deadline=d["new_deadline"],
                expected_version=d["version"],
            )
            if not status:
                messages.success(request, "回头看结果已登记")
                return redirect("task_detail", pk=task.pk)
        else:
            status = 400
    else:
        if task.status != TaskStatus.CLOSED:
            messages.info(request, "只能对已销号的任务开展回头看")
        form = LookBackForm(initial={"version": task.version, "check_date": clock.today()})
    return render(
        request,
        "closeouts/lookback.html",
        {"task": task, "form": form, "closure": closure},
        status=status,
    )
