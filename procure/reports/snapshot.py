"""The frozen evidence of a report: everything it says, copied out of the live tables.

A snapshot is plain JSON. It never refers back to rows that can change (profiles, candidates,
prices), so later edits cannot alter a report, and anyone holding the JSON can check its
numbers: the recommendation was computed from exactly the inputs recorded beside it.
"""

import dataclasses
import hashlib
import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from procure.catalog.models import CandidateModel
from procure.decision import Recommendation
from procure.profiles.models import TaskProfile
from procure.reports.evidence import campaign_rates, currency_notes
from procure.runs.models import Campaign, EvaluationRun

SCHEMA_VERSION = 1
PROFILE_FIELDS = (
    "name", "domain", "description", "monthly_requests", "input_tokens", "output_tokens",
    "peak_rps", "latency_target_ms", "quality_bar", "exclude_below_bar", "monthly_budget",
    "exclude_over_budget", "allowed_regions", "self_hosting_required", "open_weights_required",
    "allowed_licences", "allowed_jurisdictions", "sovereignty_preferences", "weight_fit",
    "weight_cost", "weight_sovereignty",
)  # fmt: skip
OPTION_FIELDS = (
    "kind", "name", "regions", "provider", "input_price_per_mtok", "output_price_per_mtok",
    "hardware", "hourly_rate", "throughput_rps", "min_instances", "fixed_monthly_ops", "currency",
)  # fmt: skip


def build_snapshot(
    *, campaign: Campaign, recommendation: Recommendation, generated_at: datetime | None = None
) -> dict[str, Any]:
    profile = campaign.profile
    runs = list(
        campaign.runs.select_related("candidate", "suite_version__suite")
        .prefetch_related("metrics")
        .order_by("candidate__name", "suite_version__suite__name")
    )
    snapshot = {
        "schema": SCHEMA_VERSION,
        "generated_at": (generated_at or timezone.now()).isoformat(timespec="seconds"),
        "organization": campaign.organization.name,
        "campaign": {
            "id": campaign.pk,
            "status": campaign.status,
            "created_at": campaign.created_at.isoformat(timespec="seconds"),
            "finished_at": (
                campaign.finished_at.isoformat(timespec="seconds") if campaign.finished_at else None
            ),
            "settings": campaign.eval_settings,
        },
        "profile": profile_facts(profile),
        "price_stale_days": settings.CATALOG_PRICE_STALE_DAYS,
        # Every amount the recommendation states is in this currency; other currencies were
        # converted at the rates noted, or left out (never added as if they were one unit).
        "currency": campaign.organization.reporting_currency,
        "currency_notes": currency_notes(campaign, campaign_rates(campaign)),
        "candidates": [
            candidate_facts(c)
            for c in campaign.candidates.prefetch_related("deployment_options").order_by("name")
        ],
        "runs": [run_facts(run) for run in runs],
        "recommendation": to_json(dataclasses.asdict(recommendation)),
    }
    return to_json(snapshot)


def content_hash(snapshot: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(snapshot)).hexdigest()


def canonical(snapshot: dict[str, Any]) -> bytes:
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def to_json(value: Any) -> Any:
    """Round-trip through JSON: Decimals and dates become plain values, NaN becomes None."""
    return json.loads(json.dumps(_clean(value), default=str))


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN has no JSON form
        return None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def profile_facts(profile: TaskProfile) -> dict[str, Any]:
    facts = {name: getattr(profile, name) for name in PROFILE_FIELDS}
    facts["id"] = profile.pk
    facts["updated_at"] = profile.updated_at.isoformat(timespec="seconds")
    facts["suites"] = [
        {"name": w.suite.name, "weight": w.weight}
        for w in profile.suite_weights.select_related("suite").order_by("suite__name")
    ]
    return facts


def candidate_facts(candidate: CandidateModel) -> dict[str, Any]:
    return {
        "id": str(candidate.pk),
        "name": candidate.name,
        "provider": candidate.provider,
        "specialisation": candidate.specialisation,
        "licence": candidate.licence,
        "open_weights": candidate.open_weights,
        "vendor_jurisdiction": candidate.vendor_jurisdiction,
        "parameters_billion": candidate.parameters_billion,
        "prices_as_of": candidate.prices_as_of,
        "price_source": candidate.price_source,
        "options": [
            {
                **{name: getattr(option, name) for name in OPTION_FIELDS},
                # Dated per option: how old each price was when the report was written.
                "price_date": option.price_date or candidate.prices_as_of,
                "price_reference": option.price_reference or candidate.price_source,
            }
            for option in candidate.deployment_options.all()
        ],
    }


def run_facts(run: EvaluationRun) -> dict[str, Any]:
    model = dict(run.fingerprint_parts.get("model", {}))
    return {
        "id": run.pk,
        "candidate_id": str(run.candidate_id),
        "candidate": run.candidate.name,
        "suite": run.suite_version.suite.name,
        "suite_version": run.suite_version.number,
        "suite_hash": run.suite_version.content_hash,
        "fingerprint": run.fingerprint,
        "model": model,
        "lm_eval_version": run.lm_eval_version or run.fingerprint_parts.get("lm_eval"),
        "settings": run.fingerprint_parts.get("settings", {}),
        "status": run.status,
        "error": run.error_message,
        "attempts": run.attempts,
        "wall_seconds": run.wall_seconds,
        "finished_at": run.finished_at.isoformat(timespec="seconds") if run.finished_at else None,
        "metrics": [
            {
                "task": m.task,
                "metric": m.metric,
                "filter": m.filter,
                "value": m.value,
                "stderr": m.stderr,
                "n": m.n,
            }
            for m in run.metrics.all()
        ],
    }
