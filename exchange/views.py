"""Pages: import a rectification plan (office only), the blank template, the ledger export,
the monthly dispatch workbook."""

from itertools import islice
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.choices import UnitKind
from accounts.errors import ServiceError
from accounts.models import Region
from accounts.scope import get_visible_or_404, is_office, scope_of
from exchange import petition_import as petition_import_module
from exchange.dispatch_workbook import workbook_bytes
from exchange.ledger import ledger_file
from exchange.models import ImportJob
from exchange.plan_import import jobs
from exchange.plan_import.errors import ImportRefused
from exchange.plan_import.groups import MODES as GROUP_MODES
from exchange.plan_import.options import ImportOptions, options_from_form
from exchange.plan_import.pipeline import (
    commit_staged,
    preview_staged,
    preview_upload,
    read_upload,
    staged_rows,
    target_from_data,
    wants_update,
)
from exchange.plan_import.template import template_bytes
from inspections import services as inspection_services
from inspections.choices import RoundKind, RoundLevel
from inspections.models import ImportBatch, InspectionRound
from rectification.dispatch_layout import report_title
from rectification.views.dispatch import readable_report
from rectification.views.tasks import filtered_tasks, invalid_filter_response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MODES = [
    ("existing", "导入到已有督察轮次"),
    ("new", "新建督察轮次"),
    ("file", "按文件中的“督察轮次”列（可含多个轮次）"),
]


