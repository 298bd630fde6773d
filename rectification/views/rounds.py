"""Office pages over the inspection side: rounds, the feedback tree, problems and petitions.

They live here rather than in inspections/ because they show task roll-ups, and the app
dependencies point rectification → inspections, never back.
"""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.scope import get_withdrawable_or_404, is_office, sees_withdrawn
from inspections.models import InspectionRound, Problem
from rectification import selectors
from rectification.choices import TaskStatus
from rectification.models import Task
from rectification.views.common import require_office_or_leader


@login_required
def round_list(request: HttpRequest) -> HttpResponse:
    require_office_or_leader(request)
    rounds = list(
        InspectionRound.objects.visible_to(request.user)
        .select_related("region")
        .annotate(
            # (a join does not go through Problem's default manager: live problems only)
            problem_count=Count(
                "problems", filter=Q(problems__withdrawn_at__isnull=True), distinct=True
            )
        )
    )
    totals = selectors.totals_by_round(Task.objects.visible_to(request.user))
    for round_ in rounds:
        round_.totals = totals.get(round_.pk)
    return render(
        request,
        "rounds/round_list.html",
        {"rounds": rounds, "can_act": is_office(request.user)},
    )


@login_required
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_office_or_leader(request)
    round_ = get_withdrawable_or_404(
        InspectionRound.all_objects.select_related("region", "withdrawn_by"), request.user, pk=pk
    )
    problems = list(
        selectors.problems_with_rollup(
            Problem.objects.visible_to(request.user)
            .filter(round=round_)
            .select_related("category", "category__aspect"),
            user=request.user,
        ).order_by("category__aspect__seq", "category__seq", "seq")
    )
    # Build the 方面 → 类 → 项 tree in Python from the one problem query.
    tree: list[dict] = []
    loose: list[Problem] = []
    for problem in problems:
        problem.rollup_status = selectors.problem_status(problem)
        problem.rollup_label = selectors.problem_rollup_label(problem)
        category = problem.category
        if category is None:
            loose.append(problem)
            continue
        aspect = category.aspect
        if not tree or tree[-1]["aspect"].pk != aspect.pk:
            tree.append({"aspect": aspect, "categories": []})
        categories = tree[-1]["categories"]
        if not categories or categories[-1]["category"].pk != category.pk:
            categories.append({"category": category, "problems": []})
        categories[-1]["problems"].append(problem)
    tasks = Task.objects.visible_to(request.user).filter(round=round_)
    by_status = dict(tasks.order_by().values_list("status").annotate(n=Count("*")))
    context = {
        "round": round_,
        "headline": selectors.round_headline(round_),
        "tree": tree,
        "loose": loose,
        "totals": selectors.task_totals(tasks),
        "status_counts": [(s, s.label, by_status.get(s.value, 0)) for s in TaskStatus],
        "can_act": is_office(request.user) and not round_.is_withdrawn,
        "can_withdraw": sees_withdrawn(request.user),
    }
    return render(request, "rounds/round_detail.html", context)


@login_required
def problem_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_office_or_leader(request)
    problem = get_withdrawable_or_404(
        selectors.problems_with_rollup(
            Problem.all_objects.select_related(
                "round", "category", "category__aspect", "leader", "withdrawn_by"
            ),
            user=request.user,
        ),
        request.user,
        pk=pk,
    )
    tasks = (
        Task.objects.visible_to(request.user)
        .filter(problem=problem)
        .select_related("region", "lead_unit")
        .order_by("seq")
    )
    return render(
        request,
        "rounds/problem_detail.html",
        {
            "problem": problem,
            "tasks": tasks,
            "rollup_label": selectors.problem_rollup_label(problem),
            "rollup_status": selectors.problem_status(problem),
            "can_act": is_office(request.user) and not problem.is_withdrawn,
            "can_withdraw": sees_withdrawn(request.user),
            # The 一案一档 bundle is for whoever sees every task of the problem.
            "archive_allowed": not selectors.tasks_hidden_from(
                request.user, Task.objects.filter(problem=problem)
            ).exists(),
        },
    )
