"""Sending schedule tasks by name, so the services that queue work never import `tasks.py`
(which imports those services: sending by name keeps the arrow one way)."""

from celery import current_app

EMAIL_ALERT = "schedules.email_alert"
COMPARE = "schedules.compare"


def email_alert_queue(alert_id: int) -> None:
    """Send the alert's e-mail task (call it on commit, so the worker finds the alert)."""
    current_app.send_task(EMAIL_ALERT, args=(alert_id,), queue="housekeeping")


def compare_queue(report_id: int) -> None:
    """Send the comparison task of a scheduled campaign's report (call it on commit)."""
    current_app.send_task(COMPARE, args=(report_id,), queue="housekeeping")
