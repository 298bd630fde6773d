"""What every page view shares: service-error translation, role and move guards, and the
form page helper."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.choices import Role
from accounts.errors import (
    InvalidInput,
    InvalidState,
    NotAllowed,
    NotFound,
    ServiceError,
    StaleVersion,
)
from accounts.scope import is_office, is_unit_member
from rectification import pending_uploads
from rectification.lifecycle import MOVES, needs_unit_roles, refusal
from rectification.models import Task
from rectification.services.base import unit_roles

# Statuses for a form page re-rendered after a refused write.
FORM_INVALID = 400
CONFLICT = 409


def call_service(form: forms.Form | None, service: Callable[..., Any], **kwargs) -> tuple[Any, int]:
    """Run a service; translate its errors for a page.

    NotFound → 404 and NotAllowed → 403 (raised); InvalidInput → an error on the form field it
    names (or a non-field error) with status 400; InvalidState / StaleVersion → a non-field
    error with status 409. Returns (result, 0) on success.
    """
    try:
        return service(**kwargs), 0
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    except InvalidInput as exc:
        _attach(form, exc)
        return None, FORM_INVALID
    except (InvalidState, StaleVersion) as exc:
        _attach(form, exc, field=None)
        return None, CONFLICT


def flash_errors(request: HttpRequest, service: Callable[..., Any], **kwargs) -> tuple[Any, int]:
    """call_service for a button without a form page: a refusal becomes an error message
    (shown after the redirect) instead of a re-rendered form."""
    form = forms.Form()
    result, status = call_service(form, service, **kwargs)
    for error in form.non_field_errors():
        messages.error(request, error)
    return result, status


def _attach(form: forms.Form | None, exc: ServiceError, field: str | None = "") -> None:
    if form is None:
        return
    target = exc.field if field == "" else field
    if target not in form.fields:
        target = None
    # A form that failed validation has no cleaned_data for add_error to prune; give it one.
    if not hasattr(form, "cleaned_data"):
        form.cleaned_data = {}
    form.add_error(target, exc.message)


def require_office(request: HttpRequest) -> None:
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以访问此页面")


def is_region_reader(user) -> bool:
    """The office, or a leader (领导) of a unit: both read their region subtree; only the
    office acts on what they read."""
    return is_office(user) or (
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.LEADER
        and user.unit_id is not None
    )


def require_office_or_leader(request: HttpRequest) -> None:
    """Read-only pages of the office's (督察轮次, 预警, 督办) that leaders read as well; their
    templates show the office's buttons and forms only when `can_act` (is_office)."""
    if not is_region_reader(request.user):
        raise PermissionDenied("只有环督办和领导可以访问此页面")


def require_unit_member(request: HttpRequest) -> None:
    if not is_unit_member(request.user):
        raise PermissionDenied("只有责任单位的填报员或审核人可以访问此页面")


def require_move(user, verb: str, task: Task | None = None, *, application=None) -> None:
    """Page guard of a form that makes a lifecycle move: 403 unless `user` may make it
    (lifecycle.refusal, the services' own actor check). Whatever the task's status: a move the
    status does not allow is the service's 409 when the form is sent. Office moves need no
    task, so their pages refuse before looking anything up."""
    move = MOVES[verb]
    roles = unit_roles(user, task) if task is not None and needs_unit_roles(user, move) else ()
    reason = refusal(user, move, unit_roles=roles, application=application)
    if reason is not None:
        raise PermissionDenied(reason)


def form_page(
    request: HttpRequest,
    *,
    form_class: type[forms.Form],
    template: str,
    service: Callable[..., Any],
    inputs: Callable[[dict], dict],
    success: str | Callable[[Any], str],
    done: str | Callable[[Any], str],
    context: dict | None = None,
    initial: dict | None = None,
    form_kwargs: dict | None = None,
) -> HttpResponse:
    """The one shape of a form page that calls a service.

    GET shows the form (with `initial`). POST validates it, calls `service` with
    `inputs(cleaned_data)` through call_service, and on success flashes `success` (or
    `success(result)`) and redirects to `done`; an invalid form is re-rendered with 400, a
    refusal with the service's error on the form (400 / 409; 403 and 404 raise). `done` may
    be a function of the result (where to go next depends on what was saved).
    """
    form_kwargs = form_kwargs or {}
    status = 200
    kept: list[pending_uploads.KeptFile] = []
    if request.method == "POST":
        form = form_class(request.POST, request.FILES, **form_kwargs)
        file_fields = [n for n, f in form.fields.items() if isinstance(f, forms.FileField)]
        kept, kept_error = _kept_files(request, file_fields)
        for name in {k.field for k in kept}:
            form.fields[name].required = False  # a kept file counts as chosen
        if form.is_valid() and kept_error is None:
            opened = [(k.field, pending_uploads.open_file(k)) for k in kept]
            cleaned = dict(form.cleaned_data)
            for name, handle in opened:
                if getattr(form.fields[name].widget, "allow_multiple_selected", False):
                    cleaned[name] = [*(cleaned.get(name) or []), handle]
                else:
                    cleaned[name] = cleaned.get(name) or handle
            try:
                result, status = call_service(form, service, **inputs(cleaned))
            finally:
                for _name, handle in opened:
                    handle.close()
            if not status:
                pending_uploads.discard(kept)
                messages.success(request, success(result) if callable(success) else success)
                return redirect(done(result) if callable(done) else done)
        else:
            status = FORM_INVALID
            if kept_error is not None:
                form.add_error(None, kept_error)
        # Whatever was refused, the files chosen this time are kept for the next submission.
        for name in file_fields:
            for upload in request.FILES.getlist(name):
                item = pending_uploads.keep(request.user, name, upload)
                if item is not None:
                    kept.append(item)
    else:
        form = form_class(initial=initial or {}, **form_kwargs)
    page = {**(context or {}), "form": form, "kept_files": kept}
    return render(request, template, page, status=status)


def _kept_files(
    request: HttpRequest, file_fields: list[str]
) -> tuple[list[pending_uploads.KeptFile], str | None]:
    """The files kept from an earlier submission of this form that the user left ticked, or
    the reason they cannot be used."""
    tokens = request.POST.getlist("kept")
    if not tokens:
        return [], None
    try:
        kept = pending_uploads.reopen(request.user, tokens)
    except InvalidInput as exc:
        return [], exc.message
    if any(k.field not in file_fields for k in kept):
        return [], pending_uploads.STALE_MESSAGE
    return kept, None
