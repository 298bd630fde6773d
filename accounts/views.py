from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from accounts.choices import Role


def _dashboard_url() -> str | None:
    # The leader dashboard lives in another module; the site works without it.
    try:
        return reverse("dashboard")
    except NoReverseMatch:
        return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to the page it starts from."""
    user = request.user
    if user.is_superuser or user.role == Role.ADMIN:
        return redirect("/admin/")
    if user.role == Role.LEADER:
        return redirect(_dashboard_url() or reverse("task_list"))
    if user.role == Role.OFFICE:
        return redirect("task_list")
    return redirect("task_list")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    unit = user.unit
    region = unit.region if unit else None
    return render(request, "accounts/profile.html", {"unit": unit, "region": region})
