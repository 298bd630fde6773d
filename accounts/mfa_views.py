"""两步验证 pages: the code after the password (/login/verify/), enrolment and the recovery
codes (个人信息 → 两步验证, /me/mfa/), and the office's reset (账号管理).

The password step stays Django's LoginView (/login/, through django-axes); MfaMiddleware
sends a session that owes its second factor here. The rules are in accounts.mfa and
accounts.services; a wrong code counts as a failed login for django-axes."""

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import mfa, services
from accounts.errors import ServiceError
from accounts.forms import MfaCodeForm
from accounts.lockout import lockout_response
from accounts.views import resettable_or_404


def _next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


def _locked_out(request: HttpRequest) -> HttpResponse:
    # The half-open session ends: the password must be given again after the cool-off.
    logout(request)
    return lockout_response(request)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """The second step of the login: a TOTP code, or a recovery code."""
    state = mfa.pending(request)
    target = _next(request)
    if state == mfa.ENROL:
        return redirect("mfa_setup")
    if state is None:
        return redirect(target or "home")
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST":
        credentials = {"username": request.user.get_username()}
        if AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request)
        if form.is_valid():
            outcome = mfa.verify(user=request.user, code=form.cleaned_data["code"])
            if outcome.device is not None:
                mfa.mark_verified(request, outcome.device)
                if isinstance(outcome.device, StaticDevice):
                    left = mfa.recovery_codes_left(request.user)
                    messages.warning(
                        request,
                        f"您使用了一个恢复码（已作废），还剩 {left} 个。"
                        "如手机已丢失，请在“两步验证”页重新生成恢复码或联系管理员重置。",
                    )
                return redirect(target or "home")
            form.add_error("code", outcome.message)
        # A wrong, reused, throttled or empty code is a failed login (django-axes' lockout).
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            return _locked_out(request)
    return render(
        request,
        "accounts/mfa_verify.html",
        {"form": form, "next": target or "", "hide_nav": True},
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def mfa_setup(request: HttpRequest) -> HttpResponse:
    """两步验证: the state and its buttons once enrolled; else the QR code, the secret and
    the confirming code (the only page a required role reaches before it has enrolled)."""
    user = request.user
    required = mfa.required(user)
    device = mfa.totp_device(user) if user.mfa_enabled else None
    if device is not None:
        return render(
            request,
            "accounts/mfa_status.html",
            {
                "device": device,
                "required": required,
                "codes_left": mfa.recovery_codes_left(user),
            },
        )
    key = mfa.pending_secret(request)
    form = MfaCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = mfa.confirm_enrolment(
                user=user, key=key, code=form.cleaned_data["code"]
            )
        except ServiceError as exc:
            form.add_error("code", exc.message)
        else:
            mfa.mark_verified(request, device)
            return render(
                request, "accounts/mfa_recovery_codes.html", {"codes": codes, "enrolled": True}
            )
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "enrolment": mfa.enrolment(user, key),
            "required": required,
            "hide_nav": mfa.pending(request) is not None,
        },
        status=400 if request.method == "POST" else 200,
    )


@never_cache
@login_required
@require_POST
def mfa_recovery(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown on this response only."""
    try:
        codes = mfa.regenerate_recovery_codes(user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("mfa_setup")
    return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes})


@login_required
@require_POST
def mfa_disable(request: HttpRequest) -> HttpResponse:
    try:
        mfa.disable(user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("mfa_setup")
    messages.success(request, "两步验证已关闭。")
    return redirect("profile")


@login_required
@require_POST
def account_reset_mfa(request: HttpRequest, pk: int) -> HttpResponse:
    """账号管理 → 重置两步验证 (a lost phone): the user enrols again at the next login."""
    target = resettable_or_404(request, pk, "只有环督办和系统管理员可以重置两步验证。")
    try:
        services.reset_mfa(user=target, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已重置 {target.username} 的两步验证，其下次登录时须重新绑定身份验证器。"
        )
    return redirect("account_list")
