"""Forms of the catalog: candidates, their deployment options, evaluation access, filters."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseInlineFormSet, inlineformset_factory

from procure.catalog.models import (
    CandidateModel,
    DeploymentOption,
    EvaluationAccess,
    EvaluationBackend,
)
from procure.catalog.price_sources import SOURCE_NAMES
from procure.catalog.services import CANDIDATE_FIELDS, OPTION_FIELDS
from procure.decision import Workload
from procure.profiles.models import TaskProfile

from .vocabulary import REGION_CODES, region_choices

YES_NO = [("", "Any"), ("yes", "Open weights"), ("no", "Closed weights")]
PRICE_SOURCES = [("", "Hand-entered"), *((name, name) for name in SOURCE_NAMES)]


def iso_date_input() -> forms.DateInput:
    """<input type="date"> takes only ISO dates (2025-07-01); a localised value such as
    "01/07/2025" is refused by the browser, shown empty and saved back as no date at all."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CatalogFilterForm(forms.Form):
    specialisation = forms.ChoiceField(required=False, label="Specialisation")
    licence = forms.ChoiceField(required=False, label="Licence")
    open_weights = forms.ChoiceField(required=False, choices=YES_NO, label="Weights")
    region = forms.ChoiceField(required=False, label="Data processed in")

    def __init__(
        self, *args: Any, specialisations: list[str], licences: list[str], regions: list[str]
    ) -> None:
        super().__init__(*args)
        any_ = [("", "Any")]
        self.fields["specialisation"].choices = any_ + [(s, s) for s in specialisations]  # type: ignore[attr-defined]
        self.fields["licence"].choices = any_ + [(v, v) for v in licences]  # type: ignore[attr-defined]
        self.fields["region"].choices = any_ + region_choices(regions)  # type: ignore[attr-defined]

    def selector_filters(self) -> dict[str, Any]:
        """The filters as `candidate_list` takes them; nothing for a filter left on "Any"."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        weights = {"yes": True, "no": False}.get(data["open_weights"])
        return {
            "specialisation": data["specialisation"] or None,
            "licence": data["licence"] or None,
            "open_weights": weights,
            "region": data["region"] or None,
        }


class CandidateForm(forms.ModelForm):
    class Meta:
        model = CandidateModel
        fields = CANDIDATE_FIELDS
        labels = {
            "specialisation": "Specialisation",
            "licence": "Licence",
            "open_weights": "The weights are published (open weights)",
            "vendor_jurisdiction": "Vendor's country",
            "parameters_billion": "Size",
            "prices_as_of": "Prices checked on",
            "price_source": "Where the prices come from",
            "context_window": "Context window",
            "weights_released_on": "Released on",
        }
        help_texts = {
            "parameters_billion": "Billions of parameters, if known.",
            "price_source": "Links to the vendors' price pages, separated by spaces.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "prices_as_of": iso_date_input(),
            "weights_released_on": iso_date_input(),
        }

    def __init__(self, *args: Any, taken_names: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken_names = {name.casefold() for name in taken_names}

    def clean_description(self) -> str:
        # Browsers send a textarea's line breaks as CRLF; store them as the import does (LF),
        # so saving an unchanged form changes nothing.
        return str(self.cleaned_data["description"]).replace("\r\n", "\n")

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if name.casefold() in self.taken_names:
            raise ValidationError("The catalog already has a candidate with this name.")
        return name


class DeploymentOptionForm(forms.ModelForm):
    regions = forms.MultipleChoiceField(
        choices=region_choices(),
        widget=forms.CheckboxSelectMultiple,
        label="Where data is processed",
    )

    class Meta:
        model = DeploymentOption
        fields = OPTION_FIELDS
        labels = {
            "kind": "How it is bought",
            "input_price_per_mtok": "Input price",
            "output_price_per_mtok": "Output price",
            "hourly_rate": "Price of one instance",
            "throughput_rps": "Throughput of one instance",
            "min_instances": "Minimum instances",
            "fixed_monthly_ops": "Fixed operations cost",
            "price_source": "Prices follow",
            "price_source_model": "Model id in that price database",
            "price_reference": "Prices read from",
            "price_date": "Prices valid on",
        }
        widgets = {
            "price_date": iso_date_input(),
            "price_source": forms.Select(choices=PRICE_SOURCES),
        }
        help_texts = {
            "name": 'e.g. "Azure EU" or "AWS g6.xlarge (eu-central-1)".',
            "throughput_rps": "Requests per second one instance sustains on this workload.",
            "fixed_monthly_ops": "Monthly cost that does not grow with instances (people, "
            "monitoring, storage).",
        }

    def __init__(self, *args: Any, regions: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        known = set(regions or []) | set(self.instance.regions or [])
        choices = region_choices(sorted(known, key=_region_order)) if known else region_choices()
        self.fields["regions"].choices = choices  # type: ignore[attr-defined]


def _region_order(code: str) -> tuple[int, str]:
    return (REGION_CODES.index(code), "") if code in REGION_CODES else (len(REGION_CODES), code)


class BaseOptionFormSet(BaseInlineFormSet):
    def __init__(
        self, *args: Any, regions: list[str] | None = None, extra: int = 1, **kwargs: Any
    ) -> None:
        self.regions = regions
        self.extra = extra  # a blank option to fill in, unless the candidate has some already
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        return {**super().get_form_kwargs(index), "regions": self.regions}


DeploymentOptionFormSet = inlineformset_factory(
    CandidateModel,
    DeploymentOption,
    form=DeploymentOptionForm,
    formset=BaseOptionFormSet,
    extra=1,
    can_delete=True,
)


class EvaluationAccessForm(forms.Form):
    """How workers reach the model. The API key is write-only: it is never put back in a page."""

    backend = forms.ChoiceField(choices=EvaluationBackend.choices, label="How to reach it")
    identity = forms.CharField(
        max_length=500,
        label="Model",
        help_text="The checkpoint's folder on the workers (Hugging Face, vLLM) or the model "
        "name the endpoint serves.",
    )
    revision = forms.CharField(
        max_length=200,
        required=False,
        help_text="Commit, tag or version of the weights: part of every result's fingerprint.",
    )
    options = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        label="Backend options",
        help_text="One per line as name=value, e.g. base_url=https://api.example.eu/v1/"
        "completions. Never put keys here.",
    )
    secret = forms.CharField(
        required=False,
        max_length=4096,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        label="API key",
        help_text="Stored encrypted and never shown again. Leave empty to keep the stored key.",
    )
    clear_secret = forms.BooleanField(required=False, label="Remove the stored API key")

    def __init__(self, *args: Any, can_manage_secrets: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_manage_secrets:
            del self.fields["secret"]
            del self.fields["clear_secret"]

    def clean_options(self) -> dict[str, str]:
        options: dict[str, str] = {}
        for number, line in enumerate(str(self.cleaned_data["options"]).splitlines(), 1):
            if not line.strip():
                continue
            name, sep, value = line.partition("=")
            if not sep or not name.strip():
                raise ValidationError(f"Line {number}: write it as name=value.")
            options[name.strip()] = value.strip()
        return options

    def service_data(self) -> dict[str, Any]:
        """The access as `evaluation_access_set` takes it (secret None keeps the stored one)."""
        data = self.cleaned_data
        secret = data.get("secret") or None
        if data.get("clear_secret"):
            secret = ""
        return {
            "backend": data["backend"],
            "identity": data["identity"],
            "revision": data["revision"],
            "options": data["options"],
            "secret": secret,
        }


def access_initial(access: EvaluationAccess | None) -> dict[str, Any] | None:
    if access is None:
        return None
    options = "\n".join(f"{key}={value}" for key, value in (access.options or {}).items())
    return {
        "backend": access.backend,
        "identity": access.identity,
        "revision": access.revision,
        "options": options,
    }


class CatalogImportForm(forms.Form):
    file = forms.FileField(
        label="Catalog file",
        help_text="CSV (one row per deployment option) or JSON (like the export). "
        "Candidates are matched by name; an imported candidate's options are replaced.",
    )

    def clean_file(self) -> tuple[str, str]:
        upload = self.cleaned_data["file"]
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError("A catalog file is limited to 5 MB.")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationError("The file must be UTF-8 text.") from exc
        kind = "json" if upload.name.lower().endswith(".json") else "csv"
        if kind == "json":
            try:
                json.loads(text)
            except json.JSONDecodeError as exc:
                raise ValidationError(f"Not valid JSON: {exc}") from exc
        return kind, text


class BuyingForm(forms.Form):
    """Price the catalog for a task profile, or for a workload typed here; sort and narrow it."""

    profile = forms.ModelChoiceField(
        queryset=TaskProfile.objects.none(),
        required=False,
        label="For task profile",
        empty_label="— none —",
    )
    monthly_requests = forms.IntegerField(
        required=False, min_value=1, max_value=10**12, label="or requests per month"
    )
    input_tokens = forms.IntegerField(
        required=False, min_value=0, max_value=10**8, label="Input tokens each"
    )
    output_tokens = forms.IntegerField(
        required=False, min_value=0, max_value=10**8, label="Output tokens each"
    )
    peak_rps = forms.FloatField(
        required=False, min_value=0.001, max_value=10**6, label="Peak requests/s"
    )
    sort = forms.ChoiceField(
        required=False, choices=[("cost", "Monthly cost"), ("name", "Name")], label="Sort by"
    )
    eligible_only = forms.BooleanField(required=False, label="Only models the profile allows")
    min_context = forms.IntegerField(required=False, min_value=1, label="Context at least")

    def __init__(self, *args: Any, profiles: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["profile"].queryset = profiles  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = [data.get("input_tokens"), data.get("output_tokens")]
        if data.get("monthly_requests") and any(value is None for value in typed):
            raise ValidationError(
                "A typed workload needs requests per month, input and output tokens."
            )
        return data

    def workload(self) -> Workload | None:
        data = self.cleaned_data
        if not data.get("monthly_requests"):
            return None
        return Workload(
            monthly_requests=float(data["monthly_requests"]),
            input_tokens=float(data["input_tokens"]),
            output_tokens=float(data["output_tokens"]),
            peak_rps=float(data.get("peak_rps") or 1.0),
        )
