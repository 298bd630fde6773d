"""What every page view shares: service-error translation and role guards."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.errors import (
    InvalidInput,
    InvalidState,
    NotAllowed,
    NotFound,
    ServiceError,
    StaleVersion,
)
from accounts.scope import is_office, is_unit_member

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


def render_form(
    request: HttpRequest, template: str, context: dict, status: int = 200
) -> HttpResponse:
    return render(request, template, context, status=status)


def require_office(request: HttpRequest) -> None:
    if not is_office(request.user):
        raise PermissionDenied("只有环督办可以访问此页面")


def require_unit_member(request: HttpRequest) -> None:
    if not is_unit_member(request.user):
        raise PermissionDenied("只有责任单位的填报员或审核人可以访问此页面")
