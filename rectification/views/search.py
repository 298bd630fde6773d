"""全局搜索: the header's search box answers here (rectification.search)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.choices import Role
from rectification.filtersets import encode_filters
from rectification.search import PER_KIND, search


@login_required
def search_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_superuser or user.role == Role.ADMIN:
        # The administrator works in the admin site, which has its own search boxes.
        return redirect("/admin/")
    results = search(user, request.GET.get("q", ""))
    task = results.redirect_task()
    if task is not None:
        return redirect("task_detail", task.pk)
    context = {
        "results": results,
        "per_kind": PER_KIND,
        "more_tasks_query": encode_filters([("q", results.query)]),
    }
    return render(request, "search/results.html", context)
