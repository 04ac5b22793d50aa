from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from procure.catalog.models import EvaluationAccess
from procure.runs.models import CampaignRun, EvaluationRun, RunStatus
from procure.runs.planning import CampaignRefused, campaign_launch, campaign_plan
from procure.runs.services import RunNotRetryable, campaign_cancel, run_retry
from tests import factories as f
from tests.support.evalkit import SAMPLE_SUITES, hf_candidate, profile_with, upload_dir

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(tmp_path):
    org = f.OrganizationFactory()
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    checkpoint = tmp_path / "ckpt"
    checkpoint.mkdir()
    (checkpoint / "config.json").write_text("{}")
    model = hf_candidate(org, "Local", checkpoint)
    profile = profile_with(org, "Contracts", [version])
    return org, version, model, profile


def test_the_plan_names_every_run_with_its_fingerprint_and_size(setup):
    org, version, model, profile = setup

    plan = campaign_plan(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])

    assert not plan.problems
    (planned,) = plan.runs
    assert planned.queue == "eval_cpu"
    assert planned.items == 20
    assert planned.fingerprint_parts["suite_hash"] == version.content_hash
    assert planned.fingerprint_parts["lm_eval"] == "0.4.13"
    assert "checkpoint_digest" in planned.fingerprint_parts["model"]
    assert plan.items_to_evaluate == 20


def test_a_rebuilt_checkpoint_changes_the_fingerprint(setup):
    org, _, model, profile = setup
    before = campaign_plan(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])

    checkpoint = Path(EvaluationAccess.objects.get(candidate=model).identity)
    (checkpoint / "config.json").write_text('{"n_layer": 3}')
    after = campaign_plan(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])

    assert before.runs[0].fingerprint != after.runs[0].fingerprint


def test_a_chat_only_endpoint_is_refused_before_queueing_a_likelihood_suite(setup):
    org, _, model, profile = setup
    EvaluationAccess.objects.filter(candidate=model).update(
        backend="local-chat-completions",
        identity="served-model",
        options={"base_url": "http://127.0.0.1:9/v1/chat/completions"},
    )

    with pytest.raises(CampaignRefused) as refused:
        campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])

    (problem,) = refused.value.problems
    assert "chat-only endpoint" in problem and "Legal terms" in problem
    assert not EvaluationRun.objects.exists()


def test_a_candidate_without_evaluation_access_is_named(setup):
    org, _, _, profile = setup
    bare = f.CandidateFactory(organization=org, name="Unreachable")

    plan = campaign_plan(organization=org, profile_id=profile.pk, candidate_ids=[bare.pk])

    assert plan.problems == (
        "Unreachable has no evaluation access: register how to reach the model (a checkpoint "
        "or an endpoint) before evaluating it.",
    )


def test_another_organisations_candidate_cannot_be_evaluated(setup):
    org, _, _, profile = setup
    theirs = f.CandidateFactory()

    plan = campaign_plan(organization=org, profile_id=profile.pk, candidate_ids=[theirs.pk])

    assert f"No candidate with id {theirs.pk} here." in plan.problems


def test_two_launches_of_the_same_work_share_one_run(setup, django_capture_on_commit_callbacks):
    org, _, model, profile = setup

    with django_capture_on_commit_callbacks() as callbacks:
        first = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])
        second = campaign_launch(organization=org, profile_id=profile.pk, candidate_ids=[model.pk])

    assert EvaluationRun.objects.count() == 1
    assert CampaignRun.objects.get(campaign=first).reused is False
    assert CampaignRun.objects.get(campaign=second).reused is True
    assert len(callbacks) == 3  # one message for the one new run, two campaign refreshes


def test_the_database_refuses_a_second_live_run_with_the_same_fingerprint(setup):
    org, version, model, _ = setup
    f.RunFactory(organization=org, candidate=model, suite_version=version, fingerprint="a" * 64)

    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        f.RunFactory(organization=org, candidate=model, suite_version=version, fingerprint="a" * 64)

    assert "one_live_run_per_fingerprint" in str(excinfo.value)


def test_cancelling_stops_runs_only_this_campaign_needs(setup, django_capture_on_commit_callbacks):
    org, _, model, profile = setup
    with django_capture_on_commit_callbacks():
        campaign = campaign_launch(
            organization=org, profile_id=profile.pk, candidate_ids=[model.pk]
        )

    campaign_cancel(organization=org, campaign_id=campaign.pk)

    assert campaign.runs.get().status == RunStatus.CANCELLED


def test_a_failed_run_can_be_retried_once_and_reopens_its_campaign(
    setup, django_capture_on_commit_callbacks
):
    org, _, model, profile = setup
    with django_capture_on_commit_callbacks():
        campaign = campaign_launch(
            organization=org, profile_id=profile.pk, candidate_ids=[model.pk]
        )
    run = campaign.runs.get()
    EvaluationRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error_message="x")
    campaign.status = "failed"
    campaign.save()

    with django_capture_on_commit_callbacks() as callbacks:
        run_retry(organization=org, run_id=run.pk)

    run.refresh_from_db()
    campaign.refresh_from_db()
    assert (run.status, run.error_message, campaign.status) == ("queued", "", "running")
    assert len(callbacks) == 1
    with pytest.raises(RunNotRetryable):
        run_retry(organization=org, run_id=run.pk)
