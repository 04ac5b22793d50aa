import pytest
from django.conf import settings

from procure.celery import QUEUES, app
from procure.core.tasks import ping

pytestmark = pytest.mark.services


def test_a_task_sent_by_the_web_side_completes_on_a_real_worker(celery_worker):
    assert not app.conf.task_always_eager  # the point of this test is a real worker

    result = ping.delay("hello")

    assert result.get(timeout=30) == {
        "token": "hello",
        "database": settings.DATABASES["default"]["NAME"],
    }


def test_the_app_is_configured_for_long_reliable_jobs():
    conf = app.conf
    assert conf.broker_url.startswith("redis://")
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_reject_on_worker_lost is True
    assert conf.task_time_limit and conf.task_soft_time_limit < conf.task_time_limit
    assert conf.broker_transport_options["visibility_timeout"] > conf.task_time_limit
    assert {q.name for q in conf.task_queues} == set(QUEUES)
    assert set(QUEUES) == {"eval_cpu", "eval_api", "eval_gpu", "housekeeping"}
