"""Petition (信访件) pages: the list (with 逾期), the petition page with a form for each move
the user may make now, and one POST endpoint per move.

Which forms a user sees is inspections.petition_services.allowed_moves (the workflow table);
the services refuse anything else with the same rule. The pages live here because a
petition's page shows the tasks it became (docs/adr/0004-app-layers.md).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts import clock
from accounts.errors import NotAllowed
from accounts.ids import parse_id
from accounts.models import Unit
from accounts.scope import get_visible_or_404, get_withdrawable_or_404, is_office, sees_withdrawn
from inspections import petition_figures, petition_lifecycle, petition_services
from inspections.choices import (
    PETITION_HANDLED_STATUSES,
    PetitionStatus,
    PollutionType,
    VerifyResult,
)
from inspections.models import InspectionEvent, Petition, Problem
from rectification import services, workbench
from rectification.forms import (
    PetitionAssignForm,
    PetitionConvertForm,
    PetitionEvidenceForm,
    PetitionPublishForm,
    PetitionReasonForm,
    PetitionReportForm,
)
from rectification.models import PetitionAttachment, Task
from rectification.uploads import download_name
from rectification.views.common import call_service


@dataclass(frozen=True)
class MoveForm:
    """The form a move is made with, and how its cleaned data calls the service."""

    form: type[forms.Form]
    call: Callable[..., object]


def _units(user):
    return Unit.objects.visible_to(user).filter(is_active=True).order_by("region__path", "sort")


MOVE_FORMS: dict[str, MoveForm] = {
    "petition_assign": MoveForm(
        PetitionAssignForm,
        lambda pet, user, d: petition_services.petition_assign(
            actor=user,
            petition=pet,
            lead_unit=d["lead_unit"],
            cooperating_units=d["cooperating_units"],
            assigned_on=d["assigned_on"],
        ),
    ),
    "petition_start": MoveForm(
        PetitionReasonForm,
        lambda pet, user, d: petition_services.petition_start(actor=user, petition=pet),
    ),
    "petition_report": MoveForm(
        PetitionReportForm,
        lambda pet, user, d: petition_services.petition_report(actor=user, petition=pet, **d),
    ),
    **{
        verb: MoveForm(
            PetitionReasonForm,
            lambda pet, user, d, passed=passed: petition_services.petition_self_check(
                actor=user, petition=pet, passed=passed, reason=d["reason"]
            ),
        )
        for verb, passed in (("petition_check_pass", True), ("petition_check_return", False))
    },
    **{
        verb: MoveForm(
            PetitionReasonForm,
            lambda pet, user, d, decision=decision: petition_services.petition_review(
                actor=user, petition=pet, decision=decision, reason=d["reason"]
            ),
        )
        for decision, verb in petition_services.REVIEW_DECISIONS.items()
    },
    "petition_reopen": MoveForm(
        PetitionReasonForm,
        lambda pet, user, d: petition_services.petition_reopen(
            actor=user, petition=pet, reason=d["reason"]
        ),
    ),
    "petition_close": MoveForm(
        PetitionReasonForm,
        lambda pet, user, d: petition_services.petition_close(actor=user, petition=pet),
    ),
    "petition_evidence": MoveForm(
        PetitionEvidenceForm,
        lambda pet, user, d: services.petition_add_evidence(
            actor=user, petition=pet, files=[d["files"]], title=d["title"]
        ),
    ),
    "petition_publish": MoveForm(
        PetitionPublishForm,
        lambda pet, user, d: petition_services.petition_publish(actor=user, petition=pet, **d),
    ),
    "petition_convert": MoveForm(
        PetitionConvertForm,
        lambda pet, user, d: services.petition_convert_to_task(actor=user, petition=pet, **d),
    ),
}


def _form_kwargs(verb: str, pet: Petition, user) -> dict:
    if verb == "petition_assign":
        return {"units": _units(user)}
    if verb == "petition_convert":
        return {"problems": Problem.objects.visible_to(user).filter(round_id=pet.round_id)}
    return {}


def _initial(verb: str, pet: Petition) -> dict:
    if verb == "petition_report":
        fields = ("verify_result", "findings", "handling", "outcome", "accountability")
        counts = ("ordered_count", "penalty_count", "fine_wan", "accountable_count")
        return {f: getattr(pet, f) for f in (*fields, *counts)}
    if verb == "petition_assign" and pet.handling_unit_id:
        return {
            "lead_unit": pet.handling_unit_id,
            "cooperating_units": list(pet.cooperating_units.values_list("pk", flat=True)),
        }
    if verb == "petition_publish":
        return {"published_at": pet.published_at or clock.today(), "publish_url": pet.publish_url}
    if verb == "petition_convert":
        return {"name": pet.content[:100], "measures": pet.handling}
    return {}


def _load(request: HttpRequest, pk: int) -> Petition:
    return get_visible_or_404(
        Petition.objects.select_related("round", "region", "handling_unit", "duplicate_of"),
        request.user,
        pk=pk,
    )


def _page(request, pet: Petition, bound: tuple[str, forms.Form] | None = None, status=200):
    user = request.user
    moves = petition_services.allowed_moves(user, pet) if not pet.is_withdrawn else set()
    move_forms = []
    for verb, move in petition_lifecycle.MOVES.items():
        if verb not in moves or verb not in MOVE_FORMS:
            continue
        if bound and bound[0] == verb:
            form = bound[1]
        else:
            form = MOVE_FORMS[verb].form(
                initial=_initial(verb, pet), **_form_kwargs(verb, pet, user)
            )
        move_forms.append({"verb": verb, "label": move.label, "form": form})
    tasks = Task.objects.visible_to(user).filter(petitions=pet).select_related("region")
    history = InspectionEvent.objects.filter(
        target_type=ContentType.objects.get_for_model(Petition), target_id=pet.pk
    ).select_related("actor")
    context = {
        "petition": pet,
        "tasks": tasks,
        "history": history,
        "move_forms": move_forms,
        "cooperating": pet.cooperating_units.all(),
        "attachments": PetitionAttachment.objects.visible_to(user).filter(petition=pet),
        "duplicates": pet.duplicates.visible_to(user),
        "overdue": pet.is_overdue(clock.today()),
        # The petitioner's personal data is the office's only.
        "show_petitioner": is_office(user),
        "can_withdraw": sees_withdrawn(user),
        "withdrawn_attachments": (
            PetitionAttachment.all_objects.filter(petition=pet, withdrawn_at__isnull=False)
            if sees_withdrawn(user)
            else []
        ),
    }
    return render(request, "petitions/detail.html", context, status=status)


@login_required
def petition_list(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    petitions = (
        Petition.objects.visible_to(request.user)
        .select_related("round", "region", "handling_unit")
        .order_by("-assigned_at", "-id")
    )
    # ?open=1 (the workbench's 待办信访): those waiting for the office (交办, 审核).
    open_only = request.GET.get("open") == "1"
    if open_only:
        petitions = petitions.filter(status__in=workbench.OPEN_PETITION_STATUSES)
    status = request.GET.get("status", "")
    if status in PetitionStatus.values:
        petitions = petitions.filter(status=status)
    if request.GET.get("overdue") == "1":
        petitions = petitions.filter(petition_services.overdue_q(today))
    batch = parse_id(request.GET.get("batch"), minimum=0)
    if batch is not None:
        petitions = petitions.filter(batch_no=batch) if batch <= 32767 else petitions.none()
    rows = list(petitions[:300])
    for pet in rows:
        pet.overdue = pet.is_overdue(today)
    return render(
        request,
        "rounds/petition_list.html",
        {
            "petitions": rows,
            "statuses": PetitionStatus.choices,
            "picked": {"status": status, "overdue": request.GET.get("overdue"), "batch": batch},
            "open_only": open_only,
            # The batches (交办批次) in scope: each has its 边督边改公开情况一览表 (office only).
            "batches": (
                Petition.objects.visible_to(request.user)
                .order_by("round__code", "batch_no")
                .values("round_id", "round__name", "batch_no")
                .annotate(n=Count("*"))
                if is_office(request.user)
                else ()
            ),
        },
    )


@login_required
@require_http_methods(["GET"])
def petition_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # A withdrawn petition's page is the office's and the administrator's (with its banner).
    pet = get_withdrawable_or_404(
        Petition.all_objects.select_related("round", "region", "handling_unit", "duplicate_of"),
        request.user,
        pk=pk,
    )
    return _page(request, pet)


@login_required
@require_POST
def petition_move(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Make one move of the workflow; a refusal re-renders the page with the form's error."""
    pet = _load(request, pk)
    if verb not in MOVE_FORMS:
        raise Http404("没有这个办理操作")
    spec = MOVE_FORMS[verb]
    try:
        # Who may make the move is known before what was sent: refused first (403).
        petition_services.check_actor(pet, request.user, verb)
    except NotAllowed as exc:
        messages.error(request, str(exc))
        return _page(request, pet, status=403)
    form = spec.form(request.POST, request.FILES, **_form_kwargs(verb, pet, request.user))
    if not form.is_valid():
        return _page(request, pet, (verb, form), status=400)
    result, status = call_service(form, spec.call, pet=pet, user=request.user, d=form.cleaned_data)
    if status:
        return _page(request, _load(request, pk), (verb, form), status=status)
    label = petition_lifecycle.MOVES[verb].label
    messages.success(request, f"已{label}" if not label.startswith("审核") else label)
    if isinstance(result, Task):  # 转为整改任务: on to the new task
        return redirect("task_detail", result.pk)
    return redirect("petition_detail", pet.pk)


