from django.contrib import admin

from .models import Campaign, CampaignRun, EvaluationRun, MetricResult, SampleResult


class CampaignRunInline(admin.TabularInline):
    model = CampaignRun
    extra = 0
    raw_id_fields = ["run"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["id", "profile", "organization", "status", "created_at", "finished_at"]
    list_filter = ["status", "organization"]
    search_fields = ["profile__name"]
    inlines = [CampaignRunInline]
    list_select_related = ["profile", "organization"]


class MetricResultInline(admin.TabularInline):
    model = MetricResult
    extra = 0
    can_delete = False
    readonly_fields = ["task", "metric", "filter", "value", "stderr", "n"]


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "candidate",
        "suite_version",
        "status",
        "progress_done",
        "progress_total",
        "attempts",
        "queued_at",
        "finished_at",
    ]
    list_filter = ["status", "queue", "organization"]
    search_fields = ["candidate__name", "fingerprint"]
    readonly_fields = ["fingerprint", "fingerprint_parts", "model_info", "error_message"]
    list_select_related = ["candidate", "suite_version__suite"]
    inlines = [MetricResultInline]


@admin.register(MetricResult)
class MetricResultAdmin(admin.ModelAdmin):
    list_display = ["run", "task", "metric", "value", "stderr", "n"]
    search_fields = ["task", "metric"]
    raw_id_fields = ["run"]


@admin.register(SampleResult)
class SampleResultAdmin(admin.ModelAdmin):
    list_display = ["run", "task", "doc_id", "metric", "value"]
    search_fields = ["task"]
    raw_id_fields = ["run"]
