"""定时任务运行情况: each scheduled job's last completed run, and the ones overdue.

For the office and the administrators (the people who would run `run_job` or call the one who
does). The page shows runs, not their figures: a run's summary counts the whole deployment,
which a county office must not read (the admin's 定时任务运行记录 shows it to administrators).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.choices import Role
from accounts.scope import Reach, scope_of
from rectification.jobs import runs


def may_see_jobs(user) -> bool:
    return scope_of(user).reach is Reach.ALL or (user.is_active and user.role == Role.OFFICE)


@login_required
def job_status(request: HttpRequest) -> HttpResponse:
    if not may_see_jobs(request.user):
        raise PermissionDenied("定时任务运行情况仅供环督办和系统管理员查阅")
    rows = runs.status()
    return render(
        request,
        "office/job_status.html",
        {"rows": rows, "overdue": [r for r in rows if r.overdue]},
    )
