"""我的任务 / 任务台账, the task page, and the reporter's forms (progress, extension, close-out)."""

import csv
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts import clock
from accounts import events as accounts_events
from accounts.choices import RegionLevel, UnitKind
from accounts.ids import parse_id
from accounts.models import Region, Unit
from accounts.scope import (
    Reach,
    get_visible_or_404,
    get_withdrawable_or_404,
    scope_of,
    sees_withdrawn,
)
from inspections.models import InspectionRound
from rectification import closeout_rules, lifecycle, selectors, services
from rectification.choices import (
    WORKING_STATUSES,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    SavedFilterPage,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.filtersets import (
    TaskFilterSet,
    encode_filter_data,
    filter_errors_message,
    task_filter_data,
)
from rectification.forms import (
    CloseoutForm,
    EvidenceForm,
    ExtensionForm,
    ProgressReportForm,
    RecheckForm,
)
from rectification.lifecycle import allowed_moves
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Extension,
    LookBackCheck,
    Milestone,
    ProgressReport,
    ProgressReportRevision,
    SavedFilter,
    Task,
    Warning,
)
from rectification.selectors import (
    due_soon_q,
    overdue_q,
    returned_q,
    standing_warnings,
    status_counts_capped,
    tasks_hidden_from,
)
from rectification.services.base import unit_roles
from rectification.uploads import download_name
from rectification.views.common import flash_errors, form_page, require_move

PAGE_SIZE = 50
SORTS = {
    "urgent": "待办优先",  # overdue, due soon, returned first (urgent_order)
    "deadline": "截止时间由近到远",
    "-deadline": "截止时间由远到近",
}


# ---------------------------------------------------------------------------------------------
# The list


def _wide_view(user) -> bool:
    """Office, leaders and admins see the whole region and get unit and county filters."""
    return scope_of(user).reach in (Reach.REGION, Reach.ALL)


def filtered_tasks(request: HttpRequest) -> tuple[TaskFilterSet, object]:
    """The scoped, filtered and sorted task queryset behind the list and its export."""
    base = Task.objects.visible_to(request.user)
    data = task_filter_data(request.GET)
    filterset = TaskFilterSet(data or None, queryset=base)
    qs = base.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
    return filterset, sort_tasks(qs, data.get("sort") or "urgent")


def sort_tasks(qs: QuerySet[Task], sort: str) -> QuerySet[Task]:
    if sort == "-deadline":
        return qs.order_by(F("deadline").desc(nulls_last=True), "-id")
    if sort == "deadline":
        return qs.order_by(F("deadline").asc(nulls_last=True), "id")
    return urgent_order(qs)


def invalid_filter_response(request: HttpRequest, filterset: TaskFilterSet) -> HttpResponse:
    """An export asked for with a filter the list would not accept: say what, in Chinese."""
    context = {
        "message": filter_errors_message(filterset),
        "list_url": reverse("task_list"),
    }
    return render(request, "tasks/filter_invalid.html", context, status=400)


# Filters the list's form shows as its own controls; any other filter in the query (from a
# drill-down) is carried as a hidden field and shown as a removable chip.
FORM_FILTERS = {
    *("q", "round", "status", "schedule_status", "warning_level", "overdue", "due_within"),
    *("unreported", "returned"),
}
WIDE_FORM_FILTERS = {"unit", "county"}
DUE_WITHIN_CHOICES = ("7", "30")


def _filter_chips(request: HttpRequest, filterset: TaskFilterSet, data, wide: bool) -> list[dict]:
    shown = FORM_FILTERS | (WIDE_FORM_FILTERS if wide else set()) | {"sort"}
    names = _chip_names(data)
    chips = []
    for key in data:
        if key in shown:
            continue
        label = filterset.filters[key].label
        for value in data.getlist(key):
            rest = data.copy()
            rest.setlist(key, [v for v in data.getlist(key) if v != value])
            chips.append(
                {
                    "key": key,
                    "value": value,
                    "text": f"{label}：{names.get((key, value), value)}",
                    "remove_url": "?" + encode_filter_data(rest),
                }
            )
    return chips


def _chip_names(data) -> dict[tuple[str, str], str]:
    """Names for the ids a chip shows (one query per kind present, none otherwise)."""
    names: dict[tuple[str, str], str] = {}
    kinds = (("lead_unit", Unit, "name"), ("unit", Unit, "name"), ("region", Region, "name"))
    kinds += (("county", Region, "name"),)
    for key, model, field in kinds:
        ids = [v for v in data.getlist(key) if parse_id(v) is not None]
        if ids:
            for pk, name in model.objects.filter(pk__in=ids).values_list("pk", field):
                names[(key, str(pk))] = name
    for value in data.getlist("reopened"):
        names[("reopened", value)] = "是" if value in ("true", "True", "1") else "否"
    return names


