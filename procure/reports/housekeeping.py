"""Every finished campaign gets its report, even when the message asking for it was lost.

The report task is sent once when a campaign finishes (`apps.py`); a Redis restart loses it if
it is still queued. The database says which finished campaigns still lack the report of their
last finish; this sends their task again. The task itself checks under the campaign's row lock
(`report_generate_routine`), so a message sent twice still makes one report.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from procure.runs.models import Campaign, CampaignStatus

from .dispatch import report_generate_queue
from .models import ReportSnapshot

BATCH = 50
# A campaign's finish and its report are stamped by the clocks of two hosts; a report up to
# this much "before" the finish still counts as the report of that finish.
CLOCK_SKEW = timedelta(seconds=60)


def campaigns_without_report() -> list[int]:
    """Campaigns finished (succeeded or failed) a while ago with no report made since."""
    now = timezone.now()
    reported = ReportSnapshot.objects.filter(
        campaign=OuterRef("pk"), created_at__gte=OuterRef("finished_at") - CLOCK_SKEW
    )
    return list(
        Campaign.objects.filter(
            status__in=(CampaignStatus.SUCCEEDED, CampaignStatus.FAILED),
            finished_at__lt=now - timedelta(seconds=settings.RECONCILE_AFTER_SECONDS),
            finished_at__gte=now - timedelta(days=settings.RECONCILE_WITHIN_DAYS),
        )
        .exclude(Exists(reported))
        .order_by("finished_at", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def reports_reconcile() -> list[int]:
    """Send the report task of each finished campaign still without one; returns their ids."""
    campaign_ids = campaigns_without_report()
    for campaign_id in campaign_ids:
        report_generate_queue(campaign_id)
    return campaign_ids
