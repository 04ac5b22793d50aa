"""`evals.run` against OpenAI-compatible endpoints: parity with hf, secrets, failures."""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evals.openai_server import serve_in_thread
from evals.redact import REDACTED, redact, redact_error
from evals.runner import API_KEY_ENV, run
from evals.spec import (
    AuthenticationRefused,
    EndpointUnreachable,
    EvalError,
    ModelError,
    RateLimited,
    RunResult,
    RunSpec,
)
from evals.warm import WarmCache
from tests.evals.support import (
    API_KEY,
    CLOZE_TASK,
    checkpoint_fixture,
    completions_model,
    hf_model,
    served_model,
    server_fixture,
    suite_dir_fixture,
)

__all__ = ["checkpoint_fixture", "server_fixture", "suite_dir_fixture"]  # fixtures by name


def correctness(result: RunResult) -> dict[int, float]:
    return {s.doc_id: s.value for s in result.samples if s.metric == "acc"}


@pytest.mark.slow
def test_completions_endpoint_scores_every_item_like_the_hf_backend(
    checkpoint: Path, suite_dir: Path, server: str
) -> None:
    tasks = (CLOZE_TASK,)
    local = run(RunSpec(hf_model(checkpoint), str(suite_dir), tasks), warm=False)
    served = run(
        RunSpec(completions_model(server, checkpoint), str(suite_dir), tasks, api_key=API_KEY),
        warm=False,
    )

    assert correctness(served) == correctness(local)
    assert served.metrics[0].value == local.metrics[0].value
    assert served.model_info["base_url"] == f"{server}/completions"


def test_the_key_appears_nowhere_in_results_logs_or_output(
    checkpoint: Path,
    suite_dir: Path,
    server: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    spec = RunSpec(completions_model(server, checkpoint), str(suite_dir), (CLOZE_TASK,), limit=4)

    result = run(dataclasses.replace(spec, api_key=API_KEY), warm=False)
    with pytest.raises(AuthenticationRefused) as refused:
        run(dataclasses.replace(spec, api_key=API_KEY + "-wrong"), warm=False)

    out, err = capfd.readouterr()
    everything = repr(result) + str(dataclasses.asdict(result)) + caplog.text + out + err
    assert result.metrics and "Running loglikelihood requests" in caplog.text + err
    assert API_KEY not in everything
    assert API_KEY not in str(refused.value) + repr(refused.value.__dict__)
    assert refused.value.__cause__ is None and refused.value.__context__ is None


def test_the_key_lives_in_the_environment_only_during_the_run(
    checkpoint: Path, suite_dir: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(API_KEY_ENV, "the-workers-own-key")
    with_key: list[str | None] = []
    without_key: list[str | None] = []
    spec = RunSpec(completions_model(server, checkpoint), str(suite_dir), (CLOZE_TASK,), limit=2)

    run(
        dataclasses.replace(spec, api_key=API_KEY),
        lambda done, total: with_key.append(os.environ.get(API_KEY_ENV)),
        warm=False,
    )
    # Without a key of its own, a run must not lend the worker's key to the endpoint.
    with pytest.raises(AuthenticationRefused):
        run(spec, lambda done, total: without_key.append(os.environ.get(API_KEY_ENV)), warm=False)

    assert set(with_key) == {API_KEY}
    assert set(without_key) == {None}
    assert os.environ[API_KEY_ENV] == "the-workers-own-key"


def test_a_warm_endpoint_model_uses_each_runs_key(
    checkpoint: Path, suite_dir: Path, server: str
) -> None:
    cache = WarmCache()
    spec = RunSpec(completions_model(server, checkpoint), str(suite_dir), (CLOZE_TASK,), limit=2)

    run(dataclasses.replace(spec, api_key=API_KEY), cache=cache)
    # lm-eval caches the Authorization header on the instance; a stale one would pass here.
    with pytest.raises(AuthenticationRefused):
        run(dataclasses.replace(spec, api_key="revoked"), cache=cache)
    run(dataclasses.replace(spec, api_key=API_KEY), cache=cache)


@pytest.fixture
def faulty_endpoint(checkpoint: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    model = served_model(checkpoint)
    url, stop = serve_in_thread(model=model, fault=request.param, fault_sleep=5)
    yield url
    stop()


def unused_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # closed again: connections are refused


@pytest.mark.parametrize(
    ("faulty_endpoint", "expected", "retryable"),
    [
        ("429", RateLimited, True),
        ("500", EndpointUnreachable, True),
        ("slow", EndpointUnreachable, True),
        ("garbage", ModelError, False),
        ("malformed", ModelError, False),
    ],
    indirect=["faulty_endpoint"],
)
def test_endpoint_failures_are_classified_quickly(
    checkpoint: Path,
    suite_dir: Path,
    faulty_endpoint: str,
    expected: type[EvalError],
    retryable: bool,
) -> None:
    model = completions_model(faulty_endpoint, checkpoint, timeout="1")
    started = time.monotonic()

    with pytest.raises(EvalError) as raised:
        run(RunSpec(model, str(suite_dir), (CLOZE_TASK,), api_key=API_KEY), warm=False)

    assert type(raised.value) is expected
    assert raised.value.retryable is retryable
    assert faulty_endpoint in str(raised.value)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("faulty_endpoint", ["429"], indirect=True)
def test_rate_limiting_passes_on_the_endpoints_wait(
    checkpoint: Path, suite_dir: Path, faulty_endpoint: str
) -> None:
    model = completions_model(faulty_endpoint, checkpoint)

    with pytest.raises(RateLimited) as raised:
        run(RunSpec(model, str(suite_dir), (CLOZE_TASK,)), warm=False)

    assert raised.value.retry_after == 1.0


def test_a_refused_connection_is_retryable_and_quick(checkpoint: Path, suite_dir: Path) -> None:
    url = unused_port_url()
    started = time.monotonic()

    with pytest.raises(EndpointUnreachable, match="Could not connect") as raised:
        run(RunSpec(completions_model(url, checkpoint), str(suite_dir), (CLOZE_TASK,)), warm=False)

    assert raised.value.retryable
    assert time.monotonic() - started < 10


def test_redact_scrubs_nested_values_and_keeps_types() -> None:
    value = {"a": ["x sk-1 y", ("sk-1",)], "b": 3, "sk-1": {"c": frozenset({"sk-1z"})}}

    assert redact(value, ["sk-1", None, ""]) == {
        "a": [f"x {REDACTED} y", (REDACTED,)],
        "b": 3,
        REDACTED: {"c": frozenset({f"{REDACTED}z"})},
    }


def test_redact_error_keeps_the_class_and_attributes() -> None:
    error = RateLimited("key sk-1 was limited")
    error.retry_after = 3.0

    clean = redact_error(error, ["sk-1"])

    assert isinstance(clean, RateLimited)
    assert (str(clean), clean.retry_after) == (f"key {REDACTED} was limited", 3.0)