class ImportForm(forms.Form):
    file = forms.FileField(label="整改方案 Excel 文件（.xlsx）")
    mode = forms.ChoiceField(label="导入到", choices=MODES, initial="existing")
    round = forms.ModelChoiceField(
        label="督察轮次", queryset=InspectionRound.objects.none(), required=False
    )
    code = forms.CharField(label="新轮次代码", max_length=32, required=False)
    name = forms.CharField(label="新轮次名称", max_length=200, required=False)
    kind = forms.ChoiceField(label="督察类型", choices=RoundKind.choices, required=False)
    level = forms.ChoiceField(label="层级", choices=RoundLevel.choices, required=False)
    region = forms.ModelChoiceField(
        label="被督察地区", queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = InspectionRound.objects.visible_to(user)
        self.fields["region"].queryset = Region.objects.filter(pk__in=scope_of(user).subtree())


def _office_only(request) -> None:
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以导入整改方案")


def _target_data(post) -> dict:
    return {
        k: post.get(k, "") for k in ("mode", "round", "code", "name", "kind", "level", "region")
    }


def _page(request, form, *, errors=None, message="", status=200, fix=None):
    """The upload form, with the refusal and its row errors when there are any. `fix`: the
    state of a kept file (sha256, target, options), so that unknown units can be resolved
    from the error list without uploading again."""
    batches = ImportBatch.objects.filter(created_by__unit_id=request.user.unit_id).select_related(
        "round", "created_by"
    )[:20]
    # Background imports still running or failed (a finished one is in the history below).
    pending = (
        ImportJob.objects.visible_to(request.user)
        .filter(created_by__unit_id=request.user.unit_id)
        .exclude(status=ImportJob.Status.DONE)
        .select_related("created_by")[:10]
    )
    context = {
        "form": form,
        "errors": errors or [],
        "refusal": message,
        "batches": batches,
        "jobs": pending,
    }
    if fix is not None and any(getattr(e, "name", "") for e in errors or ()):
        context.update(fix)
        context["unit_kinds"] = [
            (k, label)
            for k, label in UnitKind.choices
            if k in inspection_services.CREATABLE_UNIT_KINDS
        ]
        context["unit_regions"] = _unit_regions(request.user, fix["target"])
    return render(request, "imports/import_form.html", context, status=status)


def _unit_regions(user, target_data: dict):
    """Regions a new unit may be placed in: the round's region and below, within the
    office's own subtree."""
    regions = Region.objects.filter(pk__in=scope_of(user).subtree())
    round_id = str(target_data.get("round") or "")
    rnd = (
        InspectionRound.objects.visible_to(user)
        .filter(pk=round_id)
        .select_related("region")
        .first()
        if round_id.isdigit() and target_data.get("mode") == "existing"
        else None
    )
    if rnd is not None:
        regions = regions.filter(path__startswith=rnd.region.path)
    return regions


def _state(sha256: str, file_name: str, target: dict, options: ImportOptions) -> dict:
    """The hidden fields every form on the preview and error pages carries."""
    base = [("sha256", sha256), ("file_name", file_name), *target.items()]
    return {
        "sha256": sha256,
        "file_name": file_name,
        "target": target,
        "options": options,
        # Forms that change the group choices themselves carry only the unit names mapped.
        "state_fields": base + [f for f in options.form_fields() if f[0] == "unit_map"],
        "all_fields": base + options.form_fields(),
        # The re-import's update form: its own mode, the same choices.
        "option_fields": options.form_fields(),
    }


PREVIEW_TASKS = 500


def _preview(request, plan, state: dict):
    groups = [
        {
            "row": g,
            "override": state["options"].group_overrides.get(g.row, ""),
        }
        for g in plan.groups.values()
    ]
    return render(
        request,
        "imports/import_preview.html",
        {
            "plan": plan,
            "counts": plan.counts(),
            "fingerprint": plan.fingerprint(),
            "groups": groups,
            "modes": list(GROUP_MODES.items()),
            "has_choices": any(g.modes_allowed for g in plan.groups.values()),
            "diff": plan.diff if plan.diff is not None and plan.diff.overlaps else None,
            "background": jobs.is_big(plan.rows),
            # A 20,000-row plan would be a 10 MB page: the first tasks show the reading.
            "shown_tasks": list(
                islice(((p, t) for p in plan.problems.values() for t in p.tasks), PREVIEW_TASKS)
            ),
            **state,
        },
    )


def _refused(request, exc: ImportRefused, state: dict | None):
    form = ImportForm(user=request.user, initial=state["target"] if state else None)
    if not getattr(exc, "sha256", None):
        state = None
    return _page(request, form, errors=exc.errors, message=exc.message, status=400, fix=state)


@login_required
def plan_import(request):
    _office_only(request)
    if request.method != "POST":
        return _page(request, ImportForm(user=request.user))
    form = ImportForm(request.POST, request.FILES, user=request.user)
    target_data = _target_data(request.POST)
    filename = ""
    try:
        options = options_from_form(request.POST)
        data, filename = read_upload(request.FILES.get("file"))
        target = target_from_data(target_data, actor=request.user)
        sha256, plan = preview_upload(
            data, filename, actor=request.user, target=target, options=options
        )
    except ImportRefused as exc:
        if getattr(exc, "sha256", None):
            return _refused(request, exc, _state(exc.sha256, filename, target_data, options))
        return _page(request, form, errors=exc.errors, message=exc.message, status=400)
    return _preview(request, plan, _state(sha256, filename, target_data, options))


def _staged_request(request) -> tuple[str, str, dict]:
    return (
        request.POST.get("sha256", ""),
        request.POST.get("file_name", "")[:255],
        _target_data(request.POST),
    )


@login_required
@require_POST
def plan_import_repreview(request):
    """The kept file previewed again: other group choices, unit names mapped by the office."""
    _office_only(request)
    sha256, file_name, target_data = _staged_request(request)
    state = None
    try:
        options = options_from_form(request.POST)
        state = _state(sha256, file_name, target_data, options)
        target = target_from_data(target_data, actor=request.user)
        plan = preview_staged(sha256, file_name, actor=request.user, target=target, options=options)
    except ImportRefused as exc:
        return _refused(request, exc, state)
    return _preview(request, plan, state)


@login_required
@require_POST
def plan_import_unit_alias(request):
    """ "创建别名" from the error list: the name in the file becomes an alias of the unit,
    then the file is previewed again."""
    _office_only(request)
    try:
        unit = request.POST.get("unit", "")
        inspection_services.unit_alias_add(
            actor=request.user,
            unit=int(unit) if unit.isdigit() else 0,
            alias=request.POST.get("alias", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已添加别名“{request.POST.get('alias', '').strip()}”")
    return plan_import_repreview(request)


@login_required
@require_POST
def plan_import_unit_create(request):
    """ "新建单位" from the error list, in a region of the office's subtree; then the file is
    previewed again."""
    _office_only(request)
    region_id = request.POST.get("region", "")
    region = Region.objects.filter(pk=region_id).first() if region_id.isdigit() else None
    try:
        if region is None:
            raise ImportRefused("请选择新单位所属的区划")
        inspection_services.unit_create(
            actor=request.user,
            name=request.POST.get("name", ""),
            short_name=request.POST.get("short_name", ""),
            kind=request.POST.get("kind", ""),
            region=region,
        )
    except ImportRefused as exc:
        messages.error(request, exc.message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已新建单位“{request.POST.get('name', '').strip()}”")
    return plan_import_repreview(request)


@login_required
@require_POST
def plan_import_commit(request):
    _office_only(request)
    sha256, file_name, target_data = _staged_request(request)
    try:
        options = options_from_form(request.POST)
        target = target_from_data(target_data, actor=request.user)
        update = wants_update(request.POST)
        rows = staged_rows(sha256)
        if not update and jobs.is_big(rows):
            job = jobs.enqueue(
                sha256,
                file_name,
                actor=request.user,
                target_data=target_data,
                options=options,
                rows=rows,
            )
            return redirect("plan_import_job", pk=job.pk)
        _batch, plan = commit_staged(
            sha256,
            file_name,
            actor=request.user,
            target=target,
            options=options,
            update=update,
            diff_token=request.POST.get("diff_token", ""),
        )
    except ImportRefused as exc:
        initial = dict(target_data)
        if wants_update(request.POST):
            initial["mode"] = "existing" if initial["round"] else "file"
        form = ImportForm(user=request.user, initial=initial)
        return _page(request, form, errors=exc.errors, message=exc.message, status=400)
    if update:
        counts = plan.diff.counts()
        messages.success(
            request,
            "已更新整改方案：问题新增{added}项、修改{changed}项、未变{unchanged}项；".format(
                **counts["problems"]
            )
            + "任务新增{added}个、修改{changed}个、未变{unchanged}个".format(**counts["tasks"])
            + (
                f"；{counts['tasks']['closed_not_updated']}个已销号任务的时限或责任单位未更新"
                if counts["tasks"]["closed_not_updated"]
                else ""
            )
            + "。",
        )
        return redirect("plan_import")
    counts = plan.counts()
    messages.success(
        request,
        f"导入成功：{plan.headline()}，新建任务{counts['tasks']}个、责任分工{counts['assignments']}条。",
    )
    return redirect("plan_import")


@login_required
@require_GET
def plan_import_job(request, pk: int):
    """A background import: the page, and (asked by htmx every second until it ends) its
    progress fragment."""
    job = get_visible_or_404(
        ImportJob.objects.select_related("created_by", "batch"), request.user, pk=pk
    )
    context = {"job": job, "state": jobs.state(job)}
    if request.htmx:
        return render(request, "imports/_job_progress.html", context)
    return render(request, "imports/import_job.html", context)


@login_required
@require_GET
def plan_import_template(request):
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E6%95%B4%E6%94%B9%E4%BB%BB%E5%8A%A1%E6%B8%85%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


def ledger_title_region(user) -> str:
    unit = getattr(user, "unit", None)
    if unit is None:
        return ""
    region = Region.objects.filter(pk=unit.region_id).only("name").first()
    return region.name if region else ""


@login_required
@require_GET
def ledger_export(request):
    """The 台账 of exactly what the task list shows: same scope, same FilterSet, same params."""
    filterset, tasks = filtered_tasks(request)
    if filterset.is_bound and not filterset.is_valid():
        return invalid_filter_response(request, filterset)
    handle = ledger_file(tasks, title_region=ledger_title_region(request.user))
    return FileResponse(handle, as_attachment=True, filename="整改台账.xlsx", content_type=XLSX)


@login_required
@require_GET
def dispatch_xlsx(request, pk: int):
    """The 月调度通报 as a workbook: the same report, scope and readers as its page."""
    report = readable_report(request, pk)
    response = HttpResponse(workbook_bytes(report), content_type=XLSX)
    filename = f"{report_title(report)}.xlsx"
    response["Content-Disposition"] = (
        f"attachment; filename=\"dispatch-{report.month:%Y-%m}.xlsx\"; filename*=UTF-8''{quote(filename)}"
    )
    return response


# ---------------------------------------------------------------------------------------------
# The petitions' 交办 list (信访件交办清单): the same preview / commit shape as the plan import.


class PetitionImportForm(forms.Form):
    file = forms.FileField(label="信访件交办清单 Excel 文件（.xlsx）")
    round = forms.ModelChoiceField(label="督察轮次", queryset=InspectionRound.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["round"].queryset = InspectionRound.objects.visible_to(user)


def _petition_round(request) -> InspectionRound:
    round_id = request.POST.get("round", "")
    found = InspectionRound.objects.visible_to(request.user).filter(
        pk=int(round_id) if round_id.isdigit() else 0
    )
    if not found:
        raise ImportRefused("请选择督察轮次")
    return found.get()


def _petition_page(request, form, *, errors=None, message="", status=200):
    return render(
        request,
        "imports/petition_import.html",
        {"form": form, "errors": errors or [], "refusal": message},
        status=status,
    )


@login_required
def petition_import(request):
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以导入信访件交办清单")
    if request.method != "POST":
        return _petition_page(request, PetitionImportForm(user=request.user))
    form = PetitionImportForm(request.POST, request.FILES, user=request.user)
    try:
        data, filename = read_upload(request.FILES.get("file"))
        round_ = _petition_round(request)
        sha256, plan = petition_import_module.preview(
            data, filename, actor=request.user, round_=round_
        )
    except ImportRefused as exc:
        return _petition_page(request, form, errors=exc.errors, message=exc.message, status=400)
    return render(
        request,
        "imports/petition_preview.html",
        {"plan": plan, "sha256": sha256, "file_name": filename, "round": round_},
    )


@login_required
@require_POST
def petition_import_commit(request):
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以导入信访件交办清单")
    try:
        round_ = _petition_round(request)
        plan = petition_import_module.commit(
            request.POST.get("sha256", ""),
            request.POST.get("file_name", "")[:255],
            actor=request.user,
            round_=round_,
        )
    except ImportRefused as exc:
        form = PetitionImportForm(user=request.user)
        return _petition_page(request, form, errors=exc.errors, message=exc.message, status=400)
    messages.success(
        request,
        f"导入成功：信访件{len(plan.rows)}件（第{'、'.join(map(str, plan.batches()))}批），"
        f"其中重复件{plan.repeats()}件，待交办。",
    )
    return redirect("petition_list")
