"""我的任务 / 任务台账, the task page, and the reporter's forms (progress, extension, close-out)."""

import csv
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.choices import RegionLevel, Role
from accounts.models import Region, Unit
from accounts.scope import Reach, get_visible_or_404, is_office, is_unit_member, scope_of
from inspections.models import InspectionRound
from rectification import services
from rectification.choices import (
    RESPONSIBLE_ROLES,
    WORKING_STATUSES,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.filtersets import TaskFilterSet
from rectification.forms import CloseoutForm, EvidenceForm, ExtensionForm, ProgressReportForm
from rectification.lifecycle import MOVES, VERB_LABELS
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Extension,
    LookBackCheck,
    Milestone,
    Task,
    Warning,
)
from rectification.views.common import call_service, flash_errors

PAGE_SIZE = 50
SORTS = {"deadline": "截止时间由近到远", "-deadline": "截止时间由远到近"}


# ---------------------------------------------------------------------------------------------
# The list


def _wide_view(user) -> bool:
    """Office, leaders and admins see the whole region and get unit and county filters."""
    return scope_of(user).reach in (Reach.REGION, Reach.ALL)


def filtered_tasks(request: HttpRequest) -> tuple[TaskFilterSet, object]:
    """The scoped, filtered and sorted task queryset behind the list and its export."""
    base = Task.objects.visible_to(request.user)
    # A filter form submits its blank selects ("全部") as empty values; drop them so that
    # the multiple-choice filters do not reject "" as an invalid choice.
    data = request.GET.copy()
    for key in list(data.keys()):
        values = [v for v in data.getlist(key) if v != ""]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    filterset = TaskFilterSet(data or None, queryset=base)
    qs = base.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    sort = request.GET.get("sort", "deadline")
    if sort == "-deadline":
        qs = qs.order_by(F("deadline").desc(nulls_last=True), "-id")
    else:
        qs = qs.order_by(F("deadline").asc(nulls_last=True), "id")
    return filterset, qs


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = filtered_tasks(request)
    # One grouped query gives the per-status counts and the total the paginator needs.
    by_status = dict(qs.order_by().values_list("status").annotate(n=Count("*")))
    status_counts = [(s, s.label, by_status.get(s.value, 0)) for s in TaskStatus]
    total = sum(by_status.values())
    paginator = Paginator(qs.select_related("round", "problem", "region", "lead_unit"), PAGE_SIZE)
    paginator.__dict__["count"] = total  # Paginator.count is a cached_property: skip a COUNT.
    page = paginator.get_page(request.GET.get("page"))
    wide = _wide_view(request.user)
    context = {
        "filterset": filterset,
        "page": page,
        "tasks": page.object_list,
        "total": total,
        "status_counts": status_counts,
        "wide": wide,
        "title": "任务台账" if wide else "我的任务",
        "rounds": InspectionRound.objects.visible_to(request.user).only("id", "name"),
        "statuses": TaskStatus.choices,
        "schedule_statuses": [c for c in ScheduleStatus.choices if c[0] != ScheduleStatus.NA],
        "warning_levels": [c for c in WarningLevel.choices if c[0] != WarningLevel.NONE],
        "sorts": SORTS,
        "selected": {
            "status": request.GET.getlist("status"),
            "schedule_status": request.GET.getlist("schedule_status"),
            "warning_level": request.GET.getlist("warning_level"),
        },
    }
    if wide:
        units = Unit.objects.visible_to(request.user).filter(is_active=True)
        units = units.only("id", "name", "short_name")
        counties = Region.objects.visible_to(request.user).filter(level=RegionLevel.COUNTY)
        counties = counties.only("id", "name")
        picked = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
        context["units"], context["units_limited"] = _unit_choices(request, units, picked)
        context["counties"] = counties
    template = "tasks/_task_table.html" if request.htmx else "tasks/task_list.html"
    return render(request, template, context)


# A filter form never lists thousands of units (PERF.md): a province office's scope has ~2,000.
UNIT_CHOICES_CAP = 300


