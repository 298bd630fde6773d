"""Who sees what, written apart from accounts/scope.py.

From docs/design.md §4 and the README's "What each role finds": the administrator reads
everything; an office and a leader read what lies in their unit's region or below it (a task
by its region, a round by its region or a task of it in the subtree, a petition by its region,
a supervision notice by its target unit's region); a reporter and a unit head read the tasks
their unit is assigned to (any role) and what hangs off them, the problems and rounds those
tasks (or a problem assignment) belong to, the petitions handed to their unit (承办 or 配合)
and the supervision notices addressed to their unit once issued (a 拟发 letter is the office's
draft). Plain loops over rows; parents walked by hand.
"""

from dataclasses import dataclass

from accounts.choices import Role
from accounts.models import Region
from rectification.models import Assignment


@dataclass(frozen=True)
class Persona:
    kind: str  # "all" | "region" | "unit"
    region_id: int | None
    unit_id: int | None


def persona_of(user) -> Persona:
    if user.is_superuser:
        return Persona("all", None, None)
    if user.role in (Role.OFFICE, Role.LEADER):
        return Persona("region", user.unit.region_id, user.unit_id)
    return Persona("unit", None, user.unit_id)


def _under(region_id, top_id) -> bool:
    parents = dict(Region.objects.values_list("pk", "parent_id"))
    while region_id is not None:
        if region_id == top_id:
            return True
        region_id = parents[region_id]
    return False


def _units_of_task(task) -> set[int]:
    return {a.unit_id for a in Assignment.objects.all() if a.task_id == task.pk}


def _units_of_problem(problem) -> set[int]:
    return {a.unit_id for a in Assignment.objects.all() if a.problem_id == problem.pk}


def sees_task(p: Persona, task) -> bool:
    if p.kind == "all":
        return True
    if p.kind == "region":
        return _under(task.region_id, p.region_id)
    return p.unit_id in _units_of_task(task)


def sees_problem(p: Persona, problem) -> bool:
    tasks = list(problem.tasks.all())
    if p.kind == "all":
        return True
    if p.kind == "region":
        return _under(problem.round.region_id, p.region_id) or any(
            _under(t.region_id, p.region_id) for t in tasks
        )
    return p.unit_id in _units_of_problem(problem) or any(sees_task(p, t) for t in tasks)


def sees_round(p: Persona, round_) -> bool:
    if p.kind == "all":
        return True
    if p.kind == "region" and _under(round_.region_id, p.region_id):
        return True
    return any(sees_problem(p, problem) for problem in round_.problems.all())


def sees_petition(p: Persona, petition) -> bool:
    if p.kind == "all":
        return True
    if p.kind == "region":
        return _under(petition.region_id, p.region_id)
    coop = {u.pk for u in petition.cooperating_units.all()}
    return p.unit_id == petition.handling_unit_id or p.unit_id in coop


def sees_notice(p: Persona, notice) -> bool:
    if p.kind == "all":
        return True
    if p.kind == "region":
        return _under(notice.target_unit.region_id, p.region_id)
    return p.unit_id == notice.target_unit_id and notice.status != "PROPOSED"


def sees(p: Persona, kind: str, row) -> bool:
    if kind == "round":
        return sees_round(p, row)
    if kind == "problem":
        return sees_problem(p, row)
    if kind == "task":
        return sees_task(p, row)
    if kind in ("report", "warning", "closeout", "attachment", "extension"):
        return sees_task(p, row.task)
    if kind == "petition":
        return sees_petition(p, row)
    if kind == "petition_attachment":
        return sees_petition(p, row.petition)
    if kind == "notice":
        return sees_notice(p, row)
    raise AssertionError(kind)
