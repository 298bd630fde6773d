"""Admin for inspection rounds, their feedback tree, petitions and the holiday calendar.

Rounds, their feedback tree, problems and petitions change through inspections.services (the
API, the office's pages and the plan import), which write their events; here they are
view-only, like their event log. Holidays are reference data and stay editable.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.withdrawal import AllRowsAdminMixin
from inspections.models import (
    FeedbackAspect,
    FeedbackCategory,
    Holiday,
    ImportBatch,
    InspectionEvent,
    InspectionRound,
    Petition,
    Problem,
)


class ViewOnlyMixin:
    """Rows written only by services: the admin shows them and changes nothing."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class FeedbackAspectInline(ViewOnlyMixin, admin.TabularInline):
    model = FeedbackAspect
    fields = ["seq", "title"]
    readonly_fields = fields
    extra = 0
    show_change_link = True


@admin.register(InspectionRound)
class InspectionRoundAdmin(AllRowsAdminMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "kind",
        "region",
        "feedback_date",
        "report_due",
        "status",
        "requires_sector_review",
        "requires_provincial_review",
    ]
    list_filter = ["level", "kind", "status", "requires_provincial_review"]
    search_fields = ["code", "name", "team_name", "feedback_doc_no", "plan_doc_no"]
    list_select_related = ["region"]
    autocomplete_fields = ["region", "parent_round"]
    date_hierarchy = "feedback_date"
    readonly_fields = ["created_at"]
    inlines = [FeedbackAspectInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "kind", "region", "parent_round"]}),
        (
            _("进驻"),
            {
                "fields": [
                    "batch_label",
                    "team_name",
                    "stay_start",
                    "stay_end",
                    "hotline",
                    "mailbox",
                ]
            },
        ),
        (
            _("反馈与方案"),
            {
                "fields": [
                    "feedback_date",
                    "feedback_doc_no",
                    "plan_doc_no",
                    "plan_issued_on",
                    "report_due",
                ]
            },
        ),
        (
            _("状态与验收链"),
            {
                "fields": [
                    "status",
                    "requires_sector_review",
                    "requires_provincial_review",
                    "sort",
                    "created_at",
                ]
            },
        ),
    ]


class FeedbackCategoryInline(ViewOnlyMixin, admin.TabularInline):
    model = FeedbackCategory
    fields = ["seq", "title"]
    extra = 0


@admin.register(FeedbackAspect)
class FeedbackAspectAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["seq", "title", "round"]
    list_display_links = ["title"]
    list_filter = ["round"]
    search_fields = ["title"]
    list_select_related = ["round"]
    autocomplete_fields = ["round"]
    inlines = [FeedbackCategoryInline]


@admin.register(FeedbackCategory)
class FeedbackCategoryAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["seq", "title", "aspect", "round_name"]
    list_display_links = ["title"]
    list_filter = ["aspect__round"]
    search_fields = ["title", "aspect__title"]
    list_select_related = ["aspect__round"]
    autocomplete_fields = ["aspect"]

    @admin.display(description=_("督察轮次"), ordering="aspect__round__sort")
    def round_name(self, obj: FeedbackCategory) -> str:
        return obj.aspect.round.name


@admin.register(Problem)
class ProblemAdmin(AllRowsAdminMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "title",
        "round",
        "category",
        "source",
        "deadline_type",
        "deadline",
        "leader",
        "is_key",
    ]
    list_display_links = ["code", "title"]
    list_filter = ["round", "source", "deadline_type", "is_key"]
    search_fields = ["code", "title", "original_text"]
    list_select_related = ["round", "category", "leader"]
    autocomplete_fields = ["round", "category", "leader"]
    readonly_fields = ["created_at"]
    fieldsets = [
        (None, {"fields": ["round", "category", "seq", "code", "title", "source", "is_key"]}),
        (_("整改要求"), {"fields": ["original_text", "goal", "measures"]}),
        (_("时限与责任"), {"fields": ["deadline_type", "deadline", "leader", "created_at"]}),
    ]


@admin.register(Petition)
class PetitionAdmin(AllRowsAdminMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "accept_no",
        "round",
        "batch_no",
        "channel",
        "region",
        "handling_unit",
        "due_date",
        "verify_result",
        "status",
        "is_key",
    ]
    list_filter = ["round", "status", "channel", "verify_result", "is_key", "batch_no"]
    search_fields = ["accept_no", "content", "address", "handling_unit__name"]
    list_select_related = ["round", "region", "handling_unit"]
    autocomplete_fields = ["round", "region", "handling_unit"]
    date_hierarchy = "assigned_at"
    readonly_fields = ["created_at"]


@admin.register(InspectionEvent)
class InspectionEventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The append-only log of rounds and petitions."""

    list_display = ["created_at", "target_type", "target_id", "verb", "from_status", "to_status"]
    list_filter = ["verb", "target_type"]
    search_fields = ["note", "actor__username"]
    list_select_related = ["target_type", "actor"]


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["date", "name", "is_workday"]
    list_filter = ["is_workday"]
    search_fields = ["name"]
    date_hierarchy = "date"


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    """The import history: written by the plan import, view-only here."""

    list_display = ["file_name", "round", "created_by", "created_at", "row_count", "task_count"]
    list_filter = ["round"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["round", "created_by__unit"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
