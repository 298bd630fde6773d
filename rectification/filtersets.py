"""One FilterSet per list, shared by the HTML list, the API and the export.

Foreign keys are filtered with plain NumberFilters on the *_id column: django-filter's
automatic ModelChoiceFilter validates the id with an extra query and renders every unit
as a choice (PERF.md).
"""

from datetime import timedelta

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from accounts import clock
from accounts.models import Region
from rectification.choices import (
    WORKING_STATUSES,
    ScheduleStatus,
    TaskStatus,
    WarningLevel,
)
from rectification.models import Assignment, Task


class TaskFilterSet(django_filters.FilterSet):
    round = django_filters.NumberFilter(field_name="round_id", label=_("督察轮次"))
    problem = django_filters.NumberFilter(field_name="problem_id", label=_("问题"))
    status = django_filters.MultipleChoiceFilter(choices=TaskStatus.choices, label=_("整改状态"))
    schedule_status = django_filters.MultipleChoiceFilter(
        choices=ScheduleStatus.choices, label=_("序时状态")
    )
    warning_level = django_filters.MultipleChoiceFilter(
        choices=WarningLevel.choices, label=_("预警")
    )
    unit = django_filters.NumberFilter(method="filter_unit", label=_("责任单位"))
    lead_unit = django_filters.NumberFilter(field_name="lead_unit_id", label=_("牵头单位"))
    county = django_filters.NumberFilter(method="filter_county", label=_("所在区县"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("已逾期"))
    due_within = django_filters.NumberFilter(method="filter_due_within", label=_("N天内到期"))
    deadline_after = django_filters.DateFilter(
        field_name="deadline", lookup_expr="gte", label=_("时限不早于")
    )
    deadline_before = django_filters.DateFilter(
        field_name="deadline", lookup_expr="lte", label=_("时限不晚于")
    )
    reopened = django_filters.BooleanFilter(method="filter_reopened", label=_("重启整改"))
    q = django_filters.CharFilter(method="filter_text", label=_("搜索"))

    class Meta:
        model = Task
        fields: list[str] = []

    def filter_unit(self, queryset, name, value):
        return queryset.filter(
            Exists(Assignment.objects.filter(task_id=OuterRef("pk"), unit_id=value))
        )

    def filter_county(self, queryset, name, value):
        # A county and everything below it (townships), by materialized path.
        region = Region.objects.filter(pk=value).only("path").first()
        if region is None:
            return queryset.none()
        return queryset.filter(region__path__startswith=region.path)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(status__in=WORKING_STATUSES, deadline__lt=clock.today())
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

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(code__icontains=value)
            | Q(name__icontains=value)
            | Q(problem__title__icontains=value)
            | Q(address__icontains=value)
        )
