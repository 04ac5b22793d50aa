from django.contrib import admin

from .models import ProfileSuite, TaskProfile


class ProfileSuiteInline(admin.TabularInline):
    model = ProfileSuite
    extra = 0


@admin.register(TaskProfile)
class TaskProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "organization", "monthly_requests", "updated_at"]
    list_filter = ["organization", "domain"]
    search_fields = ["name", "description"]
    inlines = [ProfileSuiteInline]
    fieldsets = [
        (None, {"fields": ["organization", "name", "domain", "description"]}),
        (
            "Workload",
            {
                "fields": [
                    "monthly_requests",
                    "input_tokens",
                    "output_tokens",
                    "peak_rps",
                    "latency_target_ms",
                ]
            },
        ),
        (
            "Quality and budget",
            {
                "fields": [
                    "quality_bar",
                    "exclude_below_bar",
                    "monthly_budget",
                    "exclude_over_budget",
                ]
            },
        ),
        (
            "Sovereignty",
            {
                "fields": [
                    "allowed_regions",
                    "self_hosting_required",
                    "open_weights_required",
                    "allowed_licences",
                    "allowed_jurisdictions",
                    "sovereignty_preferences",
                ]
            },
        ),
        ("Weights", {"fields": ["weight_fit", "weight_cost", "weight_sovereignty"]}),
    ]
