"""Measured serving figures: request latency percentiles and output tokens per second."""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.runner import run
from evals.serving import RequestTimer, percentile
from evals.spec import RunSpec
from tests.evals.support import (
    API_KEY,
    GEN_TASK,
    checkpoint_fixture,
    completions_model,
    hf_model,
    server_fixture,
    suite_dir_fixture,
)

__all__ = ["checkpoint_fixture", "server_fixture", "suite_dir_fixture"]  # fixtures by name


def test_percentiles_are_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0


class _FakeAPI:
    def model_call(self, messages: list[str], **kwargs: object) -> dict[str, object]:
        return {"choices": [], "usage": {"completion_tokens": 3}}

    async def amodel_call(self, *args: object, **kwargs: object) -> list[str]:
        return []


def test_the_timer_counts_every_request_and_lets_go_of_the_model_after() -> None:
    lm, timer = _FakeAPI(), RequestTimer()
    with timer.attached(lm):
        for _ in range(4):
            lm.model_call(["x"])

    figures = timer.figures()
    assert figures is not None and figures.requests == 4
    assert 0 <= figures.latency_p50_ms <= figures.latency_p95_ms
    assert figures.output_tokens_per_second is not None and figures.output_tokens_per_second > 0
    assert "model_call" not in vars(lm)  # the class's method again


@pytest.mark.slow
def test_an_endpoint_run_reports_measured_latency_and_a_local_run_does_not(
    checkpoint: Path, suite_dir: Path, server: str
) -> None:
    model = completions_model(server, checkpoint)
    served = run(RunSpec(model, str(suite_dir), (GEN_TASK,), limit=6, api_key=API_KEY), warm=False)
    local = run(RunSpec(hf_model(checkpoint), str(suite_dir), (GEN_TASK,), limit=6), warm=False)

    assert served.latency_p95_ms is not None and served.latency_p50_ms is not None
    assert 0 < served.latency_p50_ms <= served.latency_p95_ms
    assert served.output_tokens_per_second and served.output_tokens_per_second > 0
    assert local.latency_p95_ms is None and local.output_tokens_per_second is None
