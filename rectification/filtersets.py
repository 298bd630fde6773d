"""One FilterSet per list, shared by the HTML list, the API and the export.

Foreign keys are filtered with plain NumberFilters on the *_id column: django-filter's
automatic ModelChoiceFilter validates the id with an extra query and renders every unit
as a choice (docs/performance.md).
Choice filters use distinct=False: they test a column of the row itself, and django-filter's
default DISTINCT would make the list's COUNT and page queries scan every column (docs/performance.md).
"""

import re
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlencode

import django_filters
from django.db.models import Exists, OuterRef
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.events import EventVerb
from accounts.models import Region
from inspections.filtersets import DateFilter, IdFilter, IntegerFilter
from rectification.choices import (
    WORKING_STATUSES,
    AssignmentRole,
    AttachmentKind,
    CloseoutStatus,
    ExtensionStatus,
    PublicObjectionStatus,
    ReviewLevel,
    ReviewResult,
    ScheduleStatus,
    SupervisionKind,
    SupervisionStatus,
    TaskStatus,
    WarningLevel,
    WarningReason,
)
from rectification.models import (
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    Event,
    Extension,
    Notification,
    ProgressReport,
    PublicObjection,
    SupervisionNotice,
    Task,
    Warning,
)
from rectification.search import task_text_q
from rectification.selectors import colour_q, overdue_q, returned_q, unreported_q
from rectification.tally import local_midnight


