"""Reads of campaigns, runs and results. Every selector is scoped to one organisation."""

from django.db.models import QuerySet

from procure.accounts.models import Organization

from .models import Campaign, EvaluationRun, MetricResult, RunStatus, SampleResult


def campaign_list(*, organization: Organization) -> QuerySet[Campaign]:
    return Campaign.objects.filter(organization=organization).select_related("profile")


def campaign_get(*, organization: Organization, campaign_id: int) -> Campaign:
    return campaign_list(organization=organization).get(pk=campaign_id)


def run_list(
    *, organization: Organization, campaign_id: int | None = None
) -> QuerySet[EvaluationRun]:
    qs = EvaluationRun.objects.filter(organization=organization)
    if campaign_id is not None:
        qs = qs.filter(campaigns__id=campaign_id)
    return qs.select_related("candidate", "suite_version__suite")


def run_get(*, organization: Organization, run_id: int) -> EvaluationRun:
    return run_list(organization=organization).get(pk=run_id)


def metric_result_list(*, organization: Organization, run_id: int) -> QuerySet[MetricResult]:
    return MetricResult.objects.filter(run__organization=organization, run_id=run_id)


def sample_result_list(*, organization: Organization, run_id: int) -> QuerySet[SampleResult]:
    return SampleResult.objects.filter(run__organization=organization, run_id=run_id)


def run_measured_serving(*, organization: Organization, candidate_id: int) -> EvaluationRun | None:
    """The candidate's latest succeeded endpoint run with measured serving figures."""
    return (
        EvaluationRun.objects.filter(
            organization=organization,
            candidate_id=candidate_id,
            status=RunStatus.SUCCEEDED,
            latency_p95_ms__isnull=False,
        )
        .order_by("-finished_at")
        .first()
    )
