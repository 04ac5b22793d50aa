from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from procure.accounts.models import Organization
from procure.core.models import TimeStamped
from procure.suites.models import Suite


class TaskProfile(TimeStamped):
    """What a team needs from a model: the work, its volume, its rules and its priorities."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="profiles"
    )
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=100, help_text='The field of the work, e.g. "legal".')
    description = models.TextField(blank=True)
    suites: "models.ManyToManyField[Suite, ProfileSuite]" = models.ManyToManyField(
        Suite, through="ProfileSuite", related_name="profiles"
    )

    # Workload
    monthly_requests = models.PositiveBigIntegerField(
        default=100_000, help_text="Requests per month."
    )
    input_tokens = models.PositiveIntegerField(default=800, help_text="Input tokens per request.")
    output_tokens = models.PositiveIntegerField(default=200, help_text="Output tokens per request.")
    peak_rps = models.FloatField(
        default=1.0, validators=[MinValueValidator(0.0)], help_text="Peak requests per second."
    )
    latency_target_ms = models.PositiveIntegerField(
        null=True, blank=True, help_text="Acceptable time to answer one request, in milliseconds."
    )

    # Quality and money
    quality_bar = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Minimum acceptable fit (0–1) over the profile's suites.",
    )
    exclude_below_bar = models.BooleanField(
        default=False, help_text="Exclude candidates below the bar instead of flagging them."
    )
    monthly_budget = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    exclude_over_budget = models.BooleanField(default=False)

    # Sovereignty: hard rules (an empty list means "no rule")
    allowed_regions = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    self_hosting_required = models.BooleanField(default=False)
    open_weights_required = models.BooleanField(default=False)
    allowed_licences = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    allowed_jurisdictions = ArrayField(models.CharField(max_length=10), default=list, blank=True)
    # Soft preferences: name -> weight (0–1); see procure.decision for the known names.
    sovereignty_preferences = models.JSONField(default=dict, blank=True)

    # How the three criteria are traded off; only their ratios matter.
    weight_fit = models.FloatField(default=0.5, validators=[MinValueValidator(0.0)])
    weight_cost = models.FloatField(default=0.3, validators=[MinValueValidator(0.0)])
    weight_sovereignty = models.FloatField(default=0.2, validators=[MinValueValidator(0.0)])

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="profile_name_per_org"),
            models.CheckConstraint(
                name="profile_weights_not_all_zero",
                condition=Q(weight_fit__gt=0) | Q(weight_cost__gt=0) | Q(weight_sovereignty__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProfileSuite(models.Model):
    profile = models.ForeignKey(TaskProfile, on_delete=models.CASCADE, related_name="suite_weights")
    suite = models.ForeignKey(Suite, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField(default=1.0, validators=[MinValueValidator(0.0)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "suite"], name="profile_suite_once"),
            models.CheckConstraint(name="profile_suite_weight_positive", condition=Q(weight__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.suite} × {self.weight}"
