"""Create what a validated plan describes, all or nothing, through the (bulk) services."""

from collections.abc import Callable

from django.db import DatabaseError, transaction

from accounts.errors import ServiceError, database_refusal
from accounts.models import User
from exchange.plan_import.errors import AlreadyImported, ImportRefused, RowError
from exchange.plan_import.validator import Plan, PlannedTask
from inspections import services
from inspections.models import (
    FeedbackAspect,
    FeedbackCategory,
    ImportBatch,
    InspectionRound,
    Problem,
)
from rectification.models import Assignment, Task
from rectification.services import NewTask, UnitRole, milestone_add, tasks_create_bulk

_MODELS = (InspectionRound, FeedbackAspect, FeedbackCategory, Problem, Task, Assignment)


def commit_plan(
    plan: Plan,
    *,
    actor: User,
    sha256: str,
    file_name: str,
    progress: Callable[[int, int], None] | None = None,
) -> ImportBatch:
    """One transaction: rounds → aspects → categories → problems (problems_create_bulk) →
    tasks (tasks_create_bulk, in batches) → the batch row. A service refusal rolls everything
    back and names the row it came from. `progress(done, total)`: tasks written so far."""
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    row = None
    rows_of: list[int] = []
    try:
        with transaction.atomic():
            rounds: dict[str, InspectionRound] = {}
            for key, planned in plan.rounds.items():
                rounds[key] = planned.existing or services.round_create(
                    actor=actor,
                    code=planned.code,
                    name=planned.name,
                    kind=planned.kind,
                    level=planned.level,
                    region=planned.region,
                )
            aspects, categories = {}, {}
            for key, aspect in plan.aspects.items():
                aspects[key] = aspect.existing or services.aspect_create(
                    actor=actor, round_=rounds[aspect.round_key], seq=aspect.seq, title=aspect.title
                )
                for category in aspect.categories.values():
                    categories[id(category)] = category.existing or services.category_create(
                        actor=actor, aspect=aspects[key], seq=category.seq, title=category.title
                    )
            new_problems = [p for p in plan.problems.values() if p.existing is None]
            problems: dict[int, object] = {
                id(p): p.existing for p in plan.problems.values() if p.existing
            }
            for round_key in dict.fromkeys(p.round_key for p in new_problems):
                batch = [p for p in new_problems if p.round_key == round_key]
                rows_of = [p.row for p in batch]
                made = services.problems_create_bulk(
                    actor=actor,
                    round_=rounds[round_key],
                    problems=[_new_problem(p, categories) for p in batch],
                )
                problems.update({id(p): m for p, m in zip(batch, made, strict=True)})
            tasks = [(planned, t) for planned in plan.problems.values() for t in planned.tasks]
            rows_of = [t.row for _, t in tasks]
            made_tasks = tasks_create_bulk(
                actor=actor,
                tasks=[_new_task(problems[id(planned)], planned, t) for planned, t in tasks],
                progress=progress,
            )
            created = len(made_tasks)
            rows_of = []
            for (_, planned_task), made in zip(tasks, made_tasks, strict=True):
                row = planned_task.row
                add_stages(made, planned_task, actor)
            row = None
            only_round = (
                next(iter({r.pk: r for r in rounds.values()}.values()))
                if len({r.pk for r in rounds.values()}) == 1
                else None
            )
            return services.import_batch_record(
                actor=actor,
                sha256=sha256,
                file_name=file_name,
                round_=only_round,
                row_count=plan.rows,
                task_count=created,
                summary=plan.summary(),
            )
    except ServiceError as exc:
        if ImportBatch.objects.filter(sha256=sha256).exists():
            raise AlreadyImported() from None
        if exc.index is not None and exc.index < len(rows_of):
            row = rows_of[exc.index]
        raise _refused(row, exc.message) from None
    except DatabaseError as exc:
        # A refusal the services did not foresee (a lock, a constraint, a value too long):
        # say what the database said, never a guessed "duplicate".
        if ImportBatch.objects.filter(sha256=sha256).exists():
            raise AlreadyImported() from None
        raise _refused(row, database_refusal(exc, *_MODELS)) from None


def add_stages(task: Task, planned: PlannedTask, actor: User) -> None:
    """A staged or multi-year deadline's stages, as the office would add them."""
    for stage in planned.deadline.milestones:
        milestone_add(task=task, actor=actor, name=stage.text, planned_date=stage.date)


def _refused(row: int | None, message: str) -> ImportRefused:
    errors = [RowError(row, "", message)] if row else []
    where = f"第{row}行：" if row else ""
    return ImportRefused(f"导入失败，未导入任何数据。{where}{message}", errors)


def _new_problem(planned, categories) -> services.NewProblem:
    first = planned.tasks[0] if planned.tasks else None
    dated = [t.deadline.deadline for t in planned.tasks if t.deadline.deadline]
    return services.NewProblem(
        category=categories.get(id(planned.category)) if planned.category else None,
        seq=planned.seq,
        code=planned.code,
        title=planned.title,
        original_text=planned.original_text,
        goal=planned.goal,
        measures=planned.measures,
        deadline_type=first.deadline.deadline_type if first else "DATED",
        deadline=max(dated) if dated else None,
        source=planned.source,
        leader=planned.leader,
    )


def _new_task(problem, planned, task) -> NewTask:
    return NewTask(
        problem=problem,
        code=task.code,
        name=task.name,
        region=task.region,
        units=[UnitRole(u.unit, u.role, u.person) for u in task.units],
        deadline=task.deadline.deadline,
        deadline_type=task.deadline.deadline_type,
        is_ongoing=task.deadline.is_ongoing,
        is_point=task.is_point,
        site_type=task.site_type,
        goal=task.goal,
        measures=task.measures,
        address=task.address,
        water_body=task.water_body,
        lat=task.lat,
        lng=task.lng,
        leader=planned.leader,
    )