class TaskFilterSet(django_filters.FilterSet):
    round = IdFilter(field_name="round_id", label=_("督察轮次"))
    problem = IdFilter(field_name="problem_id", label=_("问题"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=TaskStatus.choices, label=_("整改状态")
    )
    schedule_status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ScheduleStatus.choices, label=_("序时状态")
    )
    warning_level = django_filters.MultipleChoiceFilter(
        distinct=False, choices=WarningLevel.choices, method="filter_colour", label=_("预警")
    )
    unit = IdFilter(method="filter_unit", label=_("责任单位"))
    lead_unit = IdFilter(field_name="lead_unit_id", label=_("牵头单位"))
    county = IdFilter(method="filter_county", label=_("所在区县"))
    # Exactly this region, not its subtree: the dashboard's drill-down for city-level (市本级)
    # tasks, which `county` (a subtree) cannot single out.
    region = IdFilter(field_name="region_id", label=_("所在区划（本级）"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    due_within = IntegerFilter(method="filter_due_within", max_value=3650, label=_("N天内到期"))
    deadline_after = DateFilter(field_name="deadline", lookup_expr="gte", label=_("时限不早于"))
    deadline_before = DateFilter(field_name="deadline", lookup_expr="lte", label=_("时限不晚于"))
    reopened = django_filters.BooleanFilter(method="filter_reopened", label=_("重启整改"))
    # The workbench's queues (rectification.workbench): the same Q as its counts.
    unreported = django_filters.BooleanFilter(method="filter_unreported", label=_("本月未报"))
    returned = django_filters.BooleanFilter(method="filter_returned", label=_("被退回"))
    # The dashboard's trend drills into one month: tasks closed (last) on these local dates.
    closed_from = DateFilter(method="filter_closed_from", label=_("销号不早于"))
    closed_to = DateFilter(method="filter_closed_to", label=_("销号不晚于"))
    # One point of the trend: the tasks closed (a close-out event) in that local month, whatever
    # happened to them after (a task reopened since still counts in the month it was closed).
    closed_month = DateFilter(
        method="filter_closed_month", input_formats=["%Y-%m"], label=_("销号月份")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("搜索"))

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        return queryset.filter(
            Exists(Assignment.objects.filter(task_id=OuterRef("pk"), unit_id=value))
        )

    def filter_county(self, queryset, name, value):
        # A county and everything below it (townships), by materialized path: region_id IN
        # (the subtree's ids, a subquery), which the (region, status, deadline, id) index
        # serves, rather than a join to the region table on every row.
        path = Region.objects.filter(pk=value).values_list("path", flat=True).first()
        if path is None:
            return queryset.none()
        return queryset.filter(
            region_id__in=Region.objects.filter(path__startswith=path).values("pk")
        )

    def filter_colour(self, queryset, name, value):
        # An overdue task is red (selectors.colour_q), as on the dashboard.
        return queryset.filter(colour_q(value, clock.today())) if value else queryset

    def filter_overdue(self, queryset, name, value):
        # The statistics' definition (original deadline), so that a dashboard count and its
        # drill-down list agree.
        overdue = overdue_q(clock.today())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_due_within(self, queryset, name, value):
        today = clock.today()
        return queryset.filter(
            status__in=WORKING_STATUSES,
            deadline__gte=today,
            deadline__lte=today + timedelta(days=int(value)),
        )

    def filter_reopened(self, queryset, name, value):
        return queryset.filter(reopen_count__gt=0) if value else queryset.filter(reopen_count=0)

    def filter_unreported(self, queryset, name, value):
        unreported = unreported_q(clock.today())
        return queryset.filter(unreported) if value else queryset.exclude(unreported)

    def filter_returned(self, queryset, name, value):
        return queryset.filter(returned_q()) if value else queryset.exclude(returned_q())

    def filter_closed_from(self, queryset, name, value):
        return queryset.filter(closed_at__gte=local_midnight(value))

    def filter_closed_to(self, queryset, name, value):
        return queryset.filter(closed_at__lt=local_midnight(value + timedelta(days=1)))

    def filter_closed_month(self, queryset, name, value):
        start = value.replace(day=1)
        end = (start + timedelta(days=31)).replace(day=1)
        closes = Event.objects.filter(
            verb=EventVerb.CLOSE,
            created_at__gte=local_midnight(start),
            created_at__lt=local_midnight(end),
        )
        return queryset.filter(pk__in=closes.values("task_id"))

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        # The global search's task part (rectification.search): 编号, 名称, 位置, problem, units.
        return queryset.filter(task_text_q(value))


# ---------------------------------------------------------------------------------------------
# The one encoding of a task list's filters: the list, its CSV, its Excel and every drill-down
# link (dashboard, workbench) read and write the query string through these functions.

# Not a filter, but part of what the list shows (and so of its exports).
TASK_LIST_SORT = "sort"


def task_filter_data(query: QueryDict) -> QueryDict:
    """The task list's filters in a query: blank values dropped (a filter form sends its
    "全部" selects as ""), and whatever is not a filter (page, htmx's keys) left out."""
    keys = {*TaskFilterSet.base_filters, TASK_LIST_SORT}
    data = QueryDict(mutable=True)
    for key in query:
        values = [v for v in query.getlist(key) if v.strip() != ""]
        if key in keys and values:
            data.setlist(key, values)
    return data


_PLAIN = re.compile(r"[A-Za-z0-9_.\-]*")


def encode_filters(pairs: Iterable[tuple[str, object]]) -> str:
    """A query string of (key, value) pairs, repeated keys allowed, blank values dropped.

    A province dashboard builds thousands of these: plain values (ids, status codes) skip
    percent-encoding, which gives the same string."""
    parts = []
    for key, value in pairs:
        text = "" if value is None else str(value)
        if text == "":
            continue
        if _PLAIN.fullmatch(key) and _PLAIN.fullmatch(text):
            parts.append(f"{key}={text}")
        else:
            parts.append(urlencode([(key, text)]))
    return "&".join(parts)


def encode_filter_data(data: QueryDict) -> str:
    return encode_filters((key, value) for key in data for value in data.getlist(key))


def filter_errors_message(filterset: django_filters.FilterSet) -> str:
    """What is wrong with a filter, by the filters' Chinese labels."""
    parts = []
    for name, errors in filterset.errors.items():
        field = filterset.form.fields.get(name)
        label = field.label if field is not None and field.label else "筛选条件"
        parts.append(f"{label}：{''.join(errors)}")
    return "筛选条件无效：" + "；".join(parts)


# ---------------------------------------------------------------------------------------------
# The other lists of the API (each also usable by a page). Plain NumberFilters on *_id columns.


class AssignmentFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("任务"))
    unit = IdFilter(field_name="unit_id", label=_("单位"))
    role = django_filters.MultipleChoiceFilter(
        distinct=False, choices=AssignmentRole.choices, label=_("角色")
    )

    class Meta:
        model = Assignment
        fields: list[str] = []


class ProgressReportFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("任务"))
    unit = IdFilter(field_name="unit_id", label=_("报送单位"))
    period = django_filters.CharFilter(field_name="period__code", label=_("期别（YYYY-MM）"))

    class Meta:
        model = ProgressReport
        fields: list[str] = []


class AttachmentFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("任务"))
    report = IdFilter(field_name="report_id", label=_("进展报告"))
    closeout = IdFilter(field_name="closeout_id", label=_("销号申请"))
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=AttachmentKind.choices, label=_("类别")
    )

    class Meta:
        model = Attachment
        fields: list[str] = []


class ExtensionFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("任务"))
    unit = IdFilter(field_name="unit_id", label=_("申请单位"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ExtensionStatus.choices, label=_("审批状态")
    )

    class Meta:
        model = Extension
        fields: list[str] = []


class CloseoutFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("任务"))
    unit = IdFilter(field_name="unit_id", label=_("申请单位"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=CloseoutStatus.choices, label=_("申请状态")
    )

    class Meta:
        model = CloseoutApplication
        fields: list[str] = []


class PublicObjectionFilterSet(django_filters.FilterSet):
    notice = IdFilter(field_name="notice_id", label=_("公示"))
    application = IdFilter(field_name="notice__application_id", label=_("销号申请"))
    task = IdFilter(field_name="notice__application__task_id", label=_("任务"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=PublicObjectionStatus.choices, label=_("核查状态")
    )

    class Meta:
        model = PublicObjection
        fields: list[str] = []


class CloseoutReviewFilterSet(django_filters.FilterSet):
    application = IdFilter(field_name="application_id", label=_("销号申请"))
    task = IdFilter(field_name="application__task_id", label=_("任务"))
    level = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ReviewLevel.choices, label=_("验收层级")
    )
    result = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ReviewResult.choices, label=_("结论")
    )

    class Meta:
        model = CloseoutReview
        fields: list[str] = []


class WarningFilterSet(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("任务"))
    unit = IdFilter(field_name="unit_id", label=_("单位"))
    level = django_filters.MultipleChoiceFilter(
        distinct=False, choices=WarningLevel.choices, label=_("预警等级")
    )
    reason = django_filters.MultipleChoiceFilter(
        distinct=False, choices=WarningReason.choices, label=_("预警原因")
    )
    day_after = DateFilter(field_name="day", lookup_expr="gte", label=_("不早于"))
    day_before = DateFilter(field_name="day", lookup_expr="lte", label=_("不晚于"))
    active = django_filters.BooleanFilter(
        field_name="resolved_at", lookup_expr="isnull", label=_("未解除")
    )

    class Meta:
        model = Warning
        fields: list[str] = []


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("未读")
    )
    kind = django_filters.CharFilter(field_name="kind", label=_("类型"))

    class Meta:
        model = Notification
        fields: list[str] = []


class SupervisionNoticeFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=SupervisionKind.choices, label=_("类型")
    )
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=SupervisionStatus.choices, label=_("状态")
    )
    target_unit = IdFilter(field_name="target_unit_id", label=_("督办对象"))
    task = IdFilter(field_name="tasks", label=_("涉及任务"))

    class Meta:
        model = SupervisionNotice
        fields: list[str] = []
