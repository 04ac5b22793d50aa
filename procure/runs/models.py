from django.conf import settings
from django.db import models
from django.db.models import Q

from procure.accounts.models import Organization
from procure.catalog.models import CandidateModel
from procure.profiles.models import TaskProfile
from procure.suites.models import SuiteVersion


class CampaignStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class Campaign(models.Model):
    """One evaluation of a profile's suites on a set of candidates."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="campaigns"
    )
    profile = models.ForeignKey(TaskProfile, on_delete=models.CASCADE, related_name="campaigns")
    candidates = models.ManyToManyField(CandidateModel, related_name="campaigns")
    runs: "models.ManyToManyField[EvaluationRun, CampaignRun]" = models.ManyToManyField(
        "EvaluationRun", through="CampaignRun", related_name="campaigns"
    )
    eval_settings = models.JSONField(
        default=dict, blank=True, help_text="num_fewshot, limit, seed."
    )
    status = models.CharField(
        max_length=20, choices=CampaignStatus.choices, default=CampaignStatus.RUNNING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    recommendation = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="campaign_status_valid", condition=Q(status__in=CampaignStatus.values)
            )
        ]

    def __str__(self) -> str:
        return f"Campaign #{self.pk} for {self.profile}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


LIVE_RUN_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.SUCCEEDED)


class EvaluationRun(models.Model):
    """One lm-eval job: a candidate on a suite version with fixed settings.

    Runs are shared between campaigns through their fingerprint: evidence that already exists
    (or is being produced) is reused instead of evaluated twice.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="runs")
    candidate = models.ForeignKey(CandidateModel, on_delete=models.CASCADE, related_name="runs")
    suite_version = models.ForeignKey(SuiteVersion, on_delete=models.PROTECT, related_name="runs")
    fingerprint = models.CharField(max_length=64)
    fingerprint_parts = models.JSONField(default=dict, help_text="What the fingerprint hashes.")
    eval_settings = models.JSONField(default=dict, blank=True)
    queue = models.CharField(max_length=40, default="eval_cpu")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=200, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    queued_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(
        null=True, blank=True, help_text="When a message for this run was last sent."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=40, blank=True)
    error_message = models.TextField(blank=True)
    lm_eval_version = models.CharField(max_length=40, blank=True)
    model_info = models.JSONField(default=dict, blank=True)
    wall_seconds = models.FloatField(null=True, blank=True)
    requests_per_second = models.FloatField(null=True, blank=True)
    tokens_per_second = models.FloatField(null=True, blank=True)
    # Endpoint runs: what the endpoint did, request by request (evals.serving).
    latency_p50_ms = models.FloatField(null=True, blank=True)
    latency_p95_ms = models.FloatField(null=True, blank=True)
    output_tokens_per_second = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-queued_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]
        constraints = [
            # At most one live run per fingerprint: planning the same work twice, even from two
            # concurrent launches, can never queue it twice. Failed and cancelled runs stay as
            # history and do not block a retry.
            models.UniqueConstraint(
                fields=["organization", "fingerprint"],
                condition=Q(status__in=["queued", "running", "succeeded"]),
                name="one_live_run_per_fingerprint",
            ),
            models.CheckConstraint(
                name="run_status_valid", condition=Q(status__in=RunStatus.values)
            ),
            models.CheckConstraint(
                name="run_progress_within_total",
                condition=Q(progress_done__lte=models.F("progress_total")),
            ),
        ]

    def __str__(self) -> str:
        return f"Run #{self.pk} {self.candidate} on {self.suite_version} ({self.status})"


class CampaignRun(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE)
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE)
    reused = models.BooleanField(default=False, help_text="The run existed before the campaign.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "run"], name="campaign_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} ← run #{self.run_id}"


class MetricResult(models.Model):
    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="metrics")
    task = models.CharField(max_length=200)
    metric = models.CharField(max_length=100)
    filter = models.CharField(max_length=100, default="none")
    value = models.FloatField()
    stderr = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField()

    class Meta:
        ordering = ["task", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "task", "metric", "filter"], name="metric_once_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} {self.metric}={self.value:.4f}"


class SampleResult(models.Model):
    """One item's score, kept for paired comparisons between candidates on the same items."""

    run = models.ForeignKey(EvaluationRun, on_delete=models.CASCADE, related_name="samples")
    task = models.CharField(max_length=200)
    doc_id = models.PositiveIntegerField()
    metric = models.CharField(max_length=100)
    filter = models.CharField(max_length=100, default="none")
    value = models.FloatField()

    class Meta:
        ordering = ["task", "doc_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "task", "metric", "filter", "doc_id"], name="sample_once_per_run"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task}[{self.doc_id}] {self.metric}={self.value:g}"