def _unit_choices(request: HttpRequest, units, picked: dict) -> tuple[list[Unit], bool]:
    """The units the filter offers: all of the scope's, or, when there are more than
    UNIT_CHOICES_CAP, those of the user's own level and of the county chosen in the filter
    (and the unit already chosen), with a hint to pick the county first. `picked`: the
    filter's validated values."""
    units = units.order_by("region__path", "sort", "id")
    found = list(units[: UNIT_CHOICES_CAP + 1])
    if len(found) <= UNIT_CHOICES_CAP:
        return found, False
    first = Q(pk=picked.get("unit") or 0)  # the unit already chosen
    if picked.get("county"):
        path = Region.objects.filter(pk=picked["county"]).values_list("path", flat=True).first()
        if path:
            first |= Q(region__path__startswith=path)
    chosen = list(units.filter(first)[:UNIT_CHOICES_CAP])
    room = UNIT_CHOICES_CAP - len(chosen)
    own = Q(region_id=request.user.unit.region_id) if request.user.unit_id else Q(pk__in=[])
    own_level = list(units.filter(own).exclude(first)[:room]) if room > 0 else []
    return chosen + own_level, True


EXPORT_COLUMNS = [
    ("code", "任务编号"),
    ("round__name", "督察轮次"),
    ("problem__title", "具体问题"),
    ("name", "点位/任务名称"),
    ("region__name", "所在区县"),
    ("lead_unit__name", "牵头单位"),
    ("deadline", "整改时限"),
    ("original_deadline", "原定时限"),
    ("status", "整改状态"),
    ("schedule_status", "序时状态"),
    ("progress_pct", "完成比例（%）"),
    ("warning_level", "预警"),
]
_LABELS = {
    "status": dict(TaskStatus.choices),
    "schedule_status": dict(ScheduleStatus.choices),
    "warning_level": dict(WarningLevel.choices),
}


