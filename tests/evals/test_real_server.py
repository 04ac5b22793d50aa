"""The endpoint path against a real server (`transformers serve`), not only our mock."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests

from evals.backends import classify_model_failure
from evals.probe import EndpointCapabilities, merged_run_options, probe_endpoint
from evals.runner import run
from evals.spec import (
    EndpointUnreachable,
    EvalError,
    ModelError,
    ModelSpec,
    RateLimited,
    RunResult,
    RunSpec,
)
from tests.evals.real_server import RealServer
from tests.evals.support import GEN_TASK, hf_model, suite_dir_fixture

__all__ = ["suite_dir_fixture"]  # fixtures by name (real_server: tests/conftest.py)

# The worker's default (settings.RUN_BATCH_SIZE): the endpoint must work on stock settings.
STOCK_BATCH_SIZE = 32


def _encoder(checkpoint: Path):  # type: ignore[no-untyped-def]
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(checkpoint, local_files_only=True)
    return lambda text: list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _probe(server: RealServer, backend: str) -> EndpointCapabilities:
    suffix = "/completions" if backend == "local-completions" else "/chat/completions"
    return probe_endpoint(
        backend=backend,
        url=server.base_url + suffix,
        model=server.model,
        encode=_encoder(server.checkpoint),
    )


def _endpoint_model(server: RealServer, backend: str) -> ModelSpec:
    if backend == "local-completions":
        options = {"base_url": f"{server.base_url}/completions", "tokenizer": server.model}
    else:
        options = {"base_url": f"{server.base_url}/chat/completions"}
    merged = merged_run_options(options, _probe(server, backend), backend)
    return ModelSpec(backend, server.model, options=merged)  # type: ignore[arg-type]


def _per_item(result: RunResult) -> dict[int, float]:
    return {s.doc_id: s.value for s in result.samples if s.metric == "exact_match"}


def test_the_probe_reports_what_transformers_serve_can_and_cannot_do(
    real_server: RealServer,
) -> None:
    found = _probe(real_server, "local-completions")

    assert found.reachable and found.model_listed
    assert found.string_prompts and found.chat
    # It takes one string prompt per request, no token ids, and ignores echo/logprobs.
    assert found.token_prompts is False and found.batched_prompts is False
    assert found.prompt_logprobs is False
    assert found.includes_stop is True
    assert any("prompt must be a string" in note for note in found.notes)


def test_runs_on_it_send_one_string_prompt_per_request(real_server: RealServer) -> None:
    options = _endpoint_model(real_server, "local-completions").options

    assert options["tokenized_requests"] == "false"
    assert options["batch_size"] == "1"


@pytest.mark.slow
def test_hf_completions_and_chat_score_every_generated_item_identically(
    real_server: RealServer, suite_dir: Path
) -> None:
    tasks = (GEN_TASK,)
    results = {
        backend: run(RunSpec(model, str(suite_dir), tasks, batch_size=STOCK_BATCH_SIZE), warm=False)
        for backend, model in {
            "hf": hf_model(real_server.checkpoint),
            "completions": _endpoint_model(real_server, "local-completions"),
            "chat": _endpoint_model(real_server, "local-chat-completions"),
        }.items()
    }

    scores = {backend: _per_item(result) for backend, result in results.items()}
    assert len(scores["hf"]) == 24
    assert scores["completions"] == scores["hf"]
    assert scores["chat"] == scores["hf"]
    assert 0 < sum(scores["hf"].values()) < 24  # the comparison is not all-zero or all-one
    assert _share_of_raw_outputs_with_a_stop(real_server, suite_dir) >= 1 / 3


def _share_of_raw_outputs_with_a_stop(server: RealServer, suite_dir: Path) -> float:
    """Ask the server itself what it returns for each item's prompt, as lm-eval asks."""
    stops = [".", "\n"]
    rows = [json.loads(line) for line in (suite_dir / "items.jsonl").read_text().splitlines()]
    with_stop = 0
    for row in rows:
        body = {"model": server.model, "prompt": row["text"], "max_tokens": 6, "stop": stops}
        answer = requests.post(f"{server.base_url}/completions", json=body, timeout=30)
        answer.raise_for_status()
        text = answer.json()["choices"][0]["text"]
        with_stop += any(stop in text for stop in stops)
    return with_stop / len(rows)


def test_a_deterministic_server_error_fails_at_once_quoting_the_server(
    real_server: RealServer, suite_dir: Path
) -> None:
    model = _endpoint_model(real_server, "local-completions")
    wrong_name = ModelSpec(model.backend, "not-the-served-model", options=model.options)

    with pytest.raises(ModelError) as failed:
        run(RunSpec(wrong_name, str(suite_dir), (GEN_TASK,), limit=2), warm=False)

    assert not failed.value.retryable
    assert "HTTP 400" in str(failed.value)
    assert f"Server is pinned to '{real_server.model}'" in str(failed.value)


def _http_error(status: int, body: dict[str, str]) -> requests.HTTPError:
    response = requests.Response()
    response.status_code, response._content = status, json.dumps(body).encode()
    return requests.HTTPError(response=response)


@pytest.mark.parametrize(
    ("status", "said", "kind"),
    [
        (400, "prompt must be a string.", ModelError),
        (500, "This model's maximum context length is 128 tokens", ModelError),
        (500, "Cannot use chat template functions: no chat template is set", ModelError),
        (500, "The server had an error.", EndpointUnreachable),
        (503, "Service Unavailable", EndpointUnreachable),
        (429, "Slow down", RateLimited),
    ],
)
def test_server_errors_are_classified_by_what_the_server_said(
    status: int, said: str, kind: type[EvalError]
) -> None:
    model = ModelSpec("local-completions", "m", options={"base_url": "http://h/v1/completions"})

    error = classify_model_failure(_http_error(status, {"detail": said}), model)

    assert type(error) is kind
    assert said in str(error) and f"HTTP {status}" in str(error)
    assert error.retryable == (kind is not ModelError)
