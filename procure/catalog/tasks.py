from celery import shared_task
from django.utils import timezone

from .refresh import catalog_refresh


@shared_task(name="catalog.refresh_prices", queue="housekeeping")
def refresh_prices() -> list[str]:
    """Weekly: linked options take the installed price databases' current prices."""
    reports = catalog_refresh(today=timezone.localdate())
    return [f"{r.source}: {len(r.changes)} change(s), {len(r.unknown)} unknown" for r in reports]
