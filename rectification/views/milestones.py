"""The office's milestone page of a task: add stages, correct open ones, complete them.

Scope first (a task outside the user's scope is a 404), then the role (only the office:
403); the services check both again and write the events.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.scope import get_visible_or_404
from rectification import services
from rectification.choices import TaskStatus
from rectification.forms import FORM_FIELDS_MILESTONE, MilestoneForm
from rectification.models import Task
from rectification.views.common import FORM_INVALID, call_service, require_move


def _edit_form(milestone, data=None) -> MilestoneForm:
    initial = {name: getattr(milestone, name) for name in FORM_FIELDS_MILESTONE}
    return MilestoneForm(data, prefix=f"m{milestone.pk}", initial=initial)


@login_required
@require_http_methods(["GET", "POST"])
def task_milestones(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_visible_or_404(Task.objects.all(), request.user, pk=pk)
    require_move(request.user, "edit", task)
    status = 200
    add_form = MilestoneForm(prefix="new")
    posted = None  # (milestone id, its bound form) when an edit was refused
    if request.method == "POST":
        milestone_id = request.POST.get("milestone")
        if milestone_id:
            milestone = get_object_or_404(task.milestones, pk=milestone_id)
            form = _edit_form(milestone, request.POST)
            posted = (milestone.pk, form)
            service, kwargs = services.milestone_edit, {"milestone": milestone.pk}
            done = "进度节点已修改"
        else:
            form = add_form = MilestoneForm(request.POST, prefix="new")
            service, kwargs = services.milestone_add, {"task": task.pk}
            done = "进度节点已添加"
        if form.is_valid():
            _, status = call_service(
                form, service, actor=request.user, **kwargs, **form.cleaned_data
            )
            if not status:
                messages.success(request, done)
                return redirect("task_milestones", pk=task.pk)
        else:
            status = FORM_INVALID
    milestones = list(task.milestones.order_by("seq"))
    for milestone in milestones:
        if milestone.done_date:
            milestone.form = None
        elif posted and posted[0] == milestone.pk:
            milestone.form = posted[1]
        else:
            milestone.form = _edit_form(milestone)
    context = {
        "task": task,
        "milestones": milestones,
        "add_form": add_form if task.status != TaskStatus.CLOSED else None,
        # A refused correction of a stage done meanwhile has no form left to show it on.
        "edit_errors": posted[1].non_field_errors() if posted else [],
    }
    return render(request, "tasks/task_milestones.html", context, status=status)
