"""The Celery application: Redis broker, JSON messages, one queue per kind of work.

Queues exist so that each kind of worker host takes only what it can do:
- eval_cpu:     lm-eval on local checkpoints (CPU hosts)
- eval_api:     lm-eval against OpenAI-compatible endpoints (cheap hosts, network bound)
- eval_gpu:     vLLM evaluations (GPU hosts only)
- housekeeping: re-queueing orphaned runs, schedules, reports
"""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procure.settings.local")

app = Celery("procure")
app.config_from_object("django.conf:settings", namespace="CELERY")

QUEUES = ("eval_cpu", "eval_api", "eval_gpu", "housekeeping")
app.conf.task_queues = [Queue(name) for name in QUEUES]
app.conf.task_default_queue = "housekeeping"
app.autodiscover_tasks()
