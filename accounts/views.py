from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from accounts.choices import Role


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
