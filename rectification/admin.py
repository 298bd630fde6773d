"""Admin for tasks and their records.

The admin is a window on the data, not a second way around the lifecycle: every status,
deadline, version and unit assignment of a task changes only through rectification.services
(pages, API, import, jobs). So the lifecycle fields of a task are read-only here, a task is
created by the office's task form or the import (task_create writes its units and first
event), and the records those services write (reports, evidence, extensions, close-outs,
reviews, notices, warnings, supervision letters, look-backs, events, notifications) are
view-only. What stays editable is reference data and descriptive text.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from accounts.errors import ServiceError
from accounts.withdrawal import AllRowsAdminMixin
from inspections.admin import ViewOnlyMixin
from rectification import services
from rectification.choices import TaskStatus
from rectification.jobs import runs
from rectification.models import (
    AccountabilityRecord,
    Assignment,
    Attachment,
    CloseoutApplication,
    CloseoutReview,
    DailyTally,
    DispatchReport,
    Event,
    Extension,
    JobRun,
    LookBackCheck,
    Milestone,
    Notification,
    PetitionAttachment,
    ProgressReport,
    ProgressReportRevision,
    PublicNotice,
    PublicObjection,
    ReportingPeriod,
    SavedFilter,
    SupervisionNotice,
    TallyDay,
    TallyTrend,
    Task,
    Warning,
)

# --- Task -------------------------------------------------------------------------------------


class AssignmentInline(ViewOnlyMixin, admin.TabularInline):
    model = Assignment
    fk_name = "task"
    fields = ["unit", "role", "person", "duty", "sort"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("责任分工（在任务页面由环督办调整）")


class MilestoneInline(ViewOnlyMixin, admin.TabularInline):
    model = Milestone
    fields = ["seq", "name", "planned_date", "weight", "done_date"]
    readonly_fields = fields
    extra = 0


# Everything on a task but its descriptive fields changes through its own service (status
# moves, task_set_units, extensions, reports); the admin edits exactly what the office's
# task_update may edit, and shows the rest read-only.
TASK_EDITABLE_FIELDS = tuple(services.TASK_EDITABLE_FIELDS)


@admin.register(Task)
class TaskAdmin(AllRowsAdminMixin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "region",
        "lead_unit",
        "status",
        "schedule_status",
        "warning_level",
        "progress_pct",
        "deadline",
        "round",
    ]
    list_display_links = ["code", "name"]
    list_filter = ["round", "status", "schedule_status", "warning_level", "site_type", "is_point"]
    search_fields = ["code", "name", "address", "outfall_code", "water_body"]
    # The changelist shows four foreign keys per row; one join each instead of one query each.
    list_select_related = ["region", "lead_unit", "round"]
    # Counting a province's tasks on every page load is the slow part of a big changelist.
    show_full_result_count = False
    list_per_page = 50
    inlines = [AssignmentInline, MilestoneInline]
    fieldsets = [
        (None, {"fields": ["round", "problem", "seq", "code", "name", "is_point", "site_type"]}),
        (
            _("位置"),
            {"fields": ["region", "address", "water_body", "outfall_code", "lat", "lng", "crs"]},
        ),
        (
            _("整改要求"),
            {
                "fields": [
                    "goal",
                    "measures",
                    "deadline_type",
                    "is_ongoing",
                    "start_date",
                    "deadline",
                    "original_deadline",
                    "leader",
                    "petitions",
                ]
            },
        ),
        (
            _("状态（由业务流程维护，只读）"),
            {
                "fields": [
                    "status",
                    "schedule_status",
                    "progress_pct",
                    "warning_level",
                    "lead_unit",
                    "closed_at",
                    "reopen_count",
                    "version",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        fields = [f.name for f in Task._meta.get_fields() if f.concrete]
        return [name for name in fields if name not in TASK_EDITABLE_FIELDS and name != "id"]

    def has_add_permission(self, request) -> bool:
        # A task needs its units and first event (services.task_create): the office's task
        # form and the Excel import create tasks, not the admin.
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Official records are archived, not deleted; events reference tasks with PROTECT.
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        # A closed or a withdrawn (撤销) task is a record only.
        if obj is not None and (obj.status == TaskStatus.CLOSED or obj.withdrawn_at is not None):
            return False
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        # Through services.task_update, with its rules: only the office (a staff account with
        # the office role) may correct a task, only the changed editable fields, under the
        # task's optimistic lock, with its "edit" event. Anyone else gets the service's refusal.
        changed = {
            name: getattr(obj, name) for name in form.changed_data if name in TASK_EDITABLE_FIELDS
        }
        if not changed:
            return
        try:
            services.task_update(
                task=obj.pk,
                actor=request.user,
                expected_version=obj.version,
                **changed,
            )
        except ServiceError as exc:
            request._task_update_refused = True
            self.message_user(request, exc.message, messages.ERROR)

    def message_user(self, request, message, level=messages.INFO, *args, **kwargs) -> None:
        # After a refusal the admin's own "changed successfully" would be a lie.
        if getattr(request, "_task_update_refused", False) and level == messages.SUCCESS:
            return
        super().message_user(request, message, level, *args, **kwargs)


# --- Reference data kept by the office --------------------------------------------------------


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["code", "kind", "start_date", "end_date", "due_date"]
    list_filter = ["kind"]
    search_fields = ["code"]
    date_hierarchy = "start_date"


@admin.register(Milestone)
class MilestoneAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Stages are added, corrected and completed by the office on the task's milestone page
    (services.milestone_add / milestone_edit / milestone_complete, each with its event)."""

    list_display = ["task", "seq", "name", "planned_date", "weight", "done_date"]
    list_filter = ["task__round"]
    search_fields = ["name", "task__code", "task__name"]
    list_select_related = ["task"]


