"""FilterSets for the lists of rounds, the feedback tree, problems and petitions.

Shared by the pages and the API; foreign keys as plain NumberFilters (docs/performance.md).
"""

from datetime import date

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from accounts.models import Region
from inspections.choices import (
    PetitionChannel,
    PetitionStatus,
    ProblemSource,
    RoundKind,
    RoundLevel,
    RoundStatus,
    VerifyResult,
)
from inspections.models import FeedbackAspect, FeedbackCategory, InspectionRound, Petition, Problem


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A bounded whole number. django-filter's NumberFilter is a DecimalField and lets "1e300"
    through to the database (an overflow, a 500) where a 400 belongs."""

    field_class = forms.IntegerField

    def __init__(self, *args, min_value: int = 0, max_value: int = 2**63 - 1, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class _BoundedDateField(forms.DateField):
    """A date a register can hold: the filters add a day or take a local midnight, which past
    the calendar's edges (0001-01-01, 9999-12-31) is an OverflowError, a 500."""

    EARLIEST = date(1900, 1, 1)
    LATEST = date(2999, 12, 31)

    def validate(self, value):
        super().validate(value)
        if value is not None and not (self.EARLIEST <= value <= self.LATEST):
            raise forms.ValidationError(
                _("日期须在 %(earliest)s 至 %(latest)s 之间"),
                code="date_range",
                params={"earliest": self.EARLIEST, "latest": self.LATEST},
            )


class DateFilter(django_filters.DateFilter):
    """A date filter bounded to 1900–2999 (a 400 with a Chinese message beyond)."""

    field_class = _BoundedDateField


class IdFilter(IntegerFilter):
    """A row id (foreign keys filter on the *_id column, no lookup query)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class RoundFilterSet(django_filters.FilterSet):
    level = django_filters.MultipleChoiceFilter(
        distinct=False, choices=RoundLevel.choices, label=_("层级")
    )
    kind = django_filters.MultipleChoiceFilter(
        distinct=False, choices=RoundKind.choices, label=_("类型")
    )
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=RoundStatus.choices, label=_("状态")
    )
    q = django_filters.CharFilter(method="filter_text", label=_("搜索"))

    class Meta:
        model = InspectionRound
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class AspectFilterSet(django_filters.FilterSet):
    round = IdFilter(field_name="round_id", label=_("督察轮次"))

    class Meta:
        model = FeedbackAspect
        fields: list[str] = []


class CategoryFilterSet(django_filters.FilterSet):
    round = IdFilter(field_name="aspect__round_id", label=_("督察轮次"))
    aspect = IdFilter(field_name="aspect_id", label=_("方面"))

    class Meta:
        model = FeedbackCategory
        fields: list[str] = []


class ProblemFilterSet(django_filters.FilterSet):
    round = IdFilter(field_name="round_id", label=_("督察轮次"))
    category = IdFilter(field_name="category_id", label=_("类别"))
    aspect = IdFilter(field_name="category__aspect_id", label=_("方面"))
    source = django_filters.MultipleChoiceFilter(
        distinct=False, choices=ProblemSource.choices, label=_("问题来源")
    )
    is_key = django_filters.BooleanFilter(label=_("重点问题"))
    q = django_filters.CharFilter(method="filter_text", label=_("搜索"))

    class Meta:
        model = Problem
        fields: list[str] = []

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(code__icontains=value) | Q(title__icontains=value))


class PetitionFilterSet(django_filters.FilterSet):
    round = IdFilter(field_name="round_id", label=_("督察轮次"))
    batch_no = IdFilter(label=_("交办批次"))
    status = django_filters.MultipleChoiceFilter(
        distinct=False, choices=PetitionStatus.choices, label=_("办理状态")
    )
    verify_result = django_filters.MultipleChoiceFilter(
        distinct=False, choices=VerifyResult.choices, label=_("核实情况")
    )
    channel = django_filters.MultipleChoiceFilter(
        distinct=False, choices=PetitionChannel.choices, label=_("来源方式")
    )
    is_key = django_filters.BooleanFilter(label=_("重点交办件"))
    handling_unit = IdFilter(field_name="handling_unit_id", label=_("承办单位"))
    county = IdFilter(method="filter_county", label=_("所在区县"))
    q = django_filters.CharFilter(method="filter_text", label=_("搜索"))

    class Meta:
        model = Petition
        fields: list[str] = []

    def filter_county(self, queryset, name, value):
        region = Region.objects.filter(pk=value).only("path").first()
        if region is None:
            return queryset.none()
        return queryset.filter(region__path__startswith=region.path)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(accept_no__icontains=value)
            | Q(content__icontains=value)
            | Q(address__icontains=value)
        )
