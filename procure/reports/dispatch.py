"""Sending report tasks by name, so the modules that queue a report never import `tasks.py`."""

from celery import current_app

GENERATE_FOR_CAMPAIGN = "reports.generate_for_campaign"


def report_generate_queue(campaign_id: int) -> None:
    """Send the finished campaign's routine report task (call it on commit)."""
    current_app.send_task(GENERATE_FOR_CAMPAIGN, args=(campaign_id,), queue="housekeeping")