@admin.register(AccountabilityRecord)
class AccountabilityRecordAdmin(admin.ModelAdmin):
    list_display = ["person_name", "unit_name", "position", "form", "decided_on", "round", "task"]
    list_filter = ["form", "round"]
    search_fields = ["person_name", "unit_name", "reason", "task__code"]
    list_select_related = ["round", "task"]
    autocomplete_fields = ["round", "task", "decided_by"]
    date_hierarchy = "decided_on"


# --- Records written by services: view only ---------------------------------------------------


@admin.register(Assignment)
class AssignmentAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["unit", "role", "task", "problem", "person", "duty"]
    list_filter = ["role"]
    search_fields = ["unit__name", "unit__short_name", "task__code", "problem__code"]
    list_select_related = ["unit", "task", "problem", "person"]
    show_full_result_count = False


@admin.register(ProgressReport)
class ProgressReportAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "task",
        "period",
        "unit",
        "progress_pct",
        "schedule_status",
        "submitted_by",
        "submitted_at",
    ]
    list_filter = ["schedule_status", "period"]
    search_fields = ["task__code", "task__name", "unit__name", "progress_text"]
    list_select_related = ["task", "period", "unit", "submitted_by__unit"]
    date_hierarchy = "submitted_at"
    show_full_result_count = False


