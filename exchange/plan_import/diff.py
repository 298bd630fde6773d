"""Re-import by content: what a plan changes in the rounds that already hold it.

A plan whose problems already exist in its round (a re-saved copy, a revised edition) is
recognised here, whatever its bytes: a problem matches by its 问题编号, or, when the file
numbers none (or an unknown one), by its normalised title (whitespace and punctuation
removed, full and half width folded). A matched problem's tasks match by 点位编号, else by
normalised name. The diff lists what the file adds, changes (field by field, old → new),
leaves unchanged, and what the round holds that the file does not (listed, never deleted).

`compare` runs at every preview and commit (nothing is kept between them); `apply_update`
applies a diff through the services, one event per changed problem or task naming the
import batch, all or nothing. A plan that overlaps the round is never committed as new
(pipeline.commit_staged refuses it).
"""

import hashlib
import json
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from accounts.errors import ServiceError
from accounts.models import User
from exchange.plan_import.committer import add_stages
from exchange.plan_import.errors import AlreadyImported, ImportRefused, RowError
from exchange.plan_import.validator import Plan, PlannedProblem, PlannedTask
from inspections import services as inspection_services
from inspections.choices import DeadlineType
from inspections.models import ImportBatch, InspectionRound, Problem
from rectification import services
from rectification.choices import AssignmentRole, TaskStatus
from rectification.models import Assignment, Task

# Task fields a plan sets and a revision may change, with the column that carries them: a
# field the file has no column for is not compared (the office may have filled it since).
TASK_TEXT_FIELDS = (
    ("address", "address"),
    ("water_body", "water_body"),
    ("lat", "lat"),
    ("lng", "lng"),
    ("goal", "goal"),
    ("measures", "measures"),
)
# A problem's own columns. Its goal and measures are not compared: the file's 整改目标 and
# 整改措施 are its tasks' (the first import copies the first row's to the problem), and a
# problem entered or edited on its page holds more than one row of them.
PROBLEM_TEXT_FIELDS = (("original_text", "description"),)


class OverlapsExisting(ImportRefused):
    """The plan's problems are already in the round: committing it as new would duplicate
    them (HTTP 409). The office updates the existing plan instead."""

    def __init__(self, diff: "PlanDiff"):
        rounds = "、".join(f"“{r.name}”" for r in diff.rounds)
        super().__init__(
            f"文件中有{diff.matched_problems}项问题、{diff.matched_tasks}个任务已导入到督察轮次"
            f"{rounds}，不能作为新方案重复导入。请在预览页选择“更新已导入的整改方案”，或取消。"
        )


class DiffChanged(ImportRefused):
    """What the round holds changed between the preview and the update (HTTP 409)."""

    def __init__(self):
        super().__init__(
            "预览之后，督察轮次中已导入的内容又被修改过，更新未执行。请重新上传文件并核对差异后再更新。"
        )


