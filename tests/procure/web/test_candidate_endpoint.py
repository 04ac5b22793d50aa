"""The candidate page shows what its endpoint can do and how it served our runs."""

from django.utils import timezone

from evals.probe import EndpointCapabilities
from procure.runs.models import EvaluationRun, RunStatus
from tests import factories as f

from .conftest import page, text


def test_the_page_shows_the_probe_and_measured_serving_figures(viewer, org):
    candidate = f.CandidateFactory(organization=org)
    found = EndpointCapabilities(
        reachable=True,
        string_prompts=True,
        token_prompts=False,
        prompt_logprobs=False,
        notes=("token-id prompt: HTTP 400: prompt must be a string.",),
    )
    f.EvaluationAccessFactory(
        candidate=candidate,
        backend="local-completions",
        identity="served",
        options={"base_url": "http://127.0.0.1:9/v1/completions", "tokenizer": "/t"},
        capabilities=found.as_dict(),
        probed_at=timezone.now(),
    )
    EvaluationRun.objects.create(
        organization=org,
        candidate=candidate,
        suite_version=f.SuiteVersionFactory(suite__organization=org),
        fingerprint="f" * 64,
        status=RunStatus.SUCCEEDED,
        finished_at=timezone.now(),
        requests_per_second=3.5,
        latency_p50_ms=180.4,
        latency_p95_ms=612.9,
        output_tokens_per_second=41.25,
    )

    body = text(viewer.get(page(f"catalog/{candidate.pk}/")))

    assert "What the endpoint can do" in body
    assert "A log-probability for every prompt token (echo)</dt><dd>no" in body
    assert "prompt must be a string." in body
    assert "180 ms / 613 ms" in body and "41.3" in body
