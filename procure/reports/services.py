"""Producing reports: the recommendation of a finished campaign, frozen into a snapshot."""

from functools import partial

from django.contrib.auth.models import User
from django.db import transaction

from procure.accounts.models import Organization
from procure.audit.models import Action
from procure.audit.services import audit_record
from procure.decision import Recommendation, recommend
from procure.runs.models import Campaign, CampaignStatus
from procure.runs.selectors import campaign_get

from .evidence import candidate_inputs, profile_input
from .models import ReportSnapshot
from .signals import report_generated
from .snapshot import build_snapshot, content_hash


class ReportNotReady(Exception):
    pass


def campaign_recommendation(campaign: Campaign) -> Recommendation:
    return recommend(profile_input(campaign.profile), candidate_inputs(campaign))


@transaction.atomic
def report_generate_routine(*, campaign_id: int) -> ReportSnapshot | None:
    """The report a finished campaign gets from a worker, made once per finish.

    The campaign's row is locked, so two messages for the same campaign (the one sent when it
    finished and the one housekeeping sends again) are decided one after the other: the second
    finds the first's report and makes none. None: not finished, or already reported.
    """
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("organization")
        .filter(pk=campaign_id)
        .first()
    )
    if campaign is None or campaign.status not in (CampaignStatus.SUCCEEDED, CampaignStatus.FAILED):
        return None
    reported = campaign.reports.all()
    if campaign.finished_at is not None:
        # A retried campaign finishes again; that finish deserves a report of its own.
        reported = reported.filter(created_at__gte=campaign.finished_at)
    if reported.exists():
        return None
    return report_generate(organization=campaign.organization, campaign_id=campaign.pk)


@transaction.atomic
def report_generate(
    *, organization: Organization, campaign_id: int, user: User | None = None
) -> ReportSnapshot:
    """Decide on the campaign's evidence and freeze everything into a new report snapshot.

    Each call makes a new snapshot (regenerating never edits an old one). Campaigns still
    running or cancelled have no report.
    """
    campaign = campaign_get(organization=organization, campaign_id=campaign_id)
    if campaign.status not in (CampaignStatus.SUCCEEDED, CampaignStatus.FAILED):
        raise ReportNotReady(
            f"Campaign #{campaign.pk} is {campaign.status}; a report needs a finished campaign."
        )
    recommendation = campaign_recommendation(campaign)
    snapshot = build_snapshot(campaign=campaign, recommendation=recommendation)
    recommended = ""
    if recommendation.verdict.recommended_id is not None:
        recommended = recommendation.candidate(recommendation.verdict.recommended_id).name
    campaign.recommendation = snapshot["recommendation"]
    campaign.save(update_fields=["recommendation"])
    report = ReportSnapshot.objects.create(
        organization=organization,
        profile=campaign.profile,
        campaign=campaign,
        title=f"{campaign.profile.name}: which model to buy",
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        verdict=recommendation.verdict.sentence,
        recommended=recommended,
        created_by=user,
    )
    transaction.on_commit(
        partial(report_generated.send, sender=ReportSnapshot, report_id=report.pk)
    )
    if user is not None:
        # A person asked for it. The report every finished campaign gets from a worker is the
        # system's routine, listed with the reports; the log is for what people do.
        audit_record(
            organization=organization,
            action=Action.REPORT_GENERATED,
            target=report,
            changes={"campaign": campaign.pk, "recommended": recommended},
        )
    return report
