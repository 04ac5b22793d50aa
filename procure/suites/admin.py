from django.contrib import admin

from .models import Suite, SuiteVersion


class SuiteVersionInline(admin.TabularInline):
    model = SuiteVersion
    extra = 0
    fields = ["number", "content_hash", "size_bytes", "uploaded_by", "created_at"]
    readonly_fields = ["number", "content_hash", "size_bytes", "uploaded_by", "created_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False  # versions come from validated uploads only


@admin.register(Suite)
class SuiteAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "organization", "updated_at"]
    list_filter = ["organization", "domain"]
    search_fields = ["name", "description"]
    inlines = [SuiteVersionInline]


@admin.register(SuiteVersion)
class SuiteVersionAdmin(admin.ModelAdmin):
    list_display = ["suite", "number", "content_hash", "size_bytes", "created_at"]
    list_filter = ["suite__organization"]
    search_fields = ["suite__name", "content_hash"]
    readonly_fields = ["suite", "number", "content_hash", "size_bytes", "tasks", "uploaded_by"]

    def has_add_permission(self, request: object) -> bool:
        return False
