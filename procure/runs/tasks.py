from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .execution import run_execute
from .housekeeping import runs_requeue_stale
from .models import EvaluationRun


def queue_run(run: EvaluationRun, *, countdown: int = 0) -> None:
    """Send the run to its queue and note when, so housekeeping can tell a lost message."""
    EvaluationRun.objects.filter(pk=run.pk).update(dispatched_at=timezone.now())
    execute_run.apply_async(
        args=(run.pk,),
        queue=run.queue,
        countdown=countdown,
        soft_time_limit=settings.CELERY_TASK_SOFT_TIME_LIMIT,
        time_limit=settings.CELERY_TASK_TIME_LIMIT,
    )


@shared_task(bind=True, name="runs.execute_run")
def execute_run(self, run_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = run_execute(run_id=run_id, worker=self.request.hostname or "worker")
    if outcome.retry_in is not None:
        queue_run(EvaluationRun.objects.get(pk=run_id), countdown=outcome.retry_in)
    return outcome.status


@shared_task(name="runs.requeue_stale", queue="housekeeping")
def requeue_stale() -> list[int]:
    return runs_requeue_stale()
