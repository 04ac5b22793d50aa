"""User actions on campaigns and runs: cancel, retry. Scoped to one organisation."""

from django.db import transaction
from django.utils import timezone

from procure.accounts.models import Organization
from procure.audit.models import Action
from procure.audit.services import audit_record, change

from .dispatch import queue_run
from .models import LIVE_RUN_STATUSES, Campaign, CampaignStatus, EvaluationRun, RunStatus
from .selectors import campaign_get, run_get


class RunNotRetryable(Exception):
    pass


@transaction.atomic
def campaign_cancel(*, organization: Organization, campaign_id: int) -> Campaign:
    """Stop a running campaign. Its unfinished runs stop too, unless another running campaign
    still needs them. Workers notice at their next progress write and stop evaluating."""
    campaign = campaign_get(organization=organization, campaign_id=campaign_id)
    now = timezone.now()
    cancelled = Campaign.objects.filter(pk=campaign.pk, status=CampaignStatus.RUNNING).update(
        status=CampaignStatus.CANCELLED, finished_at=now
    )
    if cancelled:
        audit_record(
            organization=organization,
            action=Action.CAMPAIGN_CANCELLED,
            target=campaign,
            changes={"status": change(CampaignStatus.RUNNING, CampaignStatus.CANCELLED)},
        )
    still_needed = Campaign.objects.filter(status=CampaignStatus.RUNNING).exclude(pk=campaign.pk)
    EvaluationRun.objects.filter(
        campaigns=campaign, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
    ).exclude(campaigns__in=still_needed).update(status=RunStatus.CANCELLED, finished_at=now)
    campaign.refresh_from_db()
    return campaign


@transaction.atomic
def run_retry(*, organization: Organization, run_id: int) -> EvaluationRun:
    """Queue a failed or cancelled run again and reopen the campaigns that wait for it."""
    run = run_get(organization=organization, run_id=run_id)
    if run.status not in (RunStatus.FAILED, RunStatus.CANCELLED):
        raise RunNotRetryable(
            f"Run #{run.pk} is {run.status}; only failed or cancelled runs retry."
        )
    if EvaluationRun.objects.filter(
        organization=organization, fingerprint=run.fingerprint, status__in=LIVE_RUN_STATUSES
    ).exists():
        raise RunNotRetryable(
            f"The same evaluation as run #{run.pk} is already queued, running or done."
        )
    EvaluationRun.objects.filter(pk=run.pk, status=run.status).update(
        status=RunStatus.QUEUED,
        attempts=0,
        worker="",
        error_kind="",
        error_message="",
        finished_at=None,
        progress_done=0,
    )
    Campaign.objects.filter(runs=run, status=CampaignStatus.FAILED).update(
        status=CampaignStatus.RUNNING, finished_at=None
    )
    audit_record(
        organization=organization,
        action=Action.RUN_RETRIED,
        target=run,
        changes={"status": change(run.status, RunStatus.QUEUED)},
    )
    run.refresh_from_db()
    transaction.on_commit(lambda: queue_run(run))
    return run
