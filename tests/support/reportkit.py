"""A finished campaign with per-item evidence, built directly in the database (no worker).

For tests of what happens after evaluation (decisions, snapshots, rendering); the evidence is
drawn from fixed-seed Bernoulli trials at the given accuracies.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from procure.accounts.models import Organization
from procure.catalog.models import CandidateModel, DeploymentOption
from procure.profiles.models import ProfileSuite, TaskProfile
from procure.runs.models import (
    Campaign,
    CampaignRun,
    CampaignStatus,
    EvaluationRun,
    MetricResult,
    RunStatus,
    SampleResult,
)
from procure.suites.models import Suite, SuiteVersion


@dataclass(frozen=True)
class Offer:
    name: str
    specialisation: str
    accuracy: dict[str, float]  # suite name -> accuracy
    api: tuple[str, float, float] | None = None  # region, input price, output price per 1M
    hosted: tuple[str, float, float] | None = None  # region, hourly rate, throughput rps
    open_weights: bool = True
    licence: str = "Apache-2.0"


def finished_campaign(
    organization: Organization, offers: list[Offer], *, items: int = 300, **profile_fields: object
) -> Campaign:
    suite_names = sorted({suite for offer in offers for suite in offer.accuracy})
    versions = {}
    for name in suite_names:
        suite = Suite.objects.create(organization=organization, name=name, domain="legal")
        versions[name] = SuiteVersion.objects.create(
            suite=suite, number=1, bundle=b"",
            content_hash=hashlib.sha256(name.encode()).hexdigest(),
            tasks=[{"name": name.lower().replace(" ", "_"), "output_type": "multiple_choice",
                    "n_docs": items, "primary_metric": "acc"}],
        )  # fmt: skip
    profile = TaskProfile.objects.create(
        organization=organization, name="Contract review", domain="legal", **profile_fields
    )
    for version in versions.values():
        ProfileSuite.objects.create(profile=profile, suite=version.suite, weight=1.0)
    campaign = Campaign.objects.create(
        organization=organization, profile=profile, status=CampaignStatus.SUCCEEDED,
        finished_at=timezone.now(),
    )  # fmt: skip
    rng = random.Random(7)
    for offer in offers:
        candidate = _candidate(organization, offer)
        campaign.candidates.add(candidate)
        for suite_name, accuracy in offer.accuracy.items():
            version = versions[suite_name]
            task = version.tasks[0]["name"]
            run = EvaluationRun.objects.create(
                organization=organization, candidate=candidate, suite_version=version,
                status=RunStatus.SUCCEEDED, lm_eval_version="0.4.13",
                fingerprint=hashlib.sha256(f"{offer.name}/{suite_name}".encode()).hexdigest(),
                fingerprint_parts={"model": {"backend": "hf", "identity": offer.name,
                                             "revision": "v1"}, "lm_eval": "0.4.13",
                                   "settings": {}},
            )  # fmt: skip
            scores = [1.0 if rng.random() < accuracy else 0.0 for _ in range(items)]
            SampleResult.objects.bulk_create(
                SampleResult(run=run, task=task, doc_id=i, metric="acc", value=v)
                for i, v in enumerate(scores)
            )
            mean = sum(scores) / items
            MetricResult.objects.create(
                run=run, task=task, metric="acc", value=mean,
                stderr=(mean * (1 - mean) / (items - 1)) ** 0.5, n=items,
            )  # fmt: skip
            CampaignRun.objects.create(campaign=campaign, run=run)
    return campaign


def _candidate(organization: Organization, offer: Offer) -> CandidateModel:
    candidate = CandidateModel.objects.create(
        organization=organization, name=offer.name, provider="Vendor", licence=offer.licence,
        specialisation=offer.specialisation, open_weights=offer.open_weights,
        vendor_jurisdiction="FR", price_source="https://vendor.example/pricing",
    )  # fmt: skip
    if offer.api:
        region, price_in, price_out = offer.api
        DeploymentOption.objects.create(
            candidate=candidate, kind="api", name=f"{offer.name} API", provider="Vendor",
            regions=[region], input_price_per_mtok=Decimal(str(price_in)),
            output_price_per_mtok=Decimal(str(price_out)),
        )  # fmt: skip
    if offer.hosted:
        region, rate, rps = offer.hosted
        DeploymentOption.objects.create(
            candidate=candidate, kind="self_hosted", name=f"{offer.name} on 1x L40S",
            hardware="1x L40S", regions=[region], hourly_rate=Decimal(str(rate)),
            throughput_rps=rps, fixed_monthly_ops=Decimal("500"),
        )  # fmt: skip
    return candidate


LEGAL_MARKET = [
    Offer("LegalLM 7B", "legal", {"Clauses": 0.78, "Terms": 0.74}, hosted=("eu", 1.2, 4.0)),
    Offer("Giant General", "general", {"Clauses": 0.70, "Terms": 0.69}, api=("us", 2.5, 10.0),
          open_weights=False, licence="proprietary"),
    Offer("Euro General", "general", {"Clauses": 0.66, "Terms": 0.64}, api=("eu", 10.0, 30.0),
          open_weights=False, licence="proprietary"),
]  # fmt: skip