# The 边督边改公开情况一览表 columns, in order: the only fields the public page reads.
PUBLIC_COLUMNS = (
    "受理编号",
    "交办批次",
    "行政区域",
    "污染类型",
    "调查核实情况",
    "处理和整改情况",
    "是否属实",
    "问责情况",
)


def public_petitions(today):
    """Handled petitions whose handling has been published (公开日期 on or before today),
    as rows of the public columns only: never the petitioner, never internal fields."""
    labels = dict(VerifyResult.choices)
    pollution = dict(PollutionType.choices)
    rows = (
        Petition.objects.filter(
            status__in=PETITION_HANDLED_STATUSES,
            published_at__isnull=False,
            published_at__lte=today,
        )
        .order_by("round_id", "batch_no", "accept_no")
        .values(
            "accept_no",
            "batch_no",
            "region__name",
            "pollution_types",
            "findings",
            "handling",
            "verify_result",
            "accountability",
            "status",
        )
    )
    return [
        {
            "accept_no": r["accept_no"],
            "batch": f"第{r['batch_no']}批",
            "region": r["region__name"],
            "pollution": "、".join(str(pollution.get(c, c)) for c in r["pollution_types"]),
            "findings": r["findings"],
            "handling": r["handling"],
            "verify": str(labels.get(r["verify_result"], "")),
            "accountability": r["accountability"] or "无",
            "status": str(PetitionStatus(r["status"]).label),
        }
        for r in rows
    ]


def petitions_public(request: HttpRequest) -> HttpResponse:
    """边督边改公开: anyone, no login (public by design, like /public/)."""
    today = clock.today()
    return render(
        request,
        "public/petitions.html",
        {"rows": public_petitions(today), "columns": PUBLIC_COLUMNS, "today": today},
    )


@login_required
def petition_figures_page(request: HttpRequest) -> HttpResponse:
    """信访件办理情况: the figures per batch, region and lead unit, within the user's scope
    (the dashboard's petitions page; the same figures as the 月调度's petition tables)."""
    today = clock.today()
    figures = petition_figures.compute(Petition.objects.visible_to(request.user), today)
    tables = [
        (title, figures[key])
        for key, title in (("batches", "分批次"), ("counties", "分区域"), ("units", "分承办单位"))
    ]
    return render(
        request,
        "petitions/figures.html",
        {"figures": figures, "tables": tables, "today": today},
    )


@login_required
def petition_attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """A petition's evidence, only through this scope-checked view (never web-served)."""
    # A withdrawn file stays in storage: the office and the administrator still open it.
    attachment = get_withdrawable_or_404(PetitionAttachment, request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment.original_name, attachment.extension),
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
