"""Recovering runs whose worker died or whose message was lost.

The broker alone cannot be trusted for this: with Redis, an unacknowledged message of a
SIGKILLed worker comes back only after the visibility timeout (hours), and a Redis restart
without persistence loses queued messages outright. The run rows know better: a running run
without a recent heartbeat has lost its worker, and a queued run whose message was sent long
ago may have lost its message. Sending again is always safe, because claiming is idempotent.
"""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .dispatch import queue_run
from .models import EvaluationRun, RunStatus


def runs_requeue_stale() -> list[int]:
    """Send again every run that lost its worker or its message; returns their ids."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.RUN_STALE_AFTER_SECONDS)
    lost = now - timedelta(seconds=settings.RUN_REQUEUE_AFTER_SECONDS)
    runs = list(
        EvaluationRun.objects.filter(
            Q(status=RunStatus.RUNNING, heartbeat_at__lt=stale)
            | Q(status=RunStatus.QUEUED, dispatched_at__lt=lost)
            | Q(status=RunStatus.QUEUED, dispatched_at__isnull=True, queued_at__lt=lost)
        )
    )
    for run in runs:
        queue_run(run)
    return [run.pk for run in runs]
