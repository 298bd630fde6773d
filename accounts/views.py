from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from accounts import clock, services, tokens
from accounts.choices import Role
from accounts.errors import ServiceError
from accounts.forms import ApiTokenForm, PasswordChangeForm, ResetLinkSetPasswordForm
from accounts.models import ApiToken
from accounts.scope import can_audit


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
    return render(
        request,
        "accounts/profile.html",
        {
            "unit": unit,
            "region": region,
            "can_reset": services.can_reset_any(user),
            "can_audit": can_audit(user),
        },
    )


@never_cache
@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """修改密码, for every user; the only page a user with a temporary password reaches."""
    forced = request.user.must_change_password
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        # The password is part of the session hash: keep this session, end the others.
        update_session_auth_hash(request, form.user)
        messages.success(request, "密码已修改。")
        return redirect("home" if forced else "profile")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": forced, "password_min_length": settings.PASSWORD_MIN_LENGTH},
    )


@never_cache
@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    """账号管理: the users whose password the office (or the administrator) may reset."""
    if not services.can_reset_any(request.user):
        raise PermissionDenied("只有环督办和系统管理员可以重置密码。")
    q = request.GET.get("q", "").strip()
    users = services.resettable_users(request.user)
    if q:
        users = users.filter(
            Q(username__icontains=q)
            | Q(last_name__icontains=q)
            | Q(first_name__icontains=q)
            | Q(unit__name__icontains=q)
        )
    return render(request, "accounts/account_list.html", {"users": users[:500], "q": q})


def resettable_or_404(request: HttpRequest, pk: int, refusal: str):
    """账号管理's row `pk`, for the office or the administrator (403 for anyone else, 404 for
    a user they may not reset)."""
    if not services.can_reset_any(request.user):
        raise PermissionDenied(refusal)
    return get_object_or_404(services.resettable_users(request.user), pk=pk)


@never_cache
@require_POST
@login_required
def account_reset_password(request: HttpRequest, pk: int) -> HttpResponse:
    """Reset one user's password; the temporary password is shown on this response only."""
    target = resettable_or_404(request, pk, "只有环督办和系统管理员可以重置密码。")
    password = services.reset_password(user=target, by=request.user)
    return render(
        request,
        "accounts/password_reset_done.html",
        {
            "target": target,
            "password": password,
            "mailed": services.mail_configured() and bool(target.email),
        },
    )


class ResetLinkConfirmView(auth_views.PasswordResetConfirmView):
    """The page the reset mail links to (sent only when SMTP is configured)."""

    form_class = ResetLinkSetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("login")

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_min_length": settings.PASSWORD_MIN_LENGTH,
        }

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(self.request, "密码已设置，请用新密码登录。")
        return response


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
