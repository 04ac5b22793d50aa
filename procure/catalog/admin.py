from django import forms
from django.contrib import admin

from .models import CandidateModel, DeploymentOption, EvaluationAccess, ExchangeRate, PriceChange


class DeploymentOptionInline(admin.StackedInline):
    model = DeploymentOption
    extra = 0
    fieldsets = [
        (None, {"fields": ["kind", "name", "regions", "currency"]}),
        ("API offer", {"fields": ["provider", "input_price_per_mtok", "output_price_per_mtok"]}),
        (
            "Where the prices come from",
            {"fields": ["price_source", "price_source_model", "price_reference", "price_date"]},
        ),
        (
            "Self-hosted",
            {
                "fields": [
                    "hardware",
                    "hourly_rate",
                    "throughput_rps",
                    "min_instances",
                    "fixed_monthly_ops",
                ]
            },
        ),
    ]


class EvaluationAccessForm(forms.ModelForm):
    # Write-only: the stored secret is never sent back to the browser.
    new_secret = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Leave empty to keep the current secret.",
    )
    clear_secret = forms.BooleanField(required=False)

    class Meta:
        model = EvaluationAccess
        fields = ["backend", "identity", "revision", "options"]

    def save(self, commit: bool = True) -> EvaluationAccess:
        access = super().save(commit=False)
        if self.cleaned_data.get("clear_secret"):
            access.set_secret("")
        elif self.cleaned_data.get("new_secret"):
            access.set_secret(self.cleaned_data["new_secret"])
        if commit:
            access.save()
        return access


class EvaluationAccessInline(admin.StackedInline):
    model = EvaluationAccess
    form = EvaluationAccessForm
    extra = 0
    readonly_fields = ["secret_status"]

    @admin.display(description="Secret")
    def secret_status(self, obj: EvaluationAccess) -> str:
        return "set" if obj.has_secret else "not set"


@admin.register(CandidateModel)
class CandidateModelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "provider",
        "specialisation",
        "licence",
        "open_weights",
        "vendor_jurisdiction",
        "organization",
        "prices_as_of",
    ]
    list_filter = ["organization", "specialisation", "open_weights", "vendor_jurisdiction"]
    search_fields = ["name", "provider", "licence"]
    inlines = [DeploymentOptionInline, EvaluationAccessInline]


@admin.register(DeploymentOption)
class DeploymentOptionAdmin(admin.ModelAdmin):
    list_display = [
        "candidate",
        "kind",
        "name",
        "regions",
        "input_price_per_mtok",
        "output_price_per_mtok",
        "hourly_rate",
        "throughput_rps",
    ]
    list_filter = ["kind", "candidate__organization"]
    search_fields = ["candidate__name", "name", "provider", "hardware"]
    list_select_related = ["candidate"]


@admin.register(PriceChange)
class PriceChangeAdmin(admin.ModelAdmin):
    list_display = ["option", "field", "old_value", "new_value", "changed_at", "source_name"]
    list_filter = ["organization", "source_name", "field"]
    list_select_related = ["option__candidate"]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["organization", "currency", "rate", "valid_on", "source"]
    list_filter = ["organization", "currency"]
