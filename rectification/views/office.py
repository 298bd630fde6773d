"""Office pages: 延期审批, 预警, 督办, task units and new tasks (点位)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.choices import RegionLevel
from accounts.ids import parse_id
from accounts.models import Region, Unit
from accounts.scope import get_visible_or_404, is_office
from inspections.models import Problem
from rectification import services, workbench
from rectification.choices import AssignmentRole, ExtensionStatus, SupervisionStatus, WarningLevel
from rectification.forms import (
    ExtensionDecisionForm,
    OverdueExtensionForm,
    ReportReviewForm,
    SupervisionForm,
    TaskCreateForm,
    TaskUnitsForm,
)
from rectification.models import (
    Assignment,
    Extension,
    ProgressReport,
    SupervisionNotice,
    Task,
    Warning,
)
from rectification.selectors import standing_warnings
from rectification.views.common import (
    call_service,
    flash_errors,
    form_page,
    require_move,
    require_office,
    require_office_or_leader,
)


def _units_in_scope(user):
    units = Unit.objects.visible_to(user).filter(is_active=True).select_related("region")
    return units.order_by("region__path", "sort", "id")


def _counties_in_scope(user):
    regions = Region.objects.visible_to(user)
    return regions.filter(level__in=[RegionLevel.CITY, RegionLevel.COUNTY]).order_by("path")


# ---------------------------------------------------------------------------------------------
# Extensions


@login_required
def extension_queue(request: HttpRequest) -> HttpResponse:
    require_office(request)
    return render(request, "office/extension_queue.html", extension_context(request))


def extension_context(request: HttpRequest) -> dict:
    """What 延期审批 shows (also re-rendered by views.batch after a refused batch)."""
    extensions = (
        Extension.objects.visible_to(request.user)  # pending: workbench.pending_extensions
        .select_related("task", "task__region", "unit", "requested_by", "decided_by")
        .order_by("status", "created_at")
    )
    return {
        "pending": [e for e in extensions if e.status == ExtensionStatus.PENDING],
        "decided": [e for e in extensions if e.status != ExtensionStatus.PENDING][:50],
        "batch_limit": services.BATCH_LIMIT,
    }


@login_required
@require_POST
def extension_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require_move(request.user, "extension_decide")
    form = ExtensionDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审批结论")
        return redirect("extension_queue")
    approve = form.cleaned_data["decision"] == "approve"
    if approve and not form.cleaned_data["confirm"]:
        # Approval moves the working deadline: confirm it on a page that shows what changes.
        extension = get_visible_or_404(
            Extension.objects.select_related("task", "unit", "requested_by"), request.user, pk=pk
        )
        if extension.status != ExtensionStatus.PENDING:
            messages.error(request, "该延期申请已经审批过")
            return redirect("extension_queue")
        return render(
            request,
            "office/extension_confirm.html",
            {"e": extension, "note": form.cleaned_data["note"]},
        )
    _, status = call_service(
        form,
        services.extension_decide,
        extension=pk,
        actor=request.user,
        approve=approve,
        note=form.cleaned_data["note"],
    )
    if status:
        for error in form.errors.values():
            for message in error:
                messages.error(request, message)
    else:
        messages.success(request, "已批准延期" if approve else "已驳回延期申请")
    return redirect("extension_queue")


@login_required
@require_http_methods(["GET", "POST"])
def task_extension_overdue(request: HttpRequest, pk: int) -> HttpResponse:
    """逾期后延期: the office extends a task already past its deadline, with a reason."""
    require_move(request.user, "extension_overdue")
    task = get_visible_or_404(Task.objects.select_related("round", "region"), request.user, pk=pk)
    return form_page(
        request,
        form_class=OverdueExtensionForm,
        template="office/task_extension_overdue.html",
        context={"task": task},
        initial={"version": task.version},
        service=services.extension_grant_overdue,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "new_deadline": d["new_deadline"],
            "reason": d["reason"],
            "expected_version": d["version"],
        },
        success="已作逾期后延期；统计中该任务仍按原定时限计为逾期",
        done=reverse("task_detail", args=[task.pk]),
    )


@login_required
@require_POST
def report_review(request: HttpRequest, pk: int) -> HttpResponse:
    """已审阅 / 退回补充 on a progress report, from the task page."""
    require_move(request.user, "report_review")
    report = get_visible_or_404(ProgressReport.objects.all(), request.user, pk=pk)
    form = ReportReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择审阅结论")
        return redirect("task_detail", report.task_id)
    returned = form.cleaned_data["decision"] == "returned"
    _, status = flash_errors(
        request,
        services.report_review,
        report=report.pk,
        actor=request.user,
        returned=returned,
        note=form.cleaned_data["note"],
    )
    if not status:
        messages.success(request, "已退回补充，并通知报送单位" if returned else "已标记为已审阅")
    return redirect("task_detail", report.task_id)


# ---------------------------------------------------------------------------------------------
# Warnings


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    require_office_or_leader(request)
    return render(request, "office/warning_list.html", warning_context(request))


def warning_context(request: HttpRequest) -> dict:
    """What 预警 shows (also re-rendered by views.batch after a refused batch)."""
    level = request.GET.get("level", "")
    # What stands today (selectors.standing_warnings), as on the task page.
    standing = standing_warnings(Warning.objects.visible_to(request.user))
    warnings = standing.select_related("task", "task__region", "task__lead_unit", "unit").order_by(
        "-day", "-id"
    )
    if level in WarningLevel.values:
        warnings = warnings.filter(level=level)
    counts = dict(standing.order_by().values_list("level").annotate(n=Count("*")))
    levels = [(v, label, counts.get(v, 0)) for v, label in WarningLevel.choices if v != "NONE"]
    return {
        "warnings": warnings[: services.BATCH_LIMIT],
        "levels": levels,
        "level": level,
        "batch_limit": services.BATCH_LIMIT,
        "can_act": is_office(request.user),
    }


# ---------------------------------------------------------------------------------------------
# Supervision notices


@login_required
def supervision_list(request: HttpRequest) -> HttpResponse:
    require_office_or_leader(request)
    # ?status=PROPOSED (the workbench's 待处理预警与督办建议): only that status.
    status = request.GET.get("status", "")
    if status == SupervisionStatus.PROPOSED:
        notices = workbench.proposed_supervision(request.user)
    else:
        notices = SupervisionNotice.objects.visible_to(request.user)
    notices = notices.select_related("target_unit", "issued_by", "leader").prefetch_related("tasks")
    return render(
        request,
        "office/supervision_list.html",
        {
            "notices": notices[:200],
            "proposed_only": status == SupervisionStatus.PROPOSED,
            "can_act": is_office(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def supervision_create(request: HttpRequest) -> HttpResponse:
    require_move(request.user, "supervision")
    units = _units_in_scope(request.user)
    task = None
    task_id = request.POST.get("task") or request.GET.get("task")
    if parse_id(task_id) is not None:
        task = get_visible_or_404(Task, request.user, pk=parse_id(task_id))
    initial = {"task": task.pk if task else None}
    if task is not None:
        initial["target_unit"] = task.lead_unit_id
        initial["title"] = f"关于加快推进“{task.name}”整改的督办函"
    unit_id = request.GET.get("unit")
    if parse_id(unit_id) is not None:
        initial["target_unit"] = parse_id(unit_id)
    return form_page(
        request,
        form_class=SupervisionForm,
        form_kwargs={"units": units},
        template="office/supervision_form.html",
        context={"task": task},
        initial=initial,
        service=services.supervision_notice_create,
        inputs=lambda d: {
            "actor": request.user,
            "kind": d["kind"],
            "title": d["title"],
            "target_unit": d["target_unit"],
            "content": d["content"],
            "doc_no": d["doc_no"],
            "reply_due": d["reply_due"],
            "tasks": [task] if task else [],
        },
        success=lambda notice: f"{notice.get_kind_display()}已签发",
        done=reverse("task_detail", args=[task.pk]) if task else reverse("supervision_list"),
    )


# ---------------------------------------------------------------------------------------------
# Tasks: units and new points


def _unit_roles(cleaned: dict) -> list[services.UnitRole]:
    lead = cleaned["lead_unit"]
    entries = [services.UnitRole(unit=lead, role=AssignmentRole.LEAD)]
    entries += [
        services.UnitRole(unit=u, role=AssignmentRole.COOP)
        for u in cleaned.get("coop_units") or []
        if u.pk != lead.pk
    ]
    return entries


@login_required
@require_http_methods(["GET", "POST"])
def task_units(request: HttpRequest, pk: int) -> HttpResponse:
    require_move(request.user, "assign")
    task = get_visible_or_404(Task, request.user, pk=pk)
    initial = None
    if request.method == "GET":
        current = list(Assignment.objects.filter(task=task).values_list("unit_id", "role"))
        initial = {
            "lead_unit": next((u for u, r in current if r == AssignmentRole.LEAD), None),
            "coop_units": [u for u, r in current if r == AssignmentRole.COOP],
        }
    version = request.POST.get("version")
    return form_page(
        request,
        form_class=TaskUnitsForm,
        form_kwargs={"units": _units_in_scope(request.user)},
        template="office/task_units.html",
        context={"task": task},
        initial=initial,
        service=services.task_set_units,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "units": _unit_roles(d),
            "expected_version": parse_id(version, minimum=0),
        },
        success="责任分工已调整",
        done=reverse("task_detail", args=[task.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def problem_task_create(request: HttpRequest, pk: int) -> HttpResponse:
    require_move(request.user, "assign")  # a new point is placed like its units: by the office
    problem = get_visible_or_404(Problem.objects.select_related("round"), request.user, pk=pk)
    return form_page(
        request,
        form_class=TaskCreateForm,
        form_kwargs={
            "units": _units_in_scope(request.user),
            "regions": _counties_in_scope(request.user),
        },
        template="office/task_create.html",
        context={"problem": problem},
        service=services.task_create,
        inputs=lambda d: {
            "problem": problem,
            "actor": request.user,
            "code": d["code"],
            "name": d["name"],
            "region": d["region"],
            "units": _unit_roles(d),
            "deadline": d["deadline"],
            "goal": d["goal"],
            "measures": d["measures"],
            "address": d["address"],
            "lat": d["lat"],
            "lng": d["lng"],
        },
        success=lambda task: f"已新增点位“{task.name}”",
        done=reverse("problem_detail", args=[problem.pk]),
    )
