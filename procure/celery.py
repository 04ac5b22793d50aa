"""The Celery application: Redis broker, JSON messages, one queue per kind of work.

Queues exist so that each kind of worker host takes only what it can do:
- eval_cpu:     lm-eval on local checkpoints (CPU hosts)
- eval_api:     lm-eval against OpenAI-compatible endpoints (cheap hosts, network bound)
- eval_gpu:     vLLM evaluations (GPU hosts only)
- housekeeping: re-queueing orphaned runs, schedules, reports
"""

import os
from typing import Any

from celery import Celery
from celery.schedules import crontab
from celery.signals import worker_process_init
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procure.settings.local")

app = Celery("procure")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUES = ("eval_cpu", "eval_api", "eval_gpu", "housekeeping")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.conf.task_default_queue = "housekeeping"
app.autodiscover_tasks()

# The one periodic schedule (django-celery-beat stores and runs it; entries are synced at start).
app.conf.beat_schedule = {
    # Re-send runs whose worker died (stale heartbeat) or whose message was lost (a Redis
    # restart without persistence). Idempotent claims make a duplicate message harmless.
    # The fault suite shortens the period through the environment to see recoveries in seconds.
    "requeue-stale-runs": {
        "task": "runs.requeue_stale",
        "schedule": float(os.environ.get("RUN_HOUSEKEEPING_SECONDS", "30")),
    },
    # Linked API options take the installed price databases' prices (docs/catalog.md). The
    # data changes only when the package is upgraded, so weekly is often enough; Monday 03:00
    # UTC, an hour after the weekly schedules' re-evaluations.
    "refresh-catalog-prices": {
        "task": "catalog.refresh_prices",
        "schedule": crontab(minute="0", hour="3", day_of_week="1"),
    },
}


@worker_process_init.connect
def _import_evaluation_stack(**kwargs: Any) -> None:
    # Importing lm-eval, torch and transformers takes seconds; pay it when the pool process
    # starts, not inside the first run (where it would count against the run's heartbeat).
    import lm_eval.evaluator
    import lm_eval.models.huggingface  # noqa: F401

    import evals.runner  # noqa: F401

    _pin_torch_threads()


def _pin_torch_threads() -> None:
    # Each pool process gets its own torch thread pool; by default it spans every core, so
    # two busy processes (or one and a neighbour) oversubscribe the CPU and each forward pass
    # waits on the others (docs/performance.md).
    from django.conf import settings

    from evals.backends import pin_torch_threads

    pin_torch_threads(settings.EVAL_TORCH_THREADS)
