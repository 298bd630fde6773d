from django.contrib import admin

from exchange.models import ImportJob
from inspections.admin import ViewOnlyMixin


@admin.register(ImportJob)
class ImportJobAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Background plan imports: written by the import and its job, view-only here."""

    list_display = ["file_name", "status", "created_by", "created_at", "rows", "done", "total"]
    list_filter = ["status"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
