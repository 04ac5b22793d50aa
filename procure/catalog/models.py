from decimal import Decimal

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from evals.probe import EndpointCapabilities, describe
from procure.accounts.models import Organization
from procure.core import crypto
from procure.core.models import TimeStamped

GENERAL = "general"


class CandidateModel(TimeStamped):
    """A model the organisation might buy, with the facts that decide eligibility."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="candidates"
    )
    name = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, help_text="Who makes or sells the model.")
    specialisation = models.CharField(
        max_length=100,
        default=GENERAL,
        help_text='"general" for a general-purpose model, otherwise its domain (e.g. "legal").',
    )
    licence = models.CharField(
        max_length=100, help_text='SPDX identifier or "proprietary", e.g. "Apache-2.0".'
    )
    open_weights = models.BooleanField(default=False)
    vendor_jurisdiction = models.CharField(
        max_length=10, help_text='Country or bloc of the vendor\'s legal seat, e.g. "US", "FR".'
    )
    description = models.TextField(blank=True)
    parameters_billion = models.FloatField(null=True, blank=True)
    prices_as_of = models.DateField(null=True, blank=True)
    price_source = models.CharField(max_length=500, blank=True)
    context_window = models.PositiveIntegerField(
        null=True, blank=True, help_text="Most tokens one request may carry (prompt + answer)."
    )
    weights_released_on = models.DateField(
        null=True, blank=True, help_text="When the model (or its weights) was released."
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="candidate_name_per_org")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_specialist(self) -> bool:
        return self.specialisation != GENERAL


class DeploymentKind(models.TextChoices):
    API = "api", "API (pay per token)"
    SELF_HOSTED = "self_hosted", "Self-hosted (pay per instance)"


class DeploymentOption(models.Model):
    """One way to buy a candidate: an API offer or a self-hosted configuration."""

    candidate = models.ForeignKey(
        CandidateModel, on_delete=models.CASCADE, related_name="deployment_options"
    )
    kind = models.CharField(max_length=20, choices=DeploymentKind.choices)
    name = models.CharField(max_length=200, help_text='e.g. "Azure EU" or "1x L40S".')
    regions = ArrayField(
        models.CharField(max_length=50),
        default=list,
        help_text='Where data is processed, e.g. ["eu-west-1"].',
    )
    # API offers
    provider = models.CharField(max_length=200, blank=True)
    input_price_per_mtok = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Price per million input tokens.",
    )
    output_price_per_mtok = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Price per million output tokens.",
    )
    # Self-hosted configurations
    hardware = models.CharField(max_length=200, blank=True)
    hourly_rate = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Cost of one instance per hour.",
    )
    throughput_rps = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0.0)],
        help_text="Requests per second one instance sustains for this workload.",
    )
    min_instances = models.PositiveIntegerField(default=1)
    fixed_monthly_ops = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="Monthly operations cost that does not scale with instances.",
    )
    currency = models.CharField(max_length=3, default="USD")
    # Where the API prices come from. A linked option is updated by `catalog_refresh`; an
    # unlinked one keeps hand-entered prices, dated and sourced by `price_reference`.
    price_source = models.CharField(
        max_length=40,
        blank=True,
        help_text='Price database this option follows, e.g. "genai-prices"; empty: hand-entered.',
    )
    price_source_model = models.CharField(
        max_length=200,
        blank=True,
        help_text='The model\'s id in that database, e.g. "openai/gpt-6.1-sol".',
    )
    price_reference = models.CharField(
        max_length=500,
        blank=True,
        help_text='Where the prices were read: "genai-prices 0.2.3" or a URL.',
    )
    price_date = models.DateField(
        null=True, blank=True, help_text="The day these prices were valid (the source's date)."
    )

    class Meta:
        ordering = ["candidate", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                name="api_option_has_prices",
                violation_error_message="An API offer needs an input and an output price.",
                condition=~Q(kind="api")
                | (Q(input_price_per_mtok__isnull=False) & Q(output_price_per_mtok__isnull=False)),
            ),
            models.CheckConstraint(
                name="self_hosted_option_has_rates",
                violation_error_message=(
                    "A self-hosted option needs an hourly rate and a throughput above zero."
                ),
                condition=~Q(kind="self_hosted")
                | (
                    Q(hourly_rate__isnull=False)
                    & Q(throughput_rps__isnull=False)
                    & Q(throughput_rps__gt=0)
                ),
            ),
            models.CheckConstraint(
                name="deployment_kind_valid", condition=Q(kind__in=DeploymentKind.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate.name} — {self.name}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .price_sources import SOURCE_CURRENCY, SOURCE_NAMES

        if not self.price_source:
            if self.price_source_model:
                raise ValidationError({"price_source": "Name the price database of this id."})
            return
        problems = {}
        if self.price_source not in SOURCE_NAMES:
            problems["price_source"] = f"Unknown price database; known: {', '.join(SOURCE_NAMES)}."
        if not self.price_source_model:
            problems["price_source_model"] = "The model's id in the price database is needed."
        if self.kind != DeploymentKind.API:
            problems["price_source"] = "Only API prices follow a price database."
        if self.currency != SOURCE_CURRENCY:
            problems["currency"] = f"Price databases list prices in {SOURCE_CURRENCY}."
        if problems:
            raise ValidationError(problems)


class PriceChange(models.Model):
    """One value of a deployment option or its candidate that a price source changed."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="price_changes"
    )
    option = models.ForeignKey(
        DeploymentOption, on_delete=models.CASCADE, related_name="price_changes"
    )
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=100, blank=True)
    new_value = models.CharField(max_length=100, blank=True)
    changed_at = models.DateTimeField(auto_now_add=True)
    source_name = models.CharField(max_length=40)
    source_version = models.CharField(max_length=40)
    source_model = models.CharField(max_length=200)

    class Meta:
        ordering = ["-changed_at", "pk"]

    def __str__(self) -> str:
        return f"{self.option}: {self.field} {self.old_value} → {self.new_value}"


