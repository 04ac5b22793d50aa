from django.contrib import admin

from .models import Alert, Notification, Schedule, ScheduleFiring


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["profile", "organization", "frequency", "crontab", "enabled", "last_fired_at"]
    list_filter = ["enabled", "frequency", "organization"]
    search_fields = ["profile__name"]
    raw_id_fields = ["profile", "candidates", "watchers", "created_by"]
    readonly_fields = ["periodic_task", "last_fired_at"]
    list_select_related = ["profile", "organization"]


@admin.register(ScheduleFiring)
class ScheduleFiringAdmin(admin.ModelAdmin):
    list_display = [
        "schedule",
        "trigger",
        "sent_at",
        "fired_at",
        "outcome",
        "campaign",
        "runs_queued",
        "runs_reused",
        "comparison",
    ]
    list_filter = ["outcome", "comparison", "trigger"]
    raw_id_fields = ["schedule", "campaign", "report", "previous_report", "triggered_by"]
    list_select_related = ["schedule__profile"]


class NotificationInline(admin.TabularInline):
    model = Notification
    extra = 0
    raw_id_fields = ["user"]
    readonly_fields = ["read_at", "emailed_at"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "profile", "created_at"]
    list_filter = ["organization"]
    search_fields = ["title"]
    raw_id_fields = ["profile", "firing", "report", "previous_report"]
    readonly_fields = ["changes"]
    inlines = [NotificationInline]
