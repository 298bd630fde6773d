"""全局搜索: tasks, problems and petitions by 编号 and text, within the user's scope.

The task part is the task list's own `q` filter (task_text_q), so that "更多" leads to a
list with exactly the tasks the search found. Exact 编号 matches come first in each group.
"""

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import Unit
from accounts.scope import is_office
from inspections.models import Petition, Problem
from rectification.models import Assignment, Task

# Shorter text matches too much to be useful (and a trigram index cannot serve it).
MIN_LENGTH = 2
MAX_LENGTH = 100
PER_KIND = 50


def task_text_q(value: str) -> Q:
    """Tasks whose 编号, 名称 or 位置 contains `value`, whose problem's title does, or one of
    whose units (lead or cooperating, by 全称, 简称 or 别名) does.

    One `id IN (… UNION ALL …)`: each part is served by its own index (on PostgreSQL the
    text columns have trigram indexes, migration 0025; units are a small table), and the
    planner joins the few matching ids to the scope. An OR of the same parts over the task
    row would read every task of the scope: 650 ms for a province office at 100,000 tasks
    (docs/performance.md, 全局搜索)."""
    units = Unit.objects.filter(
        Q(name__icontains=value) | Q(short_name__icontains=value) | Q(aliases__icontains=value)
    ).values("pk")
    problems = Problem.objects.filter(title__icontains=value).values("pk")
    tasks = Task.objects.order_by()
    by_text = tasks.filter(
        Q(code__icontains=value) | Q(name__icontains=value) | Q(address__icontains=value)
    ).values("pk")
    by_problem = tasks.filter(problem_id__in=problems).values("pk")
    # (a problem's own assignments have no task: no NULL in the IN list)
    by_unit = Assignment.objects.order_by().filter(task__isnull=False, unit_id__in=units)
    by_unit = by_unit.values("task_id")
    return Q(pk__in=by_text.union(by_problem, by_unit, all=True))


def _exact_first(qs: QuerySet, code_field: str, value: str) -> QuerySet:
    exact = Case(
        When(**{f"{code_field}__iexact": value}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return qs.annotate(is_exact=exact)


@dataclass
class Group:
    """One kind of result: at most PER_KIND rows, and whether there are more."""

    rows: list = field(default_factory=list)
    more: bool = False

    @classmethod
    def of(cls, qs: QuerySet) -> "Group":
        rows = list(qs[: PER_KIND + 1])
        return cls(rows=rows[:PER_KIND], more=len(rows) > PER_KIND)

    def single_exact(self):
        """The one row whose 编号 is the query exactly, if there is exactly one."""
        exact = [row for row in self.rows[:2] if row.is_exact == 0]
        return exact[0] if len(exact) == 1 else None


@dataclass
class SearchResults:
    query: str
    message: str = ""  # why nothing was searched (empty or too short a query)
    tasks: Group = field(default_factory=Group)
    problems: Group = field(default_factory=Group)
    petitions: Group = field(default_factory=Group)
    shows_problems: bool = False

    @property
    def total(self) -> int:
        return len(self.tasks.rows) + len(self.problems.rows) + len(self.petitions.rows)

    def redirect_task(self) -> Task | None:
        """The task to open directly: the query is exactly one task's 编号 and no problem's or
        petition's."""
        others = self.problems.rows[:1] + self.petitions.rows[:1]
        if any(row.is_exact == 0 for row in others):
            return None
        return self.tasks.single_exact()


def clean_query(raw: str) -> tuple[str, str]:
    """The query to search for, or a message saying why there is none."""
    if "\x00" in raw:  # no text holds one; PostgreSQL refuses it in a parameter
        return "", "搜索内容不能包含空字符。"
    query = " ".join(raw.split())
    if not query:
        return "", "请输入要搜索的编号、名称、地址或单位。"
    if len(query) < MIN_LENGTH:
        return "", f"搜索内容太短：请至少输入 {MIN_LENGTH} 个字。"
    if len(query) > MAX_LENGTH:
        return "", f"搜索内容太长：最多 {MAX_LENGTH} 个字。"
    return query, ""


def search(user, raw: str) -> SearchResults:
    """What `user` finds for `raw`: one query per kind the user may open.

    Problems only for the office (the problem page is the office's); petitions for everyone
    who sees some (visible_to: a unit only those handed to it)."""
    query, message = clean_query(raw)
    results = SearchResults(query=query or raw.replace("\x00", "").strip(), message=message)
    if message:
        return results
    results.tasks = _tasks(user, query)
    if is_office(user):
        results.shows_problems = True
        problems = Problem.objects.visible_to(user).filter(
            Q(code__iexact=query) | Q(title__icontains=query)
        )
        problems = _exact_first(problems, "code", query).select_related("round")
        results.problems = Group.of(problems.order_by("is_exact", "-round_id", "seq", "id"))
    petitions = Petition.objects.visible_to(user).filter(accept_no__icontains=query)
    petitions = _exact_first(petitions, "accept_no", query).select_related("region")
    results.petitions = Group.of(petitions.order_by("is_exact", "-id"))
    return results


def _tasks(user, query: str) -> Group:
    """Exact 编号 first, then the contains-matches, at most PER_KIND in all.

    Two queries rather than one sorted by "exact first": a broad query (a unit name shared
    by every county's 住建局) matches thousands of tasks, and sorting them all to show fifty
    cost 1.2 s for a province office at 100,000 tasks; without an ORDER BY the database stops
    at the fiftieth match in scope. The rows shown are then sorted for display."""
    scoped = Task.objects.visible_to(user).select_related("region", "lead_unit", "round")
    exact = list(scoped.filter(code__iexact=query).order_by("-round_id", "id")[:PER_KIND])
    room = PER_KIND - len(exact)
    rest = list(
        scoped.filter(task_text_q(query)).exclude(code__iexact=query).order_by()[: room + 1]
    )
    more = len(rest) > room
    rest = sorted(rest[:room], key=lambda t: (-t.round_id, t.code, t.pk))
    for task, is_exact in [*((t, 0) for t in exact), *((t, 1) for t in rest)]:
        task.is_exact = is_exact
    return Group(rows=exact + rest, more=more)
