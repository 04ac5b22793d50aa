"""Backend arguments, option checks, compatibility and failure classification (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from evals.backends import (
    build_model_args,
    check_compatibility,
    checkpoint_digest,
    classify_model_failure,
    load_model,
)
from evals.spec import (
    AuthenticationRefused,
    EndpointUnreachable,
    EvalError,
    InvalidModelOptions,
    ModelError,
    ModelSpec,
    RateLimited,
    UnsupportedBackend,
)

URL = "http://models.internal:8000/v1/completions"


def completions(**options: str) -> ModelSpec:
    return ModelSpec(
        "local-completions", "served-7b", options={"base_url": URL, "tokenizer": "/tok", **options}
    )


def chat(**options: str) -> ModelSpec:
    return ModelSpec(
        "local-chat-completions",
        "served-7b",
        options={"base_url": "http://models.internal:8000/v1/chat/completions", **options},
    )


def test_hf_args_load_the_checkpoint_on_the_cpu_without_remote_code() -> None:
    model = ModelSpec("hf", "/data/ckpt", revision="abc123", options={"dtype": "float32"})

    args = build_model_args(model, batch_size=4)

    assert args == {
        "pretrained": "/data/ckpt",
        "revision": "abc123",
        "dtype": "float32",
        "device": "cpu",
        "batch_size": 4,
        "trust_remote_code": False,
    }


@pytest.mark.parametrize("backend", ["hf", "vllm", "local-completions", "local-chat-completions"])
def test_trust_remote_code_stays_off_whatever_the_options_say(backend: str) -> None:
    base = {"hf": ModelSpec("hf", "/c"), "vllm": ModelSpec("vllm", "/c")}
    model = base.get(backend) or (completions() if backend == "local-completions" else chat())
    model = ModelSpec(
        model.backend, model.identity, options={**model.options, "trust_remote_code": "true"}
    )

    assert build_model_args(model, batch_size=1)["trust_remote_code"] is False


def test_completions_args_use_the_local_tokenizer_retry_once_and_hold_no_key() -> None:
    args = build_model_args(completions(timeout="5"), batch_size=8)

    assert args["model"] == "served-7b"
    assert args["base_url"] == URL
    assert args["tokenizer"] == "/tok"
    assert args["tokenizer_backend"] == "huggingface"
    assert args["tokenized_requests"] is True
    assert args["max_retries"] == 1
    assert args["timeout"] == 5
    assert not any("key" in name or name == "token" for name in args)


def test_chat_args_send_untokenized_messages_one_at_a_time() -> None:
    args = build_model_args(chat(), batch_size=8)

    assert args["tokenizer_backend"] == "none"
    assert args["tokenized_requests"] is False
    assert args["batch_size"] == 1


def test_it_rejects_an_unknown_option_by_name() -> None:
    with pytest.raises(InvalidModelOptions, match=r"Unknown option.*api_key"):
        build_model_args(completions(api_key="sk-oops"), batch_size=1)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"timeout": "soon"}, "'timeout' must be a whole number"),
        ({"max_retries": "50"}, "'max_retries' must be between 1 and 5"),
        ({"tokenized_requests": "maybe"}, "must be true or false"),
        ({"base_url": "ftp://x/v1/completions"}, "must be an http"),
        ({"base_url": "http://u:pw@host/v1/completions"}, "must not contain credentials"),
        ({"base_url": "http://host/v1/chat/completions"}, "ending in /completions"),
        ({"base_url": "http://host/v1"}, "ending in /completions"),
    ],
)
def test_it_rejects_malformed_options(options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidModelOptions, match=message):
        build_model_args(completions(**options), batch_size=1)


def test_completions_need_a_base_url_and_a_tokenizer() -> None:
    model = ModelSpec("local-completions", "served-7b", options={"base_url": URL})

    with pytest.raises(InvalidModelOptions, match=r"needs the option.*tokenizer"):
        build_model_args(model, batch_size=1)


def test_a_chat_endpoint_cannot_score_a_multiple_choice_suite() -> None:
    with pytest.raises(UnsupportedBackend) as raised:
        check_compatibility(chat(), {"multiple_choice"}, suite_name="legal_cloze")

    assert str(raised.value) == (
        "The suite 'legal_cloze' scores answer likelihoods (multiple_choice), which a chat-only "
        "endpoint (local-chat-completions) cannot provide. Register the model's /v1/completions "
        "endpoint instead."
    )


def test_a_chat_endpoint_can_run_a_generation_suite() -> None:
    check_compatibility(chat(), {"generate_until"})


def test_a_completions_endpoint_can_score_every_output_type() -> None:
    check_compatibility(
        completions(),
        {"multiple_choice", "loglikelihood", "loglikelihood_rolling", "generate_until"},
    )


def test_vllm_refuses_clearly_without_a_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)

    with pytest.raises(UnsupportedBackend, match="needs a CUDA GPU"):
        load_model(ModelSpec("vllm", "/c"), batch_size=1)


def test_hf_refuses_a_checkpoint_that_is_not_a_local_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="No checkpoint directory"):
        load_model(ModelSpec("hf", "gpt2"), batch_size=1)


def test_checkpoint_digest_changes_with_the_content(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    before = checkpoint_digest(tmp_path)
    (tmp_path / "config.json").write_text('{"n_layer": 2}')

    assert checkpoint_digest(tmp_path) != before


def http_error(status: int, headers: dict[str, str] | None = None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    return requests.HTTPError(f"{status} error", response=response)


@pytest.mark.parametrize(
    ("failure", "expected", "retryable"),
    [
        (http_error(401), AuthenticationRefused, False),
        (http_error(403), AuthenticationRefused, False),
        (http_error(429), RateLimited, True),
        (http_error(503), EndpointUnreachable, True),
        (http_error(404), ModelError, False),
        (requests.ConnectionError("refused"), EndpointUnreachable, True),
        (requests.ReadTimeout("slow"), EndpointUnreachable, True),
        (requests.ConnectTimeout("slow"), EndpointUnreachable, True),
        (requests.JSONDecodeError("Expecting value", "<html>", 0), ModelError, False),
        (KeyError("choices"), ModelError, False),
    ],
)
def test_endpoint_failures_become_plain_errors_naming_the_endpoint(
    failure: Exception, expected: type[EvalError], retryable: bool
) -> None:
    error = classify_model_failure(failure, completions())

    assert type(error) is expected
    assert error.retryable is retryable
    assert URL in str(error)


def test_rate_limiting_carries_the_requested_wait() -> None:
    error = classify_model_failure(http_error(429, {"Retry-After": "7"}), completions())

    assert isinstance(error, RateLimited)
    assert error.retry_after == 7.0


def test_a_local_model_failure_is_a_model_error() -> None:
    error = classify_model_failure(RuntimeError("index out of range"), ModelSpec("hf", "/c"))

    assert isinstance(error, ModelError)
    assert "index out of range" in str(error)