@admin.register(ProgressReportRevision)
class ProgressReportRevisionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Earlier versions of amended progress reports (read-only: they are history)."""

    list_display = ["report", "progress_pct", "submitted_by", "submitted_at", "replaced_at"]
    search_fields = ["report__task__code", "progress_text"]
    list_select_related = ["report__task", "report__period", "submitted_by__unit"]
    show_full_result_count = False


@admin.register(PetitionAttachment)
class PetitionAttachmentAdmin(AllRowsAdminMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "original_name",
        "petition",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    search_fields = ["original_name", "title", "sha256", "petition__accept_no"]
    list_select_related = ["petition", "uploaded_by__unit"]
    # The file itself is served only through the scope-checking download view.
    exclude = ["file"]


@admin.register(Attachment)
class AttachmentAdmin(AllRowsAdminMixin, ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "original_name",
        "kind",
        "task",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["kind", "content_type"]
    search_fields = ["original_name", "title", "sha256", "task__code"]
    list_select_related = ["task", "uploaded_by__unit"]
    # The file itself is served only through the scope-checking evidence view, not from here.
    exclude = ["file"]
    readonly_fields = ["stored_as"]
    show_full_result_count = False

    @admin.display(description=_("存储位置"))
    def stored_as(self, obj: Attachment) -> str:
        return obj.file.name


@admin.register(Extension)
class ExtensionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "task",
        "unit",
        "previous_deadline",
        "requested_deadline",
        "status",
        "decided_by",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["task__code", "task__name", "unit__name", "reason"]
    list_select_related = ["task", "unit", "decided_by__unit"]


class CloseoutReviewInline(ViewOnlyMixin, admin.TabularInline):
    model = CloseoutReview
    fields = ["level", "unit", "reviewer", "method", "actual_date", "result", "opinion"]
    readonly_fields = fields
    extra = 0


@admin.register(CloseoutApplication)
class CloseoutApplicationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["task", "unit", "applied_by", "applied_at", "status", "closed_at"]
    list_filter = ["status"]
    search_fields = ["task__code", "task__name", "unit__name", "closeout_doc_no"]
    list_select_related = ["task", "unit", "applied_by__unit"]
    date_hierarchy = "applied_at"
    inlines = [CloseoutReviewInline]


@admin.register(CloseoutReview)
class CloseoutReviewAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["application", "level", "unit", "reviewer", "actual_date", "result"]
    list_filter = ["level", "result", "method"]
    search_fields = ["application__task__code", "reviewers", "opinion"]
    list_select_related = ["application__task", "unit", "reviewer__unit"]


@admin.register(PublicNotice)
class PublicNoticeAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["application", "channel", "start_date", "end_date", "objections", "result"]
    list_filter = ["result", "channel"]
    search_fields = ["application__task__code", "application__task__name"]
    list_select_related = ["application__task"]


@admin.register(PublicObjection)
class PublicObjectionAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["notice", "submitted_at", "status", "handled_by", "handled_at"]
    list_filter = ["status"]
    search_fields = ["notice__application__task__code", "content"]
    list_select_related = ["notice__application__task", "handled_by"]


@admin.register(Warning)
class WarningAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["day", "level", "reason", "task", "unit", "auto", "resolved_at"]
    list_filter = ["level", "reason", "auto"]
    search_fields = ["task__code", "task__name", "unit__name", "note"]
    list_select_related = ["task", "unit"]
    date_hierarchy = "day"
    show_full_result_count = False


@admin.register(SupervisionNotice)
class SupervisionNoticeAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["title", "kind", "doc_no", "target_unit", "status", "issued_on", "reply_due"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "doc_no", "target_unit__name", "content"]
    list_select_related = ["target_unit"]
    date_hierarchy = "issued_on"


@admin.register(LookBackCheck)
class LookBackCheckAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = ["task", "check_date", "unit", "method", "result", "reopened"]
    list_filter = ["result", "method", "reopened"]
    search_fields = ["task__code", "task__name", "findings"]
    list_select_related = ["task", "unit"]
    date_hierarchy = "check_date"


@admin.register(Event)
class EventAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The append-only log: no one adds, edits or deletes an event, not even a superuser."""

    list_display = ["created_at", "task", "verb", "from_status", "to_status", "actor", "note"]
    list_filter = ["verb"]
    search_fields = ["task__code", "note", "actor__username"]
    list_select_related = ["task", "actor__unit"]
    show_full_result_count = False


@admin.register(Notification)
class NotificationAdmin(ViewOnlyMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "recipient",
        "kind",
        "title",
        "channel",
        "status",
        "attempts",
        "sent_at",
        "read_at",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["title", "recipient__username", "unique_key"]
    list_select_related = ["recipient__unit"]
    show_full_result_count = False


@admin.register(SavedFilter)
class SavedFilterAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Users' saved task-list filters (保存的筛选): each user manages their own on the list."""

    list_display = ["created_at", "user", "page", "name", "query"]
    list_filter = ["page"]
    search_fields = ["name", "user__username"]
    list_select_related = ["user"]
    show_full_result_count = False


@admin.register(DispatchReport)
class DispatchReportAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Monthly dispatch reports are frozen snapshots made by the monthly job."""

    list_display = ["month", "region", "as_of", "generated_at"]
    list_filter = ["region__level"]
    search_fields = ["region__name"]
    list_select_related = ["region"]
    date_hierarchy = "month"


@admin.register(JobRun)
class JobRunAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The scheduled jobs' ledger (rectification/jobs/runs.py): one row per job and period,
    written by the runs themselves. The office's 定时任务运行情况 page (/jobs/) flags the
    overdue ones; `run_job` reruns one by hand."""

    list_display = ["job", "period", "status", "attempts", "started_at", "finished_at"]
    list_filter = ["job", "status"]
    search_fields = ["period", "claimed_by"]
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "job_status": runs.status()}
        return super().changelist_view(request, extra_context)


@admin.register(TallyDay)
class TallyDayAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Days whose dashboard tally is built (rectification.tally); rebuilt by the jobs."""

    list_display = ["day", "built_at"]


@admin.register(DailyTally)
class DailyTallyAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The dashboard's summary cells, kept equal to a recount of the tasks by the services."""

    list_display = ["day", "region", "round", "lead_unit", "total", "closed", "overdue", "red"]
    list_filter = ["day"]
    list_select_related = ["region", "round", "lead_unit"]


@admin.register(TallyTrend)
class TallyTrendAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """The dashboard's close-outs per month, kept with DailyTally."""

    list_display = ["day", "region", "round", "month", "closes"]
    list_filter = ["day"]
    list_select_related = ["region", "round"]