def _urgency_groups() -> list[tuple[Q, tuple[str, ...]]]:
    """The urgent order's groups, most urgent first, as disjoint conditions, each with the
    statuses its tasks can have: overdue, due soon, returned, the rest being worked on, the
    close-outs under way, closed."""
    today = clock.today()
    overdue = overdue_q(today)
    due_soon = due_soon_q(today, settings.WARNING_DUE_SOON_DAYS)
    returned = returned_q()
    working = Q(status__in=WORKING_STATUSES)
    closed = Q(status=TaskStatus.CLOSED)
    open_ = tuple(s for s in TaskStatus.values if s != TaskStatus.CLOSED)
    closing = tuple(s for s in open_ if s not in WORKING_STATUSES)
    return [
        (overdue, WORKING_STATUSES),
        (due_soon & ~overdue, WORKING_STATUSES),
        (returned & ~overdue & ~due_soon, open_),
        (working & ~overdue & ~due_soon & ~returned, WORKING_STATUSES),
        (~working & ~closed & ~returned, closing),
        (closed, (TaskStatus.CLOSED,)),  # a closed task is never 被退回 (returned_q)
    ]


def urgent_order(qs):
    """Open, urgent work first: overdue, due soon, returned, the rest being worked on, then
    the close-outs under way, closed tasks last; by deadline within each group."""
    today = clock.today()
    # First match wins: each condition is the group's own (the disjoint forms that
    # urgent_window() reads would evaluate 被退回's subqueries again for later groups).
    urgency = Case(
        When(overdue_q(today), then=Value(0)),
        When(due_soon_q(today, settings.WARNING_DUE_SOON_DAYS), then=Value(1)),
        When(returned_q(), then=Value(2)),
        When(status__in=WORKING_STATUSES, then=Value(3)),
        When(status=TaskStatus.CLOSED, then=Value(5)),
        default=Value(4),
        output_field=IntegerField(),
    )
    return qs.alias(urgency=urgency).order_by("urgency", F("deadline").asc(nulls_last=True), "id")


def urgent_window(qs: QuerySet[Task], start: int, stop: int) -> list[int]:
    """The ids of rows start … stop of `qs` in urgent order, without sorting the whole set:
    for a list of more than COUNT_CAP rows (a province's 1,000,000 tasks), where ORDER BY the
    urgency read and sorted every row (1.2 s). Group by group, and within a group status by
    status, each read in (deadline, id) order along the (status, deadline, id) index until
    enough rows are found; the statuses' rows merged by (deadline, id); groups wholly before
    the window are skipped by a count that stops at the rows to skip."""
    found: list[int] = []
    skip, want = start, stop - start
    qs = qs.order_by()
    for condition, statuses in _urgency_groups():
        rows = qs.filter(condition)
        if skip:
            size = rows[:skip].count()
            if size < skip:  # the whole group lies before the window
                skip -= size
                continue
        merged = []
        for status in statuses:
            ordered = rows.filter(status=status).order_by(F("deadline").asc(nulls_last=True), "id")
            merged += ordered.values_list("deadline", "id")[: skip + want]
        merged.sort(key=lambda row: (row[0] is None, row[0] or date.min, row[1]))
        taken = [pk for _, pk in merged[skip : skip + want]]
        found += taken
        want -= len(taken)
        skip = 0
        if want <= 0:
            break
    return found


class PageRows:
    """A page of a task list for the Paginator, in one query: the page's ids are chosen in a
    subquery, which the list's indexes answer without touching the display tables, and only
    those rows are joined to the columns the table shows (joining before the sort and OFFSET
    joined every matching row; the problem's long texts are not read)."""

    def __init__(self, qs: QuerySet[Task], sort: str, columns: tuple[str, ...], large: bool):
        self.qs = qs
        self.sort = sort
        self.columns = columns
        self.large = large  # more than COUNT_CAP rows: urgent order by urgent_window()

    def __getitem__(self, window: slice) -> list[Task]:
        if self.large and self.sort == "urgent":
            ids = urgent_window(self.qs, window.start, window.stop)
        else:
            ids = self.qs.values("pk")[window]
        related = sorted({c.split("__")[0] for c in self.columns if "__" in c})
        rows = Task._base_manager.using(self.qs.db).filter(pk__in=ids)
        rows = rows.select_related(*related).only(*self.columns)
        return list(sort_tasks(rows, self.sort))


