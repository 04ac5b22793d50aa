from celery import shared_task

from procure.runs.models import Campaign

from .services import report_generate


@shared_task(name="reports.generate_for_campaign", queue="housekeeping")
def generate_for_campaign(campaign_id: int) -> int:
    campaign = Campaign.objects.select_related("organization").get(pk=campaign_id)
    return report_generate(organization=campaign.organization, campaign_id=campaign_id).pk
