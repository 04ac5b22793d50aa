from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django_celery_beat.models import PeriodicTask

from procure.accounts.models import Organization
from procure.catalog.models import CandidateModel
from procure.profiles.models import TaskProfile
from procure.reports.models import ReportSnapshot
from procure.runs.models import Campaign

from .drift import Thresholds


class Frequency(models.TextChoices):
    DAILY = "daily", "Every day (02:00 UTC)"
    WEEKLY = "weekly", "Every Monday (02:00 UTC)"
    MONTHLY = "monthly", "On the 1st of each month (02:00 UTC)"
    CUSTOM = "custom", "Custom (a crontab expression, UTC)"


class Schedule(models.Model):
    """When to re-evaluate a profile, on which candidates, and whom to tell about changes.

    Beat reads its own row (a django-celery-beat PeriodicTask) that the services keep in step
    with this one; this row is what people edit and what the firing service locks.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="schedules"
    )
    profile = models.OneToOneField(TaskProfile, on_delete=models.CASCADE, related_name="schedule")
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    crontab = models.CharField(
        max_length=120, help_text="The 5-field crontab beat runs (UTC), also for the presets."
    )
    enabled = models.BooleanField(default=True)
    candidates = models.ManyToManyField(
        CandidateModel,
        blank=True,
        related_name="schedules",
        help_text="Empty: the candidates of the profile's latest campaign.",
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="watched_schedules",
        help_text="Members told about changes, in the app and by e-mail.",
    )
    fit_threshold = models.FloatField(
        default=0.02,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Alert when a candidate's fit moves by more than this (0-1 scale).",
    )
    cost_threshold = models.FloatField(
        default=0.10,
        validators=[MinValueValidator(0.0), MaxValueValidator(100.0)],
        help_text="Alert when a candidate's monthly cost moves by more than this share.",
    )
    # No reverse accessor: PeriodicTask.schedule is django-celery-beat's own property.
    periodic_task = models.OneToOneField(
        PeriodicTask,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        editable=False,
        related_name="+",
    )
    last_fired_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When a firing last launched a campaign."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="schedule_frequency_valid", condition=Q(frequency__in=Frequency.values)
            ),
            models.CheckConstraint(
                name="schedule_thresholds_not_negative",
                condition=Q(fit_threshold__gte=0) & Q(cost_threshold__gte=0),
            ),
        ]

    def __str__(self) -> str:
        return f"Schedule of {self.profile}"

    @property
    def thresholds(self) -> Thresholds:
        return Thresholds(fit=self.fit_threshold, cost=self.cost_threshold)

    @property
    def beat_name(self) -> str:
        """The PeriodicTask's name (unique in django-celery-beat's table)."""
        return f"procure schedule {self.pk}"


class FiringOutcome(models.TextChoices):
    LAUNCHED = "launched", "Launched a campaign"
    SKIPPED = "skipped", "Skipped"
    REFUSED = "refused", "Refused"


class Comparison(models.TextChoices):
    NONE = "", "Not compared"
    PENDING = "pending", "Waiting for the report"
    FIRST = "first", "First report: nothing to compare with"
    NO_CHANGE = "no_change", "No change"
    CHANGED = "changed", "Changed"


class Trigger(models.TextChoices):
    BEAT = "beat", "Schedule"
    MANUAL = "manual", "Run now"


class ScheduleFiring(models.Model):
    """One trigger of a schedule and what came of it: a campaign, or why there was none."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="firings")
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.BEAT)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(help_text="When the trigger was sent (by beat or a person).")
    fired_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=10, choices=FiringOutcome.choices)
    reason = models.TextField(blank=True)
    campaign = models.OneToOneField(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="schedule_firing"
    )
    runs_queued = models.PositiveIntegerField(default=0)
    runs_reused = models.PositiveIntegerField(default=0)
    comparison = models.CharField(
        max_length=10, choices=Comparison.choices, default=Comparison.NONE, blank=True
    )
    report = models.ForeignKey(
        ReportSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_report = models.ForeignKey(
        ReportSnapshot, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-fired_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="firing_outcome_valid", condition=Q(outcome__in=FiringOutcome.values)
            ),
            models.CheckConstraint(
                name="firing_comparison_valid", condition=Q(comparison__in=Comparison.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.schedule} fired at {self.fired_at:%Y-%m-%d %H:%M}: {self.outcome}"


class Alert(models.Model):
    """A scheduled campaign's report differs from the previous one in ways that matter."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="alerts")
    profile = models.ForeignKey(
        TaskProfile, null=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    firing = models.OneToOneField(
        ScheduleFiring, null=True, on_delete=models.SET_NULL, related_name="alert"
    )
    report = models.ForeignKey(ReportSnapshot, on_delete=models.CASCADE, related_name="+")
    previous_report = models.ForeignKey(ReportSnapshot, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=300)
    changes = models.JSONField(
        default=list, help_text="[{kind, subject, before, after, message}], decisions first."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """An alert as one watcher sees it: read or not, e-mailed or not."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-alert__created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "user"], name="one_notification_per_watcher")
        ]
        indexes = [models.Index(fields=["user", "organization", "read_at"])]

    def __str__(self) -> str:
        return f"{self.alert} → {self.user}"
