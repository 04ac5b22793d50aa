"""The broker and the database restarted in the middle of a campaign: nothing lost, nothing
half-stored, the campaign finishes."""

from __future__ import annotations

import time

import pytest
import redis

from procure.runs.models import (
    Campaign,
    CampaignStatus,
    EvaluationRun,
    MetricResult,
    RunStatus,
    SampleResult,
)
from tests import factories as f
from tests.fault.conftest import tolerant
from tests.support.evalkit import synthetic_campaign
from tests.support.figures import record_figure
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.slow]


def finished(campaign: Campaign) -> Campaign | None:
    campaign.refresh_from_db()
    return None if campaign.status == CampaignStatus.RUNNING else campaign


def incomplete_runs(campaign: Campaign, items: int) -> int:
    """Runs whose stored results are not exactly one full set (a partial or doubled write)."""
    bad = 0
    for run in EvaluationRun.objects.filter(campaigns=campaign):
        metrics = MetricResult.objects.filter(run=run, metric="acc").count()
        samples = SampleResult.objects.filter(run=run, metric="acc").count()
        expected = (1, items) if run.status == RunStatus.SUCCEEDED else (0, 0)
        bad += (metrics, samples) != expected
    return bad


def test_a_redis_restart_mid_campaign_loses_no_run(workers, beat, private_services, tmp_path):
    org = f.OrganizationFactory()
    campaign = synthetic_campaign(org, tmp_path, candidates=2, suites=3, items=150)
    runs = EvaluationRun.objects.filter(campaigns=campaign)
    wait_for(lambda: runs.filter(status=RunStatus.SUCCEEDED).exists(), timeout=120)

    broker = redis.Redis(port=private_services.redis.port)
    waiting = sum(broker.llen(queue) for queue in ("eval_cpu", "housekeeping"))
    queued = runs.filter(status=RunStatus.QUEUED).count()
    # Redis keeps nothing on disk (as on these machines): every waiting message is gone.
    private_services.redis.restart()
    started = time.monotonic()
    assert wait_for(lambda: finished(campaign), timeout=180).status == CampaignStatus.SUCCEEDED

    suite = "fault: Redis restarted mid-campaign"
    record_figure(suite, "runs queued when Redis restarted", queued)
    record_figure(suite, "messages lost with it", waiting)
    record_figure(suite, "runs finished", runs.filter(status=RunStatus.SUCCEEDED).count())
    record_figure(suite, "runs lost", runs.exclude(status=RunStatus.SUCCEEDED).count())
    record_figure(suite, "seconds from restart to finished", round(time.monotonic() - started, 1))
    assert queued >= 1, "the restart came too late to lose anything; the test proved nothing"
    assert runs.count() == 6 and incomplete_runs(campaign, 150) == 0


def test_a_postgres_restart_while_workers_write_leaves_no_partial_results(
    workers, beat, private_services, tmp_path
):
    org = f.OrganizationFactory()
    items = 600
    campaign = synthetic_campaign(org, tmp_path, candidates=2, suites=2, items=items)
    runs = EvaluationRun.objects.filter(campaigns=campaign)

    restarts, interrupted = 0, 0
    for _ in range(2):
        # While both workers are in the middle of a run, writing progress and heartbeats.
        wait_for(
            tolerant(lambda: runs.filter(status=RunStatus.RUNNING, progress_done__gt=0).exists()),
            timeout=120,
            interval=0.05,
        )
        interrupted += runs.filter(status=RunStatus.RUNNING).count()
        private_services.postgres.restart()
        restarts += 1
        time.sleep(1.5)  # let the workers reconnect and write again before the next one
    done = wait_for(tolerant(lambda: finished(campaign)), timeout=240)

    suite = "fault: PostgreSQL restarted while workers write"
    record_figure(suite, "restarts", restarts)
    record_figure(suite, "runs running at a restart", interrupted)
    record_figure(suite, "runs finished", runs.filter(status=RunStatus.SUCCEEDED).count())
    record_figure(suite, "runs with partial or doubled results", incomplete_runs(campaign, items))
    assert done.status == CampaignStatus.SUCCEEDED, list(runs.values("status", "error_message"))
    assert incomplete_runs(campaign, items) == 0
    assert not runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).exists()
