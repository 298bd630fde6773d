"""Pages: import a rectification plan (office only), the blank template, the ledger export,
the monthly dispatch workbook."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Region
from accounts.scope import is_office, scope_of
from exchange import petition_import as petition_import_module
from exchange.dispatch_workbook import workbook_bytes
from exchange.ledger import ledger_file
from exchange.plan_import.errors import ImportRefused
from exchange.plan_import.pipeline import (
    commit_staged,
    preview_upload,
    read_upload,
    target_from_data,
)
from exchange.plan_import.template import template_bytes
from inspections.choices import RoundKind, RoundLevel
from inspections.models import ImportBatch, InspectionRound
from rectification.dispatch_layout import report_title
from rectification.filtersets import TaskFilterSet
from rectification.models import Task
from rectification.views.dispatch import readable_report

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


def _page(request, form, *, errors=None, message="", status=200):
    batches = ImportBatch.objects.filter(created_by__unit_id=request.user.unit_id).select_related(
        "round", "created_by"
    )[:20]
    return render(
        request,
        "imports/import_form.html",
        {"form": form, "errors": errors or [], "refusal": message, "batches": batches},
        status=status,
    )


@login_required
def plan_import(request):
    _office_only(request)
    if request.method != "POST":
        return _page(request, ImportForm(user=request.user))
    form = ImportForm(request.POST, request.FILES, user=request.user)
    try:
        data, filename = read_upload(request.FILES.get("file"))
        target = target_from_data(_target_data(request.POST), actor=request.user)
        sha256, plan = preview_upload(data, filename, actor=request.user, target=target)
    except ImportRefused as exc:
        return _page(request, form, errors=exc.errors, message=exc.message, status=400)
    return render(
        request,
        "imports/import_preview.html",
        {
            "plan": plan,
            "sha256": sha256,
            "file_name": filename,
            "target": _target_data(request.POST),
            "counts": plan.counts(),
        },
    )


@login_required
@require_POST
def plan_import_commit(request):
    _office_only(request)
    file_name = request.POST.get("file_name", "")[:255]
    try:
        target = target_from_data(_target_data(request.POST), actor=request.user)
        _batch, plan = commit_staged(
            request.POST.get("sha256", ""), file_name, actor=request.user, target=target
        )
    except ImportRefused as exc:
        form = ImportForm(user=request.user, initial=_target_data(request.POST))
        return _page(request, form, errors=exc.errors, message=exc.message, status=400)
    counts = plan.counts()
    messages.success(
        request,
        f"导入成功：{plan.headline()}，新建任务{counts['tasks']}个、责任分工{counts['assignments']}条。",
    )
    return redirect("plan_import")


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
    filterset = TaskFilterSet(request.GET, queryset=Task.objects.visible_to(request.user))
    if not filterset.is_valid():
        return HttpResponse(
            "筛选条件无效："
            + "；".join(f"{k}：{'、'.join(v)}" for k, v in filterset.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    handle = ledger_file(filterset.qs, title_region=ledger_title_region(request.user))
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
