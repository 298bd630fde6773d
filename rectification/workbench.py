"""The workbench (工作台): each role's pending work, counted, each count a link to its list.

The queues are defined here once, as scoped querysets (or the task list's filter parameters),
and read by the workbench page, the navigation's badges (context_processors.nav) and the
lists the counts link to, so a count and the list it opens cannot disagree. All the counts of
a user are one SQL statement (scalar subqueries), computed at most once per request.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.signals import setting_changed
from django.db import connections, router
from django.db.models import Case, IntegerField, QuerySet, Subquery, Value, When
from django.dispatch import receiver
from django.urls import reverse

from accounts import clock
from accounts.choices import Role
from accounts.models import User
from accounts.scope import scope_of
from inspections.choices import PetitionStatus
from inspections.models import Petition
from rectification.choices import (
    CloseoutStatus,
    ExtensionStatus,
    SupervisionStatus,
    WarningLevel,
)
from rectification.models import (
    CloseoutApplication,
    DispatchReport,
    Extension,
    SupervisionNotice,
    Task,
)
from rectification.selectors import (
    colour_q,
    due_soon_q,
    overdue_q,
    returned_q,
    unreported_q,
)

# Petitions the office still has to see through (交办 → 办理); 阶段性办结 and later are done.
# 待办信访: the petitions waiting for the office, to hand over (待交办) or to review (待环督办审核).
OPEN_PETITION_STATUSES = (PetitionStatus.RECEIVED, PetitionStatus.CHECKED)


# ---------------------------------------------------------------------------------------------
# The queues (each list page reads the same function)


def selfcheck_applications(user) -> QuerySet[CloseoutApplication]:
    """待自验: applications for the tasks the unit head's unit leads, except their own."""
    return (
        CloseoutApplication.objects.visible_to(user)
        .filter(task__lead_unit_id=user.unit_id, status=CloseoutStatus.SUBMITTED)
        .exclude(applied_by_id=user.pk)
    )


def review_applications(user) -> QuerySet[CloseoutApplication]:
    """待验收: applications past the self-check, waiting for the office."""
    return CloseoutApplication.objects.visible_to(user).filter(status=CloseoutStatus.SELF_CHECKED)


def publicizing_applications(user, *, expired_only: bool = False):
    """公示中 applications; with expired_only, those whose notice ended before today
    (公示期满待销号)."""
    qs = CloseoutApplication.objects.visible_to(user).filter(status=CloseoutStatus.ACCEPTED)
    if expired_only:
        qs = qs.filter(notice__end_date__lt=clock.today())
    return qs


def pending_extensions(user) -> QuerySet[Extension]:
    return Extension.objects.visible_to(user).filter(status=ExtensionStatus.PENDING)


def proposed_supervision(user) -> QuerySet[SupervisionNotice]:
    """待处理预警与督办建议: the letters and interviews the warnings job proposed."""
    return SupervisionNotice.objects.visible_to(user).filter(status=SupervisionStatus.PROPOSED)


def open_petitions(user) -> QuerySet[Petition]:
    return Petition.objects.visible_to(user).filter(status__in=OPEN_PETITION_STATUSES)


# The task list's parameters for each task queue, and the same condition as a Q.
def _task_queues() -> dict[str, tuple[dict, object]]:
    today = clock.today()
    days = settings.WARNING_DUE_SOON_DAYS
    red_yellow = [WarningLevel.RED, WarningLevel.YELLOW]
    return {
        "unreported": ({"unreported": "true"}, unreported_q(today)),
        "due_soon": ({"due_within": days}, due_soon_q(today, days)),
        "overdue": ({"overdue": "true"}, overdue_q(today)),
        "returned": ({"returned": "true"}, returned_q()),
        "red_yellow": ({"warning_level": red_yellow}, colour_q(red_yellow, today)),
    }


# ---------------------------------------------------------------------------------------------
# Counting


