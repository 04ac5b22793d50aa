"""The schedule form of a task profile: when, on which candidates, who hears about changes."""

from typing import Any

from django import forms
from django.contrib.auth.models import User

from procure.catalog.models import CandidateModel
from procure.schedules.models import Frequency, Schedule


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(
        choices=Frequency.choices, widget=forms.RadioSelect, initial=Frequency.WEEKLY
    )
    crontab = forms.CharField(
        required=False,
        max_length=120,
        label="Crontab",
        help_text=(
            "For a custom schedule: minute, hour, day of the month, month, day of the week, in "
            "UTC. For example 0 6 * * 1-5 runs at 06:00 on weekdays."
        ),
        widget=forms.TextInput(attrs={"placeholder": "0 6 * * 1-5", "spellcheck": "false"}),
    )
    enabled = forms.BooleanField(
        required=False, initial=True, label="Run on schedule (untick to pause it)"
    )
    candidates = forms.ModelMultipleChoiceField(
        queryset=CandidateModel.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Candidates to re-evaluate",
        help_text="None ticked: the candidates of the profile's latest campaign, at each run.",
    )
    watchers = forms.ModelMultipleChoiceField(
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Tell these members about changes (in procure and by e-mail)",
    )
    fit_threshold = forms.FloatField(
        min_value=0,
        max_value=100,
        initial=2,
        label="Alert when a fit moves by more than",
        help_text="Points of fit (percentage points of items right).",
    )
    cost_threshold = forms.FloatField(
        min_value=0,
        max_value=10_000,
        initial=10,
        label="Alert when a monthly cost moves by more than",
        help_text="Percent of the earlier cost.",
    )

    def __init__(self, *args: Any, candidates: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The organisation's own rows only: another organisation's id is "not a valid choice".
        self.fields["candidates"].queryset = candidates  # type: ignore[attr-defined]
        self.fields["watchers"].queryset = members  # type: ignore[attr-defined]
        self.fields["watchers"].label_from_instance = _member_label  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        """The cleaned form as schedule_set's arguments (thresholds as fractions)."""
        data = self.cleaned_data
        return {
            "frequency": data["frequency"],
            "crontab": data["crontab"],
            "enabled": data["enabled"],
            "candidate_ids": [c.pk for c in data["candidates"]],
            "watcher_ids": [u.pk for u in data["watchers"]],
            "fit_threshold": data["fit_threshold"] / 100,
            "cost_threshold": data["cost_threshold"] / 100,
        }


def schedule_initial(schedule: Schedule) -> dict[str, Any]:
    return {
        "frequency": schedule.frequency,
        "crontab": schedule.crontab if schedule.frequency == Frequency.CUSTOM else "",
        "enabled": schedule.enabled,
        "candidates": list(schedule.candidates.all()),
        "watchers": list(schedule.watchers.all()),
        "fit_threshold": round(schedule.fit_threshold * 100, 4),
        "cost_threshold": round(schedule.cost_threshold * 100, 4),
    }


def _member_label(user: User) -> str:
    return f"{user.get_username()} ({user.email})" if user.email else user.get_username()
