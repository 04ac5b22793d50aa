from django.contrib import admin

from .models import ReportSnapshot


@admin.register(ReportSnapshot)
class ReportSnapshotAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "recommended", "content_hash", "created_at"]
    list_filter = ["organization"]
    search_fields = ["title", "verdict", "content_hash"]
    readonly_fields = ["snapshot", "content_hash", "verdict", "recommended"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False  # snapshots are immutable evidence
