"""Recovering what a dead worker or a lost message left half-done, from the database.

The broker alone cannot be trusted for this: with Redis, an unacknowledged message of a
SIGKILLed worker comes back only after the visibility timeout (hours), and a Redis restart
without persistence loses queued messages outright. The rows know better: a running run
without a recent heartbeat has lost its worker, a queued run whose message was sent long ago
may have lost its message, and a running campaign without a live run lost the refresh that
would have finished it. Each step is idempotent (claims, conditional updates), so a pass that
finds nothing to do changes nothing, and sending again is always safe.

The steps after a campaign (its report, the schedule's comparison, the alert's e-mail) belong
to the apps above this one: a pass sends their reconcile tasks by name (`dispatch.py`).
"""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .dispatch import queue_reconcile_above, queue_run
from .execution import campaigns_refresh
from .models import Campaign, CampaignStatus, EvaluationRun, RunStatus


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


def campaigns_finish_stranded() -> list[int]:
    """Finish the running campaigns none of whose runs is queued or running (their last run's
    worker died between storing the result and refreshing the campaign); returns their ids.

    The same path as a finishing run takes, so the campaign is announced (and gets its report)
    exactly once: the conditional update in `campaigns_refresh` lets only one caller win.
    """
    live = EvaluationRun.objects.filter(
        campaigns=OuterRef("pk"), status__in=(RunStatus.QUEUED, RunStatus.RUNNING)
    )
    stranded = list(
        Campaign.objects.filter(status=CampaignStatus.RUNNING)
        .exclude(Exists(live))
        .values_list("pk", flat=True)
    )
    if not stranded:
        return []
    with transaction.atomic():
        campaigns_refresh(campaign_ids=stranded)
    return list(
        Campaign.objects.filter(pk__in=stranded)
        .exclude(status=CampaignStatus.RUNNING)
        .values_list("pk", flat=True)
    )


def housekeeping_pass() -> dict[str, list[int]]:
    """One pass: re-send lost runs, finish stranded campaigns, then let the apps above
    reconcile their steps (reports, comparisons, e-mails)."""
    done = {
        "runs_requeued": runs_requeue_stale(),
        "campaigns_finished": campaigns_finish_stranded(),
    }
    queue_reconcile_above()
    return done
