"""Sending run tasks by name, so the modules that queue work never import the tasks module.

`tasks.py` imports the services it wraps; if services imported `tasks.py` back to queue work
the two would form an import cycle. Sending by the registered name keeps the arrow one way:
tasks → services → dispatch.
"""

from celery import current_app
from django.conf import settings
from django.utils import timezone

from .models import EvaluationRun

EXECUTE_RUN = "runs.execute_run"


def queue_run(run: EvaluationRun, *, countdown: int = 0) -> None:
    """Send the run to its queue and note when, so housekeeping can tell a lost message."""
    EvaluationRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now())
    current_app.send_task(
        EXECUTE_RUN,
        args=(run.pk,),
        queue=run.queue,
        countdown=countdown,
        soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
        time_limit=settings.CELERY_TASK_TIME_LIMIT,
    )


# The reconcile steps of the apps above runs (they finish what follows a campaign), sent by name
# so runs never imports them: reports (a finished campaign's report), then schedules (the
# firing's comparison, the alert's e-mail).
RECONCILE_ABOVE = ("reports.reconcile", "schedules.reconcile")


def queue_reconcile_above() -> None:
    for name in RECONCILE_ABOVE:
        current_app.send_task(name, queue="housekeeping")
