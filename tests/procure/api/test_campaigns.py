import pytest

from procure.runs.models import Campaign, CampaignStatus, EvaluationRun, RunStatus
from tests import factories as f
from tests.support.evalkit import (
    SAMPLE_SUITES,
    hf_candidate,
    profile_with,
    tiny_checkpoint,
    upload_dir,
)

from .conftest import errors, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(org):
    version = upload_dir(org, "Legal terms", SAMPLE_SUITES / "legal_terms")
    model = hf_candidate(org, "Local", tiny_checkpoint())
    profile = profile_with(org, "Contracts", [version])
    return {"profile": profile.pk, "candidates": [model.pk]}


def test_the_estimate_says_what_a_launch_would_queue(viewer_api, setup):
    response = viewer_api.post(url("campaigns/estimate/"), setup, format="json")

    assert response.status_code == 200, response.content
    plan = response.json()
    assert plan["problems"] == []
    assert plan["runs_to_queue"] == 1 and plan["runs_reused"] == 0
    assert plan["items_to_evaluate"] == 20
    (run,) = plan["runs"]
    assert run["candidate_name"] == "Local" and run["suite_name"] == "Legal terms"
    assert run["reused"] is False and run["existing_run"] is None
    assert not Campaign.objects.exists()


def test_the_estimate_lists_problems_instead_of_failing(viewer_api, org, setup):
    no_access = f.CandidateFactory(organization=org, name="Unreachable")

    plan = viewer_api.post(
        url("campaigns/estimate/"),
        {**setup, "candidates": [*setup["candidates"], no_access.pk]},
        format="json",
    ).json()

    assert any("Unreachable has no evaluation access" in p for p in plan["problems"])


def test_an_editor_launches_and_follows_a_campaign(api, setup):
    response = api.post(url("campaigns/"), {**setup, "eval_settings": {"limit": 5}}, format="json")

    assert response.status_code == 201, response.content
    campaign = response.json()
    assert campaign["status"] == "running"
    assert campaign["eval_settings"]["limit"] == 5
    (run,) = campaign["runs"]
    assert run["status"] == "queued" and run["reused"] is False
    assert run["progress"] == {"done": 0, "total": 0}

    EvaluationRun.objects.filter(pk=run["id"]).update(
        status=RunStatus.FAILED, error_kind="model", error_message="out of memory"
    )
    status = api.get(url(f"campaigns/{campaign['id']}/")).json()
    assert status["runs"][0]["error"] == {"kind": "model", "message": "out of memory"}
    assert status["run_count"] == 1 and status["runs_finished"] == 1


def test_launching_the_same_work_again_reuses_the_run(api, setup):
    first = api.post(url("campaigns/"), setup, format="json").json()
    EvaluationRun.objects.filter(pk=first["runs"][0]["id"]).update(status=RunStatus.SUCCEEDED)

    again = api.post(url("campaigns/"), setup, format="json").json()

    assert again["runs"][0]["id"] == first["runs"][0]["id"]
    assert again["runs"][0]["reused"] is True


def test_a_launch_that_cannot_run_is_refused_with_reasons(api, org, setup):
    no_access = f.CandidateFactory(organization=org, name="Unreachable")

    problems = errors(
        api.post(url("campaigns/"), {**setup, "candidates": [no_access.pk]}, format="json")
    )

    assert "Unreachable has no evaluation access" in problems["non_field_errors"][0]
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("change", "place"),
    [
        ({"candidates": []}, "candidates"),
        ({"candidates": ["one"]}, "candidates[0]"),
        ({"candidates": [10**40]}, "candidates[0]"),
        ({"profile": None}, "profile"),
        ({"profile": 10**6}, "profile"),
        ({"eval_settings": {"num_fewshot": 99}}, "eval_settings.num_fewshot"),
        ({"eval_settings": {"temperature": 1}}, "eval_settings.temperature"),
        ({"extra": 1}, "extra"),
    ],
)
def test_bad_launch_input_is_a_field_error(api, setup, change, place):
    for path in ("campaigns/", "campaigns/estimate/"):
        assert place in errors(api.post(url(path), {**setup, **change}, format="json"))


def test_another_organisations_profile_is_no_profile(api, setup):
    foreign = f.ProfileFactory()

    problems = errors(api.post(url("campaigns/"), {**setup, "profile": foreign.pk}, format="json"))

    assert problems == {"profile": ["No such profile in this organisation."]}


def test_an_editor_cancels_a_campaign(api, setup):
    campaign = api.post(url("campaigns/"), setup, format="json").json()

    response = api.post(url(f"campaigns/{campaign['id']}/cancel/"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["runs"][0]["status"] == "cancelled"


def test_it_lists_campaigns_with_counts_in_a_few_queries(
    viewer_api, org, django_assert_max_num_queries
):
    for _ in range(5):
        campaign = f.CampaignFactory(organization=org)
        for status in (RunStatus.SUCCEEDED, RunStatus.QUEUED):
            campaign.runs.add(f.RunFactory(organization=org, status=status))
    f.CampaignFactory(organization=org, status=CampaignStatus.CANCELLED)
    f.CampaignFactory()

    with django_assert_max_num_queries(5):
        body = viewer_api.get(url("campaigns/?status=running")).json()

    assert body["count"] == 5
    assert {(c["run_count"], c["runs_finished"]) for c in body["results"]} == {(2, 1)}
    assert errors(viewer_api.get(url("campaigns/?status=sleeping")))


def test_the_status_of_a_big_campaign_costs_a_few_queries(
    viewer_api, org, django_assert_max_num_queries
):
    campaign = f.CampaignFactory(organization=org)
    for _ in range(10):
        campaign.runs.add(f.RunFactory(organization=org))

    with django_assert_max_num_queries(7):
        body = viewer_api.get(url(f"campaigns/{campaign.pk}/")).json()

    assert len(body["runs"]) == 10


def test_another_organisations_campaign_is_not_found(api):
    campaign = f.CampaignFactory()

    assert api.get(url(f"campaigns/{campaign.pk}/")).status_code == 404
    assert api.post(url(f"campaigns/{campaign.pk}/cancel/")).status_code == 404