class ExchangeRate(models.Model):
    """What one unit of `currency` was worth in the organisation's reporting currency on a day.

    Admins keep this table; a cost in another currency is converted with the newest rate on or
    before the day it is needed, and the rate used is shown next to the converted amount.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="exchange_rates"
    )
    currency = models.CharField(max_length=3, help_text='ISO 4217 code, e.g. "USD".')
    rate = models.DecimalField(
        max_digits=14,
        decimal_places=6,
        validators=[MinValueValidator(Decimal("0.000001"))],
        help_text="Units of the reporting currency for one unit of this currency.",
    )
    valid_on = models.DateField(help_text="The day the rate was taken.")
    source = models.CharField(max_length=500, blank=True, help_text="Where the rate comes from.")

    class Meta:
        ordering = ["currency", "-valid_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "currency", "valid_on"], name="one_rate_per_currency_day"
            ),
            models.CheckConstraint(name="exchange_rate_positive", condition=Q(rate__gt=0)),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate} on {self.valid_on}"


class EvaluationBackend(models.TextChoices):
    HF = "hf", "Local Hugging Face checkpoint"
    COMPLETIONS = "local-completions", "OpenAI-compatible /v1/completions"
    CHAT = "local-chat-completions", "OpenAI-compatible /v1/chat/completions (generation only)"
    VLLM = "vllm", "vLLM on a GPU worker"


class EvaluationAccess(models.Model):
    """How workers reach the candidate to evaluate it. The secret is stored encrypted."""

    candidate = models.OneToOneField(
        CandidateModel, on_delete=models.CASCADE, related_name="evaluation_access"
    )
    backend = models.CharField(max_length=40, choices=EvaluationBackend.choices)
    identity = models.CharField(
        max_length=500,
        help_text="Checkpoint directory (hf, vllm) or the served model name (endpoints).",
    )
    revision = models.CharField(
        max_length=200, blank=True, help_text="Commit, tag or version of the weights."
    )
    options = models.JSONField(
        default=dict, blank=True, help_text="Backend options: base_url, tokenizer, dtype ..."
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    # What an endpoint answered to the capability probe (evals.probe.EndpointCapabilities),
    # and when; runs are configured from it and refused when it cannot score a suite.
    capabilities = models.JSONField(default=dict, blank=True, editable=False)
    probed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="evaluation_backend_valid", condition=Q(backend__in=EvaluationBackend.values)
            )
        ]

    def __str__(self) -> str:
        return f"{self.candidate.name} via {self.backend}"

    @property
    def capability_rows(self) -> list[tuple[str, str]]:
        """What the endpoint answered to the probe, as (label, answer) rows for the page."""
        if not self.capabilities:
            return []
        return describe(EndpointCapabilities.from_dict(self.capabilities))

    @property
    def has_secret(self) -> bool:
        return bool(self.secret_encrypted)

    def set_secret(self, plaintext: str) -> None:
        self.secret_encrypted = crypto.encrypt(plaintext) if plaintext else ""

    def get_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""