class _CountOf(Subquery):
    """COUNT(*) of a queryset as a scalar subquery, so many counts share one statement."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _n)"
    output_field = IntegerField()


@dataclass(frozen=True)
class Item:
    """One count on the workbench: what it counts, how many, and the list behind it."""

    key: str
    label: str
    count: int
    url: str
    hint: str
    tone: str = "primary"  # a Bootstrap colour: danger for late work, warning for due soon


ITEMS: dict[str, tuple[str, str, str]] = {
    # key: (label, hint, tone)
    "unreported": ("本月未报", "本月进展尚未报送的在办任务", "warning"),
    "due_soon": ("即将到期", f"{settings.WARNING_DUE_SOON_DAYS}天内到期的在办任务", "warning"),
    "overdue": ("已逾期", "超过原定整改时限仍未完成", "danger"),
    "returned": ("被退回", "销号申请被退回或进展报告退回补充", "danger"),
    "selfcheck": ("待自验", "本单位牵头任务的销号申请", "primary"),
    "review": ("待验收", "已通过自验、等待市级验收的销号申请", "primary"),
    "expired": ("公示期满待销号", "公示期已满，可以销号", "success"),
    "extensions": ("待审批延期", "单位提出的延期申请", "primary"),
    "proposals": ("待处理预警与督办建议", "预警生成的拟发督办函、约谈", "danger"),
    "petitions": ("待办信访", "已交办、正在办理的信访件", "primary"),
    "red_yellow": ("红黄牌", "红灯和黄牌任务", "danger"),
    "leader_overdue": ("逾期", "超过原定整改时限仍未完成", "danger"),
    "ranking": ("本月排名变化", "较上月排名上升或下降的牵头单位", "primary"),
}

ROLE_KEYS: dict[str, tuple[str, ...]] = {
    Role.REPORTER: ("unreported", "due_soon", "overdue", "returned"),
    Role.UNIT_HEAD: ("selfcheck", "unreported", "due_soon", "overdue", "returned"),
    Role.OFFICE: ("review", "expired", "extensions", "proposals", "petitions"),
    Role.LEADER: ("red_yellow", "leader_overdue", "ranking"),
}


# The keys _querysets() counts (the ranking is read from the dispatch report).
_COUNTED = frozenset(
    {"unreported", "due_soon", "overdue", "returned", "red_yellow", "leader_overdue"}
    | {"selfcheck", "review", "expired", "extensions", "proposals", "petitions"}
)


def _querysets(user, keys) -> dict[str, QuerySet]:
    tasks = Task.objects.visible_to(user)
    queues = _task_queues()
    found = {}
    for key in keys:
        if key in ("unreported", "due_soon", "overdue", "returned", "red_yellow"):
            found[key] = tasks.filter(queues[key][1])
        elif key == "leader_overdue":
            found[key] = tasks.filter(queues["overdue"][1])
        elif key == "selfcheck":
            found[key] = selfcheck_applications(user)
        elif key == "review":
            found[key] = review_applications(user)
        elif key == "expired":
            found[key] = publicizing_applications(user, expired_only=True)
        elif key == "extensions":
            found[key] = pending_extensions(user)
        elif key == "proposals":
            found[key] = proposed_supervision(user)
        elif key == "petitions":
            found[key] = open_petitions(user)
    return found


def latest_dispatch(user) -> DispatchReport | None:
    """The newest 月调度通报 of the user's own region (else the newest they may read)."""
    own_region = Case(
        When(region_id=getattr(user.unit, "region_id", None), then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return (
        DispatchReport.objects.visible_to(user)
        .only("id", "month", "region_id", "figures")
        .alias(own_region=own_region)
        .order_by("own_region", "-month", "region_id")
        .first()
    )


def ranking_moves(report: DispatchReport | None) -> int:
    """Units whose rank moved against the previous month's report (its stored deltas)."""
    if report is None or not report.figures.get("previous"):
        return 0
    deltas = report.figures["previous"].get("units", {})
    return sum(1 for d in deltas.values() if d.get("rank"))


# The counts' statement as SQL, per user, scope, day and database, in this process. It is
# run on every page the user opens (the navigation's queue badges); building and compiling
# its querysets cost the office ~5 ms of Python a page, several times what running it costs.
# Everything its SQL depends on is in the key; a settings change (tests) empties it.
_COMPILED: dict[tuple, tuple[str, tuple, tuple[str, ...]]] = {}
_COMPILED_MAX = 4096


@receiver(setting_changed)
def _forget_compiled(**kwargs) -> None:
    _COMPILED.clear()


def _compiled_counts(user, keys, db: str) -> tuple[str, tuple, tuple[str, ...]]:
    key = (
        *(user.pk, user.role, user.unit_id, scope_of(user), tuple(keys)),
        *(clock.today(), settings.WARNING_DUE_SOON_DAYS, db),
    )
    compiled = _COMPILED.get(key)
    if compiled is None:
        querysets = _querysets(user, keys)
        row = User.objects.using(db).filter(pk=user.pk)
        row = row.values(**{k: _CountOf(qs.order_by().values("pk")) for k, qs in querysets.items()})
        sql, params = row.query.get_compiler(using=db).as_sql()
        compiled = (sql, tuple(params), tuple(querysets))
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    return compiled


def counts(user) -> dict[str, int]:
    """The user's workbench counts, in one statement (plus one read of the last dispatch
    report for a leader)."""
    keys = ROLE_KEYS.get(user.role, ())
    if not any(key in _COUNTED for key in keys):
        return {}
    db = router.db_for_read(User)
    sql, params, names = _compiled_counts(user, keys, db)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else dict.fromkeys(names, 0)


def counts_for_request(request) -> dict[str, int]:
    """counts(), computed at most once per request (the page and the navigation share it)."""
    cached = getattr(request, "_workbench_counts", None)
    if cached is None:
        cached = counts(request.user)
        request._workbench_counts = cached
    return cached


def items(user, found: dict[str, int], report: DispatchReport | None = None) -> list[Item]:
    """The workbench's cards for the user's role, each with the link to its list."""
    tasks_url = reverse("task_list")
    queues = _task_queues()

    def task_link(params: dict) -> str:
        return f"{tasks_url}?{urlencode(params, doseq=True)}"

    urls = {
        "unreported": task_link(queues["unreported"][0]),
        "due_soon": task_link(queues["due_soon"][0]),
        "overdue": task_link(queues["overdue"][0]),
        "returned": task_link(queues["returned"][0]),
        "red_yellow": task_link(queues["red_yellow"][0]),
        "leader_overdue": task_link(queues["overdue"][0]),
        "selfcheck": reverse("selfcheck_queue"),
        "review": reverse("review_queue"),
        "expired": reverse("review_queue") + "?expired=1",
        "extensions": reverse("extension_queue"),
        "proposals": reverse("supervision_list") + "?status=PROPOSED",
        "petitions": reverse("petition_list") + "?open=1",
        "ranking": reverse("dispatch_detail", args=[report.pk]) + "#ranking"
        if report
        else reverse("dispatch_list"),
    }
    result = []
    for key in ROLE_KEYS.get(user.role, ()):
        label, hint, tone = ITEMS[key]
        count = ranking_moves(report) if key == "ranking" else found.get(key, 0)
        result.append(Item(key=key, label=label, count=count, url=urls[key], hint=hint, tone=tone))
    return result
