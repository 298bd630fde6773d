"""工作台: the page each role lands on after login (rectification.workbench counts)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts import clock
from accounts.choices import Role
from rectification import workbench
from rectification.choices import OPEN_STATUSES
from rectification.models import Task
from rectification.views.tasks import urgent_order

# How many of the most urgent tasks the workbench lists under the counts.
URGENT_TASKS = 8


@login_required
def workbench_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_superuser or user.role == Role.ADMIN:
        return redirect("/admin/")
    found = workbench.counts_for_request(request)
    report = workbench.latest_dispatch(user) if user.role == Role.LEADER else None
    context = {
        "items": workbench.items(user, found, report),
        "report": report,
        "today": clock.today(),
        "urgent": [],
    }
    if user.role in (Role.REPORTER, Role.UNIT_HEAD):
        tasks = Task.objects.visible_to(user).filter(status__in=OPEN_STATUSES)
        context["urgent"] = list(
            urgent_order(tasks).select_related("region", "lead_unit")[:URGENT_TASKS]
        )
    return render(request, "workbench/workbench.html", context)
