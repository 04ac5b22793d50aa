from celery import shared_task

from .dispatch import queue_run
from .execution import run_execute
from .housekeeping import housekeeping_pass
from .models import EvaluationRun


@shared_task(bind=True, name="runs.execute_run")
def execute_run(self, run_id: int) -> str:  # type: ignore[no-untyped-def]
    outcome = run_execute(run_id=run_id, worker=self.request.hostname or "worker")
    if outcome.retry_in is not None:
        queue_run(EvaluationRun.objects.get(pk=run_id), countdown=outcome.retry_in)
    return outcome.status


# The beat entry keeps its name from when housekeeping only re-sent runs.
@shared_task(name="runs.requeue_stale", queue="housekeeping")
def requeue_stale() -> dict[str, list[int]]:
    return housekeeping_pass()
