from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import clock, tokens
from accounts.choices import Role
from accounts.errors import ServiceError
from accounts.forms import ApiTokenForm
from accounts.models import ApiToken


def _url_or_none(name: str) -> str | None:
    # The pages live in rectification, which accounts may not import (docs/adr/0004).
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it starts from."""
    user = request.user
    if user.is_superuser or user.role == Role.ADMIN:
        return redirect("/admin/")
    # 工作台 (rectification) when it is installed; the site works without it.
    return redirect(_url_or_none("workbench") or reverse("task_list"))


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = user.unit
    region = unit.region if unit else None
    return render(request, "accounts/profile.html", {"unit": unit, "region": region})


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: made here (the key shown once, on this response only),
    listed with their state, revoked with a button."""
    issued = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = tokens.api_token_create(
                user=request.user,
                actor=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = ApiTokenForm()
    now = clock.now()
    rows = [(t, t.state(now)) for t in ApiToken.objects.visible_to(request.user)]
    # The key is on this page only: a 200, not a redirect, and never cached (no-store).
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "issued": issued, "tokens": rows},
        status=400 if request.method == "POST" and issued is None else 200,
    )


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = tokens.api_token_revoke(token=pk, actor=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"令牌“{token.name}”已吊销，使用它的调用将被拒绝")
    return redirect("api_tokens")
