"""Campaigns on real worker processes, real Redis and real lm-eval runs on tiny real models."""

import time

import pytest

from procure.reports.models import ReportSnapshot
from procure.runs.housekeeping import runs_requeue_stale
from procure.runs.models import (
    Campaign,
    CampaignRun,
    CampaignStatus,
    EvaluationRun,
    MetricResult,
    RunStatus,
    SampleResult,
)
from procure.runs.planning import campaign_launch
from tests import factories as f
from tests.support.evalkit import (
    SAMPLE_SUITES,
    hf_candidate,
    profile_with,
    synthetic_suite,
    tiny_checkpoint,
    upload_dir,
)
from tests.support.waiting import wait_for

pytestmark = [pytest.mark.services, pytest.mark.slow]


def finished(campaign: Campaign) -> Campaign | None:
    campaign.refresh_from_db()
    return None if campaign.status == CampaignStatus.RUNNING else campaign


def test_a_campaign_runs_on_a_real_worker_and_stores_metrics_and_samples(celery_worker):
    org = f.OrganizationFactory()
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    model = hf_candidate(org, "Tiny", tiny_checkpoint())
    profile = profile_with(org, "Contracts", [version])

    campaign = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])
    wait_for(lambda: finished(campaign))

    assert campaign.status == CampaignStatus.SUCCEEDED
    run = campaign.runs.get()
    assert run.status == RunStatus.SUCCEEDED
    assert run.attempts == 1
    assert run.progress_total > 0 and run.progress_done == run.progress_total
    acc = MetricResult.objects.get(run=run, metric="acc")
    assert acc.n == 20 and 0 <= acc.value <= 1 and acc.stderr is not None and acc.stderr > 0
    scores = SampleResult.objects.filter(run=run, metric="acc")
    assert sorted(scores.values_list("doc_id", flat=True)) == list(range(20))
    assert sum(scores.values_list("value", flat=True)) / 20 == pytest.approx(acc.value)
    assert run.lm_eval_version == "0.4.13"


def test_the_same_campaign_again_queues_nothing_and_a_changed_suite_reruns_only_its_runs(
    celery_worker, tmp_path
):
    org = f.OrganizationFactory()
    terms = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    synthetic = upload_dir(org, "Synthetic", synthetic_suite(tmp_path / "s", items=30))
    models = [hf_candidate(org, f"Tiny {seed}", tiny_checkpoint(seed=seed)) for seed in (0, 1)]
    profile = profile_with(org, "Contracts", [terms, synthetic])
    ids = [m.pk for m in models]

    first = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=ids)
    wait_for(lambda: finished(first))
    assert first.status == CampaignStatus.SUCCEEDED
    assert first.runs.count() == 4

    again = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=ids)
    assert CampaignRun.objects.filter(campaign=again, reused=False).count() == 0
    assert set(again.runs.all()) == set(first.runs.all())
    assert wait_for(lambda: finished(again)).status == CampaignStatus.SUCCEEDED

    changed = upload_dir(org, "Synthetic", synthetic_suite(tmp_path / "s2", items=31))
    assert changed.number == 2
    third = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=ids)
    new_runs = EvaluationRun.objects.filter(campaignrun__campaign=third, campaignrun__reused=False)
    assert {run.suite_version for run in new_runs} == {changed}
    assert new_runs.count() == 2
    assert wait_for(lambda: finished(third)).status == CampaignStatus.SUCCEEDED
    # The worker writes the campaign's report next: let it finish before the test database is
    # emptied, or its reads and the TRUNCATE can deadlock.
    wait_for(lambda: ReportSnapshot.objects.filter(campaign=third).exists(), timeout=60)


def test_a_worker_killed_mid_run_leaves_the_run_completed_exactly_once(celery_worker, tmp_path):
    org = f.OrganizationFactory()
    version = upload_dir(org, "Long", synthetic_suite(tmp_path / "long", items=2000))
    model = hf_candidate(org, "Tiny", tiny_checkpoint())
    profile = profile_with(org, "Contracts", [version])

    campaign = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])
    run = campaign.runs.get()
    wait_for(lambda: EvaluationRun.objects.filter(pk=run.pk, progress_done__gt=0).exists())
    celery_worker.kill()
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # killed mid-run, with no chance to clean up

    celery_worker.start()
    # Housekeeping (beat runs it every 30 s) re-sends the run once its heartbeat is stale.
    requeued = wait_for(lambda: runs_requeue_stale(), timeout=30, interval=0.5)
    assert requeued == [run.pk]
    wait_for(lambda: finished(campaign), timeout=180)

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert run.attempts == 2
    assert MetricResult.objects.filter(run=run, metric="acc").count() == 1
    assert SampleResult.objects.filter(run=run, metric="acc").count() == 2000
    assert not EvaluationRun.objects.filter(status=RunStatus.RUNNING).exists()
    time.sleep(1)  # a late duplicate message must still change nothing
    assert (
        SampleResult.objects.filter(run=run).count()
        == SampleResult.objects.filter(run=run)
        .values("task", "doc_id", "metric", "filter")
        .distinct()
        .count()
    )