# The columns of the task table (templates/tasks/_task_table.html).
TABLE_COLUMNS = (
    *("code", "name", "deadline", "original_deadline", "extension_count", "status"),
    *("schedule_status", "progress_pct", "warning_level", "problem__title", "region__name"),
    *("lead_unit__name", "lead_unit__short_name"),
)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    filterset, qs = filtered_tasks(request)
    data = task_filter_data(request.GET)
    # One grouped query gives the per-status counts and the total the paginator needs: exact
    # up to COUNT_CAP rows, the planner's estimate above (shown as 约, as the API does).
    by_status, exact = status_counts_capped(qs)
    status_counts = [(s, s.label, by_status.get(s.value, 0)) for s in TaskStatus]
    total = sum(by_status.values())
    sort = data.get("sort") or "urgent"
    paginator = Paginator(
        PageRows(qs, sort, TABLE_COLUMNS, large=total > selectors.COUNT_CAP), PAGE_SIZE
    )
    # Paginator.count is a cached_property: set it, so it does not COUNT. An estimate may be
    # short of the real total: it must not cut the page asked for short (up to twice the
    # estimate, or 1,000 pages).
    asked = parse_id(request.GET.get("page") or "", minimum=1) or 1
    asked = min(asked, max(2 * total // PAGE_SIZE + 1, 1000))
    paginator.__dict__["count"] = total if exact else max(total, asked * PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    wide = _wide_view(request.user)
    due_within = data.get("due_within", "")
    context = {
        "filterset": filterset,
        "page": page,
        "tasks": page.object_list,
        "total": total,
        "count_exact": exact,
        "status_counts": status_counts,
        "wide": wide,
        "title": "任务台账" if wide else "我的任务",
        "rounds": [
            Choice(*row)
            for row in InspectionRound.objects.visible_to(request.user).values_list("id", "name")
        ],
        "statuses": TaskStatus.choices,
        "schedule_statuses": [c for c in ScheduleStatus.choices if c[0] != ScheduleStatus.NA],
        "warning_levels": [c for c in WarningLevel.choices if c[0] != WarningLevel.NONE],
        "sorts": SORTS,
        "selected": {
            "status": data.getlist("status"),
            "schedule_status": data.getlist("schedule_status"),
            "warning_level": data.getlist("warning_level"),
            "overdue": data.get("overdue", ""),
            "due_within": due_within,
        },
        "due_within_choices": sorted({*DUE_WITHIN_CHOICES, due_within} - {""}, key=_as_int),
        "chips": _filter_chips(request, filterset, data, wide),
        "filter_query": encode_filter_data(data),
        # 我的筛选 (one query; a saved filter is only a query string for this same list).
        "saved_filters": list(
            SavedFilter.objects.visible_to(request.user)
            .filter(page=SavedFilterPage.TASK_LIST)
            .only("id", "name", "query")
        ),
    }
    if wide:
        units = Unit.objects.visible_to(request.user).filter(is_active=True)
        counties = Region.objects.visible_to(request.user).filter(level=RegionLevel.COUNTY)
        counties = [Choice(*row) for row in counties.values_list("id", "name")]
        picked = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
        context["units"], context["units_limited"] = _unit_choices(request, units, picked)
        context["counties"] = counties
    template = "tasks/_task_table.html" if request.htmx else "tasks/task_list.html"
    return render(request, template, context)


# A filter form never lists thousands of units (docs/performance.md): a province office's scope has ~2,000.
UNIT_CHOICES_CAP = 300


class Choice(NamedTuple):
    """An option of a filter form (values, not model instances: a province lists hundreds)."""

    pk: int
    name: str


def _unit_options(units) -> list[Choice]:
    return [
        Choice(pk, short or name)
        for pk, name, short in units.values_list("pk", "name", "short_name")
    ]


def _unit_choices(request: HttpRequest, units, picked: dict) -> tuple[list[Choice], bool]:
    """The units the filter offers: all of the scope's, or, when there are more than
    UNIT_CHOICES_CAP, those of the user's own level and of the county chosen in the filter
    (and the unit already chosen), with a hint to pick the county first. `picked`: the
    filter's validated values."""
    units = units.order_by("region__path", "sort", "id")
    found = _unit_options(units[: UNIT_CHOICES_CAP + 1])
    if len(found) <= UNIT_CHOICES_CAP:
        return found, False
    first = Q(pk=picked.get("unit") or 0)  # the unit already chosen
    if picked.get("county"):
        path = Region.objects.filter(pk=picked["county"]).values_list("path", flat=True).first()
        if path:
            first |= Q(region__path__startswith=path)
    chosen = _unit_options(units.filter(first)[:UNIT_CHOICES_CAP])
    room = UNIT_CHOICES_CAP - len(chosen)
    own = Q(region_id=request.user.unit.region_id) if request.user.unit_id else Q(pk__in=[])
    own_level = _unit_options(units.filter(own).exclude(first)[:room]) if room > 0 else []
    return chosen + own_level, True


def _as_int(text: str) -> int:
    return parse_id(text, minimum=0) or 0


EXPORT_COLUMNS = [
    ("code", "任务编号"),
    ("round__name", "督察轮次"),
    ("problem__title", "具体问题"),
    ("name", "点位/任务名称"),
    ("region__name", "所在区县"),
    ("lead_unit__name", "牵头单位"),
    ("deadline", "整改时限"),
    ("original_deadline", "原定时限"),
    ("extension_count", "延期次数"),
    ("status", "整改状态"),
    ("schedule_status", "序时状态"),
    ("progress_pct", "完成比例（%）"),
    ("warning_level", "预警"),
]
_LABELS = {
    "status": dict(TaskStatus.choices),
    "schedule_status": dict(ScheduleStatus.choices),
    "warning_level": dict(WarningLevel.choices),
}


def neutralise(value) -> str:
    """A cell a spreadsheet would run as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def task_export(request: HttpRequest) -> StreamingHttpResponse:
    """CSV of exactly the filtered list (all pages), through the same FilterSet and scope."""
    filterset, qs = filtered_tasks(request)
    if filterset.is_bound and not filterset.is_valid():
        return invalid_filter_response(request, filterset)
    fields = [f for f, _ in EXPORT_COLUMNS]
    writer = csv.writer(_Echo())

    def rows():
        yield "\ufeff" + writer.writerow([label for _, label in EXPORT_COLUMNS])
        for values in qs.values_list(*fields).iterator(chunk_size=2000):
            cells = []
            for field, value in zip(fields, values, strict=True):
                if field in _LABELS:
                    value = _LABELS[field].get(value, value)
                cells.append(neutralise(value))
            yield writer.writerow(cells)

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        "attachment; filename=\"tasks.csv\"; filename*=UTF-8''%E4%BB%BB%E5%8A%A1%E5%8F%B0%E8%B4%A6.csv"
    )
    return response


# ---------------------------------------------------------------------------------------------
# The task page


@dataclass(frozen=True)
class Button:
    """A button of the task page that opens the form of a move."""

    move: str  # lifecycle verb: shown when allowed_moves() holds it
    label: str
    url_name: str
    on: str  # whose id the URL takes: "task" or "application" (the open close-out)
    style: str = "primary"
    icon: str = ""
    statuses: frozenset[str] = lifecycle.ANY  # narrower, when two buttons share one move
    # A move whose service also looks at the task itself: "before_deadline" / "past_deadline"
    # (an extension is asked for before it; after it only the office decides one), "ongoing"
    # (the quarterly re-check of a 长期坚持 task).
    when: str = ""


# The task page's buttons, in page order.
TASK_BUTTONS = (
    Button("report", "报送进展", "task_report", "task", "primary", "bi-pencil-square"),
    Button(
        "extension_request",
        "申请延期",
        "task_extension",
        "task",
        "outline-secondary",
        "bi-calendar-plus",
        when="before_deadline",
    ),
    Button(
        "extension_overdue",
        "逾期后延期",
        "task_extension_overdue",
        "task",
        "outline-warning",
        "bi-calendar-x",
        when="past_deadline",
    ),
    Button("apply", "申请销号", "task_closeout", "task", "success", "bi-check2-circle"),
    Button(
        "self_check_pass",
        "自验",  # shown as 县级自验 or 部门自验 (closeout_rules.self_check_label)
        "selfcheck_decide",
        "application",
        "warning",
        "bi-clipboard-check",
    ),
    Button(
        "accept", "验收通过并公示", "closeout_accept", "application", "success", "bi-patch-check"
    ),
    Button(
        "return",
        "验收退回",
        "closeout_return",
        "application",
        "outline-danger",
        "bi-arrow-return-left",
        frozenset({TaskStatus.IN_REVIEW}),
    ),
    Button(
        "review",
        "登记验收意见",
        "closeout_review",
        "application",
        "outline-primary",
        "bi-journal-check",
    ),
    Button(
        "sector_review",
        "行业部门认定",
        "closeout_sector_review",
        "application",
        "primary",
        "bi-building-check",
    ),
    Button("close", "销号", "closeout_close", "application", "success", "bi-check2-all"),
    Button(
        "notice_objection",
        "登记公示异议",
        "closeout_objection",
        "application",
        "outline-warning",
        "bi-telephone-inbound",
    ),
    Button(
        "return",
        "异议成立退回",
        "closeout_return",
        "application",
        "outline-danger",
        "bi-arrow-return-left",
        frozenset({TaskStatus.PUBLICIZING}),
    ),
    Button("lookback", "回头看", "task_lookback", "task", "warning", "bi-binoculars"),
    Button(
        "recheck",
        "报送阶段复查",
        "task_recheck",
        "task",
        "outline-primary",
        "bi-arrow-repeat",
        when="ongoing",
    ),
    Button("assign", "调整责任单位", "task_units", "task", "outline-secondary", "bi-people"),
    Button("supervision", "发督办", "supervision_create", "task", "outline-danger", "bi-megaphone"),
    Button("warning", "预警（亮牌/解除）", "task_warnings", "task", "outline-warning", "bi-flag"),
)


@dataclass(frozen=True)
class Action:
    move: str
    label: str
    url: str
    style: str = "primary"
    icon: str = ""
    # Why the move cannot be made now although the role allows it (shown as a disabled
    # button with this reason, rather than a form whose submission is refused).
    disabled_reason: str = ""


def _button_url(button: Button, task: Task, open_app: CloseoutApplication | None) -> str | None:
    if button.on == "application":
        return None if open_app is None else reverse(button.url_name, args=[open_app.pk])
    if button.url_name == "supervision_create":
        return reverse(button.url_name) + f"?task={task.pk}"
    return reverse(button.url_name, args=[task.pk])


def _notice_allows(move: str, open_app: CloseoutApplication | None) -> bool:
    """The notice's dates narrow two buttons: 销号 only after the notice has ended
    (services.notice_close_refusal), objections only once it has started."""
    notice = getattr(open_app, "notice", None) if open_app is not None else None
    if move == "close":
        return services.notice_close_refusal(notice) is None
    if move == "notice_objection":
        return notice is not None and notice.start_date <= clock.today()
    return True


def task_actions(
    task: Task,
    allowed: frozenset[str],
    open_app: CloseoutApplication | None,
    *,
    self_check_label: str = closeout_rules.SELF_CHECK_COUNTY,
) -> list[Action]:
    """The buttons of TASK_BUTTONS whose move the user may make on the task now."""
    actions = []
    past_deadline = bool(task.deadline and task.deadline < clock.today())
    holds = {
        "": True,
        "before_deadline": not past_deadline,
        "past_deadline": past_deadline,
        "ongoing": task.is_ongoing,
    }
    for button in TASK_BUTTONS:
        if button.move not in allowed or task.status not in button.statuses:
            continue
        if not holds[button.when] or not _notice_allows(button.move, open_app):
            continue
        url = _button_url(button, task, open_app)
        label = self_check_label if button.move == "self_check_pass" else button.label
        if url is not None:
            actions.append(Action(button.move, label, url, button.style, button.icon))
    return actions


def page_moves(user, task: Task, assignments, open_app) -> frozenset[str]:
    """allowed_moves() from what the task page has loaded already (no query)."""
    return allowed_moves(
        user,
        task.status,
        unit_roles=lifecycle.unit_roles_in(user, assignments),
        application=open_app,
    )


def _visible_task(request: HttpRequest, pk: int) -> Task:
    return get_visible_or_404(
        Task.objects.select_related(
            "round", "problem__category__aspect", "region", "lead_unit", "leader"
        ),
        request.user,
        pk=pk,
    )


# The timeline shows the latest events; a busy task's full history is one click away.
TIMELINE_EVENTS = 50
# The latest progress reports the page lists.
TASK_PAGE_REPORTS = 12


# The sections of the task page that most tasks leave empty, each as an EXISTS column of the
# task's own query (an index probe on task_id) instead of a query per empty section. Built
# once: annotate() copies them, and building six subqueries on every view cost ~1 ms of CPU.
TASK_PAGE_SECTIONS = {
    "has_attachments": Exists(Attachment.objects.filter(task_id=OuterRef("pk"))),
    "has_applications": Exists(CloseoutApplication.objects.filter(task_id=OuterRef("pk"))),
    "has_milestones": Exists(Milestone.objects.filter(task_id=OuterRef("pk"))),
    "has_warnings": Exists(standing_warnings(Warning.objects.filter(task_id=OuterRef("pk")))),
    "has_extensions": Exists(Extension.objects.filter(task_id=OuterRef("pk"))),
    "has_lookbacks": Exists(LookBackCheck.objects.filter(task_id=OuterRef("pk"))),
    # 关联信访件: the petitions this task came from or answers (link both ways).
    "has_petitions": Exists(Task.petitions.through.objects.filter(task_id=OuterRef("pk"))),
}


def _task_page_task(request: HttpRequest, pk: int, *, withdrawn: bool = False) -> Task:
    """The task with what its header shows and which of TASK_PAGE_SECTIONS have rows; a 404
    outside the user's scope.

    The scope check is a column too: as a WHERE condition PostgreSQL plans the scope's
    region-subtree semi-join together with the six header joins, which doubled the planning
    time of this query (3.4 ms against 1.8 ms).

    `withdrawn`: the task page itself, which the office and the administrator may open on a
    withdrawn task (its 已撤销 banner); every form page under it finds live tasks only.
    """
    withdrawn = withdrawn and sees_withdrawn(request.user)
    tasks = Task.all_objects if withdrawn else Task.objects
    task = get_object_or_404(
        tasks.select_related(
            "round", "problem__category__aspect", "region", "leader", "lead_unit__region"
        ).annotate(
            visible=Exists(
                tasks.visible_to(request.user, withdrawn=withdrawn).filter(pk=OuterRef("pk"))
            ),
            # Whether the problem's 一案一档 bundle is the user's to take (they see all its
            # tasks): a column of the same query, not one more.
            problem_partly_hidden=Exists(
                tasks_hidden_from(
                    request.user, Task.objects.filter(problem_id=OuterRef("problem_id"))
                )
            ),
            **TASK_PAGE_SECTIONS,
            # 已撤销的材料 (listed to the office and the administrator): a column, not a query.
            has_withdrawn_attachments=Exists(
                Attachment.all_objects.filter(task_id=OuterRef("pk"), withdrawn_at__isnull=False)
            ),
        ),
        pk=pk,
    )
    if not task.visible:
        raise Http404("没有找到该任务")
    return task


# The event verbs whose label names the self-check (县级自验 / 部门自验).
SELF_CHECK_VERBS = {"self_check_pass": "通过", "self_check_return": "退回"}


def _timeline(
    task: Task, *, everything: bool, self_check_label: str = closeout_rules.SELF_CHECK_COUNTY
) -> tuple[list[Event], bool]:
    """The task's events, oldest first: the latest TIMELINE_EVENTS of them unless everything,
    and whether older ones were left out."""
    events = (
        Event.objects.filter(task=task)
        .select_related("actor", "target_type")
        .order_by("-created_at", "-id")
    )
    if everything:
        shown, more = list(events), False
    else:
        shown = list(events[: TIMELINE_EVENTS + 1])
        more = len(shown) > TIMELINE_EVENTS
        shown = shown[:TIMELINE_EVENTS]
    shown.reverse()
    for event in shown:
        outcome = SELF_CHECK_VERBS.get(event.verb)
        event.verb_label = f"{self_check_label}{outcome}" if outcome else event.get_verb_display()
        event.change_rows = (
            accounts_events.describe_changes(event.target_type.model_class(), event.changes)
            if event.changes
            else []
        )
    return shown, more


def _reports_with_history(task: Task) -> list[ProgressReport]:
    """The latest reports (one per month), each with its earlier versions as `history` (one
    more query, only when some report was amended)."""
    reports = list(
        task.reports.select_related("period", "submitted_by", "unit").order_by(
            "-period__start_date", "-id"
        )[:TASK_PAGE_REPORTS]
    )
    amended = [r.pk for r in reports if r.revision_count]
    history: dict[int, list] = {}
    if amended:
        for version in ProgressReportRevision.objects.filter(report_id__in=amended).select_related(
            "submitted_by"
        ):
            history.setdefault(version.report_id, []).append(version)
    for r in reports:
        r.history = history.get(r.pk, [])
    return reports


@login_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task_page_task(request, pk, withdrawn=True)
    assignments = list(
        Assignment.objects.filter(task=task).select_related("unit", "person").order_by("sort", "id")
    )
    gallery = []
    if task.has_attachments:
        by_kind = {}
        for attachment in Attachment.objects.filter(task=task).order_by("uploaded_at", "id"):
            by_kind.setdefault(attachment.kind, []).append(attachment)
        gallery = [(k, label, by_kind[k]) for k, label in AttachmentKind.choices if k in by_kind]
    applications = []
    if task.has_applications:
        applications = list(
            CloseoutApplication.objects.filter(task=task)
            .select_related("unit", "applied_by", "notice")
            .prefetch_related(
                Prefetch(
                    "reviews",
                    queryset=CloseoutReview.objects.select_related(
                        "unit__region", "document"
                    ).order_by("created_at"),
                )
            )
            .order_by("-applied_at", "-id")
        )
    open_app = next(
        (
            a
            for a in applications
            if a.status
            in (CloseoutStatus.SUBMITTED, CloseoutStatus.SELF_CHECKED, CloseoutStatus.ACCEPTED)
        ),
        None,
    )
    last_return = next((a for a in applications if a.status == CloseoutStatus.RETURNED), None)
    self_check_label = closeout_rules.self_check_label(task.lead_unit)
    for app in applications:
        for review in app.reviews.all():
            review.level_label = closeout_rules.review_level_label(review.level, task.lead_unit)
    events, more_events = _timeline(
        task,
        everything=request.GET.get("timeline") == "all",
        self_check_label=self_check_label,
    )
    # A withdrawn task is a record only: no move is offered on it.
    allowed = (
        page_moves(request.user, task, assignments, open_app)
        if not task.is_withdrawn
        else frozenset()
    )
    extensions = (
        list(task.extensions.select_related("requested_by").order_by("-created_at"))
        if task.has_extensions
        else []
    )
    actions = task_actions(task, allowed, open_app, self_check_label=self_check_label)
    pending = next((e for e in extensions if e.status == ExtensionStatus.PENDING), None)
    if pending is not None:
        actions = [
            replace(a, disabled_reason=pending_extension_reason(pending))
            if a.move == "extension_request"
            else a
            for a in actions
        ]
    public_objections = []
    if "notice_objection" in allowed and getattr(open_app, "notice", None) is not None:
        # 网上异议 waiting for the office's check (services.objections)
        public_objections = list(services.pending_objections(open_app.notice, user=request.user))
    context = {
        "task": task,
        "problem": task.problem,
        "assignments": assignments,
        "milestones": list(task.milestones.order_by("seq")) if task.has_milestones else [],
        "warnings": (
            list(standing_warnings(task.warnings.all()).select_related("unit"))
            if task.has_warnings
            else []
        ),
        "gallery": gallery,
        "applications": applications,
        "open_app": open_app,
        "public_objections": public_objections,
        "last_return": last_return if task.status in WORKING_STATUSES else None,
        "extensions": extensions,
        "reports": _reports_with_history(task),
        "can_review_reports": "report_review" in allowed,
        "lookbacks": (
            list(task.lookbacks.select_related("closeout").order_by("-check_date"))
            if task.has_lookbacks
            else []
        ),
        "petitions": (
            list(task.petitions.visible_to(request.user).order_by("accept_no"))
            if task.has_petitions
            else []
        ),
        "events": events,
        "more_events": more_events,
        "timeline_events": TIMELINE_EVENTS,
        "actions": actions,
        "today": clock.today(),
        "self_check_label": self_check_label,
        "next_step": _next_step(task, assignments, open_app),
        "can_complete_milestones": "milestone" in allowed,
        "can_plan_milestones": "edit" in allowed,
        "evidence_form": (
            EvidenceForm(initial={"version": task.version}) if "evidence" in allowed else None
        ),
        "can_withdraw": sees_withdrawn(request.user),
        "live_attachments": [a for _kind, _label, items in gallery for a in items],
        "withdrawn_attachments": (
            list(
                Attachment.all_objects.filter(task=task, withdrawn_at__isnull=False)
                .select_related("withdrawn_by")
                .order_by("-withdrawn_at", "-id")
            )
            if task.has_withdrawn_attachments and sees_withdrawn(request.user)
            else []
        ),
    }
    return render(request, "tasks/task_detail.html", context)


def _next_step(task: Task, assignments, open_app) -> str:
    """Who must act next (closeout_rules.next_step); the office's name only when it acts."""
    office_name = "环督办"
    if task.status in (TaskStatus.IN_REVIEW, TaskStatus.PUBLICIZING):
        office = (
            Unit.objects.filter(kind=UnitKind.COORD_OFFICE, region_id=task.round.region_id)
            .order_by("sort", "id")
            .first()
        )
        if office is not None:
            office_name = office.display_name
    return closeout_rules.next_step(
        task,
        lead_unit=task.lead_unit,
        open_app=open_app,
        reviews=list(open_app.reviews.all()) if open_app is not None else [],
        sector_units=closeout_rules.sector_units_of(assignments),
        office_name=office_name,
        today=clock.today(),
    )


# ---------------------------------------------------------------------------------------------
# Reporter forms


@login_required
@require_http_methods(["GET", "POST"])
def task_report(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    require_move(request.user, "report", task)
    # One report a month: a second one amends this month's (the page says so).
    this_month = (
        task.reports.filter(period__code=clock.today().strftime("%Y-%m"))
        .select_related("period")
        .first()
    )

    def done(report: ProgressReport) -> str:
        # A jump to 100 % on a task without an application: offer the close-out application.
        task.refresh_from_db()
        if services.suggests_closeout(task):
            roles = unit_roles(request.user, task)
            if lifecycle.refusal(request.user, lifecycle.MOVES["apply"], unit_roles=roles):
                messages.info(request, "完成比例已达 100%，请提醒牵头单位申请销号。")
                return _task_url(task)
            messages.info(request, "完成比例已达 100%，是否现在申请销号？")
            return reverse("task_closeout", args=[task.pk])
        return _task_url(task)

    return form_page(
        request,
        form_class=ProgressReportForm,
        template="tasks/task_report.html",
        context={"task": task, "this_month": this_month},
        initial={"version": task.version, "progress_pct": task.progress_pct},
        service=services.task_report_progress,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "progress_text": d["progress_text"],
            "progress_pct": d["progress_pct"],
            "difficulties": d["difficulties"],
            "next_steps": d["next_steps"],
            "falling_reason": d["falling_reason"],
            "files": _files(d, "photos", d["evidence_kind"])
            + _files(d, "files", d["evidence_kind"]),
            "expected_version": d["version"],
        },
        success=lambda r: (
            f"本月进展已修改（已修改 {r.revision_count} 次）"
            if r.revision_count
            else "本月进展已报送"
        ),
        done=done,
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    """The quarterly re-check (阶段复查) of a 长期坚持 task closed by stage."""
    task = _visible_task(request, pk)
    require_move(request.user, "recheck", task)
    return form_page(
        request,
        form_class=RecheckForm,
        template="tasks/task_recheck.html",
        context={"task": task},
        initial={"version": task.version},
        service=services.task_report_recheck,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "progress_text": d["progress_text"],
            "files": _files(d, "photos", AttachmentKind.DURING)
            + _files(d, "files", AttachmentKind.DURING),
            "expected_version": d["version"],
        },
        success="本季度复查情况已报送",
        done=_task_url(task),
    )


def _files(cleaned: dict, field: str, kind: str) -> list[services.EvidenceFile]:
    return [services.EvidenceFile(f, kind) for f in cleaned.get(field) or []]


def _task_url(task: Task) -> str:
    return reverse("task_detail", args=[task.pk])


def pending_extension_reason(pending: Extension) -> str:
    """Why a second extension request cannot be sent (the service's refusal, said before)."""
    return (
        f"已有待审批的延期申请（申请至 {pending.requested_deadline:%Y-%m-%d}），"
        "环督办审批后才能再次申请"
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_extension(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    require_move(request.user, "extension_request", task)
    pending = task.extensions.filter(status=ExtensionStatus.PENDING).first()
    return form_page(
        request,
        form_class=ExtensionForm,
        template="tasks/task_extension.html",
        context={
            "task": task,
            "pending": pending,
            "pending_reason": pending_extension_reason(pending) if pending else "",
        },
        service=services.task_request_extension,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "requested_deadline": d["requested_deadline"],
            "reason": d["reason"],
        },
        success="延期申请已提交，等待环督办审批",
        done=_task_url(task),
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_closeout(request: HttpRequest, pk: int) -> HttpResponse:
    task = _visible_task(request, pk)
    require_move(request.user, "apply", task)
    have = set(Attachment.objects.filter(task=task).values_list("kind", flat=True))
    return form_page(
        request,
        form_class=CloseoutForm,
        template="tasks/task_closeout.html",
        context={
            "task": task,
            "has_before": AttachmentKind.BEFORE in have,
            "has_after": AttachmentKind.AFTER in have,
            # What the site type requires on top (closeout_rules.REQUIRED_EVIDENCE).
            "site_evidence": [
                (rule.label, bool(rule.kinds & have))
                for rule in closeout_rules.REQUIRED_EVIDENCE.get(task.site_type, ())
            ],
        },
        initial={"version": task.version},
        service=services.task_apply_closeout,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "summary": d["summary"],
            "checklist": {key: bool(d.get(f"check_{key}")) for key in services.CLOSEOUT_CHECKLIST},
            "files": (
                _files(d, "before_photos", AttachmentKind.BEFORE)
                + _files(d, "before_files", AttachmentKind.BEFORE)
                + _files(d, "after_photos", AttachmentKind.AFTER)
                + _files(d, "after_files", AttachmentKind.AFTER)
                + _files(d, "other_files", d["other_kind"] or AttachmentKind.OTHER)
            ),
            "expected_version": d["version"],
        },
        success=lambda app: (
            f"销号申请已提交，等待 {task.lead_unit.display_name if task.lead_unit else '牵头单位'} "
            f"单位审核人{closeout_rules.self_check_label(task.lead_unit)}"
        ),
        done=_task_url(task),
    )


@login_required
@require_http_methods(["GET", "POST"])
def task_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    """上传佐证材料 outside a report: assigned units and the office (the form also sits on the
    task page; this page shows it again with its errors)."""
    task = _visible_task(request, pk)
    require_move(request.user, "evidence", task)
    return form_page(
        request,
        form_class=EvidenceForm,
        template="tasks/task_evidence.html",
        context={"task": task},
        initial={"version": task.version},
        service=services.task_add_evidence,
        inputs=lambda d: {
            "task": task,
            "actor": request.user,
            "files": _files(d, "photos", d["kind"]) + _files(d, "files", d["kind"]),
            "expected_version": d["version"],
        },
        success=lambda saved: f"已上传 {len(saved)} 份佐证材料",
        done=_task_url(task),
    )


@login_required
@require_http_methods(["POST"])
def milestone_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """完成节点: the service checks scope (404), role (403) and that the stage is still open."""
    task_id = Milestone.objects.filter(pk=pk).values_list("task_id", flat=True).first()
    if task_id is None:
        raise Http404("进度节点不存在")
    milestone, status = flash_errors(
        request, services.milestone_complete, milestone=pk, actor=request.user
    )
    if not status:
        messages.success(request, f"节点“{milestone.name}”已完成")
    return redirect("task_detail", pk=task_id)


# ---------------------------------------------------------------------------------------------
# Evidence download


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    """Evidence files are not web-served: only this view hands them out, after a scope check."""
    # A withdrawn file stays in storage: the office and the administrator still open it.
    attachment = get_withdrawable_or_404(Attachment, request.user, pk=pk)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("文件已不存在") from exc
    # Always a download, named and typed by what the upload check found (a PNG uploaded as
    # poly.html is poly.png, image/png): never rendered as a page of this site. <img> tags
    # show an image whatever its Content-Disposition.
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=download_name(attachment.original_name, attachment.extension),
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
