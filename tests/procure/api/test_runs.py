import pytest

from procure.runs.models import RunStatus
from tests import factories as f

from .conftest import errors, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(org):
    run = f.RunFactory(
        organization=org, status=RunStatus.SUCCEEDED, progress_done=40, progress_total=40
    )
    f.MetricResultFactory(run=run, metric="acc", value=0.7, stderr=0.03)
    f.MetricResultFactory(run=run, metric="acc_norm", value=0.6, stderr=float("nan"))
    for doc in range(30):
        f.SampleResultFactory(run=run, doc_id=doc, value=doc % 2)
    return run


def test_a_run_shows_its_metrics(viewer_api, run):
    response = viewer_api.get(url(f"runs/{run.pk}/"))

    assert response.status_code == 200
    body = response.json()
    assert body["progress"] == {"done": 40, "total": 40}
    assert body["error"] is None
    assert {m["metric"]: (m["value"], m["stderr"]) for m in body["metrics"]} == {
        "acc": (0.7, 0.03),
        "acc_norm": (0.6, None),  # NaN has no JSON: it reads as unknown
    }


def test_samples_are_paginated_and_filterable(viewer_api, run):
    first = viewer_api.get(url(f"runs/{run.pk}/samples/?limit=10")).json()
    second = viewer_api.get(first["next"]).json()
    one = viewer_api.get(url(f"runs/{run.pk}/samples/?doc_id=7")).json()

    assert first["count"] == 30
    assert [s["doc_id"] for s in first["results"]] == list(range(10))
    assert [s["doc_id"] for s in second["results"]] == list(range(10, 20))
    assert one["results"] == [
        {"task": "legal_cloze", "doc_id": 7, "metric": "acc", "filter": "none", "value": 1.0}
    ]


@pytest.mark.parametrize("query", ["doc_id=seven", "limit=10&offset=99999999999999999999999"])
def test_odd_sample_queries_never_fail(viewer_api, run, query):
    response = viewer_api.get(url(f"runs/{run.pk}/samples/?{query}"))

    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert response.json()["results"] == []


def test_it_lists_runs_by_campaign_and_status(viewer_api, org, run, django_assert_max_num_queries):
    campaign = f.CampaignFactory(organization=org)
    for _ in range(8):
        campaign.runs.add(f.RunFactory(organization=org, status=RunStatus.QUEUED))

    with django_assert_max_num_queries(5):
        body = viewer_api.get(url(f"runs/?campaign={campaign.pk}")).json()

    assert body["count"] == 8
    assert viewer_api.get(url("runs/?status=succeeded")).json()["results"][0]["id"] == run.pk
    assert "status" in errors(viewer_api.get(url("runs/?status=exploded")))


def test_an_editor_retries_a_failed_run(api, org):
    failed = f.RunFactory(organization=org, status=RunStatus.FAILED, error_kind="model")

    response = api.post(url(f"runs/{failed.pk}/retry/"))

    assert response.status_code == 200
    assert response.json()["status"] == "queued"
    assert response.json()["error"] is None


def test_a_run_that_is_not_failed_cannot_be_retried(api, run):
    response = api.post(url(f"runs/{run.pk}/retry/"))

    assert response.status_code == 409
    assert "only failed or cancelled runs retry" in response.json()["detail"]


def test_another_organisations_run_is_not_found(api):
    other = f.RunFactory()

    for path in ("", "samples/"):
        assert api.get(url(f"runs/{other.pk}/{path}")).status_code == 404
    assert api.post(url(f"runs/{other.pk}/retry/")).status_code == 404