def neutralise(value) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def task_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of exactly the filtered list (all pages), through the same FilterSet and scope."""
    _, qs = filtered_tasks(request)
    fields = [f for f, _ in EXPORT_COLUMNS]
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow([label for _, label in EXPORT_COLUMNS])
        for values in qs.values_list(*fields).iterator(chunk_size=2000):
            cells = []
            for field, value in zip(fields, values, strict=True):
                if field in _LABELS:
                    value = _LABELS[field].get(value, value)
                cells.append(neutralise(value))
            yield writer.writerow(cells)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        "attachment; filename=\"tasks.csv\"; filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E5%8F%B0%E8%B4%A6.csv"
    )
    return response


# ---------------------------------------------------------------------------------------------
# The task page


@dataclass(frozen=True)
class Action:
    label: str
    url: str
    style: str = "primary"
    icon: str = ""


def _unit_roles(user, assignments) -> set[str]:
    if not is_unit_member(user):
        return set()
    return {a.role for a in assignments if a.unit_id == user.unit_id}


def task_actions(user, task: Task, roles: set[str], open_app: CloseoutApplication | None):
    """The buttons this user may press on this task, from the lifecycle moves and the role."""
    actions: list[Action] = []
    status = task.status
    if roles:
        if status in MOVES["report"].sources:
            actions.append(
                Action(
                    "报送进展",
                    reverse("task_report", args=[task.pk]),
                    "primary",
                    "bi-pencil-square",
                )
            )
        if roles & set(RESPONSIBLE_ROLES):
            if status in WORKING_STATUSES:
                actions.append(
                    Action(
                        "申请延期",
                        reverse("task_extension", args=[task.pk]),
                        "outline-secondary",
                        "bi-calendar-plus",
                    )
                )
            if status in MOVES["apply"].sources:
                actions.append(
                    Action(
                        "申请销号",
                        reverse("task_closeout", args=[task.pk]),
                        "success",
                        "bi-check2-circle",
                    )
                )
        if (
            user.role == Role.UNIT_HEAD
            and open_app is not None
            and open_app.status == CloseoutStatus.SUBMITTED
            and open_app.unit_id == user.unit_id
        ):
            actions.append(
                Action(
                    "县级自验",
                    reverse("selfcheck_decide", args=[open_app.pk]),
                    "warning",
                    "bi-clipboard-check",
                )
            )
    if is_office(user):
        if open_app is not None and open_app.status == CloseoutStatus.SELF_CHECKED:
            actions.append(
                Action(
                    "验收通过并公示",
                    reverse("closeout_accept", args=[open_app.pk]),
                    "success",
                    "bi-patch-check",
                )
            )
            actions.append(
                Action(
                    "验收退回",
                    reverse("closeout_return", args=[open_app.pk]),
                    "outline-danger",
                    "bi-arrow-return-left",
                )
            )
        if open_app is not None and open_app.status in (
            CloseoutStatus.SELF_CHECKED,
            CloseoutStatus.ACCEPTED,
        ):
            actions.append(
                Action(
                    "登记验收意见",
                    reverse("closeout_review", args=[open_app.pk]),
                    "outline-primary",
                    "bi-journal-check",
                )
            )
        if open_app is not None and open_app.status == CloseoutStatus.ACCEPTED:
            actions.append(
                Action(
                    "销号",
                    reverse("closeout_close", args=[open_app.pk]),
                    "success",
                    "bi-check2-all",
                )
            )
            actions.append(
                Action(
                    "异议成立退回",
                    reverse("closeout_return", args=[open_app.pk]),
                    "outline-danger",
                    "bi-arrow-return-left",
                )
            )
        if status == TaskStatus.CLOSED:
            actions.append(
                Action(
                    "回头看", reverse("task_lookback", args=[task.pk]), "warning", "bi-binoculars"
                )
            )
        if status != TaskStatus.CLOSED:
            actions.append(
                Action(
                    "调整责任单位",
                    reverse("task_units", args=[task.pk]),
                    "outline-secondary",
                    "bi-people",
                )
            )
        actions.append(
            Action(
                "发督办",
                reverse("supervision_create") + f"?task={task.pk}",
                "outline-danger",
                "bi-megaphone",
            )
        )
    return actions


def _visible_task(request: HttpRequest, pk: int) -> Task:
    return get_visible_or_404(
        Task.objects.select_related(
            "round", "problem__category__aspect", "region", "lead_unit", "leader"
        ),
        request.user,
        pk=pk,
    )


# The timeline shows the latest events; a busy task's full history is one click away.
TIMELINE_EVENTS = 50
# The latest progress reports the page lists.
TASK_PAGE_REPORTS = 12


# The sections of the task page that most tasks leave empty, each as an EXISTS column of the
# task's own query (an index probe on task_id) instead of a query per empty section. Built
# once: annotate() copies them, and building six subqueries on every view cost ~1 ms of CPU.
TASK_PAGE_SECTIONS = {
    "has_attachments": Exists(Attachment.objects.filter(task_id=OuterRef("pk"))),
    "has_applications": Exists(CloseoutApplication.objects.filter(task_id=OuterRef("pk"))),
    "has_milestones": Exists(Milestone.objects.filter(task_id=OuterRef("pk"))),
    "has_warnings": Exists(
        Warning.objects.filter(task_id=OuterRef("pk"), resolved_at__isnull=True)
    ),
    "has_extensions": Exists(Extension.objects.filter(task_id=OuterRef("pk"))),
    "has_lookbacks": Exists(LookBackCheck.objects.filter(task_id=OuterRef("pk"))),
}


def _task_page_task(request: HttpRequest, pk: int) -> Task:
    """The task with what its header shows and which of TASK_PAGE_SECTIONS have rows; a 404
    outside the user's scope.

    The scope check is a column too: as a WHERE condition PostgreSQL plans the scope's
    region-subtree semi-join together with the six header joins, which doubled the planning
    time of this query (3.4 ms against 1.8 ms).
    """
    task = get_object_or_404(
        Task.objects.select_related(
            "round", "problem__category__aspect", "region", "leader"
        ).annotate(
            visible=Exists(Task.objects.visible_to(request.user).filter(pk=OuterRef("pk"))),
            **TASK_PAGE_SECTIONS,
        ),
        pk=pk,
    )
    if not task.visible:
        raise Http404("没有找到该任务")
    return task


def _timeline(task: Task, *, everything: bool) -> tuple[list[Event], bool]:
    """The task's events, oldest first: the latest TIMELINE_EVENTS of them unless everything,
    and whether older ones were left out."""
    events = Event.objects.filter(task=task).select_related("actor").order_by("-created_at", "-id")
    if everything:
        shown, more = list(events), False
    else:
        shown = list(events[: TIMELINE_EVENTS + 1])
        more = len(shown) > TIMELINE_EVENTS
        shown = shown[:TIMELINE_EVENTS]
    shown.reverse()
    for event in shown:
        event.verb_label = VERB_LABELS.get(event.verb, event.verb)
    return shown, more


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_page_task(request, pk)
    assignments = list(
        Assignment.objects.filter(task=task).select_related("unit", "person").order_by("sort", "id")
    )
    gallery = []
    if task.has_attachments:
        by_kind = {}
        for attachment in Attachment.objects.filter(task=task).order_by("uploaded_at", "id"):
            by_kind.setdefault(attachment.kind, []).append(attachment)
        gallery = [(k, label, by_kind[k]) for k, label in AttachmentKind.choices if k in by_kind]
    applications = []
    if task.has_applications:
        applications = list(
            CloseoutApplication.objects.filter(task=task)
            .select_related("unit", "applied_by", "notice")
            .prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=CloseoutReview.objects.select_related("unit").order_by("created_at"),
                )
            )
            .order_by("-applied_at", "-id")
        )
    open_app = next(
        (
            a
            for a in applications
            if a.status
            in (CloseoutStatus.SUBMITTED, CloseoutStatus.SELF_CHECKED, CloseoutStatus.ACCEPTED)
        ),
        None,
    )
    last_return = next((a for a in applications if a.status == CloseoutStatus.RETURNED), None)
    events, more_events = _timeline(task, everything=request.GET.get("timeline") == "all")
    roles = _unit_roles(request.user, assignments)
    office = is_office(request.user)
    can_upload = bool(roles or office) and task.status != TaskStatus.CLOSED
    context = {
        "task": task,
        "problem": task.problem,
        "assignments": assignments,
        "milestones": list(task.milestones.order_by("seq")) if task.has_milestones else [],
        "warnings": (
            list(task.warnings.filter(resolved_at__isnull=True).select_related("unit"))
            if task.has_warnings
            else []
        ),
        "gallery": gallery,
        "applications": applications,
        "open_app": open_app,
        "last_return": last_return if task.status in WORKING_STATUSES else None,
        "extensions": (
            list(task.extensions.select_related("requested_by").order_by("-created_at"))
            if task.has_extensions
            else []
        ),
        "reports": list(
            task.reports.select_related("period", "submitted_by", "unit").order_by(
                "-submitted_at", "-id"
            )[:TASK_PAGE_REPORTS]
        ),
        "lookbacks": (
            list(task.lookbacks.select_related("closeout").order_by("-check_date"))
            if task.has_lookbacks
            else []
        ),
        "events": events,
        "more_events": more_events,
        "timeline_events": TIMELINE_EVENTS,
        "actions": task_actions(request.user, task, roles, open_app),
        "can_complete_milestones": office or bool(roles & set(RESPONSIBLE_ROLES)),
        "evidence_form": EvidenceForm(initial={"version": task.version}) if can_upload else None,
    }
    return render(request, "tasks/task_detail.html", context)


# ---------------------------------------------------------------------------------------------
# Reporter forms


def _require_roles(request: HttpRequest, task: Task, *, responsible: bool) -> None:
    """GET guard for the unit forms (the service is the real guard on POST)."""
    if not is_unit_member(request.user):
        raise PermissionDenied("只有责任单位的填报员或审核人可以执行此操作")
    roles = set(
        Assignment.objects.filter(task=task, unit_id=request.user.unit_id).values_list(
            "role", flat=True
        )
    )
    if not roles or (responsible and not roles & set(RESPONSIBLE_ROLES)):
        raise PermissionDenied("您的单位不是该任务的牵头或属地责任单位")


def _files(form, field: str, kind: str) -> list[services.EvidenceFile]:
    return [services.EvidenceFile(f, kind) for f in form.cleaned_data.get(field) or []]


@login_required
@require_http_methods(["GET", "POST"])
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    _require_roles(request, task, responsible=False)
    status = 200
    if request.method == "POST":
        form = ProgressReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            _, status = call_service(
                form,
                services.task_report_progress,
                task=task,
                actor=request.user,
                progress_text=data["progress_text"],
                progress_pct=data["progress_pct"],
                difficulties=data["difficulties"],
                next_steps=data["next_steps"],
                files=_files(form, "files", data["evidence_kind"]),
                expected_version=data["version"],
            )
            if not status:
                messages.success(request, "本月进展已报送")
                return redirect("task_detail", pk=task.pk)
        else:
            status = 400
    else:
        form = ProgressReportForm(
            initial={"version": task.version, "progress_pct": task.progress_pct}
        )
    return render(request, "tasks/task_report.html", {"task": task, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_extension(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    _require_roles(request, task, responsible=True)
    status = 200
    if request.method == "POST":
        form = ExtensionForm(request.POST)
        if form.is_valid():
            _, status = call_service(
                form,
                services.task_request_extension,
                task=task,
                actor=request.user,
                requested_deadline=form.cleaned_data["requested_deadline"],
                reason=form.cleaned_data["reason"],
            )
            if not status:
                messages.success(request, "延期申请已提交，等待环督办审批")
                return redirect("task_detail", pk=task.pk)
        else:
            status = 400
    else:
        form = ExtensionForm()
    pending = task.extensions.filter(status=ExtensionStatus.PENDING).first()
    return render(
        request,
        "tasks/task_extension.html",
        {"task": task, "form": form, "pending": pending},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_closeout(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    _require_roles(request, task, responsible=True)
    status = 200
    if request.method == "POST":
        form = CloseoutForm(request.POST, request.FILES)
        if form.is_valid():
            files = (
                _files(form, "before_files", AttachmentKind.BEFORE)
                + _files(form, "after_files", AttachmentKind.AFTER)
                + _files(form, "other_files", AttachmentKind.OTHER)
            )
            _, status = call_service(
                form,
                services.task_apply_closeout,
                task=task,
                actor=request.user,
                summary=form.cleaned_data["summary"],
                checklist=form.checklist(),
                files=files,
                expected_version=form.cleaned_data["version"],
            )
            if not status:
                messages.success(request, "销号申请已提交，等待单位审核人县级自验")
                return redirect("task_detail", pk=task.pk)
        else:
            status = 400
    else:
        form = CloseoutForm(initial={"version": task.version})
    existing = Attachment.objects.filter(
        task=task, kind__in=[AttachmentKind.BEFORE, AttachmentKind.AFTER]
    )
    have = set(existing.values_list("kind", flat=True))
    return render(
        request,
        "tasks/task_closeout.html",
        {
            "task": task,
            "form": form,
            "has_before": AttachmentKind.BEFORE in have,
            "has_after": AttachmentKind.AFTER in have,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """上传佐证材料 outside a report: assigned units and the office (the form also sits on the
    task page; this page shows it again with its errors)."""
    task = _visible_task(request, pk)
    if not is_office(request.user):
        _require_roles(request, task, responsible=False)
    status = 200
    if request.method == "POST":
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            saved, status = call_service(
                form,
                services.task_add_evidence,
                task=task,
                actor=request.user,
                files=_files(form, "files", form.cleaned_data["kind"]),
                expected_version=form.cleaned_data["version"],
            )
            if not status:
                messages.success(request, f"已上传 {len(saved)} 份佐证材料")
                return redirect("task_detail", pk=task.pk)
        else:
            status = 400
    else:
        form = EvidenceForm(initial={"version": task.version})
    return render(request, "tasks/task_evidence.html", {"task": task, "form": form}, status=status)


@login_required
@require_http_methods(["POST"])
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """完成节点: the service checks scope (404), role (403) and that the stage is still open."""
    task_id = Milestone.objects.filter(pk=pk).values_list("task_id", flat=True).first()
    if task_id is None:
        raise Http404("进度节点不存在")
    milestone, status = flash_errors(
        request, services.milestone_complete, milestone=pk, actor=request.user
    )
    if not status:
        messages.success(request, f"节点“{milestone.name}”已完成")
    return redirect("task_detail", pk=task_id)


# ---------------------------------------------------------------------------------------------
# Evidence download


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence files are not web-served: only this view hands them out, after a scope check."""
    attachment = get_visible_or_404(Attachment, request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在") from exc
    inline = request.GET.get("inline") == "1" and attachment.content_type.startswith("image/")
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=300"
    return response
