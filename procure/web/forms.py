"""Forms for people: plain-language labels, units, sensible defaults, errors next to the field.

Forms check what a person typed (numbers, ranges, required answers) and turn it into the plain
data the services take; the services stay the one place that decides what may be saved.
"""

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BaseFormSet, formset_factory

from evals.suites.limits import MAX_FILES, MAX_TOTAL_BYTES, MIB
from procure.accounts.models import Role
from procure.catalog.models import CandidateModel
from procure.profiles.models import TaskProfile
from procure.profiles.services import PROFILE_FIELDS

from .vocabulary import region_choices

IMPORTANCE = [("", "No preference"), ("0.5", "Nice to have"), ("1", "Important")]
# Soft preferences the profile form edits; any other stored preference is kept as it is.
EDITED_PREFERENCES = ("self_hosting", "open_weights", "data_regions")


def _ticks(label: str, help_text: str = "", choices: Any = ()) -> forms.MultipleChoiceField:
    """Checkboxes for a list of values, none ticked meaning "no rule"."""
    return forms.MultipleChoiceField(
        required=False,
        choices=choices,
        widget=forms.CheckboxSelectMultiple,
        label=label,
        help_text=help_text,
    )


def _more(label: str, help_text: str) -> forms.CharField:
    """Free text for values the checkboxes do not offer, separated by commas."""
    return forms.CharField(required=False, max_length=1000, label=label, help_text=help_text)


def split_list(text: str) -> list[str]:
    """ "MIT, BSD-3-Clause; Apache-2.0" → ["MIT", "BSD-3-Clause", "Apache-2.0"]."""
    return [item.strip() for item in re.split(r"[,;\n]", text) if item.strip()]


def percent_shares(values: Sequence[float]) -> list[float]:
    total = sum(values)
    return [round(100 * value / total, 1) if total else 0.0 for value in values]


def weights_sentence(values: Sequence[object]) -> str:
    """What fit, cost and sovereignty weights mean: "Fit counts 50%, cost 30%, sovereignty 20%"."""
    numbers = [max(_number(value), 0.0) for value in values]
    if not sum(numbers):
        return "Give at least one of the three a weight above zero."
    fit, cost, sovereignty = (f"{share:.0f}%" for share in percent_shares(numbers))
    return f"Fit counts {fit}, cost {cost}, sovereignty {sovereignty}."


