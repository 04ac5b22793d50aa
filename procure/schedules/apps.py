from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete


class SchedulesConfig(AppConfig):
    name = "procure.schedules"
    label = "schedules"

    def ready(self) -> None:
        from procure.reports.signals import report_generated

        from .models import Schedule

        report_generated.connect(_queue_comparison, dispatch_uid="schedules.compare")
        # Also when a schedule goes with its profile (a cascade): beat must not keep firing it.
        post_delete.connect(_remove_beat_entry, sender=Schedule, dispatch_uid="schedules.beat")


def _queue_comparison(sender: Any, report_id: int, **kwargs: Any) -> None:
    from .dispatch import compare_queue
    from .models import Comparison, ScheduleFiring

    # Only a scheduled campaign's report is compared (and alerted on). A lost message is sent
    # again by housekeeping (housekeeping.py).
    if ScheduleFiring.objects.filter(
        campaign__reports=report_id, comparison=Comparison.PENDING
    ).exists():
        compare_queue(report_id)


def _remove_beat_entry(sender: Any, instance: Any, **kwargs: Any) -> None:
    from .beat import periodic_task_remove

    periodic_task_remove(instance)
