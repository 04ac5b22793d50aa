from celery import shared_task

from .housekeeping import reports_reconcile
from .services import report_generate_routine


@shared_task(name="reports.generate_for_campaign", queue="housekeeping")
def generate_for_campaign(campaign_id: int) -> int | None:
    report = report_generate_routine(campaign_id=campaign_id)
    return report.pk if report else None


@shared_task(name="reports.reconcile", queue="housekeeping")
def reconcile() -> list[int]:
    return reports_reconcile()
