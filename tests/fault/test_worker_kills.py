"""20 runs while workers are SIGKILLed at random points: each run succeeds exactly once."""

from __future__ import annotations

import random
import time
from datetime import timedelta

import pytest
from django.db.models import QuerySet
from django.utils import timezone

from procure.runs.models import (
    Campaign,
    CampaignStatus,
    EvaluationRun,
    MetricResult,
    RunStatus,
    SampleResult,
)
from tests import factories as f
from tests.support.evalkit import synthetic_campaign
from tests.support.figures import record_figure
from tests.support.worker import WorkerProcess

pytestmark = [pytest.mark.fault, pytest.mark.services, pytest.mark.slow]

CANDIDATES, SUITES, ITEMS = 4, 5, 100
MAX_KILLS = 5


def test_runs_survive_random_sigkills_and_each_succeeds_exactly_once(workers, beat, tmp_path):
    org = f.OrganizationFactory()
    campaign = synthetic_campaign(org, tmp_path, candidates=CANDIDATES, suites=SUITES, items=ITEMS)
    runs = EvaluationRun.objects.filter(campaigns=campaign)
    assert runs.count() == CANDIDATES * SUITES == 20

    rng = random.Random(20261201)  # the kill points are random, and the same every time
    kills = kills_mid_run = 0
    started = time.monotonic()
    while not finished(campaign) and time.monotonic() - started < 300:
        time.sleep(rng.uniform(0.5, 4.0))
        if kills >= MAX_KILLS or finished(campaign):
            continue
        # A random moment, and a worker in the middle of a run where there is one: a kill
        # between runs proves little.
        alive = [worker for worker in workers if worker.alive]
        busy = [worker for worker in alive if evaluating(runs, worker)]
        victim = rng.choice(busy or alive)
        mid_run = bool(busy)
        victim.kill()
        kills += 1
        kills_mid_run += mid_run
        # Back without waiting for it: the other worker goes on meanwhile, as in production.
        victim.launch()
    elapsed = time.monotonic() - started

    campaign.refresh_from_db()
    statuses = list(runs.values_list("status", flat=True))
    record_figure("fault: worker SIGKILL", "runs attempted", len(statuses))
    record_figure(
        "fault: worker SIGKILL",
        "runs finished exactly once",
        sum(status == RunStatus.SUCCEEDED for status in statuses),
    )
    record_figure("fault: worker SIGKILL", "SIGKILLs", kills)
    record_figure("fault: worker SIGKILL", "SIGKILLs of a worker holding a run", kills_mid_run)
    record_figure(
        "fault: worker SIGKILL", "runs delivered again", runs.filter(attempts__gt=1).count()
    )
    record_figure(
        "fault: worker SIGKILL",
        "attempts in all (one per run without kills)",
        sum(runs.values_list("attempts", flat=True)),
    )
    record_figure("fault: worker SIGKILL", "seconds to finish", round(elapsed, 1))
    stuck = runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).count()
    duplicated = sum(not stored_once(run) for run in runs)
    record_figure("fault: worker SIGKILL", "runs stuck", stuck)
    record_figure("fault: worker SIGKILL", "runs with missing or duplicate results", duplicated)
    assert campaign.status == CampaignStatus.SUCCEEDED, statuses
    # A kill that interrupted a run shows as a run claimed again (a busy worker may also finish
    # its run between our look and the kill).
    assert runs.filter(attempts__gt=1).exists(), "no kill interrupted a run: it proved nothing"
    assert stuck == 0 and duplicated == 0


def evaluating(runs: QuerySet[EvaluationRun], worker: WorkerProcess) -> bool:
    """The worker holds a claimed run (loading the model, evaluating or storing results) and is
    alive: its heartbeat is fresh, so this is not the claim of its killed predecessor."""
    return runs.filter(
        status=RunStatus.RUNNING,
        worker__startswith=f"{worker.hostname}:",
        heartbeat_at__gte=timezone.now() - timedelta(seconds=2),
    ).exists()


def stored_once(run: EvaluationRun) -> bool:
    """One stored set of results: one metric row, one score per item, none twice."""
    samples = SampleResult.objects.filter(run=run, metric="acc")
    return (
        MetricResult.objects.filter(run=run, metric="acc").count() == 1
        and samples.count() == ITEMS
        and samples.values("doc_id").distinct().count() == ITEMS
    )


def finished(campaign: Campaign) -> bool:
    campaign.refresh_from_db()
    return campaign.status != CampaignStatus.RUNNING
