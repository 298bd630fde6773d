from django.contrib import admin

from exchange.models import ArchiveJob
from inspections.admin import ViewOnlyMixin


@admin.register(ArchiveJob)
class ArchiveJobAdmin(ViewOnlyMixin, admin.ModelAdmin):
    """Written by the office's request and the archives job only."""

    list_display = ["created_at", "round", "status", "done_items", "total_items", "requested_by"]
    list_filter = ["status"]
    list_select_related = ["round", "requested_by"]
    search_fields = ["round__code", "round__name"]
