"""Campaign status, one read for the web pages and the API: run counts per campaign, and a
campaign's runs each marked `reused` (it predates the campaign). Scoped to one organisation."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from procure.accounts.models import Organization

from .models import Campaign, CampaignRun, EvaluationRun, RunStatus
from .selectors import campaign_list, run_list

FINISHED_RUN = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


def campaign_list_with_counts(
    *, organization: Organization, profile_id: int | None = None
) -> QuerySet[Campaign]:
    campaigns = campaign_list(organization=organization).select_related("created_by")
    if profile_id is not None:
        campaigns = campaigns.filter(profile_id=profile_id)
    return campaigns.annotate(
        run_count=Count("runs", distinct=True),
        runs_finished=Count("runs", filter=Q(runs__status__in=FINISHED_RUN), distinct=True),
        runs_failed=Count("runs", filter=Q(runs__status=RunStatus.FAILED), distinct=True),
        candidate_count=Count("candidates", distinct=True),
        report_count=Count("reports", distinct=True),
    ).order_by("-created_at", "-pk")


def campaign_runs(*, organization: Organization, campaign_id: int) -> QuerySet[EvaluationRun]:
    """The campaign's runs in a stable order, each with `reused` (it predates the campaign)."""
    reused = CampaignRun.objects.filter(campaign_id=campaign_id, run=OuterRef("pk"), reused=True)
    return (
        run_list(organization=organization, campaign_id=campaign_id)
        .annotate(reused=Exists(reused))
        .order_by("candidate__name", "suite_version__suite__name", "pk")
    )