def normalise(text: object) -> str:
    """A title as compared: NFKC (full width → half width), lower case, without whitespace
    or punctuation. "（一）城区 排口，直排！" and "(一)城区排口直排" are the same title."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return "".join(
        ch for ch in folded if not ch.isspace() and not unicodedata.category(ch).startswith("P")
    )


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str

    def as_dict(self) -> dict:
        return {"field": self.field, "label": self.label, "old": self.old, "new": self.new}


@dataclass
class TaskDiff:
    planned: PlannedTask
    existing: Task | None = None
    changes: list[FieldChange] = field(default_factory=list)
    # A 已销号 task's deadline and units are not changed: listed as "已销号，未更新".
    refused: list[FieldChange] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    deadline: services.PlanDeadline | None = None
    units: list[services.UnitRole] | None = None

    @property
    def code(self) -> str:
        return self.existing.code if self.existing else self.planned.code


@dataclass
class ProblemDiff:
    planned: PlannedProblem
    existing: Problem | None = None
    matched_by: str = ""  # "code" | "title" | "" (added)
    changes: list[FieldChange] = field(default_factory=list)
    values: dict = field(default_factory=dict)
    tasks: list[TaskDiff] = field(default_factory=list)

    @property
    def code(self) -> str:
        return self.existing.code if self.existing else self.planned.code

    @property
    def title(self) -> str:
        return self.planned.title


@dataclass
class RemovedProblem:
    problem: Problem
    task_count: int


@dataclass
class PlanDiff:
    rounds: list[InspectionRound]
    problems: list[ProblemDiff]
    removed_problems: list[RemovedProblem]
    removed_tasks: list[Task]
    batches: list[ImportBatch]

    @property
    def tasks(self) -> list[TaskDiff]:
        return [t for p in self.problems for t in p.tasks]

    @property
    def overlaps(self) -> bool:
        return any(p.existing for p in self.problems)

    @property
    def matched_problems(self) -> int:
        return sum(1 for p in self.problems if p.existing)

    @property
    def matched_tasks(self) -> int:
        return sum(1 for t in self.tasks if t.existing)

    def added_problems(self) -> list[ProblemDiff]:
        return [p for p in self.problems if p.existing is None]

    def changed_problems(self) -> list[ProblemDiff]:
        return [p for p in self.problems if p.existing and p.changes]

    def added_tasks(self) -> list[TaskDiff]:
        return [t for t in self.tasks if t.existing is None]

    def changed_tasks(self) -> list[TaskDiff]:
        return [t for t in self.tasks if t.existing and t.changes]

    def closed_not_updated(self) -> list[TaskDiff]:
        return [t for t in self.tasks if t.refused]

    def counts(self) -> dict:
        problems = [p for p in self.problems if p.existing]
        tasks = [t for t in self.tasks if t.existing]
        return {
            "problems": {
                "added": len(self.problems) - len(problems),
                "changed": sum(1 for p in problems if p.changes),
                "unchanged": sum(1 for p in problems if not p.changes),
                "removed": len(self.removed_problems),
            },
            "tasks": {
                "added": len(self.tasks) - len(tasks),
                "changed": sum(1 for t in tasks if t.changes),
                "unchanged": sum(1 for t in tasks if not t.changes and not t.refused),
                "removed": len(self.removed_tasks)
                + sum(r.task_count for r in self.removed_problems),
                "closed_not_updated": sum(1 for t in tasks if t.refused),
            },
        }

    def existing_summary(self) -> dict:
        """What the rounds already hold of the file (the API's `existing`)."""
        return {
            "rounds": [{"id": r.pk, "code": r.code, "name": r.name} for r in self.rounds],
            "problems": self.matched_problems,
            "tasks": self.matched_tasks,
            "batches": [
                {"id": b.pk, "file_name": b.file_name, "created_at": b.created_at.isoformat()}
                for b in self.batches
            ],
        }

    def _body(self) -> dict:
        def task_row(t: TaskDiff, changes) -> dict:
            return {
                "row": t.planned.row,
                "id": t.existing.pk if t.existing else None,
                "code": t.code,
                "name": t.planned.name,
                "changes": [c.as_dict() for c in changes],
            }

        return {
            "counts": self.counts(),
            "problems": {
                "added": [
                    {
                        "row": p.planned.row,
                        "code": p.code,
                        "title": p.title,
                        "tasks": len(p.tasks),
                    }
                    for p in self.added_problems()
                ],
                "changed": [
                    {
                        "row": p.planned.row,
                        "id": p.existing.pk,
                        "code": p.code,
                        "title": p.title,
                        "matched_by": p.matched_by,
                        "changes": [c.as_dict() for c in p.changes],
                    }
                    for p in self.changed_problems()
                ],
                "removed": [
                    {
                        "id": r.problem.pk,
                        "code": r.problem.code,
                        "title": r.problem.title,
                        "tasks": r.task_count,
                    }
                    for r in self.removed_problems
                ],
            },
            "tasks": {
                "added": [task_row(t, []) for t in self.added_tasks()],
                "changed": [task_row(t, t.changes) for t in self.changed_tasks()],
                "closed_not_updated": [task_row(t, t.refused) for t in self.closed_not_updated()],
                "removed": [
                    {
                        "id": t.pk,
                        "code": t.code,
                        "name": t.name,
                        "status": t.get_status_display(),
                    }
                    for t in self.removed_tasks
                ],
            },
        }

    @property
    def token(self) -> str:
        """A fingerprint of the diff and of the versions it was computed against: the
        update applies only what the office saw (else DiffChanged)."""
        versions = sorted((t.existing.pk, t.existing.version) for t in self.tasks if t.existing)
        payload = json.dumps(
            [self._body(), versions], sort_keys=True, ensure_ascii=False, default=str
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    def as_dict(self) -> dict:
        return {**self._body(), "token": self.token}


# ---------------------------------------------------------------------------------------------
# Comparing


def _shown(value) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, Decimal):
        value = value.normalize()
    return str(value)


def _units_of(planned: PlannedTask) -> list[services.UnitRole]:
    return [services.UnitRole(u.unit, u.role, u.person) for u in planned.units]


class _Comparer:
    def __init__(self, plan: Plan, actor: User, rounds: dict[str, InspectionRound]):
        self.plan = plan
        self.actor = actor
        self.rounds = rounds  # planned round key → existing round
        self.present = set(plan.headers)
        self.errors: list[RowError] = []
        ids = sorted({r.pk for r in rounds.values()})
        self.problems = list(
            Problem.objects.visible_to(actor)
            .filter(round_id__in=ids)
            .select_related("leader")
            .order_by("round_id", "seq")
        )
        self.by_code = {(p.round_id, p.code): p for p in self.problems}
        self.by_title: dict[tuple[int, str], list[Problem]] = defaultdict(list)
        for p in self.problems:
            self.by_title[(p.round_id, normalise(p.title))].append(p)
        tasks = list(
            Task.objects.visible_to(actor)
            .filter(round_id__in=ids)
            .select_related("region", "leader")
            .order_by("problem_id", "seq", "id")
        )
        self.tasks_of: dict[int, list[Task]] = defaultdict(list)
        for t in tasks:
            self.tasks_of[t.problem_id].append(t)
        self.assignments: dict[int, list[Assignment]] = defaultdict(list)
        for a in (
            Assignment.objects.filter(task__round_id__in=ids, task_id__isnull=False)
            .select_related("unit", "person")
            .order_by("task_id", "sort", "id")
        ):
            self.assignments[a.task_id].append(a)
        # Every code in the rounds, in or out of the office's scope: the database keeps them
        # unique per round.
        self.task_owner: dict[tuple[int, str], tuple[int, str]] = {
            (round_id, code): (problem_id, problem_code)
            for round_id, code, problem_id, problem_code in Task.objects.filter(
                round_id__in=ids
            ).values_list("round_id", "code", "problem_id", "problem__code")
        }
        self.task_by_code = {(t.round_id, t.code): t for t in tasks}
        taken = Problem.objects.filter(round_id__in=ids).values_list("round_id", "code", "seq")
        self.problem_codes: dict[int, set[str]] = defaultdict(set)
        self.problem_seqs: dict[int, set[int]] = defaultdict(set)
        for round_id, code, seq in taken:
            self.problem_codes[round_id].add(code)
            self.problem_seqs[round_id].add(seq)
        self.batches = list(
            ImportBatch.objects.filter(round_id__in=ids).order_by("-created_at", "-id")[:10]
        )

    def header(self, key: str, default: str) -> str:
        return self.plan.headers.get(key) or default

    # -- matching --------------------------------------------------------------------------

    def match_problem(self, planned: PlannedProblem, used: set[int]) -> tuple[Problem | None, str]:
        rnd = self.rounds.get(planned.round_key)
        if rnd is None:
            return None, ""
        if planned.code_given:
            found = self.by_code.get((rnd.pk, planned.code))
            if found is not None and found.pk not in used:
                return found, "code"
        for found in self.by_title.get((rnd.pk, normalise(planned.title)), []):
            if found.pk not in used:
                return found, "title"
        return None, ""

    def match_tasks(self, pd: ProblemDiff) -> None:
        rnd = self.rounds.get(pd.planned.round_key)
        existing = list(self.tasks_of.get(pd.existing.pk, [])) if pd.existing else []
        free = {t.pk: t for t in existing}
        for planned in pd.planned.tasks:
            td = TaskDiff(planned)
            pd.tasks.append(td)
            if rnd is None:
                continue
            owner = self.task_owner.get((rnd.pk, planned.code)) if planned.code_given else None
            if owner is not None:
                task = self.task_by_code.get((rnd.pk, planned.code))
                if pd.existing is None or owner[0] != pd.existing.pk or task is None:
                    self.errors.append(
                        RowError(
                            planned.row,
                            self.header("task_code", "点位编号"),
                            f"点位编号“{planned.code}”在该督察轮次中已存在",
                        )
                    )
                    continue
                td.existing = free.pop(task.pk, None)
                continue
            name = normalise(planned.name)
            for task in free.values():
                if normalise(task.name) == name:
                    td.existing = free.pop(task.pk)
                    break
        # A problem that is one task on both sides (a non-point measure, named after the
        # problem) is the same task even when its name changed with the problem's title.
        unmatched = [t for t in pd.tasks if t.existing is None and not t.planned.code_given]
        if pd.existing and len(pd.tasks) == 1 and len(existing) == 1 and unmatched and free:
            unmatched[0].existing = free.popitem()[1]
        self.removed_tasks.extend(free.values())

    # -- fields ----------------------------------------------------------------------------

    def problem_changes(self, pd: ProblemDiff) -> None:
        problem, planned = pd.existing, pd.planned

        def change(name: str, label: str, old, new, shown_old=None, shown_new=None):
            if old != new:
                pd.values[name] = new
                pd.changes.append(
                    FieldChange(
                        name,
                        label,
                        shown_old if shown_old is not None else _shown(old),
                        shown_new if shown_new is not None else _shown(new),
                    )
                )

        change("title", "具体问题", problem.title, planned.title.strip())
        for name, column in PROBLEM_TEXT_FIELDS:
            if column in self.present:
                label = str(Problem._meta.get_field(name).verbose_name)
                change(name, label, getattr(problem, name), getattr(planned, name))
        if "leader" in self.present and planned.leader is not None:
            change("leader", "责任领导", problem.leader, planned.leader)
        # The problem's deadline is its tasks' (the latest): recomputed when the revision
        # moves one of them, else left as the office keeps it.
        if any(t.deadline is not None for t in pd.tasks):
            first = planned.tasks[0].deadline
            dated = [t.deadline.deadline for t in planned.tasks if t.deadline.deadline]
            new_type, new_date = first.deadline_type, max(dated) if dated else None
            if (problem.deadline_type, problem.deadline) != (new_type, new_date):
                pd.values.update(deadline_type=new_type, deadline=new_date)
                pd.changes.append(
                    FieldChange(
                        "deadline",
                        "整改时限",
                        services.describe_deadline(problem.deadline_type, problem.deadline, False),
                        services.describe_deadline(new_type, new_date, False),
                    )
                )

    def task_changes(self, td: TaskDiff, pd: ProblemDiff) -> None:
        task, planned = td.existing, td.planned
        closed = task.status == TaskStatus.CLOSED

        def change(name: str, label: str, old, new):
            if old != new:
                td.values[name] = new
                td.changes.append(FieldChange(name, label, _shown(old), _shown(new)))

        change("name", "点位/任务名称", task.name, planned.name.strip())
        if task.region_id != planned.region.pk:
            td.values["region"] = planned.region
            td.changes.append(
                FieldChange("region", "所在区县", task.region.name, planned.region.name)
            )
        for name, column in TASK_TEXT_FIELDS:
            if column in self.present:
                label = str(Task._meta.get_field(name).verbose_name)
                change(name, label, getattr(task, name), getattr(planned, name))
        leader = pd.planned.leader
        if "leader" in self.present and leader is not None:
            change("leader", "责任领导", task.leader, leader)
        # The plan's deadline is the original one: an approved extension is no revision.
        d = planned.deadline
        ongoing = d.is_ongoing or d.deadline_type == DeadlineType.ONGOING
        old = services.describe_deadline(
            task.deadline_type, task.original_deadline, task.is_ongoing
        )
        new = services.describe_deadline(d.deadline_type, d.deadline, ongoing)
        # A file that states the extended deadline (an exported ledger) revises nothing.
        extended = services.describe_deadline(task.deadline_type, task.deadline, task.is_ongoing)
        if old != new and not (task.extension_count and new == extended):
            entry = FieldChange("deadline", "整改时限", old, new)
            if closed:
                td.refused.append(entry)
            else:
                td.deadline = services.PlanDeadline(d.deadline_type, d.deadline, d.is_ongoing)
                td.changes.append(entry)
        current = self.assignments.get(task.pk, [])
        wanted = _units_of(planned)
        units_differ = {(a.unit_id, a.role) for a in current} != {
            (u.unit.pk, u.role) for u in wanted
        }
        lead_now = next((a for a in current if a.role == AssignmentRole.LEAD), None)
        lead_wanted = next((u for u in wanted if u.role == AssignmentRole.LEAD), None)
        person_differs = (
            "person" in self.present
            and lead_wanted is not None
            and lead_wanted.person is not None
            and (lead_now is None or lead_now.person_id != lead_wanted.person.pk)
        )
        if not (units_differ or person_differs):
            return
        # Keep what the office added since (people, duties) where the file says nothing.
        kept = {(a.unit_id, a.role): a for a in current}
        units = []
        for u in wanted:
            before = kept.get((u.unit.pk, u.role))
            person = u.person or (before.person if before else None)
            units.append(services.UnitRole(u.unit, u.role, person, before.duty if before else ""))
        entries = []
        if units_differ:
            shown_now = [services.UnitRole(a.unit, a.role) for a in current]
            entries.append(
                FieldChange(
                    "units",
                    "责任单位",
                    services.describe_units(shown_now),
                    services.describe_units(wanted),
                )
            )
        if person_differs:
            entries.append(
                FieldChange(
                    "person",
                    "责任人",
                    _shown(lead_now.person if lead_now else None),
                    _shown(lead_wanted.person),
                )
            )
        if closed:
            td.refused.extend(entries)
        else:
            td.units = units
            td.changes.extend(entries)

    # -- numbering of what is added --------------------------------------------------------

    def renumber(self, diffs: list[ProblemDiff], overlaps: bool) -> None:
        """Number added problems and tasks after what the round holds. The validator numbered
        them as if nothing matched (a matched problem took a number of its own)."""
        task_codes: dict[int, set[str]] = defaultdict(set)
        for round_id, code in self.task_owner:
            task_codes[round_id].add(code)
        for pd in diffs:
            rnd = self.rounds.get(pd.planned.round_key)
            if rnd is not None:
                task_codes[rnd.pk] |= {t.planned.code for t in pd.tasks if t.planned.code_given}
        for pd in diffs:
            rnd = self.rounds.get(pd.planned.round_key)
            if rnd is None:
                continue
            planned = pd.planned
            renumbered = False
            if pd.existing is None and not planned.code_given:
                clash = planned.code in self.problem_codes[rnd.pk]
                if overlaps or clash:
                    n = max(self.problem_seqs[rnd.pk] | {0}) + 1
                    while str(n) in self.problem_codes[rnd.pk]:
                        n += 1
                    planned.code, planned.seq, renumbered = str(n), n, True
            if pd.existing is None:
                self.problem_codes[rnd.pk].add(planned.code)
                self.problem_seqs[rnd.pk].add(planned.seq)
            if not (renumbered or (pd.existing and overlaps)):
                continue
            n = len(self.tasks_of.get(pd.existing.pk, [])) if pd.existing else 0
            for td in pd.tasks:
                if td.existing is not None or td.planned.code_given:
                    continue
                n += 1
                while f"{pd.code}-{n}"[:32] in task_codes[rnd.pk]:
                    n += 1
                td.planned.code = f"{pd.code}-{n}"[:32]
                task_codes[rnd.pk].add(td.planned.code)

    def run(self) -> PlanDiff:
        self.removed_tasks: list[Task] = []
        used: set[int] = set()
        diffs = []
        for planned in self.plan.problems.values():
            existing, how = self.match_problem(planned, used)
            if existing is not None:
                used.add(existing.pk)
            pd = ProblemDiff(planned, existing, how)
            diffs.append(pd)
            self.match_tasks(pd)
        if self.errors:
            raise ImportRefused(
                f"发现{len(self.errors)}处错误，未导入任何数据。请修改后重新上传。", self.errors
            )
        overlaps = any(pd.existing for pd in diffs)
        for pd in diffs:
            # The committers read `existing`: a matched problem is that one, an added one none.
            pd.planned.existing = pd.existing
            if pd.existing is not None:
                for td in pd.tasks:
                    if td.existing is not None:
                        self.task_changes(td, pd)
                self.problem_changes(pd)
        self.renumber(diffs, overlaps)
        removed = [RemovedProblem(p, len(self.tasks_of.get(p.pk, []))) for p in self.problems]
        removed = [r for r in removed if r.problem.pk not in used]
        return PlanDiff(
            rounds=sorted(set(self.rounds.values()), key=lambda r: r.pk),
            problems=diffs,
            removed_problems=removed,
            removed_tasks=self.removed_tasks,
            batches=self.batches,
        )


def compare(plan: Plan, *, actor: User) -> PlanDiff | None:
    """The diff of the plan against the existing rounds it targets (None when every round
    is new). Raises ImportRefused when a 点位编号 of the file belongs to another problem."""
    rounds = {key: r.existing for key, r in plan.rounds.items() if r.existing is not None}
    if not rounds:
        return None
    return _Comparer(plan, actor, rounds).run()


# ---------------------------------------------------------------------------------------------
# Applying


def apply_update(
    plan: Plan, *, actor: User, sha256: str, file_name: str, token: str = ""
) -> ImportBatch:
    """Update the existing plan as the diff says, in one transaction: the batch row (its
    summary carries the diff's counts), then each changed problem (problem_update) and task
    (task_apply_plan_revision), one event each naming the batch; added problems and tasks
    are created as by a first import. Nothing is deleted; statuses, progress and history
    are not touched. A refusal anywhere leaves nothing changed."""
    diff = plan.diff
    if diff is None or not diff.overlaps:
        raise ImportRefused("文件中的问题都尚未导入，无需更新：请直接确认导入。")
    if token and token != diff.token:
        raise DiffChanged()
    if ImportBatch.objects.filter(sha256=sha256).exists():
        raise AlreadyImported()
    row = None
    try:
        with transaction.atomic():
            round_ids = {r.existing.pk for r in plan.rounds.values() if r.existing}
            new_rounds = [r for r in plan.rounds.values() if r.existing is None]
            batch = inspection_services.import_batch_record(
                actor=actor,
                sha256=sha256,
                file_name=file_name,
                round_=diff.rounds[0] if len(round_ids) == 1 and not new_rounds else None,
                row_count=plan.rows,
                task_count=len(diff.added_tasks()),
                summary={**plan.summary(), "mode": "update", "diff": diff.counts()},
            )
            reason = f"按导入批次#{batch.pk}（{file_name}）更新整改方案"
            rounds = {r.key: r.existing for r in plan.rounds.values() if r.existing}
            for planned in new_rounds:
                rounds[planned.key] = inspection_services.round_create(
                    actor=actor,
                    code=planned.code,
                    name=planned.name,
                    kind=planned.kind,
                    level=planned.level,
                    region=planned.region,
                )
            categories = _CategoryMaker(actor, rounds)
            for pd in diff.problems:
                row = pd.planned.row
                problem = pd.existing
                if problem is None:
                    problem = _create_problem(pd.planned, actor, rounds, categories)
                elif pd.values:
                    problem = inspection_services.problem_update(
                        actor=actor, problem=problem.pk, reason=reason, **pd.values
                    )
                for td in pd.tasks:
                    row = td.planned.row
                    if td.existing is None:
                        created = _create_task(td.planned, pd.planned, problem, actor)
                        add_stages(created, td.planned, actor)
                    elif td.values or td.deadline or td.units is not None:
                        services.task_apply_plan_revision(
                            task=td.existing.pk,
                            actor=actor,
                            reason=reason,
                            changes=td.values,
                            deadline=td.deadline,
                            units=td.units,
                            expected_version=td.existing.version,
                        )
            return batch
    except ServiceError as exc:
        if ImportBatch.objects.filter(sha256=sha256).exists():
            raise AlreadyImported() from None
        errors = [RowError(row, "", exc.message)] if row else []
        where = f"第{row}行：" if row else ""
        raise ImportRefused(f"更新失败，未修改任何数据。{where}{exc.message}", errors) from None


class _CategoryMaker:
    """Aspects and categories of added problems, created when first needed (an update does
    not create empty ones)."""

    def __init__(self, actor: User, rounds: dict):
        self.actor, self.rounds = actor, rounds
        self.aspects: dict[int, object] = {}
        self.categories: dict[int, object] = {}

    def get(self, planned_category):
        if planned_category is None:
            return None
        key = id(planned_category)
        if key not in self.categories:
            aspect = planned_category.aspect
            if id(aspect) not in self.aspects:
                self.aspects[id(aspect)] = aspect.existing or inspection_services.aspect_create(
                    actor=self.actor,
                    round_=self.rounds[aspect.round_key],
                    seq=aspect.seq,
                    title=aspect.title,
                )
            self.categories[key] = planned_category.existing or inspection_services.category_create(
                actor=self.actor,
                aspect=self.aspects[id(aspect)],
                seq=planned_category.seq,
                title=planned_category.title,
            )
        return self.categories[key]


def _create_problem(planned: PlannedProblem, actor: User, rounds: dict, categories) -> Problem:
    first = planned.tasks[0] if planned.tasks else None
    dated = [t.deadline.deadline for t in planned.tasks if t.deadline.deadline]
    return inspection_services.problem_create(
        actor=actor,
        round_=rounds[planned.round_key],
        category=categories.get(planned.category),
        seq=planned.seq,
        code=planned.code,
        title=planned.title,
        original_text=planned.original_text,
        goal=planned.goal,
        measures=planned.measures,
        deadline_type=first.deadline.deadline_type if first else DeadlineType.DATED,
        deadline=max(dated) if dated else None,
        source=planned.source,
        leader=planned.leader,
    )


def _create_task(task: PlannedTask, planned: PlannedProblem, problem: Problem, actor: User):
    return services.task_create(
        problem=problem,
        actor=actor,
        code=task.code,
        name=task.name,
        region=task.region,
        units=_units_of(task),
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
