"""Tasks are sent by name: the message on the real broker names the registered task."""

import base64
import json

import pytest
import redis
from django.conf import settings

from procure.reports.dispatch import GENERATE_FOR_CAMPAIGN
from procure.runs.dispatch import EXECUTE_RUN, RECONCILE_ABOVE, queue_run
from procure.runs.models import EvaluationRun
from procure.schedules.dispatch import COMPARE, EMAIL_ALERT, email_alert_queue
from tests import factories as f

pytestmark = pytest.mark.django_db


def _sent(queue: str, task: str, args: list) -> list[dict]:
    """The messages waiting in `queue` for `task` with these arguments."""
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    messages = [json.loads(raw) for raw in broker.lrange(queue, 0, -1)]
    return [
        m
        for m in messages
        if m["headers"]["task"] == task and json.loads(base64.b64decode(m["body"]))[0] == args
    ]


def test_queue_run_sends_execute_run_by_name_to_the_runs_queue(broker_clean):
    run = f.RunFactory()
    queue_run(run)

    (message,) = _sent(run.queue, EXECUTE_RUN, [run.pk])
    assert message["headers"]["timelimit"] == [
        settings.CELERY_TASK_TIME_LIMIT,
        settings.CELERY_TASK_SOFT_TIME_LIMIT,
    ]
    assert EvaluationRun.objects.get(pk=run.pk).dispatched_at is not None


def test_the_alert_email_is_sent_by_name_to_the_housekeeping_queue(broker_clean):
    email_alert_queue(987_654_321)

    assert len(_sent("housekeeping", EMAIL_ALERT, [987_654_321])) == 1


def test_the_names_sent_are_registered_tasks():
    from procure.celery import app

    app.loader.import_default_modules()
    sent = {EXECUTE_RUN, EMAIL_ALERT, COMPARE, GENERATE_FOR_CAMPAIGN, *RECONCILE_ABOVE}
    assert sent <= set(app.tasks)