def _number(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        return 0.0
    return number if number == number else 0.0  # NaN counts as nothing


class ProfileForm(forms.Form):
    """A task profile in the words of the team that needs the model."""

    name = forms.CharField(
        max_length=200,
        help_text='A short name your team will recognise, e.g. "Contract review".',
    )
    domain = forms.CharField(
        max_length=100,
        label="Field of work",
        help_text='One word such as "legal", "medical" or "code". '
        "It tells specialist models from general ones.",
    )
    description = forms.CharField(
        required=False,
        label="What will the model do?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A sentence or two for the people who read the report.",
    )
    monthly_requests = forms.IntegerField(
        min_value=1,
        initial=100_000,
        label="Volume",
        help_text="How often the model is called in a month. A rough estimate is fine.",
    )
    input_tokens = forms.IntegerField(
        min_value=1,
        initial=800,
        label="Size of each request",
        help_text="A token is about ¾ of a word: one page of text is roughly 600 tokens.",
    )
    output_tokens = forms.IntegerField(
        min_value=1,
        initial=200,
        label="Size of each answer",
        help_text="A paragraph is roughly 100 tokens.",
    )
    peak_rps = forms.FloatField(
        min_value=0.01,
        initial=1.0,
        label="Busiest moment",
        help_text="Requests per second at peak time. "
        "It decides how many self-hosted machines you need.",
    )
    latency_target_ms = forms.IntegerField(
        required=False,
        min_value=1,
        label="Acceptable wait",
        help_text="Optional: how long one answer may take (1,000 ms = 1 second).",
    )
    quality_bar = forms.FloatField(
        required=False,
        min_value=0,
        max_value=100,
        label="Minimum quality",
        help_text="Optional: the least share of test items a model must get right.",
    )
    exclude_below_bar = forms.BooleanField(
        required=False,
        label="Leave out models below the minimum (otherwise they are shown with a warning)",
    )
    monthly_budget = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
        label="Monthly budget",
        help_text="Optional: what you can spend on this task each month.",
    )
    exclude_over_budget = forms.BooleanField(
        required=False,
        label="Leave out options over budget (otherwise they are shown with a warning)",
    )
    allowed_regions = _ticks(
        "Where may your data be processed?",
        "Tick every place that is acceptable. Tick none for no rule.",
        region_choices(),
    )
    self_hosting_required = forms.BooleanField(
        required=False, label="The model must run on machines we control (self-hosted)"
    )
    open_weights_required = forms.BooleanField(
        required=False, label="The model's weights must be published (open weights)"
    )
    allowed_licences = _ticks("Acceptable licences", "Tick none to accept any licence.")
    other_licences = _more(
        "Other acceptable licences",
        "Not in your catalog yet? Separate them with commas, e.g. MIT, BSD-3-Clause.",
    )
    allowed_jurisdictions = _ticks(
        "Acceptable vendor countries",
        "Where the model's maker has its legal seat. Tick none to accept any.",
    )
    other_jurisdictions = _more(
        "Other acceptable countries", "Two-letter country codes separated by commas, e.g. DE, NL."
    )
    prefer_self_hosting = forms.ChoiceField(
        required=False, choices=IMPORTANCE, label="Prefer self-hosting"
    )
    prefer_open_weights = forms.ChoiceField(
        required=False, choices=IMPORTANCE, label="Prefer open weights"
    )
    prefer_regions = forms.ChoiceField(
        required=False, choices=IMPORTANCE, label="Prefer data processed in"
    )
    preferred_regions = _ticks("Preferred places", choices=region_choices())
    weight_fit = forms.FloatField(min_value=0, initial=50, label="Fit to your task")
    weight_cost = forms.FloatField(min_value=0, initial=30, label="Cost")
    weight_sovereignty = forms.FloatField(min_value=0, initial=20, label="Sovereignty")

    def __init__(
        self,
        *args: Any,
        licences: Iterable[str] = (),
        jurisdictions: Iterable[str] = (),
        taken_names: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.taken_names = {name.casefold() for name in taken_names}
        self.fields["allowed_licences"].choices = [(value, value) for value in licences]  # type: ignore[attr-defined]
        self.fields["allowed_jurisdictions"].choices = [(v, v) for v in jurisdictions]  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if name.casefold() in self.taken_names:
            raise ValidationError("Another profile already has this name; choose another.")
        return name

    def clean_domain(self) -> str:
        return str(self.cleaned_data["domain"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weights = [data.get(f"weight_{name}") for name in ("fit", "cost", "sovereignty")]
        if all(weight is not None for weight in weights) and not any(weights):
            self.add_error("weight_fit", "At least one of the three must count for something.")
        if data.get("prefer_regions") and not data.get("preferred_regions"):
            self.add_error("preferred_regions", "Tick the places you prefer.")
        return data

    def service_data(
        self,
        stored_preferences: dict[str, Any] | None = None,
        stored_weights: Sequence[float] | None = None,
    ) -> dict[str, Any]:
        """The profile's fields as `profile_save` takes them.

        The form shows the three weights as points out of 100; when the points sent back are
        the ones shown for `stored_weights`, the stored weights are kept (only their ratios
        matter, but an unchanged form must not rewrite them)."""
        data = dict(self.cleaned_data)
        sent = [data["weight_fit"], data["weight_cost"], data["weight_sovereignty"]]
        if stored_weights is not None and [
            _tidy(share) for share in percent_shares(stored_weights)
        ] == [_tidy(value) for value in sent]:
            data["weight_fit"], data["weight_cost"], data["weight_sovereignty"] = stored_weights
        quality = data["quality_bar"]
        preferences = {
            key: value
            for key, value in (stored_preferences or {}).items()
            if key not in EDITED_PREFERENCES
        }
        if data["prefer_self_hosting"]:
            preferences["self_hosting"] = float(data["prefer_self_hosting"])
        if data["prefer_open_weights"]:
            preferences["open_weights"] = float(data["prefer_open_weights"])
        if data["prefer_regions"]:
            preferences["data_regions"] = {
                "weight": float(data["prefer_regions"]),
                "values": data["preferred_regions"],
            }
        return {
            **{key: data[key] for key in PROFILE_FIELDS if key in data},
            "quality_bar": None if quality is None else quality / 100,
            "allowed_licences": _merged(data["allowed_licences"], data["other_licences"]),
            "allowed_jurisdictions": _merged(
                data["allowed_jurisdictions"], data["other_jurisdictions"].upper()
            ),
            "sovereignty_preferences": preferences,
        }


def _merged(ticked: list[str], other: str) -> list[str]:
    return list(dict.fromkeys([*ticked, *split_list(other)]))


def profile_initial(
    profile: TaskProfile, licences: list[str], jurisdictions: list[str]
) -> dict[str, Any]:
    """The form's starting values for an existing profile."""
    preferences = profile.sovereignty_preferences or {}
    regions = preferences.get("data_regions")
    region_weight = regions.get("weight", 1) if isinstance(regions, dict) else regions
    fit, cost, sovereignty = percent_shares(
        [profile.weight_fit, profile.weight_cost, profile.weight_sovereignty]
    )
    return {
        **{key: _tidy(getattr(profile, key)) for key in PROFILE_FIELDS},
        "quality_bar": None if profile.quality_bar is None else _tidy(profile.quality_bar * 100),
        "allowed_licences": [v for v in profile.allowed_licences if v in licences],
        "other_licences": ", ".join(v for v in profile.allowed_licences if v not in licences),
        "allowed_jurisdictions": [v for v in profile.allowed_jurisdictions if v in jurisdictions],
        "other_jurisdictions": ", ".join(
            v for v in profile.allowed_jurisdictions if v not in jurisdictions
        ),
        "prefer_self_hosting": _importance(preferences.get("self_hosting")),
        "prefer_open_weights": _importance(preferences.get("open_weights")),
        "prefer_regions": _importance(region_weight),
        "preferred_regions": regions.get("values", []) if isinstance(regions, dict) else [],
        "weight_fit": _tidy(fit),
        "weight_cost": _tidy(cost),
        "weight_sovereignty": _tidy(sovereignty),
    }


def _tidy(value: Any) -> Any:
    """3.0 → 3 and 60.00000001 → 60, so a form shows numbers the way a person would type them."""
    if isinstance(value, float):
        rounded = round(value, 4)
        return int(rounded) if rounded.is_integer() else rounded
    return value


def _importance(weight: Any) -> str:
    if not weight:
        return ""
    return "1" if float(weight) > 0.75 else "0.5"


class SuiteWeightForm(forms.Form):
    """One of the organisation's suites: counted in the profile or not, and how much."""

    suite = forms.IntegerField(widget=forms.HiddenInput)
    include = forms.BooleanField(required=False, label="Use this suite")
    weight = forms.FloatField(required=False, min_value=0, initial=1, label="Weight")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        weight = data.get("weight")
        if data.get("include") and "weight" not in self.errors and not weight:
            self.add_error("weight", "Give a weight above zero, or untick the suite.")
        return data


def suite_weight_formset(suite_count: int) -> type[BaseFormSet]:
    """The suite rows of a profile form: one per suite of the organisation, and no more.

    A posted TOTAL_FORMS is the browser's word: capped at the organisation's suite count, a
    tampered "100000" costs nothing and is refused, instead of building and rendering
    thousands of forms (Django's own cap is 1,000 beyond max_num).
    """
    return formset_factory(
        SuiteWeightForm,
        extra=0,
        max_num=suite_count,
        absolute_max=suite_count,
        validate_max=True,
    )


def suite_weight_initial(suites: Iterable[Any], chosen: dict[int, float]) -> list[dict[str, Any]]:
    return [
        {
            "suite": suite.pk,
            "include": suite.pk in chosen,
            "weight": _tidy(chosen.get(suite.pk, 1.0)),
        }
        for suite in suites
    ]


class CampaignForm(forms.Form):
    profile = forms.ModelChoiceField(
        queryset=TaskProfile.objects.none(),
        label="Task profile",
        empty_label="Choose a task profile",
        help_text="Its suites are what each candidate is tested on.",
    )
    candidates = forms.ModelMultipleChoiceField(
        queryset=CandidateModel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        label="Candidates to evaluate",
        error_messages={"required": "Tick at least one candidate."},
    )

    def __init__(self, *args: Any, profiles: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Choices are the organisation's own rows: another organisation's id is "not a valid
        # choice", exactly like an id that does not exist.
        self.fields["profile"].queryset = profiles  # type: ignore[attr-defined]
        self.fields["candidates"].queryset = candidates  # type: ignore[attr-defined]


class MemberAddForm(forms.Form):
    username = forms.CharField(
        max_length=150, help_text="The person needs an account on this procure site."
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; `clean` gives a list of uploads."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(item, initial) for item in data]
        return [single(data or None, initial)]  # no file: "This field is required."


class SuiteUploadForm(forms.Form):
    name = forms.CharField(
        max_length=200, help_text="A new name makes a new suite; an existing one a new version."
    )
    domain = forms.CharField(
        max_length=100, required=False, label="Field of work", help_text='e.g. "legal".'
    )
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="What it tests"
    )
    upload = MultipleFileField(
        label="Suite files",
        help_text="The task YAML and its data files (.jsonl, .json, .csv), or one .zip or "
        ".tar.gz archive. Keep folders by uploading an archive.",
    )

    def clean_upload(self) -> dict[str, bytes]:
        uploads = self.cleaned_data["upload"]
        if len(uploads) > MAX_FILES:
            raise ValidationError(f"A suite has at most {MAX_FILES} files.")
        if sum(upload.size or 0 for upload in uploads) > MAX_TOTAL_BYTES:
            raise ValidationError(f"An upload is limited to {MAX_TOTAL_BYTES // MIB} MB.")
        return {upload.name or "": upload.read() for upload in uploads}
