import logging
from datetime import datetime
from smtplib import SMTPException
from typing import Any

from celery import Task, shared_task
from django.utils import timezone

from .alerts import alert_email, firing_compare
from .housekeeping import schedules_reconcile
from .services import schedule_fire

logger = logging.getLogger(__name__)


class StampedTask(Task):
    """Stamps the time a message is sent into its kwargs (`sent_at`), unless given.

    Beat sends a registered task through its own apply_async, so every trigger beat sends
    carries the time beat sent it: how the firing service tells a trigger that piled up while
    workers were down from a new one.
    """

    def apply_async(
        self,
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
        *more: Any,
        **options: Any,
    ) -> Any:
        stamped = {"sent_at": timezone.now().isoformat(), **(kwargs or {})}
        return super().apply_async(args, stamped, *more, **options)


@shared_task(base=StampedTask, name="schedules.fire", queue="housekeeping")
def fire(schedule_id: int, sent_at: str | None = None) -> str:
    if sent_at is None:  # sent without our apply_async (e.g. by name from elsewhere)
        logger.warning("schedule %s triggered without sent_at: taken as sent now", schedule_id)
    moment = datetime.fromisoformat(sent_at) if sent_at else timezone.now()
    firing = schedule_fire(schedule_id=schedule_id, sent_at=moment)
    return firing.outcome if firing else "schedule deleted"


@shared_task(name="schedules.compare", queue="housekeeping")
def compare(report_id: int) -> str:
    firing = firing_compare(report_id=report_id)
    return firing.comparison if firing else "not a scheduled campaign's report"


@shared_task(
    name="schedules.email_alert",
    queue="housekeeping",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def email_alert(alert_id: int) -> int:
    return alert_email(alert_id=alert_id)


@shared_task(name="schedules.reconcile", queue="housekeeping")
def reconcile() -> dict[str, list[int]]:
    return schedules_reconcile()
