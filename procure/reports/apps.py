from typing import Any

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "procure.reports"
    label = "reports"

    def ready(self) -> None:
        from procure.runs.signals import campaign_finished

        campaign_finished.connect(_queue_report, dispatch_uid="reports.queue_report")


def _queue_report(sender: Any, campaign_id: int, **kwargs: Any) -> None:
    # Every finished campaign gets its report, made by a worker (decisions and charts take
    # seconds, too long for the request or task that finished the campaign). If this message
    # is lost, housekeeping sends it again (housekeeping.py).
    from .dispatch import report_generate_queue

    report_generate_queue(campaign_id)
